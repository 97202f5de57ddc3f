package cli

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/steward-registry/steward/client"
)

// writeFiles creates files of pseudo-random bytes under dir.
func writeFiles(t *testing.T, dir string, sizes map[string]int) map[string][]byte {
	t.Helper()
	rnd := rand.New(rand.NewPCG(7, 11))
	out := make(map[string][]byte, len(sizes))
	for p, n := range sizes {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rnd.Uint32())
		}
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, b, 0o644); err != nil {
			t.Fatal(err)
		}
		out[p] = b
	}
	return out
}

// manifestDigestOf computes the manifest digest of files independently of
// the client: SHA-256 over "<digest> <size> <path>\n" sorted by path.
func manifestDigestOf(files map[string][]byte) string {
	var lines []string
	for p, b := range files {
		s := sha256.Sum256(b)
		lines = append(lines, "sha256:"+hex.EncodeToString(s[:])+" "+itoa(len(b))+" "+p+"\n")
	}
	sortByPath(lines)
	h := sha256.Sum256([]byte(strings.Join(lines, "")))
	return "sha256:" + hex.EncodeToString(h[:])
}

func TestVersionsLifecycle(t *testing.T) {
	e := newTestEnv(t)
	// Files over 1 MiB take the resumable path in 256 KiB chunks.
	e.opts = []client.Option{client.WithResumableThreshold(1 << 20), client.WithChunkSize(256 << 10)}
	e.ok("models", "create", "fraud")
	src := t.TempDir()
	files := writeFiles(t, src, map[string]int{
		"model.bin":              3<<20 + 17,
		"config.json":            200,
		"sub/tokenizer.txt":      5000,
		"sub/deeper/weights.npy": 1<<20 + 1,
		"sub/empty":              0,
	})

	var v client.Version
	e.okJSON(&v, "versions", "create", "--model", "fraud", "--path", src, "--source", "git:abc", "--description", "first", "--tag", "data=march")
	if v.Version != 1 || v.FileCount != 5 || v.Source != "git:abc" || v.Tags["data"] != "march" {
		t.Errorf("created %+v", v)
	}
	if want := manifestDigestOf(files); v.ManifestDigest != want {
		t.Errorf("manifest digest = %s, want %s", v.ManifestDigest, want)
	}
	if n := e.count("PATCH /api/v1/uploads/"); n < 14 {
		t.Errorf("%d upload chunks, want >= 14 (two files over the threshold)", n)
	}
	if n := e.count("POST /api/v1/uploads/"); n != 2 {
		t.Errorf("%d completed uploads, want 2", n)
	}
	if n := e.count("PUT /api/v1/blobs/"); n != 3 {
		t.Errorf("%d single PUTs, want 3", n)
	}

	// Same files again: nothing is sent, only a new version registered.
	puts, patches := e.count("PUT /api/v1/blobs/"), e.count("PATCH /api/v1/uploads/")
	out := e.ok("versions", "create", "--model", "fraud", "--path", src)
	if !strings.Contains(out, "Version:") || !strings.Contains(out, v.ManifestDigest) {
		t.Errorf("create table output:\n%s", out)
	}
	if e.count("PUT /api/v1/blobs/") != puts || e.count("PATCH /api/v1/uploads/") != patches {
		t.Error("unchanged files were uploaded again")
	}

	// Download and compare every byte.
	dest := filepath.Join(t.TempDir(), "out")
	out = e.ok("versions", "download", "fraud", "1", "--dest", dest)
	if !strings.Contains(out, "Downloaded 5 files") || !strings.Contains(out, v.ManifestDigest) {
		t.Errorf("download output:\n%s", out)
	}
	for p, want := range files {
		got, err := os.ReadFile(filepath.Join(dest, filepath.FromSlash(p)))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("downloaded %s differs (%v)", p, err)
		}
	}
	leftovers, _ := filepath.Glob(filepath.Join(dest, "*.tmp"))
	if len(leftovers) != 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}

	// Stages.
	e.okJSON(&v, "versions", "set-stage", "fraud", "1", "production")
	if v.Stage != "Production" {
		t.Errorf("stage = %q", v.Stage)
	}
	out = e.ok("versions", "set-stage", "fraud", "2", "Production", "--archive-existing")
	if !strings.Contains(out, "fraud version 2 is now in stage Production") {
		t.Errorf("set-stage output %q", out)
	}
	var list struct{ Versions []client.Version }
	e.okJSON(&list, "versions", "list", "fraud", "--stage", "Production")
	if len(list.Versions) != 1 || list.Versions[0].Version != 2 {
		t.Errorf("Production versions = %+v", list.Versions)
	}
	e.okJSON(&v, "versions", "get", "fraud", "v1")
	if v.Stage != "Archived" {
		t.Errorf("version 1 stage = %q, want Archived", v.Stage)
	}
	out = e.ok("versions", "list", "fraud")
	if !strings.HasPrefix(out, "VERSION") || strings.Count(out, "\n") != 3 {
		t.Errorf("versions list:\n%s", out)
	}

	// Aliases, and commands that accept one in place of a number.
	if out := e.ok("versions", "set-alias", "fraud", "champion", "1"); !strings.Contains(out, `Alias "champion" of fraud now points at version 1`) {
		t.Errorf("set-alias output %q", out)
	}
	e.okJSON(&v, "versions", "get", "fraud", "champion")
	if v.Version != 1 || len(v.Aliases) != 1 || v.Aliases[0] != "champion" {
		t.Errorf("champion = %+v", v)
	}
	var dl struct {
		client.Manifest
		Dest string `json:"dest"`
	}
	dest2 := filepath.Join(t.TempDir(), "champion")
	e.okJSON(&dl, "versions", "download", "fraud", "champion", "--dest", dest2)
	if dl.Version != 1 || dl.ManifestDigest != v.ManifestDigest || dl.Dest != dest2 || len(dl.Files) != 5 {
		t.Errorf("download json = %+v", dl)
	}
	e.ok("versions", "delete-alias", "fraud", "champion")
	r := e.run("versions", "get", "fraud", "champion")
	if r.code != ExitFailure || !strings.Contains(r.stderr, "(not_found)") {
		t.Errorf("deleted alias: %+v", r)
	}
	r = e.run("versions", "set-stage", "fraud", "1", "Retired")
	if r.code != ExitFailure || !strings.Contains(r.stderr, "(invalid_argument)") {
		t.Errorf("bad stage: %+v", r)
	}
}

func TestVersionsCreateSingleFileAndMissingModel(t *testing.T) {
	e := newTestEnv(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]int{"model.onnx": 1234})
	r := e.run("versions", "create", "--model", "ghost", "--path", filepath.Join(dir, "model.onnx"))
	if r.code != ExitFailure || !strings.Contains(r.stderr, "(not_found)") || e.count("PUT ") != 0 {
		t.Errorf("missing model: %+v", r)
	}
	e.ok("models", "create", "m")
	var v client.Version
	e.okJSON(&v, "versions", "create", "--model", "m", "--path", filepath.Join(dir, "model.onnx"))
	var m client.Manifest
	e.okJSON(&m, "versions", "download", "m", "1", "--dest", t.TempDir())
	if len(m.Files) != 1 || m.Files[0].Path != "model.onnx" || m.Files[0].Size != 1234 {
		t.Errorf("manifest = %+v", m)
	}
}

// TestVersionsDownloadRejectsTraversal serves a manifest whose path climbs
// out of the destination; nothing may be written.
func TestVersionsDownloadRejectsTraversal(t *testing.T) {
	payload := []byte("owned")
	s := sha256.Sum256(payload)
	files := []client.File{{Path: "../../escape.txt", Digest: "sha256:" + hex.EncodeToString(s[:]), Size: int64(len(payload))}}
	man := client.Manifest{Model: "m", Version: 1, Files: files, ManifestDigest: client.ManifestDigest(files)}
	fetched := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/files") {
			json.NewEncoder(w).Encode(man)
			return
		}
		fetched++
		w.Write(payload)
	}))
	defer srv.Close()
	parent := t.TempDir()
	dest := filepath.Join(parent, "a", "b")
	r := runCLI(t, srv.URL, nil, "versions", "download", "m", "1", "--dest", dest)
	if r.code != ExitFailure || !strings.Contains(r.stderr, "unsafe path") {
		t.Errorf("traversal: %+v", r)
	}
	if fetched != 0 {
		t.Errorf("fetched %d files from a bad manifest", fetched)
	}
	if _, err := os.Stat(filepath.Join(parent, "escape.txt")); err == nil {
		t.Error("file written outside --dest")
	}
}

func TestRuns(t *testing.T) {
	e := newTestEnv(t)
	exp, err := e.trk.CreateExperiment(e.ctx(), "fraud-training", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	run, err := e.trk.CreateRun(e.ctx(), trackingRun(exp.ID, "nightly"))
	if err != nil {
		t.Fatal(err)
	}
	var list struct{ Runs []client.Run }
	e.okJSON(&list, "runs", "list", "--experiment", exp.ID)
	if len(list.Runs) != 1 || list.Runs[0].ID != run.ID || list.Runs[0].Name != "nightly" {
		t.Errorf("runs = %+v", list.Runs)
	}
	if out := e.ok("runs", "list", "--all"); !strings.Contains(out, run.ID) || !strings.HasPrefix(out, "ID") {
		t.Errorf("runs list table:\n%s", out)
	}
	out := e.ok("runs", "get", run.ID)
	for _, want := range []string{"ID:", run.ID, "Experiment:", exp.ID, "Status:"} {
		if !strings.Contains(out, want) {
			t.Errorf("runs get lacks %q:\n%s", want, out)
		}
	}
	if r := e.run("runs", "get", "nope"); r.code != ExitFailure || !strings.Contains(r.stderr, "(not_found)") {
		t.Errorf("missing run: %+v", r)
	}
}
