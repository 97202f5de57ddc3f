package server

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/steward-registry/steward/internal/auth"
	"github.com/steward-registry/steward/internal/config"
	"github.com/steward-registry/steward/internal/steward"
)

// putBlob uploads content and returns its manifest entry as JSON.
func (e *authEnv) putBlob(token, path, content string) string {
	e.t.Helper()
	sum := sha256.Sum256([]byte(content))
	d := "sha256:" + hex.EncodeToString(sum[:])
	e.call("PUT", "/api/v1/blobs/"+d, token, content, "Content-Type", "application/octet-stream").want(e.t, "upload blob", 201)
	return fmt.Sprintf(`{"path": %q, "digest": %q, "size": %d}`, path, d, len(content))
}

// mlflowRun creates a run in experiment 0 through the MLflow API and
// returns its id.
func (e *authEnv) mlflowRun(token string) string {
	e.t.Helper()
	return decodeReply[struct {
		Run struct {
			Info struct {
				RunID string `json:"run_id"`
			} `json:"info"`
		} `json:"run"`
	}](e.t, e.call("POST", "/api/2.0/mlflow/runs/create", token, `{"experiment_id": "0"}`).want(e.t, "create run", 200)).Run.Info.RunID
}

func decodeReply[T any](t *testing.T, r reply) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(r.body), &v); err != nil {
		t.Fatalf("decode %q: %v", r.body, err)
	}
	return v
}

type gateEval struct {
	Allowed bool `json:"allowed"`
	Gated   bool `json:"gated"`
	Gates   []struct {
		Gate   string `json:"gate"`
		Pass   bool   `json:"pass"`
		Detail string `json:"detail"`
	} `json:"gates"`
	RequestID string `json:"request_id"`
}

type approvalReq struct {
	ID        string `json:"id"`
	Status    string `json:"status"`
	Decisions []struct {
		Approver string `json:"approver"`
	} `json:"decisions"`
}

// TestGatedPromotion walks a promotion through a two-approver, independent
// policy with distinct people, on both backends: the move is refused until
// two people other than the requester and the authors approve, the
// approval lapses when the artifacts change, and the MLflow API is held to
// the same gates.
func TestGatedPromotion(t *testing.T) {
	onBackends(t, func(t *testing.T, db func(*config.Config)) {
		e := newAuthEnv(t, db)
		admin := e.enforce()
		dev := e.user("dev", auth.RoleDeveloper)
		rm1 := e.user("rm1", auth.RoleDeployer)
		rm2 := e.user("rm2", auth.RoleDeployer)
		viewer := e.user("viewer", auth.RoleViewer)

		// Unclassified models are not gated by default; the policy is data.
		e.call("PUT", "/api/v1/policies/none", dev, `{"stages": ["Production"], "approvers": 2}`).want(t, "developer sets policy", 403)
		e.call("PUT", "/api/v1/policies/none", admin, `{"stages": ["production"], "aliases": ["champion"], "approvers": 2, "independent_approvers": true}`).want(t, "admin sets policy", 200)
		e.call("PUT", "/api/v1/policies/none", admin, `{"stages": ["Nowhere"]}`).want(t, "bad stage", 400)
		e.call("PUT", "/api/v1/policies/none", admin, `{"approvers": 11}`).want(t, "too many approvers", 400)

		e.call("POST", "/api/v1/models", dev, `{"name": "credit"}`).want(t, "create model", 201)
		f1 := e.putBlob(dev, "model.pkl", "weights v1")
		e.call("POST", "/api/v1/models/credit/versions", dev, `{"files": [`+f1+`]}`).want(t, "create version", 201)

		// Refused: no approval request; the error names the gate.
		r := e.call("POST", "/api/v1/models/credit/versions/1/stage", rm1, `{"stage": "Production"}`).want(t, "ungated promote", 409)
		if er := nativeErr(t, r); er.Error.Code != steward.CodeGateFailed || !strings.Contains(er.Error.Message, "approvals") {
			t.Fatalf("refusal = %+v, want gate_failed naming approvals", er.Error)
		}
		ev := decodeReply[gateEval](t, e.call("GET", "/api/v1/models/credit/versions/1/gates?stage=production", viewer, "").want(t, "dry run", 200))
		if !ev.Gated || ev.Allowed || len(ev.Gates) != 1 || ev.Gates[0].Pass {
			t.Fatalf("dry run = %+v, want gated, refused on approvals", ev)
		}
		// Staging is not guarded by this policy.
		e.call("POST", "/api/v1/models/credit/versions/1/stage", rm1, `{"stage": "Staging"}`).want(t, "staging is free", 200)

		e.call("POST", "/api/v1/models/credit/versions/1/approval-requests", dev, `{"stage": "Production"}`).want(t, "no justification", 400)
		e.call("POST", "/api/v1/models/credit/versions/1/approval-requests", viewer, `{"stage": "Production", "justification": "x"}`).want(t, "viewer requests", 403)
		req := decodeReply[approvalReq](t, e.call("POST", "/api/v1/models/credit/versions/1/approval-requests", dev,
			`{"stage": "Production", "justification": "AUC 0.83 on the 2026 holdout"}`).want(t, "request", 201))
		e.call("POST", "/api/v1/models/credit/versions/1/approval-requests", dev, `{"stage": "Production", "justification": "again"}`).want(t, "duplicate request", 409)

		// Self-approval: refused even though dev cannot hold model.stage
		// anyway; a deployer who authored the version is refused too.
		e.call("POST", "/api/v1/approval-requests/"+req.ID+"/approve", dev, `{}`).want(t, "developer approves", 403)
		e.call("POST", "/api/v1/approval-requests/"+req.ID+"/approve", viewer, `{}`).want(t, "viewer approves", 403)
		e.call("POST", "/api/v1/approval-requests/"+req.ID+"/reject", rm1, `{}`).want(t, "reject without comment", 400)

		// Two deployers approve at the same time: both decisions count, the
		// request ends approved with two decisions (no lost update).
		var wg sync.WaitGroup
		replies := make([]reply, 2)
		for i, tok := range []string{rm1, rm2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				replies[i] = e.call("POST", "/api/v1/approval-requests/"+req.ID+"/approve", tok, `{"comment": "ok"}`)
			}()
		}
		wg.Wait()
		for i, rp := range replies {
			rp.want(t, fmt.Sprintf("concurrent approval %d", i), 200)
		}
		got := decodeReply[approvalReq](t, e.call("GET", "/api/v1/approval-requests/"+req.ID, viewer, "").want(t, "get request", 200))
		if got.Status != "approved" || len(got.Decisions) != 2 {
			t.Fatalf("request after two approvals = %+v, want approved with 2 decisions", got)
		}
		e.call("POST", "/api/v1/approval-requests/"+req.ID+"/approve", rm1, `{}`).want(t, "second decision by rm1", 409)

		// The developer swaps the artifact: the approval lapses.
		f2 := e.putBlob(dev, "model.pkl", "weights v1, retrained in secret")
		e.call("PUT", "/api/v1/models/credit/versions/1/files", dev, `{"files": [`+f2+`]}`).want(t, "swap artifacts", 200)
		ev = decodeReply[gateEval](t, e.call("GET", "/api/v1/models/credit/versions/1/gates?stage=Production", viewer, "").want(t, "dry run after swap", 200))
		if ev.Allowed || !strings.Contains(ev.Gates[0].Detail, "lapsed") {
			t.Fatalf("dry run after the swap = %+v, want refused: approvals lapsed", ev)
		}
		r = e.call("POST", "/api/v1/models/credit/versions/1/stage", rm1, `{"stage": "Production"}`).want(t, "promote after swap", 409)
		if er := nativeErr(t, r); !strings.Contains(er.Error.Message, "lapsed") {
			t.Fatalf("refusal after the swap = %q, want it to say the approvals lapsed", er.Error.Message)
		}
		e.call("POST", "/api/v1/approval-requests/"+req.ID+"/approve", e.user("rm3", auth.RoleDeployer), `{}`).want(t, "approve a stale request", 409)

		// The MLflow API is held to the same gates, with an error naming them.
		r = e.call("POST", "/api/2.0/mlflow/model-versions/transition-stage", rm1, `{"name": "credit", "version": "1", "stage": "Production", "archive_existing_versions": false}`)
		if me := mlErr(t, r); r.status != 400 || me.ErrorCode != "INVALID_STATE" || !strings.Contains(me.Message, "approvals") {
			t.Fatalf("MLflow transition = %d %+v, want 400 INVALID_STATE naming the approvals gate", r.status, me)
		}
		r = e.call("POST", "/api/2.0/mlflow/registered-models/alias", rm1, `{"name": "credit", "alias": "champion", "version": "1"}`)
		if me := mlErr(t, r); r.status != 400 || me.ErrorCode != "INVALID_STATE" {
			t.Fatalf("MLflow set alias = %d %+v, want 400 INVALID_STATE", r.status, me)
		}

		// A fresh request for the new artifacts, approved by two others,
		// carries the move; the request is then applied and the move kept.
		e.call("POST", "/api/v1/approval-requests/"+req.ID+"/withdraw", rm1, ``).want(t, "someone else withdraws", 403)
		e.call("POST", "/api/v1/approval-requests/"+req.ID+"/withdraw", dev, ``).want(t, "requester withdraws", 200)
		req2 := decodeReply[approvalReq](t, e.call("POST", "/api/v1/models/credit/versions/1/approval-requests", dev,
			`{"stage": "Production", "justification": "retrained; same holdout"}`).want(t, "request again", 201))
		e.call("POST", "/api/v1/approval-requests/"+req2.ID+"/approve", rm1, `{"comment": "ok"}`).want(t, "rm1 approves", 200)
		e.call("POST", "/api/v1/approval-requests/"+req2.ID+"/approve", rm2, `{"comment": "ok"}`).want(t, "rm2 approves", 200)
		e.call("POST", "/api/v1/models/credit/versions/1/stage", rm1, `{"stage": "Production", "reason": "quarterly release"}`).want(t, "promote", 200)
		got = decodeReply[approvalReq](t, e.call("GET", "/api/v1/approval-requests/"+req2.ID, viewer, "").want(t, "get applied request", 200))
		if got.Status != "applied" {
			t.Fatalf("request after the move = %s, want applied", got.Status)
		}
		if n := len(e.eventsOf("approval.apply")); n != 1 {
			t.Fatalf("approval.apply events = %d, want 1", n)
		}
		for _, a := range []string{"policy.update", "approval.request", "approval.approve", "approval.withdraw", "model_version.files.replace"} {
			if len(e.eventsOf(a)) == 0 {
				t.Errorf("no %s event", a)
			}
		}
		// Separation of duties binds administrators: the admin who made and
		// requested version 2 may not approve it.
		e.call("POST", "/api/v1/models/credit/versions", admin, `{"files": [`+f1+`]}`).want(t, "admin creates version 2", 201)
		req3 := decodeReply[approvalReq](t, e.call("POST", "/api/v1/models/credit/versions/2/approval-requests", admin,
			`{"stage": "Production", "justification": "hotfix"}`).want(t, "admin requests", 201))
		r = e.call("POST", "/api/v1/approval-requests/"+req3.ID+"/approve", admin, `{}`).want(t, "admin self-approves", 403)
		if er := nativeErr(t, r); er.Error.Details["rule"] != "independence" {
			t.Fatalf("self-approval refusal = %+v, want rule independence", er.Error)
		}

		// An applied request cannot carry a second move.
		e.call("POST", "/api/v1/models/credit/versions/1/stage", rm1, `{"stage": "Archived"}`).want(t, "archive", 200)
		e.call("POST", "/api/v1/models/credit/versions/1/stage", rm1, `{"stage": "Production"}`).want(t, "promote again on a used approval", 409)
	})
}

// TestMetricThresholdGate: a policy's metric thresholds read the latest
// metrics of the version's source run at move time.
func TestMetricThresholdGate(t *testing.T) {
	e := newAuthEnv(t, nil)
	admin := e.enforce()
	dev := e.user("dev", auth.RoleDeveloper)
	rm := e.user("rm", auth.RoleDeployer)
	e.call("PUT", "/api/v1/policies/none", admin, `{"stages": ["Production"], "metric_thresholds": [{"metric": "auc", "op": ">=", "value": 0.8}, {"metric": "latency_ms", "op": "<", "value": 50}]}`).want(t, "policy", 200)
	e.call("PUT", "/api/v1/policies/none", admin, `{"stages": ["Production"], "metric_thresholds": [{"metric": "auc", "op": "=>", "value": 0.8}]}`).want(t, "bad operator", 400)

	run := e.mlflowRun(dev)
	logMetric := func(key string, v float64) {
		e.call("POST", "/api/2.0/mlflow/runs/log-metric", dev, fmt.Sprintf(`{"run_id": %q, "key": %q, "value": %g, "timestamp": 1}`, run, key, v)).want(t, "log "+key, 200)
	}
	logMetric("auc", 0.75)
	e.call("POST", "/api/v1/models", dev, `{"name": "scorer"}`).want(t, "model", 201)
	f := e.putBlob(dev, "m.bin", "scorer weights")
	e.call("POST", "/api/v1/models/scorer/versions", dev, `{"run_id": "`+run+`", "files": [`+f+`]}`).want(t, "version from run", 201)
	e.call("POST", "/api/v1/models/scorer/versions", dev, `{"files": [`+f+`]}`).want(t, "version without run", 201)

	check := func(version int, wantAllowed bool, wantDetail string) {
		t.Helper()
		ev := decodeReply[gateEval](t, e.call("GET", fmt.Sprintf("/api/v1/models/scorer/versions/%d/gates?stage=Production", version), dev, "").want(t, "dry run", 200))
		var all []string
		for _, g := range ev.Gates {
			all = append(all, g.Gate+": "+g.Detail)
		}
		if ev.Allowed != wantAllowed || !strings.Contains(strings.Join(all, "; "), wantDetail) {
			t.Fatalf("version %d: allowed=%v gates=%q; want allowed=%v mentioning %q", version, ev.Allowed, all, wantAllowed, wantDetail)
		}
	}
	check(1, false, "auc >= 0.8: auc = 0.75")
	check(2, false, "has no source run")
	logMetric("auc", 0.85)
	check(1, false, `has no metric "latency_ms"`)
	logMetric("latency_ms", 20)
	check(1, true, "latency_ms < 50: latency_ms = 20")
	e.call("POST", "/api/v1/models/scorer/versions/1/stage", rm, `{"stage": "Production"}`).want(t, "promote", 200)
}
