package lineage

import (
	"context"
	"sync"
)

// olQueue merges OpenLineage events that arrive one per request at the same
// time into one transaction, the way a group commit does: while batches are
// being written (at most olLeaders at once), the events that arrive queue
// up, and the next writer takes all of them. OpenLineage clients send one event per request, and
// per event a transaction costs a commit (an fsync) and, on PostgreSQL, a
// turn at the audit chain's lock, which serializes every writer: that, not
// the statements, is what bounded ingestion. An event alone waits for
// nobody; only events that would have queued for the lock anyway share a
// transaction.
//
// Events of different workspaces never share one (the store reads the
// workspace from the context). Each event keeps its own context for its
// audit event, so actor and request id are its own.
type olQueue struct {
	mu      sync.Mutex
	waiting map[string][]*olPending // by workspace
	leaders map[string]int          // batches being written, per workspace
}

// olLeaders is how many batches of one workspace are written at once: two,
// so that one batch reads (which nodes and events exist) and prepares while
// the other waits for its commit, and the two cores are both used.
const olLeaders = 2

type olPending struct {
	ctx     context.Context
	ev      *OpenLineageEvent
	res     *IngestResult
	err     error
	leading bool      // it writes a batch (its own event first), not waits for one
	done    chan bool // true: the job was written (res, err); false: lead
}

// do ingests ev, in a transaction shared with whatever else is queued for
// its workspace. write ingests a batch in one transaction.
func (q *olQueue) do(ctx context.Context, ws string, ev *OpenLineageEvent, write func(context.Context, []*olPending) error) (*IngestResult, error) {
	j := &olPending{ctx: ctx, ev: ev, done: make(chan bool, 1)}
	q.mu.Lock()
	if q.waiting == nil {
		q.waiting, q.leaders = map[string][]*olPending{}, map[string]int{}
	}
	q.waiting[ws] = append(q.waiting[ws], j)
	if q.leaders[ws] < olLeaders {
		q.leaders[ws]++
		j.leading = true
	}
	lead := j.leading // read under the lock: another leader may set it later
	q.mu.Unlock()
	// A follower waits to be written or handed the lead. It does not give
	// up when its context ends: its event may be in a batch being written,
	// and the answer must say what happened to it.
	if lead || !<-j.done {
		q.lead(ctx, ws, j, write)
	}
	return j.res, j.err
}

// lead writes one batch: its own job and those queued that no other leader
// owns. Then it hands the lead to the first job that queued meanwhile, so
// no request keeps writing others' events after its own are done.
func (q *olQueue) lead(ctx context.Context, ws string, me *olPending, write func(context.Context, []*olPending) error) {
	q.mu.Lock()
	batch := []*olPending{me}
	var rest []*olPending
	for _, j := range q.waiting[ws] {
		switch {
		case j == me:
		case j.leading || len(batch) == MaxBatchEvents:
			rest = append(rest, j)
		default:
			batch = append(batch, j)
		}
	}
	q.waiting[ws] = rest
	q.mu.Unlock()

	// The batch is everyone's: one client going away must not roll the
	// others back.
	wctx := context.WithoutCancel(ctx)
	if err := write(wctx, batch); err != nil && len(batch) > 1 {
		// One event's failure is not the others': write each alone.
		for _, j := range batch {
			j.res = nil
			j.err = write(wctx, []*olPending{j})
		}
	} else if err != nil {
		me.res, me.err = nil, err
	}
	for _, j := range batch[1:] {
		j.done <- true
	}

	q.mu.Lock()
	defer q.mu.Unlock()
	for _, j := range q.waiting[ws] {
		if !j.leading {
			j.leading = true
			j.done <- false
			return
		}
	}
	q.leaders[ws]--
	if q.leaders[ws] == 0 {
		delete(q.leaders, ws)
		delete(q.waiting, ws)
	}
}
