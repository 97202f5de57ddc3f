package client_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/steward-registry/steward/client"
)

// fakeServer speaks the blob, upload and file routes of the native API with
// in-memory state, plus hooks to inject failures.
type fakeServer struct {
	mu       sync.Mutex
	blobs    map[string][]byte
	uploads  map[string][]byte
	manifest *client.Manifest
	content  map[string][]byte // path → bytes served for it (defaults to the blob)
	requests []string          // "METHOD path"
	headers  []http.Header
	// dropPatch, when > 0, makes the n-th PATCH store half its body and then
	// drop the connection.
	dropPatch int
	patches   int
}

func newFake(t *testing.T) (*fakeServer, *httptest.Server) {
	f := &fakeServer{blobs: map[string][]byte{}, uploads: map[string][]byte{}, content: map[string][]byte{}}
	mux := http.NewServeMux()
	mux.HandleFunc("PUT /api/v1/blobs/{digest}", f.putBlob)
	mux.HandleFunc("HEAD /api/v1/blobs/{digest}", f.headBlob)
	mux.HandleFunc("POST /api/v1/uploads", f.createUpload)
	mux.HandleFunc("GET /api/v1/uploads/{id}", f.getUpload)
	mux.HandleFunc("PATCH /api/v1/uploads/{id}", f.patchUpload)
	mux.HandleFunc("DELETE /api/v1/uploads/{id}", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) })
	mux.HandleFunc("POST /api/v1/uploads/{id}/complete", f.completeUpload)
	mux.HandleFunc("GET /api/v1/models/{model}/versions/{v}/files", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		writeJSON(w, 200, f.manifest)
	})
	mux.HandleFunc("GET /api/v1/models/{model}/versions/{v}/files/{path...}", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		p := r.PathValue("path")
		if b, ok := f.content[p]; ok {
			w.Write(b)
			return
		}
		for _, file := range f.manifest.Files {
			if file.Path == p {
				w.Write(f.blobs[file.Digest])
				return
			}
		}
		apiError(w, 404, "not_found", "no such file")
	})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.requests = append(f.requests, r.Method+" "+r.URL.EscapedPath())
		f.headers = append(f.headers, r.Header.Clone())
		f.mu.Unlock()
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeServer) count(prefix string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, r := range f.requests {
		if strings.HasPrefix(r, prefix) {
			n++
		}
	}
	return n
}

func digestOf(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func apiError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{"code": code, "message": msg, "request_id": "req-1"}})
}

func (f *fakeServer) putBlob(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	d := r.PathValue("digest")
	if digestOf(b) != d {
		apiError(w, 400, "digest_mismatch", "content does not match digest")
		return
	}
	f.mu.Lock()
	f.blobs[d] = b
	f.mu.Unlock()
	writeJSON(w, 201, client.BlobInfo{Digest: d, Size: int64(len(b))})
}

func (f *fakeServer) headBlob(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	_, ok := f.blobs[r.PathValue("digest")]
	f.mu.Unlock()
	if !ok {
		w.WriteHeader(404)
		return
	}
	w.WriteHeader(200)
}

func (f *fakeServer) createUpload(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	id := "up" + strconv.Itoa(len(f.uploads))
	f.uploads[id] = []byte{}
	f.mu.Unlock()
	writeJSON(w, 201, map[string]any{"id": id, "offset": 0})
}

func (f *fakeServer) getUpload(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	b, ok := f.uploads[r.PathValue("id")]
	f.mu.Unlock()
	if !ok {
		apiError(w, 404, "not_found", "upload not found")
		return
	}
	writeJSON(w, 200, map[string]any{"id": r.PathValue("id"), "offset": len(b)})
}

func (f *fakeServer) patchUpload(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	off, _ := strconv.ParseInt(r.Header.Get("Upload-Offset"), 10, 64)
	f.mu.Lock()
	f.patches++
	drop := f.patches == f.dropPatch
	cur, ok := f.uploads[id]
	f.mu.Unlock()
	if !ok {
		apiError(w, 404, "not_found", "upload not found")
		return
	}
	if off != int64(len(cur)) {
		apiError(w, 409, "conflict", "offset mismatch")
		return
	}
	if drop {
		half := make([]byte, r.ContentLength/2)
		n, _ := io.ReadFull(r.Body, half)
		f.mu.Lock()
		f.uploads[id] = append(cur, half[:n]...)
		f.mu.Unlock()
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
		return
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	f.mu.Lock()
	f.uploads[id] = append(cur, b...)
	n := len(f.uploads[id])
	f.mu.Unlock()
	writeJSON(w, 200, map[string]any{"id": id, "offset": n})
}

func (f *fakeServer) completeUpload(w http.ResponseWriter, r *http.Request) {
	var in struct{ Digest string }
	json.NewDecoder(r.Body).Decode(&in)
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.uploads[r.PathValue("id")]
	if !ok {
		apiError(w, 404, "not_found", "upload not found")
		return
	}
	delete(f.uploads, r.PathValue("id"))
	if digestOf(b) != in.Digest {
		apiError(w, 400, "digest_mismatch", "content does not match digest")
		return
	}
	f.blobs[in.Digest] = b
	writeJSON(w, 201, client.BlobInfo{Digest: in.Digest, Size: int64(len(b))})
}
