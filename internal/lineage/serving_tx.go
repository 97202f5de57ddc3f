package lineage

import (
	"context"
	"encoding/json"

	"github.com/steward-registry/steward/internal/steward"
)

// ServingRecorder is what recording a deployment needs of a transaction:
// the governance service records its deployments through it, in the
// transaction that writes the deployment itself.
type ServingRecorder interface {
	Writer
	GetNode(ctx context.Context, t NodeType, key string) (*Node, error)
	SetNodeAttrs(ctx context.Context, id int64, attrs json.RawMessage) error
}

// ValidateEnvironment checks an environment name: 1-64 lowercase letters,
// digits, '-' or '_'. Lineage and governance share the rule so one
// environment has one spelling in the graph and in the deployment records.
func ValidateEnvironment(s string) error { return validEnvironment(s) }

// RecordDeploymentIn records, inside the caller's transaction w, that
// deployment rec.Name (in rec.Environment) serves version v: the deployment
// node (created on first use; its environment cannot change later) and a
// deployed_as edge from the version's node. The caller has validated rec
// and authorized the change, and writes its own event. before is the node's
// attributes before (nil for a new deployment); changed is false when it
// already served this version with these attributes.
func RecordDeploymentIn(ctx context.Context, w ServingRecorder, now int64, rec DeploymentRecord, v VersionRef) (out *Deployment, before *DeploymentAttrs, changed bool, err error) {
	mv := versionNode(v)
	if have, err := w.GetNode(ctx, mv.Type, mv.Key); err == nil {
		mv = have
	} else if !steward.IsCode(err, steward.CodeNotFound) {
		return nil, nil, false, err
	}
	dep, err := w.GetNode(ctx, NodeDeployment, rec.Name)
	switch {
	case steward.IsCode(err, steward.CodeNotFound):
		dep = &Node{Type: NodeDeployment, Key: rec.Name, Name: rec.Name}
	case err != nil:
		return nil, nil, false, err
	default:
		var a DeploymentAttrs
		_ = json.Unmarshal(dep.Attrs, &a)
		if a.Environment != rec.Environment {
			return nil, nil, false, steward.Errorf(steward.CodeConflict, "deployment %q is in environment %q, not %q; use another name for another environment", rec.Name, a.Environment, rec.Environment).WithDetail("field", "environment")
		}
		before = &a
	}
	if err := w.EnsureNodes(ctx, []*Node{mv}); err != nil {
		return nil, nil, false, err
	}
	attrs := DeploymentAttrs{Environment: rec.Environment, Endpoint: rec.Endpoint, Model: rec.Model, Version: rec.Version, CurrentNode: mv.ID, UpdatedAt: now}
	if before != nil {
		b := *before
		b.UpdatedAt = now
		if b == attrs {
			return &Deployment{Node: dep, Now: *before}, before, false, nil // serving this version already
		}
	}
	dep.Attrs = mustJSON(attrs)
	if dep.ID == 0 {
		if err := w.EnsureNodes(ctx, []*Node{dep}); err != nil {
			return nil, nil, false, err
		}
	} else if err := w.SetNodeAttrs(ctx, dep.ID, dep.Attrs); err != nil {
		return nil, nil, false, err
	}
	if _, err := w.AddEdges(ctx, []Edge{{From: mv.ID, To: dep.ID, Type: EdgeDeployedAs, CreatedAt: now}}); err != nil {
		return nil, nil, false, err
	}
	return &Deployment{Node: dep, Now: attrs}, before, true, nil
}

// EndDeploymentIn records that deployment name serves nothing any more: its
// current node becomes 0, so impact analysis no longer calls any version
// current, while the deployed_as edges keep what it served. A deployment the
// graph does not know is left alone.
func EndDeploymentIn(ctx context.Context, w ServingRecorder, now int64, name string) error {
	dep, err := w.GetNode(ctx, NodeDeployment, name)
	if steward.IsCode(err, steward.CodeNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	var a DeploymentAttrs
	_ = json.Unmarshal(dep.Attrs, &a)
	a.CurrentNode, a.UpdatedAt = 0, now
	return w.SetNodeAttrs(ctx, dep.ID, mustJSON(a))
}
