package server

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/steward-registry/steward/internal/audit"
	"github.com/steward-registry/steward/internal/auth"
	"github.com/steward-registry/steward/internal/config"
)

// TestCheckpointsInTheBackground runs a server: its checkpointer signs a
// checkpoint once enough events accumulate, publishes it to the directory
// and the webhook, and signs a last one on shutdown covering every event.
func TestCheckpointsInTheBackground(t *testing.T) {
	var mu sync.Mutex
	var posted []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		posted = append(posted, r.Header.Get("Steward-Checkpoint-Size"))
		mu.Unlock()
	}))
	defer hook.Close()
	home := t.TempDir()
	dir := filepath.Join(home, "outside")
	cfg := config.Config{Home: home, Listen: "127.0.0.1:0", MaxArtifactSize: 1 << 30, LogFormat: "text", LogLevel: "error",
		ShutdownTimeout: 10 * time.Second, AuditCheckpointEvery: 2, AuditCheckpointInterval: time.Hour, AuditPublish: []string{dir, hook.URL}, AuditWebhookAllowPrivate: true}
	s, err := New(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, func(a net.Addr) { addr <- a }) }()
	base := "http://" + (<-addr).String()
	for _, name := range []string{"a", "b", "c"} {
		if resp, body := do(t, "POST", base+"/api/v1/models", nil, `{"name":"`+name+`"}`); resp.StatusCode != 201 {
			t.Fatalf("create %s: %d %s", name, resp.StatusCode, body)
		}
	}
	// Three events, a checkpoint every two: one of size 2 or 3 shortly.
	deadline := time.Now().Add(10 * time.Second)
	for {
		notes, _ := audit.ReadCheckpointDir(dir)
		if len(notes) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no checkpoint published within 10s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if resp, _ := do(t, "POST", base+"/api/v1/models", nil, `{"name":"d"}`); resp.StatusCode != 201 {
		t.Fatal("create d")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// The shutdown checkpoint covers all four events.
	notes, err := audit.ReadCheckpointDir(dir)
	if err != nil || len(notes) == 0 {
		t.Fatalf("checkpoints: %v", err)
	}
	last, err := audit.ParseCheckpointText(strings.SplitN(notes[len(notes)-1], "\n\n", 2)[0] + "\n")
	if err != nil || last.Size != 4 {
		t.Fatalf("last checkpoint %+v (%v), want size 4", last, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(posted) != len(notes) || posted[len(posted)-1] != "4" {
		t.Fatalf("webhook got %v, directory has %d", posted, len(notes))
	}
	if fi, err := os.Stat(filepath.Join(home, "audit.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	rep, err := audit.VerifyLog(context.Background(), s.db, nil, []audit.Source{{Name: dir, Notes: notes}})
	if err != nil || !rep.OK || rep.Covered != 4 {
		t.Fatalf("%+v %v", rep, err)
	}
}

func TestAuditPublishConfig(t *testing.T) {
	for _, c := range []struct {
		dests []string
		want  string
	}{
		{[]string{"none", "/tmp/x"}, "cannot be combined"},
		{[]string{"ftp://host/x"}, "want a directory"},
		{[]string{"s3://"}, "s3"},
	} {
		cfg := config.Config{Home: t.TempDir(), Listen: "127.0.0.1:0", MaxArtifactSize: 1, LogFormat: "text", AuditPublish: c.dests}
		if _, err := New(context.Background(), cfg, slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: got %v, want %q", c.dests, err, c.want)
		}
	}
}

// TestAuditAccess: the audit routes need audit.read. An auditor bound to one
// workspace reads that workspace's events; the whole chain (every
// workspace, export, verify, checkpoints, proofs) needs a global binding.
func TestAuditAccess(t *testing.T) {
	e := newAuthEnv(t, nil)
	e.enforce()
	e.model("m", "", "")
	global := e.user("global-auditor", "")
	e.bind("user:global-auditor", auth.RoleAuditor, auth.ScopeGlobal, "")
	local := e.user("local-auditor", auth.RoleAuditor)
	dev := e.user("dev", auth.RoleDeveloper)
	for _, c := range []struct {
		who, tok, method, path string
		want                   int
	}{
		{"global", global, "GET", "/api/v1/audit/events", 200},
		{"global", global, "GET", "/api/v1/audit/export", 200},
		{"global", global, "GET", "/api/v1/audit/verify", 200},
		{"global", global, "POST", "/api/v1/audit/checkpoints", 200},
		{"global", global, "GET", "/api/v1/audit/checkpoints", 200},
		{"global", global, "GET", "/api/v1/audit/proofs/consistency?from=1", 200},
		{"workspace", local, "GET", "/api/v1/audit/events?workspace=default", 200},
		{"workspace", local, "GET", "/api/v1/audit/events", 403},
		{"workspace", local, "GET", "/api/v1/audit/export", 403},
		{"workspace", local, "GET", "/api/v1/audit/verify", 403},
		{"workspace", local, "GET", "/api/v1/audit/events?workspace=other", 403},
		{"developer", dev, "GET", "/api/v1/audit/events?workspace=default", 403},
		{"developer", dev, "GET", "/api/v1/audit/export", 403},
		{"anonymous", "", "GET", "/api/v1/audit/events", 401},
	} {
		e.call(c.method, c.path, c.tok, "").want(t, c.who+" "+c.method+" "+c.path, c.want)
	}
	// The refusals above are themselves in the chain, which still verifies.
	r := e.call("GET", "/api/v1/audit/verify", global, "").want(t, "verify", 200)
	if !strings.Contains(r.body, `"ok":true`) {
		t.Fatalf("verify after refusals: %s", r.body)
	}
	denied := e.call("GET", "/api/v1/audit/events?outcome=denied&action=access.denied", global, "").want(t, "denials", 200)
	if !strings.Contains(denied.body, `"actor_id":"dev"`) {
		t.Fatalf("the developer's refusal is not in the log: %s", denied.body)
	}
}
