package mlflowapi

import (
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/steward-registry/steward/internal/blob"
	"github.com/steward-registry/steward/internal/httpapi"
	"github.com/steward-registry/steward/internal/steward"
	"github.com/steward-registry/steward/internal/tracking"
)

const artifactPrefix = "/api/2.0/mlflow-artifacts/artifacts"

func (a *API) artifactRoutes() []Route {
	return []Route{
		{"GET", artifactPrefix, steward.PermExperimentRead, a.listArtifacts},
		{"PUT", artifactPrefix + "/{path...}", steward.PermExperimentWrite, a.uploadArtifact},
		{"GET", artifactPrefix + "/{path...}", steward.PermExperimentRead, a.downloadArtifact},
		{"DELETE", artifactPrefix + "/{path...}", steward.PermExperimentWrite, a.deleteArtifact},
	}
}

// artifactPath is a location in the mlflow-artifacts namespace:
// <experiment>/<run>/artifacts/<path in the run>. Steward keeps artifacts per
// run, so anything outside a run's artifact root is refused.
type artifactPath struct {
	Experiment, Run, Rel string
}

func parseArtifactPath(p string) (artifactPath, error) {
	p = strings.Trim(p, "/")
	parts := strings.SplitN(p, "/", 4)
	if len(parts) < 3 || parts[2] != "artifacts" || parts[0] == "" || parts[1] == "" {
		return artifactPath{}, mlErrorf(InvalidParameterValue,
			"Artifact path %q is not inside a run's artifact root; Steward serves <experiment_id>/<run_id>/artifacts/<path>", p)
	}
	ap := artifactPath{Experiment: parts[0], Run: parts[1]}
	if len(parts) == 4 {
		ap.Rel = parts[3]
		if err := blob.ValidatePath(ap.Rel); err != nil {
			return ap, mlErrorf(InvalidParameterValue, "Invalid artifact path: %v", err)
		}
	}
	return ap, nil
}

// run loads the run the path names and checks it lives in the experiment.
func (a *API) run(r *http.Request, ap artifactPath) (*tracking.Run, error) {
	run, err := a.Tracking.GetRun(r.Context(), ap.Run)
	if err != nil {
		return nil, runNotFound(err, ap.Run)
	}
	if run.ExperimentID != ap.Experiment {
		return nil, mlErrorf(ResourceDoesNotExist, "Run with id=%s not found in experiment %s", ap.Run, ap.Experiment)
	}
	return run, nil
}

// uploadArtifact streams the body into the content-addressed store and binds
// it to the path in the run's artifact manifest.
func (a *API) uploadArtifact(w http.ResponseWriter, r *http.Request) error {
	ap, err := parseArtifactPath(r.PathValue("path"))
	if err != nil {
		return err
	}
	if ap.Rel == "" {
		return mlErrorf(InvalidParameterValue, "Artifact path must name a file under the run's artifact root")
	}
	if _, err := a.run(r, ap); err != nil {
		return err
	}
	if err := a.Registry.CanUpload(r.Context()); err != nil {
		return err
	}
	if a.MaxArtifactSize > 0 && r.ContentLength > a.MaxArtifactSize {
		return mlErrorf(InvalidParameterValue, "Artifact is %d bytes; the limit is %d", r.ContentLength, a.MaxArtifactSize)
	}
	info, err := a.Blobs.Put(r.Context(), r.Body, "", a.MaxArtifactSize)
	if err != nil {
		return err
	}
	if err := a.Registry.AddBlob(r.Context(), string(info.Digest), info.Size); err != nil {
		return err
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err := a.Tracking.PutRunFile(r.Context(), ap.Run, tracking.RunFile{Path: ap.Rel, Digest: string(info.Digest), Size: info.Size, MediaType: mt}); err != nil {
		return runNotFound(err, ap.Run)
	}
	return ok(w)
}

func (a *API) downloadArtifact(w http.ResponseWriter, r *http.Request) error {
	ap, err := parseArtifactPath(r.PathValue("path"))
	if err != nil {
		return err
	}
	if _, err := a.run(r, ap); err != nil {
		return err
	}
	files, err := a.Tracking.RunFiles(r.Context(), ap.Run, ap.Rel)
	if err != nil {
		return runNotFound(err, ap.Run)
	}
	for _, f := range files {
		if f.Path != ap.Rel {
			continue
		}
		if _, err := a.Registry.BlobSize(r.Context(), f.Digest); err != nil {
			return err
		}
		rc, _, err := a.Blobs.Open(r.Context(), blob.Digest(f.Digest))
		if err != nil {
			return err
		}
		defer rc.Close()
		ct := mime.TypeByExtension(path.Ext(f.Path))
		if ct == "" || strings.HasPrefix(ct, "text/html") {
			ct = "application/octet-stream" // never let a browser render an artifact as a page
		}
		w.Header().Set("Content-Type", ct)
		w.Header().Set("Content-Disposition", "attachment; filename=\""+strings.ReplaceAll(path.Base(f.Path), `"`, "")+"\"")
		// Sending the content is recorded first; an access that cannot be
		// recorded is refused.
		inner := w
		w = &httpapi.RecordingWriter{ResponseWriter: inner, OnFail: func(err error) { a.writeError(inner, r, err) },
			Record: func() error {
				return a.Registry.RecordRead(r.Context(), "run.artifact.read", "run", ap.Run, map[string]any{"path": f.Path, "digest": f.Digest})
			}}
		http.ServeContent(w, r, "", zeroTime, rc)
		return nil
	}
	// MLflow answers a missing file with 500 INTERNAL_ERROR and a server
	// path in the message; Steward says what is missing, as 404.
	return mlErrorf(ResourceDoesNotExist, "Artifact %q not found in run %s", ap.Rel, ap.Run)
}

func (a *API) deleteArtifact(w http.ResponseWriter, r *http.Request) error {
	ap, err := parseArtifactPath(r.PathValue("path"))
	if err != nil {
		return err
	}
	if _, err := a.run(r, ap); err != nil {
		return err
	}
	if err := a.Tracking.DeleteRunFiles(r.Context(), ap.Run, ap.Rel); err != nil {
		if steward.IsCode(err, steward.CodeNotFound) {
			return mlErrorf(ResourceDoesNotExist, "Artifact %q not found in run %s", ap.Rel, ap.Run)
		}
		return err
	}
	return ok(w)
}

type fileInfoJSON struct {
	Path     string `json:"path"`
	IsDir    bool   `json:"is_dir"`
	FileSize *int64 `json:"file_size,omitempty"`
}

func toFileInfos(entries []tracking.Entry, trim string) []fileInfoJSON {
	var out []fileInfoJSON
	for _, e := range entries {
		fi := fileInfoJSON{Path: strings.TrimPrefix(e.Path, trim), IsDir: e.IsDir}
		if !e.IsDir {
			size := e.Size
			fi.FileSize = &size
		}
		out = append(out, fi)
	}
	return out
}

// listArtifacts lists one directory level; names are relative to the
// listed directory, and a file or a missing path lists as empty (MLflow).
func (a *API) listArtifacts(w http.ResponseWriter, r *http.Request) error {
	ap, err := parseArtifactPath(r.URL.Query().Get("path"))
	if err != nil {
		return err
	}
	if _, err := a.run(r, ap); err != nil {
		return err
	}
	files, err := a.Tracking.RunFiles(r.Context(), ap.Run, ap.Rel)
	if err != nil {
		return runNotFound(err, ap.Run)
	}
	trim := ""
	if ap.Rel != "" {
		trim = ap.Rel + "/"
	}
	out := struct {
		Files []fileInfoJSON `json:"files,omitempty"`
	}{toFileInfos(tracking.ListDir(files, ap.Rel), trim)}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// listRunArtifacts is the tracking API's artifacts/list: paths relative to
// the run's artifact root.
func (a *API) listRunArtifacts(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		runRef
		Path      string `json:"path"`
		PageToken string `json:"page_token"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	id, err := runID(in.RunID, in.RunUUID)
	if err != nil {
		return err
	}
	rel := strings.Trim(in.Path, "/")
	if rel != "" {
		if err := blob.ValidatePath(rel); err != nil {
			return mlErrorf(InvalidParameterValue, "Invalid artifact path: %v", err)
		}
	}
	run, err := a.Tracking.GetRun(r.Context(), id)
	if err != nil {
		return runNotFound(err, id)
	}
	files, err := a.Tracking.RunFiles(r.Context(), id, rel)
	if err != nil {
		return runNotFound(err, id)
	}
	out := struct {
		RootURI string         `json:"root_uri"`
		Files   []fileInfoJSON `json:"files,omitempty"`
	}{run.ArtifactURI, toFileInfos(tracking.ListDir(files, rel), "")}
	writeJSON(w, http.StatusOK, out)
	return nil
}
