package httpapi

import (
	"net/http"

	"github.com/steward-registry/steward/internal/governance"
	"github.com/steward-registry/steward/internal/steward"
)

// commentRoutes are annotations on models, versions and cards. Reading the
// model is enough to comment (with a write-scoped credential); deleting is
// for the author or someone who manages the model. The service decides.
func (a *API) commentRoutes() []Route {
	var out []Route
	for _, base := range []string{"/api/v1/models/{model}", "/api/v1/models/{model}/versions/{version}", "/api/v1/models/{model}/cards/{card}"} {
		out = append(out,
			Route{"GET", base + "/comments", steward.PermModelRead, a.listComments},
			Route{"POST", base + "/comments", steward.PermModelRead, a.addComment},
			Route{"DELETE", base + "/comments/{comment}", steward.PermModelRead, a.deleteComment},
		)
	}
	return out
}

// commentTarget reads the target from whichever path matched.
func commentTarget(r *http.Request) (governance.CommentTarget, error) {
	t := governance.CommentTarget{Model: r.PathValue("model"), Card: r.PathValue("card")}
	if r.PathValue("version") != "" {
		v, err := pathInt(r, "version")
		if err != nil {
			return t, err
		}
		t.Version = v
	}
	return t, nil
}

type commentList struct {
	Comments      []*governance.Comment `json:"comments"`
	NextPageToken string                `json:"next_page_token,omitempty"`
}

type commentCreate struct {
	Body string `json:"body"`
}

func (a *API) listComments(w http.ResponseWriter, r *http.Request) error {
	t, err := commentTarget(r)
	if err != nil {
		return err
	}
	page, err := pageRequest(r)
	if err != nil {
		return err
	}
	cs, next, err := a.Governance.ListComments(r.Context(), t, page)
	if err != nil {
		return err
	}
	if cs == nil {
		cs = []*governance.Comment{}
	}
	writeJSON(w, http.StatusOK, commentList{cs, next})
	return nil
}

func (a *API) addComment(w http.ResponseWriter, r *http.Request) error {
	t, err := commentTarget(r)
	if err != nil {
		return err
	}
	var in commentCreate
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	c, err := a.Governance.AddComment(r.Context(), t, in.Body)
	if err != nil {
		return err
	}
	w.Header().Set("Location", r.URL.EscapedPath()+"/"+c.ID)
	writeJSON(w, http.StatusCreated, c)
	return nil
}

func (a *API) deleteComment(w http.ResponseWriter, r *http.Request) error {
	t, err := commentTarget(r)
	if err != nil {
		return err
	}
	if err := a.Governance.DeleteComment(r.Context(), t, r.PathValue("comment")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
