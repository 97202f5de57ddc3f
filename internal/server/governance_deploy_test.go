package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/steward-registry/steward/internal/auth"
	"github.com/steward-registry/steward/internal/config"
	"github.com/steward-registry/steward/internal/governance"
)

// stewardRun is steward with its result as three values.
func (e *authEnv) stewardRun(token string, args ...string) (string, string, int) {
	e.t.Helper()
	r := e.steward(token, args...)
	return r.stdout, r.stderr, r.code
}

// TestDeploymentsRollbackHistory is the deployment and time-travel workflow
// with distinct people, through the API and the CLI, on both backends: a
// deployer records deployments and a viewer cannot; v1 then v2 go to
// Production; the deployer rolls back; the history answers who held
// Production between the two moves; retiring needs a reason.
func TestDeploymentsRollbackHistory(t *testing.T) {
	onBackends(t, func(t *testing.T, db func(*config.Config)) {
		e := newAuthEnv(t, db)
		e.enforce()
		dana := e.user("dana", auth.RoleDeployer)
		olga := e.user("olga", auth.RoleOwner)
		vera := e.user("vera", auth.RoleViewer)
		dev := e.user("dev", auth.RoleDeveloper)
		e.model("fraud", "olga", "")
		for range 3 {
			e.version("fraud")
		}
		base := "/api/v1/models/fraud"

		// Deployments: the deployer records, the viewer and the developer cannot.
		champion := `{"version":1,"environment":"production","endpoint":"https://serve/fraud","role":"champion"}`
		e.call("POST", base+"/deployments", vera, champion).want(t, "viewer records a deployment", http.StatusForbidden)
		e.call("POST", base+"/deployments", dev, champion).want(t, "developer records a deployment", http.StatusForbidden)
		if n := len(e.eventsOf("deployment.create")); n != 0 {
			t.Fatalf("refused deployments wrote %d events", n)
		}

		// Bad input: clear 4xx with the field named.
		for _, c := range []struct{ name, body, field, msg string }{
			{"traffic 150", `{"version":1,"role":"canary","traffic":150}`, "traffic", "0 to 100"},
			{"unknown role", `{"version":1,"role":"king"}`, "role", "champion, challenger, shadow, canary"},
			{"environment with spaces", `{"version":1,"environment":"prod env"}`, "environment", "lowercase"},
			{"challenger without traffic", `{"version":1,"role":"challenger"}`, "traffic", "required"},
		} {
			r := e.call("POST", base+"/deployments", dana, c.body).want(t, c.name, http.StatusBadRequest)
			er := nativeErr(t, r)
			if er.Error.Code != "invalid_argument" || er.Error.Details["field"] != c.field || !strings.Contains(er.Error.Message, c.msg) {
				t.Fatalf("%s: %+v", c.name, er.Error)
			}
		}
		e.call("POST", base+"/deployments", dana, `{"version":9}`).want(t, "unknown version", http.StatusNotFound)

		// v1 to Production and deployed as champion.
		e.call("POST", base+"/versions/1/stage", dana, `{"stage":"Production"}`).want(t, "v1 to production", http.StatusOK)
		e.call("PUT", base+"/aliases/champion", dana, `{"version":1}`).want(t, "champion -> v1", http.StatusOK)
		d1 := decodeReply[governance.Deployment](t, e.call("POST", base+"/deployments", dana, champion).want(t, "deployer records v1", http.StatusCreated))
		if d1.CreatedBy != "dana" || d1.Traffic != 100 {
			t.Fatalf("deployment = %+v", d1)
		}
		e.call("GET", base+"/deployments/"+d1.ID, vera, "").want(t, "viewer reads a deployment", http.StatusOK)
		e.call("POST", base+"/deployments", dana, `{"version":1,"role":"canary","traffic":5,"endpoint":"https://serve/fraud"}`).
			want(t, "over 100%", http.StatusConflict)

		// The moment v1 held Production alone.
		hist := decodeReply[struct{ Moves []governance.LifecycleMove }](t, e.call("GET", base+"/history", vera, "").want(t, "history", http.StatusOK))
		if len(hist.Moves) != 2 || hist.Moves[0].Actor != "dana" || *hist.Moves[0].Version != 1 {
			t.Fatalf("history after v1 = %+v", hist.Moves)
		}
		between := hist.Moves[1].At

		// v2 replaces v1, with archive_existing, and becomes champion (deployment too).
		e.call("POST", base+"/versions/2/stage", olga, `{"stage":"Production","archive_existing_versions":true}`).want(t, "v2 to production", http.StatusOK)
		e.call("PUT", base+"/aliases/champion", olga, `{"version":2}`).want(t, "champion -> v2", http.StatusOK)
		d2 := decodeReply[governance.Deployment](t, e.call("POST", base+"/deployments", dana, `{"version":2,"endpoint":"https://serve/fraud","traffic":90}`).want(t, "v2 deployed", http.StatusCreated))
		old := decodeReply[governance.Deployment](t, e.call("GET", base+"/deployments/"+d1.ID, vera, "").want(t, "replaced", http.StatusOK))
		if old.EndedAt == nil || !strings.HasPrefix(old.EndReason, "replaced by version 2") {
			t.Fatalf("replaced champion = %+v", old)
		}

		// Rollback: viewer refused, reason required, then the deployer through the CLI.
		e.call("POST", base+"/rollback", vera, `{"reason":"x"}`).want(t, "viewer rolls back", http.StatusForbidden)
		r := e.call("POST", base+"/rollback", dana, `{}`).want(t, "rollback without reason", http.StatusBadRequest)
		if er := nativeErr(t, r); er.Error.Details["field"] != "reason" {
			t.Fatalf("rollback without reason: %+v", er.Error)
		}
		out, stderr, code := e.stewardRun(dana, "deployments", "rollback", "fraud", "--reason", "v2 false positives up 30%")
		if code != 0 || !strings.Contains(out, "Production is version 1 again; version 2 is Archived") || !strings.Contains(out, "Moved @champion to version 1") {
			t.Fatalf("CLI rollback: exit %d\n%s\n%s", code, out, stderr)
		}
		for v, want := range map[int]string{1: "Production", 2: "Archived"} {
			got := decodeReply[struct{ Stage string }](t, e.call("GET", fmt.Sprintf("%s/versions/%d", base, v), vera, "").want(t, "version", http.StatusOK))
			if got.Stage != want {
				t.Fatalf("after rollback version %d is %s, want %s", v, got.Stage, want)
			}
		}
		live := decodeReply[struct{ Deployments []governance.Deployment }](t, e.call("GET", base+"/deployments?live=true&environment=production", vera, "").want(t, "live", http.StatusOK))
		if len(live.Deployments) != 1 || live.Deployments[0].Version != 1 || live.Deployments[0].Traffic != 90 || live.Deployments[0].CreatedBy != "dana" {
			t.Fatalf("live after rollback = %+v", live.Deployments)
		}
		ended := decodeReply[governance.Deployment](t, e.call("GET", base+"/deployments/"+d2.ID, vera, "").want(t, "ended v2", http.StatusOK))
		if ended.EndedAt == nil || ended.EndReason != "rollback: v2 false positives up 30%" {
			t.Fatalf("v2 deployment after rollback = %+v", ended)
		}
		rb := e.eventsOf("model.rollback")
		if len(rb) != 1 || rb[0].ActorID != "dana" {
			t.Fatalf("model.rollback events = %+v", rb)
		}

		// Time travel: between the two promotions v1 held Production, put there by dana.
		st := decodeReply[governance.State](t, e.call("GET", fmt.Sprintf("%s/history/state?at=%d", base, between), vera, "").want(t, "state between", http.StatusOK))
		if p := st.Stages["Production"]; len(p) != 1 || p[0].Version != 1 || p[0].Actor != "dana" || st.Aliases["champion"].Version != 1 {
			t.Fatalf("state between = %+v", st)
		}
		now := decodeReply[governance.State](t, e.call("GET", base+"/history/state", vera, "").want(t, "state now", http.StatusOK))
		if p := now.Stages["Production"]; len(p) != 1 || p[0].Version != 1 || p[0].Reason != "rollback: v2 false positives up 30%" {
			t.Fatalf("state now = %+v", now)
		}
		out, stderr, code = e.stewardRun(vera, "history", "fraud", "--at", fmt.Sprint(between))
		if code != 0 || !strings.Contains(out, "Production: version 1, since ") || !strings.Contains(out, "by dana") || !strings.Contains(out, "@champion: version 1") {
			t.Fatalf("CLI history --at: exit %d\n%s\n%s", code, out, stderr)
		}
		out, _, code = e.stewardRun(vera, "history", "fraud", "--at", fmt.Sprint(between), "-o", "json")
		var js governance.State
		if code != 0 || json.Unmarshal([]byte(out), &js) != nil || js.Stages["Production"][0].Version != 1 {
			t.Fatalf("CLI history --at -o json: %s", out)
		}
		d := decodeReply[governance.HistoryDiff](t, e.call("GET", fmt.Sprintf("%s/history/diff?from=%d&to=%d", base, between, now.At), vera, "").want(t, "diff", http.StatusOK))
		if len(d.Moves) < 6 {
			t.Fatalf("diff moves = %d, want the promotion, archive, alias, rollback moves", len(d.Moves))
		}
		for _, bad := range []string{"/history/state?at=yesterday", "/history?from=2026-13-01", "/history/diff?from=2026-03-01", "/history/diff?from=2026-03-02&to=2026-03-01"} {
			r := e.call("GET", base+bad, vera, "").want(t, bad, http.StatusBadRequest)
			if er := nativeErr(t, r); er.Error.Code != "invalid_argument" {
				t.Fatalf("%s: %+v", bad, er.Error)
			}
		}
		r = e.call("GET", base+"/history/state?at="+url.QueryEscape("2026-03-01T12:00Z"), vera, "").want(t, "minute precision", http.StatusOK)
		e.call("GET", base+"/history", "", "").want(t, "anonymous history", http.StatusUnauthorized)

		// Nothing to roll back to: v1 is the first Production version.
		r = e.call("POST", base+"/rollback", dana, `{"reason":"again"}`).want(t, "rollback again", http.StatusOK) // undoes: back to v2
		r = e.call("POST", base+"/rollback", dana, `{"reason":"and again"}`).want(t, "third rollback", http.StatusOK)
		e.call("POST", base+"/versions/2/retire", dana, `{"reason":"leaks a feature"}`).want(t, "retire v2", http.StatusOK)
		r = e.call("POST", base+"/rollback", dana, `{"reason":"nothing left"}`).want(t, "nothing to roll back to", http.StatusConflict)
		if er := nativeErr(t, r); !strings.Contains(er.Error.Message, "no previous version") {
			t.Fatalf("nothing to roll back to: %+v", er.Error)
		}

		// Retire: reason required; model retirement needs model.manage.
		r = e.call("POST", base+"/versions/3/retire", dana, `{"reason":""}`).want(t, "retire without reason", http.StatusBadRequest)
		out, stderr, code = e.stewardRun(dana, "versions", "retire", "fraud", "3", "--reason", "never used")
		if code != 0 || !strings.Contains(out, "fraud version 3 retired: never used") {
			t.Fatalf("CLI versions retire: exit %d\n%s\n%s", code, out, stderr)
		}
		e.call("POST", base+"/retire", dana, `{"reason":"done"}`).want(t, "deployer retires the model", http.StatusForbidden)
		out, stderr, code = e.stewardRun(olga, "models", "retire", "fraud", "--reason", "replaced by fraud-2026", "-o", "json")
		var res governance.RetireResult
		if code != 0 || json.Unmarshal([]byte(out), &res) != nil || len(res.Versions) != 1 || res.Versions[0].Version != 1 || res.RetiredAt == nil {
			t.Fatalf("CLI models retire: exit %d\n%s\n%s", code, out, stderr)
		}
		if n := len(e.eventsOf("model_version.retire")); n != 3 {
			t.Fatalf("model_version.retire events = %d, want 3", n)
		}
		if evs := e.eventsOf("model.retire"); len(evs) != 1 || evs[0].ActorID != "olga" {
			t.Fatalf("model.retire events = %+v", evs)
		}
		e.call("POST", base+"/deployments", dana, `{"version":1}`).want(t, "deploy a retired version", http.StatusConflict)
	})
}
