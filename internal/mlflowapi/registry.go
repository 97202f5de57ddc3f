package mlflowapi

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/steward"
)

func modelNotFound(err error, name string) error {
	return notFoundAs(err, "Registered Model with name=%s not found", name)
}

func versionNotFound(err error, name, version string) error {
	if steward.IsCode(err, steward.CodeNotFound) && strings.Contains(steward.ErrorMessage(err), "registered model") && !strings.Contains(steward.ErrorMessage(err), "version") {
		return mlErrorf(ResourceDoesNotExist, "Registered Model with name=%s not found", name)
	}
	return notFoundAs(err, "Model Version (name=%s, version=%s) not found", name, version)
}

func alreadyExists(err error, name string) error {
	if steward.IsCode(err, steward.CodeAlreadyExists) {
		return mlErrorf(ResourceAlreadyExists, "Registered Model (name=%s) already exists.", name)
	}
	return err
}

type modelRef struct {
	Name        string     `json:"name"`
	NewName     string     `json:"new_name"`
	Description *string    `json:"description"`
	Tags        []keyValue `json:"tags"`
	Key         string     `json:"key"`
	Value       string     `json:"value"`
	Alias       string     `json:"alias"`
	Version     string     `json:"version"`
}

func decodeModelRef(r *http.Request) (modelRef, error) {
	var in modelRef
	if err := decode(r, &in); err != nil {
		return in, err
	}
	if in.Name == "" {
		return in, missing("name")
	}
	return in, nil
}

func (a *API) respondModel(w http.ResponseWriter, r *http.Request, m *registry.Model) error {
	writeJSON(w, http.StatusOK, map[string]any{"registered_model": toRegisteredModel(m, nil)})
	return nil
}

func (a *API) createRegisteredModel(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeModelRef(r)
	if err != nil {
		return err
	}
	desc := ""
	if in.Description != nil {
		desc = *in.Description
	}
	m, err := a.Registry.CreateModel(r.Context(), registry.ModelCreate{Name: in.Name, Description: desc, Tags: kvMap(in.Tags)})
	if err != nil {
		return alreadyExists(err, in.Name)
	}
	return a.respondModel(w, r, m)
}

func (a *API) getRegisteredModel(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeModelRef(r)
	if err != nil {
		return err
	}
	m, err := a.Registry.GetModel(r.Context(), in.Name)
	if err != nil {
		return modelNotFound(err, in.Name)
	}
	latest, err := a.Registry.LatestVersions(r.Context(), in.Name, nil)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"registered_model": toRegisteredModel(m, latest)})
	return nil
}

func (a *API) renameRegisteredModel(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeModelRef(r)
	if err != nil {
		return err
	}
	if in.NewName == "" {
		return missing("new_name")
	}
	m, err := a.Registry.UpdateModel(r.Context(), in.Name, registry.ModelUpdate{Name: &in.NewName}, 0)
	if err != nil {
		return modelNotFound(alreadyExists(err, in.NewName), in.Name)
	}
	return a.respondModel(w, r, m)
}

func (a *API) updateRegisteredModel(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeModelRef(r)
	if err != nil {
		return err
	}
	m, err := a.Registry.UpdateModel(r.Context(), in.Name, registry.ModelUpdate{Description: in.Description}, 0)
	if err != nil {
		return modelNotFound(err, in.Name)
	}
	return a.respondModel(w, r, m)
}

func (a *API) deleteRegisteredModel(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeModelRef(r)
	if err != nil {
		return err
	}
	if err := a.Registry.DeleteModel(r.Context(), in.Name, 0); err != nil {
		return modelNotFound(err, in.Name)
	}
	return ok(w)
}

func (a *API) searchRegisteredModels(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Filter     string   `json:"filter"`
		MaxResults i64      `json:"max_results"`
		OrderBy    []string `json:"order_by"`
		PageToken  string   `json:"page_token"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	ms, next, err := a.Registry.SearchModels(r.Context(), registry.SearchRequest{Filter: in.Filter, OrderBy: in.OrderBy, MaxResults: int(in.MaxResults), PageToken: in.PageToken})
	if err != nil {
		return err
	}
	out := struct {
		RegisteredModels []registeredModelJSON `json:"registered_models,omitempty"`
		NextPageToken    string                `json:"next_page_token,omitempty"`
	}{NextPageToken: next}
	for _, m := range ms {
		latest, err := a.Registry.LatestVersions(r.Context(), m.Name, nil)
		if err != nil {
			return err
		}
		out.RegisteredModels = append(out.RegisteredModels, toRegisteredModel(m, latest))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) getLatestVersions(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Name   string   `json:"name"`
		Stages []string `json:"stages"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	if in.Name == "" {
		return missing("name")
	}
	vs, err := a.Registry.LatestVersions(r.Context(), in.Name, in.Stages)
	if err != nil {
		return modelNotFound(err, in.Name)
	}
	out := struct {
		ModelVersions []modelVersionJSON `json:"model_versions,omitempty"`
	}{}
	for _, v := range vs {
		out.ModelVersions = append(out.ModelVersions, toModelVersion(v))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) setRegisteredModelTag(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeModelRef(r)
	if err != nil {
		return err
	}
	if in.Key == "" {
		return missing("key")
	}
	if err := a.Registry.SetModelTag(r.Context(), in.Name, in.Key, in.Value); err != nil {
		return modelNotFound(keyError(err, "tag", in.Key), in.Name)
	}
	return ok(w)
}

func (a *API) deleteRegisteredModelTag(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeModelRef(r)
	if err != nil {
		return err
	}
	if in.Key == "" {
		return missing("key")
	}
	err = a.Registry.DeleteModelTag(r.Context(), in.Name, in.Key)
	if steward.IsCode(err, steward.CodeNotFound) && strings.Contains(steward.ErrorMessage(err), "no tag") {
		return mlErrorf(ResourceDoesNotExist, "Registered model tag with name=%s not found", in.Key)
	}
	if err != nil {
		return modelNotFound(err, in.Name)
	}
	return ok(w)
}

func parseVersion(s string) (int64, error) {
	if s == "" {
		return 0, missing("version")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, mlErrorf(InvalidParameterValue, "Model version must be an integer, got '%s'", s)
	}
	return n, nil
}

func (a *API) setAlias(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeModelRef(r)
	if err != nil {
		return err
	}
	if in.Alias == "" {
		return missing("alias")
	}
	n, err := parseVersion(in.Version)
	if err != nil {
		return err
	}
	if _, err := a.Registry.SetAlias(r.Context(), in.Name, in.Alias, n); err != nil {
		return versionNotFound(err, in.Name, in.Version)
	}
	return ok(w)
}

func (a *API) deleteAlias(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeModelRef(r)
	if err != nil {
		return err
	}
	if in.Alias == "" {
		return missing("alias")
	}
	err = a.Registry.DeleteAlias(r.Context(), in.Name, in.Alias)
	if steward.IsCode(err, steward.CodeNotFound) && strings.Contains(steward.ErrorMessage(err), "alias") {
		return ok(w) // MLflow deletes a missing alias silently
	}
	if err != nil {
		return modelNotFound(err, in.Name)
	}
	return ok(w)
}

func (a *API) getByAlias(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeModelRef(r)
	if err != nil {
		return err
	}
	if in.Alias == "" {
		return missing("alias")
	}
	v, err := a.Registry.GetVersionByAlias(r.Context(), in.Name, in.Alias)
	if steward.IsCode(err, steward.CodeNotFound) {
		if _, merr := a.Registry.GetModel(r.Context(), in.Name); merr != nil {
			return modelNotFound(merr, in.Name)
		}
		return mlErrorf(InvalidParameterValue, "Registered model alias %s not found.", in.Alias)
	}
	if err != nil {
		return err
	}
	return respondVersion(w, v)
}
