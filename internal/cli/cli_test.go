package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/steward-registry/steward/client"
	"github.com/steward-registry/steward/internal/blob"
	"github.com/steward-registry/steward/internal/httpapi"
	"github.com/steward-registry/steward/internal/lineage"
	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/steward"
	"github.com/steward-registry/steward/internal/store/storetest"
	"github.com/steward-registry/steward/internal/tracking"
)

// testEnv is the real native API over SQLite and a local blob store, served
// by httptest, with a log of the requests it saw.
type testEnv struct {
	t    *testing.T
	url  string
	reg  *registry.Service
	trk  *tracking.Service
	lin  *lineage.Service
	opts []client.Option

	mu   sync.Mutex
	reqs []string // "METHOD /path"
}

func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	db := storetest.OpenSQLite(t)
	reg := registry.NewService(db.Registry(), nil, nil)
	trk := tracking.NewService(db.Tracking(), nil, nil)
	lin := lineage.NewService(db.Lineage(), nil, nil)
	bs, err := blob.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	up, err := blob.NewUploads(t.TempDir(), bs)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { up.Close() })
	api := &httpapi.API{Registry: reg, Tracking: trk, Lineage: lin, Events: db, Blobs: bs, Uploads: up, Log: slog.New(slog.DiscardHandler)}
	e := &testEnv{t: t, reg: reg, trk: trk, lin: lin}
	mux := http.NewServeMux()
	api.Register(mux, func(_ string, _ steward.Permission, h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			e.mu.Lock()
			e.reqs = append(e.reqs, r.Method+" "+r.URL.Path)
			e.mu.Unlock()
			h.ServeHTTP(w, r.WithContext(steward.WithPrincipal(r.Context(), steward.Anonymous)))
		})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	e.url = srv.URL
	return e
}

// ctx is a context for calling the services directly, as the server would.
func (e *testEnv) ctx() context.Context {
	return steward.WithPrincipal(steward.WithWorkspace(context.Background(), steward.DefaultWorkspace), steward.Anonymous)
}

// count returns how many requests started with prefix, e.g. "PATCH /api/v1/uploads/".
func (e *testEnv) count(prefix string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, r := range e.reqs {
		if strings.HasPrefix(r, prefix) {
			n++
		}
	}
	return n
}

type result struct {
	stdout, stderr string
	code           int
}

// run executes the CLI against the test server with stdin that is not a
// terminal.
func (e *testEnv) run(args ...string) result {
	e.t.Helper()
	return runCLI(e.t, e.url, e.opts, args...)
}

func runCLI(t *testing.T, server string, opts []client.Option, args ...string) result {
	t.Helper()
	root := newRoot("test", opts...)
	var out, errb bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errb)
	root.SetIn(strings.NewReader(""))
	root.SetArgs(append([]string{"--server", server}, args...))
	code := Execute(root)
	return result{out.String(), errb.String(), code}
}

// ok runs a command that must succeed.
func (e *testEnv) ok(args ...string) string {
	e.t.Helper()
	r := e.run(args...)
	if r.code != 0 {
		e.t.Fatalf("steward %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// okJSON runs a command with -o json and decodes its output into v.
func (e *testEnv) okJSON(v any, args ...string) {
	e.t.Helper()
	out := e.ok(append(args, "-o", "json")...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		e.t.Fatalf("steward %s: output is not JSON: %v\n%s", strings.Join(args, " "), err, out)
	}
}
