package storetest

// Bulk seeding of a lineage graph for benchmarks (bench_lineage_test.go and
// the load command in bench/load): a layered pipeline shaped like real
// lineage, written with multi-row INSERTs in one transaction.
//
// At the default size, 1,000,000 nodes and 2,000,000 edges:
//
//	raw data      20,000 datasets × 5 versions = 100,000 dataset_version
//	5 layers      each 10,000 datasets × 5 versions made by an OpenLineage
//	              run of one of 2,000 jobs from 2 datasets of the layer
//	              before (250,000 runs, 10,000 external_job, 250,000
//	              dataset_version; 60,000 derived_from edges to a parent)
//	training      50,000 runs, each consuming 3 datasets of layers 3-5, a
//	              code commit (of 50,000) and an image (of 5,000), producing
//	              2 model versions (100,000) trained_on 2 of the inputs
//	serving       5,000 deployments (40% production) × 6 versions over
//	              time; 180,000 prediction batches predicted_by a
//	              deployment and the version that served it
//
// Inputs are picked at random (fixed seed), so downstream of a raw dataset
// fans out about ×2 per layer and upstream of a model fans in the same way.
// Scale with Nodes; every count scales with it.

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/steward-registry/steward/internal/lineage"
	"github.com/steward-registry/steward/internal/steward"
	"github.com/steward-registry/steward/internal/store/sqlstore"
)

// SeedLineageOptions says how big a graph to write.
type SeedLineageOptions struct {
	Nodes     int    // default 1,000,000 (edges are about twice as many)
	Workspace string // default "default"
}

// SeedLineageStats reports what was written and where to start queries.
type SeedLineageStats struct {
	Nodes, Edges int
	Took         time.Duration
	// RawDatasets are dataset names with downstream deployments (impact).
	RawDatasets []string
	// Refs are sample node refs of every type, for traces.
	Refs map[lineage.NodeType][]string
}

// SeedLineage writes a lineage graph into db in one transaction. The
// workspace must exist and its graph should be empty.
func SeedLineage(ctx context.Context, db *sqlstore.DB, opts SeedLineageOptions) (SeedLineageStats, error) {
	start := time.Now()
	if opts.Nodes == 0 {
		opts.Nodes = 1_000_000
	}
	ws := opts.Workspace
	if ws == "" {
		ws = steward.DefaultWorkspace
	}
	scale := func(n int) int { return max(1, n*opts.Nodes/1_000_000) }
	var (
		rawNames  = scale(20_000)
		perLayer  = scale(10_000) // dataset names per derived layer
		versions  = 5
		layers    = 5
		jobsPer   = scale(2_000)
		trainings = scale(50_000)
		commits   = scale(50_000)
		images    = scale(5_000)
		deploys   = scale(5_000)
		perDeploy = 6
		batches   = scale(180_000)
		derivedOf = scale(60_000) // derived_from edges
	)
	st := SeedLineageStats{Refs: map[lineage.NodeType][]string{}}
	tx, err := db.Write.BeginTx(ctx, nil)
	if err != nil {
		return st, err
	}
	defer func() { _ = tx.Rollback() }()
	numbered := db.Dialect.Numbered
	var base int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM lineage_nodes`).Scan(&base); err != nil {
		return st, err
	}
	now := time.Now().UnixMilli()
	nodes := newBatch(tx, numbered, `INSERT INTO lineage_nodes (id, workspace, type, key, name, object_id, attrs, created_at) VALUES `, 8)
	edges := newBatch(tx, numbered, `INSERT INTO lineage_edges (src, dst, type, label, created_at) VALUES `, 5, nodes)
	next := base
	rnd := rand.New(rand.NewPCG(2026, 1123))
	sample := func(t lineage.NodeType, key string) {
		if len(st.Refs[t]) < 2000 && rnd.IntN(8) == 0 {
			st.Refs[t] = append(st.Refs[t], string(t)+":"+key)
		}
	}
	node := func(t lineage.NodeType, key, name, attrs string) (int64, error) {
		next++
		st.Nodes++
		sample(t, key)
		return next, nodes.add(ctx, next, ws, string(t), key, name, "", attrs, now)
	}
	edge := func(from, to int64, t lineage.EdgeType) error {
		st.Edges++
		return edges.add(ctx, from, to, string(t), "", now)
	}
	hex := func(i uint64, n int) string {
		return fmt.Sprintf("%016x%016x%016x%016x", splitmix(i), splitmix(i+1), splitmix(i+2), splitmix(i+3))[:n]
	}

	// Raw data: layer 0.
	layer := make([][]int64, layers+1)
	for i := range rawNames {
		name := fmt.Sprintf("raw-%05d", i)
		if len(st.RawDatasets) < 2000 && i%max(1, rawNames/2000) == 0 {
			st.RawDatasets = append(st.RawDatasets, name)
		}
		for v := 1; v <= versions; v++ {
			id, err := node(lineage.NodeDatasetVersion, fmt.Sprintf("%s@%d", name, v), name, `{}`)
			if err != nil {
				return st, err
			}
			layer[0] = append(layer[0], id)
		}
	}
	// Derived layers, each dataset version made by an OpenLineage run of a
	// job of its layer from two datasets of the layer before.
	derivedLeft := derivedOf
	for l := 1; l <= layers; l++ {
		jobs := make([]int64, jobsPer)
		for j := range jobs {
			k := fmt.Sprintf("airflow-prod/layer%d.task_%04d", l, j)
			if jobs[j], err = node(lineage.NodeExternalJob, k, k, `{}`); err != nil {
				return st, err
			}
		}
		for i := range perLayer {
			name := fmt.Sprintf("l%d-%05d", l, i)
			for v := 1; v <= versions; v++ {
				seq := uint64(l*10_000_000 + i*10 + v)
				h := hex(seq, 32)
				runKey := h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
				job := jobs[rnd.IntN(len(jobs))]
				run, err := node(lineage.NodeRun, runKey, name, `{}`)
				if err != nil {
					return st, err
				}
				ds, err := node(lineage.NodeDatasetVersion, fmt.Sprintf("%s@%d", name, v), name, `{}`)
				if err != nil {
					return st, err
				}
				prev := layer[l-1]
				parent := prev[(i*versions+v-1)%len(prev)]
				other := prev[rnd.IntN(len(prev))]
				for _, e := range []struct {
					from, to int64
					t        lineage.EdgeType
				}{{job, run, lineage.EdgeProduced}, {parent, run, lineage.EdgeConsumed}, {other, run, lineage.EdgeConsumed}, {run, ds, lineage.EdgeProduced}} {
					if e.from == other && other == parent {
						continue
					}
					if err := edge(e.from, e.to, e.t); err != nil {
						return st, err
					}
				}
				if derivedLeft > 0 && rnd.IntN(100) < 24 {
					derivedLeft--
					if err := edge(parent, ds, lineage.EdgeDerivedFrom); err != nil {
						return st, err
					}
				}
				layer[l] = append(layer[l], ds)
			}
		}
	}
	// Training: runs consuming late-layer data, code and images.
	commitIDs := make([]int64, commits)
	for i := range commitIDs {
		repo := fmt.Sprintf("https://github.com/acme/ml-%03d", i%500)
		if commitIDs[i], err = node(lineage.NodeCodeCommit, repo+"@"+hex(uint64(900_000_000+i), 40), repo, `{}`); err != nil {
			return st, err
		}
	}
	imageIDs := make([]int64, images)
	for i := range imageIDs {
		if imageIDs[i], err = node(lineage.NodeImage, "sha256:"+hex(uint64(800_000_000+i), 64), fmt.Sprintf("ghcr.io/acme/train-%03d", i%100), `{}`); err != nil {
			return st, err
		}
	}
	late := append(append(append([]int64{}, layer[3]...), layer[4]...), layer[5]...)
	var mvs []int64
	mvNames := make(map[int64]string)
	for t := range trainings {
		run, err := node(lineage.NodeRun, hex(uint64(700_000_000+t), 32), fmt.Sprintf("train-%05d", t), `{}`)
		if err != nil {
			return st, err
		}
		ins := pickDistinct(rnd, late, 3)
		for _, in := range append(ins, commitIDs[t%len(commitIDs)], imageIDs[rnd.IntN(len(imageIDs))]) {
			if err := edge(in, run, lineage.EdgeConsumed); err != nil {
				return st, err
			}
		}
		for k := range 2 {
			model := fmt.Sprintf("model-%05d", (t*2+k)/5)
			n := (t*2+k)%5 + 1
			attrs, _ := json.Marshal(map[string]any{"model": model, "version": n})
			mv, err := node(lineage.NodeModelVersion, hex(uint64(600_000_000+t*2+k), 32), model, string(attrs))
			if err != nil {
				return st, err
			}
			mvNames[mv] = model
			if err := edge(run, mv, lineage.EdgeProduced); err != nil {
				return st, err
			}
			for _, in := range ins[:2] {
				if err := edge(in, mv, lineage.EdgeTrainedOn); err != nil {
					return st, err
				}
			}
			mvs = append(mvs, mv)
		}
	}
	// Serving: each deployment served perDeploy versions over time; batches
	// were predicted by a deployment and one of its versions.
	envs := []string{"production", "production", "production", "production", "staging", "staging", "staging", "development", "development", "development"}
	served := make([][]int64, deploys)
	for d := range deploys {
		vs := pickDistinct(rnd, mvs, perDeploy)
		attrs, _ := json.Marshal(lineage.DeploymentAttrs{Environment: envs[d%len(envs)], Model: mvNames[vs[perDeploy-1]], Version: int64(perDeploy), CurrentNode: vs[perDeploy-1], UpdatedAt: now})
		dep, err := node(lineage.NodeDeployment, fmt.Sprintf("dep-%05d", d), fmt.Sprintf("dep-%05d", d), string(attrs))
		if err != nil {
			return st, err
		}
		for _, v := range vs {
			if err := edge(v, dep, lineage.EdgeDeployedAs); err != nil {
				return st, err
			}
		}
		served[d] = append(vs, dep)
	}
	for b := range batches {
		s := served[b%len(served)]
		pb, err := node(lineage.NodePredictionBatch, fmt.Sprintf("pb-%07d", b), "", `{}`)
		if err != nil {
			return st, err
		}
		if err := edge(s[len(s)-1], pb, lineage.EdgePredictedBy); err != nil {
			return st, err
		}
		if err := edge(s[rnd.IntN(len(s)-1)], pb, lineage.EdgePredictedBy); err != nil {
			return st, err
		}
	}
	for _, b := range []*batch{nodes, edges} {
		if err := b.flush(ctx); err != nil {
			return st, fmt.Errorf("seed lineage: %w", err)
		}
	}
	if numbered {
		// Explicit ids bypass the identity; move it past them.
		if _, err := tx.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('lineage_nodes', 'id'), (SELECT MAX(id) FROM lineage_nodes))`); err != nil {
			return st, err
		}
	}
	if err := tx.Commit(); err != nil {
		return st, err
	}
	if numbered {
		// Statistics for the planner and the visibility map for index-only
		// scans of the edge indexes, as autovacuum would leave them.
		if _, err := db.Write.ExecContext(ctx, `VACUUM ANALYZE lineage_nodes, lineage_edges`); err != nil {
			return st, err
		}
		_, _ = db.Write.ExecContext(ctx, `CHECKPOINT`)
	} else {
		// No ANALYZE: the server never runs it on SQLite, and with its
		// statistics SQLite re-prepares statements whose plan could depend
		// on the values bound, which a running server would not pay.
		if _, err := db.Write.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			return st, err
		}
	}
	st.Took = time.Since(start)
	return st, nil
}

// pickDistinct picks n different elements of from (which has more than n).
func pickDistinct(rnd *rand.Rand, from []int64, n int) []int64 {
	out := make([]int64, 0, n)
	for len(out) < n {
		v := from[rnd.IntN(len(from))]
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// OpenLineageBenchEvent is event i of an Airflow-like stream: a COMPLETE
// RunEvent of one of 200 jobs, with a new run id, reading two of 10,000
// tables and writing a version of one of 2,000, with schema, version and
// statistics facets (about 2.7 KB). The same i gives the same bytes, so replaying a
// stream replays identical events.
func OpenLineageBenchEvent(i int) []byte {
	h := fmt.Sprintf("%016x%016x", splitmix(uint64(i)), splitmix(uint64(i)+7))
	runID := h[:8] + "-" + h[8:12] + "-4" + h[13:16] + "-8" + h[17:20] + "-" + h[20:32]
	const producer = "https://github.com/apache/airflow/tree/providers-openlineage/1.13.0"
	schema := `{"_producer":"` + producer + `","_schemaURL":"https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet","fields":[{"name":"id","type":"bigint"},{"name":"customer_id","type":"bigint"},{"name":"amount","type":"numeric(12,2)"},{"name":"created_at","type":"timestamp"}]}`
	in := func(k int) string {
		return fmt.Sprintf(`{"namespace":"postgres://db.prod.internal:5432","name":"warehouse.public.t%05d","facets":{"schema":%s}}`, k, schema)
	}
	job := i % 200
	return fmt.Appendf(nil, `{"eventType":"COMPLETE","eventTime":"2026-11-23T%02d:%02d:%02d.%03dZ","producer":"%s","schemaURL":"https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",`+
		`"run":{"runId":"%s","facets":{"nominalTime":{"_producer":"%s","_schemaURL":"https://openlineage.io/spec/facets/1-0-1/NominalTimeRunFacet.json#/$defs/NominalTimeRunFacet","nominalStartTime":"2026-11-23T00:00:00Z"}}},`+
		`"job":{"namespace":"airflow-prod","name":"etl_%03d.load","facets":{"jobType":{"_producer":"%s","_schemaURL":"https://openlineage.io/spec/facets/2-0-3/JobTypeJobFacet.json#/$defs/JobTypeJobFacet","processingType":"BATCH","integration":"AIRFLOW","jobType":"TASK"}}},`+
		`"inputs":[%s,%s],`+
		`"outputs":[{"namespace":"s3://lake-curated","name":"etl_%03d/out%04d","facets":{"schema":%s,"version":{"_producer":"%s","_schemaURL":"https://openlineage.io/spec/facets/1-0-1/DatasetVersionDatasetFacet.json#/$defs/DatasetVersionDatasetFacet","datasetVersion":"%d"}},`+
		`"outputFacets":{"outputStatistics":{"_producer":"%s","_schemaURL":"https://openlineage.io/spec/facets/1-0-2/OutputStatisticsOutputDatasetFacet.json#/$defs/OutputStatisticsOutputDatasetFacet","rowCount":%d,"size":%d}}}]}`,
		(i/3600)%24, (i/60)%60, i%60, i%1000, producer, runID, producer, job, producer, in(int(splitmix(uint64(i))%10_000)), in(int(splitmix(uint64(i)+1)%10_000)),
		job, i%2000, schema, producer, i, producer, 1000+i%5000, 65536+i)
}
