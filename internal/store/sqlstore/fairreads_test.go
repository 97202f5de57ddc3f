package sqlstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/steward-registry/steward/internal/store/storetest"
)

// TestFairReadsBoundsSnapshots checks that snapshots wait for a place at
// the gate: with every place held, another waits until its context ends,
// and gets in once a place is freed.
func TestFairReadsBoundsSnapshots(t *testing.T) {
	db := storetest.OpenSQLite(t)
	db.FairReads(2)
	ctx := context.Background()
	held, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 2)
	for range 2 {
		go func() {
			done <- db.Snapshot(ctx, func() error {
				held <- struct{}{}
				<-release
				return nil
			})
		}()
	}
	<-held
	<-held

	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	ran := false
	err := db.Snapshot(short, func() error { ran = true; return nil })
	if !errors.Is(err, context.DeadlineExceeded) || ran {
		t.Fatalf("third snapshot with both places held: err %v, ran %v; want it to wait until its deadline", err, ran)
	}

	close(release)
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Snapshot(ctx, func() error { ran = true; return nil }); err != nil || !ran {
		t.Fatalf("snapshot after the places were freed: err %v, ran %v", err, ran)
	}
}
