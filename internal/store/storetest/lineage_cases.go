package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/steward-registry/steward/internal/events"
	"github.com/steward-registry/steward/internal/lineage"
	"github.com/steward-registry/steward/internal/lineage/lineagetest"
	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/steward"
	"github.com/steward-registry/steward/internal/tracking"
)

// sha is the canonical digest of s.
func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// dataset registers a version of name from a manifest of the given files
// (path → content).
func dataset(t *testing.T, e *Env, ctx context.Context, name string, files map[string]string) *lineage.DatasetVersion {
	t.Helper()
	var fs []lineage.File
	for p, c := range files {
		fs = append(fs, lineage.File{Path: p, Digest: sha(c), Size: int64(len(c))})
	}
	slices.SortFunc(fs, func(a, b lineage.File) int { return strings.Compare(a.Path, b.Path) })
	d, err := e.Lineage.CreateDatasetVersion(ctx, name, lineage.DatasetCreate{URI: "s3://lake/" + name, Digest: lineage.ManifestDigest(fs), Files: fs,
		Schema: []lineage.Column{{Name: "id", Type: "int64"}}, RowCount: ptr(int64(len(files)))})
	must(t, err)
	return d
}

func trace(t *testing.T, e *Env, ctx context.Context, q lineage.TraceRequest) *lineage.TraceResult {
	t.Helper()
	tr, err := e.Lineage.Trace(ctx, q)
	if err != nil {
		t.Fatalf("trace %+v: %v", q, err)
	}
	return tr
}

// traced returns "ref@depth" of every node of a trace, sorted.
func traced(tr *lineage.TraceResult) []string {
	var out []string
	for _, n := range tr.Nodes {
		out = append(out, fmt.Sprintf("%s@%d", n.Node.Ref(), n.Depth))
	}
	slices.Sort(out)
	return out
}

// hasEdge reports whether a trace holds an edge of type t between refs.
func hasEdge(tr *lineage.TraceResult, from, to string, t lineage.EdgeType) bool {
	byID := map[int64]string{}
	for _, n := range tr.Nodes {
		byID[n.Node.ID] = n.Node.Ref()
	}
	for _, e := range tr.Edges {
		if byID[e.From] == from && byID[e.To] == to && e.Type == t {
			return true
		}
	}
	return false
}

func countRows(t *testing.T, e *Env, table string) int {
	t.Helper()
	var n int
	if err := e.DB.Read.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

var lineageCases = []Case{
	{"lineage: dataset versions are numbered, carry schema and manifest, and are nodes", func(t *testing.T, e *Env) {
		seq := lastSeq(t, e, e.Ctx)
		v1 := dataset(t, e, e.Ctx, "transactions", map[string]string{"part-0.csv": "a,b\n1,2\n", "part-1.csv": "a,b\n3,4\n"})
		v2 := dataset(t, e, e.Ctx, "transactions", map[string]string{"part-0.csv": "a,b\n1,2\n", "part-1.csv": "a,b\n3,5\n"})
		if v1.Version != 1 || v2.Version != 2 || v1.DigestKind != lineage.DigestManifest || v1.Size != 16 || v1.FileCount != 2 || v1.Owner != "anonymous" {
			t.Fatalf("versions: %+v %+v", v1, v2)
		}
		got, err := e.Lineage.GetDatasetVersion(e.Ctx, "transactions", 1)
		must(t, err)
		if got.Digest != v1.Digest || len(got.Files) != 2 || got.Files[0].Path != "part-0.csv" || *got.RowCount != 2 || got.Schema[0].Name != "id" {
			t.Fatalf("get v1: %+v", got)
		}
		latest, err := e.Lineage.GetDatasetVersion(e.Ctx, "transactions", 0)
		must(t, err)
		if latest.Version != 2 {
			t.Fatalf("latest is v%d", latest.Version)
		}
		dataset(t, e, e.Ctx, "customers", map[string]string{"c.csv": "x"})
		list, _, err := e.Lineage.ListDatasets(e.Ctx, "", steward.PageRequest{})
		must(t, err)
		if len(list) != 2 || list[0].Name != "customers" || list[1].Name != "transactions" || list[1].Versions != 2 || list[1].LatestVersion != 2 {
			t.Fatalf("list: %+v %+v", list[0], list[1])
		}
		vs := collect(t, 1, func(p steward.PageRequest) ([]*lineage.DatasetVersion, string, error) {
			return e.Lineage.ListDatasetVersions(e.Ctx, "transactions", p)
		})
		if len(vs) != 2 || vs[0].Version != 2 || vs[1].Version != 1 {
			t.Fatalf("versions newest first: %d", len(vs))
		}
		n, err := e.Lineage.GetNode(e.Ctx, "dataset_version:transactions@1")
		must(t, err)
		if n.Node.Name != "transactions" || n.Node.ObjectID != v1.ID {
			t.Fatalf("node: %+v", n.Node)
		}
		evs := eventsAfter(t, e, e.Ctx, seq)
		if len(evs) != 3 || evs[0].Action != "dataset_version.create" || evs[0].ObjectID != v1.ID {
			t.Fatalf("events: %d, first %+v", len(evs), evs[0])
		}
		_, err = e.Lineage.GetDatasetVersion(e.Ctx, "transactions", 9)
		wantCode(t, err, steward.CodeNotFound)
		_, _, err = e.Lineage.ListDatasetVersions(e.Ctx, "nope", steward.PageRequest{})
		wantCode(t, err, steward.CodeNotFound)
	}},
	{"lineage: a digest that does not match the manifest is refused and writes nothing", func(t *testing.T, e *Env) {
		dataset(t, e, e.Ctx, "transactions", map[string]string{"a": "1"})
		before := snapshot(t, e)
		files := []lineage.File{{Path: "a", Digest: sha("1"), Size: 1}, {Path: "b", Digest: sha("2"), Size: 1}}
		for _, in := range []lineage.DatasetCreate{
			{URI: "s3://x", Digest: sha("something else"), Files: files},                                               // manifest mismatch
			{URI: "s3://x", Digest: sha("2"), DigestKind: lineage.DigestContent, Files: files[:1]},                     // content mismatch
			{URI: "s3://x", Digest: lineage.ManifestDigest(files), Files: append(files, files[0])},                     // duplicate path
			{URI: "", Digest: lineage.ManifestDigest(files), Files: files},                                             // no uri
			{URI: "s3://x", Digest: lineage.ManifestDigest(files), Files: files, Size: 99},                             // size disagrees
			{URI: "s3://x", Digest: lineage.ManifestDigest(files), Files: files, Tags: map[string]string{"bad?": "x"}}, // bad tag
		} {
			_, err := e.Lineage.CreateDatasetVersion(e.Ctx, "transactions", in)
			if err == nil {
				t.Fatalf("registered %+v", in)
			}
		}
		_, err := e.Lineage.CreateDatasetVersion(e.Ctx, "transactions", lineage.DatasetCreate{URI: "s3://x", Digest: sha("x"), Files: files})
		wantCode(t, err, steward.CodeDigestMismatch)
		wantUnchanged(t, e, before)
	}},
	{"lineage: concurrent versions of one dataset get distinct numbers", func(t *testing.T, e *Env) {
		const n = 8
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = e.Lineage.CreateDatasetVersion(e.Ctx, "events", lineage.DatasetCreate{URI: "s3://x", Digest: sha(fmt.Sprint(i))})
			}()
		}
		wg.Wait()
		for _, err := range errs {
			must(t, err)
		}
		vs, _, err := e.Lineage.ListDatasetVersions(e.Ctx, "events", steward.PageRequest{})
		must(t, err)
		if len(vs) != n || vs[0].Version != n || vs[n-1].Version != 1 {
			t.Fatalf("got %d versions, newest %d", len(vs), vs[0].Version)
		}
	}},
	{"lineage: concurrent versions of one run share its node", func(t *testing.T, e *Env) {
		// Each create looks for the run's node and inserts it if missing; on
		// PostgreSQL most find it inserted by another transaction meanwhile.
		// (One model each: versions of one model wait for each other.)
		run := newRun(t, e)
		const n = 8
		for i := range n {
			createModel(t, e, e.Ctx, registry.ModelCreate{Name: fmt.Sprint("m", i)})
		}
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				_, errs[i] = e.Registry.CreateVersion(e.Ctx, fmt.Sprint("m", i), registry.VersionCreate{RunID: run.ID})
			})
		}
		wg.Wait()
		for _, err := range errs {
			must(t, err)
		}
		down := trace(t, e, e.Ctx, lineage.TraceRequest{Node: "run:" + run.ID, Direction: lineage.Downstream})
		for i := range n {
			mv, err := e.Registry.GetVersion(e.Ctx, fmt.Sprint("m", i), 1)
			must(t, err)
			if !hasEdge(down, "run:"+run.ID, "model_version:"+mv.ID, lineage.EdgeProduced) {
				t.Fatalf("no produced edge to m%d/1: %+v", i, down.Edges)
			}
		}
		if len(down.Nodes) != n+1 {
			t.Fatalf("%d nodes downstream of the run, want %d: %+v", len(down.Nodes), n+1, down.Nodes)
		}
	}},
	{"lineage: run inputs link dataset versions; a version trains on its run's training data", func(t *testing.T, e *Env) {
		ds := dataset(t, e, e.Ctx, "transactions", map[string]string{"a.csv": "1"})
		run := newRun(t, e)
		ctxTag := []tracking.Param{{Key: tracking.InputContextTag, Value: "training"}}
		must(t, e.Tracking.LogInputs(e.Ctx, run.ID, []tracking.DatasetInput{
			{Tags: ctxTag, Dataset: tracking.Dataset{Name: "transactions", Digest: ds.Digest, SourceType: "s3", Source: `{"uri":"s3://lake/transactions"}`}},
			{Tags: []tracking.Param{{Key: tracking.InputContextTag, Value: "eval"}}, Dataset: tracking.Dataset{Name: "holdout", Digest: "b2ba4b6c", SourceType: "local", Source: "holdout.csv"}},
		}))
		createModel(t, e, e.Ctx, registry.ModelCreate{Name: "fraud"})
		v := createVersion(t, e, e.Ctx, "fraud", registry.VersionCreate{RunID: run.ID})

		down := trace(t, e, e.Ctx, lineage.TraceRequest{Node: "dataset_version:transactions@1", Direction: lineage.Downstream})
		mv := "model_version:" + v.ID
		wantStrings(t, "downstream of transactions@1", traced(down), []string{"dataset_version:transactions@1@0", mv + "@1", "run:" + run.ID + "@1"})
		if !hasEdge(down, "dataset_version:transactions@1", "run:"+run.ID, lineage.EdgeConsumed) ||
			!hasEdge(down, "dataset_version:transactions@1", mv, lineage.EdgeTrainedOn) ||
			!hasEdge(down, "run:"+run.ID, mv, lineage.EdgeProduced) {
			t.Fatalf("edges: %+v", down.Edges)
		}
		up := trace(t, e, e.Ctx, lineage.TraceRequest{Node: "model_version:fraud/1", Direction: lineage.Upstream})
		wantStrings(t, "upstream of fraud/1", traced(up), []string{"dataset_version:holdout#b2ba4b6c@1", "dataset_version:transactions@1@1", mv + "@0", "run:" + run.ID + "@1"})
		if !hasEdge(up, "dataset_version:holdout#b2ba4b6c", mv, lineage.EdgeEvaluatedOn) {
			t.Fatalf("no evaluated_on edge: %+v", up.Edges)
		}
		// Logged after the version exists, a training input still reaches it.
		late := dataset(t, e, e.Ctx, "labels", map[string]string{"l.csv": "y"})
		must(t, e.Tracking.LogInputs(e.Ctx, run.ID, []tracking.DatasetInput{{Tags: ctxTag,
			Dataset: tracking.Dataset{Name: "labels", Digest: late.Digest, SourceType: "s3", Source: "s3://lake/labels"}}}))
		up = trace(t, e, e.Ctx, lineage.TraceRequest{Node: mv, Direction: lineage.Upstream, Depth: 1})
		if !hasEdge(up, "dataset_version:labels@1", mv, lineage.EdgeTrainedOn) {
			t.Fatalf("late input: %+v", traced(up))
		}
		// MLflow's bare hex digest finds the version registered as sha256:<hex>.
		run2 := newRun(t, e)
		must(t, e.Tracking.LogInputs(e.Ctx, run2.ID, []tracking.DatasetInput{{Dataset: tracking.Dataset{Name: "tx", Digest: ds.Digest[len("sha256:"):], SourceType: "s3", Source: "s3://lake/transactions"}}}))
		up = trace(t, e, e.Ctx, lineage.TraceRequest{Node: "run:" + run2.ID, Direction: lineage.Upstream})
		wantStrings(t, "upstream of run2", traced(up), []string{"dataset_version:transactions@1@1", "run:" + run2.ID + "@0"})
	}},
	{"lineage: environments are captured, completed, never rewritten, and inherited by versions", func(t *testing.T, e *Env) {
		run := newRun(t, e)
		in := lineage.EnvironmentCapture{
			Environment: lineage.Environment{
				Git:      &lineage.Git{Commit: "9f3a1c2b7d4e5f60718293a4b5c6d7e8f9012345", RepoURL: "https://github.com/acme/fraud.git", Branch: "main", Dirty: true},
				Image:    &lineage.Image{Reference: "ghcr.io/acme/train:1.4", Digest: "sha256:" + hex.EncodeToString(make([]byte, 32))},
				Hardware: &lineage.Hardware{CPU: "AMD EPYC 9654", CPUCount: 32, GPU: "NVIDIA A100-SXM4-80GB", GPUCount: 2, MemoryBytes: 256 << 30},
			},
			DependencyFiles: []lineage.DependencyFile{{Kind: "requirements.txt", Content: "numpy==1.26.4\nscikit-learn==1.5.2\n"}},
		}
		env, err := e.Lineage.SetRunEnvironment(e.Ctx, run.ID, in)
		must(t, err)
		if len(env.Dependencies) != 2 || env.Dependencies[0].Name != "numpy" || env.Source != "captured" {
			t.Fatalf("captured: %+v", env)
		}
		seq := lastSeq(t, e, e.Ctx)
		// The same capture again changes nothing and writes no event.
		_, err = e.Lineage.SetRunEnvironment(e.Ctx, run.ID, in)
		must(t, err)
		if lastSeq(t, e, e.Ctx) != seq {
			t.Fatal("an identical capture wrote an event")
		}
		// Energy, known at the end, completes it.
		_, err = e.Lineage.SetRunEnvironment(e.Ctx, run.ID, lineage.EnvironmentCapture{Environment: lineage.Environment{
			Energy: &lineage.Energy{KWh: ptr(3.2), CO2Kg: ptr(1.1), Source: "codecarbon"}, DurationMs: ptr(int64(3_600_000))}})
		must(t, err)
		before := snapshot(t, e)
		_, err = e.Lineage.SetRunEnvironment(e.Ctx, run.ID, lineage.EnvironmentCapture{Environment: lineage.Environment{
			Git: &lineage.Git{Commit: "0000000000000000000000000000000000000000"}}})
		wantCode(t, err, steward.CodeConflict)
		_, err = e.Lineage.SetRunEnvironment(e.Ctx, run.ID, lineage.EnvironmentCapture{Environment: lineage.Environment{Git: &lineage.Git{Commit: "xyz"}}})
		wantCode(t, err, steward.CodeInvalid)
		_, err = e.Lineage.SetRunEnvironment(e.Ctx, "no-such-run", in)
		wantCode(t, err, steward.CodeNotFound)
		wantUnchanged(t, e, before)

		got, err := e.Lineage.GetRunEnvironment(e.Ctx, run.ID)
		must(t, err)
		if got.Git.Commit != in.Git.Commit || !got.Git.Dirty || *got.Energy.KWh != 3.2 || *got.DurationMs != 3_600_000 || got.Hardware.GPUCount != 2 || len(got.Dependencies) != 2 {
			t.Fatalf("stored: %+v", got)
		}
		createModel(t, e, e.Ctx, registry.ModelCreate{Name: "fraud"})
		createVersion(t, e, e.Ctx, "fraud", registry.VersionCreate{RunID: run.ID})
		ve, err := e.Lineage.GetVersionEnvironment(e.Ctx, "fraud", 1)
		must(t, err)
		if ve.RunID != run.ID || ve.Environment.Git.Commit != in.Git.Commit {
			t.Fatalf("inherited: %+v", ve)
		}
		createVersion(t, e, e.Ctx, "fraud", registry.VersionCreate{})
		_, err = e.Lineage.GetVersionEnvironment(e.Ctx, "fraud", 2)
		wantCode(t, err, steward.CodeNotFound)
		// Code and image are upstream of the run.
		up := trace(t, e, e.Ctx, lineage.TraceRequest{Node: "run:" + run.ID, Direction: lineage.Upstream})
		wantStrings(t, "upstream of the run", traced(up), []string{
			"code_commit:https://github.com/acme/fraud@9f3a1c2b7d4e5f60718293a4b5c6d7e8f9012345@1",
			"image:" + in.Image.Digest + "@1", "run:" + run.ID + "@0"})
		// A run with only MLflow's git tags answers from them.
		run2, err := e.Tracking.CreateRun(e.Ctx, tracking.RunCreate{Tags: map[string]string{
			"mlflow.source.git.commit": "abcdef1234567", "mlflow.source.git.repoURL": "git@github.com:acme/fraud.git"}})
		must(t, err)
		env2, err := e.Lineage.GetRunEnvironment(e.Ctx, run2.ID)
		must(t, err)
		if env2.Source != "mlflow_tags" || env2.Git.Commit != "abcdef1234567" {
			t.Fatalf("from tags: %+v", env2)
		}
		_, err = e.Lineage.GetRunEnvironment(e.Ctx, newRun(t, e).ID)
		wantCode(t, err, steward.CodeNotFound)
	}},
	{"lineage: OpenLineage events replayed twice change nothing the second time", func(t *testing.T, e *Env) {
		seq := lastSeq(t, e, e.Ctx)
		for _, ev := range lineagetest.Good() {
			res, err := e.Lineage.IngestOpenLineage(e.Ctx, ev.Body)
			if err != nil {
				t.Fatalf("%s: %v", ev.Name, err)
			}
			if res.Status != "recorded" {
				t.Fatalf("%s: %+v", ev.Name, res)
			}
		}
		if n := len(eventsAfter(t, e, e.Ctx, seq)); n != len(lineagetest.Good()) {
			t.Fatalf("%d domain events for %d OpenLineage events", n, len(lineagetest.Good()))
		}
		before := snapshot(t, e)
		for _, ev := range lineagetest.Good() {
			res, err := e.Lineage.IngestOpenLineage(e.Ctx, ev.Body)
			must(t, err)
			if res.Status != "duplicate" {
				t.Fatalf("%s replayed: %+v", ev.Name, res)
			}
		}
		wantUnchanged(t, e, before)
		for _, ev := range lineagetest.Bad() {
			_, err := e.Lineage.IngestOpenLineage(e.Ctx, ev.Body)
			wantCode(t, err, steward.CodeInvalid)
		}
		wantUnchanged(t, e, before)

		// Spark: raw orders → run → curated orders, under its job.
		up := trace(t, e, e.Ctx, lineage.TraceRequest{Node: "dataset_version:s3://lake-curated/orders", Direction: lineage.Upstream, Depth: 3})
		for _, want := range []string{"run:0193573a-11e2-7f01-b5d6-4a7c8e9f0a12@1", "dataset_version:s3://lake-raw/orders/dt=2026-11-22@2",
			"external_job:spark-prod/orders_curation.execute_insert_into_hadoop_fs_relation_command.lake-curated_orders@2",
			"run:0193573a-0f00-7aa0-9c11-5b6d7e8f9a0b@2", "external_job:spark-prod/orders_curation@3"} {
			if !slices.Contains(traced(up), want) {
				t.Errorf("upstream of curated orders lacks %s: %v", want, traced(up))
			}
		}
		// dbt's job event joins Spark's output to the warehouse, so raw
		// orders reach the customer_ltv mart.
		down := trace(t, e, e.Ctx, lineage.TraceRequest{Node: "dataset_version:s3://lake-raw/orders/dt=2026-11-22", Direction: lineage.Downstream,
			NodeTypes: []lineage.NodeType{lineage.NodeDatasetVersion}})
		wantStrings(t, "datasets downstream of raw orders", traced(down), []string{
			"dataset_version:postgres://warehouse.internal:5432/analytics.marts.customer_ltv@6",
			"dataset_version:postgres://warehouse.internal:5432/analytics.staging.stg_orders@4",
			"dataset_version:s3://lake-curated/orders@2", "dataset_version:s3://lake-raw/orders/dt=2026-11-22@0"})
		for _, ed := range down.Edges {
			if ed.Hops != 2 {
				t.Errorf("collapsed edge %+v: want 2 hops (through a run or job)", ed)
			}
		}
		// Facets: the run's state is COMPLETE's (the later event), facets of
		// every kind are kept as sent.
		n, err := e.Lineage.GetNode(e.Ctx, "run:0193572e-7d41-7c4a-9a8e-2f1b6c3d4e51")
		must(t, err)
		var state struct {
			EventType string `json:"eventType"`
		}
		must(t, json.Unmarshal(n.Facets["steward_runState"], &state))
		if state.EventType != "COMPLETE" || n.Facets["airflow"] == nil || n.Facets["nominalTime"] == nil {
			t.Fatalf("run facets: %v", n.Facets)
		}
		ds, err := e.Lineage.GetNode(e.Ctx, "dataset_version:postgres://warehouse.internal:5432/analytics.marts.customer_ltv")
		must(t, err)
		if ds.Facets["ownership"] == nil || ds.Facets["dataQualityAssertions"] == nil || ds.Facets["schema"] == nil {
			t.Fatalf("mart facets: %v", ds.Facets)
		}
		if countRows(t, e, "openlineage_events") != len(lineagetest.Good()) {
			t.Fatalf("stored events: %d", countRows(t, e, "openlineage_events"))
		}
		// A START that arrives late (another event: its digest differs) does
		// not roll the run's state back: facets go by eventTime.
		var late map[string]any
		must(t, json.Unmarshal(lineagetest.ByName("airflow-start"), &late))
		late["producer"] = "https://github.com/apache/airflow/tree/providers-openlineage/1.13.1"
		body, _ := json.Marshal(late)
		res, err := e.Lineage.IngestOpenLineage(e.Ctx, body)
		must(t, err)
		if res.Status != "recorded" || res.EdgesAdded != 0 {
			t.Fatalf("late START: %+v", res)
		}
		n, err = e.Lineage.GetNode(e.Ctx, "run:0193572e-7d41-7c4a-9a8e-2f1b6c3d4e51")
		must(t, err)
		must(t, json.Unmarshal(n.Facets["steward_runState"], &state))
		if state.EventType != "COMPLETE" {
			t.Fatalf("a late START rolled the run back to %s", state.EventType)
		}
	}},
	{"lineage: a batch of OpenLineage events records each once, in one transaction", func(t *testing.T, e *Env) {
		seq := lastSeq(t, e, e.Ctx)
		edges := countRows(t, e, "lineage_edges")
		good := lineagetest.Good()
		// The late START (earlier eventTime, another digest) comes after
		// COMPLETE in the batch: facets still go by eventTime.
		var late map[string]any
		must(t, json.Unmarshal(lineagetest.ByName("airflow-start"), &late))
		late["producer"] = "https://github.com/apache/airflow/tree/providers-openlineage/1.13.1"
		lateBody, _ := json.Marshal(late)
		var batch [][]byte
		for _, ev := range good {
			batch = append(batch, ev.Body)
		}
		batch = append(batch, lateBody, good[0].Body) // the last is sent twice
		res, err := e.Lineage.IngestOpenLineageBatch(e.Ctx, batch)
		must(t, err)
		added := 0
		for i, r := range res {
			want := "recorded"
			if i == len(batch)-1 {
				want = "duplicate"
			}
			if r.Status != want {
				t.Fatalf("event %d: %+v, want %s", i, r, want)
			}
			added += r.EdgesAdded
		}
		if res[len(good)].EdgesAdded != 0 {
			t.Fatalf("the late START adds no edge its COMPLETE did not: %+v", res[len(good)])
		}
		if got := countRows(t, e, "lineage_edges") - edges; got != added {
			t.Fatalf("edges_added sum to %d, %d edges were inserted", added, got)
		}
		if n := len(eventsAfter(t, e, e.Ctx, seq)); n != len(good)+1 {
			t.Fatalf("%d domain events for %d new OpenLineage events", n, len(good)+1)
		}
		n, err := e.Lineage.GetNode(e.Ctx, "run:0193572e-7d41-7c4a-9a8e-2f1b6c3d4e51")
		must(t, err)
		var state struct {
			EventType string `json:"eventType"`
		}
		must(t, json.Unmarshal(n.Facets["steward_runState"], &state))
		if state.EventType != "COMPLETE" {
			t.Fatalf("a late START in the same batch set the run's state to %s", state.EventType)
		}

		// Replayed, as a batch or one by one, nothing changes.
		before := snapshot(t, e)
		res, err = e.Lineage.IngestOpenLineageBatch(e.Ctx, batch)
		must(t, err)
		for i, r := range res {
			if r.Status != "duplicate" || r.EdgesAdded != 0 {
				t.Fatalf("replayed event %d: %+v", i, r)
			}
		}
		one, err := e.Lineage.IngestOpenLineage(e.Ctx, good[1].Body)
		must(t, err)
		if one.Status != "duplicate" {
			t.Fatalf("single replay of a batched event: %+v", one)
		}
		wantUnchanged(t, e, before)

		// One bad event and nothing of the batch is written, new or not.
		fresh := map[string]any{}
		must(t, json.Unmarshal(lineagetest.ByName("airflow-start"), &fresh))
		fresh["producer"] = "https://example.com/another-producer"
		freshBody, _ := json.Marshal(fresh)
		bad := lineagetest.Bad()[0]
		_, err = e.Lineage.IngestOpenLineageBatch(e.Ctx, [][]byte{freshBody, bad.Body})
		wantCode(t, err, steward.CodeInvalid)
		if !strings.Contains(err.Error(), "event 1") {
			t.Fatalf("the error does not name the bad event: %v", err)
		}
		_, err = e.Lineage.IngestOpenLineageBatch(e.Ctx, nil)
		wantCode(t, err, steward.CodeInvalid)
		wantUnchanged(t, e, before)
	}},
	{"lineage: OpenLineage events sent at the same time are each recorded once", func(t *testing.T, e *Env) {
		// 16 clients send 8 new events each and all send one shared event:
		// concurrent single events share transactions (olQueue), which
		// must not lose, double or mislabel any of them.
		seq := lastSeq(t, e, e.Ctx)
		const clients, each = 16, 8
		shared := OpenLineageBenchEvent(1 << 20)
		var wg sync.WaitGroup
		results := make([][]*lineage.IngestResult, clients)
		errs := make([]error, clients)
		for c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each + 1 {
					body := shared
					if i < each {
						body = OpenLineageBenchEvent(c*each + i)
					}
					res, err := e.Lineage.IngestOpenLineage(e.Ctx, body)
					if err != nil {
						errs[c] = err
						return
					}
					results[c] = append(results[c], res)
				}
			}()
		}
		wg.Wait()
		recordedShared := 0
		digests := map[string]bool{}
		for c := range clients {
			must(t, errs[c])
			for i, r := range results[c] {
				if i < each && r.Status != "recorded" {
					t.Fatalf("client %d event %d: %+v", c, i, r)
				}
				if i == each && r.Status == "recorded" {
					recordedShared++
				}
				digests[r.Digest] = true
			}
		}
		if recordedShared != 1 {
			t.Fatalf("the shared event was recorded %d times", recordedShared)
		}
		evs := eventsAfter(t, e, e.Ctx, seq)
		if len(evs) != clients*each+1 || countRows(t, e, "openlineage_events") != clients*each+1 {
			t.Fatalf("%d domain events, %d stored events for %d distinct events", len(evs), countRows(t, e, "openlineage_events"), clients*each+1)
		}
		for _, ev := range evs {
			if !digests[ev.ObjectID] || ev.Action != "lineage.openlineage" {
				t.Fatalf("unexpected event %s %s", ev.Action, ev.ObjectID)
			}
			delete(digests, ev.ObjectID)
		}
	}},
	{"lineage: edges are checked before anything is written", func(t *testing.T, e *Env) {
		for _, k := range []string{"s3://a", "s3://b"} {
			_, _, err := e.Lineage.CreateNode(e.Ctx, lineage.NodeCreate{Type: lineage.NodeDatasetVersion, Key: k})
			must(t, err)
		}
		before := snapshot(t, e)
		good := lineage.EdgeCreate{From: "dataset_version:s3://a", To: "dataset_version:s3://b", Type: lineage.EdgeDerivedFrom}
		for _, tc := range []struct {
			name string
			e    lineage.EdgeCreate
			code steward.Code
		}{
			{"unknown node type", lineage.EdgeCreate{From: "table:orders", To: "dataset_version:s3://b", Type: lineage.EdgeDerivedFrom}, steward.CodeInvalid},
			{"unknown edge type", lineage.EdgeCreate{From: good.From, To: good.To, Type: "feeds"}, steward.CodeInvalid},
			{"missing node", lineage.EdgeCreate{From: "dataset_version:s3://nope", To: good.To, Type: lineage.EdgeDerivedFrom}, steward.CodeNotFound},
			{"missing run", lineage.EdgeCreate{From: good.From, To: "run:nope", Type: lineage.EdgeConsumed}, steward.CodeNotFound},
			{"missing model version", lineage.EdgeCreate{From: good.From, To: "model_version:fraud/9", Type: lineage.EdgeTrainedOn}, steward.CodeNotFound},
			{"wrong direction", lineage.EdgeCreate{From: good.From, To: good.To, Type: lineage.EdgeDeployedAs}, steward.CodeInvalid},
			{"self loop", lineage.EdgeCreate{From: good.From, To: good.From, Type: lineage.EdgeDerivedFrom}, steward.CodeInvalid},
		} {
			// The bad edge comes second: the good one before it is not kept.
			_, err := e.Lineage.AddEdges(e.Ctx, []lineage.EdgeCreate{good, tc.e})
			if steward.ErrorCode(err) != tc.code {
				t.Fatalf("%s: got %v, want %s", tc.name, err, tc.code)
			}
		}
		_, err := e.Lineage.AddEdges(e.Ctx, nil)
		wantCode(t, err, steward.CodeInvalid)
		_, _, err = e.Lineage.CreateNode(e.Ctx, lineage.NodeCreate{Type: "table", Key: "x"})
		wantCode(t, err, steward.CodeInvalid)
		_, _, err = e.Lineage.CreateNode(e.Ctx, lineage.NodeCreate{Type: lineage.NodeRun, Key: "x"})
		wantCode(t, err, steward.CodeInvalid)
		_, _, err = e.Lineage.CreateNode(e.Ctx, lineage.NodeCreate{Type: lineage.NodeDatasetVersion, Key: "plain-name"})
		wantCode(t, err, steward.CodeInvalid)
		_, _, err = e.Lineage.CreateNode(e.Ctx, lineage.NodeCreate{Type: lineage.NodeImage, Key: "sha256:ab", Attrs: json.RawMessage(`[1]`)})
		wantCode(t, err, steward.CodeInvalid)
		wantUnchanged(t, e, before)

		n, err := e.Lineage.AddEdges(e.Ctx, []lineage.EdgeCreate{good, good})
		must(t, err)
		seq := lastSeq(t, e, e.Ctx)
		again, err := e.Lineage.AddEdges(e.Ctx, []lineage.EdgeCreate{good})
		must(t, err)
		if n != 1 || again != 0 || lastSeq(t, e, e.Ctx) != seq {
			t.Fatalf("added %d then %d (an existing edge must change nothing)", n, again)
		}
		// Naming a run in an edge makes its node.
		run := newRun(t, e)
		n, err = e.Lineage.AddEdges(e.Ctx, []lineage.EdgeCreate{{From: "dataset_version:s3://b", To: "run:" + run.ID, Type: lineage.EdgeConsumed}})
		must(t, err)
		if n != 1 {
			t.Fatalf("added %d", n)
		}
	}},
}

// chain makes external dataset nodes s3://<names[i]> joined by derived_from
// edges in order, and returns their refs.
func chain(t *testing.T, e *Env, ctx context.Context, names ...string) []string {
	t.Helper()
	refs := make([]string, len(names))
	for i, n := range names {
		_, _, err := e.Lineage.CreateNode(ctx, lineage.NodeCreate{Type: lineage.NodeDatasetVersion, Key: "s3://" + n})
		must(t, err)
		refs[i] = "dataset_version:s3://" + n
	}
	var es []lineage.EdgeCreate
	for i := 1; i < len(refs); i++ {
		es = append(es, lineage.EdgeCreate{From: refs[i-1], To: refs[i], Type: lineage.EdgeDerivedFrom})
	}
	if len(es) > 0 {
		_, err := e.Lineage.AddEdges(ctx, es)
		must(t, err)
	}
	return refs
}

var lineageGraphCases = []Case{
	{"lineage: traces end on cycles and honour depth and type filters", func(t *testing.T, e *Env) {
		r := chain(t, e, e.Ctx, "a", "b", "c", "d")
		// d → a closes a cycle; b → x branches off.
		_, err := e.Lineage.AddEdges(e.Ctx, []lineage.EdgeCreate{{From: r[3], To: r[0], Type: lineage.EdgeDerivedFrom}})
		must(t, err)
		_, _, err = e.Lineage.CreateNode(e.Ctx, lineage.NodeCreate{Type: lineage.NodeExternalJob, Key: "airflow/x"})
		must(t, err)
		_, err = e.Lineage.AddEdges(e.Ctx, []lineage.EdgeCreate{{From: r[1], To: "external_job:airflow/x", Type: lineage.EdgeConsumed}})
		must(t, err)

		for _, depth := range []int{10, lineage.MaxDepth} {
			down := trace(t, e, e.Ctx, lineage.TraceRequest{Node: r[0], Direction: lineage.Downstream, Depth: depth})
			wantStrings(t, "downstream round the cycle", traced(down), []string{r[0] + "@0", r[1] + "@1", r[2] + "@2", r[3] + "@3", "external_job:airflow/x@2"})
			if !hasEdge(down, r[3], r[0], lineage.EdgeDerivedFrom) || len(down.Edges) != 5 || down.Truncated {
				t.Fatalf("edges of the cycle: %+v", down.Edges)
			}
		}
		up := trace(t, e, e.Ctx, lineage.TraceRequest{Node: r[0], Direction: lineage.Upstream, Depth: 2})
		wantStrings(t, "upstream depth 2", traced(up), []string{r[0] + "@0", r[2] + "@2", r[3] + "@1"})
		one := trace(t, e, e.Ctx, lineage.TraceRequest{Node: r[1], Direction: lineage.Downstream, Depth: 1})
		wantStrings(t, "depth 1", traced(one), []string{r[1] + "@0", r[2] + "@1", "external_job:airflow/x@1"})
		jobs := trace(t, e, e.Ctx, lineage.TraceRequest{Node: r[0], Direction: lineage.Downstream, NodeTypes: []lineage.NodeType{lineage.NodeExternalJob}})
		wantStrings(t, "only jobs", traced(jobs), []string{r[0] + "@0", "external_job:airflow/x@2"})
		if len(jobs.Edges) != 1 || jobs.Edges[0].Hops != 2 || jobs.Edges[0].Type != lineage.EdgeConsumed {
			t.Fatalf("collapsed edge: %+v", jobs.Edges)
		}
		consumed := trace(t, e, e.Ctx, lineage.TraceRequest{Node: r[1], Direction: lineage.Downstream, EdgeTypes: []lineage.EdgeType{lineage.EdgeConsumed}})
		wantStrings(t, "consumed edges only", traced(consumed), []string{r[1] + "@0", "external_job:airflow/x@1"})
		limited := trace(t, e, e.Ctx, lineage.TraceRequest{Node: r[0], Direction: lineage.Downstream, Limit: 2})
		if len(limited.Nodes) != 2 || !limited.Truncated {
			t.Fatalf("limit 2: %v truncated=%v", traced(limited), limited.Truncated)
		}
		// Round the cycle to depth 50 the walk meets its 5 nodes again and
		// again: with room for 5 nodes it stops after 3 × 6 (node, depth)
		// pairs, having found all five at their least depth, and says it
		// stopped; with room for more it walks to the end.
		short := trace(t, e, e.Ctx, lineage.TraceRequest{Node: r[0], Direction: lineage.Downstream, Depth: lineage.MaxDepth, Limit: 5})
		wantStrings(t, "cycle, limit 5", traced(short), []string{r[0] + "@0", r[1] + "@1", r[2] + "@2", r[3] + "@3", "external_job:airflow/x@2"})
		if !short.Truncated {
			t.Fatalf("a walk cut by its budget of pairs is not reported truncated")
		}
		if long := trace(t, e, e.Ctx, lineage.TraceRequest{Node: r[0], Direction: lineage.Downstream, Depth: lineage.MaxDepth, Limit: 100}); long.Truncated {
			t.Fatalf("limit 100: truncated")
		}
		for _, q := range []lineage.TraceRequest{
			{Node: r[0], Depth: lineage.MaxDepth + 1},
			{Node: r[0], Direction: "sideways"},
			{Node: r[0], NodeTypes: []lineage.NodeType{"table"}},
			{Node: r[0], EdgeTypes: []lineage.EdgeType{"feeds"}},
			{Node: "nonsense"},
		} {
			_, err := e.Lineage.Trace(e.Ctx, q)
			wantCode(t, err, steward.CodeInvalid)
		}
		_, err = e.Lineage.Trace(e.Ctx, lineage.TraceRequest{Node: "dataset_version:s3://zzz"})
		wantCode(t, err, steward.CodeNotFound)
		// Impact walks the cycle once.
		res, err := e.Lineage.Impact(e.Ctx, lineage.ImpactRequest{Dataset: r[2]})
		must(t, err)
		if res.Downstream[lineage.NodeDatasetVersion] != 3 || res.Downstream[lineage.NodeExternalJob] != 1 || len(res.Deployments) != 0 {
			t.Fatalf("impact on a cycle: %+v", res.Downstream)
		}
	}},
	{"lineage: impact finds production deployments of data derived from a dataset; a batch resolves to everything behind it", func(t *testing.T, e *Env) {
		// Airflow builds features from raw transactions; they are registered
		// as fraud-features v1, which a run trains on; its model version is
		// served in production and in staging.
		for _, name := range []string{"airflow-start", "airflow-complete"} {
			_, err := e.Lineage.IngestOpenLineage(e.Ctx, lineagetest.ByName(name))
			must(t, err)
		}
		feats := dataset(t, e, e.Ctx, "fraud-features", map[string]string{"part-0.parquet": "features"})
		_, err := e.Lineage.AddEdges(e.Ctx, []lineage.EdgeCreate{{From: "dataset_version:s3://lake-features/fraud/features@v42",
			To: "dataset_version:fraud-features@1", Type: lineage.EdgeDerivedFrom}})
		must(t, err)
		run := newRun(t, e)
		must(t, e.Tracking.LogInputs(e.Ctx, run.ID, []tracking.DatasetInput{{Tags: []tracking.Param{{Key: tracking.InputContextTag, Value: "training"}},
			Dataset: tracking.Dataset{Name: "fraud-features", Digest: feats.Digest, SourceType: "s3", Source: feats.URI}}}))
		_, err = e.Lineage.SetRunEnvironment(e.Ctx, run.ID, lineage.EnvironmentCapture{Environment: lineage.Environment{
			Git:   &lineage.Git{Commit: "1111111222222233333334444444555555566666", RepoURL: "https://github.com/acme/fraud"},
			Image: &lineage.Image{Reference: "ghcr.io/acme/train:2.0", Digest: sha("image")}}})
		must(t, err)
		createModel(t, e, e.Ctx, registry.ModelCreate{Name: "fraud"})
		v1 := createVersion(t, e, e.Ctx, "fraud", registry.VersionCreate{RunID: run.ID})
		createVersion(t, e, e.Ctx, "fraud", registry.VersionCreate{}) // v2: no source run
		_, err = e.Lineage.RecordDeployment(e.Ctx, lineage.DeploymentRecord{Name: "fraud-prod", Environment: "production", Model: "fraud", Version: 1, Endpoint: "https://scoring/fraud"})
		must(t, err)
		_, err = e.Lineage.RecordDeployment(e.Ctx, lineage.DeploymentRecord{Name: "fraud-staging", Environment: "staging", Model: "fraud", Version: 1})
		must(t, err)
		_, err = e.Lineage.RecordDeployment(e.Ctx, lineage.DeploymentRecord{Name: "fraud-prod", Environment: "staging", Model: "fraud", Version: 2})
		wantCode(t, err, steward.CodeConflict)

		for _, ds := range []string{"postgres://db.prod.internal:5432/payments.public.transactions", "fraud-features", "dataset_version:fraud-features@1"} {
			res, err := e.Lineage.Impact(e.Ctx, lineage.ImpactRequest{Dataset: ds})
			must(t, err)
			if len(res.Deployments) != 1 || res.Deployments[0].Node.Key != "fraud-prod" || !res.Deployments[0].Current ||
				len(res.Deployments[0].Via) != 1 || res.Deployments[0].Via[0].ObjectID != v1.ID {
				t.Fatalf("impact of %s: %+v", ds, res.Deployments)
			}
			if res.Downstream[lineage.NodeModelVersion] != 1 || res.Downstream[lineage.NodeDeployment] != 2 {
				t.Fatalf("impact of %s counts %v", ds, res.Downstream)
			}
		}
		all, err := e.Lineage.Impact(e.Ctx, lineage.ImpactRequest{Dataset: "fraud-features", Environment: "any"})
		must(t, err)
		if len(all.Deployments) != 2 {
			t.Fatalf("any environment: %d deployments", len(all.Deployments))
		}
		_, err = e.Lineage.Impact(e.Ctx, lineage.ImpactRequest{Dataset: "no-such-data"})
		wantCode(t, err, steward.CodeNotFound)

		// Serving reports a batch; it resolves to everything behind it.
		batch := lineage.PredictionBatch{ID: "pb-2026-11-23-0001", Deployment: "fraud-prod", StartTime: 1795400000000, EndTime: 1795400060000, Count: 5000, InputDigest: feats.Digest}
		got, created, err := e.Lineage.ReportPredictionBatch(e.Ctx, batch)
		must(t, err)
		if !created || got.Model != "fraud" || got.Version != 1 {
			t.Fatalf("batch: %+v created=%v", got, created)
		}
		seq := lastSeq(t, e, e.Ctx)
		_, created, err = e.Lineage.ReportPredictionBatch(e.Ctx, batch)
		must(t, err)
		if created || lastSeq(t, e, e.Ctx) != seq {
			t.Fatal("reporting the same batch again wrote")
		}
		before := snapshot(t, e)
		changed := batch
		changed.Count = 4999
		for _, tc := range []struct {
			b    lineage.PredictionBatch
			code steward.Code
		}{
			{changed, steward.CodeConflict},
			{lineage.PredictionBatch{ID: "pb-x", Deployment: "nope", StartTime: 1, EndTime: 2}, steward.CodeNotFound},
			{lineage.PredictionBatch{ID: "pb-x", Deployment: "fraud-prod", Model: "fraud", Version: 2, StartTime: 1, EndTime: 2}, steward.CodeConflict},
			{lineage.PredictionBatch{ID: "pb-x", Deployment: "fraud-prod", StartTime: 5, EndTime: 2}, steward.CodeInvalid},
			{lineage.PredictionBatch{ID: "pb-x", Deployment: "fraud-prod", StartTime: 1, EndTime: 2, InputDigest: "md5:x"}, steward.CodeInvalid},
		} {
			_, _, err := e.Lineage.ReportPredictionBatch(e.Ctx, tc.b)
			wantCode(t, err, tc.code)
		}
		wantUnchanged(t, e, before)

		p, err := e.Lineage.PredictionProvenance(e.Ctx, batch.ID)
		must(t, err)
		keys := func(ns []*lineage.Node) []string {
			var out []string
			for _, n := range ns {
				out = append(out, n.Key)
			}
			slices.Sort(out)
			return out
		}
		if p.Deployment == nil || p.Deployment.Key != "fraud-prod" || p.Batch.Count != 5000 {
			t.Fatalf("provenance: deployment %+v batch %+v", p.Deployment, p.Batch)
		}
		wantStrings(t, "versions", keys(p.ModelVersions), []string{v1.ID})
		wantStrings(t, "commits", keys(p.CodeCommits), []string{"https://github.com/acme/fraud@1111111222222233333334444444555555566666"})
		wantStrings(t, "images", keys(p.Images), []string{sha("image")})
		wantStrings(t, "datasets", keys(p.Datasets), []string{"fraud-features@1", "postgres://db.prod.internal:5432/payments.public.transactions", "s3://lake-features/fraud/features@v42"})
		wantStrings(t, "jobs", keys(p.ExternalJobs), []string{"airflow-prod/fraud_features", "airflow-prod/fraud_features.build_features"})
		if env := p.Environments[run.ID]; env == nil || env.Image == nil {
			t.Fatalf("environments: %+v", p.Environments)
		}
		if len(p.Runs) != 3 { // the Steward run, the Airflow task run and its DAG run
			t.Fatalf("runs: %v", keys(p.Runs))
		}
		_, err = e.Lineage.PredictionProvenance(e.Ctx, "pb-nope")
		wantCode(t, err, steward.CodeNotFound)
	}},
	{"lineage: the graph is per workspace", func(t *testing.T, e *Env) {
		other := createWorkspace(t, e, "team-b")
		chain(t, e, e.Ctx, "a", "b")
		_, err := e.Lineage.Trace(other, lineage.TraceRequest{Node: "dataset_version:s3://a"})
		wantCode(t, err, steward.CodeNotFound)
		_, err = e.Lineage.AddEdges(other, []lineage.EdgeCreate{{From: "dataset_version:s3://a", To: "dataset_version:s3://b", Type: lineage.EdgeDerivedFrom}})
		wantCode(t, err, steward.CodeNotFound)
		dataset(t, e, e.Ctx, "transactions", map[string]string{"a": "1"})
		_, err = e.Lineage.GetDatasetVersion(other, "transactions", 1)
		wantCode(t, err, steward.CodeNotFound)
		ns, _, err := e.Lineage.ListNodes(other, lineage.NodeFilter{}, steward.PageRequest{})
		must(t, err)
		if len(ns) != 0 {
			t.Fatalf("team-b sees %d nodes", len(ns))
		}
		ns = collect(t, 1, func(p steward.PageRequest) ([]*lineage.Node, string, error) {
			return e.Lineage.ListNodes(e.Ctx, lineage.NodeFilter{Type: lineage.NodeDatasetVersion}, p)
		})
		if len(ns) != 3 {
			t.Fatalf("default lists %d dataset nodes, want 3", len(ns))
		}
	}},
	{"lineage: every change writes one event in its transaction", func(t *testing.T, e *Env) {
		seq := lastSeq(t, e, e.Ctx)
		chain(t, e, e.Ctx, "a", "b")                                                     // 2 node creates + 1 edges add
		_, err := e.Lineage.IngestOpenLineage(e.Ctx, lineagetest.ByName("v1-run-event")) // 1
		must(t, err)
		var actions []string
		for _, ev := range eventsAfter(t, e, e.Ctx, seq) {
			actions = append(actions, ev.Action)
		}
		wantStrings(t, "actions", actions, []string{"lineage.node.create", "lineage.node.create", "lineage.edges.add", "lineage.openlineage"})
		evs, err := e.DB.ListEvents(e.Ctx, events.Filter{Action: "lineage.openlineage"})
		must(t, err)
		if len(evs) != 1 || evs[0].ObjectType != "openlineage_event" {
			t.Fatalf("openlineage event: %+v", evs)
		}
	}},
}
