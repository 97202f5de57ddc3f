package httpapi

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/steward-registry/steward/internal/events"
	"github.com/steward-registry/steward/internal/steward"
	"github.com/steward-registry/steward/internal/tracking"
)

type experimentCreate struct {
	Name             string            `json:"name"`
	ArtifactLocation string            `json:"artifact_location"`
	Tags             map[string]string `json:"tags"`
}

func (a *API) listExperiments(w http.ResponseWriter, r *http.Request) error {
	page, err := pageRequest(r)
	if err != nil {
		return err
	}
	vt, err := tracking.ParseViewType(r.URL.Query().Get("view"))
	if err != nil {
		return err
	}
	es, next, err := a.Tracking.ListExperiments(r.Context(), tracking.ExperimentFilter{ViewType: vt, NameLike: r.URL.Query().Get("q")}, page)
	if err != nil {
		return err
	}
	if es == nil {
		es = []*tracking.Experiment{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"experiments": es, "next_page_token": next})
	return nil
}

func (a *API) createExperiment(w http.ResponseWriter, r *http.Request) error {
	var in experimentCreate
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	e, err := a.Tracking.CreateExperiment(r.Context(), in.Name, in.ArtifactLocation, in.Tags)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/experiments/"+e.ID)
	writeObject(w, http.StatusCreated, e.Revision, e)
	return nil
}

func (a *API) getExperiment(w http.ResponseWriter, r *http.Request) error {
	e, err := a.Tracking.GetExperiment(r.Context(), r.PathValue("experiment"))
	if err != nil {
		return err
	}
	writeObject(w, http.StatusOK, e.Revision, e)
	return nil
}

type experimentUpdate struct {
	Name string `json:"name"`
}

func (a *API) updateExperiment(w http.ResponseWriter, r *http.Request) error {
	rev, err := ifMatch(r)
	if err != nil {
		return err
	}
	var in experimentUpdate
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	e, err := a.Tracking.RenameExperiment(r.Context(), r.PathValue("experiment"), in.Name, rev)
	if err != nil {
		return err
	}
	writeObject(w, http.StatusOK, e.Revision, e)
	return nil
}

func (a *API) deleteExperiment(w http.ResponseWriter, r *http.Request) error {
	rev, err := ifMatch(r)
	if err != nil {
		return err
	}
	if _, err := a.Tracking.DeleteExperiment(r.Context(), r.PathValue("experiment"), rev); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) restoreExperiment(w http.ResponseWriter, r *http.Request) error {
	rev, err := ifMatch(r)
	if err != nil {
		return err
	}
	e, err := a.Tracking.RestoreExperiment(r.Context(), r.PathValue("experiment"), rev)
	if err != nil {
		return err
	}
	writeObject(w, http.StatusOK, e.Revision, e)
	return nil
}

func (a *API) setExperimentTag(w http.ResponseWriter, r *http.Request) error {
	var in tagValue
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	if _, err := a.Tracking.SetExperimentTag(r.Context(), r.PathValue("experiment"), r.PathValue("key"), in.Value); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) listRuns(w http.ResponseWriter, r *http.Request) error {
	page, err := pageRequest(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	vt, err := tracking.ParseViewType(q.Get("view"))
	if err != nil {
		return err
	}
	var exps []string
	for _, v := range q["experiment_id"] {
		exps = append(exps, strings.Split(v, ",")...)
	}
	rs, next, err := a.Tracking.ListRuns(r.Context(), tracking.RunFilter{ExperimentIDs: exps, ViewType: vt}, page)
	if err != nil {
		return err
	}
	if rs == nil {
		rs = []*tracking.Run{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"runs": rs, "next_page_token": next})
	return nil
}

func (a *API) createRun(w http.ResponseWriter, r *http.Request) error {
	var in tracking.RunCreate
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	run, err := a.Tracking.CreateRun(r.Context(), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/runs/"+run.ID)
	writeObject(w, http.StatusCreated, run.Revision, run)
	return nil
}

func (a *API) getRun(w http.ResponseWriter, r *http.Request) error {
	run, err := a.Tracking.GetRun(r.Context(), r.PathValue("run"))
	if err != nil {
		return err
	}
	writeObject(w, http.StatusOK, run.Revision, run)
	return nil
}

func (a *API) updateRun(w http.ResponseWriter, r *http.Request) error {
	rev, err := ifMatch(r)
	if err != nil {
		return err
	}
	var in tracking.RunUpdate
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	run, err := a.Tracking.UpdateRun(r.Context(), r.PathValue("run"), in, rev)
	if err != nil {
		return err
	}
	writeObject(w, http.StatusOK, run.Revision, run)
	return nil
}

func (a *API) deleteRun(w http.ResponseWriter, r *http.Request) error {
	if _, err := a.Tracking.DeleteRun(r.Context(), r.PathValue("run")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) restoreRun(w http.ResponseWriter, r *http.Request) error {
	run, err := a.Tracking.RestoreRun(r.Context(), r.PathValue("run"))
	if err != nil {
		return err
	}
	writeObject(w, http.StatusOK, run.Revision, run)
	return nil
}

func (a *API) logBatch(w http.ResponseWriter, r *http.Request) error {
	var in tracking.Batch
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	if err := a.Tracking.LogBatch(r.Context(), r.PathValue("run"), in); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) setRunTag(w http.ResponseWriter, r *http.Request) error {
	var in tagValue
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	if err := a.Tracking.SetTag(r.Context(), r.PathValue("run"), r.PathValue("key"), in.Value); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) deleteRunTag(w http.ResponseWriter, r *http.Request) error {
	if err := a.Tracking.DeleteTag(r.Context(), r.PathValue("run"), r.PathValue("key")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) metricHistory(w http.ResponseWriter, r *http.Request) error {
	page, err := pageRequest(r)
	if err != nil {
		return err
	}
	ms, next, err := a.Tracking.MetricHistory(r.Context(), r.PathValue("run"), r.PathValue("key"), page)
	if err != nil {
		return err
	}
	if ms == nil {
		ms = []tracking.Metric{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"metrics": ms, "next_page_token": next})
	return nil
}

func (a *API) listEvents(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := events.Filter{ObjectType: q.Get("object_type"), ObjectID: q.Get("object_id"), Action: q.Get("action"), ActorID: q.Get("actor")}
	if s := q.Get("after_seq"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return steward.Errorf(steward.CodeInvalid, "after_seq must be a non-negative integer, got %q", s)
		}
		f.AfterSeq = n
	}
	page, err := pageRequest(r)
	if err != nil {
		return err
	}
	if err := a.Registry.CanReadEvents(r.Context()); err != nil {
		return err
	}
	f.Limit, _ = page.Limit()
	es, err := a.Events.ListEvents(r.Context(), f)
	if err != nil {
		return err
	}
	if es == nil {
		es = []*events.Event{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": es})
	return nil
}
