package lineage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/steward-registry/steward/internal/steward"
)

// How OpenLineage maps onto the graph:
//
//	job                → external_job  "namespace/name"
//	run                → run           runId (lowercase UUID)
//	dataset            → dataset_version "namespace/name", or
//	                     "namespace/name@<version>" when the dataset carries
//	                     a version facet (each version its own node)
//	RunEvent           inputs —consumed→ run —produced→ outputs;
//	                   job —produced→ run; a parent facet adds
//	                   parent job —produced→ parent run —produced→ run
//	JobEvent           inputs —consumed→ job —produced→ outputs
//	DatasetEvent       the dataset node and its facets
//
// Facets are stored per node and facet name; a RunEvent also stores the
// run's state as the facet "steward_runState". Later events replace earlier
// facets (by eventTime), so START then COMPLETE leaves COMPLETE's.

// IngestResult says what an OpenLineage event changed.
type IngestResult struct {
	// Status is "recorded", or "duplicate" when the same event was recorded
	// before (nothing was written).
	Status     string `json:"status"`
	Digest     string `json:"digest"`
	Kind       string `json:"kind"`
	Nodes      int    `json:"nodes"`
	EdgesAdded int    `json:"edges_added"`
}

// olAudit is the audit record of an ingested event. A struct, not a map:
// it is marshalled in the writer's transaction, once per event, and
// reflection over a map cost twice as much. Fields in key order, so the JSON
// is what the map gave.
type olAudit struct {
	EdgesAdded int       `json:"edges_added"`
	EventTime  time.Time `json:"event_time"`
	EventType  string    `json:"event_type"`
	Job        string    `json:"job"`
	Kind       string    `json:"kind"`
	Nodes      int       `json:"nodes"`
	Producer   string    `json:"producer"`
	RunID      string    `json:"run_id"`
}

// olPlan is what an event writes.
type olPlan struct {
	nodes  []*Node
	edges  []planEdge
	facets []planFacet
	job    string
	runID  string
}

type planEdge struct {
	from, to *Node
	typ      EdgeType
}

type planFacet struct {
	node  *Node
	name  string
	value json.RawMessage
}

// olKey joins an OpenLineage namespace and name the way its naming spec
// writes dataset URIs: "s3://bucket" + "path" → "s3://bucket/path".
func olKey(ns, name string) string {
	return strings.TrimRight(ns, "/") + "/" + strings.TrimLeft(name, "/")
}

func (p *olPlan) node(n *Node) *Node {
	for _, m := range p.nodes {
		if m.Type == n.Type && m.Key == n.Key {
			return m
		}
	}
	p.nodes = append(p.nodes, n)
	return n
}

func (p *olPlan) addFacets(n *Node, fs map[string]json.RawMessage) {
	for name, v := range fs {
		p.facets = append(p.facets, planFacet{n, name, v})
	}
}

func (p *olPlan) jobNode(ns, name string) *Node {
	k := olKey(ns, name)
	return p.node(&Node{Type: NodeExternalJob, Key: k, Name: k, Attrs: mustJSON(map[string]any{"namespace": ns, "name": name, "source": "openlineage"})})
}

func (p *olPlan) runNode(runID, job string) *Node {
	id := strings.ToLower(runID)
	return p.node(&Node{Type: NodeRun, Key: id, Name: job, Attrs: mustJSON(map[string]any{"source": "openlineage", "job": job})})
}

func (p *olPlan) datasetNode(d *olDataset) *Node {
	k := olKey(*d.Namespace, *d.Name)
	name := k
	if v := datasetVersion(d); v != "" {
		k += "@" + v
	}
	n := p.node(&Node{Type: NodeDatasetVersion, Key: k, Name: name, Attrs: mustJSON(map[string]any{"namespace": *d.Namespace, "name": *d.Name, "source": "openlineage"})})
	p.addFacets(n, d.Facets)
	p.addFacets(n, d.InputFacets)
	p.addFacets(n, d.OutputFacets)
	return n
}

// datasetVersion is the datasetVersion of a dataset's version facet, or "".
func datasetVersion(d *olDataset) string {
	var v struct {
		DatasetVersion string `json:"datasetVersion"`
	}
	if raw, ok := d.Facets["version"]; ok && json.Unmarshal(raw, &v) == nil {
		return v.DatasetVersion
	}
	return ""
}

// plan maps a validated event onto nodes, edges and facets.
func (e *OpenLineageEvent) plan() *olPlan {
	p := &olPlan{}
	ev := e.ev
	switch e.Kind {
	case KindDatasetEvent:
		p.datasetNode(ev.Dataset)
	case KindJobEvent:
		job := p.jobNode(*ev.Job.Namespace, *ev.Job.Name)
		p.addFacets(job, ev.Job.Facets)
		p.job = job.Key
		for i := range ev.Inputs {
			p.edges = append(p.edges, planEdge{p.datasetNode(&ev.Inputs[i]), job, EdgeConsumed})
		}
		for i := range ev.Outputs {
			p.edges = append(p.edges, planEdge{job, p.datasetNode(&ev.Outputs[i]), EdgeProduced})
		}
	case KindRunEvent:
		job := p.jobNode(*ev.Job.Namespace, *ev.Job.Name)
		p.addFacets(job, ev.Job.Facets)
		run := p.runNode(*ev.Run.RunID, job.Key)
		p.addFacets(run, ev.Run.Facets)
		p.facets = append(p.facets, planFacet{run, "steward_runState", mustJSON(map[string]any{
			"eventType": e.EventType, "eventTime": e.EventTime, "producer": e.Producer})})
		p.job, p.runID = job.Key, run.Key
		p.edges = append(p.edges, planEdge{job, run, EdgeProduced})
		if parent, ok := parentOf(ev.Run.Facets); ok {
			pj := p.jobNode(parent.Job.Namespace, parent.Job.Name)
			pr := p.runNode(parent.Run.RunID, pj.Key)
			if pr != run {
				p.edges = append(p.edges, planEdge{pj, pr, EdgeProduced}, planEdge{pr, run, EdgeProduced})
			}
		}
		for i := range ev.Inputs {
			p.edges = append(p.edges, planEdge{p.datasetNode(&ev.Inputs[i]), run, EdgeConsumed})
		}
		for i := range ev.Outputs {
			p.edges = append(p.edges, planEdge{run, p.datasetNode(&ev.Outputs[i]), EdgeProduced})
		}
	}
	return p
}

// Bounds on one batch (IngestOpenLineageBatch): events, and request bytes.
const (
	MaxBatchEvents = 1000
	MaxBatchBytes  = 16 << 20
)

// IngestOpenLineage validates an OpenLineage event and maps it into the
// graph, idempotently: an event already recorded (same canonical JSON)
// writes nothing and answers "duplicate"; nodes, edges and facets are
// upserted, so overlapping events (START and COMPLETE of one run) add only
// what is new. The event, its graph changes and one domain event commit
// together; a malformed event writes nothing.
func (s *Service) IngestOpenLineage(ctx context.Context, body []byte) (*IngestResult, error) {
	ev, err := ParseOpenLineage(body)
	if err != nil {
		return nil, err
	}
	if err := s.allowGraph(ctx, steward.PermLineageWrite); err != nil {
		return nil, err
	}
	// Events that arrive together share a transaction (see olQueue).
	return s.olq.do(ctx, steward.WorkspaceFrom(ctx), ev, func(wctx context.Context, jobs []*olPending) error {
		evs := make([]*OpenLineageEvent, len(jobs))
		ctxs := make([]context.Context, len(jobs))
		for i, j := range jobs {
			evs[i], ctxs[i] = j.ev, j.ctx
		}
		res, err := s.ingest(wctx, evs, ctxs)
		if err != nil {
			return err
		}
		for i, j := range jobs {
			j.res = res[i]
		}
		return nil
	})
}

// IngestOpenLineageBatch ingests several events in one transaction, as
// IngestOpenLineage does each: one result per event, in order, each
// "recorded" or "duplicate" (also for an event sent twice in the batch). If
// one event is malformed nothing is written and the error names its index.
// One transaction for many events is what makes ingestion fast: a commit
// (an fsync, and on PostgreSQL the audit chain's lock) and the statements
// for nodes, edges and facets are shared by the batch.
func (s *Service) IngestOpenLineageBatch(ctx context.Context, bodies [][]byte) ([]*IngestResult, error) {
	if len(bodies) == 0 || len(bodies) > MaxBatchEvents {
		return nil, steward.Errorf(steward.CodeInvalid, "a batch holds 1-%d OpenLineage events, got %d", MaxBatchEvents, len(bodies))
	}
	evs := make([]*OpenLineageEvent, len(bodies))
	for i, b := range bodies {
		ev, err := ParseOpenLineage(b)
		if err != nil {
			var se *steward.Error
			if errors.As(err, &se) {
				return nil, &steward.Error{Code: se.Code, Message: fmt.Sprintf("event %d: %s", i, se.Message), Details: se.Details, Err: se.Err}
			}
			return nil, fmt.Errorf("event %d: %w", i, err)
		}
		evs[i] = ev
	}
	if err := s.allowGraph(ctx, steward.PermLineageWrite); err != nil {
		return nil, err
	}
	return s.ingest(ctx, evs, nil)
}

// ingest writes validated events of the workspace of ctx, which the caller
// authorized, in one transaction. An event whose digest was recorded
// before, or came earlier in evs, is a duplicate and writes nothing. The
// audit event of evs[i] is written with ctxs[i] (its own request's actor),
// or with ctx if ctxs is nil.
func (s *Service) ingest(ctx context.Context, evs []*OpenLineageEvent, ctxs []context.Context) ([]*IngestResult, error) {
	results := make([]*IngestResult, len(evs))
	digests := make([]string, 0, len(evs))
	for i, ev := range evs {
		results[i] = &IngestResult{Digest: ev.Digest, Kind: ev.Kind, Status: "duplicate"}
		digests = append(digests, ev.Digest)
	}
	// Replayed events are answered from a read, without taking the write
	// path at all; the insert inside the transaction settles races.
	seen, err := s.store.OpenLineageSeen(ctx, digests)
	if err != nil {
		return nil, err
	}
	type item struct {
		i  int
		ev *OpenLineageEvent
		p  *olPlan
	}
	var todo []item
	var nodes []*Node
	for i, ev := range evs {
		if seen[ev.Digest] {
			continue
		}
		seen[ev.Digest] = true // a second copy in the batch is a duplicate
		p := ev.plan()
		todo = append(todo, item{i, ev, p})
		nodes = append(nodes, p.nodes...)
	}
	if len(todo) == 0 {
		return results, nil
	}
	// Most of an event's nodes exist already (its job, its input tables):
	// find them on a read connection, so the write transaction, which
	// SQLite runs one at a time, only inserts.
	if err := s.store.FindNodes(ctx, nodes); err != nil {
		return nil, err
	}
	found := make([]int64, len(nodes))
	for i, n := range nodes {
		found[i] = n.ID
	}
	now := s.millis()
	err = s.store.Update(ctx, func(r Repo) error {
		// An earlier attempt of this function may have set ids of nodes it
		// inserted in a transaction that was then rolled back.
		for i, n := range nodes {
			n.ID = found[i]
		}
		stored := make([]*StoredEvent, len(todo))
		for k, t := range todo {
			stored[k] = &StoredEvent{Digest: t.ev.Digest, Kind: t.ev.Kind, EventType: t.ev.EventType,
				EventTime: t.ev.EventTime.UnixMilli(), Job: t.p.job, RunID: t.p.runID, Body: t.ev.Canonical, ReceivedAt: now}
		}
		fresh, err := r.RecordOpenLineage(ctx, stored)
		if err != nil {
			return err
		}
		var write []item
		var wnodes []*Node
		for k, t := range todo {
			results[t.i].Status, results[t.i].EdgesAdded, results[t.i].Nodes = "duplicate", 0, 0
			if fresh[k] {
				write = append(write, t)
				wnodes = append(wnodes, t.p.nodes...)
			}
		}
		if len(write) == 0 {
			return nil
		}
		// Nodes, edges and facets of all events in three sets of
		// statements; edges are counted per event afterwards, as the
		// insert only counts them all.
		if err := r.EnsureNodes(ctx, wnodes); err != nil {
			return err
		}
		var edges []Edge
		var fs []Facet
		for _, t := range write {
			for _, e := range t.p.edges {
				edges = append(edges, Edge{From: e.from.ID, To: e.to.ID, Type: e.typ, CreatedAt: now})
			}
			for _, f := range t.p.facets {
				fs = append(fs, Facet{NodeID: f.node.ID, Name: f.name, Value: f.value, EventTime: t.ev.EventTime.UnixMilli()})
			}
		}
		added, err := r.NewEdges(ctx, edges)
		if err != nil {
			return err
		}
		if err := r.PutFacets(ctx, fs); err != nil {
			return err
		}
		// A new edge counts for the first event that names it, as if the
		// events had come one by one.
		type ek struct {
			from, to int64
			t        EdgeType
		}
		isNew := make(map[ek]bool, len(added))
		for _, e := range added {
			isNew[ek{e.From, e.To, e.Type}] = true
		}
		for _, t := range write {
			res := results[t.i]
			res.Status, res.Nodes = "recorded", len(t.p.nodes)
			for _, e := range t.p.edges {
				if k := (ek{e.from.ID, e.to.ID, e.typ}); isNew[k] {
					res.EdgesAdded++
					delete(isNew, k)
				}
			}
			ev, ectx := t.ev, ctx
			if ctxs != nil {
				ectx = ctxs[t.i]
			}
			if err := s.emit(ectx, r, "lineage.openlineage", "openlineage_event", ev.Digest, nil, olAudit{
				Kind: ev.Kind, EventType: ev.EventType, EventTime: ev.EventTime, Producer: ev.Producer,
				Job: t.p.job, RunID: t.p.runID, Nodes: len(t.p.nodes), EdgesAdded: res.EdgesAdded}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}
