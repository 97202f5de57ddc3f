package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/steward-registry/steward/internal/events"
	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/steward"
	"github.com/steward-registry/steward/internal/tracking"
)

// parallel runs fn(i) for i in [0, n) at once and returns the errors by i.
func parallel(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = fn(i)
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

var concurrencyCases = []Case{
	{"concurrent version creates get distinct numbers", func(t *testing.T, e *Env) {
		const n = 20
		createModel(t, e, e.Ctx, registry.ModelCreate{Name: "m"})
		must(t, e.Registry.AddBlob(e.Ctx, digestA, 5))
		got := make([]int64, n)
		errs := parallel(n, func(i int) error {
			v, err := e.Registry.CreateVersion(e.Ctx, "m", registry.VersionCreate{Files: []registry.File{fileA}, Description: fmt.Sprint(i)})
			if err == nil {
				got[i] = v.Version
			}
			return err
		})
		for i, err := range errs {
			if err != nil {
				t.Errorf("create %d: %v", i, err)
			}
		}
		if t.Failed() {
			t.FailNow()
		}
		slices.Sort(got)
		for i, v := range got {
			if v != int64(i+1) {
				t.Fatalf("version numbers %v, want 1..%d each once", got, n)
			}
		}
		vs := collect(t, 7, func(p steward.PageRequest) ([]*registry.Version, string, error) {
			return e.Registry.ListVersions(e.Ctx, registry.VersionFilter{Model: "m"}, p)
		})
		if len(vs) != n || vs[0].Version != n || vs[n-1].Version != 1 {
			t.Fatalf("listed %d versions (%v), want %d from %d down to 1", len(vs), versionKeys(vs), n, n)
		}
		m, err := e.Registry.GetModel(e.Ctx, "m")
		must(t, err)
		if m.LatestVersion != n {
			t.Fatalf("latest version %d, want %d", m.LatestVersion, n)
		}
		evs, err := e.DB.ListEvents(e.Ctx, events.Filter{Action: "model_version.create"})
		must(t, err)
		if len(evs) != n {
			t.Fatalf("%d version create events, want %d", len(evs), n)
		}
	}},
	{"concurrent updates with one revision: one wins", func(t *testing.T, e *Env) {
		const n = 10
		createModel(t, e, e.Ctx, registry.ModelCreate{Name: "m"})
		errs := parallel(n, func(i int) error {
			_, err := e.Registry.UpdateModel(e.Ctx, "m", registry.ModelUpdate{Description: ptr(fmt.Sprint("writer ", i))}, 1)
			return err
		})
		winner := -1
		for i, err := range errs {
			switch steward.ErrorCode(err) {
			case "":
				if winner >= 0 {
					t.Fatalf("writers %d and %d both succeeded with revision 1 (lost update)", winner, i)
				}
				winner = i
			case steward.CodePreconditionFailed:
			default:
				t.Fatalf("writer %d: got error %v, want success or %q", i, err, steward.CodePreconditionFailed)
			}
		}
		if winner < 0 {
			t.Fatalf("no writer succeeded, want exactly one")
		}
		m, err := e.Registry.GetModel(e.Ctx, "m")
		must(t, err)
		if want := fmt.Sprint("writer ", winner); m.Revision != 2 || m.Description != want {
			t.Fatalf("model at revision %d with description %q, want revision 2 with %q", m.Revision, m.Description, want)
		}
		evs, err := e.DB.ListEvents(e.Ctx, events.Filter{Action: "model.update"})
		must(t, err)
		if len(evs) != 1 {
			t.Fatalf("%d update events, want 1", len(evs))
		}
	}},
	{"concurrent updates without a revision all apply", func(t *testing.T, e *Env) {
		// Without If-Match a writer must not fail because another one
		// committed between its read and its write; each change lands on top
		// of the previous ones.
		const n = 10
		createModel(t, e, e.Ctx, registry.ModelCreate{Name: "m"})
		x, err := e.Tracking.CreateExperiment(e.Ctx, "x", "", nil)
		must(t, err)
		errs := parallel(2*n, func(i int) error {
			if i%2 == 0 {
				_, err := e.Registry.UpdateModel(e.Ctx, "m", registry.ModelUpdate{Description: ptr(fmt.Sprint(i))}, 0)
				return err
			}
			_, err := e.Tracking.SetExperimentTag(e.Ctx, x.ID, fmt.Sprint("k", i), "v")
			return err
		})
		for i, err := range errs {
			if err != nil {
				t.Errorf("writer %d: %v", i, err)
			}
		}
		if t.Failed() {
			t.FailNow()
		}
		m, err := e.Registry.GetModel(e.Ctx, "m")
		must(t, err)
		if m.Revision != n+1 {
			t.Fatalf("model revision %d after %d updates, want %d", m.Revision, n, n+1)
		}
		got, err := e.Tracking.GetExperiment(e.Ctx, x.ID)
		must(t, err)
		if len(got.Tags) != n || got.Revision != x.Revision+n {
			t.Fatalf("experiment has %d tags at revision %d, want %d tags at revision %d", len(got.Tags), got.Revision, n, x.Revision+n)
		}
		evs, err := e.DB.ListEvents(e.Ctx, events.Filter{Action: "model.update"})
		must(t, err)
		if len(evs) != n {
			t.Fatalf("%d model update events, want %d", len(evs), n)
		}
	}},
	{"concurrent params: same value is idempotent, first value wins", func(t *testing.T, e *Env) {
		const n = 10
		r, err := e.Tracking.CreateRun(e.Ctx, tracking.RunCreate{})
		must(t, err)
		for i, err := range parallel(n, func(int) error { return e.Tracking.LogParam(e.Ctx, r.ID, "lr", "0.1") }) {
			if err != nil {
				t.Fatalf("writer %d logging the same value: %v, want success", i, err)
			}
		}
		errs := parallel(n, func(i int) error { return e.Tracking.LogParam(e.Ctx, r.ID, "bs", fmt.Sprint(i)) })
		winner := -1
		for i, err := range errs {
			switch steward.ErrorCode(err) {
			case "":
				if winner >= 0 {
					t.Fatalf("writers %d and %d both set param bs", winner, i)
				}
				winner = i
			case steward.CodeInvalid:
			default:
				t.Fatalf("writer %d: got error %v, want success or %q", i, err, steward.CodeInvalid)
			}
		}
		got, err := e.Tracking.GetRun(e.Ctx, r.ID)
		must(t, err)
		if winner < 0 || got.Params["bs"] != fmt.Sprint(winner) || got.Params["lr"] != "0.1" {
			t.Fatalf("params %v with winner %d, want lr=0.1 and the winner's bs", got.Params, winner)
		}
		evs, err := e.DB.ListEvents(e.Ctx, events.Filter{Action: "run.log"})
		must(t, err)
		if len(evs) != n+1 {
			t.Fatalf("%d run.log events, want %d (every idempotent write and the winner)", len(evs), n+1)
		}
	}},
}
