package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/steward-registry/steward/client"
)

func newLineageCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "lineage",
		Short: "Trace where data, models and predictions came from and went",
		Long: `Steward keeps one typed graph of dataset versions, runs, model versions,
deployments, prediction batches, external jobs, code commits and images.
Edges point downstream and say how: consumed, produced, trained_on,
evaluated_on, derived_from, deployed_as, predicted_by. Steward records the
edges it knows (run inputs, a version's source run); OpenLineage events
from Airflow, Spark or dbt add theirs; "steward lineage link" adds others.

A NODE is written type:key, e.g. dataset_version:transactions@3,
model_version:fraud/3, run:4f1c2a9e, prediction_batch:pb-0001,
external_job:airflow-prod/fraud_features.build_features.
See docs/lineage.md.`,
		Example: `  steward lineage trace model_version:fraud/3
  steward lineage trace dataset_version:transactions@3 --downstream -o dot | dot -Tsvg > tx.svg
  steward lineage impact transactions
  steward lineage provenance pb-2026-11-23-0001`,
	}
	cmd.AddCommand(newLineageTraceCmd(g), newLineageImpactCmd(g), newLineageProvenanceCmd(g), newLineageIngestCmd(g),
		newLineageLinkCmd(g), newLineageDeployCmd(g))
	return cmd
}

func newLineageTraceCmd(g *globals) *cobra.Command {
	var (
		down       bool
		depth      int
		limit      int
		nodeTypes  []string
		edgeTypes  []string
		forceUpstr bool
	)
	cmd := &cobra.Command{
		Use:   "trace NODE",
		Short: "Show what a node came from (upstream) or what came from it (downstream)",
		Long: `Walk the lineage graph from NODE, upstream by default (what it was made
from: data, runs, code, images, jobs) or downstream with --downstream
(everything made from it), to --depth levels. Cycles are safe: each node
is shown once, at its nearest distance.

--node-types keeps only some kinds of node in the answer (the walk still
passes through the others; the tree then shows how many hops an edge
stands for); --edge-types follows only some kinds of edge.

Output: a tree (default), the graph as JSON (-o json), or Graphviz (-o dot).`,
		Example: `  steward lineage trace model_version:fraud/3
  steward lineage trace dataset_version:transactions@3 --downstream --node-types model_version,deployment
  steward lineage trace prediction_batch:pb-0001 --depth 20 -o dot | dot -Tpng > why.png`,
		Args: exactArgs("NODE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.clientOutputs("table", "json", "dot")
			if err != nil {
				return err
			}
			if down && forceUpstr {
				return usageError{fmt.Errorf("--upstream and --downstream exclude each other")}
			}
			dir := "upstream"
			if down {
				dir = "downstream"
			}
			tr, err := c.Trace(cmd.Context(), client.TraceOptions{Node: args[0], Direction: dir, Depth: depth, Limit: limit,
				NodeTypes: splitList(nodeTypes), EdgeTypes: splitList(edgeTypes)})
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			switch g.output {
			case "json":
				return g.emit(cmd, tr, nil)
			case "dot":
				nodes := make([]*client.Node, len(tr.Nodes))
				for i, n := range tr.Nodes {
					nodes[i] = n.Node
				}
				writeDot(out, dir+" of "+tr.Root.Ref, nodes, tr.Edges)
				return nil
			}
			if len(tr.Nodes) <= 1 {
				g.hint(cmd, "Nothing %s of %s within %d levels.", dir, tr.Root.Ref, tr.Depth)
			}
			writeTree(out, tr)
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&forceUpstr, "upstream", false, "walk upstream: what NODE came from (the default)")
	f.BoolVar(&down, "downstream", false, "walk downstream: what came from NODE")
	f.IntVar(&depth, "depth", 10, "levels to follow (1-50)")
	f.IntVar(&limit, "limit", 500, "nodes at most (1-10000); a trace that finds more says it was truncated")
	f.StringSliceVar(&nodeTypes, "node-types", nil, "show only these node types (comma-separated)")
	f.StringSliceVar(&edgeTypes, "edge-types", nil, "follow only these edge types (comma-separated)")
	return cmd
}

func splitList(ss []string) []string {
	var out []string
	for _, s := range ss {
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

func newLineageImpactCmd(g *globals) *cobra.Command {
	var env string
	cmd := &cobra.Command{
		Use:   "impact DATASET",
		Short: "Which deployments use data derived from a dataset",
		Long: `Find every deployment downstream of DATASET, at any depth, through the
runs, jobs, derived datasets and model versions between them, and say which
model versions carried the data there and whether the deployment still
serves one of them. DATASET is a name (every version of it: registered,
logged by MLflow, or reported by OpenLineage as NAMESPACE/NAME) or one
version as dataset_version:KEY. Production deployments by default.`,
		Example: `  steward lineage impact transactions
  steward lineage impact postgres://db.prod:5432/payments.public.transactions --environment any
  steward lineage impact dataset_version:transactions@3 -o json | jq '.deployments[].node.key'`,
		Args: exactArgs("DATASET"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.clientOutputs("table", "json", "dot")
			if err != nil {
				return err
			}
			res, err := c.Impact(cmd.Context(), args[0], env)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			switch g.output {
			case "json":
				return g.emit(cmd, res, nil)
			case "dot":
				writeImpactDot(out, res)
				return nil
			}
			return g.emit(cmd, res, func(w io.Writer) {
				var counts []string
				for _, t := range slices.Sorted(maps.Keys(res.Downstream)) {
					counts = append(counts, fmt.Sprintf("%d %s", res.Downstream[t], t))
				}
				row(w, "Dataset:", fmt.Sprintf("%s (%d version(s) in the graph)", res.Dataset, len(res.Versions)))
				row(w, "Downstream:", orDash(strings.Join(counts, ", ")))
				row(w, "Environment:", res.Environment)
				row(w, "")
				if len(res.Deployments) == 0 {
					row(w, "No deployment in this environment uses data derived from it.")
					return
				}
				row(w, "DEPLOYMENT", "ENVIRONMENT", "SERVES IT NOW", "VIA")
				for _, d := range res.Deployments {
					var via []string
					for _, v := range d.Via {
						via = append(via, v.Label)
					}
					now := "no"
					if d.Current {
						now = "yes"
					}
					row(w, d.Node.Key, d.Environment, now, strings.Join(via, ", "))
				}
			})
		},
	}
	cmd.Flags().StringVar(&env, "environment", "production", "deployment environment to report; any for all")
	return cmd
}

// writeImpactDot draws dataset versions → model versions → deployments,
// the paths between them collapsed.
func writeImpactDot(w io.Writer, res *client.ImpactResult) {
	seen := map[int64]bool{}
	var nodes []*client.Node
	add := func(n *client.Node) {
		if !seen[n.ID] {
			seen[n.ID] = true
			nodes = append(nodes, n)
		}
	}
	var edges []client.TraceEdge
	for _, v := range res.Versions {
		add(v)
	}
	for _, d := range res.Deployments {
		add(d.Node)
		for _, v := range d.Via {
			add(v)
			edges = append(edges, client.TraceEdge{From: v.ID, To: d.Node.ID, Type: "deployed_as"})
			for _, ds := range res.Versions {
				edges = append(edges, client.TraceEdge{From: ds.ID, To: v.ID, Type: "derives", Hops: 2})
			}
		}
	}
	writeDot(w, "impact of "+res.Dataset, nodes, edges)
}

func newLineageProvenanceCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "provenance BATCH",
		Short: "What produced a prediction batch: deployment, version, run, data, code, image",
		Long: `Resolve a prediction batch a serving system reported to everything behind
it: the deployment that served it, the model version, the runs that trained
it and their environments, the datasets (through every job and derived
dataset the graph knows), code commits, images and external jobs.
-o dot draws the whole upstream graph.`,
		Example: `  steward lineage provenance pb-2026-11-23-0001
  steward lineage provenance pb-2026-11-23-0001 -o json | jq '.datasets[].ref'`,
		Args: exactArgs("BATCH"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.clientOutputs("table", "json", "dot")
			if err != nil {
				return err
			}
			p, err := c.PredictionProvenance(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			switch g.output {
			case "json":
				return g.emit(cmd, p, nil)
			case "dot":
				nodes := make([]*client.Node, len(p.Trace.Nodes))
				for i, n := range p.Trace.Nodes {
					nodes[i] = n.Node
				}
				writeDot(cmd.OutOrStdout(), "provenance of "+args[0], nodes, p.Trace.Edges)
				return nil
			}
			return g.emit(cmd, p, func(w io.Writer) {
				b := p.Batch
				row(w, "Batch:", fmt.Sprintf("%s: %d predictions, %s to %s", b.ID, b.Count, when(b.StartTime), when(b.EndTime)))
				if b.InputDigest != "" {
					row(w, "Input:", b.InputDigest)
				}
				if p.Deployment != nil {
					row(w, "Deployment:", p.Deployment.Key)
				}
				labels := func(ns []*client.Node) string {
					var out []string
					for _, n := range ns {
						out = append(out, n.Label)
					}
					return orDash(strings.Join(out, ", "))
				}
				row(w, "Model versions:", labels(p.ModelVersions))
				row(w, "Runs:", labels(p.Runs))
				row(w, "Datasets:", labels(p.Datasets))
				row(w, "Code:", labels(p.CodeCommits))
				row(w, "Images:", labels(p.Images))
				row(w, "External jobs:", labels(p.ExternalJobs))
				for _, id := range slices.Sorted(maps.Keys(p.Environments)) {
					row(w, "Environment:", "run "+id+": "+envSummary(p.Environments[id]))
				}
			})
		},
	}
	return cmd
}

// envSummary is one line about an environment.
func envSummary(e *client.Environment) string {
	var parts []string
	if e.Git != nil {
		s := "git " + shortSHA(e.Git.Commit)
		if e.Git.Dirty {
			s += " (dirty)"
		}
		parts = append(parts, s)
	}
	if e.Image != nil {
		parts = append(parts, "image "+orDash(e.Image.Reference))
	}
	if e.Hardware != nil && e.Hardware.GPUCount > 0 {
		parts = append(parts, fmt.Sprintf("%d× %s", e.Hardware.GPUCount, e.Hardware.GPU))
	}
	parts = append(parts, fmt.Sprintf("%d dependencies", len(e.Dependencies)))
	return strings.Join(parts, ", ")
}

func shortSHA(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}

func newLineageIngestCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ingest FILE...",
		Short: "Send OpenLineage events from files (or - for stdin)",
		Long: `Post OpenLineage events (RunEvent, JobEvent or DatasetEvent JSON) to
Steward, one file per event, or a file of one event per line (NDJSON). Sending
an event twice changes nothing. Schedulers and engines with an OpenLineage
integration can post to Steward directly: point their HTTP transport at
<server>/api/v1/lineage with a Steward token as the API key.`,
		Example: `  steward lineage ingest events/*.json
  kafka-console-consumer --topic openlineage | steward lineage ingest -`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			var results []*client.IngestResult
			for _, name := range args {
				var b []byte
				if name == "-" {
					b, err = io.ReadAll(cmd.InOrStdin())
				} else {
					b, err = os.ReadFile(name)
				}
				if err != nil {
					return err
				}
				for i, ev := range splitEvents(b) {
					res, err := c.IngestOpenLineage(cmd.Context(), ev)
					if err != nil {
						return fmt.Errorf("%s event %d: %w", name, i+1, err)
					}
					results = append(results, res)
				}
			}
			return g.emit(cmd, map[string]any{"results": results}, func(w io.Writer) {
				row(w, "STATUS", "KIND", "EDGES ADDED", "DIGEST")
				for _, r := range results {
					row(w, r.Status, r.Kind, r.EdgesAdded, r.Digest)
				}
			})
		},
	}
	return cmd
}

// splitEvents reads one JSON event, or one per line.
func splitEvents(b []byte) [][]byte {
	if json.Valid(b) {
		return [][]byte{b}
	}
	var out [][]byte
	for _, line := range strings.Split(string(b), "\n") {
		if strings.TrimSpace(line) != "" {
			out = append(out, []byte(line))
		}
	}
	return out
}

func newLineageLinkCmd(g *globals) *cobra.Command {
	var label string
	cmd := &cobra.Command{
		Use:   "link FROM TYPE TO",
		Short: "Add an edge the graph cannot know by itself",
		Long: `Add an edge FROM → TO of edge TYPE (consumed, produced, trained_on,
evaluated_on, derived_from, deployed_as, predicted_by). Both nodes must
exist; runs, model versions and registered dataset versions are found by
their Steward name. Edges are never changed or removed; adding one that
exists does nothing. Nodes for things outside Steward (an external job, a
dataset by URI) appear when OpenLineage reports them.`,
		Example: `  steward lineage link dataset_version:s3://lake-features/fraud/features@v42 derived_from dataset_version:fraud-features@1
  steward lineage link dataset_version:holdout@2 evaluated_on model_version:fraud/3`,
		Args: exactArgs("FROM", "TYPE", "TO"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			n, err := c.AddEdges(cmd.Context(), []client.EdgeCreate{{From: args[0], Type: args[1], To: args[2], Label: label}})
			if err != nil {
				return err
			}
			return g.emit(cmd, map[string]int{"added": n}, func(w io.Writer) {
				if n == 0 {
					row(w, "The edge exists already.")
				} else {
					row(w, "Added "+args[0]+" -"+args[1]+"-> "+args[2])
				}
			})
		},
	}
	cmd.Flags().StringVar(&label, "label", "", "free text qualifying the edge")
	return cmd
}

func newLineageDeployCmd(g *globals) *cobra.Command {
	var in client.DeploymentRecord
	cmd := &cobra.Command{
		Use:   "deploy NAME MODEL VERSION",
		Short: "Record that a deployment serves a model version",
		Long: `Record that deployment NAME (in --environment, production by default,
fixed once recorded) now serves VERSION of MODEL. The graph gains a
deployed_as edge, so impact queries find the deployment and prediction
batches can be traced to it. This records lineage only; it does not deploy
anything.`,
		Example: `  steward lineage deploy fraud-prod fraud 3 --endpoint https://scoring.internal/fraud
  steward lineage deploy fraud-canary fraud 4 --environment staging`,
		Args: exactArgs("NAME", "MODEL", "VERSION"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			v, err := resolveVersion(cmd.Context(), c, args[1], args[2])
			if err != nil {
				return err
			}
			in.Name, in.Model, in.Version = args[0], args[1], v
			d, err := c.RecordDeployment(cmd.Context(), in)
			if err != nil {
				return err
			}
			return g.emit(cmd, d, func(w io.Writer) {
				row(w, "Deployment:", d.Node.Key)
				row(w, "Environment:", d.Serving.Environment)
				row(w, "Serves:", d.Serving.Model+" v"+strconv.FormatInt(d.Serving.Version, 10))
				row(w, "Endpoint:", orDash(d.Serving.Endpoint))
			})
		},
	}
	cmd.Flags().StringVar(&in.Environment, "environment", "production", "environment of the deployment")
	cmd.Flags().StringVar(&in.Endpoint, "endpoint", "", "where it serves")
	return cmd
}
