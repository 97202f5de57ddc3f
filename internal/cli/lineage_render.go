package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/steward-registry/steward/client"
)

// writeTree draws a trace as an indented tree from its root: each node once,
// under the node it was first reached from, with the edge type that joins
// them ("↑" upstream: the child is what the parent came from; "↓"
// downstream: what came from it). Nodes also reached along other paths say
// so instead of being drawn twice.
func writeTree(w io.Writer, tr *client.TraceResult) {
	byID := map[int64]*client.TraceNode{}
	for i := range tr.Nodes {
		byID[tr.Nodes[i].Node.ID] = &tr.Nodes[i]
	}
	type link struct {
		child int64
		typ   string
		hops  int
	}
	children := map[int64][]link{}
	placed := map[int64]bool{tr.Root.ID: true}
	also := map[int64]int{}
	// Place each node under a neighbour one level nearer the root, nearest
	// levels first, so the tree follows the breadth-first walk.
	edges := slices.Clone(tr.Edges)
	upstream := tr.Direction == "upstream"
	slices.SortStableFunc(edges, func(a, b client.TraceEdge) int {
		da, db := depthOf(byID, a, upstream), depthOf(byID, b, upstream)
		return da - db
	})
	for _, e := range edges {
		parent, child := e.From, e.To
		if upstream {
			parent, child = e.To, e.From
		}
		if byID[parent] == nil || byID[child] == nil {
			continue
		}
		if placed[child] {
			if child != tr.Root.ID {
				also[child]++
			}
			continue
		}
		placed[child] = true
		children[parent] = append(children[parent], link{child, e.Type, e.Hops})
	}
	arrow := "↓"
	if upstream {
		arrow = "↑"
	}
	fmt.Fprintf(w, "%s\n", clean(nodeLine(tr.Root)))
	var draw func(id int64, prefix string)
	draw = func(id int64, prefix string) {
		kids := children[id]
		for i, k := range kids {
			branch, next := "├── ", "│   "
			if i == len(kids)-1 {
				branch, next = "└── ", "    "
			}
			edge := k.typ
			if k.hops > 1 {
				edge = fmt.Sprintf("%s, %d hops", k.typ, k.hops)
			}
			line := fmt.Sprintf("%s%s%s %s %s", prefix, branch, arrow, edge, nodeLine(byID[k.child].Node))
			if n := also[k.child]; n > 0 {
				line += fmt.Sprintf("  (also reached by %d other path(s))", n)
			}
			fmt.Fprintln(w, clean(line))
			draw(k.child, prefix+next)
		}
	}
	draw(tr.Root.ID, "")
	if tr.Truncated {
		fmt.Fprintln(w, "… more nodes than --limit; narrow with --depth, --node-types or --edge-types")
	}
}

func depthOf(byID map[int64]*client.TraceNode, e client.TraceEdge, upstream bool) int {
	parent := e.From
	if upstream {
		parent = e.To
	}
	if n := byID[parent]; n != nil {
		return n.Depth
	}
	return 1 << 30
}

// nodeLine is "label [type ref]" with the label first, as people scan it.
func nodeLine(n *client.Node) string {
	if n.Label == n.Key {
		return fmt.Sprintf("%s  [%s]", n.Label, n.Type)
	}
	return fmt.Sprintf("%s  [%s]", n.Label, n.Ref)
}

// dotQuote quotes s as a Graphviz string.
func dotQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}

// dotShapes gives each node type its own shape, so a picture of a large
// graph can be read without labels.
var dotShapes = map[string]string{
	"dataset_version": "cylinder", "run": "box", "model_version": "box3d", "deployment": "component",
	"external_job": "cds", "prediction_batch": "note", "code_commit": "hexagon", "image": "folder",
}

// writeDot writes nodes and edges as a Graphviz digraph, edges pointing
// downstream.
func writeDot(w io.Writer, name string, nodes []*client.Node, edges []client.TraceEdge) {
	fmt.Fprintf(w, "digraph %s {\n  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=10];\n  edge [fontname=\"Helvetica\", fontsize=9];\n", dotQuote(name))
	for _, n := range nodes {
		shape := dotShapes[n.Type]
		if shape == "" {
			shape = "ellipse"
		}
		fmt.Fprintf(w, "  n%d [label=%s, shape=%s, tooltip=%s];\n", n.ID, dotQuote(n.Label+"\n"+n.Type), shape, dotQuote(n.Ref))
	}
	for _, e := range edges {
		label := e.Type
		style := ""
		if e.Hops > 1 {
			label = fmt.Sprintf("%s (%d hops)", e.Type, e.Hops)
			style = ", style=dashed"
		}
		fmt.Fprintf(w, "  n%d -> n%d [label=%s%s];\n", e.From, e.To, dotQuote(label), style)
	}
	fmt.Fprintln(w, "}")
}
