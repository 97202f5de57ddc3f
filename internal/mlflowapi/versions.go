package mlflowapi

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/steward-registry/steward/internal/steward"

	"github.com/steward-registry/steward/internal/registry"
)

type versionRef struct {
	Name                    string     `json:"name"`
	Version                 string     `json:"version"`
	Source                  string     `json:"source"`
	RunID                   string     `json:"run_id"`
	RunLink                 string     `json:"run_link"`
	Description             *string    `json:"description"`
	Tags                    []keyValue `json:"tags"`
	Stage                   string     `json:"stage"`
	ArchiveExistingVersions bool       `json:"archive_existing_versions"`
	Key                     string     `json:"key"`
	Value                   string     `json:"value"`
}

// decodeVersionRef reads a request naming a version; withVersion false for
// create, which names only the model.
func decodeVersionRef(r *http.Request, withVersion bool) (versionRef, int64, error) {
	var in versionRef
	if err := decode(r, &in); err != nil {
		return in, 0, err
	}
	if in.Name == "" {
		return in, 0, missing("name")
	}
	if !withVersion {
		return in, 0, nil
	}
	n, err := parseVersion(in.Version)
	return in, n, err
}

func respondVersion(w http.ResponseWriter, v *registry.Version) error {
	writeJSON(w, http.StatusOK, map[string]any{"model_version": toModelVersionWithAliases(v)})
	return nil
}

func (a *API) createModelVersion(w http.ResponseWriter, r *http.Request) error {
	in, _, err := decodeVersionRef(r, false)
	if err != nil {
		return err
	}
	if in.Source == "" {
		return missing("source")
	}
	desc := ""
	if in.Description != nil {
		desc = *in.Description
	}
	v, err := a.Registry.CreateVersion(r.Context(), in.Name, registry.VersionCreate{
		Source: in.Source, RunID: in.RunID, RunLink: in.RunLink, Description: desc, Tags: kvMap(in.Tags)})
	if err != nil {
		if in.RunID != "" {
			err = runNotFoundIf(err, in.RunID)
		}
		return modelNotFound(err, in.Name)
	}
	return respondVersion(w, v)
}

// runNotFoundIf words a missing run the MLflow way, leaving other errors.
func runNotFoundIf(err error, id string) error {
	if steward.IsCode(err, steward.CodeNotFound) && strings.Contains(steward.ErrorMessage(err), "run "+strconv.Quote(id)) {
		return runNotFound(err, id)
	}
	return err
}

func (a *API) getModelVersion(w http.ResponseWriter, r *http.Request) error {
	in, n, err := decodeVersionRef(r, true)
	if err != nil {
		return err
	}
	v, err := a.Registry.GetVersion(r.Context(), in.Name, n)
	if err != nil {
		return versionNotFound(err, in.Name, in.Version)
	}
	return respondVersion(w, v)
}

func (a *API) updateModelVersion(w http.ResponseWriter, r *http.Request) error {
	in, n, err := decodeVersionRef(r, true)
	if err != nil {
		return err
	}
	v, err := a.Registry.UpdateVersion(r.Context(), in.Name, n, registry.VersionUpdate{Description: in.Description}, 0)
	if err != nil {
		return versionNotFound(err, in.Name, in.Version)
	}
	return respondVersion(w, v)
}

func (a *API) deleteModelVersion(w http.ResponseWriter, r *http.Request) error {
	in, n, err := decodeVersionRef(r, true)
	if err != nil {
		return err
	}
	if err := a.Registry.DeleteVersion(r.Context(), in.Name, n, 0); err != nil {
		return versionNotFound(err, in.Name, in.Version)
	}
	return ok(w)
}

func (a *API) transitionStage(w http.ResponseWriter, r *http.Request) error {
	in, n, err := decodeVersionRef(r, true)
	if err != nil {
		return err
	}
	if in.Stage == "" {
		return missing("stage")
	}
	if _, err := registry.ParseStage(in.Stage); err != nil {
		return mlErrorf(InvalidParameterValue, "Invalid Model Version stage: %s. Value must be one of None, Staging, Production, Archived.", in.Stage)
	}
	v, err := a.Registry.SetStage(r.Context(), in.Name, n, in.Stage, in.ArchiveExistingVersions, 0)
	if err != nil {
		return versionNotFound(err, in.Name, in.Version)
	}
	return respondVersion(w, v)
}

func (a *API) getDownloadURI(w http.ResponseWriter, r *http.Request) error {
	in, n, err := decodeVersionRef(r, true)
	if err != nil {
		return err
	}
	v, err := a.Registry.GetVersion(r.Context(), in.Name, n)
	if err != nil {
		return versionNotFound(err, in.Name, in.Version)
	}
	writeJSON(w, http.StatusOK, map[string]string{"artifact_uri": v.Source})
	return nil
}

func (a *API) setModelVersionTag(w http.ResponseWriter, r *http.Request) error {
	in, n, err := decodeVersionRef(r, true)
	if err != nil {
		return err
	}
	if in.Key == "" {
		return missing("key")
	}
	if err := a.Registry.SetVersionTag(r.Context(), in.Name, n, in.Key, in.Value); err != nil {
		return versionNotFound(keyError(err, "tag", in.Key), in.Name, in.Version)
	}
	return ok(w)
}

func (a *API) deleteModelVersionTag(w http.ResponseWriter, r *http.Request) error {
	in, n, err := decodeVersionRef(r, true)
	if err != nil {
		return err
	}
	if in.Key == "" {
		return missing("key")
	}
	if err := a.Registry.DeleteVersionTag(r.Context(), in.Name, n, in.Key); err != nil {
		return versionNotFound(err, in.Name, in.Version)
	}
	return ok(w)
}

func (a *API) searchModelVersions(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Filter     string   `json:"filter"`
		MaxResults i64      `json:"max_results"`
		OrderBy    []string `json:"order_by"`
		PageToken  string   `json:"page_token"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	vs, next, err := a.Registry.SearchVersions(r.Context(), registry.SearchRequest{Filter: in.Filter, OrderBy: in.OrderBy, MaxResults: int(in.MaxResults), PageToken: in.PageToken})
	if err != nil {
		return err
	}
	out := struct {
		ModelVersions []modelVersionJSON `json:"model_versions,omitempty"`
		NextPageToken string             `json:"next_page_token,omitempty"`
	}{NextPageToken: next}
	for _, v := range vs {
		out.ModelVersions = append(out.ModelVersions, toModelVersion(v))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
