package httpapi

import (
	"net/http"
	"strconv"

	"github.com/steward-registry/steward/internal/governance"
	"github.com/steward-registry/steward/internal/steward"
)

func (a *API) deploymentRoutes() []Route {
	return []Route{
		{"GET", "/api/v1/models/{model}/deployments", steward.PermModelRead, a.listDeployments},
		{"POST", "/api/v1/models/{model}/deployments", steward.PermModelStage, a.createDeployment},
		{"GET", "/api/v1/models/{model}/deployments/{deployment}", steward.PermModelRead, a.getDeployment},
		{"POST", "/api/v1/models/{model}/deployments/{deployment}/end", steward.PermModelStage, a.endDeployment},
		{"POST", "/api/v1/models/{model}/rollback", steward.PermModelStage, a.rollback},
		{"POST", "/api/v1/models/{model}/versions/{version}/retire", steward.PermModelStage, a.retireVersion},
		{"POST", "/api/v1/models/{model}/retire", steward.PermModelManage, a.retireModel},
		{"GET", "/api/v1/models/{model}/history", steward.PermModelRead, a.history},
		{"GET", "/api/v1/models/{model}/history/state", steward.PermModelRead, a.historyState},
		{"GET", "/api/v1/models/{model}/history/diff", steward.PermModelRead, a.historyDiff},
	}
}

// deployReasonBody is the body of the calls that only need a reason.
type deployReasonBody struct {
	Reason string `json:"reason"`
}

func (a *API) listDeployments(w http.ResponseWriter, r *http.Request) error {
	q := governance.DeploymentQuery{Environment: r.URL.Query().Get("environment")}
	if v := r.URL.Query().Get("live"); v != "" {
		live, err := strconv.ParseBool(v)
		if err != nil {
			return steward.Errorf(steward.CodeInvalid, "live must be true or false, got %q", v).WithDetail("field", "live")
		}
		q.LiveOnly = live
	}
	ds, err := a.Governance.ListDeployments(r.Context(), r.PathValue("model"), q)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"deployments": ds})
	return nil
}

func (a *API) createDeployment(w http.ResponseWriter, r *http.Request) error {
	var in governance.DeploymentCreate
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	d, err := a.Governance.RecordDeployment(r.Context(), r.PathValue("model"), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", r.URL.Path+"/"+d.ID)
	writeJSON(w, http.StatusCreated, d)
	return nil
}

func (a *API) getDeployment(w http.ResponseWriter, r *http.Request) error {
	d, err := a.Governance.GetDeployment(r.Context(), r.PathValue("model"), r.PathValue("deployment"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

func (a *API) endDeployment(w http.ResponseWriter, r *http.Request) error {
	var in deployReasonBody
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	d, err := a.Governance.EndDeployment(r.Context(), r.PathValue("model"), r.PathValue("deployment"), in.Reason)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

func (a *API) rollback(w http.ResponseWriter, r *http.Request) error {
	var in governance.RollbackRequest
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	res, err := a.Governance.Rollback(r.Context(), r.PathValue("model"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (a *API) retireVersion(w http.ResponseWriter, r *http.Request) error {
	n, err := pathInt(r, "version")
	if err != nil {
		return err
	}
	var in deployReasonBody
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	res, err := a.Governance.RetireVersion(r.Context(), r.PathValue("model"), n, in.Reason)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (a *API) retireModel(w http.ResponseWriter, r *http.Request) error {
	var in deployReasonBody
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	res, err := a.Governance.RetireModel(r.Context(), r.PathValue("model"), in.Reason)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

// historyTimeParam reads an optional time query parameter (0 when absent).
func historyTimeParam(r *http.Request, name string) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	return governance.ParseTime(name, v)
}

// historyRequiredTime reads a time query parameter that must be given.
func historyRequiredTime(r *http.Request, name, example string) (int64, error) {
	if r.URL.Query().Get(name) == "" {
		return 0, steward.Errorf(steward.CodeInvalid, "%s is required, e.g. %s=%s", name, name, example).WithDetail("field", name)
	}
	return historyTimeParam(r, name)
}

func (a *API) history(w http.ResponseWriter, r *http.Request) error {
	from, err := historyTimeParam(r, "from")
	if err != nil {
		return err
	}
	to, err := historyTimeParam(r, "to")
	if err != nil {
		return err
	}
	moves, err := a.Governance.History(r.Context(), r.PathValue("model"), from, to)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"moves": moves})
	return nil
}

func (a *API) historyState(w http.ResponseWriter, r *http.Request) error {
	at, err := historyTimeParam(r, "at") // absent: now
	if err != nil {
		return err
	}
	st, err := a.Governance.StateAt(r.Context(), r.PathValue("model"), at)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

func (a *API) historyDiff(w http.ResponseWriter, r *http.Request) error {
	from, err := historyRequiredTime(r, "from", "2026-03-01")
	if err != nil {
		return err
	}
	to, err := historyRequiredTime(r, "to", "2026-03-02")
	if err != nil {
		return err
	}
	d, err := a.Governance.Diff(r.Context(), r.PathValue("model"), from, to)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}
