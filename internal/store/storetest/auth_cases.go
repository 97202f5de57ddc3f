package storetest

import (
	"context"
	"testing"

	"github.com/steward-registry/steward/internal/steward"
)

var authCases = []Case{
	{"mutations without a principal are rejected", func(t *testing.T, e *Env) {
		anon := steward.WithRequestInfo(context.Background(), aliceReq) // no principal
		before := snapshot(t, e)
		_, err := e.Registry.CreateWorkspace(anon, "team-x", "")
		wantCode(t, err, steward.CodeUnauthenticated)
		wantUnchanged(t, e, before)

		// Each mutation is tried first without a principal, then with one, so
		// the rejected call always has everything it needs but a principal.
		for _, m := range eventMutations(e) {
			before := snapshot(t, e)
			_, err := m.do(anon)
			if got := steward.ErrorCode(err); got != steward.CodeUnauthenticated {
				t.Fatalf("%s without a principal: got error %v (code %q), want %q", m.action, err, got, steward.CodeUnauthenticated)
			}
			wantUnchanged(t, e, before)
			if _, err := m.do(e.Ctx); err != nil {
				t.Fatalf("%s with a principal: %v", m.action, err)
			}
			if after := snapshot(t, e); after["events"] != before["events"]+1 {
				t.Fatalf("%s with a principal wrote %d events, want 1", m.action, after["events"]-before["events"])
			}
		}
	}},
}
