package storetest

import (
	"context"
	"database/sql"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/steward-registry/steward/internal/audit"
	"github.com/steward-registry/steward/internal/events"
	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/steward"
	"github.com/steward-registry/steward/internal/store/postgres"
	"github.com/steward-registry/steward/internal/store/sqlite"
	"github.com/steward-registry/steward/internal/store/sqlstore"
	"github.com/steward-registry/steward/internal/tracking"
)

// Upgrader reaches one fresh database two ways, for upgrade tests.
type Upgrader struct {
	// Raw opens the database without applying any migration.
	Raw func(t testing.TB) *sqlstore.DB
	// Open opens it as the server does, applying pending migrations.
	Open func(ctx context.Context) (*sqlstore.DB, error)
	// Migrations are the backend's embedded migrations.
	Migrations func() ([]sqlstore.Migration, error)
}

// SQLiteUpgrader returns an Upgrader over a new SQLite file.
func SQLiteUpgrader(t testing.TB) Upgrader {
	path := filepath.Join(t.TempDir(), "steward.db")
	return Upgrader{
		Raw: func(t testing.TB) *sqlstore.DB {
			t.Helper()
			raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)")
			if err != nil {
				t.Fatalf("open raw sqlite: %v", err)
			}
			raw.SetMaxOpenConns(1)
			return sqlstore.New(raw, raw, sqlite.Dialect)
		},
		Open:       func(ctx context.Context) (*sqlstore.DB, error) { return sqlite.Open(ctx, path, nil) },
		Migrations: sqlite.Migrations,
	}
}

// PostgresUpgrader returns an Upgrader over a new schema of the test server.
func PostgresUpgrader(t testing.TB) Upgrader {
	schema := NewSchema(t)
	params := map[string]string{"search_path": schema}
	return Upgrader{
		Raw: func(t testing.TB) *sqlstore.DB {
			t.Helper()
			cfg, err := pgx.ParseConfig(PostgresDSN())
			if err != nil {
				t.Fatalf("postgres DSN: %v", err)
			}
			cfg.RuntimeParams["search_path"] = schema
			raw := stdlib.OpenDB(*cfg)
			return sqlstore.New(raw, raw, postgres.Dialect)
		},
		Open:       func(ctx context.Context) (*sqlstore.DB, error) { return postgres.Open(ctx, PostgresDSN(), params, nil) },
		Migrations: postgres.Migrations,
	}
}

// schemaV1Rows is data valid under migration 001 only: a model with two
// versions, a tag, an alias, files and blobs in the default workspace, and a
// model in a second workspace.
var schemaV1Rows = []string{
	`INSERT INTO workspaces (name, description, created_at) VALUES ('team-a', 'Team A', 1)`,
	`INSERT INTO models (id, workspace, project_id, name, kind, description, owner, created_by, created_at, updated_at, revision, next_version)
		VALUES ('m-legacy', 'default', NULL, 'legacy', 'rules', 'from v1', 'alice', 'alice', 1000, 2000, 3, 2)`,
	`INSERT INTO models (id, workspace, project_id, name, kind, description, owner, created_by, created_at, updated_at, revision, next_version)
		VALUES ('m-team-a', 'team-a', NULL, 'legacy', 'ml', '', 'bob', 'bob', 1000, 1000, 1, 0)`,
	`INSERT INTO model_tags (model_id, key, value) VALUES ('m-legacy', 'team', 'risk')`,
	`INSERT INTO blobs (workspace, digest, size, created_at) VALUES ('default', '` + digestA + `', 5, 1000)`,
	`INSERT INTO model_versions (id, workspace, model_id, version, description, source, run_id, manifest_digest, file_count, total_size,
		stage, status, status_message, created_by, created_at, updated_at, revision)
		VALUES ('v-legacy-1', 'default', 'm-legacy', 1, 'first', 'models:/legacy/1', '', 'sha256:00', 1, 5, 'Archived', 'READY', '', 'alice', 1000, 1000, 2),
		       ('v-legacy-2', 'default', 'm-legacy', 2, 'second', 'models:/legacy/2', '', 'sha256:00', 1, 5, 'Production', 'READY', '', 'alice', 1500, 1500, 1)`,
	`INSERT INTO version_files (version_id, path, digest, size, media_type) VALUES ('v-legacy-2', 'model.bin', '` + digestA + `', 5, '')`,
	`INSERT INTO model_aliases (model_id, alias, version_id) VALUES ('m-legacy', 'champion', 'v-legacy-2')`,
	// Events from before the audit chain: sealed into it on open.
	`INSERT INTO events (workspace, time, actor_id, actor_kind, action, object_type, object_id, before, after)
		VALUES ('default', 1000, 'alice', 'user', 'model.create', 'model', 'm-legacy', NULL, '{"name": "legacy", "id": "m-legacy"}'),
		       ('default', 2000, 'alice', 'user', 'model.update', 'model', 'm-legacy', '{"name": "legacy", "id": "m-legacy"}', '{"name": "legacy", "id": "m-legacy", "description": "from v1"}')`,
}

// RunUpgrade checks that a database built by an older steward opens with
// the full migration set, and that a newer one is refused. newUpgrader is
// called once per subtest with a fresh database.
func RunUpgrade(t *testing.T, newUpgrader func(t testing.TB) Upgrader) {
	ctx := context.Background()
	t.Run("from first migration", func(t *testing.T) {
		u := newUpgrader(t)
		ms, err := u.Migrations()
		must(t, err)
		if len(ms) < 2 {
			t.Fatalf("%d migrations: nothing to upgrade across", len(ms))
		}
		raw := u.Raw(t)
		must(t, raw.Migrate(ctx, ms[:1], nil))
		if v, err := raw.SchemaVersion(ctx); err != nil || v != 1 {
			t.Fatalf("raw schema version %d (%v), want 1", v, err)
		}
		var n int
		if err := raw.Write.QueryRowContext(ctx, `SELECT COUNT(*) FROM experiments`).Scan(&n); err == nil {
			t.Fatalf("the experiments table exists after only the first migration; the test would upgrade nothing")
		}
		for _, q := range schemaV1Rows {
			if _, err := raw.Write.ExecContext(ctx, q); err != nil {
				t.Fatalf("insert v1 data: %v\n%s", err, q)
			}
		}
		must(t, raw.Close())

		for round := 1; round <= 2; round++ { // the second open finds nothing to do
			db, err := u.Open(ctx)
			if err != nil {
				t.Fatalf("open round %d: %v", round, err)
			}
			if v, err := db.SchemaVersion(ctx); err != nil || v != len(ms) {
				t.Fatalf("schema version %d (%v), want %d", v, err, len(ms))
			}
			checkUpgraded(t, NewEnv(db), round)
			must(t, db.Close())
		}
	})
	t.Run("latest metrics gain their run's experiment", func(t *testing.T) {
		u := newUpgrader(t)
		ms, err := u.Migrations()
		must(t, err)
		at := -1
		for i, m := range ms {
			if m.Name == "mlflow_performance" {
				at = i
			}
		}
		if at < 0 {
			t.Fatal("no mlflow_performance migration")
		}
		raw := u.Raw(t)
		must(t, raw.Migrate(ctx, ms[:at], nil))
		for _, q := range []string{
			`INSERT INTO experiments (id, workspace, name, artifact_location, lifecycle_stage, created_at, updated_at, revision)
				VALUES (42, 'default', 'before-006', '', 'active', 1, 1, 1)`,
			`INSERT INTO runs (id, workspace, experiment_id, name, user_id, status, start_time, end_time, lifecycle_stage, artifact_uri, deleted_at, revision)
				VALUES ('run-a', 'default', 42, 'a', '', 'FINISHED', 1000, NULL, 'active', '', NULL, 1),
				       ('run-b', 'default', 42, 'b', '', 'FINISHED', 2000, NULL, 'active', '', NULL, 1),
				       ('run-c', 'default', 42, 'c', '', 'FINISHED', 3000, NULL, 'active', '', NULL, 1)`,
			`INSERT INTO latest_metrics (run_id, key, value, is_nan, timestamp, step)
				VALUES ('run-a', 'auc', 0.7, 0, 1, 0), ('run-b', 'auc', 0.9, 0, 1, 0), ('run-c', 'auc', 0, 1, 1, 0)`,
		} {
			if _, err := raw.Write.ExecContext(ctx, q); err != nil {
				t.Fatalf("insert data before the migration: %v\n%s", err, q)
			}
		}
		must(t, raw.Close())
		db, err := u.Open(ctx)
		must(t, err)
		defer db.Close()
		e := NewEnv(db)
		order := func() string {
			t.Helper()
			runs, _, err := e.Tracking.SearchRuns(e.Ctx, tracking.SearchRequest{ExperimentIDs: []string{"42"}, OrderBy: []string{"metrics.auc DESC"}})
			must(t, err)
			var names []string
			for _, r := range runs {
				names = append(names, r.Name)
			}
			return strings.Join(names, " ")
		}
		if got := order(); got != "b a c" {
			t.Fatalf("runs by auc after the migration: %q, want \"b a c\" (c's auc is NaN)", got)
		}
		must(t, e.Tracking.LogMetric(e.Ctx, "run-a", tracking.Metric{Key: "auc", Value: 0.95, Timestamp: 2, Step: 1}))
		if got := order(); got != "a b c" {
			t.Fatalf("runs by auc after logging to a: %q, want \"a b c\"", got)
		}
	})
	t.Run("newer schema is refused", func(t *testing.T) {
		u := newUpgrader(t)
		ms, err := u.Migrations()
		must(t, err)
		db, err := u.Open(ctx)
		must(t, err)
		future := len(ms) + 1
		_, err = db.Write.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (`+strconv.Itoa(future)+`, 'future', 0)`)
		must(t, err)
		must(t, db.Close())
		db, err = u.Open(ctx)
		if err == nil {
			db.Close()
			t.Fatalf("opened a database at schema version %d with a steward knowing %d, want an error", future, len(ms))
		}
		for _, want := range []string{"version " + strconv.Itoa(future), "up to " + strconv.Itoa(len(ms)), "upgrade steward"} {
			if !strings.Contains(err.Error(), want) {
				t.Fatalf("error %q does not say %q", err, want)
			}
		}
	})
}

// checkUpgraded checks the v1 rows survived and the newer tables work.
func checkUpgraded(t *testing.T, e *Env, round int) {
	t.Helper()
	var legacy []*events.Event
	must(t, e.DB.ScanChain(e.Ctx, func(ev *events.Event) error { legacy = append(legacy, ev); return nil }))
	if len(legacy) < 2 || legacy[0].Leaf != 0 || legacy[0].Action != "model.create" || string(legacy[0].After) != `{"id":"m-legacy","name":"legacy"}` ||
		legacy[1].Outcome != events.OutcomeSuccess || strings.Join(legacy[1].Changed, ",") != "description" {
		t.Fatalf("legacy events after upgrade: %+v", legacy[:min(2, len(legacy))])
	}
	if r, err := audit.VerifyLog(e.Ctx, e.DB, nil, nil); err != nil || !r.OK {
		t.Fatalf("audit chain after upgrade: %+v, %v", r, err)
	}
	m, err := e.Registry.GetModel(e.Ctx, "legacy")
	must(t, err)
	if m.ID != "m-legacy" || m.Kind != registry.KindRules || m.Description != "from v1" || m.Owner != "alice" ||
		m.Tags["team"] != "risk" || m.Aliases["champion"] != 2 || m.LatestVersion != int64(1+round) {
		t.Fatalf("legacy model after upgrade: %+v", m)
	}
	v, files, err := e.Registry.Files(e.Ctx, "legacy", 2)
	must(t, err)
	if v.ID != "v-legacy-2" || v.Stage != registry.StageProduction || len(files) != 1 || files[0].Digest != digestA {
		t.Fatalf("legacy version 2 after upgrade: %+v, files %+v", v, files)
	}
	teamA, err := e.Registry.GetModel(steward.WithWorkspace(e.Ctx, "team-a"), "legacy")
	must(t, err)
	if teamA.ID != "m-team-a" {
		t.Fatalf("team-a legacy model is %s, want m-team-a", teamA.ID)
	}
	d, err := e.Tracking.GetExperiment(e.Ctx, tracking.DefaultExperimentID)
	must(t, err)
	if d.Name != "Default" || d.LifecycleStage != tracking.StageActive {
		t.Fatalf("default experiment after upgrade: %+v", d)
	}
	x, err := e.Tracking.CreateExperiment(e.Ctx, "after-upgrade-"+strconv.Itoa(round), "", nil)
	must(t, err)
	run, err := e.Tracking.CreateRun(e.Ctx, tracking.RunCreate{ExperimentID: x.ID})
	must(t, err)
	must(t, e.Tracking.LogMetric(e.Ctx, run.ID, tracking.Metric{Key: "auc", Value: 0.9, Step: 1}))
	nv, err := e.Registry.CreateVersion(e.Ctx, "legacy", registry.VersionCreate{Files: []registry.File{fileA}, RunID: run.ID})
	must(t, err)
	if nv.Version != int64(2+round) {
		t.Fatalf("new version of the legacy model is %d, want %d", nv.Version, 2+round)
	}
}
