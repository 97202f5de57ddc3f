package server

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/steward-registry/steward/internal/auth"
	"github.com/steward-registry/steward/internal/cli"
	"github.com/steward-registry/steward/internal/config"
)

// TestGovernanceWorkflow is issue 7's end-to-end workflow with distinct
// people, through the API and the CLI, on both backends: the developer
// registers and documents, the validator classifies, reviews and signs off,
// the owner approves, the deployer promotes and deploys; the developer then
// swaps the artifacts of the version in production and its approval and
// sign-off lapse; the deployer rolls back to the version approved before.
func TestGovernanceWorkflow(t *testing.T) {
	onBackends(t, func(t *testing.T, db func(*config.Config)) {
		t.Setenv("STEWARD_CREDENTIALS", filepath.Join(t.TempDir(), "none"))
		e := newAuthEnv(t, db)
		admin := e.enforce()
		dev := e.user("dev", auth.RoleDeveloper)
		val := e.user("val", auth.RoleValidator)
		olga := e.user("olga", auth.RoleOwner)
		dana := e.user("dana", auth.RoleDeployer)

		// jsonOut runs a CLI command with -o json and decodes its output.
		jsonOut := func(v any, token string, args ...string) {
			t.Helper()
			out := e.stewardOK(token, append(args, "-o", "json")...)
			if err := json.Unmarshal([]byte(out), v); err != nil {
				t.Fatalf("steward %s: %v\n%s", strings.Join(args, " "), err, out)
			}
		}
		refused := func(token, want string, args ...string) {
			t.Helper()
			r := e.steward(token, args...)
			if r.code == cli.ExitOK || !strings.Contains(r.stderr, want) {
				t.Fatalf("steward %s: exit %d, stderr %q; want a refusal mentioning %q", strings.Join(args, " "), r.code, r.stderr, want)
			}
		}

		// The administrator sets the high-risk policy (CLI).
		e.stewardOK(admin, "policies", "set", "high", "--stages", "production", "--aliases", "champion",
			"--require-card", "--require-validation", "--threshold", "auc >= 0.80", "--approvers", "1", "--independent")

		// The developer trains (MLflow API), registers and documents.
		newRun := func(auc float64) string {
			id := e.mlflowRun(dev)
			e.call("POST", "/api/2.0/mlflow/runs/log-batch", dev, fmt.Sprintf(`{"run_id": %q, "metrics": [{"key": "auc", "value": %g, "timestamp": 1, "step": 0}], "params": [{"key": "max_depth", "value": "6"}]}`, id, auc)).want(t, "log", 200)
			return id
		}
		dir := t.TempDir()
		write := func(content string) {
			t.Helper()
			if err := os.WriteFile(filepath.Join(dir, "model.bin"), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		e.stewardOK(dev, "models", "create", "credit", "--owner", "olga")
		write("weights v1")
		e.stewardOK(dev, "versions", "create", "--model", "credit", "--path", dir, "--run-id", newRun(0.84))

		// The validator classifies the model; the developer may not.
		refused(dev, "validat", "inventory", "set", "credit", "--risk-tier", "low")
		e.stewardOK(val, "inventory", "set", "credit", "--risk-tier", "high", "--next-review", "2099-01-31")
		refused(val, "permission", "inventory", "set", "credit", "--business-unit", "retail")
		e.stewardOK(dev, "inventory", "set", "credit", "--business-unit", "retail", "--intended-use", "retail credit decisions")

		// Gated now: the dry run names card, validation and approvals.
		var ev gateEval
		jsonOut(&ev, dev, "versions", "promote", "credit", "1", "--to", "production", "--dry-run")
		failed := map[string]bool{}
		for _, g := range ev.Gates {
			if !g.Pass {
				failed[g.Gate] = true
			}
		}
		if ev.Allowed || !failed["card_approved"] || !failed["validation"] || !failed["approvals"] || failed["metric:auc"] {
			t.Fatalf("dry run before governance = %+v", ev)
		}
		refused(dana, "card_approved", "versions", "promote", "credit", "1", "--to", "production")

		// promoteVersion documents, validates, approves and promotes one
		// version through every gate, as the four people would.
		promote := func(version int, extra ...string) {
			t.Helper()
			v := fmt.Sprint(version)
			var card struct {
				CardVersion int64  `json:"card_version"`
				Status      string `json:"status"`
			}
			jsonOut(&card, dev, "cards", "autofill", "credit", "--version", v)
			cv := fmt.Sprint(card.CardVersion)
			e.stewardOK(dev, "cards", "submit", "credit", cv)
			refused(dev, "permission", "cards", "approve", "credit", cv)
			e.stewardOK(val, "cards", "approve", "credit", cv, "--comment", "complete")

			var review struct {
				ID string `json:"id"`
			}
			jsonOut(&review, val, "validation", "open", "credit", v, "--summary", "annual validation")
			var finding struct {
				ID string `json:"id"`
			}
			jsonOut(&finding, val, "validation", "finding", "add", review.ID, "--severity", "high", "--title", "no stability test on 2020 data")
			refused(val, "high", "validation", "signoff", review.ID)
			e.stewardOK(val, "validation", "finding", "set", review.ID, finding.ID, "--status", "remediated")
			e.stewardOK(val, "validation", "signoff", review.ID, "--summary", "fit for use")

			var req approvalReq
			jsonOut(&req, dev, "versions", "promote", "credit", v, "--to", "production", "--request", "validated; AUC above threshold")
			refused(dev, "permission", "approvals", "approve", req.ID)
			e.stewardOK(olga, "approvals", "approve", req.ID, "--comment", "business sign-off")
			e.stewardOK(dana, append([]string{"versions", "promote", "credit", v, "--to", "production", "--reason", "release " + v}, extra...)...)
			e.stewardOK(dana, "deployments", "create", "credit", v, "--environment", "production", "--endpoint", "https://score.example/credit", "--role", "champion", "--traffic", "100")
		}
		promote(1)
		write("weights v2")
		e.stewardOK(dev, "versions", "create", "--model", "credit", "--path", dir, "--run-id", newRun(0.86))
		beforeV2 := e.stewardOK(admin, "history", "credit", "-o", "json")
		promote(2, "--archive-existing")

		// The developer swaps version 2's artifacts in production: its
		// approval and sign-off lapse, and the inventory flags the model.
		write("weights v2, quietly retrained")
		e.stewardOK(dev, "versions", "replace-files", "credit", "2", "--path", dir)
		jsonOut(&ev, dev, "versions", "promote", "credit", "2", "--to", "production", "--dry-run")
		lapsed := map[string]bool{}
		for _, g := range ev.Gates {
			if !g.Pass && (strings.Contains(g.Detail, "lapsed") || strings.Contains(g.Detail, "other artifacts")) {
				lapsed[g.Gate] = true
			}
		}
		if !lapsed["approvals"] || !lapsed["validation"] {
			t.Fatalf("after the swap, dry run = %+v; want approvals and validation lapsed", ev)
		}
		if out := e.stewardOK(val, "inventory", "--attention"); !strings.Contains(out, "credit") {
			t.Fatalf("attention list after the swap lacks credit:\n%s", out)
		}

		// The deployer rolls back in one call: version 1 returns to
		// Production on its earlier approval; version 2 is archived; the
		// champion deployment is swapped.
		refused(dev, "permission", "deployments", "rollback", "credit", "--reason", "x")
		e.stewardOK(dana, "deployments", "rollback", "credit", "--reason", "artifacts of v2 changed after approval")
		var vs struct {
			Versions []struct {
				Version int64  `json:"version"`
				Stage   string `json:"stage"`
			} `json:"versions"`
		}
		jsonOut(&vs, admin, "versions", "list", "credit")
		stages := map[int64]string{}
		for _, v := range vs.Versions {
			stages[v.Version] = v.Stage
		}
		if stages[1] != "Production" || stages[2] != "Archived" {
			t.Fatalf("after rollback stages = %v, want v1 Production, v2 Archived", stages)
		}
		var deps struct {
			Deployments []struct {
				Version int64  `json:"version"`
				Role    string `json:"role"`
			} `json:"deployments"`
		}
		jsonOut(&deps, admin, "deployments", "list", "credit", "--live")
		if len(deps.Deployments) != 1 || deps.Deployments[0].Version != 1 || deps.Deployments[0].Role != "champion" {
			t.Fatalf("live deployments after rollback = %+v, want version 1 as champion", deps.Deployments)
		}

		// History: who put which version in production, on whose approval.
		if out := e.stewardOK(val, "history", "credit"); !strings.Contains(out, "rollback: artifacts of v2 changed") || !strings.Contains(out, "dana") {
			t.Fatalf("history lacks the rollback by the deployer:\n%s", out)
		}
		now := fmt.Sprint(time.Now().UnixMilli() + 1)
		if out := e.stewardOK(val, "history", "credit", "--at", now); !strings.Contains(out, "olga") || !strings.Contains(out, "version 1") {
			t.Fatalf("state now lacks version 1 in production on olga's approval:\n%s", out)
		}
		// Before version 2's promotion, version 1 held Production.
		var moves struct {
			Moves []struct {
				At int64 `json:"at"`
			} `json:"moves"`
		}
		if err := json.Unmarshal([]byte(beforeV2), &moves); err != nil || len(moves.Moves) == 0 {
			t.Fatalf("history before version 2: %v\n%s", err, beforeV2)
		}
		var state struct {
			Stages map[string][]struct {
				Version   int64    `json:"version"`
				Actor     string   `json:"actor"`
				Approvers []string `json:"approvers"`
			} `json:"stages"`
		}
		jsonOut(&state, val, "history", "credit", "--at", fmt.Sprint(moves.Moves[len(moves.Moves)-1].At))
		if p := state.Stages["Production"]; len(p) != 1 || p[0].Version != 1 || p[0].Actor != "dana" || len(p[0].Approvers) != 1 || p[0].Approvers[0] != "olga" {
			t.Fatalf("state before version 2 = %+v, want version 1 put there by dana on olga's approval", state.Stages)
		}
		// Every step is in the audit log.
		for _, a := range []string{"policy.update", "model.profile.update", "card.approve", "validation.signoff", "approval.request",
			"approval.approve", "approval.apply", "deployment.create", "model_version.files.replace", "model.rollback"} {
			if len(e.eventsOf(a)) == 0 {
				t.Errorf("no %s event", a)
			}
		}
	})
}
