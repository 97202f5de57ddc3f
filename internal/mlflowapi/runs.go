package mlflowapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/steward-registry/steward/internal/steward"
	"github.com/steward-registry/steward/internal/tracking"
)

// runNotFound rewrites not-found errors in MLflow's words.
func runNotFound(err error, id string) error {
	return notFoundAs(err, "Run with id=%s not found", id)
}

func (a *API) createRun(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		ExperimentID string     `json:"experiment_id"`
		UserID       string     `json:"user_id"`
		RunName      string     `json:"run_name"`
		StartTime    i64        `json:"start_time"`
		Tags         []keyValue `json:"tags"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	run, err := a.Tracking.CreateRun(r.Context(), tracking.RunCreate{
		ExperimentID: in.ExperimentID, Name: in.RunName, UserID: in.UserID, StartTime: int64(in.StartTime), Tags: kvMap(in.Tags)})
	if err != nil {
		return notFoundAs(err, "No Experiment with id=%s exists", in.ExperimentID)
	}
	writeJSON(w, http.StatusOK, map[string]any{"run": toRun(run, false)})
	return nil
}

type runRef struct {
	RunID   string `json:"run_id"`
	RunUUID string `json:"run_uuid"`
}

func (a *API) getRun(w http.ResponseWriter, r *http.Request) error {
	var in runRef
	if err := decode(r, &in); err != nil {
		return err
	}
	id, err := runID(in.RunID, in.RunUUID)
	if err != nil {
		return err
	}
	run, err := a.Tracking.GetRun(r.Context(), id)
	if err != nil {
		return runNotFound(err, id)
	}
	writeJSON(w, http.StatusOK, map[string]any{"run": toRun(run, true)})
	return nil
}

func (a *API) updateRun(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		runRef
		Status  string `json:"status"`
		EndTime *i64   `json:"end_time"`
		RunName string `json:"run_name"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	id, err := runID(in.RunID, in.RunUUID)
	if err != nil {
		return err
	}
	var u tracking.RunUpdate
	if in.Status != "" {
		u.Status = &in.Status
	}
	if in.EndTime != nil {
		t := int64(*in.EndTime)
		u.EndTime = &t
	}
	if in.RunName != "" {
		u.Name = &in.RunName
	}
	run, err := a.Tracking.UpdateRun(r.Context(), id, u, 0)
	if err != nil {
		return runNotFound(err, id)
	}
	writeJSON(w, http.StatusOK, map[string]any{"run_info": toRunInfo(run)})
	return nil
}

func (a *API) deleteRun(w http.ResponseWriter, r *http.Request) error {
	var in runRef
	if err := decode(r, &in); err != nil {
		return err
	}
	id, err := runID(in.RunID, in.RunUUID)
	if err != nil {
		return err
	}
	if _, err := a.Tracking.DeleteRun(r.Context(), id); err != nil {
		return runNotFound(err, id)
	}
	return ok(w)
}

func (a *API) restoreRun(w http.ResponseWriter, r *http.Request) error {
	var in runRef
	if err := decode(r, &in); err != nil {
		return err
	}
	id, err := runID(in.RunID, in.RunUUID)
	if err != nil {
		return err
	}
	if _, err := a.Tracking.RestoreRun(r.Context(), id); err != nil {
		return runNotFound(err, id)
	}
	return ok(w)
}

type searchRunsJSON struct {
	Runs          []runJSON `json:"runs,omitempty"`
	NextPageToken string    `json:"next_page_token,omitempty"`
}

func (a *API) searchRuns(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		ExperimentIDs []string `json:"experiment_ids"`
		Filter        string   `json:"filter"`
		RunViewType   string   `json:"run_view_type"`
		MaxResults    i64      `json:"max_results"`
		OrderBy       []string `json:"order_by"`
		PageToken     string   `json:"page_token"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	vt, err := tracking.ParseViewType(in.RunViewType)
	if err != nil {
		return err
	}
	runs, next, err := a.Tracking.SearchRuns(r.Context(), tracking.SearchRequest{ExperimentIDs: in.ExperimentIDs, Filter: in.Filter,
		OrderBy: in.OrderBy, ViewType: vt, MaxResults: int(in.MaxResults), PageToken: in.PageToken})
	if err != nil {
		return err
	}
	out := searchRunsJSON{NextPageToken: next}
	for _, run := range runs {
		out.Runs = append(out.Runs, toRun(run, true))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// keyError rewrites key validation failures the way MLflow words them.
func keyError(err error, kind, key string) error {
	if steward.IsCode(err, steward.CodeInvalid) && strings.Contains(steward.ErrorMessage(err), "key") {
		return mlErrorf(InvalidParameterValue, "Invalid %s name: '%s'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colons (:) and slashes (/), and must not contain '..' segments.", kind, key)
	}
	return err
}

func (a *API) logMetric(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		runRef
		Key       string          `json:"key"`
		Value     json.RawMessage `json:"value"`
		Timestamp i64             `json:"timestamp"`
		Step      i64             `json:"step"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	id, err := runID(in.RunID, in.RunUUID)
	if err != nil {
		return err
	}
	if in.Key == "" {
		return missing("key")
	}
	if len(in.Value) == 0 {
		return missing("value")
	}
	var v tracking.Float
	if err := v.UnmarshalJSON(in.Value); err != nil {
		return mlErrorf(InvalidParameterValue, "Got invalid value %s for metric '%s' (timestamp=%d). Please specify value as a valid double (64-bit floating point)", in.Value, in.Key, in.Timestamp)
	}
	err = a.Tracking.LogMetric(r.Context(), id, tracking.Metric{Key: in.Key, Value: v, Timestamp: int64(in.Timestamp), Step: int64(in.Step)})
	if err != nil {
		return runNotFound(keyError(err, "metric", in.Key), id)
	}
	return ok(w)
}

// runKeyValue is what log-parameter, set-tag and delete-tag send.
type runKeyValue struct {
	runRef
	Key   string `json:"key"`
	Value string `json:"value"`
}

// decodeRunKeyValue reads a run id and a required key.
func decodeRunKeyValue(r *http.Request) (runKeyValue, string, error) {
	var in runKeyValue
	if err := decode(r, &in); err != nil {
		return in, "", err
	}
	id, err := runID(in.RunID, in.RunUUID)
	if err != nil {
		return in, "", err
	}
	if in.Key == "" {
		return in, "", missing("key")
	}
	return in, id, nil
}

func (a *API) logParam(w http.ResponseWriter, r *http.Request) error {
	in, id, err := decodeRunKeyValue(r)
	if err != nil {
		return err
	}
	if err := a.Tracking.LogParam(r.Context(), id, in.Key, truncateParam(in.Value)); err != nil {
		return runNotFound(keyError(err, "parameter", in.Key), id)
	}
	return ok(w)
}

func (a *API) setTag(w http.ResponseWriter, r *http.Request) error {
	in, id, err := decodeRunKeyValue(r)
	if err != nil {
		return err
	}
	if err := a.Tracking.SetTag(r.Context(), id, in.Key, in.Value); err != nil {
		return runNotFound(keyError(err, "tag", in.Key), id)
	}
	return ok(w)
}

func (a *API) deleteTag(w http.ResponseWriter, r *http.Request) error {
	in, id, err := decodeRunKeyValue(r)
	if err != nil {
		return err
	}
	if err := a.Tracking.DeleteTag(r.Context(), id, in.Key); err != nil {
		if steward.IsCode(err, steward.CodeNotFound) && strings.Contains(steward.ErrorMessage(err), "tag") {
			return mlErrorf(ResourceDoesNotExist, "No tag with name: %s in run with id %s", in.Key, id)
		}
		return runNotFound(err, id)
	}
	return ok(w)
}

func (a *API) logBatch(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		RunID   string `json:"run_id"`
		Metrics []struct {
			Key       string          `json:"key"`
			Value     json.RawMessage `json:"value"`
			Timestamp i64             `json:"timestamp"`
			Step      i64             `json:"step"`
		} `json:"metrics"`
		Params []keyValue `json:"params"`
		Tags   []keyValue `json:"tags"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	if in.RunID == "" {
		return missing("run_id")
	}
	b := tracking.Batch{}
	for _, m := range in.Metrics {
		var v tracking.Float
		if len(m.Value) == 0 {
			return mlErrorf(InvalidParameterValue, "Missing value for metric '%s'", m.Key)
		}
		if err := v.UnmarshalJSON(m.Value); err != nil {
			return mlErrorf(InvalidParameterValue, "Got invalid value %s for metric '%s'. Please specify value as a valid double (64-bit floating point)", m.Value, m.Key)
		}
		b.Metrics = append(b.Metrics, tracking.Metric{Key: m.Key, Value: v, Timestamp: int64(m.Timestamp), Step: int64(m.Step)})
	}
	for _, p := range in.Params {
		b.Params = append(b.Params, tracking.Param{Key: p.Key, Value: truncateParam(p.Value)})
	}
	for _, t := range in.Tags {
		b.Tags = append(b.Tags, tracking.Param(t))
	}
	if err := a.Tracking.LogBatch(r.Context(), in.RunID, b); err != nil {
		return runNotFound(err, in.RunID)
	}
	return ok(w)
}

func (a *API) logInputs(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		RunID    string             `json:"run_id"`
		Datasets []datasetInputJSON `json:"datasets"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	if in.RunID == "" {
		return missing("run_id")
	}
	inputs := make([]tracking.DatasetInput, len(in.Datasets))
	for i, d := range in.Datasets {
		inputs[i].Dataset = tracking.Dataset(d.Dataset)
		for _, t := range d.Tags {
			inputs[i].Tags = append(inputs[i].Tags, tracking.Param(t))
		}
	}
	if err := a.Tracking.LogInputs(r.Context(), in.RunID, inputs); err != nil {
		return runNotFound(err, in.RunID)
	}
	return ok(w)
}

// logModel records a logged model's MLmodel metadata the way MLflow does:
// appended to the run's mlflow.log-model.history tag.
func (a *API) logModel(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		RunID     string `json:"run_id"`
		ModelJSON string `json:"model_json"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	if in.RunID == "" {
		return missing("run_id")
	}
	if in.ModelJSON == "" {
		return missing("model_json")
	}
	var model map[string]any
	if err := json.Unmarshal([]byte(in.ModelJSON), &model); err != nil {
		return mlErrorf(InvalidParameterValue, "model_json is not valid JSON: %v", err)
	}
	run, err := a.Tracking.GetRun(r.Context(), in.RunID)
	if err != nil {
		return runNotFound(err, in.RunID)
	}
	var history []any
	if h := run.Tags["mlflow.log-model.history"]; h != "" {
		_ = json.Unmarshal([]byte(h), &history)
	}
	history = append(history, model)
	b, _ := json.Marshal(history)
	if err := a.Tracking.SetTag(r.Context(), in.RunID, "mlflow.log-model.history", string(b)); err != nil {
		return runNotFound(err, in.RunID)
	}
	return ok(w)
}

func (a *API) getMetricHistory(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		runRef
		MetricKey  string `json:"metric_key"`
		MaxResults i64    `json:"max_results"`
		PageToken  string `json:"page_token"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	id, err := runID(in.RunID, in.RunUUID)
	if err != nil {
		return err
	}
	if in.MetricKey == "" {
		return missing("metric_key")
	}
	ms, next, err := a.Tracking.MetricHistory(r.Context(), id, in.MetricKey, steward.PageRequest{Size: int(in.MaxResults), Token: in.PageToken})
	if steward.IsCode(err, steward.CodeNotFound) {
		// MLflow 2.11 answers an unknown run with an empty history, not 404.
		return ok(w)
	}
	if err != nil {
		return err
	}
	out := struct {
		Metrics       []metricJSON `json:"metrics,omitempty"`
		NextPageToken string       `json:"next_page_token,omitempty"`
	}{NextPageToken: next}
	for _, m := range ms {
		out.Metrics = append(out.Metrics, metricJSON(m))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// truncateParam cuts a param value to MLflow's limit, as MLflow 2.11's
// server stores an over-long value rather than rejecting it.
func truncateParam(v string) string {
	if len(v) <= tracking.MaxParamValue {
		return v
	}
	cut := tracking.MaxParamValue
	for cut > 0 && !utf8.RuneStart(v[cut]) {
		cut--
	}
	return v[:cut]
}
