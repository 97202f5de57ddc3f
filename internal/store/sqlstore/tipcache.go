package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/steward-registry/steward/internal/audit"
	"github.com/steward-registry/steward/internal/events"
)

// tipCache is this process's idea of the audit chain's tip: its size, last
// hash, and the tree hashes of recent leaves. On PostgreSQL an append is
// computed from it before the audit lock is taken and sent as one statement
// (Dialect.AuditAppend), which inserts only if the tip is still the one the
// hashes were computed from. So the lock is held for one statement and the
// commit instead of four round trips, which is what serializes writers.
//
// The cache can be wrong (another replica appended, or an append was rolled
// back after it was cached); the statement then inserts nothing and returns
// the real tip, and the append is recomputed from it, under the lock. Every
// entry of hashes is determined by (size, last) — last commits to the whole
// history — so entries are kept only while the state they belong to is
// current.
type tipCache struct {
	// turn orders this process's appenders: it is taken before the append
	// and released after the commit or rollback, so that the next appender
	// computes from the tip the previous one left, and its one statement
	// hits. (The audit lock serializes them until commit anyway; without
	// the turn, concurrent appenders would all compute from the same tip,
	// and all but one would need a second statement under the lock.)
	turn   sync.Mutex
	mu     sync.Mutex
	size   int64
	last   tlog.Hash
	hashes map[int64]tlog.Hash // tlog stored hash index → hash, leaves < size
}

// cacheKeep is how many recent stored hashes the cache holds; older ones
// (needed by about one append in cacheKeep/2) are read from the database.
const cacheKeep = 4096

func newTipCache() *tipCache { return &tipCache{hashes: map[int64]tlog.Hash{}} }

// reader reads stored hashes from the cache, then the database. c.mu must be
// held.
func (c *tipCache) reader(db tlog.HashReader) tlog.HashReader {
	return tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		var miss []int64
		for i, idx := range indexes {
			h, ok := c.hashes[idx]
			if !ok {
				miss = append(miss, idx)
				continue
			}
			out[i] = h
		}
		if len(miss) == 0 {
			return out, nil
		}
		hs, err := db.ReadHashes(miss)
		if err != nil {
			return nil, err
		}
		k := 0
		for i, idx := range indexes {
			if _, ok := c.hashes[idx]; !ok {
				out[i] = hs[k]
				k++
			}
		}
		return out, nil
	})
}

// advance records a committed-to-be append from state (size, last).
func (c *tipCache) advance(size int64, last, h tlog.Hash, base int64, hashes []tlog.Hash) {
	if c.size != size || c.last != last {
		c.hashes = map[int64]tlog.Hash{}
	}
	c.size, c.last = size+1, h
	for i, x := range hashes {
		c.hashes[base+int64(i)] = x
	}
	if len(c.hashes) > 2*cacheKeep {
		top := base + int64(len(hashes))
		for idx := range c.hashes {
			if idx < top-cacheKeep {
				delete(c.hashes, idx)
			}
		}
	}
}

// reset makes the cache start over from the database's tip, whose own leaf
// hash is the first sibling the next append needs.
func (c *tipCache) reset(size int64, last tlog.Hash) {
	c.size, c.last, c.hashes = size, last, map[int64]tlog.Hash{}
	if size > 0 {
		c.hashes[tlog.StoredHashIndex(0, size-1)] = last
	}
}

// appendOptimistic appends e in one statement when the cached tip is right
// (see tipCache).
func (t *Tx) appendOptimistic(ctx context.Context, e *events.Event) error {
	c := t.tip
	if !t.holdsTurn {
		c.turn.Lock() // released by InTx after the commit or rollback
		t.holdsTurn = true
	}
	for attempt := 0; attempt < 3; attempt++ {
		c.mu.Lock()
		size, last := c.size, c.last
		chain := audit.NewChain(size, last, c.reader(t.TreeReader(ctx)))
		tree, err := chain.Append(e)
		base, hashes := chain.Computed()
		c.mu.Unlock()
		if err != nil {
			return fmt.Errorf("audit chain: %w", err)
		}
		var seq sql.NullInt64
		var tipLeaf int64
		var tipHash []byte
		if err := t.row(ctx, t.d.AuditAppend, e.Leaf, last[:],
			e.Workspace, e.Time, e.ActorID, e.ActorKind, e.AuthMethod, e.RequestID, e.RemoteIP, e.UserAgent,
			e.Action, e.ObjectType, e.ObjectID, e.Outcome, e.BeforeDigest, e.AfterDigest, strings.Join(e.Changed, ","),
			nullJSON(e.Before), nullJSON(e.After), e.Hash, nullBytes(tree)).Scan(&seq, &tipLeaf, &tipHash); err != nil {
			return fmt.Errorf("append event: %w", t.wrap(err))
		}
		if seq.Valid {
			e.Seq = seq.Int64
			var h tlog.Hash
			copy(h[:], e.Hash)
			c.mu.Lock()
			c.advance(size, last, h, base, hashes)
			c.mu.Unlock()
			return nil
		}
		// The tip moved (another transaction or replica appended, or a
		// cached append was rolled back). This transaction holds the lock
		// now, so the tip returned stays put for the recomputation.
		var h tlog.Hash
		copy(h[:], tipHash)
		c.mu.Lock()
		c.reset(tipLeaf+1, h)
		c.mu.Unlock()
	}
	return fmt.Errorf("append event: the audit chain's tip kept moving")
}
