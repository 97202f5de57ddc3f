// Package tracking is the experiment-tracking domain: experiments, runs,
// params (set once), metric history and tags. Types, rules and the service;
// no SQL and no HTTP.
package tracking

import (
	"context"
	"encoding/json"
	"math"
	"strconv"

	"github.com/steward-registry/steward/internal/events"
	"github.com/steward-registry/steward/internal/lineage"
	"github.com/steward-registry/steward/internal/steward"
)

// Lifecycle stages of experiments and runs (soft delete).
const (
	StageActive  = "active"
	StageDeleted = "deleted"
)

// ViewType filters by lifecycle stage, as MLflow's run_view_type does.
type ViewType string

const (
	ActiveOnly  ViewType = "ACTIVE_ONLY"
	DeletedOnly ViewType = "DELETED_ONLY"
	All         ViewType = "ALL"
)

// ParseViewType validates a view type; empty means ACTIVE_ONLY.
func ParseViewType(s string) (ViewType, error) {
	switch ViewType(s) {
	case "":
		return ActiveOnly, nil
	case ActiveOnly, DeletedOnly, All:
		return ViewType(s), nil
	}
	return "", steward.Errorf(steward.CodeInvalid, "view type %q is not one of ACTIVE_ONLY, DELETED_ONLY, ALL", s)
}

// Run statuses (MLflow's RunStatus).
var runStatuses = []string{"RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"}

// DefaultExperimentID is the experiment the default workspace starts with,
// as MLflow's experiment "0".
const DefaultExperimentID = "0"

// Experiment groups runs.
type Experiment struct {
	ID               string            `json:"id"`
	Workspace        string            `json:"workspace"`
	Name             string            `json:"name"`
	ArtifactLocation string            `json:"artifact_location"`
	LifecycleStage   string            `json:"lifecycle_stage"`
	Tags             map[string]string `json:"tags"`
	CreatedAt        int64             `json:"created_at"`
	UpdatedAt        int64             `json:"updated_at"`
	Revision         int64             `json:"revision"`
}

// Float is a metric value. JSON cannot carry NaN or ±Inf as numbers, so they
// travel as the strings "NaN", "Infinity" and "-Infinity" (what MLflow's
// protobuf JSON does).
type Float float64

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

func (f *Float) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		switch s {
		case "NaN":
			*f = Float(math.NaN())
		case "Infinity", "inf", "Inf":
			*f = Float(math.Inf(1))
		case "-Infinity", "-inf", "-Inf":
			*f = Float(math.Inf(-1))
		default:
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return steward.Errorf(steward.CodeInvalid, "metric value %q is not a number", s)
			}
			*f = Float(v)
		}
		return nil
	}
	var v float64
	if err := json.Unmarshal(b, &v); err != nil {
		return steward.Errorf(steward.CodeInvalid, "metric value %s is not a number", b)
	}
	*f = Float(v)
	return nil
}

// Metric is one point of a metric's history.
type Metric struct {
	Key       string `json:"key"`
	Value     Float  `json:"value"`
	Timestamp int64  `json:"timestamp"`
	Step      int64  `json:"step"`
}

// Param is a run parameter: set once, never changed.
type Param struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Run is one execution of training or evaluation code.
type Run struct {
	ID             string            `json:"id"`
	Workspace      string            `json:"workspace"`
	ExperimentID   string            `json:"experiment_id"`
	Name           string            `json:"name"`
	UserID         string            `json:"user_id"`
	Status         string            `json:"status"`
	StartTime      int64             `json:"start_time"`
	EndTime        *int64            `json:"end_time,omitempty"`
	LifecycleStage string            `json:"lifecycle_stage"`
	ArtifactURI    string            `json:"artifact_uri"`
	Params         map[string]string `json:"params"`
	Tags           map[string]string `json:"tags"`
	Metrics        []Metric          `json:"metrics"` // latest value per key
	Inputs         []DatasetInput    `json:"inputs"`
	DeletedAt      *int64            `json:"deleted_at,omitempty"`
	Revision       int64             `json:"revision"`
}

// ExperimentFilter selects experiments.
type ExperimentFilter struct {
	ViewType ViewType
	NameLike string
}

// RunFilter selects runs.
type RunFilter struct {
	ExperimentIDs []string
	ViewType      ViewType
}

// Limits (MLflow's).
const (
	MaxParamValue = 6000
	MaxTagValue   = 8000
	MaxBatch      = 1000 // metrics per batch; params 100, tags 100
)

// Reader is the read side of tracking storage, scoped to the workspace in
// ctx; missing objects are CodeNotFound.
type Reader interface {
	GetExperiment(ctx context.Context, id string) (*Experiment, error)
	GetExperimentByName(ctx context.Context, name string) (*Experiment, error)
	ListExperiments(ctx context.Context, f ExperimentFilter, page steward.PageRequest) ([]*Experiment, string, error)
	GetRun(ctx context.Context, id string) (*Run, error)
	// GetRunInfo returns a run's attributes only (no params, tags, metrics
	// or inputs): the hot write paths need no more.
	GetRunInfo(ctx context.Context, id string) (*Run, error)
	ListRuns(ctx context.Context, f RunFilter, page steward.PageRequest) ([]*Run, string, error)
	MetricHistory(ctx context.Context, runID, key string, page steward.PageRequest) ([]Metric, string, error)
	// SearchRuns and SearchExperiments return at most q.Limit rows from
	// q.Offset, matching q.Filter, ordered by q.OrderBy then the default.
	SearchRuns(ctx context.Context, q Query) ([]*Run, error)
	SearchExperiments(ctx context.Context, q Query) ([]*Experiment, error)
	// ListRunFiles returns the run's files under prefix (all if ""), by path.
	ListRunFiles(ctx context.Context, runID, prefix string) ([]RunFile, error)
}

// Repo is tracking storage inside a write transaction.
type Repo interface {
	Reader
	events.Appender
	// Recorder records the lineage a change makes true (the datasets a run
	// consumed) in the change's transaction.
	lineage.Recorder
	// CreateExperiment assigns e.ID.
	CreateExperiment(ctx context.Context, e *Experiment) error
	UpdateExperiment(ctx context.Context, e *Experiment, prevRevision int64) error
	SetExperimentTag(ctx context.Context, expID, key, value string) error
	CreateRun(ctx context.Context, r *Run) error
	UpdateRun(ctx context.Context, r *Run, prevRevision int64) error
	// InsertParams inserts the params the run does not have yet (keys must
	// be distinct) and returns the stored values of those it has, which it
	// leaves alone: params are set once.
	InsertParams(ctx context.Context, runID string, ps []Param) (existing map[string]string, err error)
	SetRunTag(ctx context.Context, runID, key, value string) error
	// SetRunTags sets tags in one statement; keys must be distinct.
	SetRunTags(ctx context.Context, runID string, tags []Param) error
	DeleteRunTag(ctx context.Context, runID, key string) error
	// InsertMetrics appends metric points to the run's history and keeps its
	// latest value per key.
	InsertMetrics(ctx context.Context, run *Run, ms []Metric) error
	// AddInputs upserts datasets (by experiment, name, digest) and links
	// them to the run; links that exist are left alone.
	AddInputs(ctx context.Context, run *Run, inputs []DatasetInput, now int64) error
	PutRunFile(ctx context.Context, runID string, f RunFile, now int64) error
	// DeleteRunFiles deletes path and everything under path/; returns the count.
	DeleteRunFiles(ctx context.Context, runID, path string) (int, error)
}

// Store runs tracking reads and write transactions.
type Store interface {
	Reader
	Update(ctx context.Context, fn func(Repo) error) error
}
