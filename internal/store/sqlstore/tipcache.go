package sqlstore

import (
	"sync"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/steward-registry/steward/internal/audit"
)

// tipCache is this process's idea of the audit chain's tip: its size, last
// hash, and the tree hashes of recent leaves. Whoever seals (the writer on
// SQLite, the sealer on PostgreSQL) takes the tree hashes an append needs
// from it instead of reading them from the database, which saves a query on
// most appends.
//
// The cache can be stale (another process sealed, or a seal was rolled
// back); sealing always reads the real tip first and resets the cache when
// it differs. Every entry of hashes is determined by (size, last) — last
// commits to the whole history — so entries are kept only while the state
// they belong to is current.
type tipCache struct {
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

// extend records the appends chain made, starting from state (size, last).
func (c *tipCache) extend(size int64, last tlog.Hash, chain *audit.Chain) {
	base, hashes := chain.Computed()
	if c.size != size || c.last != last {
		c.hashes = map[int64]tlog.Hash{}
	}
	c.size, c.last = chain.Size(), chain.Last()
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
