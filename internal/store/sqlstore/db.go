// Package sqlstore implements every domain's storage interfaces over
// database/sql with handwritten SQL that both SQLite and PostgreSQL accept.
// The backends (packages sqlite and postgres) supply a Dialect, a connection
// and their migrations; the SQL lives here once, so the two cannot drift.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/steward-registry/steward/internal/events"
	"github.com/steward-registry/steward/internal/steward"
)

// Dialect holds what differs between the backends.
type Dialect struct {
	Name string // "sqlite" or "postgres"
	// Numbered placeholders ($1) instead of '?'.
	Numbered bool
	// IsUnique reports a unique-constraint violation.
	IsUnique func(error) bool
	// IsUnavailable reports a connection-level failure (server down).
	IsUnavailable func(error) bool
	// LockMigrations serializes migrations across processes on one database.
	LockMigrations func(ctx context.Context, conn *sql.Conn) (unlock func(), err error)
	// CaseInsensitiveLike is the operator for case-insensitive LIKE.
	CaseInsensitiveLike string
	// RecursiveLimit says a LIMIT may end the recursive part of a WITH
	// RECURSIVE query (SQLite: the recursion stops when that many rows were
	// produced). Without it (PostgreSQL refuses such a LIMIT) the limit goes
	// on the query that reads the CTE, which the database evaluates only as
	// far as it is read.
	RecursiveLimit bool
	// LateralProbe says a list of keys is looked up through a LATERAL
	// subquery, one index probe per key. PostgreSQL otherwise plans a join
	// with a VALUES list from statistics, and on a table autovacuum has not
	// analysed yet (a young or fast-growing one) it read a whole index range
	// into a hash join per lookup. SQLite has no LATERAL and needs none: it
	// plans from the unique index alone.
	LateralProbe bool
	// ArrayInsert says a multi-row INSERT is sent as one statement with an
	// array per column (see bulk), and a list of ids as one array (inList).
	ArrayInsert bool
	// AuditInsert, if set, appends events unsealed (no leaf or hash yet)
	// in one statement and returns their seqs, in order; a sealer gives
	// them their places in the chain after the commit (see sealer.go). It
	// takes the append lock in shared mode first and holds it until the
	// transaction ends. Its arguments are arrays of the events' columns,
	// workspace through after (auditColumns). Without it (SQLite: one
	// writer) events are sealed in the writer before commit.
	AuditInsert string
	// AuditBarrier, run outside any transaction, waits until no writer
	// holds the append lock and returns the largest seq then committed:
	// every event with a seq at or below it is committed or gone for good.
	AuditBarrier string
	// AuditSealLock and AuditSealTryLock make the transaction they run in
	// the only sealer of the database, across replicas, until it ends; the
	// second returns false at once instead of waiting.
	AuditSealLock    string
	AuditSealTryLock string
	// AuditSealValues, if set, is one row (seq, leaf, hash, tree) of the
	// VALUES list the sealer updates many events from in one statement,
	// with the casts the database needs; without it, one UPDATE per event.
	AuditSealValues string
	// RunSearchSetup, if set, runs first in a runs search's own read
	// transaction. PostgreSQL's is SET LOCAL enable_memoize = off: every
	// probe of a runs search is keyed by a run id and a run comes once per
	// search, so a Memoize node above a probe never hits, yet PostgreSQL
	// put one above the params probe of a walk in metric order, and its
	// hash table cost about a quarter of the search (bench/RESULTS.md,
	// eighth pass).
	RunSearchSetup string
	// WalkSetup, if set, runs before a bounded walk (BoundedWalk) in the
	// walk's own read transaction. PostgreSQL's turns Memoize off, as
	// RunSearchSetup does, and has the walk and the page's fills use
	// generic plans: the walk's shape is fixed by its probes whatever the
	// values, and planning it anew for every search (what "auto" chose,
	// from the generic plan's higher estimate) cost a tenth of its time. A
	// walk that falls back leaves the setting behind with its transaction:
	// the planned search's choices depend on the values.
	WalkSetup string
	// GenericPlans, if set, has the rest of a write transaction use generic
	// plans (SET LOCAL); lineage recording runs it first (Tx.EnsureNodes).
	// Its statements take arrays (unnest) and look up or insert by key: a
	// custom plan knows the arrays' lengths, the generic one guesses ten
	// elements, so PostgreSQL's "auto" judged the generic plan dearer and
	// planned them anew at every call, though the plans are the same (the
	// nodes statement bound in 260 us, 31 us on its generic plan). Not for
	// every write transaction: the setting is a round trip, which cost
	// create-run 4 % (bench/RESULTS.md, ninth pass).
	GenericPlans string
	// BoundedWalk says a runs search ordered by a metric may be answered
	// by a walk of bounded length with its conditions as per-run probes,
	// when the same search was seen to fill its page that way (see
	// boundedwalk.go).
	BoundedWalk bool
	// ScanBinary, if set, runs a query and hands fn each row's columns in
	// the binary wire format (int8 as 8 bytes big-endian, text and bytea as
	// their bytes, NULL as nil), skipping database/sql's per-column
	// conversions. Verification streams a million rows through it.
	ScanBinary func(ctx context.Context, db *sql.DB, query string, args []any, fn func(cols [][]byte) error) error
}

func (d *Dialect) rebind(q string) string {
	if !d.Numbered || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// conn runs queries on a pool or a transaction. All store methods hang off
// it, so the same code reads outside and inside a transaction.
type conn struct {
	q querier
	d *Dialect
	// detach runs statements without their context's cancellation (see
	// groupCommit).
	detach bool
	// stmts, if set, prepares statements on the read pool once (see
	// stmtCache).
	stmts *stmtCache
	// gate, if set, admits reads on the pool in arrival order (see
	// FairReads).
	gate chan struct{}
	// walks, if set, remembers which runs searches a bounded walk answers
	// (see boundedwalk.go); a transaction's conn has none.
	walks *walkMemory
}

func (c conn) ctx(ctx context.Context) context.Context {
	if c.detach {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

func (c conn) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := c.q.ExecContext(c.ctx(ctx), c.d.rebind(query), args...)
	return res, c.wrap(err)
}

func (c conn) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	q := c.d.rebind(query)
	if s := c.prepared(ctx, q); s != nil {
		rows, err := s.QueryContext(c.ctx(ctx), args...)
		return rows, c.wrap(err)
	}
	rows, err := c.q.QueryContext(c.ctx(ctx), q, args...)
	return rows, c.wrap(err)
}

func (c conn) row(ctx context.Context, query string, args ...any) *sql.Row {
	q := c.d.rebind(query)
	if s := c.prepared(ctx, q); s != nil {
		return s.QueryRowContext(c.ctx(ctx), args...)
	}
	return c.q.QueryRowContext(c.ctx(ctx), q, args...)
}

// prepared returns the cached prepared statement for a read, bound to c's
// transaction if it has one, or nil to run the query unprepared.
func (c conn) prepared(ctx context.Context, q string) *sql.Stmt {
	if c.stmts == nil {
		return nil
	}
	s := c.stmts.get(ctx, q)
	if tx, ok := c.q.(*sql.Tx); ok && s != nil {
		return tx.StmtContext(ctx, s)
	}
	return s
}

// wrap turns driver errors that are not bugs into application errors.
func (c conn) wrap(err error) error {
	if err == nil {
		return nil
	}
	if c.d.IsUnavailable != nil && c.d.IsUnavailable(err) {
		return &steward.Error{Code: steward.CodeUnavailable, Message: "the database is unavailable; retry later", Err: err}
	}
	return err
}

// uniqueAs maps a unique violation to CodeAlreadyExists with msg.
func (c conn) uniqueAs(err error, format string, args ...any) error {
	if err != nil && c.d.IsUnique(err) {
		return &steward.Error{Code: steward.CodeAlreadyExists, Message: fmt.Sprintf(format, args...), Err: err}
	}
	return err
}

// errRaced marks a conditional write that lost a race: another transaction
// committed a new revision between this one's read and its write (possible on
// PostgreSQL, whose writers run concurrently). InTx retries on it.
var errRaced = errors.New("row changed by a concurrent transaction")

// one expects exactly one affected row; zero means the revision moved on
// (or the row vanished) between read and write.
func one(res sql.Result, what string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n != 1 {
		return &steward.Error{Code: steward.CodePreconditionFailed, Err: errRaced,
			Message: what + " was changed by someone else at the same time; read it again and retry"}
	}
	return nil
}

func notFound(err error, format string, args ...any) error {
	if errors.Is(err, sql.ErrNoRows) {
		return steward.Errorf(steward.CodeNotFound, format, args...)
	}
	return err
}

// DB is a Steward database: a read pool and a write pool (the same pool on
// PostgreSQL; a single connection on SQLite, where writers serialize anyway
// and one connection avoids SQLITE_BUSY storms).
type DB struct {
	conn
	Write   *sql.DB
	Read    *sql.DB
	Dialect *Dialect
	group   *groupCommit
	tip     *tipCache
	sealer  *sealer // nil unless StartSealer ran
	closers []func() error
}

// OnClose has Close run fn before it closes the pools (a dialect's
// background work on the same database).
func (db *DB) OnClose(fn func() error) { db.closers = append(db.closers, fn) }

// CacheReadStatements makes reads on the read pool use prepared statements
// kept for the life of the pool (see stmtCache). For SQLite: pgx already
// keeps a statement cache per connection.
func (db *DB) CacheReadStatements() {
	db.conn.stmts = &stmtCache{db: db.Read, m: map[string]*sql.Stmt{}}
}

// FairReads makes multi-statement reads on the read pool (snapshot) wait
// for one of n places in arrival order. database/sql hands a freed
// connection to a random waiter, so with more concurrent readers than
// connections some requests waited for many hand-offs in a row.
func (db *DB) FairReads(n int) {
	db.conn.gate = make(chan struct{}, n)
}

// EnableGroupCommit makes concurrent InTx calls share transactions of up to
// maxBatch callers (see groupCommit). For single-writer databases (SQLite).
func (db *DB) EnableGroupCommit(maxBatch int) {
	db.group = newGroupCommit(db.Write, db.Dialect, db.tip, maxBatch)
}

// New wraps opened pools. read may equal write.
func New(write, read *sql.DB, d *Dialect) *DB {
	return &DB{conn: conn{q: read, d: d, walks: newWalkMemory()}, Write: write, Read: read, Dialect: d, tip: newTipCache()}
}

// Close closes both pools.
func (db *DB) Close() error {
	if db.group != nil {
		db.group.close()
	}
	db.stopSealer()
	if db.conn.stmts != nil {
		db.conn.stmts.close()
	}
	var err error
	for _, fn := range db.closers {
		err = errors.Join(err, fn())
	}
	err = errors.Join(err, db.Write.Close())
	if db.Read != db.Write {
		err = errors.Join(err, db.Read.Close())
	}
	return err
}

// Ping checks the database answers (readiness).
func (db *DB) Ping(ctx context.Context) error {
	return db.conn.wrap(db.Read.PingContext(ctx))
}

// Tx is one write transaction; it implements every domain's Repo.
type Tx struct {
	conn
	pending []*events.Event // appended at the end of the transaction
	tip     *tipCache       // recent tree hashes, for sealing in the writer
	// unsealed: the transaction appended events for the sealer to seal
	// once it has committed.
	unsealed bool
	// tipKnown: tipSize and tipLast are the chain's tip as this
	// transaction left it (the writer seals: SQLite). A group-commit batch
	// reads the tip once, not once per caller; rolling back a savepoint
	// clears it.
	tipKnown bool
	tipSize  int64
	tipLast  tlog.Hash
	// generic: the transaction ran the dialect's GenericPlans.
	generic bool
}

// genericPlans has the rest of the transaction use generic plans (the
// dialect's GenericPlans), once.
func (t *Tx) genericPlans(ctx context.Context) error {
	if t.generic || t.d.GenericPlans == "" {
		return nil
	}
	t.generic = true
	_, err := t.exec(ctx, t.d.GenericPlans)
	return err
}

// run runs fn and then appends the events it queued, so every transaction
// path (InTx, group commit) seals its events last.
func (t *Tx) run(ctx context.Context, fn func(*Tx) error) error {
	t.pending = nil
	if err := fn(t); err != nil {
		t.pending = nil
		return err
	}
	return t.flushEvents(ctx)
}

// maxAttempts bounds InTx's retries of transactions that lost a race.
const maxAttempts = 20

// InTx runs fn in a transaction and commits if fn returns nil. It is the one
// write path: domain services reach it through their Store.Update.
//
// fn may run more than once: when a conditional write loses a race (errRaced)
// the transaction is rolled back and fn runs again on fresh reads, so a
// caller without If-Match is not failed by a concurrent writer, and one with
// If-Match gets the service's revision check against the new state. fn must
// therefore derive everything it writes from what it reads in that attempt.
func (db *DB) InTx(ctx context.Context, fn func(*Tx) error) error {
	if db.group != nil {
		return db.group.run(ctx, fn)
	}
	for attempt := 1; ; attempt++ {
		err := db.inTx(ctx, fn)
		if !errors.Is(err, errRaced) || attempt == maxAttempts || ctx.Err() != nil {
			return err
		}
	}
}

func (db *DB) inTx(ctx context.Context, fn func(*Tx) error) error {
	tx, err := db.Write.BeginTx(ctx, nil)
	if err != nil {
		return db.conn.wrap(fmt.Errorf("begin: %w", err))
	}
	t := &Tx{conn: conn{q: tx, d: db.Dialect}, tip: db.tip}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	if err := t.run(ctx, fn); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return db.conn.wrap(fmt.Errorf("commit: %w", err))
	}
	if t.unsealed {
		db.pokeSealer()
	}
	return nil
}

// placeholders returns "?, ?, ?" for n arguments.
func placeholders(n int) string {
	if n == 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

// rows returns "(?, ?), (?, ?)" for n rows of width values.
func rows(n, width int) string {
	row := "(" + placeholders(width) + ")"
	var b strings.Builder
	b.Grow(n * (len(row) + 2))
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	return b.String()
}
