package storetest

import (
	"testing"

	"github.com/steward-registry/steward/internal/lineage"
)

// TestOpenLineageBenchEvent keeps the benchmark's event stream valid.
func TestOpenLineageBenchEvent(t *testing.T) {
	for _, i := range []int{0, 1, 86399, 123456} {
		ev := OpenLineageBenchEvent(i)
		if _, err := lineage.ParseOpenLineage(ev); err != nil {
			t.Fatalf("event %d: %v\n%s", i, err, ev)
		}
		if len(ev) < 1000 || len(ev) > 3000 {
			t.Errorf("event %d is %d bytes", i, len(ev))
		}
	}
}
