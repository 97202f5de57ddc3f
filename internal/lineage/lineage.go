// Package lineage is Steward's provenance domain: registered dataset
// versions, the environment a run ran in, and one typed graph joining
// everything Steward stores (datasets, runs, model versions, deployments,
// prediction batches) with what other tools report through OpenLineage
// (external jobs and their datasets). Types, rules and the service; no SQL,
// no HTTP.
//
// Edges point downstream: from the thing that came first to the thing made
// from it or with it. Upstream of a prediction batch is everything behind it
// (deployment, model version, run, data, code, image); downstream of a
// dataset is everything it affected.
package lineage

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/steward-registry/steward/internal/steward"
)

// NodeType is the kind of thing a node stands for.
type NodeType string

const (
	NodeDatasetVersion  NodeType = "dataset_version"  // a registered dataset version, an MLflow-logged dataset, or an OpenLineage dataset
	NodeRun             NodeType = "run"              // a Steward run, or an OpenLineage run
	NodeModelVersion    NodeType = "model_version"    // a registered model version
	NodeDeployment      NodeType = "deployment"       // a serving deployment (environment, endpoint, versions)
	NodeExternalJob     NodeType = "external_job"     // a job another tool runs (Airflow task, Spark app, dbt model)
	NodePredictionBatch NodeType = "prediction_batch" // predictions a deployment served, as its serving system reported them
	NodeCodeCommit      NodeType = "code_commit"      // a commit of a source repository
	NodeImage           NodeType = "image"            // a container image, by digest
)

// NodeTypes lists every node type, in documentation order.
var NodeTypes = []NodeType{NodeDatasetVersion, NodeRun, NodeModelVersion, NodeDeployment, NodeExternalJob,
	NodePredictionBatch, NodeCodeCommit, NodeImage}

// ParseNodeType validates a node type name.
func ParseNodeType(s string) (NodeType, error) {
	if slices.Contains(NodeTypes, NodeType(s)) {
		return NodeType(s), nil
	}
	return "", steward.Errorf(steward.CodeInvalid, "node type %q is not one of %s", s, joinTypes(NodeTypes)).WithDetail("field", "type")
}

// EdgeType says how the downstream end of an edge came from its upstream end.
type EdgeType string

const (
	EdgeConsumed    EdgeType = "consumed"     // dst (a run, job, batch or deployment) read src
	EdgeProduced    EdgeType = "produced"     // src (a run or job) wrote dst
	EdgeTrainedOn   EdgeType = "trained_on"   // dst (a model version) was trained on src
	EdgeEvaluatedOn EdgeType = "evaluated_on" // dst (a model version) was evaluated on src
	EdgeDerivedFrom EdgeType = "derived_from" // dst was derived from src (same kind of thing)
	EdgeDeployedAs  EdgeType = "deployed_as"  // src (a model version) is served by dst (a deployment)
	EdgePredictedBy EdgeType = "predicted_by" // dst (a prediction batch) was predicted by src
)

// EdgeTypes lists every edge type, in documentation order.
var EdgeTypes = []EdgeType{EdgeConsumed, EdgeProduced, EdgeTrainedOn, EdgeEvaluatedOn, EdgeDerivedFrom, EdgeDeployedAs, EdgePredictedBy}

// ParseEdgeType validates an edge type name.
func ParseEdgeType(s string) (EdgeType, error) {
	if slices.Contains(EdgeTypes, EdgeType(s)) {
		return EdgeType(s), nil
	}
	return "", steward.Errorf(steward.CodeInvalid, "edge type %q is not one of %s", s, joinTypes(EdgeTypes)).WithDetail("field", "type")
}

// EdgeRule lists the node types an edge type may join.
type EdgeRule struct {
	Type EdgeType
	From []NodeType
	To   []NodeType
}

// EdgeRules is the typing of the graph: an edge is allowed when its source
// type is in From and its destination type in To (for derived_from, both
// ends must also be of the same type). docs/lineage.md shows this table.
var EdgeRules = []EdgeRule{
	{EdgeConsumed, []NodeType{NodeDatasetVersion, NodeModelVersion, NodeCodeCommit, NodeImage}, []NodeType{NodeRun, NodeExternalJob, NodePredictionBatch, NodeDeployment}},
	{EdgeProduced, []NodeType{NodeRun, NodeExternalJob}, []NodeType{NodeDatasetVersion, NodeModelVersion, NodeImage, NodeRun}},
	{EdgeTrainedOn, []NodeType{NodeDatasetVersion}, []NodeType{NodeModelVersion}},
	{EdgeEvaluatedOn, []NodeType{NodeDatasetVersion}, []NodeType{NodeModelVersion}},
	{EdgeDerivedFrom, []NodeType{NodeDatasetVersion, NodeModelVersion, NodeCodeCommit, NodeImage}, []NodeType{NodeDatasetVersion, NodeModelVersion, NodeCodeCommit, NodeImage}},
	{EdgeDeployedAs, []NodeType{NodeModelVersion}, []NodeType{NodeDeployment}},
	{EdgePredictedBy, []NodeType{NodeDeployment, NodeModelVersion}, []NodeType{NodePredictionBatch}},
}

// CheckEdge reports whether an edge of type t may join a node of type from
// to one of type to, with a message that says what would be allowed.
func CheckEdge(t EdgeType, from, to NodeType) error {
	for _, r := range EdgeRules {
		if r.Type != t {
			continue
		}
		if !slices.Contains(r.From, from) || !slices.Contains(r.To, to) || (t == EdgeDerivedFrom && from != to) {
			what := fmt.Sprintf("from %s to %s", joinTypes(r.From), joinTypes(r.To))
			if t == EdgeDerivedFrom {
				what = "between two nodes of the same type (" + joinTypes(r.From) + ")"
			}
			return steward.Errorf(steward.CodeInvalid, "a %s edge cannot go from a %s to a %s; it goes %s", t, from, to, what).WithDetail("field", "type")
		}
		return nil
	}
	_, err := ParseEdgeType(string(t))
	return err
}

func joinTypes[T ~string](ts []T) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

// Node is a vertex of the graph. (Workspace, Type, Key) identifies it; ID is
// the database's number for it.
type Node struct {
	ID   int64    `json:"id"`
	Type NodeType `json:"type"`
	Key  string   `json:"key"`
	// Name groups the versions of one thing: a dataset's name, a model's
	// name, an OpenLineage job's or dataset's namespace/name.
	Name string `json:"name"`
	// ObjectID is the Steward object the node stands for (a run id, a model
	// version id, a dataset version id), empty for things outside Steward.
	ObjectID  string          `json:"object_id,omitempty"`
	Attrs     json.RawMessage `json:"attrs,omitempty"`
	CreatedAt int64           `json:"created_at"`
}

// Ref is the node's address in the API: "type:key".
func (n *Node) Ref() string { return string(n.Type) + ":" + n.Key }

// Label is a short human name for the node: "fraud v3" for a model
// version, "name (id)" for a named run, an image's reference, the key
// otherwise.
func (n *Node) Label() string {
	if n.Type == NodeModelVersion {
		var a struct {
			Model   string `json:"model"`
			Version int64  `json:"version"`
		}
		if json.Unmarshal(n.Attrs, &a) == nil && a.Model != "" {
			return a.Model + " v" + strconv.FormatInt(a.Version, 10)
		}
	}
	if n.Type == NodeRun && n.Name != "" && n.Name != n.Key {
		return n.Name + " (" + n.Key + ")"
	}
	if n.Type == NodeImage && n.Name != "" {
		var a struct {
			Reference string `json:"reference"`
		}
		if json.Unmarshal(n.Attrs, &a) == nil && a.Reference != "" {
			return a.Reference
		}
	}
	return n.Key
}

// MarshalJSON adds the derived ref and label, which clients show and send
// back, to the stored fields.
func (n *Node) MarshalJSON() ([]byte, error) {
	type plain Node
	return json.Marshal(struct {
		*plain
		Ref   string `json:"ref"`
		Label string `json:"label"`
	}{(*plain)(n), n.Ref(), n.Label()})
}

// Edge joins two nodes. Edges are append-only: recording one that exists
// changes nothing, and none is ever updated or deleted.
type Edge struct {
	From int64    `json:"from"`
	To   int64    `json:"to"`
	Type EdgeType `json:"type"`
	// Label qualifies the edge, e.g. the MLflow input context ("training").
	Label     string `json:"label,omitempty"`
	CreatedAt int64  `json:"created_at"`
}

// Ref names a node by type and key, as the API takes it: "run:4f1c…",
// "dataset_version:transactions@3", "model_version:fraud/3".
type Ref struct {
	Type NodeType
	Key  string
}

func (r Ref) String() string { return string(r.Type) + ":" + r.Key }

// Limits on what clients send.
const (
	MaxKey        = 2048     // node key bytes
	MaxAttrs      = 64 << 10 // node attributes, JSON bytes
	MaxEdges      = 1000     // edges per AddEdges call
	MaxLabel      = 256      // edge label bytes
	MaxTraceNodes = 10000    // nodes a trace returns at most
)

// ParseRef reads "type:key".
func ParseRef(s string) (Ref, error) {
	t, k, ok := strings.Cut(s, ":")
	if !ok {
		return Ref{}, steward.Errorf(steward.CodeInvalid, "node %q must look like type:key, e.g. dataset_version:transactions@3 or run:4f1c2a9e", s).WithDetail("field", "node")
	}
	nt, err := ParseNodeType(t)
	if err != nil {
		return Ref{}, err
	}
	if err := ValidateKey(k); err != nil {
		return Ref{}, err
	}
	return Ref{nt, k}, nil
}

// ValidateKey checks a node key: 1-2048 bytes of UTF-8 with no control
// characters.
func ValidateKey(k string) error {
	if k == "" || len(k) > MaxKey {
		return steward.Errorf(steward.CodeInvalid, "node key must be 1-%d bytes, got %d", MaxKey, len(k)).WithDetail("field", "key")
	}
	if !utf8.ValidString(k) {
		return steward.Errorf(steward.CodeInvalid, "node key is not valid UTF-8").WithDetail("field", "key")
	}
	if r, ok := controlChar(k); ok {
		return steward.Errorf(steward.CodeInvalid, "node key contains a control character (%U)", r).WithDetail("field", "key")
	}
	return nil
}

// controlChar returns the first control character in s, if any.
func controlChar(s string) (rune, bool) {
	for _, r := range s {
		if unicode.IsControl(r) {
			return r, true
		}
	}
	return 0, false
}

// Direction of a trace.
type Direction string

const (
	Upstream   Direction = "upstream"
	Downstream Direction = "downstream"
)

// ParseDirection validates a direction; empty means upstream.
func ParseDirection(s string) (Direction, error) {
	switch Direction(s) {
	case "":
		return Upstream, nil
	case Upstream, Downstream:
		return Direction(s), nil
	}
	return "", steward.Errorf(steward.CodeInvalid, "direction %q is not upstream or downstream", s).WithDetail("field", "direction")
}
