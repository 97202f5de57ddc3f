package lineage

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/steward-registry/steward/internal/steward"
)

// Traversal bounds.
const (
	DefaultDepth = 10
	MaxDepth     = 50
	// DefaultLimit is the nodes a trace returns unless it asks for more (up
	// to MaxTraceNodes). A page of 500 is more than a tree or a drawing can
	// show, and it keeps a trace from a busy node cheap; the answer says
	// when it was cut (truncated).
	DefaultLimit = 500
)

// resolve finds the node a ref names. Steward objects that have no node yet
// (a run or model version not yet in any edge) get one built for the caller
// to create; anything else that is not in the graph is CodeNotFound.
func resolve(ctx context.Context, r Reader, ref Ref) (*Node, error) {
	switch ref.Type {
	case NodeModelVersion:
		var v *VersionRef
		var err error
		if model, num, ok := strings.Cut(ref.Key, "/"); ok {
			n, perr := strconv.ParseInt(strings.TrimPrefix(num, "v"), 10, 64)
			if perr != nil || n <= 0 {
				return nil, steward.Errorf(steward.CodeInvalid, "model_version %q must be MODEL/VERSION (a number) or a version id", ref.Key).WithDetail("field", "node")
			}
			v, err = r.ResolveModelVersion(ctx, model, n)
		} else {
			// By id, the graph answers first: a version deleted from the
			// registry keeps its lineage.
			n, err := r.GetNode(ctx, NodeModelVersion, ref.Key)
			if !steward.IsCode(err, steward.CodeNotFound) {
				return n, err
			}
			v, err = r.ModelVersionByID(ctx, ref.Key)
		}
		if err != nil {
			return nil, err
		}
		return nodeOrNew(ctx, r, versionNode(*v))
	case NodeRun:
		n, err := r.GetNode(ctx, NodeRun, ref.Key)
		if !steward.IsCode(err, steward.CodeNotFound) {
			return n, err
		}
		run, err := r.RunInfo(ctx, ref.Key)
		if err != nil {
			return nil, err
		}
		return runNode(run), nil
	case NodeDatasetVersion:
		n, err := r.GetNode(ctx, NodeDatasetVersion, ref.Key)
		if !steward.IsCode(err, steward.CodeNotFound) {
			return n, err
		}
		if name, v, perr := ParseDatasetRef(ref.Key); perr == nil && v > 0 {
			d, err := r.GetDatasetVersion(ctx, name, v)
			if err != nil {
				return nil, err
			}
			return nodeOrNew(ctx, r, datasetNode(d))
		}
	}
	n, err := r.GetNode(ctx, ref.Type, ref.Key)
	if steward.IsCode(err, steward.CodeNotFound) {
		return nil, steward.Errorf(steward.CodeNotFound, "node %s does not exist in the lineage graph", ref)
	}
	return n, err
}

// nodeOrNew returns the stored node with n's type and key, or n (ID 0) to
// be created.
func nodeOrNew(ctx context.Context, r Reader, n *Node) (*Node, error) {
	have, err := r.GetNode(ctx, n.Type, n.Key)
	if steward.IsCode(err, steward.CodeNotFound) {
		return n, nil
	}
	return have, err
}

// NodeCreate is the input of CreateNode.
type NodeCreate struct {
	Type  NodeType        `json:"type"`
	Key   string          `json:"key"`
	Name  string          `json:"name"`
	Attrs json.RawMessage `json:"attrs"`
}

// CreateNode adds a node for something outside Steward: an external job, a
// code commit, an image, or a dataset that lives elsewhere (keyed by its
// URI). Steward records its own objects' nodes itself. Creating a node that
// exists returns it (created false) and changes nothing.
func (s *Service) CreateNode(ctx context.Context, in NodeCreate) (*Node, bool, error) {
	t, err := ParseNodeType(string(in.Type))
	if err != nil {
		return nil, false, err
	}
	switch t {
	case NodeRun, NodeModelVersion:
		return nil, false, steward.Errorf(steward.CodeInvalid, "%s nodes are recorded by Steward itself; name them in an edge (%s:<id>) and the node is made", t, t).WithDetail("field", "type")
	case NodeDeployment:
		return nil, false, steward.Errorf(steward.CodeInvalid, "record deployments with POST /api/v1/lineage/deployments").WithDetail("field", "type")
	case NodePredictionBatch:
		return nil, false, steward.Errorf(steward.CodeInvalid, "report prediction batches with POST /api/v1/lineage/prediction-batches").WithDetail("field", "type")
	case NodeDatasetVersion:
		if !strings.ContainsAny(in.Key, "/:") {
			return nil, false, steward.Errorf(steward.CodeInvalid, "a dataset_version node for data outside Steward is keyed by its URI (s3://bucket/path, postgres://host/db.table); register datasets with POST /api/v1/datasets/{name}/versions").WithDetail("field", "key")
		}
	}
	if err := ValidateKey(in.Key); err != nil {
		return nil, false, err
	}
	if in.Name == "" {
		in.Name = in.Key
	}
	if err := steward.ValidateValue("name", in.Name, MaxKey); err != nil {
		return nil, false, err
	}
	attrs, err := checkAttrs(in.Attrs)
	if err != nil {
		return nil, false, err
	}
	if err := s.allowGraph(ctx, steward.PermLineageWrite); err != nil {
		return nil, false, err
	}
	n := &Node{Type: t, Key: in.Key, Name: in.Name, Attrs: attrs}
	created := false
	err = s.store.Update(ctx, func(r Repo) error {
		have, err := r.GetNode(ctx, t, in.Key)
		if err == nil {
			n, created = have, false
			return nil
		}
		if !steward.IsCode(err, steward.CodeNotFound) {
			return err
		}
		n.ID = 0
		if err := r.EnsureNodes(ctx, []*Node{n}); err != nil {
			return err
		}
		created = true
		return s.emit(ctx, r, "lineage.node.create", "lineage_node", n.Ref(), nil, n)
	})
	if err != nil {
		return nil, false, err
	}
	return n, created, nil
}

func checkAttrs(raw json.RawMessage) (json.RawMessage, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return json.RawMessage("{}"), nil
	}
	if len(raw) > MaxAttrs {
		return nil, steward.Errorf(steward.CodeTooLarge, "attrs is %d bytes; the limit is %d", len(raw), MaxAttrs)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, steward.Errorf(steward.CodeInvalid, "attrs must be a JSON object").WithDetail("field", "attrs")
	}
	return mustJSON(m), nil
}

// EdgeCreate is one edge to add, between nodes named by ref.
type EdgeCreate struct {
	From  string   `json:"from"`
	To    string   `json:"to"`
	Type  EdgeType `json:"type"`
	Label string   `json:"label"`
}

// AddEdges adds edges between existing nodes (Steward's own objects get
// their node when first named). All edges are checked before anything is
// written: an unknown type, a disallowed pair of node types or a node that
// does not exist refuses the whole call. Edges that exist are left as they
// are; edges are never changed or removed.
func (s *Service) AddEdges(ctx context.Context, in []EdgeCreate) (int, error) {
	if len(in) == 0 {
		return 0, steward.Errorf(steward.CodeInvalid, "send at least one edge").WithDetail("field", "edges")
	}
	if len(in) > MaxEdges {
		return 0, steward.Errorf(steward.CodeTooLarge, "at most %d edges per call, got %d", MaxEdges, len(in))
	}
	type parsed struct {
		from, to Ref
		typ      EdgeType
		label    string
	}
	ps := make([]parsed, len(in))
	for i, e := range in {
		var err error
		if ps[i].typ, err = ParseEdgeType(string(e.Type)); err != nil {
			return 0, err
		}
		if ps[i].from, err = ParseRef(e.From); err != nil {
			return 0, err
		}
		if ps[i].to, err = ParseRef(e.To); err != nil {
			return 0, err
		}
		if err := CheckEdge(ps[i].typ, ps[i].from.Type, ps[i].to.Type); err != nil {
			return 0, err
		}
		if err := steward.ValidateValue("label", e.Label, MaxLabel); err != nil {
			return 0, err
		}
		ps[i].label = e.Label
	}
	if err := s.allowGraph(ctx, steward.PermLineageWrite); err != nil {
		return 0, err
	}
	added := 0
	err := s.store.Update(ctx, func(r Repo) error {
		nodes := map[Ref]*Node{}
		var create []*Node
		get := func(ref Ref) (*Node, error) {
			if n, ok := nodes[ref]; ok {
				return n, nil
			}
			n, err := resolve(ctx, r, ref)
			if err != nil {
				return nil, err
			}
			nodes[ref] = n
			if n.ID == 0 {
				create = append(create, n)
			}
			return n, nil
		}
		type pair struct{ from, to *Node }
		pairs := make([]pair, len(ps))
		for i, p := range ps {
			from, err := get(p.from)
			if err != nil {
				return err
			}
			to, err := get(p.to)
			if err != nil {
				return err
			}
			if from.Type == to.Type && from.Key == to.Key {
				return steward.Errorf(steward.CodeInvalid, "an edge cannot join %s to itself", p.from).WithDetail("field", "to")
			}
			pairs[i] = pair{from, to}
		}
		if err := r.EnsureNodes(ctx, create); err != nil {
			return err
		}
		now := s.millis()
		edges := make([]Edge, len(ps))
		refs := make([]map[string]string, len(ps))
		for i, p := range ps {
			edges[i] = Edge{From: pairs[i].from.ID, To: pairs[i].to.ID, Type: p.typ, Label: p.label, CreatedAt: now}
			refs[i] = map[string]string{"from": pairs[i].from.Ref(), "to": pairs[i].to.Ref(), "type": string(p.typ)}
		}
		var err error
		if added, err = r.AddEdges(ctx, edges); err != nil {
			return err
		}
		if added == 0 {
			return nil // all present already: nothing changed, no event
		}
		return s.emit(ctx, r, "lineage.edges.add", "lineage", "edges", nil, map[string]any{"edges": refs, "added": added})
	})
	return added, err
}

// NodeDetail is a node with its facets.
type NodeDetail struct {
	Node   *Node                      `json:"node"`
	Facets map[string]json.RawMessage `json:"facets"`
}

// GetNode returns a node by ref, with its OpenLineage facets.
func (s *Service) GetNode(ctx context.Context, ref string) (*NodeDetail, error) {
	rf, err := ParseRef(ref)
	if err != nil {
		return nil, err
	}
	if err := s.allowGraph(ctx, steward.PermLineageRead); err != nil {
		return nil, err
	}
	n, err := resolve(ctx, s.store, rf)
	if err != nil {
		return nil, err
	}
	if n.ID == 0 {
		return nil, steward.Errorf(steward.CodeNotFound, "%s has no lineage recorded yet", rf)
	}
	fs, err := s.store.Facets(ctx, n.ID)
	if err != nil {
		return nil, err
	}
	return &NodeDetail{Node: n, Facets: fs}, nil
}

// ListNodes lists nodes in (type, key) order.
func (s *Service) ListNodes(ctx context.Context, f NodeFilter, page steward.PageRequest) ([]*Node, string, error) {
	if f.Type != "" {
		if _, err := ParseNodeType(string(f.Type)); err != nil {
			return nil, "", err
		}
	}
	if err := s.allowGraph(ctx, steward.PermLineageRead); err != nil {
		return nil, "", err
	}
	return s.store.ListNodes(ctx, f, page)
}

// TraceRequest asks for the nodes upstream or downstream of one node.
type TraceRequest struct {
	Node      string
	Direction Direction
	Depth     int        // 1..MaxDepth; 0 means DefaultDepth
	NodeTypes []NodeType // only these in the answer (the walk still passes through others)
	EdgeTypes []EdgeType // follow only these
	Limit     int        // nodes at most; 0 means DefaultLimit
}

// TraceNode is a node of a trace and its distance from the start.
type TraceNode struct {
	Node  *Node `json:"node"`
	Depth int   `json:"depth"`
}

// TraceEdge is an edge of a trace. With a node type filter, an edge may
// stand for a path through nodes left out: Hops says how many edges.
type TraceEdge struct {
	From int64    `json:"from"`
	To   int64    `json:"to"`
	Type EdgeType `json:"type"`
	Hops int      `json:"hops,omitempty"`
}

// TraceResult is a traced subgraph: nodes nearest first, and the edges the
// walk followed (pointing downstream, whichever the direction).
type TraceResult struct {
	Root      *Node       `json:"root"`
	Direction Direction   `json:"direction"`
	Depth     int         `json:"depth"`
	Nodes     []TraceNode `json:"nodes"`
	Edges     []TraceEdge `json:"edges"`
	// Truncated means the walk found more than Limit nodes; ask for fewer
	// levels, or filter.
	Truncated bool `json:"truncated"`
}

func (q *TraceRequest) normalize() error {
	if q.Depth == 0 {
		q.Depth = DefaultDepth
	}
	if q.Depth < 1 || q.Depth > MaxDepth {
		return steward.Errorf(steward.CodeInvalid, "depth must be 1-%d, got %d", MaxDepth, q.Depth).WithDetail("field", "depth")
	}
	if q.Limit == 0 {
		q.Limit = DefaultLimit
	}
	if q.Limit < 1 || q.Limit > MaxTraceNodes {
		return steward.Errorf(steward.CodeInvalid, "limit must be 1-%d, got %d", MaxTraceNodes, q.Limit).WithDetail("field", "limit")
	}
	var err error
	if q.Direction, err = ParseDirection(string(q.Direction)); err != nil {
		return err
	}
	for _, t := range q.NodeTypes {
		if _, err := ParseNodeType(string(t)); err != nil {
			return err
		}
	}
	for _, t := range q.EdgeTypes {
		if _, err := ParseEdgeType(string(t)); err != nil {
			return err
		}
	}
	return nil
}

// Trace walks from a node, upstream (what it came from) or downstream (what
// came from it), breadth first, to a depth. It ends on cycles: a node is
// reported once, at its smallest depth, and no path is followed past the
// depth bound.
func (s *Service) Trace(ctx context.Context, q TraceRequest) (*TraceResult, error) {
	ref, err := ParseRef(q.Node)
	if err != nil {
		return nil, err
	}
	if err := q.normalize(); err != nil {
		return nil, err
	}
	if err := s.allowGraph(ctx, steward.PermLineageRead); err != nil {
		return nil, err
	}
	root, err := resolve(ctx, s.store, ref)
	if err != nil {
		return nil, err
	}
	res := &TraceResult{Root: root, Direction: q.Direction, Depth: q.Depth, Nodes: []TraceNode{}, Edges: []TraceEdge{}}
	if root.ID == 0 {
		return res, nil // a Steward object no edge names yet
	}
	w, err := s.store.Walk(ctx, WalkQuery{Start: root.ID, Direction: q.Direction, Depth: q.Depth, EdgeTypes: q.EdgeTypes, Limit: q.Limit})
	if err != nil {
		return nil, err
	}
	return assemble(res, w, q), nil
}

// assemble turns a walk into a trace. Without a node type filter that is
// the walk's nodes and edges. With one, the kept nodes are joined by one
// edge to their nearest kept ancestor on a shortest path from the root,
// with the type of the edge that reached them and the number of hops.
func assemble(res *TraceResult, w *WalkResult, q TraceRequest) *TraceResult {
	res.Truncated = w.Truncated
	keep := func(n *Node) bool { return len(q.NodeTypes) == 0 || slices.Contains(q.NodeTypes, n.Type) }
	rootID := res.Root.ID
	depth := map[int64]int{}
	nodes := map[int64]*Node{}
	for _, r := range w.Nodes {
		depth[r.Node.ID] = r.Depth
		nodes[r.Node.ID] = r.Node
		if r.Node.ID == rootID || keep(r.Node) {
			res.Nodes = append(res.Nodes, TraceNode{Node: r.Node, Depth: r.Depth})
		}
	}
	if len(q.NodeTypes) == 0 {
		for _, e := range w.Edges {
			res.Edges = append(res.Edges, TraceEdge{From: e.From, To: e.To, Type: e.Type})
		}
		return res
	}
	// parent is a node one level nearer the root joined to id, and the
	// type of that edge: the shortest-path tree of the walk.
	type link struct {
		parent int64
		t      EdgeType
	}
	parent := map[int64]link{}
	for _, e := range w.Edges {
		near, far := e.From, e.To
		if q.Direction == Upstream {
			near, far = e.To, e.From
		}
		if _, ok := parent[far]; !ok && depth[near] == depth[far]-1 {
			parent[far] = link{near, e.Type}
		}
	}
	for _, tn := range res.Nodes {
		id := tn.Node.ID
		if id == rootID {
			continue
		}
		l, ok := parent[id]
		if !ok {
			continue
		}
		hops, at := 1, l.parent
		for at != rootID && !keep(nodes[at]) {
			p, ok := parent[at]
			if !ok {
				break
			}
			hops++
			at = p.parent
		}
		from, to := at, id
		if q.Direction == Upstream {
			from, to = to, from
		}
		e := TraceEdge{From: from, To: to, Type: l.t}
		if hops > 1 {
			e.Hops = hops
		}
		res.Edges = append(res.Edges, e)
	}
	return res
}

// ImpactRequest asks which deployments use data derived from a dataset.
type ImpactRequest struct {
	// Dataset is a dataset name (every version of it: registered
	// versions, MLflow-logged ones, OpenLineage ones by namespace/name), or
	// one node ref "dataset_version:KEY".
	Dataset string
	// Environment keeps deployments of this environment ("production" when
	// empty; "any" keeps all).
	Environment string
}

// ImpactDeployment is a deployment reached from the dataset.
type ImpactDeployment struct {
	Node        *Node  `json:"node"`
	Environment string `json:"environment"`
	// Via are the model versions, derived from the dataset, that were
	// deployed to it; Current says whether one of them is what it serves now.
	Via     []*Node `json:"via"`
	Current bool    `json:"current"`
}

// ImpactResult lists the deployments downstream of a dataset and how much
// else is.
type ImpactResult struct {
	Dataset     string             `json:"dataset"`
	Versions    []*Node            `json:"versions"`
	Environment string             `json:"environment"`
	Deployments []ImpactDeployment `json:"deployments"`
	// Downstream counts every node reached, by type (prediction batches are
	// not followed: they are leaves of deployments).
	Downstream map[NodeType]int `json:"downstream"`
}

// DeploymentAttrs are a deployment node's attributes.
type DeploymentAttrs struct {
	Environment string `json:"environment"`
	Endpoint    string `json:"endpoint,omitempty"`
	Model       string `json:"model"`
	Version     int64  `json:"version"`
	// CurrentNode is the node id of the model version it serves now.
	CurrentNode int64 `json:"current_node"`
	UpdatedAt   int64 `json:"updated_at"`
}

// Impact answers "which deployments use data derived from dataset X": every
// deployment downstream of any version of X, at any depth, with the model
// versions through which it was reached. The walk visits each node once, so
// it ends on cycles.
func (s *Service) Impact(ctx context.Context, q ImpactRequest) (*ImpactResult, error) {
	if q.Dataset == "" {
		return nil, steward.Errorf(steward.CodeInvalid, "dataset is required: a dataset name, or dataset_version:KEY").WithDetail("field", "dataset")
	}
	if q.Environment == "" {
		q.Environment = "production"
	}
	if err := s.allowGraph(ctx, steward.PermLineageRead); err != nil {
		return nil, err
	}
	var starts []*Node
	if ref, err := ParseRef(q.Dataset); err == nil && strings.HasPrefix(q.Dataset, string(NodeDatasetVersion)+":") {
		n, err := resolve(ctx, s.store, ref)
		if err != nil {
			return nil, err
		}
		if n.ID != 0 {
			starts = []*Node{n}
		}
	} else {
		ns, err := s.store.NodesByName(ctx, NodeDatasetVersion, q.Dataset)
		if err != nil {
			return nil, err
		}
		starts = ns
	}
	if len(starts) == 0 {
		return nil, steward.Errorf(steward.CodeNotFound, "no dataset version named %q is in the lineage graph", q.Dataset)
	}
	ids := make([]int64, len(starts))
	for i, n := range starts {
		ids[i] = n.ID
	}
	reached, err := s.store.Reach(ctx, ids, []EdgeType{EdgePredictedBy})
	if err != nil {
		return nil, err
	}
	res := &ImpactResult{Dataset: q.Dataset, Versions: starts, Environment: q.Environment, Deployments: []ImpactDeployment{}, Downstream: map[NodeType]int{}}
	in := map[int64]bool{}
	var deps []int64
	for _, n := range reached {
		in[n.ID] = true
		if !slices.Contains(ids, n.ID) {
			res.Downstream[n.Type]++
		}
		if n.Type == NodeDeployment {
			deps = append(deps, n.ID)
		}
	}
	if len(deps) == 0 {
		return res, nil
	}
	edges, err := s.store.EdgesInto(ctx, EdgeDeployedAs, deps)
	if err != nil {
		return nil, err
	}
	via := map[int64][]int64{}
	want := slices.Clone(deps)
	for _, e := range edges {
		if in[e.From] {
			via[e.To] = append(via[e.To], e.From)
			want = append(want, e.From)
		}
	}
	nodes, err := s.store.NodesByID(ctx, want)
	if err != nil {
		return nil, err
	}
	byID := map[int64]*Node{}
	for _, n := range nodes {
		byID[n.ID] = n
	}
	for _, id := range deps {
		d := byID[id]
		if d == nil {
			continue
		}
		var a DeploymentAttrs
		_ = json.Unmarshal(d.Attrs, &a)
		if q.Environment != "any" && a.Environment != q.Environment {
			continue
		}
		item := ImpactDeployment{Node: d, Environment: a.Environment, Via: []*Node{}}
		for _, v := range via[id] {
			if n := byID[v]; n != nil {
				item.Via = append(item.Via, n)
				item.Current = item.Current || v == a.CurrentNode
			}
		}
		res.Deployments = append(res.Deployments, item)
	}
	slices.SortFunc(res.Deployments, func(a, b ImpactDeployment) int { return strings.Compare(a.Node.Key, b.Node.Key) })
	return res, nil
}
