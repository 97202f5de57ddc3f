package storetest

import (
	"context"
	"math"
	"testing"

	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/steward"
	"github.com/steward-registry/steward/internal/tracking"
)

var trackingCases = []Case{
	{"default experiment exists", func(t *testing.T, e *Env) {
		x, err := e.Tracking.GetExperiment(e.Ctx, "0")
		must(t, err)
		if x.Name != "Default" {
			t.Fatalf("got %+v", x)
		}
	}},
	{"runs params metrics tags", func(t *testing.T, e *Env) {
		x, err := e.Tracking.CreateExperiment(e.Ctx, "exp", "", map[string]string{"k": "v"})
		must(t, err)
		r, err := e.Tracking.CreateRun(e.Ctx, tracking.RunCreate{ExperimentID: x.ID, Name: "r1"})
		must(t, err)
		must(t, e.Tracking.LogParam(e.Ctx, r.ID, "lr", "0.1"))
		must(t, e.Tracking.LogParam(e.Ctx, r.ID, "lr", "0.1")) // same value: idempotent
		wantCode(t, e.Tracking.LogParam(e.Ctx, r.ID, "lr", "0.2"), steward.CodeInvalid)
		for i, v := range []float64{0.5, math.NaN(), math.Inf(1), 0.9} {
			must(t, e.Tracking.LogMetric(e.Ctx, r.ID, tracking.Metric{Key: "auc", Value: tracking.Float(v), Step: int64(i), Timestamp: 1000 + int64(i)}))
		}
		must(t, e.Tracking.SetTag(e.Ctx, r.ID, "team", "risk"))
		got, err := e.Tracking.GetRun(e.Ctx, r.ID)
		must(t, err)
		if got.Params["lr"] != "0.1" || got.Tags["team"] != "risk" || len(got.Metrics) != 1 || got.Metrics[0].Value != 0.9 {
			t.Fatalf("run %+v", got)
		}
		h, _, err := e.Tracking.MetricHistory(e.Ctx, r.ID, "auc", steward.PageRequest{})
		must(t, err)
		if len(h) != 4 || !math.IsNaN(float64(h[1].Value)) || !math.IsInf(float64(h[2].Value), 1) {
			t.Fatalf("history %+v", h)
		}
		_, err = e.Tracking.DeleteRun(e.Ctx, r.ID)
		must(t, err)
		wantCode(t, e.Tracking.SetTag(e.Ctx, r.ID, "x", "y"), steward.CodeConflict)
		rs, _, err := e.Tracking.ListRuns(e.Ctx, tracking.RunFilter{ExperimentIDs: []string{x.ID}}, steward.PageRequest{})
		must(t, err)
		if len(rs) != 0 {
			t.Fatalf("deleted run listed as active")
		}
		_, err = e.Tracking.RestoreRun(e.Ctx, r.ID)
		must(t, err)
		rs, _, err = e.Tracking.ListRuns(e.Ctx, tracking.RunFilter{ExperimentIDs: []string{x.ID}}, steward.PageRequest{})
		must(t, err)
		if len(rs) != 1 {
			t.Fatalf("restored run not listed")
		}
	}},
}

var trackingIsolationCases = []Case{
	{"tracking is isolated by workspace", func(t *testing.T, e *Env) {
		b := createWorkspace(t, e, "team-b")
		_, err := e.Tracking.GetExperiment(b, tracking.DefaultExperimentID)
		wantCode(t, err, steward.CodeNotFound) // experiment 0 belongs to the default workspace
		xb, err := e.Tracking.CreateExperiment(b, "shared-name", "", nil)
		must(t, err)
		xa, err := e.Tracking.CreateExperiment(e.Ctx, "shared-name", "", nil)
		must(t, err) // names are unique per workspace only
		rb, err := e.Tracking.CreateRun(b, tracking.RunCreate{ExperimentID: xb.ID})
		must(t, err)
		must(t, e.Tracking.LogMetric(b, rb.ID, tracking.Metric{Key: "m", Value: 1}))
		ra, err := e.Tracking.CreateRun(e.Ctx, tracking.RunCreate{ExperimentID: xa.ID})
		must(t, err)

		before := snapshot(t, e)
		_, err = e.Tracking.GetExperiment(e.Ctx, xb.ID)
		wantCode(t, err, steward.CodeNotFound)
		got, err := e.Tracking.GetExperimentByName(e.Ctx, "shared-name")
		must(t, err)
		if got.ID != xa.ID {
			t.Fatalf("default workspace resolves shared-name to %s, want its own %s", got.ID, xa.ID)
		}
		_, err = e.Tracking.GetRun(e.Ctx, rb.ID)
		wantCode(t, err, steward.CodeNotFound)
		_, _, err = e.Tracking.MetricHistory(e.Ctx, rb.ID, "m", steward.PageRequest{})
		wantCode(t, err, steward.CodeNotFound)
		_, err = e.Tracking.CreateRun(e.Ctx, tracking.RunCreate{ExperimentID: xb.ID})
		wantCode(t, err, steward.CodeNotFound)
		wantCode(t, e.Tracking.LogMetric(e.Ctx, rb.ID, tracking.Metric{Key: "m", Value: 2}), steward.CodeNotFound)
		wantCode(t, e.Tracking.DeleteTag(e.Ctx, rb.ID, "x"), steward.CodeNotFound)
		_, err = e.Tracking.UpdateRun(e.Ctx, rb.ID, tracking.RunUpdate{Status: ptr("KILLED")}, 0)
		wantCode(t, err, steward.CodeNotFound)
		_, err = e.Tracking.DeleteRun(e.Ctx, rb.ID)
		wantCode(t, err, steward.CodeNotFound)
		_, err = e.Tracking.RenameExperiment(e.Ctx, xb.ID, "stolen", 0)
		wantCode(t, err, steward.CodeNotFound)
		_, err = e.Tracking.DeleteExperiment(e.Ctx, xb.ID, 0)
		wantCode(t, err, steward.CodeNotFound)
		_, err = e.Tracking.SetExperimentTag(e.Ctx, xb.ID, "k", "v")
		wantCode(t, err, steward.CodeNotFound)
		wantUnchanged(t, e, before)

		for _, c := range []struct {
			ctx  context.Context
			want string
		}{{e.Ctx, ra.ID}, {b, rb.ID}} {
			rs, _, err := e.Tracking.ListRuns(c.ctx, tracking.RunFilter{ViewType: tracking.All}, steward.PageRequest{})
			must(t, err)
			if len(rs) != 1 || rs[0].ID != c.want {
				t.Fatalf("workspace %s lists %d runs, want only %s", steward.WorkspaceFrom(c.ctx), len(rs), c.want)
			}
			xs, _, err := e.Tracking.ListExperiments(c.ctx, tracking.ExperimentFilter{ViewType: tracking.All}, steward.PageRequest{})
			must(t, err)
			for _, x := range xs {
				if x.Workspace != steward.WorkspaceFrom(c.ctx) {
					t.Fatalf("workspace %s lists experiment %s of %s", steward.WorkspaceFrom(c.ctx), x.ID, x.Workspace)
				}
			}
		}
		// Runs of another workspace cannot be linked to a model version.
		createModel(t, e, e.Ctx, registry.ModelCreate{Name: "m"})
		must(t, e.Registry.AddBlob(e.Ctx, digestA, 5))
		_, err = e.Registry.CreateVersion(e.Ctx, "m", registry.VersionCreate{Files: []registry.File{fileA}, RunID: rb.ID})
		wantCode(t, err, steward.CodeNotFound)
	}},
}
