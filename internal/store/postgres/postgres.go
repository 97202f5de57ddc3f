// Package postgres opens Steward's scale-out database through pgx v5.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/steward-registry/steward/internal/steward"
	"github.com/steward-registry/steward/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Migrations returns the embedded migrations.
func Migrations() ([]sqlstore.Migration, error) {
	return sqlstore.LoadMigrations(migrationFS, "migrations")
}

// migrationLock is an arbitrary constant naming Steward's advisory lock.
const migrationLock = 0x5354455741524400 // "STEWARD\0"

// appendLock names the advisory lock audit appends hold in shared mode
// until they commit, and the sealer's barrier takes exclusively
// ("STEWARD\x01"); sealLock makes one transaction, across replicas, the
// sealer of the audit chain ("STEWARD\x02"). See sqlstore/sealer.go.
const (
	appendLock = 0x5354455741524401
	sealLock   = 0x5354455741524402
)

// Dialect is PostgreSQL's.
var Dialect = &sqlstore.Dialect{
	Name:     "postgres",
	Numbered: true,
	IsUnique: func(err error) bool {
		var e *pgconn.PgError
		return errors.As(err, &e) && e.Code == "23505"
	},
	IsUnavailable: func(err error) bool {
		var ne net.Error
		var ce *pgconn.ConnectError
		return errors.As(err, &ne) || errors.As(err, &ce)
	},
	LockMigrations: func(ctx context.Context, c *sql.Conn) (func(), error) {
		// Replicas starting together must not apply the same migration twice.
		if _, err := c.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, int64(migrationLock)); err != nil {
			return nil, err
		}
		return func() {
			_, _ = c.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1)`, int64(migrationLock))
		}, nil
	},
	CaseInsensitiveLike: "ILIKE",
	LateralProbe:        true,
	ArrayInsert:         true,
	ScanBinary:          scanBinary,
	RunSearchSetup:      "SET LOCAL enable_memoize = off",
	WalkSetup:           "SELECT set_config('enable_memoize', 'off', true), set_config('plan_cache_mode', 'force_generic_plan', true)",
	GenericPlans:        "SET LOCAL plan_cache_mode = force_generic_plan",
	BoundedWalk:         true,
	AuditInsert: fmt.Sprintf("SELECT * FROM steward_audit_insert_many(%d, %s)",
		int64(appendLock), sqlstore.AuditArrayParams()),
	AuditBarrier:     fmt.Sprintf("SELECT steward_audit_barrier(%d)", int64(appendLock)),
	AuditSealLock:    fmt.Sprintf("SELECT pg_advisory_xact_lock(%d)", int64(sealLock)),
	AuditSealTryLock: fmt.Sprintf("SELECT pg_try_advisory_xact_lock(%d)", int64(sealLock)),
	AuditSealValues:  "(?::bigint, ?::bigint, ?::bytea, ?::bytea)",
}

// Open connects to dsn (postgres://...) and applies pending migrations.
// runtimeParams (e.g. search_path) are set on every connection.
func Open(ctx context.Context, dsn string, runtimeParams map[string]string, log *slog.Logger) (*sqlstore.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres DSN: %w", err)
	}
	for k, v := range runtimeParams {
		cfg.RuntimeParams[k] = v
	}
	// Steward's queries are small and many run at once. A parallel plan
	// starts worker processes that cost more than they save and take cores
	// from the other requests: search-runs over 100,000 runs did 47 req/s
	// with parallel plans and 81 without. A DSN may set it otherwise.
	if _, ok := cfg.RuntimeParams["max_parallel_workers_per_gather"]; !ok {
		cfg.RuntimeParams["max_parallel_workers_per_gather"] = "0"
	}
	pool := stdlib.OpenDB(*cfg)
	pool.SetMaxOpenConns(20)
	pool.SetMaxIdleConns(20)
	db := sqlstore.New(pool, pool, Dialect)
	if err := db.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to postgres %s:%d: %w", cfg.Host, cfg.Port, err)
	}
	ms, err := Migrations()
	if err == nil {
		err = db.Migrate(ctx, ms, log)
	}
	if err == nil {
		var n int
		if n, err = db.SealEvents(ctx); err != nil {
			err = fmt.Errorf("seal audit events: %w", err)
		} else if n > 0 && log != nil {
			log.Info("added earlier events to the audit chain", "events", n)
		}
	}
	if err != nil {
		pool.Close()
		return nil, err
	}
	if log != nil {
		// Migration 013 leaves the index out when the role may not create
		// pg_trgm; say so at every start rather than once in a NOTICE.
		var idx sql.NullString
		if err := pool.QueryRowContext(ctx, `SELECT to_regclass('models_name_trgm')::text`).Scan(&idx); err == nil && !idx.Valid {
			log.Warn("model name substring search (q) reads every name: the trigram index is missing; see the README, PostgreSQL")
		}
	}
	if sharesCores(cfg.Host) {
		db.FairReads(2 * runtime.GOMAXPROCS(0))
	}
	db.StartSealer(log)
	db.OnClose(keepStatistics(pool, log))
	return db, nil
}

// sharesCores reports whether the database runs on this machine (a
// loopback address or a Unix socket), so that its searches compete for the
// cores Steward runs on. There a runs search waits, in arrival order, for
// one of twice as many places as cores (sqlstore.DB.FairReads): with 20
// searches at once over 2 cores, the kernel shared the CPU among all of
// them and each took as long as the slowest; in arrival order the same
// throughput had p99 59 against 109 ms (bench/RESULTS.md). A database on
// another machine has cores of its own, which Steward cannot count: no
// gate.
func sharesCores(host string) bool {
	return strings.HasPrefix(host, "/") || steward.IsLoopbackHost(host)
}

// OpenRaw connects without migrating (tests and tools).
func OpenRaw(ctx context.Context, dsn string) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	db := stdlib.OpenDB(*cfg)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// OpenReadOnly connects without migrating, in read-only transactions, for
// tools such as `steward audit verify`.
func OpenReadOnly(ctx context.Context, dsn string) (*sqlstore.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres DSN: %w", err)
	}
	cfg.RuntimeParams["default_transaction_read_only"] = "on"
	pool := stdlib.OpenDB(*cfg)
	pool.SetMaxOpenConns(8)
	db := sqlstore.New(pool, pool, Dialect)
	if err := db.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to postgres %s:%d: %w", cfg.Host, cfg.Port, err)
	}
	return db, nil
}

// scanBinary runs a query on pgx directly, asking for every result column
// in the binary format, and hands fn the raw values (see
// sqlstore.Dialect.ScanBinary).
func scanBinary(ctx context.Context, db *sql.DB, query string, args []any, fn func([][]byte) error) error {
	c, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	return c.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("postgres: unexpected driver connection %T", dc)
		}
		rows, err := sc.Conn().Query(ctx, query, append([]any{pgx.QueryResultFormats{pgx.BinaryFormatCode}}, args...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := fn(rows.RawValues()); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}
