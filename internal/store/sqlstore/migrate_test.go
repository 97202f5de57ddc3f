package sqlstore_test

import (
	"context"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/steward-registry/steward/internal/store/sqlstore"
)

func mapFS(names ...string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for _, n := range names {
		fsys["migrations/"+n] = &fstest.MapFile{Data: []byte("-- " + n)}
	}
	return fsys
}

func TestLoadMigrations(t *testing.T) {
	fsys := mapFS("002_tracking.sql", "010_ten.sql", "001_registry.sql", "003_c.sql", "004_d.sql", "005_e.sql",
		"006_f.sql", "007_g.sql", "008_h.sql", "009_i.sql", "README.md")
	fsys["migrations/011_dir.sql"] = &fstest.MapFile{Mode: fs.ModeDir | 0o755} // a directory is skipped
	ms, err := sqlstore.LoadMigrations(fsys, "migrations")
	if err != nil {
		t.Fatalf("LoadMigrations: %v", err)
	}
	if len(ms) != 10 {
		t.Fatalf("got %d migrations, want 10", len(ms))
	}
	for i, m := range ms {
		if m.Version != i+1 {
			t.Fatalf("migration %d has version %d, want %d (sorted by number)", i, m.Version, i+1)
		}
	}
	if ms[0].Name != "registry" || ms[1].Name != "tracking" || ms[9].Name != "ten" {
		t.Fatalf("names %q %q %q, want registry tracking ten", ms[0].Name, ms[1].Name, ms[9].Name)
	}
	if ms[1].SQL != "-- 002_tracking.sql" {
		t.Fatalf("SQL of 002: got %q, want the file's content", ms[1].SQL)
	}
}

func TestLoadMigrationsRejects(t *testing.T) {
	for _, c := range []struct {
		name  string
		files []string
		want  string // in the error
	}{
		{"gap", []string{"001_a.sql", "003_c.sql"}, "without gaps"},
		{"missing first", []string{"002_b.sql", "003_c.sql"}, "without gaps"},
		{"starts at zero", []string{"000_a.sql", "001_b.sql"}, "without gaps"},
		{"duplicate number", []string{"001_a.sql", "001_b.sql", "002_c.sql"}, "without gaps"},
		{"same number other width", []string{"001_a.sql", "01_b.sql"}, "without gaps"},
		{"no name", []string{"001.sql"}, "NNN_name.sql"},
		{"empty name", []string{"001_.sql"}, "NNN_name.sql"},
		{"not a number", []string{"abc_init.sql"}, "NNN_name.sql"},
		{"signed number", []string{"+1_init.sql"}, "NNN_name.sql"},
		{"negative number", []string{"-1_init.sql"}, "NNN_name.sql"},
		{"bad name among good", []string{"001_a.sql", "002_b.sql", "x_c.sql"}, "x_c.sql"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ms, err := sqlstore.LoadMigrations(mapFS(c.files...), "migrations")
			if err == nil {
				t.Fatalf("files %q: got %d migrations, want an error", c.files, len(ms))
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("files %q: error %q does not mention %q", c.files, err, c.want)
			}
		})
	}
	if _, err := sqlstore.LoadMigrations(mapFS("001_a.sql"), "nope"); err == nil {
		t.Fatalf("missing directory: got no error")
	}
}

// TestMigrateChecksNames: a database migrated by another build (same
// numbers, other migrations) is refused, not migrated further.
func TestMigrateChecksNames(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		var ms []sqlstore.Migration
		rows, err := db.Read.QueryContext(ctx, `SELECT version, name FROM schema_migrations ORDER BY version`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var m sqlstore.Migration
			if err := rows.Scan(&m.Version, &m.Name); err != nil {
				t.Fatal(err)
			}
			ms = append(ms, m)
		}
		if err := rows.Close(); err != nil || len(ms) < 3 {
			t.Fatalf("applied migrations %v: %v", ms, err)
		}
		if err := db.Migrate(ctx, ms, nil); err != nil {
			t.Fatalf("the same migrations again: %v", err)
		}
		other := slices.Clone(ms)
		other[2].Name = "from_another_branch"
		other = append(other, sqlstore.Migration{Version: len(ms) + 1, Name: "next", SQL: `CREATE TABLE migrate_next (a INTEGER)`})
		err = db.Migrate(ctx, other, nil)
		if err == nil || !strings.Contains(err.Error(), ms[2].Name) || !strings.Contains(err.Error(), "from_another_branch") {
			t.Fatalf("migrations with another 003: got %v, want an error naming both", err)
		}
		var n int
		if err := db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil || n != len(ms) {
			t.Fatalf("after the refusal %d migrations are recorded (%v), want %d", n, err, len(ms))
		}
		next := append(slices.Clone(ms), other[len(other)-1])
		if err := db.Migrate(ctx, next, nil); err != nil {
			t.Fatalf("one new migration: %v", err)
		}
		if v, err := db.SchemaVersion(ctx); err != nil || v != len(ms)+1 {
			t.Fatalf("schema version %d (%v), want %d", v, err, len(ms)+1)
		}
	})
}
