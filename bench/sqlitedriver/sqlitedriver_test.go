// Package sqlitedriver benchmarks modernc.org/sqlite (pure Go) against
// github.com/mattn/go-sqlite3 (cgo) on Steward's registry workload.
//
// It is its own Go module so that neither driver becomes a dependency of the
// main Steward module. See README.md for how to run it and for the results.
package sqlitedriver

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3" // registers "sqlite3" (cgo)
	_ "modernc.org/sqlite"          // registers "sqlite" (pure Go)
)

// Workload sizes.
const (
	numModels     = 100_000
	numWorkspaces = 10
	manifestRows  = 5
	pageSize      = 50
	likeTerm      = "abc"
	targetWriters = 20 // goroutines for the parallel insert benchmarks
)

// driver describes one database/sql driver under test. Both DSNs ask for the
// same connection settings: WAL, synchronous=FULL, foreign_keys=ON,
// busy_timeout=5000 ms, and BEGIN IMMEDIATE for transactions (so a write
// transaction takes the write lock up front and waits on busy_timeout instead
// of failing with SQLITE_BUSY on a lock upgrade).
type driver struct {
	name    string // sub-benchmark label
	sqlName string // database/sql driver name
	dsn     func(path string) string
}

var drivers = []driver{
	{
		name:    "modernc",
		sqlName: "sqlite",
		dsn: func(path string) string {
			return "file:" + path +
				"?_pragma=busy_timeout(5000)" +
				"&_pragma=journal_mode(WAL)" +
				"&_pragma=synchronous(FULL)" +
				"&_pragma=foreign_keys(1)" +
				"&_txlock=immediate"
		},
	},
	{
		name:    "mattn",
		sqlName: "sqlite3",
		dsn: func(path string) string {
			return "file:" + path +
				"?_busy_timeout=5000" +
				"&_journal_mode=WAL" +
				"&_synchronous=FULL" +
				"&_foreign_keys=on" +
				"&_txlock=immediate"
		},
	},
}

const schema = `
CREATE TABLE models(
	id           TEXT PRIMARY KEY,
	workspace_id TEXT NOT NULL,
	name         TEXT NOT NULL,
	description  TEXT,
	created_at   INTEGER,
	UNIQUE(workspace_id, name)
);
CREATE TABLE versions(
	id       INTEGER PRIMARY KEY,
	model_id TEXT NOT NULL REFERENCES models(id),
	number   INTEGER NOT NULL,
	digest   TEXT NOT NULL,
	UNIQUE(model_id, number)
);
CREATE TABLE manifest(
	version_id INTEGER NOT NULL REFERENCES versions(id),
	path       TEXT NOT NULL,
	digest     TEXT NOT NULL,
	size       INTEGER NOT NULL,
	PRIMARY KEY(version_id, path)
);
CREATE TABLE events(
	seq  INTEGER PRIMARY KEY,
	body TEXT NOT NULL
);
`

// seedModel is one row of the seeded models table, kept in memory so the read
// benchmarks can pick existing keys.
type seedModel struct {
	id, workspace, name string
}

var (
	seedOnce   sync.Once
	seedErr    error
	seedDir    string
	seedPath   string
	seedModels []seedModel
	likeHits   int // rows in the seed whose name contains likeTerm
)

func TestMain(m *testing.M) {
	code := m.Run()
	if seedDir != "" {
		os.RemoveAll(seedDir)
	}
	os.Exit(code)
}

var prefixes = []string{
	"resnet", "bert", "llama", "whisper", "clip", "vit", "t5", "gpt2",
	"mistral", "yolo", "detr", "wav2vec", "sam", "unet", "phi", "gemma",
}

// seed builds, once per process, a database file with numModels models spread
// over numWorkspaces workspaces. Benchmarks copy it into their own b.TempDir().
// The file format is driver-independent; it is written with modernc.
func seed(tb testing.TB) {
	tb.Helper()
	seedOnce.Do(func() {
		seedDir, seedErr = os.MkdirTemp("", "sqlitedriver-seed-")
		if seedErr != nil {
			return
		}
		seedPath = filepath.Join(seedDir, "seed.db")
		seedErr = buildSeed(seedPath)
	})
	if seedErr != nil {
		tb.Fatalf("seed: %v", seedErr)
	}
}

func buildSeed(path string) error {
	db, err := sql.Open(drivers[0].sqlName, drivers[0].dsn(path))
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Exec(schema); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	stmt, err := tx.Prepare(`INSERT INTO models(id, workspace_id, name, description, created_at) VALUES(?,?,?,?,?)`)
	if err != nil {
		return err
	}
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	seedModels = make([]seedModel, 0, numModels)
	for i := 0; i < numModels; i++ {
		var idb [16]byte
		for j := range idb {
			idb[j] = byte(rng.UintN(256))
		}
		var suffix [6]byte
		for j := range suffix {
			suffix[j] = byte('a' + rng.IntN(26))
		}
		m := seedModel{
			id:        hex.EncodeToString(idb[:]),
			workspace: fmt.Sprintf("ws-%02d", i%numWorkspaces),
			name:      fmt.Sprintf("%s-%s-%d", prefixes[rng.IntN(len(prefixes))], suffix[:], i),
		}
		if strings.Contains(m.name, likeTerm) {
			likeHits++
		}
		desc := fmt.Sprintf("Model %s in %s: fine-tuned checkpoint, %d parameters, trained on internal data set #%d.",
			m.name, m.workspace, rng.IntN(1_000_000_000), rng.IntN(1000))
		if _, err := stmt.Exec(m.id, m.workspace, m.name, desc, base+int64(i)); err != nil {
			return err
		}
		seedModels = append(seedModels, m)
	}
	if err := stmt.Close(); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	if _, err := db.Exec(`ANALYZE`); err != nil {
		return err
	}
	// Fold the WAL back into the main file so copies are self-contained.
	_, err = db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
	return err
}

// copySeed copies the seed database into dir and returns the new path.
func copySeed(tb testing.TB, dir string) string {
	tb.Helper()
	seed(tb)
	dst := filepath.Join(dir, "steward.db")
	in, err := os.Open(seedPath)
	if err != nil {
		tb.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		tb.Fatal(err)
	}
	if err := out.Sync(); err != nil {
		tb.Fatal(err)
	}
	if err := out.Close(); err != nil {
		tb.Fatal(err)
	}
	return dst
}

func open(tb testing.TB, d driver, path string) *sql.DB {
	tb.Helper()
	db, err := sql.Open(d.sqlName, d.dsn(path))
	if err != nil {
		tb.Fatal(err)
	}
	if err := db.Ping(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// TestPragmas checks that both DSNs really produce the intended settings.
func TestPragmas(t *testing.T) {
	for _, d := range drivers {
		t.Run(d.name, func(t *testing.T) {
			db := open(t, d, filepath.Join(t.TempDir(), "p.db"))
			db.SetMaxOpenConns(1)
			want := map[string]string{
				"journal_mode": "wal",
				"synchronous":  "2", // FULL
				"foreign_keys": "1",
				"busy_timeout": "5000",
			}
			for p, w := range want {
				var got string
				if err := db.QueryRow("PRAGMA " + p).Scan(&got); err != nil {
					t.Fatal(err)
				}
				if got != w {
					t.Errorf("PRAGMA %s = %q, want %q", p, got, w)
				}
			}
			var version string
			if err := db.QueryRow("SELECT sqlite_version()").Scan(&version); err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: SQLite %s", d.name, version)
			if _, err := db.Exec(schema); err != nil {
				t.Fatal(err)
			}
			// foreign_keys=ON must reject a version for a missing model.
			if _, err := db.Exec(`INSERT INTO versions(model_id, number, digest) VALUES('nope', 1, 'x')`); err == nil {
				t.Error("foreign key not enforced")
			}
		})
	}
}

// TestEventSize keeps the event body near the ~500 byte target.
func TestEventSize(t *testing.T) {
	w := newWriteLoad(seedModel{id: strings.Repeat("a", 32), workspace: "ws-00", name: "llama-abcdef-12345"})
	n := len(w.event(42, 7, 99))
	if n < 450 || n > 600 {
		t.Errorf("event body is %d bytes, want ~500", n)
	}
	t.Logf("event body: %d bytes", n)
}

// ---------------------------------------------------------------------------
// 1. Insert a model version in one transaction.

var (
	digests   [64]string
	digestsMu sync.Once
	versionNo atomic.Int64 // globally unique version numbers
)

func digest(i int) string {
	digestsMu.Do(func() {
		rng := rand.New(rand.NewPCG(3, 4))
		for i := range digests {
			var b [32]byte
			for j := range b {
				b[j] = byte(rng.UintN(256))
			}
			digests[i] = "sha256:" + hex.EncodeToString(b[:])
		}
	})
	return digests[i%len(digests)]
}

var manifestPaths = [manifestRows]string{
	"config.json", "model.safetensors", "tokenizer.json", "README.md", "generation_config.json",
}

type writeLoad struct{ m seedModel }

func newWriteLoad(m seedModel) writeLoad { return writeLoad{m} }

type eventBody struct {
	Type      string          `json:"type"`
	Workspace string          `json:"workspace_id"`
	ModelID   string          `json:"model_id"`
	ModelName string          `json:"model_name"`
	VersionID int64           `json:"version_id"`
	Version   int64           `json:"version"`
	Digest    string          `json:"digest"`
	Actor     string          `json:"actor"`
	At        string          `json:"at"`
	Files     []eventManifest `json:"files"`
}

type eventManifest struct {
	Path string `json:"path"`
	Size int64  `json:"size"`
}

func (w writeLoad) event(versionID, number int64, seed int) string {
	files := make([]eventManifest, manifestRows)
	for i, p := range manifestPaths {
		files[i] = eventManifest{Path: p, Size: int64(1000*seed + i)}
	}
	b, _ := json.Marshal(eventBody{
		Type:      "model.version.created",
		Workspace: w.m.workspace,
		ModelID:   w.m.id,
		ModelName: w.m.name,
		VersionID: versionID,
		Version:   number,
		Digest:    digest(seed),
		Actor:     "ci-bot@steward.example",
		At:        "2026-11-23T12:00:00Z",
		Files:     files,
	})
	return string(b)
}

// insertVersion is the write path: 1 version + 5 manifest rows + 1 event, one
// transaction, commit (fsync, synchronous=FULL).
func insertVersion(ctx context.Context, db *sql.DB, m seedModel, i int) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	number := versionNo.Add(1)
	res, err := tx.ExecContext(ctx,
		`INSERT INTO versions(model_id, number, digest) VALUES(?,?,?)`, m.id, number, digest(i))
	if err != nil {
		return err
	}
	vid, err := res.LastInsertId()
	if err != nil {
		return err
	}
	for j, p := range manifestPaths {
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO manifest(version_id, path, digest, size) VALUES(?,?,?,?)`,
			vid, p, digest(i+j+1), int64(1000*i+j)); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx,
		`INSERT INTO events(body) VALUES(?)`, newWriteLoad(m).event(vid, number, i)); err != nil {
		return err
	}
	return tx.Commit()
}

func BenchmarkInsertTx(b *testing.B) {
	ctx := context.Background()
	for _, d := range drivers {
		b.Run("driver="+d.name, func(b *testing.B) {
			db := open(b, d, copySeed(b, b.TempDir()))
			db.SetMaxOpenConns(1) // single-writer pool
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if err := insertVersion(ctx, db, seedModels[i%numModels], i); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkInsertTxParallel runs the write path from ~20 goroutines.
//
// pool=writer1: SetMaxOpenConns(1); goroutines queue inside database/sql for
// the one connection, SQLite never sees contention.
// pool=shared: one pool with up to 20 open/idle connections; every
// BEGIN IMMEDIATE contends for SQLite's write lock and waits via busy_timeout.
func BenchmarkInsertTxParallel(b *testing.B) {
	ctx := context.Background()
	par := (targetWriters + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0)
	for _, d := range drivers {
		for _, pool := range []string{"writer1", "shared"} {
			b.Run("driver="+d.name+"/pool="+pool, func(b *testing.B) {
				db := open(b, d, copySeed(b, b.TempDir()))
				if pool == "writer1" {
					db.SetMaxOpenConns(1)
				} else {
					db.SetMaxOpenConns(targetWriters)
					db.SetMaxIdleConns(targetWriters)
				}
				var next, failures atomic.Int64
				b.SetParallelism(par)
				b.ReportAllocs()
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						i := int(next.Add(1))
						if err := insertVersion(ctx, db, seedModels[i%numModels], i); err != nil {
							if failures.Add(1) == 1 {
								b.Errorf("insert: %v", err)
							}
						}
					}
				})
				b.ReportMetric(float64(failures.Load())/float64(b.N), "errors/op")
			})
		}
	}
}

// ---------------------------------------------------------------------------
// 2–4. Reads over 100,000 models.

// readDB opens a fresh copy of the seed for one driver. The pool is the
// database/sql default (shared, unlimited); reads are sequential here.
func readDB(b *testing.B, d driver) *sql.DB {
	db := open(b, d, copySeed(b, b.TempDir()))
	// Warm the page cache and the schema so that every driver starts equal.
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM models`).Scan(&n); err != nil {
		b.Fatal(err)
	}
	if n != numModels {
		b.Fatalf("seed has %d models, want %d", n, numModels)
	}
	return db
}

func lookupByName(ctx context.Context, db *sql.DB, m seedModel) error {
	var id, ws, name, desc string
	var created int64
	err := db.QueryRowContext(ctx,
		`SELECT id, workspace_id, name, description, created_at FROM models WHERE workspace_id=? AND name=?`,
		m.workspace, m.name).Scan(&id, &ws, &name, &desc, &created)
	if err != nil {
		return err
	}
	if id != m.id {
		return fmt.Errorf("lookup %s/%s: got id %s want %s", m.workspace, m.name, id, m.id)
	}
	return nil
}

func BenchmarkPointLookup(b *testing.B) {
	ctx := context.Background()
	for _, d := range drivers {
		b.Run("driver="+d.name, func(b *testing.B) {
			db := readDB(b, d)
			rng := rand.New(rand.NewPCG(5, 6))
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if err := lookupByName(ctx, db, seedModels[rng.IntN(numModels)]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPointLookupParallel is the same lookup from GOMAXPROCS goroutines
// on the default shared pool (concurrent API readers).
func BenchmarkPointLookupParallel(b *testing.B) {
	ctx := context.Background()
	for _, d := range drivers {
		b.Run("driver="+d.name, func(b *testing.B) {
			db := readDB(b, d)
			var seq atomic.Uint64
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				rng := rand.New(rand.NewPCG(seq.Add(1), 7))
				for pb.Next() {
					if err := lookupByName(ctx, db, seedModels[rng.IntN(numModels)]); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

func scanPage(rows *sql.Rows) (int, error) {
	defer rows.Close()
	n := 0
	for rows.Next() {
		var id, ws, name, desc string
		var created int64
		if err := rows.Scan(&id, &ws, &name, &desc, &created); err != nil {
			return n, err
		}
		n++
	}
	return n, rows.Err()
}

func BenchmarkPagedList(b *testing.B) {
	ctx := context.Background()
	for _, d := range drivers {
		b.Run("driver="+d.name, func(b *testing.B) {
			db := readDB(b, d)
			rng := rand.New(rand.NewPCG(8, 9))
			rowsSeen, ops := 0, 0
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				ops++
				// Cursor = a random existing name; the page starts just after it.
				m := seedModels[rng.IntN(numModels)]
				rows, err := db.QueryContext(ctx,
					`SELECT id, workspace_id, name, description, created_at FROM models
					 WHERE workspace_id=? AND name > ? ORDER BY name LIMIT ?`,
					m.workspace, m.name, pageSize)
				if err != nil {
					b.Fatal(err)
				}
				n, err := scanPage(rows)
				if err != nil {
					b.Fatal(err)
				}
				rowsSeen += n
			}
			b.ReportMetric(float64(rowsSeen)/float64(ops), "rows/op")
		})
	}
}

func BenchmarkLikeSearch(b *testing.B) {
	ctx := context.Background()
	for _, d := range drivers {
		b.Run("driver="+d.name, func(b *testing.B) {
			db := readDB(b, d)
			rowsSeen, ops := 0, 0
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				ops++
				rows, err := db.QueryContext(ctx,
					`SELECT id, workspace_id, name, description, created_at FROM models
					 WHERE name LIKE ? LIMIT ?`, "%"+likeTerm+"%", pageSize)
				if err != nil {
					b.Fatal(err)
				}
				n, err := scanPage(rows)
				if err != nil {
					b.Fatal(err)
				}
				rowsSeen += n
			}
			b.ReportMetric(float64(rowsSeen)/float64(ops), "rows/op")
		})
	}
}

// ---------------------------------------------------------------------------
// 5. Cold start: open the 100,000-row file and run the first query.
//
// Each op is sql.Open + first query + Close, so it includes the connection
// open and the four DSN pragmas. The OS page cache is warm (the file was just
// copied); process start-up is measured separately (see README.md).

func BenchmarkColdOpen(b *testing.B) {
	ctx := context.Background()
	for _, d := range drivers {
		for _, q := range []string{"select1", "lookup"} {
			b.Run("driver="+d.name+"/query="+q, func(b *testing.B) {
				path := copySeed(b, b.TempDir())
				dsn := d.dsn(path)
				m := seedModels[numModels/2]
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					db, err := sql.Open(d.sqlName, dsn)
					if err != nil {
						b.Fatal(err)
					}
					if q == "select1" {
						var one int
						err = db.QueryRowContext(ctx, `SELECT 1`).Scan(&one)
					} else {
						// First real query: also parses the schema.
						err = lookupByName(ctx, db, m)
					}
					if err != nil {
						b.Fatal(err)
					}
					if err := db.Close(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// TestWriteSeed copies the 100,000-model seed database to $SQLITEDRIVER_SEED_OUT
// (skipped when unset). README.md uses it for the process cold-start timing.
func TestWriteSeed(t *testing.T) {
	out := os.Getenv("SQLITEDRIVER_SEED_OUT")
	if out == "" {
		t.Skip("SQLITEDRIVER_SEED_OUT not set")
	}
	src := copySeed(t, t.TempDir())
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
