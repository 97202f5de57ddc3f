package cli

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/steward-registry/steward/client"
	"github.com/steward-registry/steward/internal/governance"
	"github.com/steward-registry/steward/internal/httpapi"
	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/steward"
	"github.com/steward-registry/steward/internal/store/storetest"
)

// newGovernanceEnv is the native API with the governance service over
// SQLite, acting as the anonymous principal, and a model "fraud" with three
// empty versions.
func newGovernanceEnv(t *testing.T) *testEnv {
	t.Helper()
	db := storetest.OpenSQLite(t)
	reg := registry.NewService(db.Registry(), nil, nil)
	gov := governance.NewService(db.Governance(), reg, nil, nil)
	api := &httpapi.API{Registry: reg, Governance: gov, Events: db, Log: slog.New(slog.DiscardHandler)}
	mux := http.NewServeMux()
	api.Register(mux, func(_ string, _ steward.Permission, h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h.ServeHTTP(w, r.WithContext(steward.WithPrincipal(r.Context(), steward.Anonymous)))
		})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	e := &testEnv{t: t, url: srv.URL, reg: reg}
	if _, err := reg.CreateModel(e.ctx(), registry.ModelCreate{Name: "fraud"}); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := reg.CreateVersion(e.ctx(), "fraud", registry.VersionCreate{}); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

func wantIn(t *testing.T, what, out string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(out, p) {
			t.Fatalf("%s: output lacks %q:\n%s", what, p, out)
		}
	}
}

func TestDeploymentCommands(t *testing.T) {
	e := newGovernanceEnv(t)

	// Table and JSON output of create, list, get and end.
	out := e.ok("deployments", "create", "fraud", "1", "--endpoint", "https://serve/fraud")
	wantIn(t, "create", out, "Version:", "1", "champion", "100%", "production", "https://serve/fraud", "(live)")
	var d client.ModelDeployment
	e.okJSON(&d, "deployments", "create", "fraud", "2", "--role", "canary", "--traffic", "0", "--endpoint", "https://serve/fraud", "--environment", "production")
	if d.Role != "canary" || d.Traffic != 0 || d.Version != 2 {
		t.Fatalf("create -o json = %+v", d)
	}
	out = e.ok("deployments", "list", "fraud")
	wantIn(t, "list", out, "ID", "VERSION", "ROLE", "TRAFFIC", "canary", "champion", "live")
	var list struct{ Deployments []client.ModelDeployment }
	e.okJSON(&list, "deployments", "list", "fraud", "--live", "--environment", "production")
	if len(list.Deployments) != 2 || list.Deployments[0].ID != d.ID {
		t.Fatalf("list -o json = %+v", list)
	}
	wantIn(t, "get", e.ok("deployments", "get", "fraud", d.ID), d.ID, "canary")
	out = e.ok("deployments", "end", "fraud", d.ID, "--reason", "trial over")
	wantIn(t, "end", out, "Ended:", "trial over")

	// Bad input: exit 1 with the server's message.
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"deployments", "create", "fraud", "1", "--traffic", "150"}, "0 to 100"},
		{[]string{"deployments", "create", "fraud", "1", "--role", "king"}, "champion, challenger, shadow, canary"},
		{[]string{"deployments", "create", "fraud", "1", "--environment", "prod env"}, "lowercase"},
		{[]string{"deployments", "end", "fraud", d.ID}, "reason is required"},
		{[]string{"deployments", "rollback", "fraud", "--reason", "x"}, "nothing to roll back"},
		{[]string{"history", "fraud", "--at", "yesterday"}, "is not a time"},
		{[]string{"history", "fraud", "--diff", "2026-03-01"}, "takes 3 argument(s)"},
	} {
		r := e.run(c.args...)
		if r.code != 1 || !strings.Contains(r.stderr, c.msg) {
			t.Fatalf("steward %s: exit %d, stderr %q, want exit 1 with %q", strings.Join(c.args, " "), r.code, r.stderr, c.msg)
		}
	}

	// Promote 1 then 2, roll back, read the history as tables and JSON.
	e.ok("versions", "set-stage", "fraud", "1", "Production")
	e.ok("versions", "set-alias", "fraud", "champion", "1")
	e.ok("versions", "set-stage", "fraud", "2", "Production", "--archive-existing")
	e.ok("versions", "set-alias", "fraud", "champion", "2")
	var rb client.RollbackResult
	e.okJSON(&rb, "deployments", "rollback", "fraud", "--reason", "drift")
	if rb.From != 2 || rb.To != 1 || len(rb.AliasesMoved) != 1 {
		t.Fatalf("rollback -o json = %+v", rb)
	}
	out = e.ok("history", "fraud")
	wantIn(t, "history", out, "AT", "KIND", "TARGET", "stage", "Production", "alias", "champion", "rollback: drift", "UTC")
	var moves struct{ Moves []client.HistoryMove }
	e.okJSON(&moves, "history", "fraud")
	if len(moves.Moves) != 8 { // 1→Prod, @champion→1, 2→Prod, 1→Archived, @champion→2, rollback: 1→Prod, 2→Archived, @champion→1
		t.Fatalf("history has %d moves, want 8: %+v", len(moves.Moves), moves.Moves)
	}
	out = e.ok("history", "fraud", "--at", "2100-01-01")
	wantIn(t, "history --at", out, "fraud at 2100-01-01 00:00 UTC:", "Production: version 1, since ", "by anonymous, reason rollback: drift", "Archived: version 2", "@champion: version 1")
	first := moves.Moves[0].At
	out = e.ok("history", "fraud", "--diff", itoa(int(first)), "2100-01-01")
	wantIn(t, "history --diff", out, "Archived: +version 2", "@champion: (none) -> version 1", "rollback: drift")
	var diff client.HistoryDiff
	e.okJSON(&diff, "history", "fraud", "--diff", "1970-01-02", "2100-01-01T00:00Z")
	if len(diff.Moves) != 8 || len(diff.Stages) != 2 {
		t.Fatalf("diff -o json = %+v", diff)
	}

	// Retire a version and the model.
	out = e.ok("versions", "retire", "fraud", "1", "--reason", "bias found")
	wantIn(t, "versions retire", out, "fraud version 1 retired: bias found", "champion@1", "ended")
	var res client.RetireResult
	e.okJSON(&res, "models", "retire", "fraud", "--reason", "discontinued")
	if len(res.Versions) != 2 || res.RetiredAt == nil {
		t.Fatalf("models retire -o json = %+v", res)
	}
}

func TestDeploymentCommandsHelp(t *testing.T) {
	e := newGovernanceEnv(t)
	for _, args := range [][]string{
		{"deployments", "--help"}, {"deployments", "create", "--help"}, {"deployments", "rollback", "--help"},
		{"deployments", "list", "--help"}, {"deployments", "end", "--help"}, {"history", "--help"},
		{"versions", "retire", "--help"}, {"models", "retire", "--help"},
	} {
		out := e.ok(args...)
		if !strings.Contains(out, "Examples:") || !strings.Contains(out, "steward "+args[0]) {
			t.Fatalf("steward %s: no examples:\n%s", strings.Join(args, " "), out)
		}
	}
	wantIn(t, "history help", e.ok("history", "--help"), "2026-03-01T12:00Z", "--diff")
}
