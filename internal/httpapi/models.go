package httpapi

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/steward"
)

type modelList struct {
	Models        []*registry.Model `json:"models"`
	NextPageToken string            `json:"next_page_token,omitempty"`
}

func (a *API) listModels(w http.ResponseWriter, r *http.Request) error {
	page, err := pageRequest(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := registry.ModelFilter{NamePrefix: q.Get("name_prefix"), NameLike: q.Get("q"), Kind: q.Get("kind"), Project: q.Get("project"), Owner: q.Get("owner")}
	ms, next, err := a.Registry.ListModels(r.Context(), f, page)
	if err != nil {
		return err
	}
	if ms == nil {
		ms = []*registry.Model{}
	}
	writeJSON(w, http.StatusOK, modelList{ms, next})
	return nil
}

func (a *API) createModel(w http.ResponseWriter, r *http.Request) error {
	var in registry.ModelCreate
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	m, err := a.Registry.CreateModel(r.Context(), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/models/"+url.PathEscape(m.Name))
	writeObject(w, http.StatusCreated, m.Revision, m)
	return nil
}

func (a *API) getModel(w http.ResponseWriter, r *http.Request) error {
	m, err := a.Registry.GetModel(r.Context(), r.PathValue("model"))
	if err != nil {
		return err
	}
	writeObject(w, http.StatusOK, m.Revision, m)
	return nil
}

func (a *API) updateModel(w http.ResponseWriter, r *http.Request) error {
	rev, err := ifMatch(r)
	if err != nil {
		return err
	}
	var in registry.ModelUpdate
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	m, err := a.Registry.UpdateModel(r.Context(), r.PathValue("model"), in, rev)
	if err != nil {
		return err
	}
	writeObject(w, http.StatusOK, m.Revision, m)
	return nil
}

func (a *API) deleteModel(w http.ResponseWriter, r *http.Request) error {
	rev, err := ifMatch(r)
	if err != nil {
		return err
	}
	if err := a.Registry.DeleteModel(r.Context(), r.PathValue("model"), rev); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type tagValue struct {
	Value string `json:"value"`
}

func (a *API) setModelTag(w http.ResponseWriter, r *http.Request) error {
	var in tagValue
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	if err := a.Registry.SetModelTag(r.Context(), r.PathValue("model"), r.PathValue("key"), in.Value); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) deleteModelTag(w http.ResponseWriter, r *http.Request) error {
	if err := a.Registry.DeleteModelTag(r.Context(), r.PathValue("model"), r.PathValue("key")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) getAlias(w http.ResponseWriter, r *http.Request) error {
	v, err := a.Registry.GetVersionByAlias(r.Context(), r.PathValue("model"), r.PathValue("alias"))
	if err != nil {
		return err
	}
	writeObject(w, http.StatusOK, v.Revision, v)
	return nil
}

type aliasTarget struct {
	Version int64  `json:"version"`
	Reason  string `json:"reason"` // kept in the lifecycle history
}

func (a *API) setAlias(w http.ResponseWriter, r *http.Request) error {
	var in aliasTarget
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	if in.Version <= 0 {
		return steward.Errorf(steward.CodeInvalid, "version must be a positive integer").WithDetail("field", "version")
	}
	if err := steward.ValidateValue("reason", in.Reason, 8<<10); err != nil {
		return err
	}
	v, err := a.Registry.SetAlias(registry.WithReason(r.Context(), in.Reason), r.PathValue("model"), r.PathValue("alias"), in.Version)
	if err != nil {
		return err
	}
	writeObject(w, http.StatusOK, v.Revision, v)
	return nil
}

func (a *API) deleteAlias(w http.ResponseWriter, r *http.Request) error {
	if err := a.Registry.DeleteAlias(registry.WithReason(r.Context(), r.URL.Query().Get("reason")), r.PathValue("model"), r.PathValue("alias")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// writeObject answers with one object and its ETag.
func writeObject(w http.ResponseWriter, status int, revision int64, v any) {
	w.Header().Set("ETag", etag(revision))
	writeJSON(w, status, v)
}

func notFoundRoute(r *http.Request) error {
	return steward.Errorf(steward.CodeNotFound, "no API route %s %s; see /api/v1/openapi.json", r.Method, strconv.Quote(r.URL.Path))
}
