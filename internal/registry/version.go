package registry

import (
	"io"
	"strings"

	"github.com/steward-registry/steward/internal/blob"
	"github.com/steward-registry/steward/internal/steward"
)

// Stage is a model version's lifecycle stage (MLflow's vocabulary).
type Stage string

const (
	StageNone       Stage = "None"
	StageStaging    Stage = "Staging"
	StageProduction Stage = "Production"
	StageArchived   Stage = "Archived"
)

var stages = []Stage{StageNone, StageStaging, StageProduction, StageArchived}

// ParseStage accepts a stage case-insensitively, as MLflow does.
func ParseStage(s string) (Stage, error) {
	for _, st := range stages {
		if strings.EqualFold(s, string(st)) {
			return st, nil
		}
	}
	return "", steward.Errorf(steward.CodeInvalid, "stage %q is not one of None, Staging, Production, Archived", s).WithDetail("field", "stage")
}

// Version status values (MLflow's ModelVersionStatus).
const (
	StatusPendingRegistration = "PENDING_REGISTRATION"
	StatusFailedRegistration  = "FAILED_REGISTRATION"
	StatusReady               = "READY"
)

// File is one entry of an artifact manifest.
type File struct {
	Path      string `json:"path"`
	Digest    string `json:"digest"`
	Size      int64  `json:"size"`
	MediaType string `json:"media_type,omitempty"`
}

// Version is a model version.
type Version struct {
	ID             string            `json:"id"`
	Workspace      string            `json:"workspace"`
	ModelID        string            `json:"model_id"`
	ModelName      string            `json:"model_name"`
	Version        int64             `json:"version"`
	Description    string            `json:"description"`
	Source         string            `json:"source"`
	RunID          string            `json:"run_id,omitempty"`
	RunLink        string            `json:"run_link,omitempty"`
	ManifestDigest string            `json:"manifest_digest"`
	FileCount      int64             `json:"file_count"`
	TotalSize      int64             `json:"total_size"`
	Stage          Stage             `json:"stage"`
	Status         string            `json:"status"`
	StatusMessage  string            `json:"status_message,omitempty"`
	Tags           map[string]string `json:"tags"`
	Aliases        []string          `json:"aliases"`
	CreatedBy      string            `json:"created_by"`
	CreatedAt      int64             `json:"created_at"`
	UpdatedAt      int64             `json:"updated_at"`
	Revision       int64             `json:"revision"`
}

// VersionCreate is the input of CreateVersion.
type VersionCreate struct {
	Source      string            `json:"source"`
	RunID       string            `json:"run_id"`
	RunLink     string            `json:"run_link"`
	Description string            `json:"description"`
	Tags        map[string]string `json:"tags"`
	Files       []File            `json:"files"`
}

// RunSource parses a source that points into a run's artifacts, as MLflow
// clients register models: "runs:/<run>/<path>" or
// "mlflow-artifacts:/<exp>/<run>/artifacts/<path>". ok is false for any
// other source (an external URI), which is recorded as given.
func RunSource(source string) (runID, path string, ok bool) {
	if rest, found := strings.CutPrefix(source, "runs:/"); found {
		runID, path, _ = strings.Cut(strings.TrimPrefix(rest, "/"), "/")
		return runID, strings.Trim(path, "/"), runID != ""
	}
	if rest, found := strings.CutPrefix(source, "mlflow-artifacts:/"); found {
		parts := strings.SplitN(strings.TrimPrefix(rest, "/"), "/", 4)
		if len(parts) >= 3 && parts[2] == "artifacts" {
			if len(parts) == 4 {
				path = strings.Trim(parts[3], "/")
			}
			return parts[1], path, true
		}
	}
	return "", "", false
}

// VersionUpdate is a partial update.
type VersionUpdate struct {
	Description *string `json:"description"`
}

// VersionFilter selects versions to list.
type VersionFilter struct {
	Model string // model name; empty means all models of the workspace
	Stage string
	RunID string
}

// fileFields points the shared manifest rules at a File's fields.
func fileFields(f *File) (*string, *string, *int64) { return &f.Path, &f.Digest, &f.Size }

// ValidateManifest checks every entry and returns the entries sorted by path.
func ValidateManifest(files []File) ([]File, error) {
	out, err := blob.CheckManifest(files, MaxFiles, "manifest", fileFields)
	if err != nil {
		return nil, err
	}
	for _, f := range out {
		if err := steward.ValidateValue("media_type", f.MediaType, 255); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ManifestDigest is the digest of a manifest (blob.ManifestDigest).
func ManifestDigest(sorted []File) string { return blob.ManifestDigest(sorted, fileFields) }

// WriteManifestLines writes the canonical manifest text.
func WriteManifestLines(w io.Writer, sorted []File) { blob.WriteManifest(w, sorted, fileFields) }
