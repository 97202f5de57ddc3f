package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/steward-registry/steward/internal/audit"
	"github.com/steward-registry/steward/internal/events"
	"github.com/steward-registry/steward/internal/steward"
)

func nowMillis() int64 { return time.Now().UnixMilli() }

func nullJSON(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return string(b)
}

// auditColumns are the PostgreSQL types of the columns, workspace through
// after, that Dialect.AuditInsert takes as arrays.
var auditColumns = []string{"text", "bigint", "text", "text", "text", "text", "text", "text",
	"text", "text", "text", "text", "text", "text", "text", "text", "text"}

// insertSealedEvents appends events with their leaves (SQLite: the writer
// seals). The types are unused: SQLite takes rows, not arrays.
var insertSealedEvents = bulk{
	head: `INSERT INTO events (workspace, time, actor_id, actor_kind, auth_method, request_id, remote_ip, user_agent,
		action, object_type, object_id, outcome, before_digest, after_digest, changed, before, after, leaf, hash, tree)`,
	types: append(slices.Clone(auditColumns), "bigint", "bytea", "bytea"),
	tail:  `RETURNING seq`,
}

// AuditArrayParams is the parameter list, "?::text[], ?::bigint[], ...",
// that Dialect.AuditInsert takes.
func AuditArrayParams() string { return arrayParams(auditColumns) }

// AppendEvent queues a domain event in the current transaction. The
// transaction inserts its events as its last statements (see flushEvents),
// so e.Seq is set when fn has returned, before the commit. Where the writer
// seals (SQLite), e.Leaf and e.Hash are set then too; on PostgreSQL the
// event is committed unsealed (Leaf -1, no Hash) and the sealer gives it
// its leaf shortly after the commit.
func (t *Tx) AppendEvent(ctx context.Context, e *events.Event) error {
	if err := e.Complete(); err != nil {
		return err
	}
	t.pending = append(t.pending, e)
	return nil
}

// FlushEvents appends the queued events now rather than at the end of the
// transaction, for a caller that needs their seq before it commits. A
// failure after it still rolls them back with the rest of the transaction.
// On PostgreSQL the transaction then holds the append lock (shared), so it
// must not wait for row locks afterwards: a sealer's barrier waiting for it
// would hold back the writer it waits for.
func (t *Tx) FlushEvents(ctx context.Context) error { return t.flushEvents(ctx) }

// flushEvents inserts the transaction's queued events.
//
// On PostgreSQL (Dialect.AuditInsert) the events are inserted unsealed, in
// one statement, under
// the append lock held in shared mode until the transaction ends: writers
// do not wait for each other, and their commits share WAL flushes. The
// sealer orders them later (sealer.go). The lock is taken last, so it is
// never held while the transaction waits for a row lock.
//
// SQLite has one writer, so the writer seals: it reads the chain's tip
// inside the transaction and appends after it, taking the tree hashes of
// recent leaves from the tip cache when it describes that very tip. The
// group commit runs each caller in a savepoint of a shared transaction, and
// because the tip is read inside it, a savepoint rolled back takes its
// events out of the chain and the next caller continues from the tip
// before them.
func (t *Tx) flushEvents(ctx context.Context) error {
	if len(t.pending) == 0 {
		return nil
	}
	pending := t.pending
	t.pending = nil
	if t.d.AuditInsert != "" {
		args := make([]any, 0, len(auditColumns)*len(pending))
		for _, e := range pending {
			args = append(args, e.Workspace, e.Time, e.ActorID, e.ActorKind, e.AuthMethod, e.RequestID, e.RemoteIP, e.UserAgent,
				e.Action, e.ObjectType, e.ObjectID, e.Outcome, e.BeforeDigest, e.AfterDigest, strings.Join(e.Changed, ","),
				nullJSON(e.Before), nullJSON(e.After))
		}
		cols, err := pgColumns(auditColumns, args)
		if err != nil {
			return fmt.Errorf("append event: %w", err)
		}
		seqs, err := appendedSeqs(len(pending), func(scan func(scanner) error) error {
			return t.eachRow(ctx, scan, t.d.AuditInsert, cols...)
		})
		if err != nil {
			return err
		}
		for i, e := range pending {
			e.Seq, e.Leaf, e.Hash = seqs[i], -1, nil
		}
		t.unsealed = true
		return nil
	}
	// Inside one SQLite write transaction nobody else appends, so the tip
	// read by an earlier caller of the batch is still the tip.
	size, last := t.tipSize, t.tipLast
	if !t.tipKnown {
		var err error
		if size, last, _, err = t.chainTip(ctx); err != nil {
			return err
		}
	}
	t.tipKnown = false // until every append below has succeeded
	reader := t.TreeReader(ctx)
	if c := t.tip; c != nil {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.size != size || c.last != last {
			c.reset(size, last)
		}
		reader = c.reader(reader)
	}
	args := make([]any, 0, 20*len(pending))
	for _, e := range pending {
		chain := audit.NewChain(size, last, reader)
		tree, err := chain.Append(e)
		if err != nil {
			return fmt.Errorf("audit chain: %w", err)
		}
		if c := t.tip; c != nil {
			c.extend(size, last, chain)
		}
		size, last = chain.Size(), chain.Last()
		args = append(args, e.Workspace, e.Time, e.ActorID, e.ActorKind, e.AuthMethod, e.RequestID, e.RemoteIP, e.UserAgent,
			e.Action, e.ObjectType, e.ObjectID, e.Outcome, e.BeforeDigest, e.AfterDigest, strings.Join(e.Changed, ","),
			nullJSON(e.Before), nullJSON(e.After), e.Leaf, e.Hash, nullBytes(tree))
	}
	// One statement per 100, 10 or 1 events (see bulk); rows, and so seqs,
	// in the order of the chain.
	seqs, err := appendedSeqs(len(pending), func(scan func(scanner) error) error {
		return insertSealedEvents.run(ctx, t.conn, args, scan)
	})
	if err != nil {
		return err
	}
	for i, e := range pending {
		e.Seq = seqs[i]
	}
	t.tipKnown, t.tipSize, t.tipLast = true, size, last
	return nil
}

// appendedSeqs runs insert, which appends n events and returns their seqs,
// and gives the seqs in the order the events were given: seqs are drawn in
// the order rows are inserted, and sorting covers rows returned in another.
func appendedSeqs(n int, insert func(scan func(scanner) error) error) ([]int64, error) {
	seqs := make([]int64, 0, n)
	err := insert(func(s scanner) error {
		var seq int64
		err := s.Scan(&seq)
		seqs = append(seqs, seq)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("append event: %w", err)
	}
	if len(seqs) != n {
		return nil, fmt.Errorf("append event: %d seqs for %d events", len(seqs), n)
	}
	slices.Sort(seqs)
	return seqs, nil
}

func nullBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// chainTip returns the number of sealed events, the newest one's hash and
// its seq.
func (c conn) chainTip(ctx context.Context) (int64, tlog.Hash, int64, error) {
	var leaf, seq int64
	var hash []byte
	var h tlog.Hash
	err := c.row(ctx, `SELECT leaf, hash, seq FROM events WHERE leaf IS NOT NULL ORDER BY leaf DESC LIMIT 1`).Scan(&leaf, &hash, &seq)
	if err == sql.ErrNoRows {
		return 0, h, 0, nil
	}
	if err != nil {
		return 0, h, 0, fmt.Errorf("audit chain tip: %w", c.wrap(err))
	}
	copy(h[:], hash)
	return leaf + 1, h, seq, nil
}

// TreeReader reads the Merkle tree's stored hashes from the event rows.
func (c conn) TreeReader(ctx context.Context) tlog.HashReader {
	return audit.RowReader(func(leaves []int64) ([]audit.TreeRow, error) {
		args := make([]any, len(leaves))
		for i, l := range leaves {
			args[i] = l
		}
		var out []audit.TreeRow
		err := c.eachRow(ctx, func(s scanner) error {
			var r audit.TreeRow
			if err := s.Scan(&r.Leaf, &r.Hash, &r.Tree); err != nil {
				return err
			}
			out = append(out, r)
			return nil
		}, `SELECT leaf, hash, tree FROM events WHERE leaf IN (`+placeholders(len(args))+`)`, args...)
		return out, err
	})
}

// eventColumns are the columns scanEvent reads, in order.
const eventColumns = `seq, workspace, time, actor_id, actor_kind, auth_method, request_id, remote_ip, user_agent,
	action, object_type, object_id, outcome, before_digest, after_digest, changed, COALESCE(before, ''), COALESCE(after, ''),
	COALESCE(leaf, -1), hash`

func scanEvent(s scanner) (*events.Event, error) {
	e := &events.Event{}
	var changed, before, after string
	if err := s.Scan(&e.Seq, &e.Workspace, &e.Time, &e.ActorID, &e.ActorKind, &e.AuthMethod, &e.RequestID, &e.RemoteIP, &e.UserAgent,
		&e.Action, &e.ObjectType, &e.ObjectID, &e.Outcome, &e.BeforeDigest, &e.AfterDigest, &changed, &before, &after,
		&e.Leaf, &e.Hash); err != nil {
		return nil, err
	}
	if changed != "" {
		e.Changed = strings.Split(changed, ",")
	}
	if before != "" {
		e.Before = []byte(before)
	}
	if after != "" {
		e.After = []byte(after)
	}
	return e, nil
}

// ListEvents returns events of the workspace in ctx, oldest first.
func (c conn) ListEvents(ctx context.Context, f events.Filter) ([]*events.Event, error) {
	q, args := `SELECT `+eventColumns+` FROM events WHERE workspace = ? AND seq > ?`,
		[]any{steward.WorkspaceFrom(ctx), f.AfterSeq}
	for _, c := range []struct{ col, v string }{{"object_type", f.ObjectType}, {"object_id", f.ObjectID}, {"action", f.Action}, {"actor_id", f.ActorID}} {
		if c.v != "" {
			q, args = q+` AND `+c.col+` = ?`, append(args, c.v)
		}
	}
	limit := f.Limit
	if limit <= 0 || limit > steward.MaxPageSize {
		limit = steward.MaxPageSize
	}
	var out []*events.Event
	err := c.eachRow(ctx, func(s scanner) error {
		e, err := scanEvent(s)
		if err != nil {
			return err
		}
		out = append(out, e)
		return nil
	}, q+` ORDER BY seq LIMIT ?`, append(args, limit)...)
	return out, err
}

// RecordEvent appends one event in a transaction of its own. It records what
// has no change to ride on: denied requests, failed logins and reads of
// sensitive objects. Like every event it joins the audit chain.
func (db *DB) RecordEvent(ctx context.Context, e *events.Event) error {
	return db.InTx(ctx, func(tx *Tx) error { return tx.AppendEvent(ctx, e) })
}

// OpenChain makes tx the only sealer and returns the chain continuing
// from its tip, for bulk loaders (benchmark seeding) that insert sealed
// event rows themselves, multi-row, into a database nobody else writes.
// They must insert the rows with the leaf, hash and tree the chain gives, in
// order.
func (db *DB) OpenChain(ctx context.Context, tx *sql.Tx) (*audit.Chain, error) {
	c := conn{q: tx, d: db.Dialect}
	if db.Dialect.AuditSealLock != "" {
		if _, err := c.exec(ctx, db.Dialect.AuditSealLock); err != nil {
			return nil, fmt.Errorf("audit seal lock: %w", err)
		}
	}
	size, last, _, err := c.chainTip(ctx)
	if err != nil {
		return nil, err
	}
	return audit.NewChain(size, last, c.TreeReader(ctx)), nil
}
