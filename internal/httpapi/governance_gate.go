package httpapi

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/steward-registry/steward/internal/governance"
	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/steward"
)

// Gate policies, the dry run of a move, and approval requests.
func (a *API) gateRoutes() []Route {
	return []Route{
		{"GET", "/api/v1/policies", steward.PermModelRead, a.listPolicies},
		{"GET", "/api/v1/policies/{tier}", steward.PermModelRead, a.getPolicy},
		{"PUT", "/api/v1/policies/{tier}", steward.PermWorkspaceManage, a.putPolicy},
		{"GET", "/api/v1/models/{model}/versions/{version}/gates", steward.PermModelRead, a.evaluateGates},
		{"POST", "/api/v1/models/{model}/versions/{version}/approval-requests", steward.PermModelWrite, a.requestApproval},
		{"GET", "/api/v1/approval-requests", steward.PermModelRead, a.listApprovalRequests},
		{"GET", "/api/v1/approval-requests/{request}", steward.PermModelRead, a.getApprovalRequest},
		{"POST", "/api/v1/approval-requests/{request}/approve", steward.PermModelStage, a.approveRequest},
		{"POST", "/api/v1/approval-requests/{request}/reject", steward.PermModelStage, a.rejectRequest},
		{"POST", "/api/v1/approval-requests/{request}/withdraw", steward.PermModelWrite, a.withdrawRequest},
		{"PUT", "/api/v1/models/{model}/versions/{version}/files", steward.PermModelWrite, a.replaceFiles},
	}
}

func (a *API) listPolicies(w http.ResponseWriter, r *http.Request) error {
	ps, err := a.Governance.Policies(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"policies": ps})
	return nil
}

// tierParam reads the {tier} path value; "none" names unclassified models.
func tierParam(r *http.Request) string { return r.PathValue("tier") }

func (a *API) getPolicy(w http.ResponseWriter, r *http.Request) error {
	p, err := a.Governance.Policy(r.Context(), tierParam(r))
	if err != nil {
		return err
	}
	writeObject(w, http.StatusOK, p.Revision, p)
	return nil
}

func (a *API) putPolicy(w http.ResponseWriter, r *http.Request) error {
	rev, err := ifMatch(r)
	if err != nil {
		return err
	}
	var in governance.Policy
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	p, err := a.Governance.SetPolicy(r.Context(), tierParam(r), in, rev)
	if err != nil {
		return err
	}
	writeObject(w, http.StatusOK, p.Revision, p)
	return nil
}

// moveTarget reads ?stage= or ?alias= (exactly one).
func moveTarget(q url.Values) (kind, target string, err error) {
	st, al := q.Get("stage"), q.Get("alias")
	switch {
	case st != "" && al != "":
		return "", "", steward.Errorf(steward.CodeInvalid, "give either stage or alias, not both").WithDetail("field", "stage")
	case al != "":
		return governance.MoveAlias, al, nil
	case st != "":
		return governance.MoveStage, st, nil
	}
	return "", "", steward.Errorf(steward.CodeInvalid, "give the move to check: ?stage=Production or ?alias=champion").WithDetail("field", "stage")
}

func (a *API) evaluateGates(w http.ResponseWriter, r *http.Request) error {
	n, err := pathInt(r, "version")
	if err != nil {
		return err
	}
	kind, target, err := moveTarget(r.URL.Query())
	if err != nil {
		return err
	}
	ev, err := a.Governance.Evaluate(r.Context(), r.PathValue("model"), n, kind, target)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ev)
	return nil
}

func (a *API) requestApproval(w http.ResponseWriter, r *http.Request) error {
	n, err := pathInt(r, "version")
	if err != nil {
		return err
	}
	var in governance.RequestInput
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	req, err := a.Governance.RequestApproval(r.Context(), r.PathValue("model"), n, in)
	if err != nil {
		return err
	}
	writeObject(w, http.StatusCreated, req.Revision, req)
	return nil
}

func (a *API) listApprovalRequests(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := governance.RequestFilter{Status: q.Get("status")}
	if m := q.Get("model"); m != "" {
		model, err := a.Registry.GetModel(r.Context(), m)
		if err != nil {
			return err
		}
		f.ModelID = model.ID
	}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n <= 0 {
			return steward.Errorf(steward.CodeInvalid, "limit must be a positive integer").WithDetail("field", "limit")
		}
		f.Limit = n
	}
	rs, err := a.Governance.ListRequests(r.Context(), f)
	if err != nil {
		return err
	}
	if rs == nil {
		rs = []*governance.Request{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"requests": rs})
	return nil
}

func (a *API) getApprovalRequest(w http.ResponseWriter, r *http.Request) error {
	req, err := a.Governance.GetRequest(r.Context(), r.PathValue("request"))
	if err != nil {
		return err
	}
	writeObject(w, http.StatusOK, req.Revision, req)
	return nil
}

type decisionBody struct {
	Comment string `json:"comment"`
}

func (a *API) decide(w http.ResponseWriter, r *http.Request, approve bool) error {
	var in decisionBody
	if r.ContentLength != 0 {
		if err := DecodeJSON(r, &in); err != nil {
			return err
		}
	}
	req, err := a.Governance.Decide(r.Context(), r.PathValue("request"), approve, in.Comment)
	if err != nil {
		return err
	}
	writeObject(w, http.StatusOK, req.Revision, req)
	return nil
}

func (a *API) approveRequest(w http.ResponseWriter, r *http.Request) error {
	return a.decide(w, r, true)
}
func (a *API) rejectRequest(w http.ResponseWriter, r *http.Request) error {
	return a.decide(w, r, false)
}

func (a *API) withdrawRequest(w http.ResponseWriter, r *http.Request) error {
	req, err := a.Governance.Withdraw(r.Context(), r.PathValue("request"))
	if err != nil {
		return err
	}
	writeObject(w, http.StatusOK, req.Revision, req)
	return nil
}

type filesBody struct {
	Files []registry.File `json:"files"`
}

// replaceFiles swaps a version's artifacts (PUT .../files). Approvals and
// sign-offs bound to the old manifest digest lapse.
func (a *API) replaceFiles(w http.ResponseWriter, r *http.Request) error {
	n, err := pathInt(r, "version")
	if err != nil {
		return err
	}
	rev, err := ifMatch(r)
	if err != nil {
		return err
	}
	var in filesBody
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	v, err := a.Registry.ReplaceFiles(r.Context(), r.PathValue("model"), n, in.Files, rev)
	if err != nil {
		return err
	}
	writeObject(w, http.StatusOK, v.Revision, v)
	return nil
}
