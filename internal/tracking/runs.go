package tracking

import (
	"context"

	"github.com/steward-registry/steward/internal/steward"
)

// RunCreate is the input of CreateRun.
type RunCreate struct {
	ExperimentID string            `json:"experiment_id"`
	Name         string            `json:"name"`
	UserID       string            `json:"user_id"`
	StartTime    int64             `json:"start_time"`
	Tags         map[string]string `json:"tags"`
}

// CreateRun starts a run in an active experiment.
func (s *Service) CreateRun(ctx context.Context, in RunCreate) (*Run, error) {
	if in.ExperimentID == "" {
		in.ExperimentID = DefaultExperimentID
	}
	if in.Name != "" {
		if err := steward.ValidateValue("run name", in.Name, 250); err != nil {
			return nil, err
		}
	}
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	if err := s.allow(ctx, steward.PermExperimentWrite, "experiment", in.ExperimentID); err != nil {
		return nil, err
	}
	// MLflow keeps the run name in both the run and the mlflow.runName tag;
	// a run created without one gets a generated name, as MLflow does.
	if in.Name == "" {
		in.Name = in.Tags[RunNameTag]
	}
	if in.Name == "" {
		in.Name = randomRunName()
	}
	in.Tags = cloneMap(in.Tags)
	in.Tags[RunNameTag] = in.Name
	p, _ := steward.PrincipalFrom(ctx)
	if in.UserID == "" {
		in.UserID = p.ID
	}
	if in.StartTime == 0 {
		in.StartTime = s.millis()
	}
	run := &Run{ID: steward.NewID(), Workspace: steward.WorkspaceFrom(ctx), ExperimentID: in.ExperimentID, Name: in.Name,
		UserID: in.UserID, Status: "RUNNING", StartTime: in.StartTime, LifecycleStage: StageActive,
		Params: map[string]string{}, Tags: map[string]string{}, Metrics: []Metric{}, Revision: 1}
	run.ArtifactURI = s.ArtifactRoot(run.ExperimentID, run.ID)
	err := s.store.Update(ctx, func(r Repo) error {
		e, err := r.GetExperiment(ctx, in.ExperimentID)
		if err != nil {
			return err
		}
		if e.LifecycleStage != StageActive {
			return steward.Errorf(steward.CodeConflict, "experiment %s is deleted; restore it before creating runs in it", e.ID)
		}
		if err := r.CreateRun(ctx, run); err != nil {
			return err
		}
		tags := make([]Param, 0, len(in.Tags))
		for k, v := range in.Tags {
			tags = append(tags, Param{Key: k, Value: v})
			run.Tags[k] = v
		}
		if err := r.SetRunTags(ctx, run.ID, tags); err != nil {
			return err
		}
		return s.emit(ctx, r, "run.create", "run", run.ID, nil, run)
	})
	if err != nil {
		return nil, err
	}
	return run, nil
}

// GetRun returns a run with its params, tags and latest metrics.
func (s *Service) GetRun(ctx context.Context, id string) (*Run, error) {
	if err := s.allow(ctx, steward.PermExperimentRead, "run", id); err != nil {
		return nil, err
	}
	return s.store.GetRun(ctx, id)
}

// ListRuns lists runs, newest first.
func (s *Service) ListRuns(ctx context.Context, f RunFilter, page steward.PageRequest) ([]*Run, string, error) {
	if err := s.allow(ctx, steward.PermExperimentRead, "run", ""); err != nil {
		return nil, "", err
	}
	return s.store.ListRuns(ctx, f, page)
}

// MetricHistory returns every logged point of one metric.
func (s *Service) MetricHistory(ctx context.Context, runID, key string, page steward.PageRequest) ([]Metric, string, error) {
	if err := s.allow(ctx, steward.PermExperimentRead, "run", runID); err != nil {
		return nil, "", err
	}
	if _, err := s.store.GetRun(ctx, runID); err != nil {
		return nil, "", err
	}
	return s.store.MetricHistory(ctx, runID, key, page)
}

// RunUpdate is a partial update of a run.
type RunUpdate struct {
	Status  *string `json:"status"`
	EndTime *int64  `json:"end_time"`
	Name    *string `json:"name"`
}

// UpdateRun changes status, end time or name.
func (s *Service) UpdateRun(ctx context.Context, id string, in RunUpdate, ifRevision int64) (*Run, error) {
	if in.Status != nil {
		if err := validStatus(*in.Status); err != nil {
			return nil, err
		}
	}
	if in.Name != nil {
		if err := steward.ValidateValue("run name", *in.Name, 250); err != nil {
			return nil, err
		}
	}
	return s.changeRun(ctx, id, ifRevision, "run.update", true, func(r *Run) error {
		if in.Status != nil {
			r.Status = *in.Status
		}
		if in.EndTime != nil {
			r.EndTime = in.EndTime
		}
		if in.Name != nil {
			r.Name = *in.Name
		}
		return nil
	})
}

// DeleteRun soft-deletes a run.
func (s *Service) DeleteRun(ctx context.Context, id string) (*Run, error) {
	return s.changeRun(ctx, id, 0, "run.delete", false, func(r *Run) error {
		now := s.millis()
		r.LifecycleStage, r.DeletedAt = StageDeleted, &now
		return nil
	})
}

// RestoreRun undoes a soft delete.
func (s *Service) RestoreRun(ctx context.Context, id string) (*Run, error) {
	return s.changeRun(ctx, id, 0, "run.restore", false, func(r *Run) error {
		r.LifecycleStage, r.DeletedAt = StageActive, nil
		return nil
	})
}

func (s *Service) changeRun(ctx context.Context, id string, ifRevision int64, action string, mustBeActive bool, change func(*Run) error) (*Run, error) {
	if err := s.allow(ctx, steward.PermExperimentWrite, "run", id); err != nil {
		return nil, err
	}
	var out *Run
	err := s.store.Update(ctx, func(r Repo) error {
		cur, err := activeRun(ctx, r, id, mustBeActive)
		if err != nil {
			return err
		}
		if ifRevision != 0 && ifRevision != cur.Revision {
			return steward.Errorf(steward.CodePreconditionFailed, "run %s was changed since you read it (now at revision %d, you sent %d): read it again and retry", id, cur.Revision, ifRevision)
		}
		next := *cur
		if err := change(&next); err != nil {
			return err
		}
		if err := r.UpdateRun(ctx, &next, cur.Revision); err != nil {
			return err
		}
		if next.Name != cur.Name {
			if err := r.SetRunTag(ctx, id, RunNameTag, next.Name); err != nil {
				return err
			}
			next.Tags = cloneMap(next.Tags)
			next.Tags[RunNameTag] = next.Name
		}
		out = &next
		return s.emit(ctx, r, action, "run", id, runState(cur), runState(&next))
	})
	return out, err
}

// runState is what events record of a run: its attributes, not its (possibly
// huge) params and metrics, which have their own events.
func runState(r *Run) map[string]any {
	return map[string]any{"id": r.ID, "experiment_id": r.ExperimentID, "name": r.Name, "status": r.Status,
		"start_time": r.StartTime, "end_time": r.EndTime, "lifecycle_stage": r.LifecycleStage}
}

func activeRun(ctx context.Context, r Repo, id string, mustBeActive bool) (*Run, error) {
	cur, err := r.GetRun(ctx, id)
	if err != nil {
		return nil, err
	}
	return cur, checkActive(cur, mustBeActive)
}

func checkActive(cur *Run, mustBeActive bool) error {
	if mustBeActive && cur.LifecycleStage != StageActive {
		return steward.Errorf(steward.CodeConflict, "run %s must be in the 'active' state; it is %s (restore it first)", cur.ID, cur.LifecycleStage)
	}
	return nil
}

// Batch is a set of values logged together (MLflow's log-batch).
type Batch struct {
	Metrics []Metric `json:"metrics"`
	Params  []Param  `json:"params"`
	Tags    []Param  `json:"tags"`
}

// LogBatch logs metrics, params and tags atomically: all or nothing. A param
// already set to a different value is rejected (params are set once).
func (s *Service) LogBatch(ctx context.Context, runID string, b Batch) error {
	if len(b.Metrics) > MaxBatch || len(b.Params) > 100 || len(b.Tags) > 100 {
		return steward.Errorf(steward.CodeInvalid, "a batch holds at most 1000 metrics, 100 params and 100 tags (got %d, %d, %d)", len(b.Metrics), len(b.Params), len(b.Tags))
	}
	now := s.millis()
	for i := range b.Metrics {
		m := &b.Metrics[i]
		if err := steward.ValidateKey("metric key", m.Key); err != nil {
			return err
		}
		if m.Timestamp == 0 {
			m.Timestamp = now
		}
	}
	seen := map[string]string{}
	for _, p := range b.Params {
		if err := steward.ValidateKey("param key", p.Key); err != nil {
			return err
		}
		if err := steward.ValidateValue("param value", p.Value, MaxParamValue); err != nil {
			return err
		}
		if v, dup := seen[p.Key]; dup && v != p.Value {
			return steward.Errorf(steward.CodeInvalid, "param %q appears twice in the batch with different values", p.Key)
		}
		seen[p.Key] = p.Value
	}
	for _, t := range b.Tags {
		if err := steward.ValidateKey("tag key", t.Key); err != nil {
			return err
		}
		if err := steward.ValidateValue("tag value", t.Value, MaxTagValue); err != nil {
			return err
		}
	}
	if err := s.allow(ctx, steward.PermExperimentWrite, "run", runID); err != nil {
		return err
	}
	params := make([]Param, 0, len(seen))
	for k, v := range seen {
		params = append(params, Param{Key: k, Value: v})
	}
	return s.store.Update(ctx, func(r Repo) error {
		// Only the run's state and the batch's own params are read: loading
		// the whole run (tags, metrics, inputs) on every log call would cost
		// the single SQLite writer more than the writes do.
		run, err := r.GetRunInfo(ctx, runID)
		if err != nil {
			return err
		}
		if err := checkActive(run, true); err != nil {
			return err
		}
		// Params already set may be logged again with the same value; a
		// different one fails the batch, and returning the error rolls back
		// what the batch wrote.
		existing, err := r.InsertParams(ctx, runID, params)
		if err != nil {
			return err
		}
		for _, p := range params {
			if old, ok := existing[p.Key]; ok && old != p.Value {
				return steward.Errorf(steward.CodeInvalid, "param %q of run %s is already %q; params are set once and cannot change to %q", p.Key, runID, old, p.Value).WithDetail("field", "params")
			}
		}
		if err := r.SetRunTags(ctx, runID, lastTags(b.Tags)); err != nil {
			return err
		}
		if err := r.InsertMetrics(ctx, run, b.Metrics); err != nil {
			return err
		}
		return s.emit(ctx, r, "run.log", "run", runID, nil, batchSummary(b))
	})
}

// lastTags returns tags with each key once, at its last value: a batch that
// sets a tag twice ends with the later value, as if set one by one.
func lastTags(tags []Param) []Param {
	at := make(map[string]int, len(tags))
	out := make([]Param, 0, len(tags))
	for _, t := range tags {
		if i, ok := at[t.Key]; ok {
			out[i].Value = t.Value
			continue
		}
		at[t.Key] = len(out)
		out = append(out, t)
	}
	return out
}

// batchSummary keeps the event small: keys and counts, not every point.
func batchSummary(b Batch) map[string]any {
	keys := func(ps []Param) []string {
		out := make([]string, len(ps))
		for i, p := range ps {
			out[i] = p.Key
		}
		return out
	}
	mk := map[string]int{}
	for _, m := range b.Metrics {
		mk[m.Key]++
	}
	return map[string]any{"metrics": mk, "params": b.Params, "tags": keys(b.Tags)}
}

// LogMetric logs one metric point.
func (s *Service) LogMetric(ctx context.Context, runID string, m Metric) error {
	return s.LogBatch(ctx, runID, Batch{Metrics: []Metric{m}})
}

// LogParam sets one param.
func (s *Service) LogParam(ctx context.Context, runID, key, value string) error {
	return s.LogBatch(ctx, runID, Batch{Params: []Param{{Key: key, Value: value}}})
}

// SetTag sets one run tag.
func (s *Service) SetTag(ctx context.Context, runID, key, value string) error {
	return s.LogBatch(ctx, runID, Batch{Tags: []Param{{Key: key, Value: value}}})
}

// DeleteTag removes one run tag; a missing tag is CodeNotFound.
func (s *Service) DeleteTag(ctx context.Context, runID, key string) error {
	if err := s.allow(ctx, steward.PermExperimentWrite, "run", runID); err != nil {
		return err
	}
	return s.store.Update(ctx, func(r Repo) error {
		run, err := activeRun(ctx, r, runID, true)
		if err != nil {
			return err
		}
		old, ok := run.Tags[key]
		if !ok {
			return steward.Errorf(steward.CodeNotFound, "run %s has no tag %q", runID, key)
		}
		if err := r.DeleteRunTag(ctx, runID, key); err != nil {
			return err
		}
		return s.emit(ctx, r, "run.tag.delete", "run", runID, map[string]string{"key": key, "value": old}, nil)
	})
}
