package mlflowapi

import (
	"net/http"
	"sort"

	"github.com/steward-registry/steward/internal/steward"
	"github.com/steward-registry/steward/internal/tracking"
)

type metricWithRunJSON struct {
	metricJSON
	RunID string `json:"run_id"`
}

// getMetricHistoryBulkInterval samples one metric's history across runs
// within a step range, as the MLflow UI's charts request it.
func (a *API) getMetricHistoryBulkInterval(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		RunIDs     []string `json:"run_ids"`
		MetricKey  string   `json:"metric_key"`
		StartStep  *i64     `json:"start_step"`
		EndStep    *i64     `json:"end_step"`
		MaxResults i64      `json:"max_results"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	q := r.URL.Query()
	if len(in.RunIDs) == 0 {
		in.RunIDs = q["run_ids"]
	}
	start, end := int64(-1<<63), int64(1<<63-1)
	for _, p := range []struct {
		name string
		dst  *int64
		v    *i64
	}{{"start_step", &start, in.StartStep}, {"end_step", &end, in.EndStep}} {
		if p.v != nil {
			*p.dst = int64(*p.v)
		} else if s := q.Get(p.name); s != "" {
			var v i64
			if err := v.UnmarshalJSON([]byte(s)); err != nil {
				return mlErrorf(InvalidParameterValue, "Invalid value %s for parameter '%s' supplied.", s, p.name)
			}
			*p.dst = int64(v)
		}
	}
	switch {
	case len(in.RunIDs) == 0:
		return missing("run_ids")
	case len(in.RunIDs) > 100:
		return mlErrorf(InvalidParameterValue, "GetMetricHistoryBulkInterval request must specify at most 100 run_ids. Received %d run_ids.", len(in.RunIDs))
	case in.MetricKey == "":
		return missing("metric_key")
	case start > end:
		return mlErrorf(InvalidParameterValue, "end_step must be greater than start_step. Found start_step=%d and end_step=%d.", start, end)
	}
	max := int(in.MaxResults)
	if max <= 0 || max > 1000 {
		max = 320
	}
	var out []metricWithRunJSON
	for _, id := range in.RunIDs {
		ms, _, err := a.Tracking.MetricHistory(r.Context(), id, in.MetricKey, steward.PageRequest{})
		if err != nil {
			return runNotFound(err, id)
		}
		var inRange []tracking.Metric
		for _, m := range ms {
			if m.Step >= start && m.Step <= end {
				inRange = append(inRange, m)
			}
		}
		for _, m := range sample(inRange, max) {
			out = append(out, metricWithRunJSON{metricJSON(m), id})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Step < out[j].Step })
	writeJSON(w, http.StatusOK, map[string]any{"metrics": out})
	return nil
}

// sample keeps at most n points spread evenly over the steps, always
// including the first and last, as MLflow's bulk interval does.
func sample(ms []tracking.Metric, n int) []tracking.Metric {
	if len(ms) <= n {
		return ms
	}
	out := make([]tracking.Metric, 0, n)
	for i := 0; i < n; i++ {
		out = append(out, ms[i*(len(ms)-1)/(n-1)])
	}
	return out
}
