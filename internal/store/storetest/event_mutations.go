package storetest

import (
	"context"
	"time"

	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/steward"
	"github.com/steward-registry/steward/internal/tracking"
)

// state says whether an event must carry a before or after image.
type state int

const (
	anyState state = iota
	present
	absent
)

// mutation is one write and the event it must leave behind.
type mutation struct {
	action, objectType string
	before, after      state
	do                 func(ctx context.Context) (objectID string, err error)
}

var (
	alice     = steward.Principal{ID: "alice", Kind: steward.PrincipalUser, AuthMethod: "token"}
	aliceReq  = steward.RequestInfo{RequestID: "req-42", RemoteIP: "192.0.2.7", UserAgent: "steward-test/1"}
	fixedTime = time.UnixMilli(1_700_000_000_123)
)

// eventMutations lists every kind of write, in an order where each step
// can build on the previous ones, all in the workspace of ctx.
func eventMutations(e *Env) []mutation {
	r, tr := e.Registry, e.Tracking
	var model, version, expID, runID, projectID string
	return []mutation{
		{"project.create", "project", absent, present, func(ctx context.Context) (string, error) {
			p, err := r.CreateProject(ctx, "p", "")
			if p != nil {
				projectID = p.ID
			}
			return projectID, err
		}},
		{"project.update", "project", present, present, func(ctx context.Context) (string, error) {
			_, err := r.UpdateProject(ctx, "p", nil, ptr("desc"), 1)
			return projectID, err
		}},
		{"model.create", "model", absent, present, func(ctx context.Context) (string, error) {
			m, err := r.CreateModel(ctx, registry.ModelCreate{Name: "m", Project: "p", Tags: map[string]string{"a": "1"}})
			if m != nil {
				model = m.ID
			}
			return model, err
		}},
		{"model.update", "model", present, present, func(ctx context.Context) (string, error) {
			_, err := r.UpdateModel(ctx, "m", registry.ModelUpdate{Description: ptr("new")}, 1)
			return model, err
		}},
		{"model.tag.set", "model", anyState, present, func(ctx context.Context) (string, error) {
			return model, r.SetModelTag(ctx, "m", "b", "2")
		}},
		{"model.tag.delete", "model", present, absent, func(ctx context.Context) (string, error) {
			return model, r.DeleteModelTag(ctx, "m", "b")
		}},
		{"blob.add", "blob", absent, present, func(ctx context.Context) (string, error) {
			return digestA, r.AddBlob(ctx, digestA, 5)
		}},
		{"model_version.create", "model_version", absent, present, func(ctx context.Context) (string, error) {
			v, err := r.CreateVersion(ctx, "m", registry.VersionCreate{Files: []registry.File{fileA}, Tags: map[string]string{"t": "1"}})
			if v != nil {
				version = v.ID
			}
			return version, err
		}},
		{"model_version.update", "model_version", present, present, func(ctx context.Context) (string, error) {
			_, err := r.UpdateVersion(ctx, "m", 1, registry.VersionUpdate{Description: ptr("v1")}, 1)
			return version, err
		}},
		{"model_version.stage", "model_version", present, present, func(ctx context.Context) (string, error) {
			_, err := r.SetStage(ctx, "m", 1, "Production", true, 0)
			return version, err
		}},
		{"model_version.tag.set", "model_version", anyState, present, func(ctx context.Context) (string, error) {
			return version, r.SetVersionTag(ctx, "m", 1, "u", "2")
		}},
		{"model_version.tag.delete", "model_version", present, absent, func(ctx context.Context) (string, error) {
			return version, r.DeleteVersionTag(ctx, "m", 1, "u")
		}},
		{"model.alias.set", "model", anyState, present, func(ctx context.Context) (string, error) {
			_, err := r.SetAlias(ctx, "m", "champion", 1)
			return model, err
		}},
		{"model.alias.delete", "model", present, absent, func(ctx context.Context) (string, error) {
			return model, r.DeleteAlias(ctx, "m", "champion")
		}},
		{"experiment.create", "experiment", absent, present, func(ctx context.Context) (string, error) {
			x, err := tr.CreateExperiment(ctx, "x", "", map[string]string{"k": "v"})
			if x != nil {
				expID = x.ID
			}
			return expID, err
		}},
		{"experiment.update", "experiment", present, present, func(ctx context.Context) (string, error) {
			_, err := tr.RenameExperiment(ctx, expID, "y", 0)
			return expID, err
		}},
		{"experiment.tag.set", "experiment", present, present, func(ctx context.Context) (string, error) {
			_, err := tr.SetExperimentTag(ctx, expID, "k", "w")
			return expID, err
		}},
		{"run.create", "run", absent, present, func(ctx context.Context) (string, error) {
			run, err := tr.CreateRun(ctx, tracking.RunCreate{ExperimentID: expID, Tags: map[string]string{"a": "1"}})
			if run != nil {
				runID = run.ID
			}
			return runID, err
		}},
		{"run.log", "run", anyState, present, func(ctx context.Context) (string, error) {
			return runID, tr.LogBatch(ctx, runID, tracking.Batch{
				Metrics: []tracking.Metric{{Key: "auc", Value: 0.5, Step: 1}, {Key: "auc", Value: 0.6, Step: 2}},
				Params:  []tracking.Param{{Key: "lr", Value: "0.1"}},
				Tags:    []tracking.Param{{Key: "b", Value: "2"}},
			})
		}},
		{"run.update", "run", present, present, func(ctx context.Context) (string, error) {
			_, err := tr.UpdateRun(ctx, runID, tracking.RunUpdate{Status: ptr("FINISHED"), EndTime: ptr(int64(5))}, 0)
			return runID, err
		}},
		{"run.tag.delete", "run", present, absent, func(ctx context.Context) (string, error) {
			return runID, tr.DeleteTag(ctx, runID, "b")
		}},
		{"run.delete", "run", present, present, func(ctx context.Context) (string, error) {
			_, err := tr.DeleteRun(ctx, runID)
			return runID, err
		}},
		{"run.restore", "run", present, present, func(ctx context.Context) (string, error) {
			_, err := tr.RestoreRun(ctx, runID)
			return runID, err
		}},
		{"experiment.delete", "experiment", present, present, func(ctx context.Context) (string, error) {
			_, err := tr.DeleteExperiment(ctx, expID, 0)
			return expID, err
		}},
		{"experiment.restore", "experiment", present, present, func(ctx context.Context) (string, error) {
			_, err := tr.RestoreExperiment(ctx, expID, 0)
			return expID, err
		}},
		{"model_version.delete", "model_version", present, absent, func(ctx context.Context) (string, error) {
			return version, r.DeleteVersion(ctx, "m", 1, 0)
		}},
		{"model.delete", "model", present, absent, func(ctx context.Context) (string, error) {
			return model, r.DeleteModel(ctx, "m", 0)
		}},
		{"project.delete", "project", present, absent, func(ctx context.Context) (string, error) {
			return projectID, r.DeleteProject(ctx, "p", 0)
		}},
	}
}
