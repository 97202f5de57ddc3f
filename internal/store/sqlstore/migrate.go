package sqlstore

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Migration is one forward-only schema step, applied in its own transaction.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// LoadMigrations reads NNN_name.sql files from fsys (sorted by number). It
// fails on gaps or duplicate numbers: a typo must not silently skip a step.
func LoadMigrations(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	var ms []Migration
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		num, name, ok := strings.Cut(strings.TrimSuffix(e.Name(), ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || name == "" || strings.Trim(num, "0123456789") != "" {
			return nil, fmt.Errorf("migration file %q: want NNN_name.sql", e.Name())
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Version: v, Name: name, SQL: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	for i, m := range ms {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migrations must be numbered 1..n without gaps; found %d at position %d", m.Version, i+1)
		}
	}
	return ms, nil
}

// Migrate applies the migrations the database has not seen yet. It refuses
// a database whose schema is newer than this binary (a downgrade would run
// old code against a schema it does not understand).
func (db *DB) Migrate(ctx context.Context, ms []Migration, log *slog.Logger) error {
	c, err := db.Write.Conn(ctx)
	if err != nil {
		return db.conn.wrap(fmt.Errorf("migrate: %w", err))
	}
	defer c.Close()
	if db.Dialect.LockMigrations != nil {
		unlock, err := db.Dialect.LockMigrations(ctx, c)
		if err != nil {
			return fmt.Errorf("migrate: lock: %w", err)
		}
		defer unlock()
	}
	cc := conn{q: c, d: db.Dialect}
	if _, err := cc.exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	var have int
	if err := cc.row(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&have); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if have > len(ms) {
		return fmt.Errorf("database schema is at version %d but this steward knows only up to %d: upgrade steward", have, len(ms))
	}
	// The applied migrations must be this binary's, not others with the
	// same numbers (a build from another branch): the schema would not be
	// the one this code expects, and no later migration could fix it.
	if err := cc.eachRow(ctx, func(s scanner) error {
		var v int
		var name string
		if err := s.Scan(&v, &name); err != nil {
			return err
		}
		if v >= 1 && v <= len(ms) && ms[v-1].Name != name {
			return fmt.Errorf("database migration %03d is %q but this steward's is %q: the database was migrated by another build of steward; use that build, or restore a backup taken before it", v, name, ms[v-1].Name)
		}
		return nil
	}, `SELECT version, name FROM schema_migrations ORDER BY version`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, m := range ms[have:] {
		tx, err := c.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("migrate %03d: %w", m.Version, err)
		}
		tc := conn{q: tx, d: db.Dialect}
		if _, err := tc.exec(ctx, m.SQL); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("migration %03d_%s: %w", m.Version, m.Name, err)
		}
		if _, err := tc.exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
			m.Version, m.Name, time.Now().UnixMilli()); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("migration %03d_%s: %w", m.Version, m.Name, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migration %03d_%s: commit: %w", m.Version, m.Name, err)
		}
		if log != nil {
			log.Info("applied migration", "version", m.Version, "name", m.Name)
		}
	}
	return nil
}

// SchemaVersion returns the highest applied migration.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := db.row(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}
