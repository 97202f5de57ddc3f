package server

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/steward-registry/steward/internal/auth"
	"github.com/steward-registry/steward/internal/cli"
)

// steward runs the CLI in-process against the test server as the holder of
// token.
func (e *authEnv) steward(token string, args ...string) cliRun {
	e.t.Helper()
	root := cli.NewRoot("test")
	var out, errb bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errb)
	root.SetIn(strings.NewReader(""))
	root.SetArgs(append([]string{"--server", e.ts.URL, "--token", token}, args...))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	root.SetContext(ctx)
	code := cli.Execute(root)
	return cliRun{code: code, stdout: out.String(), stderr: errb.String()}
}

func (e *authEnv) stewardOK(token string, args ...string) string {
	e.t.Helper()
	r := e.steward(token, args...)
	if r.code != cli.ExitOK {
		e.t.Fatalf("steward %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// TestGatesCLI drives policies, the dry run, approval requests and the
// promotion through the CLI with distinct people.
func TestGatesCLI(t *testing.T) {
	t.Setenv("STEWARD_CREDENTIALS", filepath.Join(t.TempDir(), "none"))
	e := newAuthEnv(t, nil)
	admin := e.enforce()
	dev := e.user("dev", auth.RoleDeveloper)
	rm1 := e.user("rm1", auth.RoleDeployer)
	rm2 := e.user("rm2", auth.RoleDeployer)

	if r := e.steward(dev, "policies", "set", "none", "--stages", "production", "--approvers", "2"); r.code != cli.ExitFailure || !strings.Contains(r.stderr, "permission") {
		t.Fatalf("developer sets policy: exit %d, stderr %q; want refusal", r.code, r.stderr)
	}
	if r := e.steward(admin, "policies", "set", "none", "--threshold", "auc >>= 1"); r.code != cli.ExitFailure {
		t.Fatalf("bad threshold: exit %d, want usage failure", r.code)
	}
	e.stewardOK(admin, "policies", "set", "none", "--stages", "production", "--aliases", "champion", "--approvers", "2", "--independent")
	var pols struct {
		Policies []struct {
			RiskTier  string   `json:"risk_tier"`
			Stages    []string `json:"stages"`
			Approvers int      `json:"approvers"`
			Default   bool     `json:"default"`
		} `json:"policies"`
	}
	if err := json.Unmarshal([]byte(e.stewardOK(dev, "policies", "list", "-o", "json")), &pols); err != nil {
		t.Fatal(err)
	}
	var none int = -1
	for i, p := range pols.Policies {
		if p.RiskTier == "" {
			none = i
		}
	}
	if none < 0 || pols.Policies[none].Approvers != 2 || pols.Policies[none].Default || len(pols.Policies) != 4 {
		t.Fatalf("policies = %+v, want 4 tiers with the stored unclassified one", pols.Policies)
	}
	if out := e.stewardOK(dev, "policies", "list"); !strings.Contains(out, "Production,@champion") || !strings.Contains(out, "default") {
		t.Fatalf("policies table:\n%s", out)
	}

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "model.bin"), []byte("v1 weights"), 0o644); err != nil {
		t.Fatal(err)
	}
	e.stewardOK(dev, "models", "create", "credit")
	e.stewardOK(dev, "versions", "create", "--model", "credit", "--path", dir)

	out := e.stewardOK(dev, "versions", "promote", "credit", "1", "--to", "production", "--dry-run")
	if !strings.Contains(out, "REFUSED") || !strings.Contains(out, "FAIL  approvals") {
		t.Fatalf("dry run:\n%s", out)
	}
	if r := e.steward(rm1, "versions", "promote", "credit", "1", "--to", "production"); r.code != cli.ExitFailure || !strings.Contains(r.stderr, "approvals") {
		t.Fatalf("promote without approvals: exit %d stderr %q", r.code, r.stderr)
	}
	if r := e.steward(dev, "versions", "promote", "credit", "1"); r.code != cli.ExitFailure || !strings.Contains(r.stderr, "--to") {
		t.Fatalf("promote without a target: exit %d stderr %q", r.code, r.stderr)
	}
	var req struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	if err := json.Unmarshal([]byte(e.stewardOK(dev, "versions", "promote", "credit", "1", "--to", "production", "--request", "AUC 0.83", "-o", "json")), &req); err != nil {
		t.Fatal(err)
	}
	if out := e.stewardOK(rm1, "approvals", "list", "--status", "pending"); !strings.Contains(out, req.ID) {
		t.Fatalf("pending list lacks %s:\n%s", req.ID, out)
	}
	e.stewardOK(rm1, "approvals", "approve", req.ID, "--comment", "read the report")
	out = e.stewardOK(rm2, "approvals", "approve", req.ID, "--comment", "ok")
	if !strings.Contains(out, "approved") || !strings.Contains(out, "approve by rm2: ok") {
		t.Fatalf("after the second approval:\n%s", out)
	}
	if out := e.stewardOK(dev, "versions", "promote", "credit", "1", "--to", "production", "--dry-run"); !strings.Contains(out, "ALLOWED") {
		t.Fatalf("dry run after approvals:\n%s", out)
	}

	// The developer swaps the artifacts: the approval lapses.
	if err := os.WriteFile(filepath.Join(dir, "model.bin"), []byte("v1 weights, changed"), 0o644); err != nil {
		t.Fatal(err)
	}
	e.stewardOK(dev, "versions", "replace-files", "credit", "1", "--path", dir)
	if out := e.stewardOK(dev, "versions", "promote", "credit", "1", "--to", "production", "--dry-run"); !strings.Contains(out, "lapsed") {
		t.Fatalf("dry run after the swap:\n%s", out)
	}
	e.stewardOK(dev, "approvals", "withdraw", req.ID)
	if err := json.Unmarshal([]byte(e.stewardOK(dev, "approvals", "request", "credit", "1", "--to", "production", "--justification", "retrained", "-o", "json")), &req); err != nil {
		t.Fatal(err)
	}
	e.stewardOK(rm1, "approvals", "approve", req.ID)
	e.stewardOK(rm2, "approvals", "approve", req.ID)
	if out := e.stewardOK(rm1, "versions", "promote", "credit", "1", "--to", "production", "--reason", "Q4 release"); !strings.Contains(out, "now in stage Production") {
		t.Fatalf("promote:\n%s", out)
	}
	if out := e.stewardOK(dev, "approvals", "get", req.ID); !strings.Contains(out, "applied") {
		t.Fatalf("request after the move:\n%s", out)
	}
}
