package lineage

import (
	"context"
	"encoding/json"

	"github.com/steward-registry/steward/internal/events"
	"github.com/steward-registry/steward/internal/steward"
)

// Writer records nodes and edges. Other domains' transactions implement it
// too, so the edges Steward knows by itself (a run's inputs, a version's
// source run) commit with the change that made them true.
type Writer interface {
	// EnsureNodes creates the nodes that do not exist yet, by (type, key) in
	// the workspace of ctx, and sets ID and CreatedAt of every node given.
	// Nodes that exist are left as they are; a node whose ID is set is
	// taken as stored (nodes are never deleted, so an id once read stays
	// valid).
	EnsureNodes(ctx context.Context, nodes []*Node) error
	// AddEdges inserts the edges that do not exist yet (same from, to and
	// type) and returns how many were new.
	AddEdges(ctx context.Context, edges []Edge) (int, error)
}

// TxReader is the reading a recording transaction needs.
type TxReader interface {
	// DatasetVersionsByDigest returns the registered dataset versions of
	// the workspace whose digest is one of digests, newest first.
	DatasetVersionsByDigest(ctx context.Context, digests []string) ([]*DatasetVersion, error)
	// InputEdges returns the consumed edges into a node from dataset
	// version nodes (a run's data inputs, with their context labels).
	InputEdges(ctx context.Context, nodeID int64) ([]Edge, error)
	// ModelVersionsOfRun returns the model versions whose source run is runID.
	ModelVersionsOfRun(ctx context.Context, runID string) ([]VersionRef, error)
	// RunInfo returns a run's name, times and tags (CodeNotFound if none).
	RunInfo(ctx context.Context, runID string) (*RunInfo, error)
}

// Recorder is what the registry and tracking transactions offer the
// recording rules of this package (RecordRunInputs, RecordVersionSource).
type Recorder interface {
	Writer
	TxReader
}

// VersionRef identifies a model version.
type VersionRef struct {
	ID      string `json:"id"`
	Model   string `json:"model"`
	Version int64  `json:"version"`
	RunID   string `json:"run_id,omitempty"`
}

// NodeFilter selects nodes to list.
type NodeFilter struct {
	Type NodeType
	Name string // exact group name
	// KeyPrefix matches keys starting with it.
	KeyPrefix string
}

// WalkQuery is a bounded traversal.
type WalkQuery struct {
	Start     int64
	Direction Direction
	Depth     int        // 1..MaxDepth
	EdgeTypes []EdgeType // only these (all when empty)
	Limit     int        // at most this many nodes (nearest first)
}

// Reached is a node a walk reached, at its least depth.
type Reached struct {
	Node  *Node
	Depth int
}

// WalkResult is what a walk found: nodes nearest first (the start at depth
// 0), and every edge of the followed types between two of them.
type WalkResult struct {
	Nodes []Reached
	Edges []Edge
	// Truncated means more than Limit nodes were within reach.
	Truncated bool
}

// Reader is the read side of lineage storage, scoped to the workspace in
// ctx. Missing objects are CodeNotFound.
type Reader interface {
	TxReader
	GetNode(ctx context.Context, t NodeType, key string) (*Node, error)
	// FindNodes sets ID and CreatedAt of those given nodes that exist.
	FindNodes(ctx context.Context, nodes []*Node) error
	NodesByID(ctx context.Context, ids []int64) ([]*Node, error)
	ListNodes(ctx context.Context, f NodeFilter, page steward.PageRequest) ([]*Node, string, error)
	Facets(ctx context.Context, nodeID int64) (map[string]json.RawMessage, error)
	// Walk follows edges from q.Start up to q.Depth levels and returns the
	// nodes reached at their least depth, nearest first, at most q.Limit of
	// them, with the edges between them. A node met again (a cycle, or
	// another path) is not walked again at the same depth, and no path
	// goes past q.Depth, so a walk always ends.
	Walk(ctx context.Context, q WalkQuery) (*WalkResult, error)
	// Reach returns every node downstream of starts (the starts included),
	// following every edge type except skip. Each node is visited once, so
	// it ends on cycles without a depth bound.
	Reach(ctx context.Context, starts []int64, skip []EdgeType) ([]ReachedNode, error)
	// EdgesInto returns edges of type t into the given nodes.
	EdgesInto(ctx context.Context, t EdgeType, to []int64) ([]Edge, error)
	NodesByName(ctx context.Context, t NodeType, name string) ([]*Node, error)

	GetDatasetVersion(ctx context.Context, name string, version int64) (*DatasetVersion, error)
	LatestDatasetVersion(ctx context.Context, name string) (*DatasetVersion, error)
	ListDatasets(ctx context.Context, prefix string, page steward.PageRequest) ([]*DatasetSummary, string, error)
	ListDatasetVersions(ctx context.Context, name string, page steward.PageRequest) ([]*DatasetVersion, string, error)
	DatasetFiles(ctx context.Context, versionID string) ([]File, error)

	GetRunEnvironment(ctx context.Context, runID string) (*Environment, error)
	// ResolveModelVersion finds a model version by model name and number.
	ResolveModelVersion(ctx context.Context, model string, version int64) (*VersionRef, error)
	// ModelVersionByID finds a model version by id.
	ModelVersionByID(ctx context.Context, id string) (*VersionRef, error)
	// OpenLineageSeen returns which of the event digests were recorded.
	OpenLineageSeen(ctx context.Context, digests []string) (map[string]bool, error)
}

// ReachedNode is a node found by Reach.
type ReachedNode struct {
	ID   int64
	Type NodeType
}

// RunInfo is what lineage needs to know of a run.
type RunInfo struct {
	ID        string
	Name      string
	StartTime int64
	EndTime   *int64
	Tags      map[string]string
}

// Repo is lineage storage inside a write transaction.
type Repo interface {
	Reader
	Writer
	events.Appender
	// NextDatasetVersion returns the next version number of a dataset name.
	NextDatasetVersion(ctx context.Context, name string) (int64, error)
	CreateDatasetVersion(ctx context.Context, d *DatasetVersion, files []File) error
	PutRunEnvironment(ctx context.Context, runID string, env *Environment, now int64) error
	SetNodeAttrs(ctx context.Context, id int64, attrs json.RawMessage) error
	// PutFacets upserts facets of nodes; a stored facet is replaced only by
	// one at least as recent (eventTime).
	PutFacets(ctx context.Context, facets []Facet) error
	// RecordOpenLineage stores events by digest and reports, per event,
	// whether it was new (false: that digest was recorded already).
	RecordOpenLineage(ctx context.Context, evs []*StoredEvent) ([]bool, error)
	// NewEdges inserts the edges that do not exist yet, as AddEdges, and
	// returns those it inserted.
	NewEdges(ctx context.Context, edges []Edge) ([]Edge, error)
}

// Facet is one OpenLineage facet of a node.
type Facet struct {
	NodeID    int64
	Name      string
	Value     json.RawMessage
	EventTime int64
}

// StoredEvent is an OpenLineage event as recorded.
type StoredEvent struct {
	Digest     string
	Kind       string
	EventType  string
	EventTime  int64
	Job        string
	RunID      string
	Body       []byte
	ReceivedAt int64
}

// Store runs lineage reads and write transactions.
type Store interface {
	Reader
	// Update runs fn in one transaction; if fn returns an error nothing it
	// wrote is kept.
	Update(ctx context.Context, fn func(Repo) error) error
}
