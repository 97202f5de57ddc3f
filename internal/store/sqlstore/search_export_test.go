package sqlstore

import (
	"context"
	"database/sql"

	"github.com/steward-registry/steward/internal/search"
)

// Exports for the search tests, which live in package sqlstore_test so they
// can open real databases through storetest.
var (
	CompileExperimentSearch = compileExperimentSearch
	CompileModelSearch      = compileModelSearch
	CompileVersionSearch    = compileVersionSearch
	LikePattern             = likePattern
)

// CompileRunSearch compiles a runs search over every experiment, in the
// shape of the other compilers, for the tests of compile errors.
func CompileRunSearch(d *Dialect, f *search.Filter, order []search.OrderKey) (string, []any, string, error) {
	rs, err := compileRunSearch(d, runScope{workspace: "default"}, f, order)
	if err != nil {
		return "", nil, "", err
	}
	p := rs.parts()[0]
	where, args, orderBy := p.result()
	return where, args, orderBy, nil
}

// Rebind turns ? placeholders into the dialect's.
func Rebind(d *Dialect, q string) string { return d.rebind(q) }

// Snapshot runs fn in one consistent read on db's read pool, as the
// searches do.
func (db *DB) Snapshot(ctx context.Context, fn func() error) error {
	return db.conn.snapshot(ctx, func(conn) error { return fn() })
}

// SQL is the transaction's connection, for tests that inspect its state.
func (t *Tx) SQL() interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
} {
	return t.q
}

// BoundedWalks returns how many runs searches a bounded walk answered and
// how many it tried and could not.
func (db *DB) BoundedWalks() (hits, misses int64) {
	return db.conn.walks.hits.Load(), db.conn.walks.misses.Load()
}
