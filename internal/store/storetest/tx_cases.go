package storetest

import (
	"errors"
	"testing"

	"github.com/steward-registry/steward/internal/events"
	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/steward"
	"github.com/steward-registry/steward/internal/tracking"
)

// Store.Update is the seam that makes a change and its event atomic; the
// services rarely fail after a write, so these cases fail inside it directly.
var txCases = []Case{
	{"update keeps nothing when fn fails", func(t *testing.T, e *Env) {
		must(t, e.Registry.AddBlob(e.Ctx, digestA, 5)) // so a rollback has something to keep
		boom := errors.New("boom")
		model := &registry.Model{ID: "m1", Workspace: steward.DefaultWorkspace, Name: "m", Kind: registry.KindML, CreatedBy: "x", Revision: 1}
		for _, c := range []struct {
			name string
			fn   func() error
		}{
			{"registry error", func() error {
				return e.DB.Registry().Update(e.Ctx, func(r registry.Repo) error {
					must(t, r.CreateModel(e.Ctx, model))
					must(t, r.SetModelTag(e.Ctx, model.ID, "k", "v"))
					must(t, r.AppendEvent(e.Ctx, &events.Event{Workspace: steward.DefaultWorkspace, ActorID: "x", ActorKind: "user", Action: "model.create", ObjectType: "model", ObjectID: model.ID}))
					return boom
				})
			}},
			{"tracking error", func() error {
				return e.DB.Tracking().Update(e.Ctx, func(r tracking.Repo) error {
					x := &tracking.Experiment{Workspace: steward.DefaultWorkspace, Name: "x", LifecycleStage: tracking.StageActive, Revision: 1}
					must(t, r.CreateExperiment(e.Ctx, x))
					must(t, r.SetExperimentTag(e.Ctx, x.ID, "k", "v"))
					return boom
				})
			}},
			{"registry panic", func() (err error) {
				defer func() {
					if p := recover(); p != boom {
						t.Fatalf("recovered %v, want the panic to reach the caller", p)
					}
					err = boom
				}()
				return e.DB.Registry().Update(e.Ctx, func(r registry.Repo) error {
					must(t, r.CreateModel(e.Ctx, model))
					panic(boom)
				})
			}},
		} {
			before := snapshot(t, e)
			if err := c.fn(); !errors.Is(err, boom) {
				t.Fatalf("%s: got %v, want fn's error", c.name, err)
			}
			wantUnchanged(t, e, before)
		}
		// The store is still usable after the failures.
		createModel(t, e, e.Ctx, registry.ModelCreate{Name: "m"})
	}},
}
