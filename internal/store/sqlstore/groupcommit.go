package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
)

// groupCommit batches concurrent write transactions into one database
// transaction, so that many writers share one commit (one fsync). SQLite with
// synchronous=FULL pays about one fsync per commit and allows a single
// writer, so without batching write throughput is capped at the disk's fsync
// rate whatever the number of clients.
//
// Each caller's work runs inside its own SAVEPOINT: if it fails, only its
// writes are rolled back and the rest of the batch commits. Every caller
// waits for the batch's COMMIT before it returns, so a nil error still means
// committed and durable.
type groupCommit struct {
	db       *sql.DB
	d        *Dialect
	tip      *tipCache
	jobs     chan *job
	maxBatch int
	stop     chan struct{}
	stopped  sync.WaitGroup
	closed   sync.Once
}

type job struct {
	ctx   context.Context
	fn    func(*Tx) error
	err   error
	panic any
	done  chan struct{}
}

func newGroupCommit(db *sql.DB, d *Dialect, tip *tipCache, maxBatch int) *groupCommit {
	g := &groupCommit{db: db, d: d, tip: tip, jobs: make(chan *job), maxBatch: maxBatch, stop: make(chan struct{})}
	g.stopped.Add(1)
	go g.loop()
	return g
}

// run submits fn and waits until its batch has committed or failed. It does
// not return early when ctx is cancelled once fn has been taken: the write
// may already be part of a committing batch, and answering "failed" for a
// committed change would be a lie.
func (g *groupCommit) run(ctx context.Context, fn func(*Tx) error) error {
	j := &job{ctx: ctx, fn: fn, done: make(chan struct{})}
	select {
	case g.jobs <- j:
	case <-ctx.Done():
		return ctx.Err()
	case <-g.stop:
		return fmt.Errorf("database is closed")
	}
	<-j.done
	if j.panic != nil {
		panic(j.panic)
	}
	return j.err
}

func (g *groupCommit) close() {
	g.closed.Do(func() {
		close(g.stop)
		g.stopped.Wait()
	})
}

func (g *groupCommit) loop() {
	defer g.stopped.Done()
	for {
		var first *job
		select {
		case first = <-g.jobs:
		case <-g.stop:
			return
		}
		batch := []*job{first}
	drain:
		for len(batch) < g.maxBatch {
			select {
			case j := <-g.jobs:
				batch = append(batch, j)
			default:
				break drain
			}
		}
		g.commit(batch)
		for _, j := range batch {
			close(j.done)
		}
	}
}

// commit runs one batch in one transaction.
func (g *groupCommit) commit(batch []*job) {
	fail := func(err error) {
		for _, j := range batch {
			if j.err == nil && j.panic == nil {
				j.err = err
			}
		}
	}
	tx, err := g.db.BeginTx(context.Background(), nil)
	if err != nil {
		fail(conn{d: g.d}.wrap(fmt.Errorf("begin: %w", err)))
		return
	}
	// Statements ignore their caller's cancellation: SQLite answers an
	// interrupted write by rolling back the whole transaction, which would
	// take the other callers' work with it.
	t := &Tx{conn: conn{q: &preparedTx{tx: tx, stmts: map[string]*sql.Stmt{}}, d: g.d, detach: true}, tip: g.tip}
	for i, j := range batch {
		if err := j.ctx.Err(); err != nil {
			j.err = err // the caller gave up before its turn: nothing was written
			continue
		}
		sp := fmt.Sprintf("steward_%d", i)
		if _, err := tx.Exec("SAVEPOINT " + sp); err != nil {
			_ = tx.Rollback()
			fail(fmt.Errorf("savepoint: %w", err))
			return
		}
		g.runJob(j, t)
		if j.err != nil || j.panic != nil {
			t.tipKnown = false // the savepoint may take appends with it
			if _, err := tx.Exec("ROLLBACK TO " + sp); err != nil {
				_ = tx.Rollback()
				fail(fmt.Errorf("rollback to savepoint: %w", err))
				return
			}
		}
		if _, err := tx.Exec("RELEASE " + sp); err != nil {
			_ = tx.Rollback()
			fail(fmt.Errorf("release savepoint: %w", err))
			return
		}
	}
	if err := tx.Commit(); err != nil {
		fail(conn{d: g.d}.wrap(fmt.Errorf("commit: %w", err)))
	}
}

// runJob runs one caller's work, turning a panic into the caller's panic.
func (g *groupCommit) runJob(j *job, t *Tx) {
	defer func() {
		if p := recover(); p != nil {
			j.panic = p
		}
	}()
	j.err = t.run(j.ctx, j.fn)
}

// preparedTx runs a group-commit transaction's statements through prepared
// statements, one per distinct SQL text, kept until the transaction ends. A
// batch runs the same few statements for each of its callers, and parsing
// them again each time cost pure-Go SQLite more than running most of them
// (17 % of log-batch's CPU).
type preparedTx struct {
	tx    *sql.Tx
	stmts map[string]*sql.Stmt
}

func (p *preparedTx) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := p.stmts[query]; ok {
		return s, nil
	}
	s, err := p.tx.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	p.stmts[query] = s
	return s, nil
}

func (p *preparedTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	s, err := p.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(ctx, args...)
}

func (p *preparedTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s, err := p.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

func (p *preparedTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	s, err := p.stmt(ctx, query)
	if err != nil {
		// A Row carries its error; running the query unprepared reports it.
		return p.tx.QueryRowContext(ctx, query, args...)
	}
	return s.QueryRowContext(ctx, args...)
}
