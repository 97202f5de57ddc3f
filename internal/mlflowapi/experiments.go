package mlflowapi

import (
	"net/http"

	"github.com/steward-registry/steward/internal/steward"
	"github.com/steward-registry/steward/internal/tracking"
)

func (a *API) createExperiment(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Name             string     `json:"name"`
		ArtifactLocation string     `json:"artifact_location"`
		Tags             []keyValue `json:"tags"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	if in.Name == "" {
		return missing("name")
	}
	e, err := a.Tracking.CreateExperiment(r.Context(), in.Name, in.ArtifactLocation, kvMap(in.Tags))
	if steward.IsCode(err, steward.CodeAlreadyExists) {
		return mlErrorf(ResourceAlreadyExists, "Experiment(name=%s) already exists.", in.Name)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"experiment_id": e.ID})
	return nil
}

func (a *API) getExperiment(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		ExperimentID string `json:"experiment_id"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	if in.ExperimentID == "" {
		return missing("experiment_id")
	}
	e, err := a.Tracking.GetExperiment(r.Context(), in.ExperimentID)
	if err != nil {
		return notFoundAs(err, "No Experiment with id=%s exists", in.ExperimentID)
	}
	writeJSON(w, http.StatusOK, map[string]any{"experiment": toExperiment(e)})
	return nil
}

func (a *API) getExperimentByName(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Name string `json:"experiment_name"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	if in.Name == "" {
		return missing("experiment_name")
	}
	e, err := a.Tracking.GetExperimentByName(r.Context(), in.Name)
	if err != nil {
		return notFoundAs(err, "Could not find experiment with name '%s'", in.Name)
	}
	writeJSON(w, http.StatusOK, map[string]any{"experiment": toExperiment(e)})
	return nil
}

type searchExperimentsJSON struct {
	Experiments   []experimentJSON `json:"experiments,omitempty"`
	NextPageToken string           `json:"next_page_token,omitempty"`
}

func (a *API) searchExperiments(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		MaxResults i64      `json:"max_results"`
		PageToken  string   `json:"page_token"`
		Filter     string   `json:"filter"`
		OrderBy    []string `json:"order_by"`
		ViewType   string   `json:"view_type"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	vt, err := tracking.ParseViewType(in.ViewType)
	if err != nil {
		return err
	}
	es, next, err := a.Tracking.SearchExperiments(r.Context(), tracking.SearchRequest{
		Filter: in.Filter, OrderBy: in.OrderBy, ViewType: vt, MaxResults: int(in.MaxResults), PageToken: in.PageToken})
	if err != nil {
		return err
	}
	out := searchExperimentsJSON{NextPageToken: next}
	for _, e := range es {
		out.Experiments = append(out.Experiments, toExperiment(e))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// listExperiments is MLflow 1.x's experiments/list, which older clients
// (e.g. the npm "mlflow" package) still call.
func (a *API) listExperiments(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		ViewType   string `json:"view_type"`
		MaxResults i64    `json:"max_results"`
		PageToken  string `json:"page_token"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	vt, err := tracking.ParseViewType(in.ViewType)
	if err != nil {
		return err
	}
	req := tracking.SearchRequest{ViewType: vt, MaxResults: int(in.MaxResults), PageToken: in.PageToken}
	var es []*tracking.Experiment
	var next string
	for {
		page, token, err := a.Tracking.SearchExperiments(r.Context(), req)
		if err != nil {
			return err
		}
		es, next = append(es, page...), token
		// MLflow 1.x: without max_results, list returns every experiment.
		if in.MaxResults != 0 || token == "" {
			break
		}
		req.PageToken = token
	}
	out := searchExperimentsJSON{NextPageToken: next}
	for _, e := range es {
		out.Experiments = append(out.Experiments, toExperiment(e))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

type experimentRef struct {
	ExperimentID string `json:"experiment_id"`
	NewName      string `json:"new_name"`
	Key          string `json:"key"`
	Value        string `json:"value"`
}

func (a *API) experimentRef(r *http.Request) (experimentRef, error) {
	var in experimentRef
	if err := decode(r, &in); err != nil {
		return in, err
	}
	if in.ExperimentID == "" {
		return in, missing("experiment_id")
	}
	return in, nil
}

func (a *API) updateExperiment(w http.ResponseWriter, r *http.Request) error {
	in, err := a.experimentRef(r)
	if err != nil {
		return err
	}
	if in.NewName == "" {
		return missing("new_name")
	}
	_, err = a.Tracking.RenameExperiment(r.Context(), in.ExperimentID, in.NewName, 0)
	if steward.IsCode(err, steward.CodeAlreadyExists) {
		// MLflow 2.11 surfaces the database's integrity error as BAD_REQUEST.
		return mlErrorf(BadRequest, "Experiment(name=%s) already exists.", in.NewName)
	}
	if err != nil {
		return notFoundAs(err, "No Experiment with id=%s exists", in.ExperimentID)
	}
	return ok(w)
}

func (a *API) deleteExperiment(w http.ResponseWriter, r *http.Request) error {
	in, err := a.experimentRef(r)
	if err != nil {
		return err
	}
	if _, err := a.Tracking.DeleteExperiment(r.Context(), in.ExperimentID, 0); err != nil {
		return notFoundAs(err, "No Experiment with id=%s exists", in.ExperimentID)
	}
	return ok(w)
}

func (a *API) restoreExperiment(w http.ResponseWriter, r *http.Request) error {
	in, err := a.experimentRef(r)
	if err != nil {
		return err
	}
	if _, err := a.Tracking.RestoreExperiment(r.Context(), in.ExperimentID, 0); err != nil {
		return notFoundAs(err, "No Experiment with id=%s exists", in.ExperimentID)
	}
	return ok(w)
}

func (a *API) setExperimentTag(w http.ResponseWriter, r *http.Request) error {
	in, err := a.experimentRef(r)
	if err != nil {
		return err
	}
	if in.Key == "" {
		return missing("key")
	}
	if _, err := a.Tracking.SetExperimentTag(r.Context(), in.ExperimentID, in.Key, in.Value); err != nil {
		return notFoundAs(err, "No Experiment with id=%s exists", in.ExperimentID)
	}
	return ok(w)
}
