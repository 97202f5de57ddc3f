package sqlstore

import (
	"context"
	"math"
	"strconv"
	"strings"

	"github.com/steward-registry/steward/internal/steward"
	"github.com/steward-registry/steward/internal/tracking"
)

// expID parses an experiment id; ids that are not numbers cannot exist.
func expID(id string) (int64, error) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n < 0 {
		return 0, steward.Errorf(steward.CodeNotFound, "experiment %q does not exist", id)
	}
	return n, nil
}

const experimentCols = `id, workspace, name, artifact_location, lifecycle_stage, created_at, updated_at, revision`

// experimentColsE is experimentCols qualified by the alias e.
const experimentColsE = `e.id, e.workspace, e.name, e.artifact_location, e.lifecycle_stage, e.created_at, e.updated_at, e.revision`

func (c conn) scanExperiments(ctx context.Context, q string, args ...any) ([]*tracking.Experiment, error) {
	var out []*tracking.Experiment
	byID := map[int64]*tracking.Experiment{}
	var ids []any
	err := c.eachRow(ctx, func(s scanner) error {
		e := &tracking.Experiment{Tags: map[string]string{}}
		var id int64
		if err := s.Scan(&id, &e.Workspace, &e.Name, &e.ArtifactLocation, &e.LifecycleStage, &e.CreatedAt, &e.UpdatedAt, &e.Revision); err != nil {
			return err
		}
		e.ID = strconv.FormatInt(id, 10)
		byID[id] = e
		ids = append(ids, id)
		out = append(out, e)
		return nil
	}, q, args...)
	if err != nil || len(ids) == 0 {
		return out, err
	}
	return out, c.eachKV(ctx, "experiment_tags", "experiment_id", "bigint", ids, func(id, k, v string) {
		n, _ := strconv.ParseInt(id, 10, 64)
		byID[n].Tags[k] = v
	})
}

func (c conn) GetExperiment(ctx context.Context, id string) (*tracking.Experiment, error) {
	n, err := expID(id)
	if err != nil {
		return nil, err
	}
	es, err := c.scanExperiments(ctx, `SELECT `+experimentCols+` FROM experiments WHERE workspace = ? AND id = ?`, steward.WorkspaceFrom(ctx), n)
	if err != nil {
		return nil, err
	}
	if len(es) == 0 {
		return nil, steward.Errorf(steward.CodeNotFound, "experiment %q does not exist", id)
	}
	return es[0], nil
}

func (c conn) GetExperimentByName(ctx context.Context, name string) (*tracking.Experiment, error) {
	es, err := c.scanExperiments(ctx, `SELECT `+experimentCols+` FROM experiments WHERE workspace = ? AND name = ?`, steward.WorkspaceFrom(ctx), name)
	if err != nil {
		return nil, err
	}
	if len(es) == 0 {
		return nil, steward.Errorf(steward.CodeNotFound, "experiment %q does not exist", name)
	}
	return es[0], nil
}

func stageClause(v tracking.ViewType, col string) string {
	switch v {
	case tracking.DeletedOnly:
		return ` AND ` + col + ` = 'deleted'`
	case tracking.All:
		return ``
	}
	return ` AND ` + col + ` = 'active'`
}

func (c conn) ListExperiments(ctx context.Context, f tracking.ExperimentFilter, page steward.PageRequest) ([]*tracking.Experiment, string, error) {
	limit, err := page.Limit()
	if err != nil {
		return nil, "", err
	}
	fp := "experiments|" + string(f.ViewType) + "|" + f.NameLike
	after, err := steward.DecodePageToken(page.Token, fp, 1)
	if err != nil {
		return nil, "", err
	}
	q, args := `SELECT `+experimentCols+` FROM experiments WHERE workspace = ?`+stageClause(f.ViewType, "lifecycle_stage"), []any{steward.WorkspaceFrom(ctx)}
	if f.NameLike != "" {
		q, args = q+` AND LOWER(name) LIKE ? ESCAPE '\'`, append(args, "%"+strings.ToLower(escapeLike(f.NameLike))+"%")
	}
	if after != nil {
		n, err := strconv.ParseInt(after[0], 10, 64)
		if err != nil {
			return nil, "", steward.Errorf(steward.CodeInvalid, "page_token is not valid")
		}
		q, args = q+` AND id > ?`, append(args, n)
	}
	out, err := c.scanExperiments(ctx, q+` ORDER BY id LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = steward.EncodePageToken(fp, out[limit-1].ID)
	}
	return out, next, nil
}

func (c conn) CreateExperiment(ctx context.Context, e *tracking.Experiment) error {
	var id int64
	err := c.row(ctx, `INSERT INTO experiments (workspace, name, artifact_location, lifecycle_stage, created_at, updated_at, revision)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, e.Workspace, e.Name, e.ArtifactLocation, e.LifecycleStage, e.CreatedAt, e.UpdatedAt, e.Revision).Scan(&id)
	if err != nil {
		return c.uniqueAs(c.wrap(err), "experiment %q already exists", e.Name)
	}
	e.ID = strconv.FormatInt(id, 10)
	return nil
}

func (c conn) UpdateExperiment(ctx context.Context, e *tracking.Experiment, prev int64) error {
	n, err := expID(e.ID)
	if err != nil {
		return err
	}
	res, err := c.exec(ctx, `UPDATE experiments SET name = ?, artifact_location = ?, lifecycle_stage = ?, updated_at = ?, revision = ?
		WHERE id = ? AND revision = ?`, e.Name, e.ArtifactLocation, e.LifecycleStage, e.UpdatedAt, prev+1, n, prev)
	if err != nil {
		return c.uniqueAs(err, "experiment %q already exists", e.Name)
	}
	e.Revision = prev + 1
	return one(res, "experiment "+e.ID)
}

func (c conn) SetExperimentTag(ctx context.Context, id, key, value string) error {
	n, err := expID(id)
	if err != nil {
		return err
	}
	_, err = c.exec(ctx, `INSERT INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?)
		ON CONFLICT (experiment_id, key) DO UPDATE SET value = excluded.value`, n, key, value)
	return err
}

// --- runs ---

const runCols = `id, workspace, experiment_id, name, user_id, status, start_time, end_time, lifecycle_stage, artifact_uri, deleted_at, revision`

// runColsR is runCols qualified by the alias r.
const runColsR = `r.id, r.workspace, r.experiment_id, r.name, r.user_id, r.status, r.start_time, r.end_time, r.lifecycle_stage, r.artifact_uri, r.deleted_at, r.revision`

// scanRuns runs a query for runCols rows and loads their params, tags,
// inputs and latest metrics.
func (c conn) scanRuns(ctx context.Context, q string, args ...any) ([]*tracking.Run, error) {
	out, err := c.queryRuns(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return out, c.fillRuns(ctx, out)
}

// queryRuns runs a query for runCols rows: runs with empty params, tags and
// metrics.
func (c conn) queryRuns(ctx context.Context, q string, args ...any) ([]*tracking.Run, error) {
	var out []*tracking.Run
	err := c.eachRow(ctx, func(s scanner) error {
		r, err := scanRun(s)
		if err != nil {
			return err
		}
		out = append(out, r)
		return nil
	}, q, args...)
	return out, err
}

// fillRuns loads the params, tags, inputs and latest metrics of a page of
// runs, a few queries for the whole page.
func (c conn) fillRuns(ctx context.Context, runs []*tracking.Run) error {
	if len(runs) == 0 {
		return nil
	}
	byID := make(map[string]*tracking.Run, len(runs))
	ids := make([]any, len(runs))
	for i, r := range runs {
		byID[r.ID], ids[i] = r, r.ID
	}
	for _, kv := range []struct {
		table string
		dst   func(*tracking.Run) map[string]string
	}{
		{"run_params", func(r *tracking.Run) map[string]string { return r.Params }},
		{"run_tags", func(r *tracking.Run) map[string]string { return r.Tags }},
	} {
		if err := c.eachKV(ctx, kv.table, "run_id", "text", ids, func(id, k, v string) { kv.dst(byID[id])[k] = v }); err != nil {
			return err
		}
	}
	if err := c.fillInputs(ctx, byID, ids); err != nil {
		return err
	}
	in, args, err := c.inList("run_id", "text", ids)
	if err != nil {
		return err
	}
	return c.eachRow(ctx, func(s scanner) error {
		var id string
		m, err := scanMetric(s, &id)
		if err != nil {
			return err
		}
		byID[id].Metrics = append(byID[id].Metrics, m)
		return nil
	}, `SELECT run_id, key, value, is_nan, timestamp, step FROM latest_metrics WHERE `+in+` ORDER BY key`, args...)
}

func scanMetric(s scanner, runID *string) (tracking.Metric, error) {
	var m tracking.Metric
	var v float64
	var isNaN int
	dst := []any{&m.Key, &v, &isNaN, &m.Timestamp, &m.Step}
	if runID != nil {
		dst = append([]any{runID}, dst...)
	}
	if err := s.Scan(dst...); err != nil {
		return m, err
	}
	m.Value = tracking.Float(v)
	if isNaN != 0 {
		m.Value = tracking.Float(math.NaN())
	}
	return m, nil
}

func (c conn) GetRun(ctx context.Context, id string) (*tracking.Run, error) {
	rs, err := c.scanRuns(ctx, `SELECT `+runCols+` FROM runs WHERE workspace = ? AND id = ?`, steward.WorkspaceFrom(ctx), id)
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, steward.Errorf(steward.CodeNotFound, "run %q does not exist", id)
	}
	return rs[0], nil
}

func (c conn) GetRunInfo(ctx context.Context, id string) (*tracking.Run, error) {
	r, err := scanRun(c.row(ctx, `SELECT `+runCols+` FROM runs WHERE workspace = ? AND id = ?`, steward.WorkspaceFrom(ctx), id))
	if err != nil {
		return nil, notFound(err, "run %q does not exist", id)
	}
	return r, nil
}

// scanRun reads one row of runCols into a run with empty params, tags and
// metrics.
func scanRun(s scanner) (*tracking.Run, error) {
	r := &tracking.Run{Params: map[string]string{}, Tags: map[string]string{}, Metrics: []tracking.Metric{}}
	var exp int64
	if err := s.Scan(&r.ID, &r.Workspace, &exp, &r.Name, &r.UserID, &r.Status, &r.StartTime, &r.EndTime,
		&r.LifecycleStage, &r.ArtifactURI, &r.DeletedAt, &r.Revision); err != nil {
		return nil, err
	}
	r.ExperimentID = strconv.FormatInt(exp, 10)
	return r, nil
}

func (c conn) ListRuns(ctx context.Context, f tracking.RunFilter, page steward.PageRequest) ([]*tracking.Run, string, error) {
	limit, err := page.Limit()
	if err != nil {
		return nil, "", err
	}
	fp := "runs|" + string(f.ViewType)
	q, args := `SELECT `+runCols+` FROM runs WHERE workspace = ?`+stageClause(f.ViewType, "lifecycle_stage"), []any{steward.WorkspaceFrom(ctx)}
	if len(f.ExperimentIDs) > 0 {
		ids := make([]any, len(f.ExperimentIDs))
		for i, s := range f.ExperimentIDs {
			n, err := expID(s)
			if err != nil {
				return nil, "", err
			}
			ids[i] = n
			fp += "|" + s
		}
		q, args = q+` AND experiment_id IN (`+placeholders(len(ids))+`)`, append(args, ids...)
	}
	after, err := steward.DecodePageToken(page.Token, fp, 2)
	if err != nil {
		return nil, "", err
	}
	if after != nil {
		t, err := strconv.ParseInt(after[0], 10, 64)
		if err != nil {
			return nil, "", steward.Errorf(steward.CodeInvalid, "page_token is not valid")
		}
		q, args = q+` AND (start_time < ? OR (start_time = ? AND id > ?))`, append(args, t, t, after[1])
	}
	out, err := c.scanRuns(ctx, q+` ORDER BY start_time DESC, id LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		next = steward.EncodePageToken(fp, strconv.FormatInt(last.StartTime, 10), last.ID)
	}
	return out, next, nil
}

func (c conn) MetricHistory(ctx context.Context, runID, key string, page steward.PageRequest) ([]tracking.Metric, string, error) {
	limit := page.Size
	if limit <= 0 || limit > 25000 {
		limit = 25000 // MLflow's default max for get-history
	}
	fp := "history|" + runID + "|" + key
	after, err := steward.DecodePageToken(page.Token, fp, 1)
	if err != nil {
		return nil, "", err
	}
	offset := 0
	if after != nil {
		if offset, err = strconv.Atoi(after[0]); err != nil || offset < 0 {
			return nil, "", steward.Errorf(steward.CodeInvalid, "page_token is not valid")
		}
	}
	var out []tracking.Metric
	err = c.eachRow(ctx, func(s scanner) error {
		m, err := scanMetric(s, nil)
		out = append(out, m)
		return err
	}, `SELECT key, value, is_nan, timestamp, step FROM metrics WHERE run_id = ? AND key = ?
		ORDER BY step, timestamp LIMIT ? OFFSET ?`, runID, key, limit+1, offset)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = steward.EncodePageToken(fp, strconv.Itoa(offset+limit))
	}
	return out, next, nil
}

func (c conn) CreateRun(ctx context.Context, r *tracking.Run) error {
	n, err := expID(r.ExperimentID)
	if err != nil {
		return err
	}
	_, err = c.exec(ctx, `INSERT INTO runs (`+runCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.Workspace, n, r.Name, r.UserID, r.Status, r.StartTime, r.EndTime, r.LifecycleStage, r.ArtifactURI, r.DeletedAt, r.Revision)
	return c.uniqueAs(err, "run %q already exists", r.ID)
}

func (c conn) UpdateRun(ctx context.Context, r *tracking.Run, prev int64) error {
	res, err := c.exec(ctx, `UPDATE runs SET name = ?, status = ?, end_time = ?, lifecycle_stage = ?, deleted_at = ?, revision = ?
		WHERE id = ? AND revision = ?`, r.Name, r.Status, r.EndTime, r.LifecycleStage, r.DeletedAt, prev+1, r.ID, prev)
	if err != nil {
		return err
	}
	r.Revision = prev + 1
	return one(res, "run "+r.ID)
}

// InsertParams inserts with ON CONFLICT DO NOTHING, so one statement both
// writes the new params and finds the keys already set; only those are read
// back. On PostgreSQL a concurrent transaction inserting the same key makes
// the insert wait for it, and the read then sees its value.
func (c conn) InsertParams(ctx context.Context, runID string, ps []tracking.Param) (map[string]string, error) {
	args := make([]any, 0, len(ps)*3)
	for _, p := range ps {
		args = append(args, runID, p.Key, p.Value)
	}
	inserted := make(map[string]bool, len(ps))
	if err := insertParams.run(ctx, c, args, func(s scanner) error {
		var k string
		err := s.Scan(&k)
		inserted[k] = true
		return err
	}); err != nil {
		return nil, err
	}
	var dup []string
	for _, p := range ps {
		if !inserted[p.Key] {
			dup = append(dup, p.Key)
		}
	}
	return c.paramsOf(ctx, runID, dup)
}

// paramsOf returns the run's values of the given param keys that are set.
func (c conn) paramsOf(ctx context.Context, runID string, keys []string) (map[string]string, error) {
	out := map[string]string{}
	if len(keys) == 0 {
		return out, nil
	}
	args := make([]any, 0, len(keys)+1)
	args = append(args, runID)
	for _, k := range keys {
		args = append(args, k)
	}
	err := c.eachRow(ctx, func(s scanner) error {
		var k, v string
		if err := s.Scan(&k, &v); err != nil {
			return err
		}
		out[k] = v
		return nil
	}, `SELECT key, value FROM run_params WHERE run_id = ? AND key IN (`+placeholders(len(keys))+`)`, args...)
	return out, err
}

func (c conn) SetRunTag(ctx context.Context, runID, key, value string) error {
	_, err := c.exec(ctx, `INSERT INTO run_tags (run_id, key, value) VALUES (?, ?, ?)
		ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value`, runID, key, value)
	return err
}

func (c conn) SetRunTags(ctx context.Context, runID string, tags []tracking.Param) error {
	args := make([]any, 0, len(tags)*3)
	for _, t := range tags {
		args = append(args, runID, t.Key, t.Value)
	}
	return upsertRunTags.run(ctx, c, args, nil)
}

func (c conn) DeleteRunTag(ctx context.Context, runID, key string) error {
	_, err := c.exec(ctx, `DELETE FROM run_tags WHERE run_id = ? AND key = ?`, runID, key)
	return err
}

// InsertMetrics appends history and keeps latest_metrics at the point with
// the highest (step, timestamp, value), MLflow's rule. History goes in with
// multi-row inserts; latest_metrics gets one conditional multi-row upsert of
// the batch's own latest point per key, which ends in the same state as
// upserting every point.
func (c conn) InsertMetrics(ctx context.Context, run *tracking.Run, ms []tracking.Metric) error {
	exp, err := expID(run.ExperimentID)
	if err != nil {
		return err
	}
	args := make([]any, 0, len(ms)*6)
	latest := map[string]tracking.Metric{}
	var keys []string
	for _, m := range ms {
		v, isNaN := storedValue(m.Value)
		args = append(args, run.ID, m.Key, v, isNaN, m.Timestamp, m.Step)
		cur, seen := latest[m.Key]
		if !seen {
			keys = append(keys, m.Key)
		}
		if !seen || laterMetric(m, cur) {
			latest[m.Key] = m
		}
	}
	if err := insertMetrics.run(ctx, c, args, nil); err != nil {
		return err
	}
	args = args[:0]
	for _, k := range keys {
		m := latest[k]
		v, isNaN := storedValue(m.Value)
		args = append(args, run.ID, exp, k, v, isNaN, m.Timestamp, m.Step)
	}
	// Keys are distinct, so no row is upserted twice in one statement
	// (which PostgreSQL rejects).
	return upsertLatestMetrics.run(ctx, c, args, nil)
}

// The multi-row writes of MLflow's log-batch (see bulk: one statement per
// table on PostgreSQL).
var (
	insertParams = bulk{
		head:  `INSERT INTO run_params (run_id, key, value)`,
		types: []string{"text", "text", "text"},
		tail:  `ON CONFLICT (run_id, key) DO NOTHING RETURNING key`,
	}
	upsertRunTags = bulk{
		head:  `INSERT INTO run_tags (run_id, key, value)`,
		types: []string{"text", "text", "text"},
		tail:  `ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value`,
	}
	insertMetrics = bulk{
		head:  `INSERT INTO metrics (run_id, key, value, is_nan, timestamp, step)`,
		types: []string{"text", "text", "double precision", "bigint", "bigint", "bigint"},
	}
	upsertLatestMetrics = bulk{
		head:  `INSERT INTO latest_metrics (run_id, experiment_id, key, value, is_nan, timestamp, step)`,
		types: []string{"text", "bigint", "text", "double precision", "bigint", "bigint", "bigint"},
		tail: `ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value, is_nan = excluded.is_nan, timestamp = excluded.timestamp, step = excluded.step
			WHERE excluded.step > latest_metrics.step
			   OR (excluded.step = latest_metrics.step AND excluded.timestamp > latest_metrics.timestamp)
			   OR (excluded.step = latest_metrics.step AND excluded.timestamp = latest_metrics.timestamp AND excluded.value > latest_metrics.value)`,
	}
)

// storedValue is how a metric value is stored: NaN as 0 plus a flag.
func storedValue(f tracking.Float) (float64, int) {
	if v := float64(f); !math.IsNaN(v) {
		return v, 0
	}
	return 0, 1
}

// laterMetric reports whether a replaces b as the latest point, comparing
// (step, timestamp, stored value) exactly as the upsert's WHERE does; ties
// keep b, the earlier one.
func laterMetric(a, b tracking.Metric) bool {
	if a.Step != b.Step {
		return a.Step > b.Step
	}
	if a.Timestamp != b.Timestamp {
		return a.Timestamp > b.Timestamp
	}
	av, _ := storedValue(a.Value)
	bv, _ := storedValue(b.Value)
	return av > bv
}
