package lineage

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/steward-registry/steward/internal/blob"
	"github.com/steward-registry/steward/internal/steward"
)

// Deployments here are the minimum the graph needs: a named deployment in an
// environment, and the model versions it served (deployed_as edges). The
// deployment lifecycle (traffic splits, champion/challenger, rollback) is a
// later issue; it will record through RecordDeployment.

// DeploymentRecord says a deployment serves a model version.
type DeploymentRecord struct {
	Name        string `json:"name"`
	Environment string `json:"environment"`
	Model       string `json:"model"`
	Version     int64  `json:"version"`
	Endpoint    string `json:"endpoint"`
}

// Deployment is a deployment node and what it serves.
type Deployment struct {
	Node *Node           `json:"node"`
	Now  DeploymentAttrs `json:"serving"`
}

func validEnvironment(s string) error {
	if s == "" || len(s) > 64 || strings.Trim(s, "abcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
		return steward.Errorf(steward.CodeInvalid, "environment %q must be 1-64 lowercase letters, digits, '-' or '_' (production, staging, …)", s).WithDetail("field", "environment")
	}
	return nil
}

// RecordDeployment records that deployment Name (in Environment) now serves
// a model version: the deployment node (created on first use; its
// environment cannot change later) and a deployed_as edge from the version.
func (s *Service) RecordDeployment(ctx context.Context, in DeploymentRecord) (*Deployment, error) {
	if err := steward.ValidateName("deployment name", in.Name); err != nil {
		return nil, err
	}
	if in.Environment == "" {
		in.Environment = "production"
	}
	if err := validEnvironment(in.Environment); err != nil {
		return nil, err
	}
	if in.Model == "" || in.Version <= 0 {
		return nil, steward.Errorf(steward.CodeInvalid, "model and version (a positive number) are required").WithDetail("field", "model")
	}
	if err := steward.ValidateValue("endpoint", in.Endpoint, 2048); err != nil {
		return nil, err
	}
	if err := s.allowGraph(ctx, steward.PermLineageWrite); err != nil {
		return nil, err
	}
	var out *Deployment
	err := s.store.Update(ctx, func(r Repo) error {
		v, err := r.ResolveModelVersion(ctx, in.Model, in.Version)
		if err != nil {
			return err
		}
		dep, before, changed, err := RecordDeploymentIn(ctx, r, s.millis(), in, *v)
		out = dep
		if err != nil || !changed {
			return err
		}
		return s.emit(ctx, r, "deployment.record", "deployment", in.Name, before, dep.Now)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// PredictionBatch is a batch of predictions a serving system reports, so a
// prediction can be traced to everything behind it.
type PredictionBatch struct {
	ID         string `json:"id"`
	Deployment string `json:"deployment"`
	// Model and Version name the version that served the batch; when
	// absent, the deployment's current version.
	Model     string `json:"model,omitempty"`
	Version   int64  `json:"version,omitempty"`
	StartTime int64  `json:"start_time"` // ms since epoch
	EndTime   int64  `json:"end_time"`
	Count     int64  `json:"count"`
	// InputDigest is the digest of the scored input, if known; when a
	// registered dataset version has it, the batch is linked to it.
	InputDigest string `json:"input_digest,omitempty"`
}

func (b *PredictionBatch) validate() error {
	if err := steward.ValidateName("prediction batch id", b.ID); err != nil {
		return err
	}
	if b.Deployment == "" {
		return steward.Errorf(steward.CodeInvalid, "deployment is required").WithDetail("field", "deployment")
	}
	if (b.Model == "") != (b.Version == 0) || b.Version < 0 {
		return steward.Errorf(steward.CodeInvalid, "give model and version together, or neither (the deployment's current version)").WithDetail("field", "version")
	}
	if b.StartTime <= 0 || b.EndTime < b.StartTime {
		return steward.Errorf(steward.CodeInvalid, "start_time and end_time are milliseconds since the epoch with start_time <= end_time").WithDetail("field", "start_time")
	}
	if b.Count < 0 {
		return steward.Errorf(steward.CodeInvalid, "count must not be negative").WithDetail("field", "count")
	}
	if b.InputDigest != "" {
		d, err := blob.ParseDigest(b.InputDigest)
		if err != nil {
			return steward.Errorf(steward.CodeInvalid, "input_digest %q must be sha256:<64 hex characters>", b.InputDigest).WithDetail("field", "input_digest")
		}
		b.InputDigest = string(d)
	}
	return nil
}

// ReportPredictionBatch records a batch: a prediction_batch node predicted
// by the deployment and by the model version that served it, and consumed
// from the registered dataset with its input digest. Batches are immutable:
// reporting the same batch again changes nothing (created false), reporting
// different figures under its id is a conflict.
func (s *Service) ReportPredictionBatch(ctx context.Context, in PredictionBatch) (*PredictionBatch, bool, error) {
	if err := in.validate(); err != nil {
		return nil, false, err
	}
	if err := s.allowGraph(ctx, steward.PermLineageWrite); err != nil {
		return nil, false, err
	}
	created := false
	out := in
	err := s.store.Update(ctx, func(r Repo) error {
		created = false
		dep, err := r.GetNode(ctx, NodeDeployment, in.Deployment)
		if steward.IsCode(err, steward.CodeNotFound) {
			return steward.Errorf(steward.CodeNotFound, "deployment %q does not exist; record it first (POST /api/v1/lineage/deployments)", in.Deployment).WithDetail("field", "deployment")
		}
		if err != nil {
			return err
		}
		var a DeploymentAttrs
		_ = json.Unmarshal(dep.Attrs, &a)
		deployed, err := r.EdgesInto(ctx, EdgeDeployedAs, []int64{dep.ID})
		if err != nil {
			return err
		}
		mvID := a.CurrentNode
		if in.Model != "" {
			v, err := r.ResolveModelVersion(ctx, in.Model, in.Version)
			if err != nil {
				return err
			}
			mv, err := r.GetNode(ctx, NodeModelVersion, v.ID)
			if err != nil && !steward.IsCode(err, steward.CodeNotFound) {
				return err
			}
			if mv == nil || !slices.ContainsFunc(deployed, func(e Edge) bool { return e.From == mv.ID }) {
				return steward.Errorf(steward.CodeConflict, "version %d of %q was never deployed to %q; record the deployment first", in.Version, in.Model, in.Deployment).WithDetail("field", "version")
			}
			mvID = mv.ID
		} else {
			out.Model, out.Version = a.Model, a.Version
		}
		if have, err := r.GetNode(ctx, NodePredictionBatch, in.ID); err == nil {
			var prev PredictionBatch
			_ = json.Unmarshal(have.Attrs, &prev)
			if reflect.DeepEqual(prev, out) {
				return nil
			}
			return steward.Errorf(steward.CodeConflict, "prediction batch %q was reported with different figures; batches cannot change, report a new id", in.ID).WithDetail("field", "id")
		} else if !steward.IsCode(err, steward.CodeNotFound) {
			return err
		}
		batch := &Node{Type: NodePredictionBatch, Key: in.ID, Name: in.Deployment, Attrs: mustJSON(out)}
		nodes := []*Node{batch}
		var input *Node
		if in.InputDigest != "" {
			ds, err := r.DatasetVersionsByDigest(ctx, []string{in.InputDigest})
			if err != nil {
				return err
			}
			if len(ds) > 0 {
				input = datasetNode(ds[0])
				nodes = append(nodes, input)
			}
		}
		if err := r.EnsureNodes(ctx, nodes); err != nil {
			return err
		}
		now := s.millis()
		edges := []Edge{{From: dep.ID, To: batch.ID, Type: EdgePredictedBy, CreatedAt: now}}
		if mvID != 0 {
			edges = append(edges, Edge{From: mvID, To: batch.ID, Type: EdgePredictedBy, CreatedAt: now})
		}
		if input != nil {
			edges = append(edges, Edge{From: input.ID, To: batch.ID, Type: EdgeConsumed, CreatedAt: now})
		}
		if _, err := r.AddEdges(ctx, edges); err != nil {
			return err
		}
		created = true
		return s.emit(ctx, r, "prediction_batch.report", "prediction_batch", in.ID, nil, out)
	})
	if err != nil {
		return nil, false, err
	}
	return &out, created, nil
}

// Provenance is everything behind a prediction batch, grouped by kind, with
// the upstream trace it was read from.
type Provenance struct {
	Batch         PredictionBatch         `json:"batch"`
	Deployment    *Node                   `json:"deployment"`
	ModelVersions []*Node                 `json:"model_versions"`
	Runs          []*Node                 `json:"runs"`
	Datasets      []*Node                 `json:"datasets"`
	CodeCommits   []*Node                 `json:"code_commits"`
	Images        []*Node                 `json:"images"`
	ExternalJobs  []*Node                 `json:"external_jobs"`
	Environments  map[string]*Environment `json:"environments"` // by Steward run id
	Trace         *TraceResult            `json:"trace"`
}

// PredictionProvenance answers "what produced prediction batch P": the
// deployment and model version that served it → the runs behind the version
// → their datasets, code and images, to any depth up to MaxDepth. Other
// versions the deployment served at other times are not part of it.
func (s *Service) PredictionProvenance(ctx context.Context, batchID string) (*Provenance, error) {
	if err := steward.ValidateName("prediction batch id", batchID); err != nil {
		return nil, err
	}
	// Everything but deployed_as: the batch came from the version that
	// served it, not from every version its deployment ever served.
	follow := slices.DeleteFunc(slices.Clone(EdgeTypes), func(t EdgeType) bool { return t == EdgeDeployedAs })
	tr, err := s.Trace(ctx, TraceRequest{Node: string(NodePredictionBatch) + ":" + batchID, Direction: Upstream, Depth: MaxDepth,
		Limit: MaxTraceNodes, EdgeTypes: follow})
	if steward.IsCode(err, steward.CodeNotFound) {
		return nil, steward.Errorf(steward.CodeNotFound, "prediction batch %q does not exist", batchID)
	}
	if err != nil {
		return nil, err
	}
	p := &Provenance{Trace: tr, ModelVersions: []*Node{}, Runs: []*Node{}, Datasets: []*Node{}, CodeCommits: []*Node{},
		Images: []*Node{}, ExternalJobs: []*Node{}, Environments: map[string]*Environment{}}
	if err := json.Unmarshal(tr.Root.Attrs, &p.Batch); err != nil {
		return nil, fmt.Errorf("prediction batch %s attributes: %w", batchID, err)
	}
	for _, tn := range tr.Nodes {
		n := tn.Node
		switch n.Type {
		case NodeDeployment:
			if p.Deployment == nil {
				p.Deployment = n
			}
		case NodeModelVersion:
			p.ModelVersions = append(p.ModelVersions, n)
		case NodeRun:
			p.Runs = append(p.Runs, n)
			if n.ObjectID != "" && s.allowRun(ctx, steward.PermExperimentRead, n.ObjectID) == nil {
				if env, err := s.runEnvironment(ctx, n.ObjectID); err == nil {
					p.Environments[n.ObjectID] = env
				} else if !steward.IsCode(err, steward.CodeNotFound) {
					return nil, err
				}
			}
		case NodeDatasetVersion:
			p.Datasets = append(p.Datasets, n)
		case NodeCodeCommit:
			p.CodeCommits = append(p.CodeCommits, n)
		case NodeImage:
			p.Images = append(p.Images, n)
		case NodeExternalJob:
			p.ExternalJobs = append(p.ExternalJobs, n)
		}
	}
	return p, nil
}
