package storetest

// Bulk seeding of MLflow tracking data (experiments and runs) for the load
// command in bench/load. Like Seed, it writes the rows the tracking service
// writes (a run, its tags, params, metric history, latest metrics and one
// run.create event) with multi-row INSERTs in one transaction, because
// 100,000 CreateRun + LogBatch calls with one committed transaction each take
// minutes.

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/steward-registry/steward/internal/steward"
	"github.com/steward-registry/steward/internal/store/sqlstore"
)

// SeedRunP1Values are the values of param p1 on seeded runs, one in
// len(SeedRunP1Values) runs each: "params.p1 = 'x'" matches 1/5 of them.
var SeedRunP1Values = []string{"x", "y", "z", "u", "v"}

// SeedRunsOptions says what SeedRuns writes.
type SeedRunsOptions struct {
	Experiment string // name of the experiment to create (unique); the runs go there
	Runs       int
	// Bare runs have only the tags CreateRun writes (mlflow.runName and
	// mlflow.user): no params, no metrics, status RUNNING. Otherwise every run
	// is FINISHED and has
	//   metrics m1, m2 (one point each, uniform in [0,1)) and loss (5 steps),
	//   params  p1 (one of SeedRunP1Values), lr, batch_size, optimizer, epochs,
	//   tags    mlflow.runName, mlflow.user, mlflow.source.name,
	//           mlflow.source.type, team.
	Bare      bool
	Seed      uint64 // random source for values (same seed, same values)
	Workspace string // default "default"
}

// SeedRunsStats reports what was written.
type SeedRunsStats struct {
	ExperimentID                                string
	RunIDs                                      []string
	Runs, Params, Tags, Metrics, Latest, Events int
	Took                                        time.Duration
}

// SeedRuns creates an experiment and bulk-inserts opts.Runs runs into it in
// one transaction, then runs VACUUM ANALYZE (PostgreSQL) or a WAL checkpoint
// (SQLite), as Seed does.
func SeedRuns(ctx context.Context, db *sqlstore.DB, opts SeedRunsOptions) (SeedRunsStats, error) {
	start := time.Now()
	ws := opts.Workspace
	if ws == "" {
		ws = steward.DefaultWorkspace
	}
	st := SeedRunsStats{RunIDs: make([]string, 0, opts.Runs)}
	tx, err := db.Write.BeginTx(ctx, nil)
	if err != nil {
		return st, err
	}
	defer func() { _ = tx.Rollback() }()
	numbered := db.Dialect.Numbered
	now := time.Now().UnixMilli()

	var expID int64
	if err := tx.QueryRowContext(ctx, rebind(numbered, `INSERT INTO experiments (workspace, name, artifact_location, lifecycle_stage, created_at, updated_at, revision)
		VALUES (?, ?, '', 'active', ?, ?, 1) RETURNING id`), ws, opts.Experiment, now, now).Scan(&expID); err != nil {
		return st, fmt.Errorf("seed experiment: %w", err)
	}
	st.ExperimentID = strconv.FormatInt(expID, 10)
	if _, err := tx.ExecContext(ctx, rebind(numbered, `UPDATE experiments SET artifact_location = ? WHERE id = ?`), "mlflow-artifacts:/"+st.ExperimentID, expID); err != nil {
		return st, fmt.Errorf("seed experiment: %w", err)
	}

	runs := newBatch(tx, numbered, `INSERT INTO runs (id, workspace, experiment_id, name, user_id, status, start_time, end_time, lifecycle_stage, artifact_uri, deleted_at, revision) VALUES `, 12)
	tags := newBatch(tx, numbered, `INSERT INTO run_tags (run_id, key, value) VALUES `, 3, runs)
	params := newBatch(tx, numbered, `INSERT INTO run_params (run_id, key, value) VALUES `, 3, runs)
	metrics := newBatch(tx, numbered, `INSERT INTO metrics (run_id, key, value, is_nan, timestamp, step) VALUES `, 6, runs)
	latest := newBatch(tx, numbered, `INSERT INTO latest_metrics (run_id, experiment_id, key, value, is_nan, timestamp, step) VALUES `, 7, runs)
	evs, err := newEventSeeder(ctx, db, tx)
	if err != nil {
		return st, err
	}

	r := rand.New(rand.NewPCG(opts.Seed, 0x5eed))
	optimizers := []string{"adam", "sgd", "adamw"}
	for i := range opts.Runs {
		id := steward.NewID()
		name := fmt.Sprintf("bench-run-%06d", i)
		// Newest last, one second apart: the default order (start_time DESC)
		// is the reverse of the insert order, as on a live server.
		startTime := now - int64(opts.Runs-i)*1000
		status, end := "FINISHED", any(startTime+600)
		if opts.Bare {
			status, end = "RUNNING", nil
		}
		artifactURI := fmt.Sprintf("mlflow-artifacts:/%d/%s/artifacts", expID, id)
		if err := runs.add(ctx, id, ws, expID, name, "bench", status, startTime, end, "active", artifactURI, nil, 1); err != nil {
			return st, fmt.Errorf("seed runs: %w", err)
		}
		st.Runs++
		st.RunIDs = append(st.RunIDs, id)
		runTags := [][2]string{{"mlflow.runName", name}, {"mlflow.user", "bench"}}
		if !opts.Bare {
			runTags = append(runTags, [2]string{"mlflow.source.name", "train.py"}, [2]string{"mlflow.source.type", "LOCAL"},
				[2]string{"team", SeedTeams[i%len(SeedTeams)]})
		}
		for _, kv := range runTags {
			if err := tags.add(ctx, id, kv[0], kv[1]); err != nil {
				return st, fmt.Errorf("seed run tags: %w", err)
			}
			st.Tags++
		}
		after := map[string]any{"id": id, "experiment_id": st.ExperimentID, "name": name, "status": "RUNNING",
			"start_time": startTime, "lifecycle_stage": "active", "artifact_uri": artifactURI}
		if err := evs.add(ctx, ws, now, "run.create", "run", id, after); err != nil {
			return st, fmt.Errorf("seed events: %w", err)
		}
		st.Events++
		if opts.Bare {
			continue
		}
		ps := [][2]string{
			{"p1", SeedRunP1Values[r.IntN(len(SeedRunP1Values))]},
			{"lr", []string{"0.1", "0.01", "0.001", "0.0001"}[r.IntN(4)]},
			{"batch_size", strconv.Itoa(16 << r.IntN(5))},
			{"optimizer", optimizers[r.IntN(len(optimizers))]},
			{"epochs", strconv.Itoa(5 + r.IntN(46))},
		}
		for _, kv := range ps {
			if err := params.add(ctx, id, kv[0], kv[1]); err != nil {
				return st, fmt.Errorf("seed params: %w", err)
			}
			st.Params++
		}
		point := func(key string, v float64, step int64, last bool) error {
			ts := startTime + 100*(step+1)
			if err := metrics.add(ctx, id, key, v, 0, ts, step); err != nil {
				return err
			}
			st.Metrics++
			if !last {
				return nil
			}
			st.Latest++
			return latest.add(ctx, id, expID, key, v, 0, ts, step)
		}
		if err := point("m1", r.Float64(), 0, true); err != nil {
			return st, fmt.Errorf("seed metrics: %w", err)
		}
		if err := point("m2", r.Float64(), 0, true); err != nil {
			return st, fmt.Errorf("seed metrics: %w", err)
		}
		loss := 1 + r.Float64()
		for step := range int64(5) {
			loss *= 0.5 + 0.4*r.Float64()
			if err := point("loss", loss, step, step == 4); err != nil {
				return st, fmt.Errorf("seed metrics: %w", err)
			}
		}
	}
	for _, b := range []*batch{runs, tags, params, metrics, latest, evs.rows} {
		if err := b.flush(ctx); err != nil {
			return st, fmt.Errorf("seed: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return st, err
	}
	if err := settle(ctx, db); err != nil {
		return st, err
	}
	st.Took = time.Since(start)
	return st, nil
}

// settle makes a freshly bulk-loaded database look like one a running server
// has had for a while: fresh planner statistics and a visibility map on
// PostgreSQL (autovacuum would analyze and vacuum an insert-only table
// within a minute or two; without the map every index-only scan reads the
// table too) and the bulk load checkpointed, so the
// measurement that follows does not pay for writing it back; the WAL folded
// into the main file on SQLite.
func settle(ctx context.Context, db *sqlstore.DB) error {
	if db.Dialect.Name != "postgres" {
		_, err := db.Write.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
		return err
	}
	// Only the tables written here (in the search_path's schema), not every
	// table of the database.
	if _, err := db.Write.ExecContext(ctx, `VACUUM ANALYZE experiments, runs, run_tags, run_params, metrics, latest_metrics, events`); err != nil {
		return err
	}
	// CHECKPOINT needs superuser (or pg_checkpoint); without it the
	// checkpointer does the same a little later.
	_, _ = db.Write.ExecContext(ctx, `CHECKPOINT`)
	return nil
}
