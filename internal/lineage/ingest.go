package lineage

import (
	"context"
	"encoding/json"
	"strings"

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
	var v struct {
		DatasetVersion string `json:"datasetVersion"`
	}
	if raw, ok := d.Facets["version"]; ok && json.Unmarshal(raw, &v) == nil && v.DatasetVersion != "" {
		k += "@" + v.DatasetVersion
	}
	n := p.node(&Node{Type: NodeDatasetVersion, Key: k, Name: name, Attrs: mustJSON(map[string]any{"namespace": *d.Namespace, "name": *d.Name, "source": "openlineage"})})
	p.addFacets(n, d.Facets)
	p.addFacets(n, d.InputFacets)
	p.addFacets(n, d.OutputFacets)
	return n
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
	res := &IngestResult{Digest: ev.Digest, Kind: ev.Kind}
	// A replayed event is answered from a read, without taking the write
	// path at all; the check inside the transaction settles races.
	if seen, err := s.store.OpenLineageSeen(ctx, ev.Digest); err != nil {
		return nil, err
	} else if seen {
		res.Status = "duplicate"
		return res, nil
	}
	p := ev.plan()
	// Most of an event's nodes exist already (its job, its input tables):
	// find them on a read connection, so the write transaction, which
	// SQLite runs one at a time, only inserts.
	if err := s.store.FindNodes(ctx, p.nodes); err != nil {
		return nil, err
	}
	found := make([]int64, len(p.nodes))
	for i, n := range p.nodes {
		found[i] = n.ID
	}
	now := s.millis()
	err = s.store.Update(ctx, func(r Repo) error {
		res.Status, res.EdgesAdded = "recorded", 0
		// An earlier attempt of this function may have set ids of nodes it
		// inserted in a transaction that was then rolled back.
		for i, n := range p.nodes {
			n.ID = found[i]
		}
		fresh, err := r.RecordOpenLineage(ctx, &StoredEvent{Digest: ev.Digest, Kind: ev.Kind, EventType: ev.EventType,
			EventTime: ev.EventTime.UnixMilli(), Job: p.job, RunID: p.runID, Body: ev.Canonical, ReceivedAt: now})
		if err != nil {
			return err
		}
		if !fresh {
			res.Status = "duplicate"
			return nil
		}
		if err := r.EnsureNodes(ctx, p.nodes); err != nil {
			return err
		}
		edges := make([]Edge, 0, len(p.edges))
		for _, e := range p.edges {
			edges = append(edges, Edge{From: e.from.ID, To: e.to.ID, Type: e.typ, CreatedAt: now})
		}
		if res.EdgesAdded, err = r.AddEdges(ctx, edges); err != nil {
			return err
		}
		fs := make([]Facet, 0, len(p.facets))
		for _, f := range p.facets {
			fs = append(fs, Facet{NodeID: f.node.ID, Name: f.name, Value: f.value, EventTime: ev.EventTime.UnixMilli()})
		}
		if err := r.PutFacets(ctx, fs); err != nil {
			return err
		}
		return s.emit(ctx, r, "lineage.openlineage", "openlineage_event", ev.Digest, nil, map[string]any{
			"kind": ev.Kind, "event_type": ev.EventType, "event_time": ev.EventTime, "producer": ev.Producer,
			"job": p.job, "run_id": p.runID, "nodes": len(p.nodes), "edges_added": res.EdgesAdded})
	})
	if err != nil {
		return nil, err
	}
	res.Nodes = len(p.nodes)
	return res, nil
}
