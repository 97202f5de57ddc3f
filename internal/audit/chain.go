package audit

import (
	"fmt"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/steward-registry/steward/internal/events"
)

// TreeRow is what one event row stores of the Merkle tree: its leaf hash and
// the hashes of the subtrees its leaf completes (levels 1..k, 32 bytes each,
// in level order). Together the rows hold every tlog "stored hash", so tree
// roots and proofs cost O(log n) row reads.
type TreeRow struct {
	Leaf int64
	Hash []byte
	Tree []byte
}

// Fetcher reads the tree rows of the given leaves (in any order; a leaf that
// does not exist is left out).
type Fetcher func(leaves []int64) ([]TreeRow, error)

// locate says which leaf's row stores tlog stored hash index, and at which
// level: node k of level l covers leaves [k<<l, (k+1)<<l) and is complete
// when its last leaf is appended.
func locate(index int64) (leaf int64, level int) {
	level, k := tlog.SplitStoredHashIndex(index)
	return (k+1)<<level - 1, level
}

// RowReader is a tlog.HashReader over event rows.
func RowReader(fetch Fetcher) tlog.HashReader {
	return tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		leaves := make([]int64, 0, len(indexes))
		seen := make(map[int64]bool, len(indexes))
		for _, idx := range indexes {
			if leaf, _ := locate(idx); !seen[leaf] {
				seen[leaf] = true
				leaves = append(leaves, leaf)
			}
		}
		rows, err := fetch(leaves)
		if err != nil {
			return nil, err
		}
		byLeaf := make(map[int64]TreeRow, len(rows))
		for _, r := range rows {
			byLeaf[r.Leaf] = r
		}
		out := make([]tlog.Hash, len(indexes))
		for i, idx := range indexes {
			leaf, level := locate(idx)
			r, ok := byLeaf[leaf]
			var b []byte
			switch {
			case !ok:
			case level == 0:
				b = r.Hash
			case len(r.Tree) >= level*tlog.HashSize:
				b = r.Tree[(level-1)*tlog.HashSize : level*tlog.HashSize]
			}
			if len(b) != tlog.HashSize {
				return nil, fmt.Errorf("audit tree: no hash for leaf %d level %d (event missing or not sealed)", leaf, level)
			}
			copy(out[i][:], b)
		}
		return out, nil
	})
}

// Chain appends events to the log: it computes each event's leaf index,
// chain hash and stored tree hashes. It keeps the stored hashes it computed
// in memory and reads older ones through older (nil for a chain built from
// the first leaf, as the verifier does).
type Chain struct {
	size  int64
	prev  tlog.Hash
	base  int64 // stored hash index of mem[0]
	mem   []tlog.Hash
	older tlog.HashReader
	buf   []byte
}

// NewChain continues a log of size leaves whose last leaf hash is prev.
func NewChain(size int64, prev tlog.Hash, older tlog.HashReader) *Chain {
	return &Chain{size: size, prev: prev, base: tlog.StoredHashCount(size), older: older}
}

// Grow reserves memory for n more leaves.
func (c *Chain) Grow(n int64) {
	if need := int(2*n) + 64; cap(c.mem)-len(c.mem) < need {
		mem := make([]tlog.Hash, len(c.mem), len(c.mem)+need)
		copy(mem, c.mem)
		c.mem = mem
	}
}

// Size is the number of leaves.
func (c *Chain) Size() int64 { return c.size }

// Last is the hash of the newest leaf (zero for an empty log).
func (c *Chain) Last() tlog.Hash { return c.prev }

// ReadHashes implements tlog.HashReader over the chain's stored hashes.
func (c *Chain) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	var old []int64
	for i, idx := range indexes {
		if j := idx - c.base; j >= 0 && j < int64(len(c.mem)) {
			out[i] = c.mem[j]
		} else if idx < c.base && c.older != nil {
			old = append(old, idx)
		} else {
			return nil, fmt.Errorf("audit tree: stored hash %d is not available", idx)
		}
	}
	if len(old) == 0 {
		return out, nil
	}
	hs, err := c.older.ReadHashes(old)
	if err != nil {
		return nil, err
	}
	k := 0
	for i, idx := range indexes {
		if idx < c.base {
			out[i] = hs[k]
			k++
		}
	}
	return out, nil
}

// Hash returns the chain hash e would get as the next leaf.
func (c *Chain) Hash(e *events.Event) tlog.Hash {
	c.buf = AppendLeafData(c.buf[:0], e, c.size, c.prev)
	return tlog.RecordHash(c.buf)
}

// Push adds the next leaf, whose hash is h, and returns the hashes of the
// subtrees it completes (levels 1..k), as stored in its row.
func (c *Chain) Push(h tlog.Hash) ([]byte, error) {
	hashes, err := tlog.StoredHashesForRecordHash(c.size, h, c)
	if err != nil {
		return nil, err
	}
	c.mem = append(c.mem, hashes...)
	c.prev = h
	c.size++
	var tree []byte
	if len(hashes) > 1 {
		tree = make([]byte, 0, (len(hashes)-1)*tlog.HashSize)
		for _, x := range hashes[1:] {
			tree = append(tree, x[:]...)
		}
	}
	return tree, nil
}

// Append seals e as the next leaf: it sets e.Leaf and e.Hash and returns
// the tree hashes to store with it. e must be Complete.
func (c *Chain) Append(e *events.Event) ([]byte, error) {
	leaf := c.size
	h := c.Hash(e)
	tree, err := c.Push(h)
	if err != nil {
		return nil, err
	}
	e.Leaf, e.Hash = leaf, append([]byte(nil), h[:]...)
	return tree, nil
}

// TreeHash is the root of the first n leaves (n <= Size).
func (c *Chain) TreeHash(n int64) (tlog.Hash, error) {
	if n > c.size {
		return tlog.Hash{}, fmt.Errorf("tree size %d exceeds the log's %d leaves", n, c.size)
	}
	return tlog.TreeHash(n, c)
}

// Computed returns the stored hashes this chain computed, in index order,
// and the index of the first.
func (c *Chain) Computed() (base int64, hashes []tlog.Hash) { return c.base, c.mem }
