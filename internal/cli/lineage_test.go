package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/steward-registry/steward/client"
	"github.com/steward-registry/steward/internal/lineage"
	"github.com/steward-registry/steward/internal/lineage/lineagetest"
	"github.com/steward-registry/steward/internal/registry"
)

func TestDatasetsCreateAndVerify(t *testing.T) {
	e := newTestEnv(t)
	dir := t.TempDir()
	files := writeFiles(t, dir, map[string]int{"part-0.parquet": 3000, "part-1.parquet": 5000, "meta/schema.json": 100})
	var d client.DatasetVersion
	e.okJSON(&d, "datasets", "create", "transactions", "--path", dir, "--uri", "s3://lake/tx/2026-11",
		"--schema", "card_id:string,amount:decimal", "--rows", "1234", "--tag", "pii=masked")
	if d.Version != 1 || d.Digest != manifestDigestOf(files) || d.DigestKind != "manifest" || d.FileCount != 3 || *d.RowCount != 1234 || d.Schema[1].Type != "decimal" {
		t.Fatalf("registered: %+v", d)
	}
	out := e.ok("datasets", "verify", "transactions@1", dir)
	if !strings.HasPrefix(out, "Unchanged: ") {
		t.Fatalf("verify of the same data: %q", out)
	}
	// Change one file, delete one, add one: verify names each, exit 1.
	if err := os.WriteFile(filepath.Join(dir, "part-0.parquet"), []byte("rewritten"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "part-1.parquet")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "part-2.parquet"), []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := e.run("datasets", "verify", "transactions@1", dir)
	if r.code != ExitFailure || !strings.Contains(r.stdout, "Changed: ") || !strings.Contains(r.stderr, "differs") {
		t.Fatalf("verify of changed data: %+v", r)
	}
	flat := strings.Join(strings.Fields(r.stdout), " ")
	for _, want := range []string{"changed: part-0.parquet", "missing: part-1.parquet", "new: part-2.parquet"} {
		if !strings.Contains(flat, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	r = e.run("datasets", "verify", "transactions@1", dir, "-o", "json")
	if r.code != ExitFailure || !strings.Contains(r.stdout, `"changed": [`) || !strings.Contains(r.stdout, `"unchanged": false`) {
		t.Fatalf("json verify: %+v", r)
	}
	// A single file registered by content verifies through a file:// URI.
	one := filepath.Join(t.TempDir(), "labels.csv")
	if err := os.WriteFile(one, []byte("id,label\n1,0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	e.okJSON(&d, "datasets", "create", "labels", "--path", one, "--uri", "file://"+one)
	if d.DigestKind != "content" || d.Digest != digestOfBytes([]byte("id,label\n1,0\n")) {
		t.Fatalf("single file: %+v", d)
	}
	if out := e.ok("datasets", "verify", "labels", "file://"+one); !strings.HasPrefix(out, "Unchanged") {
		t.Fatalf("verify by file URI: %q", out)
	}
	if r := e.run("datasets", "verify", "labels@1", "s3://bucket/labels.csv"); r.code != ExitFailure || !strings.Contains(r.stderr, "download or mount") {
		t.Fatalf("s3: %+v", r)
	}
	if out := e.ok("datasets", "list"); !strings.Contains(out, "transactions") || !strings.Contains(out, "labels") {
		t.Fatalf("list: %s", out)
	}
	if out := e.ok("datasets", "get", "transactions@1", "--files"); !strings.Contains(out, "meta/schema.json") || !strings.Contains(out, "pii=masked") {
		t.Fatalf("get --files: %s", out)
	}
	if r := e.run("datasets", "create", "x", "--uri", "s3://x"); r.code != ExitFailure || !strings.Contains(r.stderr, "exactly one of --path") {
		t.Fatalf("no path nor digest: %+v", r)
	}
}

func digestOfBytes(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

func TestLineageCommands(t *testing.T) {
	e := newTestEnv(t)
	ctx := e.ctx()
	// Airflow builds features; they are registered; a run trains on them in
	// a captured environment; its version is deployed and serves a batch.
	events := filepath.Join(t.TempDir(), "events.ndjson")
	var nd []string
	for _, n := range []string{"airflow-start", "airflow-complete"} {
		nd = append(nd, strings.ReplaceAll(string(lineagetest.ByName(n)), "\n", ""))
	}
	if err := os.WriteFile(events, []byte(strings.Join(nd, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out := e.ok("lineage", "ingest", events); strings.Count(out, "recorded") != 2 {
		t.Fatalf("ingest: %s", out)
	}
	if out := e.ok("lineage", "ingest", events); strings.Count(out, "duplicate") != 2 {
		t.Fatalf("ingest again: %s", out)
	}
	data := t.TempDir()
	writeFiles(t, data, map[string]int{"features.parquet": 2048})
	e.ok("datasets", "create", "fraud-features", "--path", data, "--uri", "s3://lake-features/fraud/features")
	e.ok("lineage", "link", "dataset_version:s3://lake-features/fraud/features@v42", "derived_from", "dataset_version:fraud-features@1")
	runA, err := e.trk.CreateRun(ctx, trackingRun("0", "train-a"))
	if err != nil {
		t.Fatal(err)
	}
	runB, err := e.trk.CreateRun(ctx, trackingRun("0", "train-b"))
	if err != nil {
		t.Fatal(err)
	}
	e.ok("runs", "link-dataset", runA.ID, "fraud-features@1", "--context", "training")
	src := t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "requirements.txt"), []byte("numpy==1.26.4\nxgboost==2.1.1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := e.ok("runs", "capture-env", runA.ID, "--dir", src, "--image", "ghcr.io/acme/train:1", "--image-digest", "sha256:"+strings.Repeat("ab", 32))
	if !strings.Contains(out, "xgboost") || !strings.Contains(out, "CPU:") {
		t.Fatalf("capture-env: %s", out)
	}
	if err := os.WriteFile(filepath.Join(src, "requirements.txt"), []byte("numpy==2.1.0\nlightgbm==4.5.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	e.ok("runs", "capture-env", runB.ID, "--dir", src, "--no-hardware")
	if r := e.run("runs", "capture-env", runA.ID, "--dir", src, "--no-hardware"); r.code != ExitFailure || !strings.Contains(r.stderr, "(conflict)") {
		t.Fatalf("rewriting an environment: %+v", r)
	}
	e.ok("runs", "capture-env", runA.ID, "--no-git", "--no-hardware", "--kwh", "3.5", "--co2", "1.2", "--dir", t.TempDir())
	if _, err := e.reg.CreateModel(ctx, registry.ModelCreate{Name: "fraud"}); err != nil {
		t.Fatal(err)
	}
	for _, run := range []string{runA.ID, runB.ID} {
		if _, err := e.reg.CreateVersion(ctx, "fraud", registry.VersionCreate{RunID: run}); err != nil {
			t.Fatal(err)
		}
	}
	env := e.ok("runs", "env", runA.ID)
	if !strings.Contains(env, "3.5 kWh") || !strings.Contains(env, "pypi") {
		t.Fatalf("runs env: %s", env)
	}
	// Side by side: the dependency changes and the differing rows.
	cmp := e.ok("versions", "compare", "fraud", "1", "2")
	for _, want := range []string{"pypi/numpy", "1.26.4", "2.1.0", "pypi/lightgbm", "pypi/xgboost", "*  Energy:", "3.5 kWh"} {
		if !strings.Contains(cmp, want) {
			t.Errorf("compare lacks %q:\n%s", want, cmp)
		}
	}
	var cj struct {
		Dependencies []depChange `json:"dependency_changes"`
	}
	e.okJSON(&cj, "versions", "compare", "fraud", "1", "2")
	if len(cj.Dependencies) != 3 {
		t.Fatalf("dependency changes: %+v", cj.Dependencies)
	}
	e.ok("lineage", "deploy", "fraud-prod", "fraud", "1", "--endpoint", "https://scoring/fraud")
	if _, _, err := e.lin.ReportPredictionBatch(ctx, lineage.PredictionBatch{ID: "pb-0001", Deployment: "fraud-prod", StartTime: 1, EndTime: 2, Count: 10}); err != nil {
		t.Fatal(err)
	}

	tree := e.ok("lineage", "trace", "model_version:fraud/1")
	for _, want := range []string{"fraud v1  [model_version:", "↑ produced train-a", "↑ trained_on fraud-features@1  [dataset_version]",
		"↑ derived_from s3://lake-features/fraud/features@v42", "└── ", "↑ consumed ghcr.io/acme/train:1"} {
		if !strings.Contains(tree, want) {
			t.Errorf("tree lacks %q:\n%s", want, tree)
		}
	}
	down := e.ok("lineage", "trace", "dataset_version:fraud-features@1", "--downstream", "--node-types", "deployment,prediction_batch")
	if !strings.Contains(down, "↓ deployed_as, 2 hops fraud-prod") || !strings.Contains(down, "↓ predicted_by, 2 hops pb-0001") {
		t.Fatalf("downstream with types:\n%s", down)
	}
	dot := e.ok("lineage", "trace", "model_version:fraud/1", "-o", "dot")
	if !strings.HasPrefix(dot, "digraph ") || !strings.Contains(dot, "shape=cylinder") || !strings.Contains(dot, `[label="trained_on"]`) {
		t.Fatalf("dot:\n%s", dot)
	}
	var tr client.TraceResult
	e.okJSON(&tr, "lineage", "trace", "model_version:fraud/1", "--depth", "1")
	if tr.Root.Label != "fraud v1" || len(tr.Nodes) != 3 { // version, its run, the training data
		t.Fatalf("json trace: %+v", tr.Nodes)
	}
	impact := e.ok("lineage", "impact", "postgres://db.prod.internal:5432/payments.public.transactions")
	if !strings.Contains(impact, "fraud-prod") || !strings.Contains(impact, "yes") || !strings.Contains(impact, "fraud v1") {
		t.Fatalf("impact:\n%s", impact)
	}
	if dot := e.ok("lineage", "impact", "fraud-features", "-o", "dot"); !strings.Contains(dot, "deployed_as") {
		t.Fatalf("impact dot:\n%s", dot)
	}
	prov := e.ok("lineage", "provenance", "pb-0001")
	for _, want := range []string{"Deployment:", "fraud-prod", "fraud-features@1", "ghcr.io/acme/train:1", "train-a"} {
		if !strings.Contains(prov, want) {
			t.Errorf("provenance lacks %q:\n%s", want, prov)
		}
	}
	if r := e.run("lineage", "trace", "table:orders"); r.code != ExitFailure || !strings.Contains(r.stderr, "(invalid_argument)") {
		t.Fatalf("bad node type: %+v", r)
	}
	if r := e.run("lineage", "link", "dataset_version:fraud-features@1", "feeds", "run:"+runA.ID); r.code != ExitFailure {
		t.Fatalf("bad edge type: %+v", r)
	}
	if r := e.run("models", "list", "-o", "dot"); r.code != ExitFailure || !strings.Contains(r.stderr, "--output must be table or json") {
		t.Fatalf("dot outside lineage: %+v", r)
	}
}
