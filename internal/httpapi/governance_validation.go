package httpapi

import (
	"net/http"

	"github.com/steward-registry/steward/internal/governance"
	"github.com/steward-registry/steward/internal/steward"
)

// validationRoutes are independent validation: reviews of a model version,
// their findings and the sign-off.
func (a *API) validationRoutes() []Route {
	return []Route{
		{"GET", "/api/v1/models/{model}/versions/{version}/reviews", steward.PermModelRead, a.listReviews},
		{"POST", "/api/v1/models/{model}/versions/{version}/reviews", steward.PermModelValidate, a.openReview},
		{"GET", "/api/v1/reviews/{review}", steward.PermModelRead, a.getReview},
		{"POST", "/api/v1/reviews/{review}/findings", steward.PermModelValidate, a.addFinding},
		{"PATCH", "/api/v1/reviews/{review}/findings/{finding}", steward.PermModelValidate, a.updateFinding},
		{"POST", "/api/v1/reviews/{review}/signoff", steward.PermModelValidate, a.signOff},
	}
}

type reviewList struct {
	Reviews []*governance.Review `json:"reviews"`
}

func (a *API) listReviews(w http.ResponseWriter, r *http.Request) error {
	v, err := pathInt(r, "version")
	if err != nil {
		return err
	}
	rvs, err := a.Governance.ListReviews(r.Context(), r.PathValue("model"), v)
	if err != nil {
		return err
	}
	if rvs == nil {
		rvs = []*governance.Review{}
	}
	writeJSON(w, http.StatusOK, reviewList{rvs})
	return nil
}

func (a *API) openReview(w http.ResponseWriter, r *http.Request) error {
	v, err := pathInt(r, "version")
	if err != nil {
		return err
	}
	var in governance.ReviewCreate
	if err := decodeOptionalJSON(r, &in); err != nil {
		return err
	}
	rv, err := a.Governance.OpenReview(r.Context(), r.PathValue("model"), v, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/reviews/"+rv.ID)
	writeObject(w, http.StatusCreated, rv.Revision, rv)
	return nil
}

func (a *API) getReview(w http.ResponseWriter, r *http.Request) error {
	rv, err := a.Governance.GetReview(r.Context(), r.PathValue("review"))
	if err != nil {
		return err
	}
	writeObject(w, http.StatusOK, rv.Revision, rv)
	return nil
}

func (a *API) addFinding(w http.ResponseWriter, r *http.Request) error {
	var in governance.FindingCreate
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	f, err := a.Governance.AddFinding(r.Context(), r.PathValue("review"), in)
	if err != nil {
		return err
	}
	writeObject(w, http.StatusCreated, f.Revision, f)
	return nil
}

func (a *API) updateFinding(w http.ResponseWriter, r *http.Request) error {
	rev, err := ifMatch(r)
	if err != nil {
		return err
	}
	var in governance.FindingUpdate
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	f, err := a.Governance.UpdateFinding(r.Context(), r.PathValue("review"), r.PathValue("finding"), in, rev)
	if err != nil {
		return err
	}
	writeObject(w, http.StatusOK, f.Revision, f)
	return nil
}

func (a *API) signOff(w http.ResponseWriter, r *http.Request) error {
	rev, err := ifMatch(r)
	if err != nil {
		return err
	}
	var in governance.SignOff
	if err := decodeOptionalJSON(r, &in); err != nil {
		return err
	}
	rv, err := a.Governance.SignOff(r.Context(), r.PathValue("review"), in, rev)
	if err != nil {
		return err
	}
	writeObject(w, http.StatusOK, rv.Revision, rv)
	return nil
}
