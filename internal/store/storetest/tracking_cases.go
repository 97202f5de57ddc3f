package storetest

import (
	"math"
	"testing"

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
