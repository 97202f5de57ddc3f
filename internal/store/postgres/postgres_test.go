package postgres_test

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/steward-registry/steward/internal/audit"
	"github.com/steward-registry/steward/internal/store/postgres"
	"github.com/steward-registry/steward/internal/store/sqlstore"
	"github.com/steward-registry/steward/internal/store/storetest"
)

func TestContract(t *testing.T) { storetest.Run(t, storetest.OpenPostgres) }

func TestUpgrade(t *testing.T) { storetest.RunUpgrade(t, storetest.PostgresUpgrader) }

func TestAuditReplicas(t *testing.T) {
	storetest.RunAuditReplicas(t, func(t *testing.T, n int) []*sqlstore.DB {
		schema := storetest.NewSchema(t)
		var dbs []*sqlstore.DB
		for range n {
			db, err := postgres.Open(context.Background(), storetest.PostgresDSN(), map[string]string{"search_path": schema}, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			dbs = append(dbs, db)
		}
		return dbs
	})
}

// TestOpenReadOnly: `steward audit verify --db postgres://...` reads without
// migrating and cannot write.
func TestOpenReadOnly(t *testing.T) {
	schema := storetest.NewSchema(t)
	ctx := context.Background()
	db, err := postgres.Open(ctx, storetest.PostgresDSN(), map[string]string{"search_path": schema}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	env := storetest.NewEnv(db)
	if _, err := env.Registry.CreateWorkspace(env.Ctx, "team-a", ""); err != nil {
		t.Fatal(err)
	}
	// Events commit unsealed on PostgreSQL; seal now rather than race the
	// background sealer, so the read-only verify sees the event chained.
	if err := db.Seal(ctx); err != nil {
		t.Fatal(err)
	}
	ro, err := postgres.OpenReadOnly(ctx, storetest.PostgresDSN()+"&search_path="+schema)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	r, err := audit.VerifyLog(ctx, ro, nil, nil)
	if err != nil || !r.OK || r.Events != 1 {
		t.Fatalf("verify read-only: %+v %v", r, err)
	}
	if _, err := ro.Write.ExecContext(ctx, `DELETE FROM audit_checkpoints`); err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Fatalf("write through the read-only connection: %v", err)
	}
}

// TestNoParallelPlans: connections plan without parallel workers unless the
// DSN asks for them.
func TestNoParallelPlans(t *testing.T) {
	ctx := context.Background()
	schema := storetest.NewSchema(t)
	u, err := url.Parse(storetest.PostgresDSN())
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("max_parallel_workers_per_gather", "2")
	u.RawQuery = q.Encode()
	for dsn, want := range map[string]string{
		storetest.PostgresDSN(): "0",
		u.String():              "2",
	} {
		db, err := postgres.Open(ctx, dsn, map[string]string{"search_path": schema}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var got string
		err = db.Read.QueryRowContext(ctx, `SHOW max_parallel_workers_per_gather`).Scan(&got)
		db.Close()
		if err != nil || got != want {
			t.Errorf("%s: max_parallel_workers_per_gather = %q (%v), want %q", dsn, got, err, want)
		}
	}
}

// TestAnalyzeGrownTables: a table is analyzed when its row count has
// doubled (at least 100 rows more) or halved since its statistics were
// taken, and not for updates. Autovacuum is off for the table, so only
// the keeper can have analyzed it.
func TestAnalyzeGrownTables(t *testing.T) {
	ctx := context.Background()
	schema := storetest.NewSchema(t)
	db, err := postgres.OpenRaw(ctx, storetest.PostgresDSN()+"&search_path="+schema)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// The statistics views see a session's changes once it flushes them.
	run := func(q string) {
		t.Helper()
		for _, s := range []string{q, `SELECT pg_stat_force_next_flush()`, `SELECT 1`} {
			if _, err := c.ExecContext(ctx, s); err != nil {
				t.Fatalf("%s: %v", s, err)
			}
		}
	}
	run(`CREATE TABLE grow (id int PRIMARY KEY, n int NOT NULL) WITH (autovacuum_enabled = false)`)
	table := schema + ".grow"
	for _, step := range []struct {
		change  string
		analyze bool
		rows    float64 // reltuples after the step
	}{
		{`INSERT INTO grow SELECT g, 0 FROM generate_series(1, 99) g`, false, -1},
		{`INSERT INTO grow VALUES (100, 0)`, true, 100},
		{`UPDATE grow SET n = n + 1`, false, 100},
		{`UPDATE grow SET n = n + 1`, false, 100},
		{`INSERT INTO grow SELECT g, 0 FROM generate_series(101, 299) g`, false, 100},
		{`INSERT INTO grow VALUES (300, 0)`, true, 300},
		{`INSERT INTO grow SELECT g, 0 FROM generate_series(301, 1200) g`, true, 1200},
		{`DELETE FROM grow WHERE id > 700`, false, 1200},
		{`DELETE FROM grow WHERE id > 599`, true, 599},
	} {
		run(step.change)
		got, err := postgres.AnalyzeGrownTables(ctx, db)
		if err != nil {
			t.Fatalf("after %s: %v", step.change, err)
		}
		if want := []string{table}; step.analyze != slices.Equal(got, want) || (!step.analyze && len(got) > 0) {
			t.Errorf("after %s: analyzed %v, want analyzed=%v", step.change, got, step.analyze)
		}
		var rows float64
		if err := db.QueryRowContext(ctx, `SELECT reltuples FROM pg_class WHERE oid = 'grow'::regclass`).Scan(&rows); err != nil || rows != step.rows {
			t.Fatalf("after %s: reltuples %v (%v), want %v", step.change, rows, err, step.rows)
		}
	}
}

// TestOpenKeepsStatistics: a server's database analyzes a grown table by
// itself.
func TestOpenKeepsStatistics(t *testing.T) {
	ctx := context.Background()
	schema := storetest.NewSchema(t)
	db, err := postgres.Open(ctx, storetest.PostgresDSN(), map[string]string{"search_path": schema}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		`CREATE TABLE grow (id int PRIMARY KEY) WITH (autovacuum_enabled = false)`,
		`INSERT INTO grow SELECT generate_series(1, 500)`,
	} {
		if _, err := db.Write.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	// The keeper looks every 2 s; the deadline only bounds a failure.
	deadline := time.Now().Add(30 * time.Second)
	for {
		var rows float64
		if err := db.Read.QueryRowContext(ctx, `SELECT reltuples FROM pg_class WHERE oid = 'grow'::regclass`).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		if rows == 500 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("grow not analyzed after 30 s: reltuples %v", rows)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestRunIDsCompareByteWise checks migration 014's rule: every column
// holding a Steward run id is in collation "C", so that the run indexes
// compare with memcmp and a join between two such columns has one
// collation (two would fail at run time: "could not determine which
// collation to use"). openlineage_events.run_id holds OpenLineage's run
// ids, not Steward's.
func TestRunIDsCompareByteWise(t *testing.T) {
	db := storetest.OpenPostgres(t)
	rows, err := db.Read.Query(`SELECT table_name, column_name, COALESCE(collation_name, '')
		FROM information_schema.columns
		WHERE table_schema = current_schema() AND data_type = 'text'
		  AND (column_name = 'run_id' OR (table_name = 'runs' AND column_name = 'id')
		       OR (table_name IN ('run_params', 'run_tags', 'metrics', 'latest_metrics') AND column_name IN ('key', 'value')))
		  AND table_name <> 'openlineage_events'
		ORDER BY 1, 2`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var table, column, collation string
		if err := rows.Scan(&table, &column, &collation); err != nil {
			t.Fatal(err)
		}
		n++
		if collation != "C" {
			t.Errorf("%s.%s has collation %q, want C", table, column, collation)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	// runs.id, 10 run_id columns, 4 keys and 2 values.
	if n != 17 {
		t.Errorf("checked %d columns, want 17", n)
	}
}
