package sqlstore

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/steward-registry/steward/internal/tracking"
)

// A runs search ordered by a metric of one experiment walks that metric's
// values in order and tests its conditions on each run it meets (see
// runSearch.parts). PostgreSQL plans those conditions as joins, one custom
// plan of five relations per search, and chooses by the values given
// between walking and reading every match first.
//
// Written as per-run probes over a bounded prefix of the order
// (runSearch.boundedWalk), the same walk plans in a third of the time and
// runs faster (bench/RESULTS.md, eighth pass), but probes are the wrong plan
// for a filter few runs pass (the prefix is probed in full before the
// search falls back), and over a short order, where the planner hashes the
// few matches. So a bounded walk is only tried for a search seen before to
// fill its page from a prefix at most half of the order: the first time,
// the search runs its planned parts, and counts on the metric's index then
// tell whether that holds (learn). The memory holds the outcome per search
// (SQL, arguments, offset and limit) for a minute; it changes only the
// plan, never the rows, since a bounded walk that fills its page has found
// exactly the page, and one that does not is answered by the parts.

// walkFactor: a bounded walk reads walkFactor entries of the order per row
// up to the page's end, so it fills a page when its filter keeps at least
// one run in walkFactor (5 %) near the top of the order.
const walkFactor = 20

// maxBoundedPage is the deepest page end (offset + limit) a bounded walk
// serves (a prefix of 20,000 entries at most).
const maxBoundedPage = 1000

// walkMemorySize caps the searches remembered; walkMemoryFor is how long an
// outcome is trusted before the search is planned and counted again (the
// data, and so the outcome, change).
const (
	walkMemorySize = 1024
	walkMemoryFor  = time.Minute
)

// walkMemory remembers whether a search's bounded walk fills its page.
type walkMemory struct {
	mu   sync.Mutex
	seen map[string]walkSeen
	// hits and misses count bounded walks that filled their page and
	// those that did not (the data changed since it was remembered).
	hits, misses atomic.Int64
}

type walkSeen struct {
	fills bool
	at    time.Time
}

func newWalkMemory() *walkMemory { return &walkMemory{seen: map[string]walkSeen{}} }

func (m *walkMemory) get(key string, now time.Time) (fills, known bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.seen[key]
	if !ok || now.Sub(s.at) > walkMemoryFor {
		return false, false
	}
	return s.fills, true
}

func (m *walkMemory) put(key string, fills bool, now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.seen[key]; !ok && len(m.seen) >= walkMemorySize {
		// Forgetting everything costs one planned search per search
		// repeated afterwards; it keeps the memory bounded without an LRU.
		clear(m.seen)
	}
	m.seen[key] = walkSeen{fills: fills, at: now}
}

// boundedRunWalk is one search's bounded walk: its part, the page it must
// fill and what is remembered of it.
type boundedRunWalk struct {
	rs            *runSearch
	sql           string // the part's SELECT, without LIMIT and OFFSET
	args          []any
	n             int // entries of the order in the prefix
	offset, limit int
	key           string
	fills, known  bool
}

// boundedWalk returns the search's bounded walk, or nil when the dialect or
// the conn has none or the search does not walk a metric with conditions to
// probe.
func (c conn) boundedWalk(rs *runSearch, q tracking.Query) *boundedRunWalk {
	if !c.d.BoundedWalk || c.walks == nil || q.Limit <= 0 || q.Offset+q.Limit > maxBoundedPage {
		return nil
	}
	n := walkFactor * (q.Offset + q.Limit)
	p := rs.boundedWalk(n)
	if p == nil {
		return nil
	}
	sql, args := p.sql(runColsR)
	b := &boundedRunWalk{rs: rs, sql: sql, args: args, n: n, offset: q.Offset, limit: q.Limit,
		key: fmt.Sprintf("%s\x00%#v\x00%d\x00%d", sql, args, q.Offset, q.Limit)}
	b.fills, b.known = c.walks.get(b.key, time.Now())
	return b
}

// rememberedToFill says the search is remembered to fill its page from
// its bounded walk.
func (b *boundedRunWalk) rememberedToFill() bool { return b != nil && b.known && b.fills }

// page answers the search from its bounded walk, which rememberedToFill,
// when it still fills the page (with the page's params, tags and metrics);
// otherwise nil, and the search runs its parts. own says the transaction
// is the search's own, where the dialect's WalkSetup may run (SET LOCAL).
func (b *boundedRunWalk) page(ctx context.Context, c conn, own bool) ([]*tracking.Run, error) {
	if err := c.localSetup(ctx, own, c.d.WalkSetup); err != nil {
		return nil, err
	}
	rows, err := c.queryRuns(ctx, b.sql+` LIMIT ? OFFSET ?`, append(b.args, b.limit, b.offset)...)
	if err != nil {
		return nil, err
	}
	if len(rows) < b.limit {
		c.walks.misses.Add(1)
		c.walks.put(b.key, false, time.Now())
		return nil, nil
	}
	c.walks.hits.Add(1)
	return rows, c.fillRuns(ctx, rows)
}

// learn remembers, for a search its parts answered, whether its bounded
// walk should answer it next time: when the prefix is at most half of the
// order, and it would have filled the page. It would when the whole page
// came from the walk of numbers (walked rows) and fewer than n entries of
// the order have a value before the page's last one: the prefix then holds
// every entry up to that value and those equal to it (they are tied with
// the n-th entry or come before it), so the page.
//
// Over a short order the planner's own choice is the better one: with
// 2,000 runs it hashes the few matches, and the probes served 25 % fewer
// searches; with 5,000 the two were even, with 20,000 the probes served
// 2.5 times as many (bench/RESULTS.md, eighth pass).
func (b *boundedRunWalk) learn(ctx context.Context, c conn, page []*tracking.Run, walked int) error {
	if b == nil || b.known {
		return nil
	}
	fills := false
	if last, ok := b.lastValue(page, walked); ok {
		k, exp := b.rs.order[0], b.rs.scope.experiments[0]
		op := "<"
		if k.Desc {
			op = ">"
		}
		const entries = `SELECT 1 FROM latest_metrics WHERE experiment_id = ? AND key = ? AND is_nan = 0`
		var all, before int
		if err := c.row(ctx, `SELECT (SELECT COUNT(*) FROM (`+entries+` LIMIT ?) a),
			(SELECT COUNT(*) FROM (`+entries+` AND value `+op+` ? LIMIT ?) b)`,
			exp, k.Key, 2*b.n+1, exp, k.Key, last, b.n).Scan(&all, &before); err != nil {
			return err
		}
		fills = all > 2*b.n && before < b.n
	}
	c.walks.put(b.key, fills, time.Now())
	return nil
}

// lastValue is the ordering metric's value on the page's last run, when the
// page is full and every row of it came from the walk of numbers.
func (b *boundedRunWalk) lastValue(page []*tracking.Run, walked int) (float64, bool) {
	if len(page) < b.limit || walked < len(page) {
		return 0, false
	}
	key := b.rs.order[0].Key
	for _, m := range page[len(page)-1].Metrics {
		if m.Key == key {
			return float64(m.Value), true
		}
	}
	return 0, false
}
