package lineage

import (
	"context"
	"strings"
)

// The edges Steward knows by itself. Registry and tracking call these inside
// the transaction of the change that makes them true, so the graph never
// lags behind the objects it describes.

// RunInput is a dataset a run consumed, as MLflow's log-inputs names it.
type RunInput struct {
	Name       string
	Digest     string
	SourceType string
	Source     string
	// Context is the mlflow.data.context input tag ("training", "evaluation").
	Context string
}

// contextEdge maps an input's context to the edge it gives the models the
// run produces: training data → trained_on, evaluation data → evaluated_on.
func contextEdge(ctx string) (EdgeType, bool) {
	switch strings.ToLower(ctx) {
	case "training", "train":
		return EdgeTrainedOn, true
	case "evaluation", "eval", "test", "testing", "validation", "valid":
		return EdgeEvaluatedOn, true
	}
	return "", false
}

// runNode is the graph node of a Steward run.
func runNode(run *RunInfo) *Node {
	return &Node{Type: NodeRun, Key: run.ID, Name: run.Name, ObjectID: run.ID, Attrs: mustJSON(map[string]any{"source": "steward"})}
}

// versionNode is the graph node of a model version, keyed by its id (which
// survives renames of the model); the attributes give its readable name.
func versionNode(v VersionRef) *Node {
	return &Node{Type: NodeModelVersion, Key: v.ID, Name: v.Model, ObjectID: v.ID,
		Attrs: mustJSON(map[string]any{"model": v.Model, "version": v.Version})}
}

// inputDigests lists the digests a logged dataset may be registered under:
// as given, and as "sha256:<hex>" when it is a bare SHA-256.
func inputDigests(d string) []string {
	out := []string{d}
	if len(d) == 64 && strings.Trim(d, "0123456789abcdef") == "" {
		out = append(out, "sha256:"+d)
	}
	return out
}

// RecordRunInputs links a run to the dataset versions it consumed: the
// registered version with the input's digest (preferring one of the same
// name), else a node for the dataset as MLflow logged it ("name#digest").
// Model versions already produced by the run gain trained_on and
// evaluated_on edges from the inputs' contexts.
func RecordRunInputs(ctx context.Context, tx Recorder, now int64, runID string, inputs []RunInput) error {
	if len(inputs) == 0 {
		return nil
	}
	run, err := tx.RunInfo(ctx, runID)
	if err != nil {
		return err
	}
	var digests []string
	for _, in := range inputs {
		digests = append(digests, inputDigests(in.Digest)...)
	}
	regs, err := tx.DatasetVersionsByDigest(ctx, digests)
	if err != nil {
		return err
	}
	rn := runNode(run)
	nodes := []*Node{rn}
	dsNodes := make([]*Node, len(inputs))
	for i, in := range inputs {
		var match *DatasetVersion
		for _, d := range regs { // newest first: the first of the same name wins, else the first
			for _, dg := range inputDigests(in.Digest) {
				if d.Digest == dg && (match == nil || (d.Name == in.Name && match.Name != in.Name)) {
					match = d
				}
			}
		}
		if match != nil {
			dsNodes[i] = datasetNode(match)
		} else {
			dsNodes[i] = &Node{Type: NodeDatasetVersion, Key: in.Name + "#" + in.Digest, Name: in.Name,
				Attrs: mustJSON(map[string]any{"digest": in.Digest, "source_type": in.SourceType, "source": in.Source, "logged_by": "mlflow"})}
		}
		nodes = append(nodes, dsNodes[i])
	}
	mvs, err := tx.ModelVersionsOfRun(ctx, runID)
	if err != nil {
		return err
	}
	mvNodes := make([]*Node, len(mvs))
	for i, v := range mvs {
		mvNodes[i] = versionNode(v)
		nodes = append(nodes, mvNodes[i])
	}
	if err := tx.EnsureNodes(ctx, nodes); err != nil {
		return err
	}
	var edges []Edge
	for i, in := range inputs {
		edges = append(edges, Edge{From: dsNodes[i].ID, To: rn.ID, Type: EdgeConsumed, Label: in.Context, CreatedAt: now})
		if t, ok := contextEdge(in.Context); ok {
			for _, mv := range mvNodes {
				edges = append(edges, Edge{From: dsNodes[i].ID, To: mv.ID, Type: t, Label: in.Context, CreatedAt: now})
			}
		}
	}
	_, err = tx.AddEdges(ctx, edges)
	return err
}

// RecordVersionSource records that a run produced a model version, and that
// the version was trained (evaluated) on the run's training (evaluation)
// inputs.
func RecordVersionSource(ctx context.Context, tx Recorder, now int64, v VersionRef) error {
	if v.RunID == "" {
		return nil
	}
	run, err := tx.RunInfo(ctx, v.RunID)
	if err != nil {
		return err
	}
	rn, mv := runNode(run), versionNode(v)
	if err := tx.EnsureNodes(ctx, []*Node{rn, mv}); err != nil {
		return err
	}
	edges := []Edge{{From: rn.ID, To: mv.ID, Type: EdgeProduced, CreatedAt: now}}
	ins, err := tx.InputEdges(ctx, rn.ID)
	if err != nil {
		return err
	}
	for _, in := range ins {
		if t, ok := contextEdge(in.Label); ok {
			edges = append(edges, Edge{From: in.From, To: mv.ID, Type: t, Label: in.Label, CreatedAt: now})
		}
	}
	_, err = tx.AddEdges(ctx, edges)
	return err
}

// normalizeRepo makes the two spellings of one repository URL agree:
// no trailing "/" or ".git".
func normalizeRepo(u string) string {
	u = strings.TrimSuffix(strings.TrimRight(u, "/"), ".git")
	return strings.TrimRight(u, "/")
}

// codeCommitKey is a commit's key: "<repo>@<commit>", or the commit alone
// when the repository is not known.
func codeCommitKey(g *Git) string {
	if r := normalizeRepo(g.RepoURL); r != "" {
		return r + "@" + g.Commit
	}
	return g.Commit
}

// recordEnvironment adds the run's code commit and image to the graph, as
// things the run consumed.
func recordEnvironment(ctx context.Context, w Writer, now int64, run *RunInfo, env *Environment) error {
	rn := runNode(run)
	nodes := []*Node{rn}
	if g := env.Git; g != nil {
		nodes = append(nodes, &Node{Type: NodeCodeCommit, Key: codeCommitKey(g), Name: normalizeRepo(g.RepoURL),
			Attrs: mustJSON(map[string]any{"commit": g.Commit, "repo_url": g.RepoURL})})
	}
	if im := env.Image; im != nil {
		name := im.Reference
		if i := strings.Index(name, "@"); i >= 0 {
			name = name[:i]
		}
		nodes = append(nodes, &Node{Type: NodeImage, Key: im.Digest, Name: name, Attrs: mustJSON(map[string]any{"reference": im.Reference})})
	}
	if len(nodes) == 1 {
		return nil
	}
	if err := w.EnsureNodes(ctx, nodes); err != nil {
		return err
	}
	var edges []Edge
	for _, n := range nodes[1:] {
		edges = append(edges, Edge{From: n.ID, To: rn.ID, Type: EdgeConsumed, CreatedAt: now})
	}
	_, err := w.AddEdges(ctx, edges)
	return err
}
