package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/steward-registry/steward/internal/audit"
	"github.com/steward-registry/steward/internal/events"
	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/steward"
	"github.com/steward-registry/steward/internal/store/sqlstore"
)

// RunAuditReplicas checks that several replicas (independent connection
// pools, as separate servers would have) writing to one database at once
// produce a single audit chain with no gap and no fork. Each replica runs
// writers that make changes through the registry service, record lone
// events (as denials are recorded) and fail transactions after their event
// was appended; the chain must hold exactly the committed events, in seq
// order, and verify. replicas opens n pools on one fresh database.
func RunAuditReplicas(t *testing.T, replicas func(t *testing.T, n int) []*sqlstore.DB) {
	const nReplicas, writers, ops = 4, 4, 15
	dbs := replicas(t, nReplicas)
	ctx := steward.WithPrincipal(context.Background(), steward.Anonymous)
	boom := errors.New("boom")
	var mu sync.Mutex
	committed := map[string]bool{} // object id of every committed event
	var wg sync.WaitGroup
	errc := make(chan error, nReplicas*writers)
	for r, db := range dbs {
		reg := registry.NewService(db.Registry(), nil, nil)
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range ops {
					id := fmt.Sprintf("r%d-w%d-%d", r, w, i)
					var err error
					switch i % 3 {
					case 0:
						var m *registry.Model
						if m, err = reg.CreateModel(ctx, registry.ModelCreate{Name: id}); err == nil {
							id = m.ID
						}
					case 1:
						var e *events.Event
						if e, err = events.New(ctx, fixedTime, "model.delete", "model", id, nil, nil); err == nil {
							e.Outcome = events.OutcomeDenied
							err = db.RecordEvent(ctx, e)
						}
					case 2:
						err = db.InTx(ctx, func(tx *sqlstore.Tx) error {
							e, err := events.New(ctx, fixedTime, "model.update", "model", id, nil, nil)
							if err != nil {
								return err
							}
							if err := tx.AppendEvent(ctx, e); err != nil {
								return err
							}
							if err := tx.FlushEvents(ctx); err != nil {
								return err
							}
							return boom
						})
						if errors.Is(err, boom) {
							continue
						}
					}
					if err != nil {
						errc <- fmt.Errorf("%s: %w", id, err)
						return
					}
					mu.Lock()
					committed[id] = true
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	// The replicas' sealers ran during the writes; seal what they have not
	// reached yet, from another replica than the one that scans.
	must(t, dbs[2].Seal(ctx))
	var seen int
	must(t, dbs[0].ScanChain(ctx, func(e *events.Event) error {
		if !committed[e.ObjectID] {
			return fmt.Errorf("event seq %d (%s %s) is in the chain but was not committed", e.Seq, e.Action, e.ObjectID)
		}
		if e.Leaf < 0 {
			return fmt.Errorf("event seq %d (%s %s) was committed before Seal but is not sealed", e.Seq, e.Action, e.ObjectID)
		}
		seen++
		return nil
	}))
	if seen != len(committed) {
		t.Fatalf("chain holds %d events, %d were committed", seen, len(committed))
	}
	rep, err := audit.VerifyLog(ctx, dbs[1], nil, nil)
	must(t, err)
	if !rep.OK || rep.Events != int64(len(committed)) || rep.TreeSize != rep.Events || rep.Pending != 0 {
		t.Fatalf("replicas' chain: %+v", rep)
	}
}
