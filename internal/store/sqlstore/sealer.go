package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"time"

	"github.com/steward-registry/steward/internal/audit"
	"github.com/steward-registry/steward/internal/events"
)

// Sealing gives committed events their place in the audit chain: a leaf
// number, the chain hash and the tree hashes (docs/audit.md, section 5).
//
// On PostgreSQL, writers insert their events unsealed, under the append
// lock held in SHARED mode until they commit, so they do not wait for each
// other and their commits share WAL flushes. One sealer at a time (the
// holder of the seal lock, across replicas) then:
//
//  1. runs the barrier: it takes the append lock EXCLUSIVE in a statement of
//     its own, which is granted once every writer holding it has ended, and
//     reads the largest seq. Every event with a seq at or below that bound
//     is now committed or rolled back for good: seqs are drawn after the
//     shared lock is taken, and any seq drawn later is larger.
//  2. reads the chain's tip, and the unsealed events with tip seq < seq <=
//     bound, in seq order;
//  3. appends them to the chain in that order and writes their leaf, hash
//     and tree, then commits.
//
// So leaf order is seq order, with no gap (each round continues from the
// tip under the seal lock) and no fork (one sealer; the unique index on
// leaf would refuse a second anyway), and an event is sealed exactly once
// (it is only read while its leaf is NULL, under the seal lock). The
// barrier holds new appends back only until its own statement ends, not
// for the sealing, and rounds are at least sealPause apart.
//
// An unsealed event older than the tip (seq < tip seq) cannot arise this
// way; the sealer leaves it alone and verification reports it.
//
// SQLite has one writer, which seals before commit (flushEvents); there the
// sealer only handles events written before the audit chain existed.

const (
	sealBatch = 5000                   // the most events one round seals
	sealEvery = 200 * time.Millisecond // rounds also run unasked: other replicas' events
	sealPause = 50 * time.Millisecond  // the least time between rounds
)

type sealer struct {
	poke chan struct{}
	stop chan struct{}
	done chan struct{}
	log  *slog.Logger
}

// StartSealer starts this process's sealer, where events are committed
// unsealed (PostgreSQL); commits in this process wake it, and it also runs
// every sealEvery for other replicas' events. Close stops it after a last
// round.
func (db *DB) StartSealer(log *slog.Logger) {
	if db.Dialect.AuditInsert == "" || db.sealer != nil {
		return
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &sealer{poke: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}), log: log}
	db.sealer = s
	go db.sealLoop(s)
}

func (db *DB) pokeSealer() {
	if s := db.sealer; s != nil {
		select {
		case s.poke <- struct{}{}:
		default: // a round is already due
		}
	}
}

func (db *DB) stopSealer() {
	if s := db.sealer; s != nil {
		close(s.stop)
		<-s.done
		db.sealer = nil
	}
}

func (db *DB) sealLoop(s *sealer) {
	defer close(s.done)
	tick := time.NewTicker(sealEvery)
	defer tick.Stop()
	for {
		select {
		case <-s.stop:
			// A clean shutdown leaves nothing waiting.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			if _, err := db.SealEvents(ctx); err != nil {
				s.log.Warn("audit: could not seal the last events; the next server to open the database will", "err", err)
			}
			cancel()
			return
		case <-s.poke:
		case <-tick.C:
			// Most unasked rounds find nothing: one look at the index of
			// unsealed events instead of a round's transaction, seal lock
			// and barrier (which holds back every append for a moment).
			if waiting, err := db.unsealedWaiting(context.Background()); err == nil && !waiting {
				continue
			}
		}
		for {
			// If another replica holds the seal lock (the try fails), its
			// round or the next tick here takes these events.
			n, err := db.sealRound(context.Background(), false)
			if err != nil {
				s.log.Warn("audit sealing failed; will retry", "err", err)
				break
			}
			if n < sealBatch {
				break
			}
		}
		// Each barrier holds new appends back for a moment; under a steady
		// stream of commits, rounds back to back would do so constantly.
		time.Sleep(sealPause)
	}
}

// Seal seals every event committed before it was called, waiting for
// another sealer if one is running. Checkpoints call it first, so that they
// cover everything committed so far.
func (db *DB) Seal(ctx context.Context) error {
	// Looking is cheaper than a round (a write transaction; on PostgreSQL
	// also the seal lock and a barrier that holds back appends), and on
	// SQLite, whose writer seals as it commits, finds only events from
	// before the audit chain. An event committed before the call is
	// visible to the look.
	waiting, err := db.unsealedWaiting(ctx)
	if err != nil || !waiting {
		return err
	}
	_, err = db.SealEvents(ctx)
	return err
}

// unsealedWaiting reports whether a committed event waits to be sealed.
func (db *DB) unsealedWaiting(ctx context.Context) (bool, error) {
	var one int
	err := db.row(ctx, `SELECT 1 FROM events WHERE leaf IS NULL LIMIT 1`).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("audit seal: %w", db.wrap(err))
	}
	return true, nil
}

// SealEvents seals, in seq order, every event committed unsealed before it
// was called, and returns how many. The servers call it when they open the
// database, for events written before the audit chain existed (migration
// 005 adds the columns but cannot hash) or left unsealed by a server that
// stopped.
func (db *DB) SealEvents(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := db.sealRound(ctx, true)
		total += n
		if err != nil || n < sealBatch {
			return total, err
		}
	}
}

// sealRound seals up to sealBatch events in one transaction. With wait
// false it returns at once if another sealer holds the seal lock.
func (db *DB) sealRound(ctx context.Context, wait bool) (int, error) {
	d := db.Dialect
	tx, err := db.Write.BeginTx(ctx, nil)
	if err != nil {
		return 0, db.conn.wrap(fmt.Errorf("audit seal: begin: %w", err))
	}
	defer func() { _ = tx.Rollback() }() // a no-op after the commit
	t := &Tx{conn: conn{q: tx, d: d}, tip: db.tip}
	switch {
	case wait && d.AuditSealLock != "":
		if _, err := t.exec(ctx, d.AuditSealLock); err != nil {
			return 0, fmt.Errorf("audit seal lock: %w", err)
		}
	case !wait && d.AuditSealTryLock != "":
		var ok bool
		if err := t.row(ctx, d.AuditSealTryLock).Scan(&ok); err != nil {
			return 0, fmt.Errorf("audit seal lock: %w", t.wrap(err))
		}
		if !ok {
			return 0, nil
		}
	}
	bound := int64(math.MaxInt64) // one writer (SQLite): everything visible is committed
	if d.AuditBarrier != "" {
		// Not in the seal transaction: the exclusive lock would then hold
		// back every writer until this round commits.
		if err := db.Write.QueryRowContext(ctx, d.AuditBarrier).Scan(&bound); err != nil {
			return 0, fmt.Errorf("audit seal barrier: %w", db.conn.wrap(err))
		}
	}
	n, err := t.sealUpTo(ctx, bound, sealBatch)
	if err != nil || n == 0 {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, db.conn.wrap(fmt.Errorf("audit seal: commit: %w", err))
	}
	return n, nil
}

// sealUpTo seals, in seq order, up to limit unsealed events newer than the
// chain's tip with seq <= bound.
func (t *Tx) sealUpTo(ctx context.Context, bound int64, limit int) (int, error) {
	size, last, tipSeq, err := t.chainTip(ctx)
	if err != nil {
		return 0, err
	}
	var batch []*events.Event
	err = t.eachRow(ctx, func(s scanner) error {
		e, err := scanEvent(s)
		if err != nil {
			return err
		}
		batch = append(batch, e)
		return nil
	}, `SELECT `+eventColumns+` FROM events WHERE leaf IS NULL AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?`, tipSeq, bound, limit)
	if err != nil || len(batch) == 0 {
		return 0, err
	}
	c := t.tip
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.size != size || c.last != last {
		c.reset(size, last)
	}
	chain := audit.NewChain(size, last, c.reader(t.TreeReader(ctx)))
	chain.Grow(int64(len(batch)))
	trees := make([][]byte, len(batch))
	legacy := make([]bool, len(batch))
	for i, e := range batch {
		if e.BeforeDigest == "" && e.AfterDigest == "" && (len(e.Before) > 0 || len(e.After) > 0) {
			// Written before the audit chain: derive what an append now
			// derives (canonical images, digests, changed fields).
			legacy[i] = true
			if err := e.Complete(); err != nil {
				return 0, fmt.Errorf("seal event %d: %w", e.Seq, err)
			}
		}
		if trees[i], err = chain.Append(e); err != nil {
			return 0, fmt.Errorf("seal event %d: %w", e.Seq, err)
		}
	}
	if err := t.writeSeals(ctx, batch, trees, legacy); err != nil {
		return 0, err
	}
	c.extend(size, last, chain)
	return len(batch), nil
}

// writeSeals stores the leaves, hashes and tree hashes of sealed events.
func (t *Tx) writeSeals(ctx context.Context, batch []*events.Event, trees [][]byte, legacy []bool) error {
	var args []any
	for i, e := range batch {
		if !legacy[i] && t.d.AuditSealValues != "" {
			args = append(args, e.Seq, e.Leaf, e.Hash, nullBytes(trees[i]))
			continue
		}
		q, qargs := `UPDATE events SET leaf = ?, hash = ?, tree = ? WHERE seq = ?`, []any{e.Leaf, e.Hash, nullBytes(trees[i]), e.Seq}
		if legacy[i] {
			q = `UPDATE events SET outcome = ?, before_digest = ?, after_digest = ?, changed = ?, before = ?, after = ?,
				leaf = ?, hash = ?, tree = ? WHERE seq = ?`
			qargs = append([]any{e.Outcome, e.BeforeDigest, e.AfterDigest, strings.Join(e.Changed, ","), nullJSON(e.Before), nullJSON(e.After)}, qargs...)
		}
		if _, err := t.exec(ctx, q, qargs...); err != nil {
			return fmt.Errorf("seal event %d: %w", e.Seq, err)
		}
	}
	const chunk = 100
	for start := 0; start < len(args); start += 4 * chunk {
		part := args[start:min(start+4*chunk, len(args))]
		rows := strings.TrimSuffix(strings.Repeat(t.d.AuditSealValues+", ", len(part)/4), ", ")
		if _, err := t.exec(ctx, `UPDATE events AS e SET leaf = v.leaf, hash = v.hash, tree = v.tree
			FROM (VALUES `+rows+`) AS v (seq, leaf, hash, tree) WHERE e.seq = v.seq`, part...); err != nil {
			return fmt.Errorf("seal events: %w", err)
		}
	}
	return nil
}
