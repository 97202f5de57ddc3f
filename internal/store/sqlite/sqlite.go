// Package sqlite opens Steward's embedded database: pure-Go SQLite
// (modernc.org/sqlite, chosen by the benchmark in bench/sqlitedriver) in WAL
// mode with synchronous=FULL, so a committed write survives power loss.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/steward-registry/steward/internal/store/sqlstore"
)

// GroupCommitBatch is the most write transactions that share one commit.
const GroupCommitBatch = 64

//go:embed migrations/*.sql
var migrationFS embed.FS

// Migrations returns the embedded migrations.
func Migrations() ([]sqlstore.Migration, error) {
	return sqlstore.LoadMigrations(migrationFS, "migrations")
}

// Dialect is SQLite's.
var Dialect = &sqlstore.Dialect{
	Name: "sqlite",
	IsUnique: func(err error) bool {
		var e *sqlite.Error
		return errors.As(err, &e) && (e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
	},
	CaseInsensitiveLike: "LIKE",
	RecursiveLimit:      true,
}

func dsn(path string, txlock string, pragmas ...string) string {
	q := url.Values{}
	// temp_store(MEMORY) keeps statement journals in memory: group commit
	// gives each caller a SAVEPOINT, whose journal SQLite otherwise writes
	// to a temporary file page by page. It holds only the pages one caller
	// changes, and sorts of search results.
	//
	// mmap_size lets connections read the database through one shared
	// mapping of the OS page cache instead of a read() per page into each
	// connection's own 2 MB cache: on a 400 MB database (100,000 runs) that
	// was about 40 % of a search's CPU under concurrent load. Writes still
	// go through the WAL with write(); only reads use the mapping.
	for _, p := range append([]string{"journal_mode(WAL)", "synchronous(FULL)", "foreign_keys(1)", "busy_timeout(10000)", "temp_store(MEMORY)", "mmap_size(1073741824)"}, pragmas...) {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", txlock)
	// The path is part of a file: URI: escape what would end it early.
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	return "file:" + esc + "?" + q.Encode()
}

// readConns is the size of the read pool.
const readConns = 8

// Open opens (creating if needed) the database file at path and applies
// pending migrations.
func Open(ctx context.Context, path string, log *slog.Logger) (*sqlstore.DB, error) {
	path = strings.TrimPrefix(path, "sqlite://")
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create database directory: %w", err)
		}
	}
	// One writer connection: SQLite allows one writer at a time anyway, and
	// BEGIN IMMEDIATE makes a transaction take the write lock up front instead
	// of failing with SQLITE_BUSY when it first writes.
	// The writer does not checkpoint; the checkpointer does, beside it.
	write, err := sql.Open("sqlite", dsn(path, "immediate", "wal_autocheckpoint(0)"))
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	write.SetMaxOpenConns(1)
	read, err := sql.Open("sqlite", dsn(path, "deferred"))
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	read.SetMaxOpenConns(readConns)
	// Keep all eight: database/sql keeps two idle by default, so under more
	// concurrent readers it closed and reopened connections, and every new
	// one applied the pragmas, parsed the schema and re-prepared its
	// statements (a tenth of the CPU of OpenLineage ingestion).
	read.SetMaxIdleConns(readConns)
	db := sqlstore.New(write, read, Dialect)
	ms, err := Migrations()
	if err == nil {
		err = db.Migrate(ctx, ms, log)
	}
	if err == nil {
		err = sealEvents(ctx, db, log)
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	ckpt, err := startCheckpointer(path, log)
	if err != nil {
		db.Close()
		return nil, err
	}
	db.OnClose(ckpt.close)
	// Concurrent writers share commits: one fsync serves a whole batch.
	db.EnableGroupCommit(GroupCommitBatch)
	db.CacheReadStatements()
	// SQLite reads run in this process and are CPU-bound (the file is
	// mapped): more at once than there are cores only interleaves them.
	db.FairReads(min(runtime.GOMAXPROCS(0), readConns))
	return db, nil
}

// sealEvents adds events written before the audit chain existed to it.
func sealEvents(ctx context.Context, db *sqlstore.DB, log *slog.Logger) error {
	n, err := db.SealEvents(ctx)
	if err != nil {
		return fmt.Errorf("seal audit events: %w", err)
	}
	if n > 0 && log != nil {
		log.Info("added earlier events to the audit chain", "events", n)
	}
	return nil
}

// OpenReadOnly opens an existing database file for reading only, without
// migrating: for tools such as `steward audit verify`, which must not change
// what they inspect.
func OpenReadOnly(ctx context.Context, path string) (*sqlstore.DB, error) {
	path = strings.TrimPrefix(path, "sqlite://")
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Set("mode", "ro")
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	db, err := sql.Open("sqlite", "file:"+esc+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	db.SetMaxOpenConns(8)
	s := sqlstore.New(db, db, Dialect)
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	return s, nil
}
