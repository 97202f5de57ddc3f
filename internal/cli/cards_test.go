package cli

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/steward-registry/steward/client"
	"github.com/steward-registry/steward/internal/governance"
	"github.com/steward-registry/steward/internal/httpapi"
	"github.com/steward-registry/steward/internal/lineage"
	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/steward"
	"github.com/steward-registry/steward/internal/store/storetest"
	"github.com/steward-registry/steward/internal/tracking"
)

// cardsEnv is the native API with governance over SQLite. The bearer token
// is taken as the person's id, so commands run as distinct people and the
// independence rule is exercised through the CLI.
type cardsEnv struct {
	t   *testing.T
	url string
	reg *registry.Service
	trk *tracking.Service
}

func newCardsEnv(t *testing.T) *cardsEnv {
	t.Helper()
	db := storetest.OpenSQLite(t)
	reg := registry.NewService(db.Registry(), nil, nil)
	trk := tracking.NewService(db.Tracking(), nil, nil)
	lin := lineage.NewService(db.Lineage(), nil, nil)
	gov := governance.NewService(db.Governance(), reg, nil, nil)
	api := &httpapi.API{Registry: reg, Tracking: trk, Lineage: lin, Governance: gov, Events: db, Log: slog.New(slog.DiscardHandler)}
	mux := http.NewServeMux()
	api.Register(mux, func(_ string, _ steward.Permission, h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p := steward.Principal{ID: strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "), Kind: steward.PrincipalUser, AuthMethod: "token", Superuser: true}
			h.ServeHTTP(w, r.WithContext(steward.WithPrincipal(r.Context(), p)))
		})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	t.Setenv("HOME", t.TempDir()) // no saved credentials leak in
	return &cardsEnv{t: t, url: srv.URL, reg: reg, trk: trk}
}

func (e *cardsEnv) as(who string, args ...string) result {
	e.t.Helper()
	return runCLI(e.t, e.url, nil, append([]string{"--token", who}, args...)...)
}

func (e *cardsEnv) ok(who string, args ...string) string {
	e.t.Helper()
	r := e.as(who, args...)
	if r.code != 0 {
		e.t.Fatalf("%s: steward %s: exit %d\nstdout: %s\nstderr: %s", who, strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

func (e *cardsEnv) okJSON(v any, who string, args ...string) {
	e.t.Helper()
	out := e.ok(who, append(args, "-o", "json")...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		e.t.Fatalf("steward %s: not JSON: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func (e *cardsEnv) fails(who string, args ...string) result {
	e.t.Helper()
	r := e.as(who, args...)
	if r.code == 0 {
		e.t.Fatalf("%s: steward %s succeeded, want failure:\n%s", who, strings.Join(args, " "), r.stdout)
	}
	return r
}

func TestCardsCommands(t *testing.T) {
	e := newCardsEnv(t)
	ctx := steward.WithPrincipal(steward.WithWorkspace(context.Background(), steward.DefaultWorkspace), steward.System)
	if _, err := e.reg.CreateModel(ctx, registry.ModelCreate{Name: "credit", Description: "scores loans"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.reg.CreateModel(ctx, registry.ModelCreate{Name: "sme"}); err != nil {
		t.Fatal(err)
	}
	run, err := e.trk.CreateRun(ctx, trackingRun("0", "train"))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.trk.LogBatch(ctx, run.ID, tracking.Batch{Params: []tracking.Param{{Key: "max_depth", Value: "6"}},
		Metrics: []tracking.Metric{{Key: "auc", Value: 0.84, Timestamp: 1}, {Key: "gini", Value: 0.68, Timestamp: 1}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.reg.CreateVersion(ctx, "credit", registry.VersionCreate{RunID: run.ID}); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	card := filepath.Join(dir, "card.json")
	write := func(body string) {
		if err := os.WriteFile(card, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// A card failing the schema names the field.
	write(`{"model_overview":{"model_description":"scores loans"},"intended_uses":{"risk_rating":"Severe"}}`)
	r := e.fails("dev", "cards", "create", "credit", "--file", card)
	if !strings.Contains(r.stderr, "/intended_uses/risk_rating") {
		t.Errorf("schema error does not name the field: %s", r.stderr)
	}

	write(`{"model_overview":{"model_name":"Kreditvärdighet","model_description":"scores loans"},"intended_uses":{"risk_rating":"High"}}`)
	out := e.ok("dev", "cards", "create", "credit", "--file", card, "--model-version", "1")
	for _, want := range []string{"Card version:", "1", "draft", "Kreditvärdighet", "High"} {
		if !strings.Contains(out, want) {
			t.Errorf("create table lacks %q:\n%s", want, out)
		}
	}

	var ch client.Card
	e.okJSON(&ch, "dev", "cards", "autofill", "credit", "--version", "1")
	if ch.CardVersion != 1 || !strings.Contains(string(ch.Content), `"gini"`) || !strings.Contains(string(ch.Content), `"max_depth"`) {
		t.Errorf("autofill = %+v %s", ch, ch.Content)
	}
	e.ok("dev", "cards", "submit", "credit", "1")
	r = e.fails("dev", "cards", "approve", "credit", "1")
	if !strings.Contains(r.stderr, "separation of duties") {
		t.Errorf("self-approval error: %s", r.stderr)
	}
	r = e.fails("val", "cards", "reject", "credit", "1")
	if !strings.Contains(r.stderr, "--comment is required") {
		t.Errorf("reject without comment: %s", r.stderr)
	}
	e.ok("val", "cards", "reject", "credit", "1", "--comment", "name the segments")
	e.ok("dev", "cards", "submit", "credit", "latest")
	var approved client.Card
	e.okJSON(&approved, "val", "cards", "approve", "credit", "1", "--comment", "ok")
	if approved.Status != "approved" || approved.ApprovedBy != "val" {
		t.Errorf("approve = %+v", approved)
	}

	// Editing the approved card writes version 2 and says so.
	write(`{"model_overview":{"model_name":"Kreditvärdighet","model_description":"scores retail loans"},"intended_uses":{"risk_rating":"Medium"}}`)
	r = e.as("dev", "cards", "edit", "credit", "1", "--file", card)
	if r.code != 0 || !strings.Contains(r.stderr, "new draft card version 2") {
		t.Errorf("edit of an approved card: %+v", r)
	}

	out = e.ok("dev", "cards", "list", "credit")
	if !strings.Contains(out, "CARD") || !strings.Contains(out, "approved") || !strings.Contains(out, "draft") {
		t.Errorf("list:\n%s", out)
	}
	var cards []client.Card
	e.okJSON(&cards, "dev", "cards", "list", "credit", "--status", "approved")
	if len(cards) != 1 || cards[0].CardVersion != 1 {
		t.Errorf("list --status approved = %+v", cards)
	}

	out = e.ok("dev", "cards", "compare", "credit", "1", "2")
	if !strings.Contains(out, "/intended_uses/risk_rating") || !strings.Contains(out, "High") || !strings.Contains(out, "Medium") {
		t.Errorf("compare:\n%s", out)
	}
	var cmp client.CardComparison
	e.okJSON(&cmp, "dev", "cards", "compare", "credit", "1", "2")
	if len(cmp.Changes) == 0 {
		t.Error("compare -o json has no changes")
	}

	// Export: Markdown to stdout, PDF to a file.
	if md := e.ok("dev", "cards", "export", "credit", "1", "--format", "md"); !strings.Contains(md, "# Model card: Kreditvärdighet") {
		t.Errorf("md export:\n%s", md)
	}
	pdf := filepath.Join(dir, "card.pdf")
	e.ok("dev", "cards", "export", "credit", "1", "--format", "pdf", "--out", pdf)
	b, err := os.ReadFile(pdf)
	if err != nil || !strings.HasPrefix(string(b), "%PDF-") {
		t.Fatalf("pdf export: %v %.8q", err, b)
	}
	if tool, err := exec.LookPath("pdftotext"); err == nil {
		txt, err := exec.Command(tool, "-enc", "UTF-8", pdf, "-").Output()
		if err != nil || !strings.Contains(string(txt), "Kreditvärdighet") || !strings.Contains(string(txt), "gini") {
			t.Errorf("pdftotext of the CLI export: %v\n%s", err, txt)
		}
	}
	// The JSON export can be fed back to create.
	exported := filepath.Join(dir, "export.json")
	e.ok("dev", "cards", "export", "credit", "1", "--format", "json", "--out", exported)
	var c3 client.Card
	e.okJSON(&c3, "dev", "cards", "create", "credit", "--file", exported)
	if c3.CardVersion != 3 || c3.ModelVersion == nil || *c3.ModelVersion != 1 {
		t.Errorf("create from a JSON export = %+v", c3)
	}

	var clone client.Card
	e.okJSON(&clone, "dev", "cards", "clone", "credit", "1", "--to", "sme")
	if clone.Model != "sme" || clone.CardVersion != 1 {
		t.Errorf("clone = %+v", clone)
	}
	var imported client.Card
	e.okJSON(&imported, "dev", "cards", "import", "credit", "../modelcard/testdata/sagemaker_card.json")
	if imported.CardVersion != 4 || !strings.Contains(string(imported.Content), "XGBoost") {
		t.Errorf("import = %+v", imported)
	}
	e.ok("dev", "cards", "archive", "credit", "2")
	var got client.Card
	e.okJSON(&got, "dev", "cards", "get", "credit", "2")
	if got.Status != "archived" {
		t.Errorf("get after archive = %+v", got)
	}
	e.fails("dev", "cards", "get", "credit", "two")
	e.fails("dev", "cards", "export", "credit", "--format", "docx")
}

func TestCardsHelpTeaches(t *testing.T) {
	for _, sub := range []string{"create", "edit", "get", "list", "submit", "approve", "reject", "archive", "clone", "compare", "autofill", "export", "import"} {
		r := runCLI(t, "http://127.0.0.1:1", nil, "cards", sub, "--help")
		if r.code != 0 || !strings.Contains(r.stdout, "Examples:") || !strings.Contains(r.stdout, "steward cards "+sub) {
			t.Errorf("steward cards %s --help lacks examples:\n%s", sub, r.stdout)
		}
	}
}
