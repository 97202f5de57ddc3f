package postgres

import (
	"context"
	"database/sql"
	"log/slog"
	"time"
)

// Why Steward analyzes its own tables: pgx prepares every statement, and
// after five executions PostgreSQL keeps one generic plan per statement
// until the statistics of a table it reads change. On a new database those
// plans are made while the tables hold a few rows, so a sequential scan
// looks cheapest, and autovacuum refreshes the statistics only after its
// naptime (a minute) and then every 10 % of growth. Over the first 15 s of
// model-versions on a fresh database, get-latest-versions scanned the
// whole model_versions table and the lineage lookup read every version
// node through the wrong index: 1,056–1,392 req/s, against 1,744 with the
// tables analyzed as they grew (bench/RESULTS.md, seventh pass).
//
// So a table whose row count has doubled (or halved) since it was last
// analyzed is analyzed again. Growth doubles the count between rounds, so a
// table growing from empty is analyzed about log2(rows) times, each a
// sample of at most 30,000 rows; an old table meets autovacuum's 10 %
// threshold long before it doubles, so the keeper leaves it alone. Updates
// are not counted: they change no row count, and the models row's version
// counter is updated on every version create.

// statsLock makes one replica at a time the one that analyzes
// ("STEWARD\x03"; see appendLock).
const statsLock = 0x5354455741524403

// statsEvery is how often the keeper looks: pg_stat_user_tables for one
// schema, well under a millisecond.
const statsEvery = 2 * time.Second

// grownTables lists the tables of Steward's schema, which this role may
// analyze (it owns them, or is a member of the owner), whose live row
// count has doubled since their statistics were taken (at least 100 rows
// more), or halved (tables of more than 1,000 rows). reltuples is -1 for a
// table never analyzed.
const grownTables = `SELECT format('%I.%I', s.schemaname, s.relname)
	FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
	WHERE s.schemaname = current_schema() AND pg_has_role(c.relowner, 'USAGE')
	AND (s.n_live_tup >= 2 * greatest(c.reltuples, 0) + 100
		OR (c.reltuples > 1000 AND s.n_live_tup < c.reltuples / 2))
	ORDER BY s.relname`

// AnalyzeGrownTables analyzes the tables of the current schema whose row
// count has doubled or halved since they were last analyzed, and returns
// their names. It does nothing (and returns none) while another replica is
// doing the same.
func AnalyzeGrownTables(ctx context.Context, db *sql.DB) ([]string, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer func() { _ = tx.Rollback() }()
	var mine bool
	if err := tx.QueryRowContext(ctx, `SELECT pg_try_advisory_xact_lock($1)`, int64(statsLock)).Scan(&mine); err != nil || !mine {
		return nil, err
	}
	var names []string
	rows, err := tx.QueryContext(ctx, grownTables)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, err
		}
		names = append(names, n)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	for _, n := range names {
		// n is quoted by format('%I.%I').
		if _, err := tx.ExecContext(ctx, `ANALYZE `+n); err != nil {
			return nil, err
		}
	}
	return names, tx.Commit()
}

// keepStatistics runs AnalyzeGrownTables every statsEvery until the
// returned stop is called.
func keepStatistics(db *sql.DB, log *slog.Logger) (stop func() error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(statsEvery)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			names, err := AnalyzeGrownTables(ctx, db)
			switch {
			case err != nil && ctx.Err() == nil:
				log.Debug("could not analyze grown tables", "err", err)
			case len(names) > 0:
				log.Debug("analyzed grown tables", "tables", names)
			}
		}
	}()
	return func() error {
		cancel()
		<-done
		return nil
	}
}
