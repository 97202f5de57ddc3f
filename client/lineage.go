package client

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Node is a vertex of the lineage graph. Ref ("type:key") is its address.
type Node struct {
	ID        int64           `json:"id"`
	Type      string          `json:"type"`
	Key       string          `json:"key"`
	Name      string          `json:"name"`
	ObjectID  string          `json:"object_id,omitempty"`
	Attrs     json.RawMessage `json:"attrs,omitempty"`
	CreatedAt int64           `json:"created_at"`
	Ref       string          `json:"ref"`
	Label     string          `json:"label"`
}

// NodeDetail is a node with its OpenLineage facets.
type NodeDetail struct {
	Node   *Node                      `json:"node"`
	Facets map[string]json.RawMessage `json:"facets"`
}

// NodeCreate adds a node for something outside Steward.
type NodeCreate struct {
	Type  string          `json:"type"`
	Key   string          `json:"key"`
	Name  string          `json:"name,omitempty"`
	Attrs json.RawMessage `json:"attrs,omitempty"`
}

// NodeFilter selects nodes to list.
type NodeFilter struct {
	Type      string
	Name      string
	KeyPrefix string
}

// EdgeCreate is an edge between two node refs.
type EdgeCreate struct {
	From  string `json:"from"`
	To    string `json:"to"`
	Type  string `json:"type"`
	Label string `json:"label,omitempty"`
}

// TraceOptions asks for a trace.
type TraceOptions struct {
	Node      string   // type:key
	Direction string   // upstream (default) or downstream
	Depth     int      // 0: the server's default (10)
	NodeTypes []string // only these node types in the answer
	EdgeTypes []string // follow only these edges
	Limit     int
}

// TraceNode is a node of a trace at its depth.
type TraceNode struct {
	Node  *Node `json:"node"`
	Depth int   `json:"depth"`
}

// TraceEdge is an edge of a trace (Hops > 1: a collapsed path).
type TraceEdge struct {
	From int64  `json:"from"`
	To   int64  `json:"to"`
	Type string `json:"type"`
	Hops int    `json:"hops,omitempty"`
}

// TraceResult is a traced subgraph.
type TraceResult struct {
	Root      *Node       `json:"root"`
	Direction string      `json:"direction"`
	Depth     int         `json:"depth"`
	Nodes     []TraceNode `json:"nodes"`
	Edges     []TraceEdge `json:"edges"`
	Truncated bool        `json:"truncated"`
}

// ImpactDeployment is a deployment downstream of a dataset.
type ImpactDeployment struct {
	Node        *Node   `json:"node"`
	Environment string  `json:"environment"`
	Via         []*Node `json:"via"`
	Current     bool    `json:"current"`
}

// ImpactResult lists the deployments downstream of a dataset.
type ImpactResult struct {
	Dataset     string             `json:"dataset"`
	Versions    []*Node            `json:"versions"`
	Environment string             `json:"environment"`
	Deployments []ImpactDeployment `json:"deployments"`
	Downstream  map[string]int     `json:"downstream"`
}

// IngestResult says what an OpenLineage event changed.
type IngestResult struct {
	Status     string `json:"status"` // recorded or duplicate
	Digest     string `json:"digest"`
	Kind       string `json:"kind"`
	Nodes      int    `json:"nodes"`
	EdgesAdded int    `json:"edges_added"`
}

// DeploymentRecord says a deployment serves a model version.
type DeploymentRecord struct {
	Name        string `json:"name"`
	Environment string `json:"environment,omitempty"`
	Model       string `json:"model"`
	Version     int64  `json:"version"`
	Endpoint    string `json:"endpoint,omitempty"`
}

// Deployment is a deployment node and what it serves now.
type Deployment struct {
	Node    *Node `json:"node"`
	Serving struct {
		Environment string `json:"environment"`
		Endpoint    string `json:"endpoint,omitempty"`
		Model       string `json:"model"`
		Version     int64  `json:"version"`
	} `json:"serving"`
}

// PredictionBatch is a batch of predictions a serving system reports.
type PredictionBatch struct {
	ID          string `json:"id"`
	Deployment  string `json:"deployment"`
	Model       string `json:"model,omitempty"`
	Version     int64  `json:"version,omitempty"`
	StartTime   int64  `json:"start_time"`
	EndTime     int64  `json:"end_time"`
	Count       int64  `json:"count"`
	InputDigest string `json:"input_digest,omitempty"`
}

// Provenance is everything behind a prediction batch.
type Provenance struct {
	Batch         PredictionBatch         `json:"batch"`
	Deployment    *Node                   `json:"deployment"`
	ModelVersions []*Node                 `json:"model_versions"`
	Runs          []*Node                 `json:"runs"`
	Datasets      []*Node                 `json:"datasets"`
	CodeCommits   []*Node                 `json:"code_commits"`
	Images        []*Node                 `json:"images"`
	ExternalJobs  []*Node                 `json:"external_jobs"`
	Environments  map[string]*Environment `json:"environments"`
	Trace         *TraceResult            `json:"trace"`
}

// Dependency is one package a run ran with.
type Dependency struct {
	Ecosystem string `json:"ecosystem"`
	Name      string `json:"name"`
	Version   string `json:"version"`
}

// DependencyFile is a manifest the server parses into dependencies.
type DependencyFile struct {
	Kind    string `json:"kind"`
	Content string `json:"content"`
}

// Git is the code a run ran.
type Git struct {
	Commit  string `json:"commit"`
	RepoURL string `json:"repo_url,omitempty"`
	Branch  string `json:"branch,omitempty"`
	Dirty   bool   `json:"dirty"`
}

// Image is the container image a run ran in.
type Image struct {
	Reference string `json:"reference,omitempty"`
	Digest    string `json:"digest"`
}

// Hardware is what a run ran on.
type Hardware struct {
	CPU         string `json:"cpu,omitempty"`
	CPUCount    int    `json:"cpu_count,omitempty"`
	GPU         string `json:"gpu,omitempty"`
	GPUCount    int    `json:"gpu_count,omitempty"`
	MemoryBytes int64  `json:"memory_bytes,omitempty"`
}

// Energy is what a run consumed.
type Energy struct {
	KWh    *float64 `json:"kwh,omitempty"`
	CO2Kg  *float64 `json:"co2_kg,omitempty"`
	Source string   `json:"source,omitempty"`
}

// Environment is what a run ran with.
type Environment struct {
	Git          *Git         `json:"git,omitempty"`
	Dependencies []Dependency `json:"dependencies"`
	Image        *Image       `json:"image,omitempty"`
	Hardware     *Hardware    `json:"hardware,omitempty"`
	Platform     string       `json:"platform,omitempty"`
	DurationMs   *int64       `json:"duration_ms,omitempty"`
	Energy       *Energy      `json:"energy,omitempty"`
	CapturedAt   int64        `json:"captured_at,omitempty"`
	Source       string       `json:"source,omitempty"`
}

// EnvironmentCapture is what SetRunEnvironment sends.
type EnvironmentCapture struct {
	Environment
	DependencyFiles []DependencyFile `json:"dependency_files,omitempty"`
}

// VersionEnvironment is a model version's inherited environment.
type VersionEnvironment struct {
	Model       string       `json:"model"`
	Version     int64        `json:"version"`
	RunID       string       `json:"run_id"`
	Environment *Environment `json:"environment"`
}

// RunInput names a registered dataset version a run consumed.
type RunInput struct {
	Name    string `json:"name"`
	Version int64  `json:"version,omitempty"` // 0: latest
	Context string `json:"context,omitempty"` // training, evaluation, …
}

// IngestOpenLineage posts one OpenLineage event (its JSON as is).
func (c *Client) IngestOpenLineage(ctx context.Context, event []byte) (*IngestResult, error) {
	var out IngestResult
	_, err := c.call(ctx, &request{method: "POST", path: apiPath("lineage"), body: bytes.NewReader(event), size: int64(len(event)),
		header: http.Header{"Content-Type": {"application/json"}}, out: &out})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// Trace walks the graph from a node.
func (c *Client) Trace(ctx context.Context, o TraceOptions) (*TraceResult, error) {
	q := url.Values{"node": {o.Node}}
	setIf(q, "direction", o.Direction)
	if o.Depth > 0 {
		q.Set("depth", strconv.Itoa(o.Depth))
	}
	if o.Limit > 0 {
		q.Set("limit", strconv.Itoa(o.Limit))
	}
	setIf(q, "node_types", strings.Join(o.NodeTypes, ","))
	setIf(q, "edge_types", strings.Join(o.EdgeTypes, ","))
	var out TraceResult
	if _, err := c.call(ctx, &request{method: "GET", path: apiPath("lineage", "trace"), query: q, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// Impact lists the deployments (of environment; "" is production, "any"
// all) downstream of a dataset.
func (c *Client) Impact(ctx context.Context, dataset, environment string) (*ImpactResult, error) {
	q := url.Values{"dataset": {dataset}}
	setIf(q, "environment", environment)
	var out ImpactResult
	if _, err := c.call(ctx, &request{method: "GET", path: apiPath("lineage", "impact"), query: q, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// AddEdges adds edges and returns how many were new.
func (c *Client) AddEdges(ctx context.Context, edges []EdgeCreate) (int, error) {
	var out struct {
		Added int `json:"added"`
	}
	_, err := c.call(ctx, &request{method: "POST", path: apiPath("lineage", "edges"), in: map[string]any{"edges": edges}, out: &out})
	return out.Added, err
}

// CreateNode adds a node for something outside Steward (or returns it).
func (c *Client) CreateNode(ctx context.Context, in NodeCreate) (*Node, error) {
	var n Node
	if _, err := c.call(ctx, &request{method: "POST", path: apiPath("lineage", "nodes"), in: in, out: &n}); err != nil {
		return nil, err
	}
	return &n, nil
}

// GetNode returns a node by ref ("type:key") with its facets.
func (c *Client) GetNode(ctx context.Context, ref string) (*NodeDetail, error) {
	t, k, _ := strings.Cut(ref, ":")
	var out NodeDetail
	// The key is one escaped segment: URIs in keys hold "//", which the
	// server's path cleaning would otherwise collapse.
	if _, err := c.call(ctx, &request{method: "GET", path: apiPath("lineage", "nodes", t, k), out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListNodes returns one page of nodes.
func (c *Client) ListNodes(ctx context.Context, f NodeFilter, page ListOptions) ([]*Node, string, error) {
	q := url.Values{}
	setIf(q, "type", f.Type)
	setIf(q, "name", f.Name)
	setIf(q, "key_prefix", f.KeyPrefix)
	var out struct {
		Nodes         []*Node `json:"nodes"`
		NextPageToken string  `json:"next_page_token"`
	}
	_, err := c.call(ctx, &request{method: "GET", path: apiPath("lineage", "nodes"), query: page.values(q), out: &out})
	return out.Nodes, out.NextPageToken, err
}

// RecordDeployment records that a deployment serves a model version.
func (c *Client) RecordDeployment(ctx context.Context, in DeploymentRecord) (*Deployment, error) {
	var out Deployment
	if _, err := c.call(ctx, &request{method: "POST", path: apiPath("lineage", "deployments"), in: in, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// ReportPredictionBatch records a batch of predictions.
func (c *Client) ReportPredictionBatch(ctx context.Context, in PredictionBatch) (*PredictionBatch, error) {
	var out PredictionBatch
	if _, err := c.call(ctx, &request{method: "POST", path: apiPath("lineage", "prediction-batches"), in: in, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// PredictionProvenance returns everything behind a prediction batch.
func (c *Client) PredictionProvenance(ctx context.Context, batch string) (*Provenance, error) {
	var out Provenance
	if _, err := c.call(ctx, &request{method: "GET", path: apiPath("lineage", "prediction-batches", batch), out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// SetRunEnvironment captures (or completes) a run's environment.
func (c *Client) SetRunEnvironment(ctx context.Context, runID string, in EnvironmentCapture) (*Environment, error) {
	var out Environment
	if _, err := c.call(ctx, &request{method: "PUT", path: apiPath("runs", runID, "environment"), in: in, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetRunEnvironment returns a run's environment.
func (c *Client) GetRunEnvironment(ctx context.Context, runID string) (*Environment, error) {
	var out Environment
	if _, err := c.call(ctx, &request{method: "GET", path: apiPath("runs", runID, "environment"), out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetVersionEnvironment returns the environment a version inherits from its run.
func (c *Client) GetVersionEnvironment(ctx context.Context, model string, version int64) (*VersionEnvironment, error) {
	var out VersionEnvironment
	if _, err := c.call(ctx, &request{method: "GET", path: apiPath("models", model, "versions", itoa(version), "environment"), out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// LinkRunInputs records registered dataset versions as a run's inputs.
func (c *Client) LinkRunInputs(ctx context.Context, runID string, inputs []RunInput) error {
	_, err := c.call(ctx, &request{method: "POST", path: apiPath("runs", runID, "inputs"), in: map[string]any{"datasets": inputs}})
	return err
}
