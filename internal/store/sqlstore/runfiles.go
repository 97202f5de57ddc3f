package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"path"
	"strings"

	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/steward"
	"github.com/steward-registry/steward/internal/tracking"
)

func (c conn) ListRunFiles(ctx context.Context, runID, prefix string) ([]tracking.RunFile, error) {
	q, args := runFilesQuery(ctx, `f.path, f.digest, f.size, f.media_type`, ``, runID, prefix)
	var out []tracking.RunFile
	err := c.eachRow(ctx, func(s scanner) error {
		var f tracking.RunFile
		if err := s.Scan(&f.Path, &f.Digest, &f.Size, &f.MediaType); err != nil {
			return err
		}
		out = append(out, f)
		return nil
	}, q, args...)
	return out, err
}

// runFilesQuery selects cols of the run's files f (of the workspace's run
// r, joined with join) under prefix, in path order.
func runFilesQuery(ctx context.Context, cols, join, runID, prefix string) (string, []any) {
	q, args := `SELECT `+cols+` FROM run_files f JOIN runs r ON r.id = f.run_id `+join+`
		WHERE r.workspace = ? AND f.run_id = ?`, []any{steward.WorkspaceFrom(ctx), runID}
	if prefix != "" {
		// The prefix itself (a file) or anything under prefix/ (a directory).
		q, args = q+` AND (f.path = ? OR (f.path >= ? AND f.path < ?))`, append(args, prefix, prefix+"/", prefix+"0") // '0' follows '/'
	}
	return q + ` ORDER BY f.path`, args
}

func (c conn) PutRunFile(ctx context.Context, runID string, f tracking.RunFile, now int64) error {
	_, err := c.exec(ctx, `INSERT INTO run_files (run_id, path, digest, size, media_type, created_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (run_id, path) DO UPDATE SET digest = excluded.digest, size = excluded.size, media_type = excluded.media_type, created_at = excluded.created_at`,
		runID, f.Path, f.Digest, f.Size, f.MediaType, now)
	return err
}

func (c conn) DeleteRunFiles(ctx context.Context, runID, path string) (int, error) {
	res, err := c.exec(ctx, `DELETE FROM run_files WHERE run_id = ? AND (path = ? OR (path >= ? AND path < ?))`, runID, path, path+"/", path+"0")
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// AddInputs upserts each dataset of the run's experiment and links it.
func (c conn) AddInputs(ctx context.Context, run *tracking.Run, inputs []tracking.DatasetInput, now int64) error {
	exp, err := expID(run.ExperimentID)
	if err != nil {
		return err
	}
	var pos int
	if err := c.row(ctx, `SELECT COALESCE(MAX(position), -1) + 1 FROM run_inputs WHERE run_id = ?`, run.ID).Scan(&pos); err != nil {
		return err
	}
	for _, in := range inputs {
		d := in.Dataset
		if _, err := c.exec(ctx, `INSERT INTO datasets (id, workspace, experiment_id, name, digest, source_type, source, schema, profile, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (experiment_id, name, digest) DO NOTHING`,
			steward.NewID(), run.Workspace, exp, d.Name, d.Digest, d.SourceType, d.Source, d.Schema, d.Profile, now); err != nil {
			return err
		}
		var id string
		if err := c.row(ctx, `SELECT id FROM datasets WHERE experiment_id = ? AND name = ? AND digest = ?`, exp, d.Name, d.Digest).Scan(&id); err != nil {
			return err
		}
		res, err := c.exec(ctx, `INSERT INTO run_inputs (run_id, dataset_id, position) VALUES (?, ?, ?) ON CONFLICT (run_id, dataset_id) DO NOTHING`, run.ID, id, pos)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			continue // already linked: MLflow keeps the first logging
		}
		pos++
		for _, t := range in.Tags {
			if _, err := c.exec(ctx, `INSERT INTO run_input_tags (run_id, dataset_id, key, value) VALUES (?, ?, ?, ?)
				ON CONFLICT (run_id, dataset_id, key) DO UPDATE SET value = excluded.value`, run.ID, id, t.Key, t.Value); err != nil {
				return err
			}
		}
	}
	return nil
}

// fillInputs loads the dataset inputs of a page of runs.
func (c conn) fillInputs(ctx context.Context, byID map[string]*tracking.Run, ids []any) error {
	in, args, err := c.inList("i.run_id", "text", ids)
	if err != nil {
		return err
	}
	type key struct{ run, ds string }
	// Index, not pointer: appends may move the slice.
	inputs := map[key]int{}
	if err := c.eachRow(ctx, func(s scanner) error {
		var runID, dsID string
		var d tracking.Dataset
		if err := s.Scan(&runID, &dsID, &d.Name, &d.Digest, &d.SourceType, &d.Source, &d.Schema, &d.Profile); err != nil {
			return err
		}
		r := byID[runID]
		r.Inputs = append(r.Inputs, tracking.DatasetInput{Dataset: d})
		inputs[key{runID, dsID}] = len(r.Inputs) - 1
		return nil
	}, `SELECT i.run_id, d.id, d.name, d.digest, d.source_type, d.source, d.schema, d.profile
		FROM run_inputs i JOIN datasets d ON d.id = i.dataset_id WHERE `+in+` ORDER BY i.run_id, i.position`, args...); err != nil {
		return err
	}
	if len(inputs) == 0 {
		return nil
	}
	return c.eachRow(ctx, func(s scanner) error {
		var k key
		var t tracking.Param
		if err := s.Scan(&k.run, &k.ds, &t.Key, &t.Value); err != nil {
			return err
		}
		if i, ok := inputs[k]; ok {
			r := byID[k.run]
			r.Inputs[i].Tags = append(r.Inputs[i].Tags, t)
		}
		return nil
	}, `SELECT i.run_id, i.dataset_id, i.key, i.value FROM run_input_tags i WHERE `+in+` ORDER BY i.key`, args...)
}

// RunArtifacts serves the registry: the run's files under prefix, with
// paths relative to prefix.
func (c conn) RunArtifacts(ctx context.Context, runID, prefix string) ([]registry.File, error) {
	// The blobs are checked in the same statement: a run file is written
	// after its blob, so a missing or different one is damage, not input.
	q, args := runFilesQuery(ctx, `f.path, f.digest, f.size, f.media_type, b.size`,
		`LEFT JOIN blobs b ON b.workspace = r.workspace AND b.digest = f.digest`, runID, prefix)
	var out []registry.File
	err := c.eachRow(ctx, func(s scanner) error {
		var f registry.File
		var blob sql.NullInt64
		if err := s.Scan(&f.Path, &f.Digest, &f.Size, &f.MediaType, &blob); err != nil {
			return err
		}
		if !blob.Valid || blob.Int64 != f.Size {
			return fmt.Errorf("run %s file %q: its blob %s is missing or not %d bytes", runID, f.Path, f.Digest, f.Size)
		}
		full := f.Path
		if prefix != "" {
			f.Path = strings.TrimPrefix(strings.TrimPrefix(f.Path, prefix), "/")
			if f.Path == "" { // the prefix named a single file
				f.Path = path.Base(full)
			}
		}
		out = append(out, f)
		return nil
	}, q, args...)
	return out, err
}
