package httpapi

import (
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"

	"github.com/steward-registry/steward/internal/blob"
	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/steward"
)

type versionList struct {
	Versions      []*registry.Version `json:"versions"`
	NextPageToken string              `json:"next_page_token,omitempty"`
}

func (a *API) listVersionsWith(w http.ResponseWriter, r *http.Request, f registry.VersionFilter) error {
	page, err := pageRequest(r)
	if err != nil {
		return err
	}
	vs, next, err := a.Registry.ListVersions(r.Context(), f, page)
	if err != nil {
		return err
	}
	if vs == nil {
		vs = []*registry.Version{}
	}
	writeJSON(w, http.StatusOK, versionList{vs, next})
	return nil
}

func (a *API) listModelVersions(w http.ResponseWriter, r *http.Request) error {
	return a.listVersionsWith(w, r, registry.VersionFilter{Model: r.PathValue("model"), Stage: r.URL.Query().Get("stage")})
}

func (a *API) listVersions(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	return a.listVersionsWith(w, r, registry.VersionFilter{Model: q.Get("model"), Stage: q.Get("stage"), RunID: q.Get("run_id")})
}

func (a *API) createVersion(w http.ResponseWriter, r *http.Request) error {
	var in registry.VersionCreate
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	v, err := a.Registry.CreateVersion(r.Context(), r.PathValue("model"), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/models/"+url.PathEscape(v.ModelName)+"/versions/"+strconv.FormatInt(v.Version, 10))
	writeObject(w, http.StatusCreated, v.Revision, v)
	return nil
}

func (a *API) getVersion(w http.ResponseWriter, r *http.Request) error {
	n, err := pathInt(r, "version")
	if err != nil {
		return err
	}
	v, err := a.Registry.GetVersion(r.Context(), r.PathValue("model"), n)
	if err != nil {
		return err
	}
	writeObject(w, http.StatusOK, v.Revision, v)
	return nil
}

func (a *API) updateVersion(w http.ResponseWriter, r *http.Request) error {
	n, err := pathInt(r, "version")
	if err != nil {
		return err
	}
	rev, err := ifMatch(r)
	if err != nil {
		return err
	}
	var in registry.VersionUpdate
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	v, err := a.Registry.UpdateVersion(r.Context(), r.PathValue("model"), n, in, rev)
	if err != nil {
		return err
	}
	writeObject(w, http.StatusOK, v.Revision, v)
	return nil
}

func (a *API) deleteVersion(w http.ResponseWriter, r *http.Request) error {
	n, err := pathInt(r, "version")
	if err != nil {
		return err
	}
	rev, err := ifMatch(r)
	if err != nil {
		return err
	}
	if err := a.Registry.DeleteVersion(r.Context(), r.PathValue("model"), n, rev); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type stageChange struct {
	Stage                   string `json:"stage"`
	ArchiveExistingVersions bool   `json:"archive_existing_versions"`
	// Reason is kept in the lifecycle history with the move.
	Reason string `json:"reason"`
}

func (a *API) setStage(w http.ResponseWriter, r *http.Request) error {
	n, err := pathInt(r, "version")
	if err != nil {
		return err
	}
	rev, err := ifMatch(r)
	if err != nil {
		return err
	}
	var in stageChange
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	if err := steward.ValidateValue("reason", in.Reason, 8<<10); err != nil {
		return err
	}
	v, err := a.Registry.SetStage(registry.WithReason(r.Context(), in.Reason), r.PathValue("model"), n, in.Stage, in.ArchiveExistingVersions, rev)
	if err != nil {
		return err
	}
	writeObject(w, http.StatusOK, v.Revision, v)
	return nil
}

func (a *API) setVersionTag(w http.ResponseWriter, r *http.Request) error {
	n, err := pathInt(r, "version")
	if err != nil {
		return err
	}
	var in tagValue
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	if err := a.Registry.SetVersionTag(r.Context(), r.PathValue("model"), n, r.PathValue("key"), in.Value); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) deleteVersionTag(w http.ResponseWriter, r *http.Request) error {
	n, err := pathInt(r, "version")
	if err != nil {
		return err
	}
	if err := a.Registry.DeleteVersionTag(r.Context(), r.PathValue("model"), n, r.PathValue("key")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type manifest struct {
	Model          string          `json:"model"`
	Version        int64           `json:"version"`
	ManifestDigest string          `json:"manifest_digest"`
	Files          []registry.File `json:"files"`
}

func (a *API) listFiles(w http.ResponseWriter, r *http.Request) error {
	n, err := pathInt(r, "version")
	if err != nil {
		return err
	}
	v, files, err := a.Registry.Files(r.Context(), r.PathValue("model"), n)
	if err != nil {
		return err
	}
	if files == nil {
		files = []registry.File{}
	}
	writeJSON(w, http.StatusOK, manifest{v.ModelName, v.Version, v.ManifestDigest, files})
	return nil
}

func (a *API) downloadFile(w http.ResponseWriter, r *http.Request) error {
	n, err := pathInt(r, "version")
	if err != nil {
		return err
	}
	p := r.PathValue("path")
	if err := blob.ValidatePath(p); err != nil {
		return steward.Errorf(steward.CodeInvalid, "%v", err)
	}
	v, files, err := a.Registry.Files(r.Context(), r.PathValue("model"), n)
	if err != nil {
		return err
	}
	for _, f := range files {
		if f.Path == p {
			record := func() error {
				return a.Registry.RecordRead(r.Context(), "model_version.download", "model_version", v.ID,
					map[string]any{"model": v.ModelName, "version": v.Version, "path": f.Path, "digest": f.Digest})
			}
			ct := f.MediaType
			if ct == "" {
				ct = mime.TypeByExtension(path.Ext(p))
			}
			if ct == "" {
				ct = "application/octet-stream"
			}
			return a.serveBlob(w, r, f.Digest, ct, path.Base(p), record)
		}
	}
	return steward.Errorf(steward.CodeNotFound, "version %d of model %q has no file %q", n, r.PathValue("model"), p)
}
