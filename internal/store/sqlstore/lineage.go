package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/steward-registry/steward/internal/lineage"
	"github.com/steward-registry/steward/internal/steward"
)

// The lineage graph: nodes with integer ids, append-only edges, and the
// recursive walks over them. Both backends run the same WITH RECURSIVE
// queries; UNION (not UNION ALL) drops rows already produced, which is what
// ends a walk on a cycle.

const nodeCols = `n.id, n.type, n.key, n.name, n.object_id, n.attrs, n.created_at`

func scanNode(s scanner, extra ...any) (*lineage.Node, error) {
	n := &lineage.Node{}
	var attrs string
	if err := s.Scan(append(extra, &n.ID, &n.Type, &n.Key, &n.Name, &n.ObjectID, &attrs, &n.CreatedAt)...); err != nil {
		return nil, err
	}
	n.Attrs = json.RawMessage(attrs)
	return n, nil
}

// idChunk bounds the ids bound in one IN (...) list, well under both
// backends' limits on bound parameters.
const idChunk = 1000

// The multi-row inserts of the lineage store (see bulk).
var (
	insertNodes = bulk{
		head:  `INSERT INTO lineage_nodes (workspace, type, key, name, object_id, attrs, created_at)`,
		types: []string{"text", "text", "text", "text", "text", "text", "bigint"},
		tail:  `ON CONFLICT (workspace, type, key) DO NOTHING RETURNING id, type, key, created_at`,
	}
	insertEdges = bulk{
		head:  `INSERT INTO lineage_edges (src, dst, type, label, created_at)`,
		types: []string{"bigint", "bigint", "text", "text", "bigint"},
		tail:  `ON CONFLICT (src, dst, type) DO NOTHING RETURNING src, dst, type, label, created_at`,
	}
	upsertFacets = bulk{
		head:  `INSERT INTO lineage_facets (node_id, name, value, event_time)`,
		types: []string{"bigint", "text", "text", "bigint"},
		tail: `ON CONFLICT (node_id, name) DO UPDATE SET value = excluded.value, event_time = excluded.event_time
			WHERE lineage_facets.event_time <= excluded.event_time AND lineage_facets.value <> excluded.value`,
	}
	insertDatasetFiles = bulk{
		head:  `INSERT INTO dataset_files (version_id, path, digest, size)`,
		types: []string{"text", "text", "text", "bigint"},
	}
	insertDependencies = bulk{
		head:  `INSERT INTO run_dependencies (run_id, ecosystem, name, version)`,
		types: []string{"text", "text", "text", "text"},
	}
	insertOpenLineage = bulk{
		head:  `INSERT INTO openlineage_events (workspace, digest, kind, event_type, event_time, job, run_id, body, received_at)`,
		types: []string{"text", "text", "text", "text", "bigint", "text", "text", "text", "bigint"},
		tail:  `ON CONFLICT (workspace, digest) DO NOTHING RETURNING digest`,
	}
)

// FindNodes sets the ID and CreatedAt of the given nodes that exist.
func (c conn) FindNodes(ctx context.Context, nodes []*lineage.Node) error {
	return c.ensureNodes(ctx, nodes, false)
}

// EnsureNodes creates missing nodes by (workspace, type, key) and sets the
// ID and CreatedAt of every node given; nodes whose ID is set already are
// taken as stored.
func (c conn) EnsureNodes(ctx context.Context, nodes []*lineage.Node) error {
	return c.ensureNodes(ctx, nodes, true)
}

// EnsureNodes is conn.EnsureNodes on generic plans (Dialect.GenericPlans)
// for the rest of the transaction: lineage recording's statements.
func (t *Tx) EnsureNodes(ctx context.Context, nodes []*lineage.Node) error {
	if err := t.genericPlans(ctx); err != nil {
		return err
	}
	return t.conn.EnsureNodes(ctx, nodes)
}

// nk is a node's identity within a workspace.
type nk struct {
	t   lineage.NodeType
	key string
}

// sortKeys puts node keys in key order: two PostgreSQL transactions
// inserting overlapping nodes (batches of OpenLineage events naming the
// same tables) then wait for each other's keys in one order, and cannot
// deadlock.
func sortKeys(keys []nk) {
	slices.SortFunc(keys, func(a, b nk) int { return cmp.Or(cmp.Compare(a.t, b.t), cmp.Compare(a.key, b.key)) })
}

// newNodeArgs is the insertNodes rows of the nodes with the given keys.
func newNodeArgs(ws string, byKey map[nk][]*lineage.Node, keys []nk) []any {
	now := nowMillis()
	args := make([]any, 0, 7*len(keys))
	for _, k := range keys {
		n := byKey[k][0]
		attrs := string(n.Attrs)
		if attrs == "" {
			attrs = "{}"
		}
		args = append(args, ws, string(n.Type), n.Key, n.Name, n.ObjectID, attrs, now)
	}
	return args
}

func (c conn) ensureNodes(ctx context.Context, nodes []*lineage.Node, create bool) error {
	if len(nodes) == 0 {
		return nil
	}
	ws := steward.WorkspaceFrom(ctx)
	byKey := map[nk][]*lineage.Node{}
	var order []nk
	for _, n := range nodes {
		if n.ID != 0 {
			continue
		}
		k := nk{n.Type, n.Key}
		if _, ok := byKey[k]; !ok {
			order = append(order, k)
		}
		byKey[k] = append(byKey[k], n)
	}
	// found reads a row (id, type, key, created_at) of a lookup or an
	// insert and sets those fields of every given node with that key.
	found := func(s scanner) error {
		var id, created int64
		var t, key string
		if err := s.Scan(&id, &t, &key, &created); err != nil {
			return err
		}
		for _, n := range byKey[nk{lineage.NodeType(t), key}] {
			n.ID, n.CreatedAt = id, created
		}
		return nil
	}
	// One statement finds every given node, whatever its type: a VALUES
	// list joined to the (workspace, type, key) index (a row-value IN list
	// would make SQLite scan the table; see Dialect.LateralProbe for
	// PostgreSQL).
	lookup := func(keys []nk) error {
		for start := 0; start < len(keys); start += 200 {
			part := keys[start:min(start+200, len(keys))]
			args := make([]any, 0, 1+2*len(part))
			for _, k := range part {
				args = append(args, string(k.t), k.key)
			}
			args = append(args, ws)
			values := `(VALUES ` + rows(len(part), 2) + `) v`
			q := `SELECT n.id, n.type, n.key, n.created_at FROM ` + values +
				` JOIN lineage_nodes n ON n.workspace = ? AND n.type = v.column1 AND n.key = v.column2`
			if c.d.LateralProbe {
				q = `SELECT n.id, n.type, n.key, n.created_at FROM ` + values + ` CROSS JOIN LATERAL (SELECT n.id, n.type, n.key, n.created_at
					FROM lineage_nodes n WHERE n.workspace = ? AND n.type = v.column1 AND n.key = v.column2 LIMIT 1) n`
			}
			err := c.eachRow(ctx, found, q, args...)
			if err != nil {
				return err
			}
		}
		return nil
	}
	if len(order) == 0 {
		return nil
	}
	missing := order
	if create && c.d.ArrayInsert {
		// PostgreSQL: one statement inserts the nodes that are missing and
		// reads the others, a round trip less than a lookup and then an
		// insert. Its lookup sees the table as it was before the insert, so
		// a node comes from one half or the other; one that a concurrent
		// transaction committed meanwhile is in neither and is read below.
		// (DO NOTHING still draws an id from the sequence for each node that
		// exists: ids have gaps, which nothing reads.)
		sortKeys(missing)
		cols, err := pgColumns(insertNodes.types, newNodeArgs(ws, byKey, missing))
		if err != nil {
			return err
		}
		q := `WITH v AS (SELECT * FROM unnest(` + arrayParams(insertNodes.types) + `) AS v(workspace, type, key, name, object_id, attrs, created_at)),
			ins AS (` + insertNodes.head + ` SELECT * FROM v ` + insertNodes.tail + `)
			SELECT * FROM ins UNION ALL SELECT n.id, n.type, n.key, n.created_at FROM v CROSS JOIN LATERAL (SELECT n.id, n.type, n.key, n.created_at
				FROM lineage_nodes n WHERE n.workspace = v.workspace AND n.type = v.type AND n.key = v.key LIMIT 1) n`
		if err := c.eachRow(ctx, found, q, cols...); err != nil {
			return err
		}
	} else {
		if err := lookup(order); err != nil {
			return err
		}
		if !create {
			return nil
		}
		missing = nil
		for _, k := range order {
			if byKey[k][0].ID == 0 {
				missing = append(missing, k)
			}
		}
		if len(missing) == 0 {
			return nil
		}
		sortKeys(missing)
		if err := insertNodes.run(ctx, c, newNodeArgs(ws, byKey, missing), found); err != nil {
			return err
		}
	}
	// A concurrent transaction (PostgreSQL) may have created some of them
	// first: DO NOTHING returned no id for those, so read them.
	var raced []nk
	for _, k := range missing {
		if byKey[k][0].ID == 0 {
			raced = append(raced, k)
		}
	}
	if len(raced) == 0 {
		return nil
	}
	if err := lookup(raced); err != nil {
		return err
	}
	for _, k := range raced {
		if byKey[k][0].ID == 0 {
			return fmt.Errorf("lineage node %s:%s neither inserted nor found", k.t, k.key)
		}
	}
	return nil
}

// AddEdges inserts edges that are not there yet and counts the new ones.
func (c conn) AddEdges(ctx context.Context, edges []lineage.Edge) (int, error) {
	added, err := c.NewEdges(ctx, edges)
	return len(added), err
}

// NewEdges inserts edges that are not there yet and returns them: RETURNING
// with DO NOTHING yields only the rows inserted, so a batch of OpenLineage
// events can say which event added which edge.
func (c conn) NewEdges(ctx context.Context, edges []lineage.Edge) ([]lineage.Edge, error) {
	type ek struct {
		from, to int64
		t        lineage.EdgeType
	}
	seen := map[ek]bool{}
	args := make([]any, 0, 5*len(edges))
	// In key order, so concurrent inserts of overlapping edges cannot
	// deadlock (see ensureNodes).
	edges = slices.Clone(edges)
	slices.SortFunc(edges, func(a, b lineage.Edge) int {
		return cmp.Or(cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To), cmp.Compare(a.Type, b.Type))
	})
	for _, e := range edges {
		if e.From == 0 || e.To == 0 {
			return nil, fmt.Errorf("lineage edge %d -%s-> %d names an unsaved node", e.From, e.Type, e.To)
		}
		k := ek{e.From, e.To, e.Type}
		if seen[k] {
			continue
		}
		seen[k] = true
		created := e.CreatedAt
		if created == 0 {
			created = nowMillis()
		}
		args = append(args, e.From, e.To, string(e.Type), e.Label, created)
	}
	var added []lineage.Edge
	err := insertEdges.run(ctx, c, args, func(s scanner) error {
		var e lineage.Edge
		if err := s.Scan(&e.From, &e.To, &e.Type, &e.Label, &e.CreatedAt); err != nil {
			return err
		}
		added = append(added, e)
		return nil
	})
	return added, err
}

// SetNodeAttrs replaces a node's attributes (deployments: what they serve).
func (c conn) SetNodeAttrs(ctx context.Context, id int64, attrs json.RawMessage) error {
	res, err := c.exec(ctx, `UPDATE lineage_nodes SET attrs = ? WHERE id = ? AND workspace = ?`, string(attrs), id, steward.WorkspaceFrom(ctx))
	if err != nil {
		return err
	}
	return one(res, "lineage node")
}

// PutFacets upserts facets; an older event's facet never replaces a newer,
// and one that did not change is not rewritten (every event of a job
// repeats its tables' schema facets).
func (c conn) PutFacets(ctx context.Context, facets []lineage.Facet) error {
	type fk struct {
		node int64
		name string
	}
	// One row per key per statement (PostgreSQL requires it): of several
	// (a batch of events), the newest event's wins, the later on a tie, as
	// if they had been stored one after the other.
	last := map[fk]int{}
	for i, f := range facets {
		k := fk{f.NodeID, f.Name}
		if j, ok := last[k]; !ok || facets[j].EventTime <= f.EventTime {
			last[k] = i
		}
	}
	// In key order, so concurrent upserts of the same facets cannot
	// deadlock (see ensureNodes).
	keep := make([]int, 0, len(last))
	for _, i := range last {
		keep = append(keep, i)
	}
	slices.SortFunc(keep, func(i, j int) int {
		return cmp.Or(cmp.Compare(facets[i].NodeID, facets[j].NodeID), cmp.Compare(facets[i].Name, facets[j].Name))
	})
	args := make([]any, 0, 4*len(keep))
	for _, i := range keep {
		f := facets[i]
		args = append(args, f.NodeID, f.Name, string(f.Value), f.EventTime)
	}
	return upsertFacets.run(ctx, c, args, nil)
}

// RecordOpenLineage stores events unless their digest is there already
// and reports which were new. The caller gives each digest once.
func (c conn) RecordOpenLineage(ctx context.Context, evs []*lineage.StoredEvent) ([]bool, error) {
	ws := steward.WorkspaceFrom(ctx)
	fresh := make(map[string]bool, len(evs))
	// By digest, so two batches sharing events cannot deadlock.
	sorted := slices.Clone(evs)
	slices.SortFunc(sorted, func(a, b *lineage.StoredEvent) int { return cmp.Compare(a.Digest, b.Digest) })
	args := make([]any, 0, 9*len(sorted))
	for _, ev := range sorted {
		args = append(args, ws, ev.Digest, ev.Kind, ev.EventType, ev.EventTime, ev.Job, ev.RunID, string(ev.Body), ev.ReceivedAt)
	}
	err := insertOpenLineage.run(ctx, c, args, func(s scanner) error {
		var d string
		if err := s.Scan(&d); err != nil {
			return err
		}
		fresh[d] = true
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]bool, len(evs))
	for i, ev := range evs {
		out[i] = fresh[ev.Digest]
	}
	return out, nil
}

// OpenLineageSeen returns which of the event digests were recorded.
func (c conn) OpenLineageSeen(ctx context.Context, digests []string) (map[string]bool, error) {
	seen := make(map[string]bool, len(digests))
	for start := 0; start < len(digests); start += idChunk {
		part := digests[start:min(start+idChunk, len(digests))]
		args := []any{steward.WorkspaceFrom(ctx)}
		for _, d := range part {
			args = append(args, d)
		}
		err := c.eachRow(ctx, func(s scanner) error {
			var d string
			if err := s.Scan(&d); err != nil {
				return err
			}
			seen[d] = true
			return nil
		}, `SELECT digest FROM openlineage_events WHERE workspace = ? AND digest IN (`+placeholders(len(part))+`)`, args...)
		if err != nil {
			return nil, err
		}
	}
	return seen, nil
}

// GetNode returns a node by type and key.
func (c conn) GetNode(ctx context.Context, t lineage.NodeType, key string) (*lineage.Node, error) {
	n, err := scanNode(c.row(ctx, `SELECT `+nodeCols+` FROM lineage_nodes n WHERE n.workspace = ? AND n.type = ? AND n.key = ?`,
		steward.WorkspaceFrom(ctx), string(t), key))
	return n, notFound(c.wrap(err), "node %s:%s does not exist in the lineage graph", t, key)
}

// NodesByID returns the workspace's nodes with the given ids (any order).
func (c conn) NodesByID(ctx context.Context, ids []int64) ([]*lineage.Node, error) {
	var out []*lineage.Node
	for start := 0; start < len(ids); start += idChunk {
		part := ids[start:min(start+idChunk, len(ids))]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		// The workspace is checked here, not in SQL: with it in the WHERE
		// clause and no statistics, SQLite reads every node of the
		// workspace through the (workspace, type, name) index instead of
		// looking the ids up.
		ws := steward.WorkspaceFrom(ctx)
		err := c.eachRow(ctx, func(s scanner) error {
			var nws string
			n, err := scanNode(s, &nws)
			if err == nil && nws == ws {
				out = append(out, n)
			}
			return err
		}, `SELECT n.workspace, `+nodeCols+` FROM lineage_nodes n WHERE n.id IN (`+placeholders(len(part))+`)`, args...)
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// NodesByName returns the nodes of a type sharing a group name (the
// versions of a dataset), oldest first.
func (c conn) NodesByName(ctx context.Context, t lineage.NodeType, name string) ([]*lineage.Node, error) {
	var out []*lineage.Node
	err := c.eachRow(ctx, func(s scanner) error {
		n, err := scanNode(s)
		out = append(out, n)
		return err
	}, `SELECT `+nodeCols+` FROM lineage_nodes n WHERE n.workspace = ? AND n.type = ? AND n.name = ? ORDER BY n.id LIMIT 10000`,
		steward.WorkspaceFrom(ctx), string(t), name)
	return out, err
}

// ListNodes lists nodes in (type, key) order.
func (c conn) ListNodes(ctx context.Context, f lineage.NodeFilter, page steward.PageRequest) ([]*lineage.Node, string, error) {
	limit, err := page.Limit()
	if err != nil {
		return nil, "", err
	}
	fp := "nodes|" + string(f.Type) + "|" + f.Name + "|" + f.KeyPrefix
	after, err := steward.DecodePageToken(page.Token, fp, 2)
	if err != nil {
		return nil, "", err
	}
	// Ordered by (type, key), the order of the unique (workspace, type, key)
	// index, so a page is an index range on both backends whatever the
	// filters (a name filter reads that name's few nodes and sorts them).
	q, args := `SELECT `+nodeCols+` FROM lineage_nodes n WHERE n.workspace = ?`, []any{steward.WorkspaceFrom(ctx)}
	if f.Type != "" {
		q, args = q+` AND n.type = ?`, append(args, string(f.Type))
	}
	if f.Name != "" {
		q, args = q+` AND n.name = ?`, append(args, f.Name)
	}
	if f.KeyPrefix != "" {
		q, args = q+` AND n.key >= ? AND n.key < ?`, append(args, f.KeyPrefix, f.KeyPrefix+"\U0010FFFF")
	}
	if after != nil {
		q, args = q+` AND (n.type > ? OR (n.type = ? AND n.key > ?))`, append(args, after[0], after[0], after[1])
	}
	var out []*lineage.Node
	err = c.eachRow(ctx, func(s scanner) error {
		n, err := scanNode(s)
		out = append(out, n)
		return err
	}, q+` ORDER BY n.type, n.key LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		next = steward.EncodePageToken(fp, string(last.Type), last.Key)
	}
	return out, next, nil
}

// Facets returns a node's facets by name.
func (c conn) Facets(ctx context.Context, nodeID int64) (map[string]json.RawMessage, error) {
	out := map[string]json.RawMessage{}
	err := c.eachRow(ctx, func(s scanner) error {
		var name, v string
		if err := s.Scan(&name, &v); err != nil {
			return err
		}
		out[name] = json.RawMessage(v)
		return nil
	}, `SELECT name, value FROM lineage_facets WHERE node_id = ? ORDER BY name`, nodeID)
	return out, err
}

// edgeTypeFilter returns " AND e.type IN (?, …)" for types, or "".
func edgeTypeFilter(types []lineage.EdgeType, not bool) (string, []any) {
	if len(types) == 0 {
		return "", nil
	}
	args := make([]any, len(types))
	for i, t := range types {
		args[i] = string(t)
	}
	op := " IN ("
	if not {
		op = " NOT IN ("
	}
	return " AND e.type" + op + placeholders(len(types)) + ")", args
}

// walkRowsPerNode bounds a walk's (node, depth) rows by the nodes it may
// return. Without it a trace explored the whole frontier to its depth
// (hundreds of thousands of pairs from a busy node in a 1M-node graph) and
// then kept the nearest Limit nodes. Rows come breadth first on both
// backends, so the rows kept are the nearest; three per node leaves room
// for nodes met again at other depths.
const walkRowsPerNode = 3

// Walk follows edges from q.Start. walk holds (node, depth) pairs: UNION
// drops a pair already produced, so a node met again at the same depth is
// not expanded twice, and the depth bound ends paths round a cycle. The walk
// stops after walkRowsPerNode × (Limit+1) pairs: SQLite takes that LIMIT in
// the recursive CTE itself, PostgreSQL (which refuses a LIMIT there) in the
// query that reads it, and stops the recursion when that query stops
// reading (see Dialect.RecursiveLimit). reached keeps each node at its least
// depth, nearest first, up to the limit, with the number of pairs that
// named it (their sum tells whether the walk stopped early); the outer
// query returns each reached node with the edges (of the followed types)
// that join it to other reached nodes on the side the walk came from. "+"
// keeps SQLite from driving that join through the IN list, and CROSS JOIN
// makes it look nodes up by id from reached: without statistics (the
// server never runs ANALYZE) it would otherwise scan every node of the
// workspace. Only edge columns the indexes hold are read, so both backends
// answer from the edge indexes alone (index-only scans).
func (c conn) Walk(ctx context.Context, q lineage.WalkQuery) (*lineage.WalkResult, error) {
	next, cur := "e.dst", "e.src"
	if q.Direction == lineage.Upstream {
		next, cur = "e.src", "e.dst"
	}
	filter, fargs := edgeTypeFilter(q.EdgeTypes, false)
	budget := walkRowsPerNode * (q.Limit + 1)
	inner, walked := "", `SELECT id, depth FROM walk LIMIT ?`
	if c.d.RecursiveLimit {
		inner, walked = ` LIMIT ?`, `SELECT id, depth FROM walk`
	}
	query := `WITH RECURSIVE walk(id, depth) AS (
		SELECT CAST(? AS BIGINT), 0
		UNION
		SELECT ` + next + `, w.depth + 1 FROM walk w JOIN lineage_edges e ON ` + cur + ` = w.id
		WHERE w.depth < ?` + filter + inner + `
	), reached(id, depth, pairs) AS (
		SELECT id, MIN(depth), COUNT(*) FROM (` + walked + `) w GROUP BY id ORDER BY 2, 1 LIMIT ?
	)
	SELECT n.workspace, r.depth, r.pairs, COALESCE(` + cur + `, 0), COALESCE(e.type, ''), ` + nodeCols + `
	FROM reached r CROSS JOIN lineage_nodes n
	LEFT JOIN lineage_edges e ON ` + next + ` = r.id AND +` + cur + ` IN (SELECT id FROM reached)` + filter + `
	WHERE n.id = r.id`
	args := append([]any{q.Start, q.Depth}, fargs...)
	args = append(append(args, budget, q.Limit+1), fargs...)
	ws := steward.WorkspaceFrom(ctx)
	res := &lineage.WalkResult{}
	seen := map[int64]bool{}
	walkedPairs := 0
	err := c.eachRow(ctx, func(s scanner) error {
		var depth, pairs int
		var other int64
		var et, nws string
		n, err := scanNode(s, &nws, &depth, &pairs, &other, &et)
		if err != nil || nws != ws {
			return err // edges never leave a workspace; the check is a second line
		}
		if !seen[n.ID] {
			seen[n.ID] = true
			walkedPairs += pairs
			res.Nodes = append(res.Nodes, lineage.Reached{Node: n, Depth: depth})
		}
		if other != 0 {
			e := lineage.Edge{From: other, To: n.ID, Type: lineage.EdgeType(et)}
			if q.Direction == lineage.Upstream {
				e.From, e.To = n.ID, other
			}
			res.Edges = append(res.Edges, e)
		}
		return nil
	}, query, args...)
	if err != nil {
		return nil, err
	}
	// Nearest first (the rows come in no promised order; sorting here
	// spares the database a sort of every edge row).
	slices.SortFunc(res.Nodes, func(a, b lineage.Reached) int { return cmp.Or(a.Depth-b.Depth, cmp.Compare(a.Node.ID, b.Node.ID)) })
	if len(res.Nodes) > q.Limit {
		// The deepest node is one too many: drop it and its edges.
		drop := res.Nodes[q.Limit].Node.ID
		res.Nodes, res.Truncated = res.Nodes[:q.Limit], true
		res.Edges = slices.DeleteFunc(res.Edges, func(e lineage.Edge) bool { return e.From == drop || e.To == drop })
	}
	// Every pair was counted when no node was cut; if they fill the budget,
	// the walk stopped before the end of its depth and more may be there.
	if walkedPairs >= budget {
		res.Truncated = true
	}
	return res, nil
}

// Reach returns every node reachable downstream from starts (starts
// included) without following skip edges. Rows are node ids only, so UNION
// visits each node once: the walk ends on cycles without a depth bound.
func (c conn) Reach(ctx context.Context, starts []int64, skip []lineage.EdgeType) ([]lineage.ReachedNode, error) {
	if len(starts) == 0 {
		return nil, nil
	}
	if len(starts) > idChunk {
		return nil, steward.Errorf(steward.CodeTooLarge, "at most %d start nodes", idChunk)
	}
	filter, fargs := edgeTypeFilter(skip, true)
	// The starts are nodes the caller read from the workspace; edges never
	// leave it. (A workspace condition here would make SQLite, without
	// statistics, scan the workspace's nodes instead of looking ids up.)
	var args []any
	for _, id := range starts {
		args = append(args, id)
	}
	args = append(args, fargs...)
	query := `WITH RECURSIVE reach(id) AS (
		SELECT id FROM lineage_nodes WHERE id IN (` + placeholders(len(starts)) + `)
		UNION
		SELECT e.dst FROM reach r JOIN lineage_edges e ON e.src = r.id WHERE 1 = 1` + filter + `
	)
	SELECT n.id, n.type FROM reach r JOIN lineage_nodes n ON n.id = r.id`
	var out []lineage.ReachedNode
	err := c.eachRow(ctx, func(s scanner) error {
		var r lineage.ReachedNode
		if err := s.Scan(&r.ID, &r.Type); err != nil {
			return err
		}
		out = append(out, r)
		return nil
	}, query, args...)
	return out, err
}

// EdgesInto returns the edges of type t into the given nodes.
func (c conn) EdgesInto(ctx context.Context, t lineage.EdgeType, to []int64) ([]lineage.Edge, error) {
	var out []lineage.Edge
	for start := 0; start < len(to); start += idChunk {
		part := to[start:min(start+idChunk, len(to))]
		args := []any{string(t)}
		for _, id := range part {
			args = append(args, id)
		}
		err := c.eachRow(ctx, func(s scanner) error {
			var e lineage.Edge
			if err := s.Scan(&e.From, &e.To, &e.Type, &e.Label, &e.CreatedAt); err != nil {
				return err
			}
			out = append(out, e)
			return nil
		}, `SELECT src, dst, type, label, created_at FROM lineage_edges WHERE type = ? AND dst IN (`+placeholders(len(part))+`)`, args...)
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// InputEdges returns the consumed edges into a node from dataset versions.
func (c conn) InputEdges(ctx context.Context, nodeID int64) ([]lineage.Edge, error) {
	var out []lineage.Edge
	err := c.eachRow(ctx, func(s scanner) error {
		var e lineage.Edge
		if err := s.Scan(&e.From, &e.To, &e.Type, &e.Label, &e.CreatedAt); err != nil {
			return err
		}
		out = append(out, e)
		return nil
	}, `SELECT e.src, e.dst, e.type, e.label, e.created_at FROM lineage_edges e JOIN lineage_nodes n ON n.id = e.src
		WHERE e.dst = ? AND e.type = ? AND n.type = ?`, nodeID, string(lineage.EdgeConsumed), string(lineage.NodeDatasetVersion))
	return out, err
}

// ModelVersionsOfRun returns the versions registered from a run.
func (c conn) ModelVersionsOfRun(ctx context.Context, runID string) ([]lineage.VersionRef, error) {
	var out []lineage.VersionRef
	err := c.eachRow(ctx, func(s scanner) error {
		var v lineage.VersionRef
		if err := s.Scan(&v.ID, &v.Model, &v.Version, &v.RunID); err != nil {
			return err
		}
		out = append(out, v)
		return nil
	}, `SELECT v.id, m.name, v.version, v.run_id FROM model_versions v JOIN models m ON m.id = v.model_id
		WHERE v.workspace = ? AND v.run_id = ? ORDER BY m.name, v.version`, steward.WorkspaceFrom(ctx), runID)
	return out, err
}

// ResolveModelVersion finds a version by model name and number.
func (c conn) ResolveModelVersion(ctx context.Context, model string, version int64) (*lineage.VersionRef, error) {
	v := &lineage.VersionRef{}
	err := c.row(ctx, `SELECT v.id, m.name, v.version, v.run_id FROM model_versions v JOIN models m ON m.id = v.model_id
		WHERE m.workspace = ? AND m.name = ? AND v.version = ?`, steward.WorkspaceFrom(ctx), model, version).Scan(&v.ID, &v.Model, &v.Version, &v.RunID)
	return v, notFound(c.wrap(err), "version %d of registered model %q does not exist", version, model)
}

// ModelVersionByID finds a version by id.
func (c conn) ModelVersionByID(ctx context.Context, id string) (*lineage.VersionRef, error) {
	v := &lineage.VersionRef{}
	err := c.row(ctx, `SELECT v.id, m.name, v.version, v.run_id FROM model_versions v JOIN models m ON m.id = v.model_id
		WHERE v.workspace = ? AND v.id = ?`, steward.WorkspaceFrom(ctx), id).Scan(&v.ID, &v.Model, &v.Version, &v.RunID)
	return v, notFound(c.wrap(err), "model version %q does not exist", id)
}

// mlflowEnvTags are the run tags an environment can be derived from.
var mlflowEnvTags = []any{"mlflow.source.git.commit", "mlflow.source.git.repoURL", "mlflow.gitRepoURL", "mlflow.source.git.branch"}

// RunInfo returns a run's name, times and the tags lineage reads.
func (c conn) RunInfo(ctx context.Context, runID string) (*lineage.RunInfo, error) {
	// One statement: the run, once per environment tag it has (once with
	// NULLs when it has none).
	r := &lineage.RunInfo{Tags: map[string]string{}}
	found := false
	err := c.eachRow(ctx, func(s scanner) error {
		var end sql.NullInt64
		var k, v sql.NullString
		if err := s.Scan(&r.ID, &r.Name, &r.StartTime, &end, &k, &v); err != nil {
			return err
		}
		found = true
		if end.Valid {
			r.EndTime = &end.Int64
		}
		if k.Valid {
			r.Tags[k.String] = v.String
		}
		return nil
	}, `SELECT r.id, r.name, r.start_time, r.end_time, t.key, t.value FROM runs r
		LEFT JOIN run_tags t ON t.run_id = r.id AND t.key IN (`+placeholders(len(mlflowEnvTags))+`)
		WHERE r.workspace = ? AND r.id = ?`, append(append([]any{}, mlflowEnvTags...), steward.WorkspaceFrom(ctx), runID)...)
	if err != nil {
		return nil, c.wrap(err)
	}
	if !found {
		return nil, steward.Errorf(steward.CodeNotFound, "run %q does not exist", runID)
	}
	return r, nil
}

// --- datasets ---

const datasetCols = `id, workspace, name, version, uri, digest, digest_kind, schema, row_count, size, owner, description, tags, file_count, created_by, created_at`

func scanDataset(s scanner) (*lineage.DatasetVersion, error) {
	d := &lineage.DatasetVersion{}
	var schema, tags string
	var rows sql.NullInt64
	if err := s.Scan(&d.ID, &d.Workspace, &d.Name, &d.Version, &d.URI, &d.Digest, &d.DigestKind, &schema, &rows, &d.Size,
		&d.Owner, &d.Description, &tags, &d.FileCount, &d.CreatedBy, &d.CreatedAt); err != nil {
		return nil, err
	}
	if rows.Valid {
		d.RowCount = &rows.Int64
	}
	if err := json.Unmarshal([]byte(schema), &d.Schema); err != nil {
		return nil, fmt.Errorf("dataset %s schema: %w", d.ID, err)
	}
	if err := json.Unmarshal([]byte(tags), &d.Tags); err != nil {
		return nil, fmt.Errorf("dataset %s tags: %w", d.ID, err)
	}
	return d, nil
}

// NextDatasetVersion returns one more than the dataset's highest version.
// Two PostgreSQL transactions may read the same number; the second insert
// then fails on the unique key and is retried (see CreateDatasetVersion).
func (c conn) NextDatasetVersion(ctx context.Context, name string) (int64, error) {
	var n int64
	err := c.row(ctx, `SELECT COALESCE(MAX(version), 0) + 1 FROM dataset_versions WHERE workspace = ? AND name = ?`, steward.WorkspaceFrom(ctx), name).Scan(&n)
	return n, c.wrap(err)
}

// CreateDatasetVersion inserts a version and its manifest.
func (c conn) CreateDatasetVersion(ctx context.Context, d *lineage.DatasetVersion, files []lineage.File) error {
	schema, _ := json.Marshal(d.Schema)
	tags, _ := json.Marshal(d.Tags)
	var rows any
	if d.RowCount != nil {
		rows = *d.RowCount
	}
	_, err := c.exec(ctx, `INSERT INTO dataset_versions (`+datasetCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		d.ID, d.Workspace, d.Name, d.Version, d.URI, d.Digest, d.DigestKind, string(schema), rows, d.Size, d.Owner, d.Description,
		string(tags), d.FileCount, d.CreatedBy, d.CreatedAt)
	if err != nil && c.d.IsUnique(err) {
		// Another transaction took this version number: InTx runs the
		// whole change again on fresh reads.
		return &steward.Error{Code: steward.CodePreconditionFailed, Message: "dataset " + d.Name + " gained a version at the same time; retry", Err: errRaced}
	}
	if err != nil {
		return err
	}
	args := make([]any, 0, 4*len(files))
	for _, f := range files {
		args = append(args, d.ID, f.Path, f.Digest, f.Size)
	}
	return insertDatasetFiles.run(ctx, c, args, nil)
}

// GetDatasetVersion returns one version (without files).
func (c conn) GetDatasetVersion(ctx context.Context, name string, version int64) (*lineage.DatasetVersion, error) {
	d, err := scanDataset(c.row(ctx, `SELECT `+datasetCols+` FROM dataset_versions WHERE workspace = ? AND name = ? AND version = ?`,
		steward.WorkspaceFrom(ctx), name, version))
	return d, notFound(c.wrap(err), "version %d of dataset %q does not exist", version, name)
}

// LatestDatasetVersion returns a dataset's newest version.
func (c conn) LatestDatasetVersion(ctx context.Context, name string) (*lineage.DatasetVersion, error) {
	d, err := scanDataset(c.row(ctx, `SELECT `+datasetCols+` FROM dataset_versions WHERE workspace = ? AND name = ? ORDER BY version DESC LIMIT 1`,
		steward.WorkspaceFrom(ctx), name))
	return d, notFound(c.wrap(err), "dataset %q does not exist", name)
}

// DatasetFiles returns a version's manifest by path.
func (c conn) DatasetFiles(ctx context.Context, versionID string) ([]lineage.File, error) {
	out := []lineage.File{}
	err := c.eachRow(ctx, func(s scanner) error {
		var f lineage.File
		if err := s.Scan(&f.Path, &f.Digest, &f.Size); err != nil {
			return err
		}
		out = append(out, f)
		return nil
	}, `SELECT path, digest, size FROM dataset_files WHERE version_id = ? ORDER BY path`, versionID)
	return out, err
}

// DatasetVersionsByDigest returns versions with any of the digests, newest first.
func (c conn) DatasetVersionsByDigest(ctx context.Context, digests []string) ([]*lineage.DatasetVersion, error) {
	if len(digests) == 0 {
		return nil, nil
	}
	args := []any{steward.WorkspaceFrom(ctx)}
	for _, d := range digests {
		args = append(args, d)
	}
	var out []*lineage.DatasetVersion
	err := c.eachRow(ctx, func(s scanner) error {
		d, err := scanDataset(s)
		out = append(out, d)
		return err
	}, `SELECT `+datasetCols+` FROM dataset_versions WHERE workspace = ? AND digest IN (`+placeholders(len(digests))+`)
		ORDER BY created_at DESC, version DESC LIMIT 100`, args...)
	return out, err
}

// ListDatasets lists dataset names with their version count.
func (c conn) ListDatasets(ctx context.Context, prefix string, page steward.PageRequest) ([]*lineage.DatasetSummary, string, error) {
	limit, err := page.Limit()
	if err != nil {
		return nil, "", err
	}
	fp := "datasets|" + prefix
	after, err := steward.DecodePageToken(page.Token, fp, 1)
	if err != nil {
		return nil, "", err
	}
	q, args := `SELECT d.name, COUNT(*), MAX(d.version), MAX(d.created_at),
		(SELECT l.owner FROM dataset_versions l WHERE l.workspace = d.workspace AND l.name = d.name ORDER BY l.version DESC LIMIT 1)
		FROM dataset_versions d WHERE d.workspace = ?`, []any{steward.WorkspaceFrom(ctx)}
	if prefix != "" {
		q, args = q+` AND d.name >= ? AND d.name < ?`, append(args, prefix, prefix+"\U0010FFFF")
	}
	if after != nil {
		q, args = q+` AND d.name > ?`, append(args, after[0])
	}
	var out []*lineage.DatasetSummary
	err = c.eachRow(ctx, func(s scanner) error {
		d := &lineage.DatasetSummary{}
		if err := s.Scan(&d.Name, &d.Versions, &d.LatestVersion, &d.UpdatedAt, &d.Owner); err != nil {
			return err
		}
		out = append(out, d)
		return nil
	}, q+` GROUP BY d.workspace, d.name ORDER BY d.name LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = steward.EncodePageToken(fp, out[limit-1].Name)
	}
	return out, next, nil
}

// ListDatasetVersions lists a dataset's versions, newest first.
func (c conn) ListDatasetVersions(ctx context.Context, name string, page steward.PageRequest) ([]*lineage.DatasetVersion, string, error) {
	limit, err := page.Limit()
	if err != nil {
		return nil, "", err
	}
	fp := "dataset-versions|" + name
	after, err := steward.DecodePageToken(page.Token, fp, 1)
	if err != nil {
		return nil, "", err
	}
	q, args := `SELECT `+datasetCols+` FROM dataset_versions WHERE workspace = ? AND name = ?`, []any{steward.WorkspaceFrom(ctx), name}
	if after != nil {
		v, err := strconv.ParseInt(after[0], 10, 64)
		if err != nil {
			return nil, "", steward.Errorf(steward.CodeInvalid, "page_token is not valid")
		}
		q, args = q+` AND version < ?`, append(args, v)
	}
	var out []*lineage.DatasetVersion
	err = c.eachRow(ctx, func(s scanner) error {
		d, err := scanDataset(s)
		out = append(out, d)
		return err
	}, q+` ORDER BY version DESC LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = steward.EncodePageToken(fp, strconv.FormatInt(out[limit-1].Version, 10))
	}
	return out, next, nil
}

// --- run environments ---

// GetRunEnvironment returns a run's captured environment.
func (c conn) GetRunEnvironment(ctx context.Context, runID string) (*lineage.Environment, error) {
	var raw string
	err := c.row(ctx, `SELECT env FROM run_environments WHERE workspace = ? AND run_id = ?`, steward.WorkspaceFrom(ctx), runID).Scan(&raw)
	if err != nil {
		return nil, notFound(c.wrap(err), "run %q has no captured environment", runID)
	}
	env := &lineage.Environment{}
	if err := json.Unmarshal([]byte(raw), env); err != nil {
		return nil, fmt.Errorf("environment of run %s: %w", runID, err)
	}
	env.Dependencies = []lineage.Dependency{}
	err = c.eachRow(ctx, func(s scanner) error {
		var d lineage.Dependency
		if err := s.Scan(&d.Ecosystem, &d.Name, &d.Version); err != nil {
			return err
		}
		env.Dependencies = append(env.Dependencies, d)
		return nil
	}, `SELECT ecosystem, name, version FROM run_dependencies WHERE run_id = ? ORDER BY ecosystem, name, version`, runID)
	return env, err
}

// PutRunEnvironment writes (replaces) a run's environment and dependencies.
func (c conn) PutRunEnvironment(ctx context.Context, runID string, env *lineage.Environment, now int64) error {
	body := *env
	body.Dependencies = nil // stored as rows
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	if _, err := c.exec(ctx, `INSERT INTO run_environments (run_id, workspace, env, captured_at, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (run_id) DO UPDATE SET env = excluded.env, updated_at = excluded.updated_at`,
		runID, steward.WorkspaceFrom(ctx), string(b), env.CapturedAt, now); err != nil {
		return err
	}
	if _, err := c.exec(ctx, `DELETE FROM run_dependencies WHERE run_id = ?`, runID); err != nil {
		return err
	}
	args := make([]any, 0, 4*len(env.Dependencies))
	for _, d := range env.Dependencies {
		args = append(args, runID, d.Ecosystem, d.Name, d.Version)
	}
	return insertDependencies.run(ctx, c, args, nil)
}
