package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/steward-registry/steward/internal/store/sqlite"
)

// TestAuditCommands drives the audit commands of the real binary: search
// and export through the server, verify from the database and from the
// export with the published checkpoints, and a tampered database failing.
func TestAuditCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	home := t.TempDir()
	url := startServer(t, bin, "STEWARD_HOME="+home)
	c := cliRun{t: t, bin: bin, server: url}

	c.must("models", "create", "credit-risk", "--kind", "ml")
	c.must("models", "update", "credit-risk", "--description", "PD model")
	out := c.must("audit", "log", "--action", "model.update", "--since", "1h")
	if !strings.Contains(out, "model.update") || !strings.Contains(out, "description") || strings.Contains(out, "model.create") {
		t.Fatalf("audit log:\n%s", out)
	}
	if out := c.must("audit", "log", "-o", "json", "--actor", "nobody"); !strings.Contains(out, `"events": []`) {
		t.Fatalf("audit log for nobody:\n%s", out)
	}
	if out, err := c.run("audit", "log", "--outcome", "maybe"); err == nil || !strings.Contains(out, "outcome must be") {
		t.Fatalf("bad outcome: %v\n%s", err, out)
	}
	resp, err := http.Post(url+"/api/v1/audit/checkpoints", "application/json", nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("checkpoint: %v %v", err, resp)
	}
	resp.Body.Close()
	export := filepath.Join(t.TempDir(), "audit.jsonl")
	c.must("audit", "export", "--out", export)
	if b, err := os.ReadFile(export); err != nil || !strings.Contains(string(b), `"type":"end"`) {
		t.Fatalf("export: %v", err)
	}

	out = c.must("audit", "verify", "--home", home)
	for _, want := range []string{"Result:", "OK", "1 in database", "Covered by a checkpoint:  2 events"} {
		if !strings.Contains(out, want) {
			t.Fatalf("verify lacks %q:\n%s", want, out)
		}
	}
	out = c.must("audit", "verify", "--file", export, "--checkpoints", filepath.Join(home, "checkpoints"), "--key", filepath.Join(home, "audit.key"), "-o", "json")
	if !strings.Contains(out, `"ok": true`) || !strings.Contains(out, `"events": 3`) {
		t.Fatalf("verify export:\n%s", out)
	}
	if out, err := c.run("audit", "verify", "--home", home, "--checkpoints", filepath.Join(home, "nope")); err == nil || !strings.Contains(out, "no such directory") {
		t.Fatalf("missing checkpoints dir: %v\n%s", err, out)
	}

	// An administrator edits the first event.
	raw, err := sqlite.Open(context.Background(), filepath.Join(home, "steward.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`DROP TRIGGER events_append_only_update`, `UPDATE events SET actor_id = 'mallory' WHERE seq = 1`} {
		if _, err := raw.Write.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	raw.Close()
	out, err = c.run("audit", "verify", "--home", home)
	if err == nil || !strings.Contains(out, "FAILED") || !strings.Contains(out, "First problem: event seq 1 (leaf 0") {
		t.Fatalf("tampered verify: %v\n%s", err, out)
	}
}
