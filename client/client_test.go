package client_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/steward-registry/steward/client"
	"github.com/steward-registry/steward/internal/blob"
	"github.com/steward-registry/steward/internal/registry"
)

func mustClient(t *testing.T, url string, opts ...client.Option) *client.Client {
	t.Helper()
	c, err := client.New(url, append([]client.Option{client.WithRetryBackoff(time.Millisecond)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestNewRejectsBadURL(t *testing.T) {
	for _, u := range []string{"", "127.0.0.1:5000", "ftp://x", "http://", "http://x/?a=1"} {
		if _, err := client.New(u); err == nil {
			t.Errorf("New(%q): want error", u)
		}
	}
}

func TestErrorDecodingAndHeaders(t *testing.T) {
	var got http.Header
	var gotPath string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, gotPath = r.Header.Clone(), r.URL.EscapedPath()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(404)
		w.Write([]byte(`{"error":{"code":"not_found","message":"model \"a/b\" not found","details":{"field":"name"},"request_id":"r1"}}`))
	}))
	defer srv.Close()
	c := mustClient(t, srv.URL+"/prefix/", client.WithWorkspace("team-a"), client.WithToken("s3cret"), client.WithUserAgent("ua/1"))
	_, err := c.UpdateModel(context.Background(), "a/b", client.ModelUpdate{}, 7)
	var e *client.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want *client.Error", err)
	}
	if e.Status != 404 || e.Code != "not_found" || e.RequestID != "r1" || e.Details["field"] != "name" {
		t.Errorf("error = %+v", e)
	}
	if !client.IsNotFound(err) || client.IsConflict(err) {
		t.Error("IsNotFound/IsConflict wrong")
	}
	if want := `model "a/b" not found (not_found)`; err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
	if gotPath != "/prefix/api/v1/models/a%2Fb" {
		t.Errorf("path = %q", gotPath)
	}
	for k, want := range map[string]string{"Steward-Workspace": "team-a", "Authorization": "Bearer s3cret", "User-Agent": "ua/1", "If-Match": `"7"`, "Content-Type": "application/json"} {
		if got.Get(k) != want {
			t.Errorf("header %s = %q, want %q", k, got.Get(k), want)
		}
	}
}

func TestNonAPIErrorBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(502)
		w.Write([]byte("<html>bad gateway</html>"))
	}))
	defer srv.Close()
	_, err := mustClient(t, srv.URL, client.WithRetries(0)).GetModel(context.Background(), "m")
	var e *client.Error
	if !errors.As(err, &e) || e.Status != 502 || strings.Contains(e.Message, "html") {
		t.Fatalf("err = %#v", err)
	}
}

func TestAllModelsPages(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("name_prefix") != "fr" {
			t.Errorf("query = %s", r.URL.RawQuery)
		}
		switch r.URL.Query().Get("page_token") {
		case "":
			writeJSON(w, 200, map[string]any{"models": []map[string]any{{"name": "fraud-a"}, {"name": "fraud-b"}}, "next_page_token": "t2"})
		case "t2":
			writeJSON(w, 200, map[string]any{"models": []map[string]any{{"name": "fraud-c"}}})
		}
	}))
	defer srv.Close()
	var names []string
	for m, err := range mustClient(t, srv.URL).AllModels(context.Background(), client.ModelFilter{NamePrefix: "fr"}) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, m.Name)
	}
	if strings.Join(names, ",") != "fraud-a,fraud-b,fraud-c" {
		t.Errorf("names = %v", names)
	}
}

func TestValidatePath(t *testing.T) {
	for _, p := range []string{"a", "dir/file.bin", "a b/c-d_e.f", "ab:c"} {
		if err := client.ValidatePath(p); err != nil {
			t.Errorf("ValidatePath(%q) = %v, want nil", p, err)
		}
	}
	for _, p := range []string{"", "/etc/passwd", "../x", "a/../../x", "a/..", "a\\b", "..\\x", "a\x00b", "a\nb", "a\x1b[2Jb", "C:x", "a//b", "./a", "a/", "100%", "\xff"} {
		if err := client.ValidatePath(p); err == nil {
			t.Errorf("ValidatePath(%q) = nil, want error", p)
		}
	}
}

func TestManifestDigestMatchesServer(t *testing.T) {
	files := []client.File{
		{Path: "z.bin", Digest: digestOf([]byte("z")), Size: 1},
		{Path: "a/b.txt", Digest: digestOf([]byte("hello")), Size: 5},
	}
	sorted, err := registry.ValidateManifest([]registry.File{
		{Path: files[0].Path, Digest: files[0].Digest, Size: files[0].Size},
		{Path: files[1].Path, Digest: files[1].Digest, Size: files[1].Size},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := client.ManifestDigest(files), registry.ManifestDigest(sorted); got != want {
		t.Errorf("ManifestDigest = %s, server computes %s", got, want)
	}
}

// writeTree creates files under dir and returns their contents by path.
func writeTree(t *testing.T, dir string, sizes map[string]int) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	r := rand.New(rand.NewPCG(1, 2))
	for p, n := range sizes {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
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

func TestUploadDirDedupAndResume(t *testing.T) {
	f, srv := newFake(t)
	dir := t.TempDir()
	content := writeTree(t, dir, map[string]int{"small.txt": 100, "sub/big.bin": 10_000, "sub/deeper/known.bin": 300})
	// The same bytes under a second name upload once.
	content["copy.txt"] = content["small.txt"]
	os.WriteFile(filepath.Join(dir, "copy.txt"), content["small.txt"], 0o644)
	f.blobs[digestOf(content["sub/deeper/known.bin"])] = content["sub/deeper/known.bin"]
	f.dropPatch = 2 // the second chunk of big.bin dies half-way

	c := mustClient(t, srv.URL, client.WithResumableThreshold(1000), client.WithChunkSize(3000))
	var last, total int64
	files, err := c.UploadDir(context.Background(), dir, func(d, tot int64) { last, total = d, tot })
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 4 || files[0].Path != "copy.txt" || files[3].Path != "sub/deeper/known.bin" {
		t.Fatalf("files = %+v", files)
	}
	for _, file := range files {
		if !bytes.Equal(f.blobs[file.Digest], content[file.Path]) || file.Size != int64(len(content[file.Path])) {
			t.Errorf("blob of %s not stored correctly", file.Path)
		}
	}
	if last != total || total != 10_500 {
		t.Errorf("progress ended at %d/%d, want 10500/10500", last, total)
	}
	if n := f.count("PUT /api/v1/blobs/"); n != 1 {
		t.Errorf("%d PUTs, want 1 (known blob skipped, copy deduplicated, big file resumable)", n)
	}
	if n := f.count("GET /api/v1/uploads/"); n != 1 {
		t.Errorf("%d offset queries, want 1 after the dropped chunk", n)
	}
	if n := f.count("POST /api/v1/uploads/"); n != 1 {
		t.Errorf("%d completes, want 1", n)
	}
}

func TestUploadDirSingleFile(t *testing.T) {
	f, srv := newFake(t)
	dir := t.TempDir()
	writeTree(t, dir, map[string]int{"model.onnx": 42})
	files, err := mustClient(t, srv.URL).UploadDir(context.Background(), filepath.Join(dir, "model.onnx"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 || files[0].Path != "model.onnx" || f.blobs[files[0].Digest] == nil {
		t.Errorf("files = %+v", files)
	}
}

func TestDownloadVersion(t *testing.T) {
	f, srv := newFake(t)
	a, b := []byte("weights"), []byte("config")
	f.blobs[digestOf(a)], f.blobs[digestOf(b)] = a, b
	files := []client.File{{Path: "w/model.bin", Digest: digestOf(a), Size: 7}, {Path: "config json", Digest: digestOf(b), Size: 6}}
	f.manifest = &client.Manifest{Model: "m", Version: 1, Files: files, ManifestDigest: client.ManifestDigest(files)}
	dest := filepath.Join(t.TempDir(), "out")
	c := mustClient(t, srv.URL)
	m, err := c.DownloadVersion(context.Background(), "m", 1, dest, nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.ManifestDigest != f.manifest.ManifestDigest {
		t.Error("manifest digest")
	}
	if got, _ := os.ReadFile(filepath.Join(dest, "w", "model.bin")); !bytes.Equal(got, a) {
		t.Errorf("model.bin = %q", got)
	}
	if got, _ := os.ReadFile(filepath.Join(dest, "config json")); !bytes.Equal(got, b) {
		t.Errorf("config = %q", got)
	}
	// A second download finds the files in place and fetches nothing.
	before := f.count("GET /api/v1/models/m/versions/1/files/")
	if _, err := c.DownloadVersion(context.Background(), "m", 1, dest, nil); err != nil {
		t.Fatal(err)
	}
	if after := f.count("GET /api/v1/models/m/versions/1/files/"); after != before {
		t.Errorf("re-download fetched %d files, want 0", after-before)
	}
}

func TestDownloadVersionRejectsTamperedContent(t *testing.T) {
	f, srv := newFake(t)
	a := []byte("weights")
	f.blobs[digestOf(a)] = a
	files := []client.File{{Path: "model.bin", Digest: digestOf(a), Size: 7}}
	f.manifest = &client.Manifest{Model: "m", Version: 1, Files: files, ManifestDigest: client.ManifestDigest(files)}
	f.content["model.bin"] = []byte("WEIGHTS")
	dest := t.TempDir()
	_, err := mustClient(t, srv.URL).DownloadVersion(context.Background(), "m", 1, dest, nil)
	if err == nil || !strings.Contains(err.Error(), "hashes to") {
		t.Fatalf("err = %v, want digest mismatch", err)
	}
	if ents, _ := os.ReadDir(dest); len(ents) != 0 {
		t.Errorf("dest holds %v after a failed download, want nothing", ents)
	}
}

func TestDownloadVersionRejectsMaliciousManifest(t *testing.T) {
	payload := []byte("pwned")
	for _, p := range []string{"../escape.txt", "a/../../escape.txt", "/tmp/escape.txt", "..\\escape.txt", "a\x00b", "a\nb", "C:escape.txt", "./x"} {
		t.Run(p, func(t *testing.T) {
			f, srv := newFake(t)
			f.blobs[digestOf(payload)] = payload
			files := []client.File{{Path: p, Digest: digestOf(payload), Size: 5}}
			// The manifest digest is consistent, so only the path check can stop it.
			f.manifest = &client.Manifest{Model: "m", Version: 1, Files: files, ManifestDigest: client.ManifestDigest(files)}
			f.content[p] = payload
			parent := t.TempDir()
			dest := filepath.Join(parent, "dest")
			_, err := mustClient(t, srv.URL).DownloadVersion(context.Background(), "m", 1, dest, nil)
			if err == nil || !strings.Contains(err.Error(), "unsafe path") {
				t.Fatalf("err = %v, want unsafe path", err)
			}
			if n := f.count("GET /api/v1/models/m/versions/1/files/"); n != 0 {
				t.Errorf("fetched %d files before rejecting the manifest", n)
			}
			if _, err := os.Stat(filepath.Join(parent, "escape.txt")); err == nil {
				t.Error("file written outside dest")
			}
		})
	}
}

func TestDownloadVersionRejectsWrongManifestDigest(t *testing.T) {
	f, srv := newFake(t)
	files := []client.File{{Path: "a", Digest: digestOf([]byte("a")), Size: 1}}
	f.manifest = &client.Manifest{Model: "m", Version: 1, Files: files, ManifestDigest: digestOf([]byte("other"))}
	_, err := mustClient(t, srv.URL).DownloadVersion(context.Background(), "m", 1, t.TempDir(), nil)
	if err == nil || !strings.Contains(err.Error(), "refusing to trust") {
		t.Fatalf("err = %v", err)
	}
}

func TestDownloadVersionSymlinkInDestCannotEscape(t *testing.T) {
	f, srv := newFake(t)
	payload := []byte("pwned")
	f.blobs[digestOf(payload)] = payload
	files := []client.File{{Path: "link/escape.txt", Digest: digestOf(payload), Size: 5}}
	f.manifest = &client.Manifest{Model: "m", Version: 1, Files: files, ManifestDigest: client.ManifestDigest(files)}
	outside, dest := t.TempDir(), t.TempDir()
	if err := os.Symlink(outside, filepath.Join(dest, "link")); err != nil {
		t.Fatalf("symlink: %v", err) // every platform Steward supports has symlinks
	}
	if _, err := mustClient(t, srv.URL).DownloadVersion(context.Background(), "m", 1, dest, nil); err == nil {
		t.Fatal("want error for a symlink leading out of dest")
	}
	if ents, _ := os.ReadDir(outside); len(ents) != 0 {
		t.Errorf("wrote %v outside dest", ents)
	}
}

func TestUploadBlobRetriesTransientStatus(t *testing.T) {
	payload := []byte("retry me")
	puts := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		puts++
		b, _ := io.ReadAll(r.Body)
		if puts == 1 {
			apiError(w, 503, "unavailable", "database is restarting")
			return
		}
		if !bytes.Equal(b, payload) {
			t.Errorf("attempt %d sent %q", puts, b)
		}
		writeJSON(w, 201, client.BlobInfo{Digest: digestOf(b), Size: int64(len(b))})
	}))
	defer srv.Close()
	info, err := mustClient(t, srv.URL).UploadBlob(context.Background(), bytes.NewReader(payload), int64(len(payload)), digestOf(payload), nil)
	if err != nil || puts != 2 || info.Size != int64(len(payload)) {
		t.Fatalf("info=%+v err=%v puts=%d", info, err, puts)
	}
	// A refusal is not retried.
	puts = 0
	srv2 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		puts++
		apiError(w, 400, "digest_mismatch", "no")
	}))
	defer srv2.Close()
	_, err = mustClient(t, srv2.URL).UploadBlob(context.Background(), bytes.NewReader(payload), int64(len(payload)), digestOf(payload), nil)
	if client.ErrorCode(err) != client.CodeDigestMismatch || puts != 1 {
		t.Fatalf("err=%v puts=%d", err, puts)
	}
}

// TestValidatePathMatchesServer keeps the client's copy of the path rules
// in step with the server's.
func TestValidatePathMatchesServer(t *testing.T) {
	for _, p := range []string{"", "a", "a/b", "/a", "a/", "a//b", "./a", "a/.", "../a", "a\\b", "a\x00", "a\x1f", "a\x7f", "100%", "C:a", "ab:c", "é/ü", "\xff", strings.Repeat("a", 1025), "a b/c.d-e_f"} {
		if got, want := client.ValidatePath(p) == nil, blob.ValidatePath(p) == nil; got != want {
			t.Errorf("ValidatePath(%q): client ok=%v, server ok=%v", p, got, want)
		}
	}
}
