package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/steward"
	"github.com/steward-registry/steward/internal/tracking"
)

// The MLflow search endpoints: filters and ordering compile to SQL
// (search_sql.go); these methods add the workspace scope, the view type and
// paging, and load the page.

func andWhere(q, where string) string {
	if where == "" {
		return q
	}
	return q + " AND " + where
}

func (c conn) SearchRuns(ctx context.Context, q tracking.Query) ([]*tracking.Run, error) {
	scope := runScope{workspace: steward.WorkspaceFrom(ctx), stage: strings.TrimPrefix(stageClause(q.ViewType, "r.lifecycle_stage"), " AND ")}
	for _, s := range q.ExperimentIDs {
		n, err := expID(s)
		if err != nil {
			return nil, err
		}
		scope.experiments = append(scope.experiments, n)
	}
	rs, err := compileRunSearch(c.d, scope, q.Filter, q.OrderBy)
	if err != nil {
		return nil, err
	}
	var out []*tracking.Run
	_, own := c.q.(*sql.DB)
	bw := c.boundedWalk(rs, q)
	if bw.rememberedToFill() {
		// A transaction of its own, so that what WalkSetup sets ends with
		// it when the walk falls back to the planned search.
		err = c.snapshot(ctx, func(c conn) (err error) {
			out, err = bw.page(ctx, c, own)
			return err
		})
		if err != nil || out != nil {
			return out, err
		}
	}
	// One snapshot for the parts and the page's params, tags and metrics,
	// so that a run changing meanwhile (a metric logged) is neither skipped
	// nor returned twice, nor returned with rows it did not have.
	err = c.snapshot(ctx, func(c conn) error {
		if err := c.localSetup(ctx, own, c.d.RunSearchSetup); err != nil {
			return err
		}
		if c.d.Name == "sqlite" {
			if err := c.chooseLists(ctx, rs); err != nil {
				return err
			}
		}
		parts := rs.parts()
		offset, limit := q.Offset, q.Limit
		walked := 0 // rows of the page from the first part
		for i, p := range parts {
			if limit == 0 {
				break
			}
			sql, args := p.sql(runColsR)
			rows, err := c.queryRuns(ctx, sql+` LIMIT ? OFFSET ?`, append(args, limit, offset)...)
			if err != nil {
				return err
			}
			out = append(out, rows...)
			if i == 0 {
				walked = len(rows)
			}
			switch {
			case len(rows) > 0:
				// This part ended inside the page: the next starts at its top.
				offset, limit = 0, limit-len(rows)
			case offset > 0:
				// The page starts after this part: skip all of it.
				var n int
				sql, args := p.countSQL()
				if err := c.row(ctx, sql, args...).Scan(&n); err != nil {
					return err
				}
				offset -= n
			}
		}
		if err := c.fillRuns(ctx, out); err != nil {
			return err
		}
		return bw.learn(ctx, c, out, walked)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// localSetup runs a dialect's setup statement (SET LOCAL), if there is
// one, when the transaction is the search's own (own), not a caller's,
// whose later statements it would change too.
func (c conn) localSetup(ctx context.Context, own bool, setup string) error {
	if !own || setup == "" {
		return nil
	}
	_, err := c.exec(ctx, setup)
	return err
}

// listLimit is the most rows a filter condition may match for SQLite to
// read them as a list (runCond). Listing costs about a microsecond per
// matching row, probing a few microseconds per run visited; a search that
// visits more than a few thousand runs is slow either way, while one that
// matches few rows must not probe every run of the experiment.
const listLimit = 5000

// chooseLists decides, for SQLite, which countable conditions run as lists:
// those matching fewer than listLimit rows, counted on their index.
func (c conn) chooseLists(ctx context.Context, rs *runSearch) error {
	for i, rc := range rs.conds {
		if !rc.countable {
			continue
		}
		var n int
		if err := c.row(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM `+rc.from+` WHERE `+rc.where+` LIMIT ?) n`,
			append(append([]any{}, rc.args...), listLimit)...).Scan(&n); err != nil {
			return err
		}
		rs.conds[i].list = n < listLimit
	}
	return nil
}

// snapshot runs fn on one consistent read: a read-only transaction on a
// pool, c itself inside a transaction.
func (c conn) snapshot(ctx context.Context, fn func(conn) error) error {
	pool, ok := c.q.(*sql.DB)
	if !ok {
		return fn(c)
	}
	if c.gate != nil {
		// Channel senders are woken in the order they blocked.
		select {
		case c.gate <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		defer func() { <-c.gate }()
	}
	opts := &sql.TxOptions{ReadOnly: true}
	if c.d.Name == "postgres" {
		// READ COMMITTED takes a new snapshot per statement.
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := pool.BeginTx(ctx, opts)
	if err != nil {
		return c.wrap(fmt.Errorf("begin: %w", err))
	}
	defer func() { _ = tx.Rollback() }()
	if err := fn(conn{q: tx, d: c.d, stmts: c.stmts, walks: c.walks}); err != nil {
		return err
	}
	return tx.Commit()
}

func (c conn) SearchExperiments(ctx context.Context, q tracking.Query) ([]*tracking.Experiment, error) {
	where, wargs, orderBy, err := compileExperimentSearch(c.d, q.Filter, q.OrderBy)
	if err != nil {
		return nil, err
	}
	sql := andWhere(`SELECT `+experimentColsE+` FROM experiments e WHERE e.workspace = ?`+stageClause(q.ViewType, "e.lifecycle_stage"), where) +
		` ORDER BY ` + orderBy + ` LIMIT ? OFFSET ?`
	args := append(append([]any{steward.WorkspaceFrom(ctx)}, wargs...), q.Limit, q.Offset)
	return c.scanExperiments(ctx, sql, args...)
}

func (c conn) SearchModels(ctx context.Context, q registry.Query) ([]*registry.Model, error) {
	where, wargs, orderBy, err := compileModelSearch(c.d, q.Filter, q.OrderBy)
	if err != nil {
		return nil, err
	}
	vis, vargs := visibleModels(ctx)
	sql := andWhere(modelSelect+` WHERE m.workspace = ?`+vis, where) + ` ORDER BY ` + orderBy + ` LIMIT ? OFFSET ?`
	args := append(append(append([]any{steward.WorkspaceFrom(ctx)}, vargs...), wargs...), q.Limit, q.Offset)
	var out []*registry.Model
	if err := c.eachRow(ctx, func(s scanner) error {
		m, err := scanModel(s)
		out = append(out, m)
		return err
	}, sql, args...); err != nil {
		return nil, err
	}
	return out, c.fillModels(ctx, out)
}

func (c conn) SearchVersions(ctx context.Context, q registry.Query) ([]*registry.Version, error) {
	where, wargs, orderBy, err := compileVersionSearch(c.d, q.Filter, q.OrderBy)
	if err != nil {
		return nil, err
	}
	// The workspace twice (v's equals m's): v.workspace lets the
	// (workspace, run_id) and (workspace, stage) indexes serve version
	// filters, m.workspace lets a name filter start from the models'
	// (workspace, name) index. With v's alone, SQLite read every version of
	// the workspace to find one model's (0.81 against 0.27 ms at 2,000).
	ws := steward.WorkspaceFrom(ctx)
	vis, vargs := visibleModels(ctx)
	sql := andWhere(versionSelect+` WHERE v.workspace = ? AND m.workspace = ?`+vis, where) + ` ORDER BY ` + orderBy + ` LIMIT ? OFFSET ?`
	args := append(append(append([]any{ws, ws}, vargs...), wargs...), q.Limit, q.Offset)
	var out []*registry.Version
	if err := c.eachRow(ctx, func(s scanner) error {
		v, err := scanVersion(s)
		out = append(out, v)
		return err
	}, sql, args...); err != nil {
		return nil, err
	}
	return out, c.fillVersions(ctx, out)
}
