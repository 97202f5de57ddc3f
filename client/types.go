package client

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// The types below mirror the JSON of the native API. Timestamps are Unix
// milliseconds. Responses may carry fields newer than this client; they are
// ignored.

// Model is a registered model.
type Model struct {
	ID            string            `json:"id"`
	Workspace     string            `json:"workspace"`
	Project       string            `json:"project,omitempty"`
	Name          string            `json:"name"`
	Kind          string            `json:"kind"` // ml, rules, optimisation, llm, other
	Description   string            `json:"description"`
	Owner         string            `json:"owner"`
	Tags          map[string]string `json:"tags"`
	Aliases       map[string]int64  `json:"aliases"`        // alias → version
	LatestVersion int64             `json:"latest_version"` // highest version ever assigned, 0 if none
	CreatedBy     string            `json:"created_by"`
	CreatedAt     int64             `json:"created_at"`
	UpdatedAt     int64             `json:"updated_at"`
	Revision      int64             `json:"revision"` // pass to If-Match arguments
}

// ModelCreate is the body of CreateModel. Only Name is required; Kind
// defaults to "ml".
type ModelCreate struct {
	Name        string            `json:"name"`
	Kind        string            `json:"kind,omitempty"`
	Description string            `json:"description,omitempty"`
	Owner       string            `json:"owner,omitempty"`
	Project     string            `json:"project,omitempty"`
	Tags        map[string]string `json:"tags,omitempty"`
}

// ModelUpdate is a partial update: nil fields are left alone. Name renames.
type ModelUpdate struct {
	Name        *string `json:"name,omitempty"`
	Kind        *string `json:"kind,omitempty"`
	Description *string `json:"description,omitempty"`
	Owner       *string `json:"owner,omitempty"`
	Project     *string `json:"project,omitempty"`
}

// ModelFilter selects models to list; empty fields do not filter.
type ModelFilter struct {
	NamePrefix string // names starting with this
	Search     string // case-insensitive substring of the name
	Kind       string
	Project    string
	Owner      string
}

// Stages of a model version.
const (
	StageNone       = "None"
	StageStaging    = "Staging"
	StageProduction = "Production"
	StageArchived   = "Archived"
)

// File is one entry of a version's artifact manifest.
type File struct {
	Path      string `json:"path"`   // relative, "/"-separated
	Digest    string `json:"digest"` // sha256:<64 hex>
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
	ManifestDigest string            `json:"manifest_digest"`
	FileCount      int64             `json:"file_count"`
	TotalSize      int64             `json:"total_size"`
	Stage          string            `json:"stage"`
	Status         string            `json:"status"`
	StatusMessage  string            `json:"status_message,omitempty"`
	Tags           map[string]string `json:"tags"`
	Aliases        []string          `json:"aliases"`
	CreatedBy      string            `json:"created_by"`
	CreatedAt      int64             `json:"created_at"`
	UpdatedAt      int64             `json:"updated_at"`
	Revision       int64             `json:"revision"`
}

// VersionCreate is the body of CreateVersion. Every file's blob must already
// be uploaded to the workspace (UploadDir does that).
type VersionCreate struct {
	Files       []File            `json:"files"`
	Source      string            `json:"source,omitempty"`
	RunID       string            `json:"run_id,omitempty"`
	Description string            `json:"description,omitempty"`
	Tags        map[string]string `json:"tags,omitempty"`
}

// VersionUpdate is a partial update: nil fields are left alone.
type VersionUpdate struct {
	Description *string `json:"description,omitempty"`
}

// VersionFilter selects versions to list; empty fields do not filter.
type VersionFilter struct {
	Model string // model name; empty lists versions of every model
	Stage string
	RunID string
}

// Manifest is the file list of a version. ManifestDigest is SHA-256 over
// the lines "<digest> <size> <path>\n" sorted by path (see ManifestDigest).
type Manifest struct {
	Model          string `json:"model"`
	Version        int64  `json:"version"`
	ManifestDigest string `json:"manifest_digest"`
	Files          []File `json:"files"`
}

// BlobInfo describes a stored blob.
type BlobInfo struct {
	Digest string `json:"digest"`
	Size   int64  `json:"size"`
}

// Experiment groups runs (MLflow's experiment).
type Experiment struct {
	ID               string            `json:"id"`
	Workspace        string            `json:"workspace"`
	Name             string            `json:"name"`
	ArtifactLocation string            `json:"artifact_location"`
	LifecycleStage   string            `json:"lifecycle_stage"` // active or deleted
	Tags             map[string]string `json:"tags"`
	CreatedAt        int64             `json:"created_at"`
	UpdatedAt        int64             `json:"updated_at"`
	Revision         int64             `json:"revision"`
}

// Run is one training or evaluation run.
type Run struct {
	ID             string            `json:"id"`
	Workspace      string            `json:"workspace"`
	ExperimentID   string            `json:"experiment_id"`
	Name           string            `json:"name"`
	UserID         string            `json:"user_id"`
	Status         string            `json:"status"` // RUNNING, SCHEDULED, FINISHED, FAILED, KILLED
	StartTime      int64             `json:"start_time"`
	EndTime        *int64            `json:"end_time,omitempty"`
	LifecycleStage string            `json:"lifecycle_stage"`
	ArtifactURI    string            `json:"artifact_uri"`
	Params         map[string]string `json:"params"`
	Tags           map[string]string `json:"tags"`
	Metrics        []Metric          `json:"metrics"` // latest value per key
	DeletedAt      *int64            `json:"deleted_at,omitempty"`
	Revision       int64             `json:"revision"`
}

// Metric is one point of a metric's history.
type Metric struct {
	Key       string `json:"key"`
	Value     Float  `json:"value"`
	Timestamp int64  `json:"timestamp"`
	Step      int64  `json:"step"`
}

// View types of experiment and run lists.
const (
	ViewActiveOnly  = "ACTIVE_ONLY"
	ViewDeletedOnly = "DELETED_ONLY"
	ViewAll         = "ALL"
)

// RunFilter selects runs to list.
type RunFilter struct {
	ExperimentIDs []string
	View          string // ViewActiveOnly (default), ViewDeletedOnly or ViewAll
}

// ExperimentFilter selects experiments to list.
type ExperimentFilter struct {
	Search string // case-insensitive substring of the name
	View   string
}

// Float is a metric value. NaN and ±Inf travel as the strings "NaN",
// "Infinity" and "-Infinity", since JSON numbers cannot carry them.
type Float float64

// MarshalJSON implements json.Marshaler.
func (f Float) MarshalJSON() ([]byte, error) {
	v := float64(f)
	switch {
	case math.IsNaN(v):
		return []byte(`"NaN"`), nil
	case math.IsInf(v, 1):
		return []byte(`"Infinity"`), nil
	case math.IsInf(v, -1):
		return []byte(`"-Infinity"`), nil
	}
	return strconv.AppendFloat(nil, v, 'g', -1, 64), nil
}

// UnmarshalJSON implements json.Unmarshaler.
func (f *Float) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		switch s {
		case "NaN":
			*f = Float(math.NaN())
		case "Infinity":
			*f = Float(math.Inf(1))
		case "-Infinity":
			*f = Float(math.Inf(-1))
		default:
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return fmt.Errorf("metric value %q is not a number", s)
			}
			*f = Float(v)
		}
		return nil
	}
	var v float64
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("metric value %s is not a number", b)
	}
	*f = Float(v)
	return nil
}
