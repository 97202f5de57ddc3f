package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/steward-registry/steward/client"
	"github.com/steward-registry/steward/internal/governance"
	"github.com/steward-registry/steward/internal/httpapi"
	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/steward"
	"github.com/steward-registry/steward/internal/store/storetest"
)

// govEnv is the native API with governance over SQLite. The bearer token is
// taken as the caller's id, so commands run as distinct people (every
// permission is allowed: the server tests check permissions; these check
// the commands and the rules that look at who acts).
type govEnv struct {
	t   *testing.T
	url string
	reg *registry.Service
}

func newGovEnv(t *testing.T) *govEnv {
	t.Helper()
	db := storetest.OpenSQLite(t)
	reg := registry.NewService(db.Registry(), nil, nil)
	gov := governance.NewService(db.Governance(), reg, nil, nil)
	api := &httpapi.API{Registry: reg, Governance: gov, Events: db, Log: slog.New(slog.DiscardHandler)}
	mux := http.NewServeMux()
	api.Register(mux, func(_ string, _ steward.Permission, h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
			h.ServeHTTP(w, r.WithContext(steward.WithPrincipal(r.Context(), steward.Principal{ID: id, Kind: steward.PrincipalUser})))
		})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &govEnv{t: t, url: srv.URL, reg: reg}
}

func (e *govEnv) as(who string) context.Context {
	return steward.WithPrincipal(context.Background(), steward.Principal{ID: who, Kind: steward.PrincipalUser})
}

// run runs the CLI as who.
func (e *govEnv) run(who string, args ...string) result {
	e.t.Helper()
	return runCLI(e.t, e.url, nil, append([]string{"--token", who}, args...)...)
}

func (e *govEnv) ok(who string, args ...string) string {
	e.t.Helper()
	r := e.run(who, args...)
	if r.code != 0 {
		e.t.Fatalf("steward %s (as %s): exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), who, r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

func (e *govEnv) fails(who, want string, args ...string) {
	e.t.Helper()
	r := e.run(who, args...)
	if r.code != ExitFailure || !strings.Contains(r.stderr, want) {
		e.t.Fatalf("steward %s (as %s): exit %d, stderr %q; want exit %d mentioning %q", strings.Join(args, " "), who, r.code, r.stderr, ExitFailure, want)
	}
}

func okJSONAs[T any](e *govEnv, who string, args ...string) T {
	e.t.Helper()
	var v T
	out := e.ok(who, append(args, "-o", "json")...)
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		e.t.Fatalf("steward %s: output is not JSON: %v\n%s", strings.Join(args, " "), err, out)
	}
	return v
}

func TestInventoryCommands(t *testing.T) {
	e := newGovEnv(t)
	for _, m := range []registry.ModelCreate{{Name: "credit", Owner: "risk-team"}, {Name: "legacy", Owner: "ops", Kind: "rules"}} {
		if _, err := e.reg.CreateModel(e.as("dev"), m); err != nil {
			t.Fatal(err)
		}
	}
	p := okJSONAs[client.InventoryEntry](e, "val", "inventory", "set", "credit", "--risk-tier", "high", "--business-unit", "retail",
		"--intended-use", "consumer credit", "--next-review", "2030-01-31")
	if p.RiskTier != "high" || p.BusinessUnit != "retail" || *p.NextReviewAt != 1896048000000 || p.Revision != 1 {
		t.Fatalf("set: %+v", p)
	}
	out := e.ok("val", "inventory", "set", "legacy", "--next-review", "2020-01-01")
	if !strings.Contains(out, "2020-01-01 (overdue)") || !strings.Contains(out, "review_overdue") {
		t.Fatalf("set table:\n%s", out)
	}
	e.fails("val", "nothing to set", "inventory", "set", "credit")
	e.fails("val", "--next-review", "inventory", "set", "credit", "--next-review", "soon")
	e.fails("val", "risk_tier", "inventory", "set", "credit", "--risk-tier", "extreme")

	out = e.ok("viewer", "inventory", "--risk-tier", "high")
	if !strings.Contains(out, "credit") || strings.Contains(out, "legacy") || !strings.Contains(out, "RISK") {
		t.Fatalf("inventory --risk-tier high:\n%s", out)
	}
	all := okJSONAs[[]client.InventoryEntry](e, "viewer", "inventory")
	if len(all) != 2 || all[0].Model != "credit" || all[1].ValidationStatus != "not_validated" {
		t.Fatalf("inventory -o json: %+v", all)
	}
	att := okJSONAs[[]client.InventoryEntry](e, "viewer", "inventory", "--attention")
	if len(att) != 1 || att[0].Model != "legacy" || att[0].Attention[0] != "review_overdue" {
		t.Fatalf("inventory --attention: %+v", att)
	}
	file := filepath.Join(t.TempDir(), "inventory.csv")
	e.ok("viewer", "inventory", "-o", "csv", "--out", file, "--kind", "rules")
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
	if err != nil || len(rows) != 2 || rows[0][0] != "model" || rows[1][0] != "legacy" || rows[1][2] != "rules" {
		t.Fatalf("CSV export (%v): %q", err, rows)
	}
	if r := e.run("viewer", "inventory", "-o", "csv", "--out", file); r.code == 0 {
		t.Fatalf("export overwrote an existing file")
	}
	e.fails("viewer", "overdue", "inventory", "--overdue=maybe")
}

func TestValidationCommands(t *testing.T) {
	e := newGovEnv(t)
	if _, err := e.reg.CreateModel(e.as("dev"), registry.ModelCreate{Name: "credit"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.reg.CreateVersion(e.as("dev"), "credit", registry.VersionCreate{}); err != nil {
		t.Fatal(err)
	}
	rv := okJSONAs[client.ValidationReview](e, "val", "validation", "open", "credit", "1", "--summary", "annual")
	if rv.Status != "open" || rv.CreatedBy != "val" || rv.Version != 1 {
		t.Fatalf("open: %+v", rv)
	}
	f := okJSONAs[client.ValidationFinding](e, "val", "validation", "finding", "add", rv.ID, "--severity", "high", "--title", "target leakage")
	e.fails("val", "severity", "validation", "finding", "add", rv.ID, "--severity", "critical", "--title", "x")
	e.fails("dev", "separation of duties", "validation", "signoff", rv.ID)
	e.fails("val", f.ID, "validation", "signoff", rv.ID)
	e.fails("val", "justification", "validation", "finding", "set", rv.ID, f.ID, "--status", "accepted")
	out := e.ok("val", "validation", "finding", "set", rv.ID, f.ID, "--status", "accepted", "--justification", "monitored monthly")
	if !strings.Contains(out, "accepted") || !strings.Contains(out, "monitored monthly") {
		t.Fatalf("finding set:\n%s", out)
	}
	done := okJSONAs[client.ValidationReview](e, "val", "validation", "signoff", rv.ID, "--summary", "fit for purpose")
	if done.Status != "signed_off" || done.SignedOffBy != "val" || done.ManifestDigest == "" {
		t.Fatalf("signoff: %+v", done)
	}
	out = e.ok("viewer", "validation", "get", rv.ID)
	for _, want := range []string{"signed_off", "fit for purpose", "by val", f.ID, "target leakage"} {
		if !strings.Contains(out, want) {
			t.Errorf("validation get lacks %q:\n%s", want, out)
		}
	}
	out = e.ok("viewer", "validation", "list", "credit", "1")
	if !strings.Contains(out, rv.ID) || !strings.Contains(out, "0 (0 high)") {
		t.Fatalf("validation list:\n%s", out)
	}
	list := okJSONAs[[]client.ValidationReview](e, "viewer", "validation", "list", "credit", "1")
	if len(list) != 1 || list[0].ID != rv.ID {
		t.Fatalf("validation list -o json: %+v", list)
	}
	inv := okJSONAs[[]client.InventoryEntry](e, "viewer", "inventory", "--search", "CRED")
	if len(inv) != 1 || inv[0].ValidationStatus != "validated" {
		t.Fatalf("inventory after sign-off: %+v", inv)
	}
}

func TestCommentsCommands(t *testing.T) {
	e := newGovEnv(t)
	if _, err := e.reg.CreateModel(e.as("dev"), registry.ModelCreate{Name: "credit"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.reg.CreateVersion(e.as("dev"), "credit", registry.VersionCreate{}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.reg.SetAlias(e.as("dev"), "credit", "champion", 1); err != nil {
		t.Fatal(err)
	}
	c := okJSONAs[client.Comment](e, "aud", "comments", "add", "credit", "--version", "champion", "Kreditvärdighet", "checked")
	if c.Author != "aud" || c.Body != "Kreditvärdighet checked" || c.Target != "version" {
		t.Fatalf("add: %+v", c)
	}
	e.ok("dev", "comments", "add", "credit", "model-level note")
	out := e.ok("viewer", "comments", "list", "credit", "--version", "1")
	if !strings.Contains(out, "Kreditvärdighet checked") || strings.Contains(out, "model-level") || !strings.Contains(out, "aud") {
		t.Fatalf("list --version:\n%s", out)
	}
	cs := okJSONAs[[]client.Comment](e, "viewer", "comments", "list", "credit")
	if len(cs) != 1 || cs[0].Body != "model-level note" {
		t.Fatalf("list: %+v", cs)
	}
	e.fails("aud", "not both", "comments", "list", "credit", "--version", "1", "--card", "1")
	e.fails("aud", "comment", "comments", "delete", "credit", c.ID) // made on the version, not the model
	r := e.run("aud", "comments", "delete", "credit", "--version", "1", c.ID)
	if r.code != 0 || !strings.Contains(r.stderr, "Deleted comment") {
		t.Fatalf("delete: %+v", r)
	}
	if cs := okJSONAs[[]client.Comment](e, "viewer", "comments", "list", "credit", "--version", "1"); len(cs) != 0 {
		t.Fatalf("after delete: %+v", cs)
	}
}
