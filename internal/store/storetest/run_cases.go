package storetest

import (
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/steward-registry/steward/internal/steward"
	"github.com/steward-registry/steward/internal/tracking"
)

// userTags returns a run's tags without the run name MLflow mirrors into one.
func userTags(r *tracking.Run) map[string]string {
	out := maps.Clone(r.Tags)
	delete(out, tracking.RunNameTag)
	return out
}

func newRun(t *testing.T, e *Env) *tracking.Run {
	t.Helper()
	r, err := e.Tracking.CreateRun(e.Ctx, tracking.RunCreate{})
	must(t, err)
	return r
}

var runCases = []Case{
	{"run update status and end time", func(t *testing.T, e *Env) {
		r, err := e.Tracking.CreateRun(e.Ctx, tracking.RunCreate{Name: "r", StartTime: 1000})
		must(t, err)
		if r.ExperimentID != tracking.DefaultExperimentID || r.Status != "RUNNING" || r.EndTime != nil || r.UserID != "anonymous" || r.Revision != 1 {
			t.Fatalf("created %+v, want a RUNNING run of experiment 0 by anonymous", r)
		}
		got, err := e.Tracking.UpdateRun(e.Ctx, r.ID, tracking.RunUpdate{Status: ptr("FINISHED"), EndTime: ptr(int64(2000))}, 1)
		must(t, err)
		if got.Status != "FINISHED" || got.EndTime == nil || *got.EndTime != 2000 || got.Revision != 2 || got.Name != "r" {
			t.Fatalf("update returned %+v, want FINISHED ending at 2000, revision 2", got)
		}
		got, err = e.Tracking.GetRun(e.Ctx, r.ID)
		must(t, err)
		if got.Status != "FINISHED" || got.EndTime == nil || *got.EndTime != 2000 || got.StartTime != 1000 {
			t.Fatalf("stored %+v, want FINISHED from 1000 to 2000", got)
		}
		before := snapshot(t, e)
		for _, s := range []string{"DONE", "finished", ""} {
			_, err = e.Tracking.UpdateRun(e.Ctx, r.ID, tracking.RunUpdate{Status: ptr(s)}, 0)
			if got := steward.ErrorCode(err); got != steward.CodeInvalid {
				t.Fatalf("status %q: got error %v (code %q), want %q", s, err, got, steward.CodeInvalid)
			}
		}
		_, err = e.Tracking.UpdateRun(e.Ctx, r.ID, tracking.RunUpdate{Status: ptr("FAILED")}, 1)
		wantCode(t, err, steward.CodePreconditionFailed)
		_, err = e.Tracking.UpdateRun(e.Ctx, "no-such-run", tracking.RunUpdate{Status: ptr("FAILED")}, 0)
		wantCode(t, err, steward.CodeNotFound)
		wantUnchanged(t, e, before)

		_, err = e.Tracking.DeleteRun(e.Ctx, r.ID)
		must(t, err)
		_, err = e.Tracking.UpdateRun(e.Ctx, r.ID, tracking.RunUpdate{Status: ptr("KILLED")}, 0)
		wantCode(t, err, steward.CodeConflict)
	}},
	{"log batch is all or nothing", func(t *testing.T, e *Env) {
		r := newRun(t, e)
		must(t, e.Tracking.LogParam(e.Ctx, r.ID, "lr", "0.1"))
		ms := []tracking.Metric{{Key: "loss", Value: 1, Step: 1, Timestamp: 10}, {Key: "acc", Value: 0.5, Step: 1, Timestamp: 10}}
		for _, c := range []struct {
			name string
			b    tracking.Batch
		}{
			{"changed param", tracking.Batch{Metrics: ms, Params: []tracking.Param{{Key: "new", Value: "1"}, {Key: "lr", Value: "0.2"}}, Tags: []tracking.Param{{Key: "t", Value: "v"}}}},
			{"conflicting params in batch", tracking.Batch{Metrics: ms, Params: []tracking.Param{{Key: "bs", Value: "1"}, {Key: "bs", Value: "2"}}}},
			{"bad metric key", tracking.Batch{Metrics: append(ms[:1:1], tracking.Metric{Key: "bad*key", Value: 1}), Params: []tracking.Param{{Key: "new", Value: "1"}}}},
			{"bad tag key", tracking.Batch{Metrics: ms, Tags: []tracking.Param{{Key: "ok", Value: "1"}, {Key: "", Value: "1"}}}},
			{"param value too long", tracking.Batch{Metrics: ms, Params: []tracking.Param{{Key: "long", Value: strings.Repeat("v", tracking.MaxParamValue+1)}}}},
		} {
			before := snapshot(t, e)
			err := e.Tracking.LogBatch(e.Ctx, r.ID, c.b)
			if got := steward.ErrorCode(err); got != steward.CodeInvalid {
				t.Fatalf("%s: got error %v (code %q), want %q", c.name, err, got, steward.CodeInvalid)
			}
			wantUnchanged(t, e, before)
		}
		got, err := e.Tracking.GetRun(e.Ctx, r.ID)
		must(t, err)
		if len(got.Metrics) != 0 || len(userTags(got)) != 0 || !maps.Equal(got.Params, map[string]string{"lr": "0.1"}) {
			t.Fatalf("run after rejected batches: metrics %v tags %v params %v, want only lr=0.1", got.Metrics, userTags(got), got.Params)
		}
		h, _, err := e.Tracking.MetricHistory(e.Ctx, r.ID, "loss", steward.PageRequest{})
		must(t, err)
		if len(h) != 0 {
			t.Fatalf("loss history %v after rejected batches, want empty", h)
		}
		must(t, e.Tracking.LogBatch(e.Ctx, r.ID, tracking.Batch{Metrics: ms, Params: []tracking.Param{{Key: "lr", Value: "0.1"}, {Key: "bs", Value: "32"}}, Tags: []tracking.Param{{Key: "t", Value: "v"}}}))
		got, err = e.Tracking.GetRun(e.Ctx, r.ID)
		must(t, err)
		if len(got.Metrics) != 2 || got.Tags["t"] != "v" || !maps.Equal(got.Params, map[string]string{"lr": "0.1", "bs": "32"}) {
			t.Fatalf("run after a good batch: metrics %v tags %v params %v", got.Metrics, got.Tags, got.Params)
		}
	}},
	{"metric history order and paging", func(t *testing.T, e *Env) {
		r := newRun(t, e)
		// Logged out of order, some in one batch; ties on (step, timestamp)
		// differ in value.
		points := []tracking.Metric{
			{Key: "loss", Value: 5, Step: 3, Timestamp: 100},
			{Key: "loss", Value: 1, Step: 0, Timestamp: 300},
			{Key: "loss", Value: 4, Step: 2, Timestamp: 200},
			{Key: "loss", Value: 3, Step: 2, Timestamp: 100},
			{Key: "loss", Value: 2, Step: 1, Timestamp: 50},
			{Key: "loss", Value: 7, Step: 3, Timestamp: 150},
			{Key: "loss", Value: 6, Step: 3, Timestamp: 150},
		}
		must(t, e.Tracking.LogBatch(e.Ctx, r.ID, tracking.Batch{Metrics: points[:3]}))
		for _, p := range points[3:] {
			must(t, e.Tracking.LogMetric(e.Ctx, r.ID, p))
		}
		must(t, e.Tracking.LogMetric(e.Ctx, r.ID, tracking.Metric{Key: "other", Value: 9, Step: 0, Timestamp: 1}))
		for _, size := range []int{1, 2, 3, 7, 100} {
			h := collect(t, size, func(p steward.PageRequest) ([]tracking.Metric, string, error) {
				return e.Tracking.MetricHistory(e.Ctx, r.ID, "loss", p)
			})
			var got []string
			for _, m := range h {
				got = append(got, fmt.Sprintf("%d@%d", m.Step, m.Timestamp))
			}
			wantStrings(t, fmt.Sprintf("history steps@timestamps, page size %d", size), got,
				[]string{"0@300", "1@50", "2@100", "2@200", "3@100", "3@150", "3@150"})
			seen := map[tracking.Float]int{}
			for _, m := range h {
				seen[m.Value]++
			}
			for v := 1; v <= 7; v++ {
				if seen[tracking.Float(v)] != 1 {
					t.Fatalf("page size %d: value %d returned %d times, want once (history %v)", size, v, seen[tracking.Float(v)], h)
				}
			}
		}
		h, _, err := e.Tracking.MetricHistory(e.Ctx, r.ID, "missing", steward.PageRequest{})
		must(t, err)
		if len(h) != 0 {
			t.Fatalf("history of a key never logged: %v, want empty", h)
		}
		_, _, err = e.Tracking.MetricHistory(e.Ctx, "no-such-run", "loss", steward.PageRequest{})
		wantCode(t, err, steward.CodeNotFound)
		_, next, err := e.Tracking.MetricHistory(e.Ctx, r.ID, "loss", steward.PageRequest{Size: 2})
		must(t, err)
		_, _, err = e.Tracking.MetricHistory(e.Ctx, r.ID, "other", steward.PageRequest{Size: 2, Token: next})
		wantCode(t, err, steward.CodeInvalid)
	}},
	{"latest metric is highest step then timestamp then value", func(t *testing.T, e *Env) {
		r := newRun(t, e)
		for i, c := range []struct {
			log  tracking.Metric
			want float64
		}{
			{tracking.Metric{Value: 1, Step: 2, Timestamp: 10}, 1},
			{tracking.Metric{Value: 5, Step: 1, Timestamp: 99}, 1},  // lower step loses despite newer timestamp
			{tracking.Metric{Value: 0, Step: 2, Timestamp: 20}, 0},  // same step, newer timestamp wins
			{tracking.Metric{Value: -1, Step: 2, Timestamp: 15}, 0}, // same step, older timestamp loses
			{tracking.Metric{Value: 3, Step: 2, Timestamp: 20}, 3},  // same step and timestamp, higher value wins
			{tracking.Metric{Value: 2, Step: 2, Timestamp: 20}, 3},  // lower value loses
			{tracking.Metric{Value: -7, Step: 3, Timestamp: 1}, -7}, // higher step wins despite older timestamp
		} {
			c.log.Key = "m"
			must(t, e.Tracking.LogMetric(e.Ctx, r.ID, c.log))
			got, err := e.Tracking.GetRun(e.Ctx, r.ID)
			must(t, err)
			if len(got.Metrics) != 1 || float64(got.Metrics[0].Value) != c.want {
				t.Fatalf("after point %d (%+v): latest %+v, want value %v", i, c.log, got.Metrics, c.want)
			}
		}
		// The same rule within one batch, whatever the order of the points.
		must(t, e.Tracking.LogBatch(e.Ctx, r.ID, tracking.Batch{Metrics: []tracking.Metric{
			{Key: "b", Value: 9, Step: 5, Timestamp: 1}, {Key: "b", Value: 4, Step: 5, Timestamp: 3}, {Key: "b", Value: 8, Step: 4, Timestamp: 9},
		}}))
		got, err := e.Tracking.GetRun(e.Ctx, r.ID)
		must(t, err)
		if len(got.Metrics) != 2 || got.Metrics[0].Key != "b" || got.Metrics[0].Value != 4 || got.Metrics[0].Step != 5 || got.Metrics[0].Timestamp != 3 {
			t.Fatalf("latest metrics %+v, want b=4 at step 5, timestamp 3 first", got.Metrics)
		}
	}},
	{"run tag delete", func(t *testing.T, e *Env) {
		r, err := e.Tracking.CreateRun(e.Ctx, tracking.RunCreate{Tags: map[string]string{"a": "1", "b": "2"}})
		must(t, err)
		must(t, e.Tracking.SetTag(e.Ctx, r.ID, "a", "one"))
		must(t, e.Tracking.DeleteTag(e.Ctx, r.ID, "b"))
		// A batch that sets a tag twice keeps the later value, as if the
		// tags were set one by one.
		must(t, e.Tracking.LogBatch(e.Ctx, r.ID, tracking.Batch{Tags: []tracking.Param{{Key: "c", Value: "first"}, {Key: "c", Value: "last"}}}))
		must(t, e.Tracking.DeleteTag(e.Ctx, r.ID, "c"))
		must(t, e.Tracking.LogBatch(e.Ctx, r.ID, tracking.Batch{Tags: []tracking.Param{{Key: "a", Value: "x"}, {Key: "a", Value: "one"}}}))
		got, err := e.Tracking.GetRun(e.Ctx, r.ID)
		must(t, err)
		if want := map[string]string{"a": "one"}; !maps.Equal(userTags(got), want) {
			t.Fatalf("tags %v, want %v", userTags(got), want)
		}
		before := snapshot(t, e)
		wantCode(t, e.Tracking.DeleteTag(e.Ctx, r.ID, "b"), steward.CodeNotFound)
		wantCode(t, e.Tracking.DeleteTag(e.Ctx, "no-such-run", "a"), steward.CodeNotFound)
		wantUnchanged(t, e, before)
	}},
	{"run list pages newest first", func(t *testing.T, e *Env) {
		x, err := e.Tracking.CreateExperiment(e.Ctx, "x", "", nil)
		must(t, err)
		want := map[string]string{}
		var order []string
		for i, st := range []int64{300, 100, 300, 200, 300} {
			r, err := e.Tracking.CreateRun(e.Ctx, tracking.RunCreate{ExperimentID: x.ID, StartTime: st, Name: fmt.Sprint(i)})
			must(t, err)
			want[r.ID] = r.Name
			order = append(order, r.ID)
		}
		_, err = e.Tracking.CreateRun(e.Ctx, tracking.RunCreate{StartTime: 400}) // another experiment
		must(t, err)
		var prev *tracking.Run
		for _, size := range []int{1, 2, 4, 100} {
			rs := collect(t, size, func(p steward.PageRequest) ([]*tracking.Run, string, error) {
				return e.Tracking.ListRuns(e.Ctx, tracking.RunFilter{ExperimentIDs: []string{x.ID}}, p)
			})
			if len(rs) != len(want) {
				t.Fatalf("page size %d: %d runs, want %d", size, len(rs), len(want))
			}
			seen := map[string]bool{}
			prev = nil
			for _, r := range rs {
				if _, ok := want[r.ID]; !ok || seen[r.ID] {
					t.Fatalf("page size %d: run %s unexpected or repeated", size, r.ID)
				}
				seen[r.ID] = true
				if prev != nil && (r.StartTime > prev.StartTime || r.StartTime == prev.StartTime && r.ID < prev.ID) {
					t.Fatalf("page size %d: run %s (start %d) after %s (start %d), want start time descending then id", size, r.ID, r.StartTime, prev.ID, prev.StartTime)
				}
				prev = r
			}
		}
		all, _, err := e.Tracking.ListRuns(e.Ctx, tracking.RunFilter{ViewType: tracking.All}, steward.PageRequest{})
		must(t, err)
		if len(all) != 6 || all[0].StartTime != 400 {
			t.Fatalf("all runs: %d, first start %d; want 6 starting with the newest (400)", len(all), all[0].StartTime)
		}
		_, err = e.Tracking.DeleteRun(e.Ctx, order[0])
		must(t, err)
		for _, c := range []struct {
			v    tracking.ViewType
			want int
		}{{tracking.ActiveOnly, 4}, {tracking.DeletedOnly, 1}, {tracking.All, 5}} {
			rs, _, err := e.Tracking.ListRuns(e.Ctx, tracking.RunFilter{ExperimentIDs: []string{x.ID}, ViewType: c.v}, steward.PageRequest{})
			must(t, err)
			if len(rs) != c.want {
				t.Fatalf("view %s: %d runs, want %d", c.v, len(rs), c.want)
			}
		}
	}},
}
