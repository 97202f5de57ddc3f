package server

import (
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/steward-registry/steward/internal/auth"
	"github.com/steward-registry/steward/internal/config"
	"github.com/steward-registry/steward/internal/registry"
)

// cardBody is a create/patch body holding a card document.
func cardBody(description, risk string) string {
	return `{"content":{"model_overview":{"model_name":"Kreditvärdighet","model_description":"` + description + `"},` +
		`"intended_uses":{"risk_rating":"` + risk + `","purpose_of_model":"模型治理"},` +
		`"evaluation_details":[{"name":"holdout","metric_groups":[{"name":"overall","metrics":[{"name":"auc","value":0.83}]}]}]}}`
}

type cardReply struct {
	CardVersion  int64           `json:"card_version"`
	Status       string          `json:"status"`
	Model        string          `json:"model"`
	ModelVersion *int64          `json:"model_version"`
	Content      json.RawMessage `json:"content"`
	ApprovedBy   string          `json:"approved_by"`
	Revision     int64           `json:"revision"`
}

func decodeCard(t *testing.T, r reply) cardReply {
	t.Helper()
	var c cardReply
	if err := json.Unmarshal([]byte(r.body), &c); err != nil {
		t.Fatalf("card body: %v: %s", err, r.body)
	}
	return c
}

// TestModelCardsWorkflow walks a card through its life with distinct
// people on both backends: a developer writes and documents, the same
// developer cannot approve, an administrator who edited cannot either, a
// validator rejects then approves, an approved card is never edited in
// place, and every change leaves its audit event.
func TestModelCardsWorkflow(t *testing.T) {
	onBackends(t, func(t *testing.T, db func(*config.Config)) {
		e := newAuthEnv(t, db)
		e.enforce()
		dev := e.user("dev", auth.RoleDeveloper)
		val := e.user("val", auth.RoleValidator)
		viewer := e.user("vera", auth.RoleViewer)
		e.model("credit", "", "")
		e.model("other", "", "")

		// A run with params, metrics and a dataset; version 1 comes from it.
		run := e.call("POST", "/api/2.0/mlflow/runs/create", dev, `{"experiment_id":"0"}`).want(t, "create run", http.StatusOK)
		var rr struct {
			Run struct {
				Info struct {
					RunID string `json:"run_id"`
				} `json:"info"`
			} `json:"run"`
		}
		_ = json.Unmarshal([]byte(run.body), &rr)
		runID := rr.Run.Info.RunID
		e.call("POST", "/api/2.0/mlflow/runs/log-batch", dev, `{"run_id":"`+runID+`","params":[{"key":"max_depth","value":"6"}],`+
			`"metrics":[{"key":"auc","value":0.84,"timestamp":1,"step":0},{"key":"train_loss","value":0.2,"timestamp":1,"step":0}]}`).want(t, "log batch", http.StatusOK)
		e.call("POST", "/api/2.0/mlflow/runs/log-inputs", dev, `{"run_id":"`+runID+`","datasets":[{"tags":[{"key":"mlflow.data.context","value":"evaluation"}],`+
			`"dataset":{"name":"holdout-2025","digest":"d1","source_type":"s3","source":"s3://lake/holdout"}}]}`).want(t, "log inputs", http.StatusOK)
		if _, err := e.srv.registry.CreateVersion(sysCtx, "credit", registry.VersionCreate{RunID: runID}); err != nil {
			t.Fatal(err)
		}

		base := "/api/v1/models/credit/cards"
		// Bad input: 400 naming the field, nothing written.
		r := e.call("POST", base, dev, cardBody("scores loans", "Severe")).want(t, "card failing the schema", http.StatusBadRequest)
		if er := nativeErr(t, r); er.Error.Details["field"] != "/intended_uses/risk_rating" || !strings.Contains(er.Error.Message, "/intended_uses/risk_rating") {
			t.Errorf("schema error = %+v, want it to name /intended_uses/risk_rating", er.Error)
		}
		r = e.call("POST", base, dev, `{"content":{"model_overview":{}}}`).want(t, "missing description", http.StatusBadRequest)
		if er := nativeErr(t, r); er.Error.Details["field"] != "/model_overview/model_description" {
			t.Errorf("schema error = %+v", er.Error)
		}
		e.call("POST", base, dev, `{"content":{"model_overview":{"model_description":"x"}},"model_version":9}`).want(t, "unknown model version", http.StatusBadRequest)
		e.call("GET", base+"/latest", dev, "").want(t, "no card yet", http.StatusNotFound)
		if n := len(e.eventsOf("card.create")); n != 0 {
			t.Fatalf("%d card.create events after refused creates", n)
		}

		// Permissions: a viewer reads but cannot write.
		e.call("POST", base, viewer, cardBody("scores loans", "High")).want(t, "viewer creates", http.StatusForbidden)
		r = e.call("POST", base, dev, cardBody("scores loans", "High")).want(t, "developer creates", http.StatusCreated)
		if r.hdr.Get("Location") != base+"/1" || r.hdr.Get("ETag") != `"1"` {
			t.Errorf("create headers = %v", r.hdr)
		}
		if c := decodeCard(t, r); c.CardVersion != 1 || c.Status != "draft" || c.Model != "credit" {
			t.Errorf("created card = %+v", c)
		}
		e.call("GET", base+"/1", viewer, "").want(t, "viewer reads", http.StatusOK)
		e.call("GET", base+"/one", viewer, "").want(t, "bad card ref", http.StatusBadRequest)

		// The administrator fills it from the run: an editor now.
		r = e.call("POST", base+"/autofill", e.admin, `{"version":1}`).want(t, "autofill a draft in place", http.StatusOK)
		c := decodeCard(t, r)
		if c.CardVersion != 1 || c.ModelVersion == nil || *c.ModelVersion != 1 || !strings.Contains(string(c.Content), `"max_depth"`) ||
			!strings.Contains(string(c.Content), "holdout-2025") || !strings.Contains(string(c.Content), `"train_loss"`) || !strings.Contains(string(c.Content), "Run "+runID) {
			t.Errorf("auto-filled card = %+v %s", c, c.Content)
		}

		e.call("POST", base+"/1/approve", dev, "").want(t, "approve a draft (and without model.validate)", http.StatusForbidden)
		e.call("POST", base+"/1/submit", dev, "", "If-Match", `"1"`).want(t, "submit with a stale If-Match", http.StatusPreconditionFailed)
		e.call("POST", base+"/1/submit", dev, `{"comment":"ready"}`).want(t, "submit", http.StatusOK)
		e.call("POST", base+"/1/submit", dev, "").want(t, "submit twice", http.StatusConflict)
		r = e.call("PATCH", base+"/1", dev, cardBody("changed", "High")).want(t, "edit while pending", http.StatusConflict)
		if !strings.Contains(nativeErr(t, r).Error.Message, "pending review") {
			t.Errorf("message = %s", r.body)
		}

		// Separation of duties: the administrator edited it.
		r = e.call("POST", base+"/1/approve", e.admin, "").want(t, "an editor (admin) approves", http.StatusForbidden)
		if er := nativeErr(t, r); er.Error.Details["rule"] != "independence" {
			t.Errorf("self-approval error = %+v", er.Error)
		}
		r = e.call("POST", base+"/1/reject", val, "").want(t, "reject without comment", http.StatusBadRequest)
		if nativeErr(t, r).Error.Details["field"] != "comment" {
			t.Errorf("reject error = %s", r.body)
		}
		e.call("POST", base+"/1/reject", val, `{"comment":"add caveats"}`).want(t, "validator rejects", http.StatusOK)
		if evs := e.eventsOf("card.reject"); len(evs) != 1 || !strings.Contains(string(evs[0].After), "add caveats") || evs[0].ActorID != "val" {
			t.Errorf("card.reject events = %+v", evs)
		}
		// The authors read why in the card's discussion.
		var discussion struct {
			Comments []struct {
				Body   string `json:"body"`
				Author string `json:"author"`
				Target string `json:"target"`
			} `json:"comments"`
		}
		r = e.call("GET", base+"/1/comments", dev, "").want(t, "the card's discussion", http.StatusOK)
		if err := json.Unmarshal([]byte(r.body), &discussion); err != nil {
			t.Fatal(err)
		}
		if c := discussion.Comments; len(c) != 2 || c[0].Body != "Submitted for review: ready" || c[0].Author != "dev" ||
			c[1].Body != "Rejected: add caveats" || c[1].Author != "val" || c[1].Target != "card" {
			t.Errorf("card comments = %+v", c)
		}
		e.call("PATCH", base+"/1", dev, cardBody("scores retail loans", "High")).want(t, "edit the draft", http.StatusOK)
		e.call("POST", base+"/1/submit", dev, "").want(t, "submit again", http.StatusOK)
		r = e.call("POST", base+"/1/approve", val, `{"comment":"independent review done"}`).want(t, "validator approves", http.StatusOK)
		if c := decodeCard(t, r); c.Status != "approved" || c.ApprovedBy != "val" {
			t.Errorf("approved card = %+v", c)
		}
		if evs := e.eventsOf("card.approve"); len(evs) != 1 || evs[0].ActorID != "val" {
			t.Errorf("card.approve events = %+v", evs)
		}

		// An approved card is never edited in place: the edit is version 2.
		r = e.call("PATCH", base+"/1", dev, cardBody("scores retail and SME loans", "Medium")).want(t, "edit an approved card", http.StatusCreated)
		if c := decodeCard(t, r); c.CardVersion != 2 || c.Status != "draft" || r.hdr.Get("Location") != base+"/2" || c.ModelVersion == nil || *c.ModelVersion != 1 {
			t.Errorf("edit of an approved card = %+v (Location %s)", c, r.hdr.Get("Location"))
		}
		if c := decodeCard(t, e.call("GET", base+"/1", dev, "").want(t, "read v1", http.StatusOK)); c.Status != "approved" || !strings.Contains(string(c.Content), "scores retail loans") {
			t.Errorf("approved card changed: %+v", c)
		}
		if c := decodeCard(t, e.call("GET", base+"/latest", dev, "").want(t, "latest", http.StatusOK)); c.CardVersion != 2 {
			t.Errorf("latest = %d", c.CardVersion)
		}

		// Compare.
		r = e.call("GET", base+"/compare?from=1&to=2", viewer, "").want(t, "compare", http.StatusOK)
		for _, want := range []string{`"/intended_uses/risk_rating"`, `"from":"High"`, `"to":"Medium"`, `"/model_overview/model_description"`} {
			if !strings.Contains(r.body, want) {
				t.Errorf("compare lacks %s: %s", want, r.body)
			}
		}
		e.call("GET", base+"/compare?from=1", viewer, "").want(t, "compare without to", http.StatusBadRequest)

		// Exports.
		r = e.call("GET", base+"/1/export?format=pdf", viewer, "").want(t, "export pdf", http.StatusOK)
		if r.hdr.Get("Content-Type") != "application/pdf" || r.hdr.Get("Content-Disposition") != `attachment; filename=credit-card-v1.pdf` || !strings.HasPrefix(r.body, "%PDF-") {
			t.Errorf("pdf export headers %v, body %.10q", r.hdr, r.body)
		}
		r = e.call("GET", base+"/1/export?format=md", viewer, "").want(t, "export md", http.StatusOK)
		if !strings.HasPrefix(r.hdr.Get("Content-Type"), "text/markdown") || !strings.Contains(r.body, "Kreditvärdighet") || !strings.Contains(r.body, "**Approved:** val") {
			t.Errorf("md export = %v\n%s", r.hdr, r.body)
		}
		r = e.call("GET", base+"/1/export?format=json", viewer, "").want(t, "export json", http.StatusOK)
		if c := decodeCard(t, r); c.Status != "approved" || c.CardVersion != 1 {
			t.Errorf("json export = %s", r.body)
		}
		e.call("GET", base+"/1/export?format=docx", viewer, "").want(t, "unknown format", http.StatusBadRequest)

		// Import a SageMaker card, clone across models, archive.
		sm, err := os.ReadFile("../modelcard/testdata/sagemaker_card.json")
		if err != nil {
			t.Fatal(err)
		}
		r = e.call("POST", base+"/import?model_version=1", dev, string(sm)).want(t, "import SageMaker", http.StatusCreated)
		if c := decodeCard(t, r); c.CardVersion != 3 || !strings.Contains(string(c.Content), "churn-xgb-2025-01-10") {
			t.Errorf("imported = %+v", c)
		}
		e.call("POST", base+"/import", viewer, string(sm)).want(t, "viewer imports", http.StatusForbidden)
		r = e.call("POST", base+"/1/clone", dev, `{"model":"other"}`).want(t, "clone to another model", http.StatusCreated)
		if c := decodeCard(t, r); c.Model != "other" || c.CardVersion != 1 || c.Status != "draft" || c.ModelVersion != nil {
			t.Errorf("clone = %+v", c)
		}
		// The clone keeps the source's editors: the administrator cannot
		// approve it either.
		e.call("POST", "/api/v1/models/other/cards/1/submit", dev, "").want(t, "submit clone", http.StatusOK)
		e.call("POST", "/api/v1/models/other/cards/1/approve", e.admin, "").want(t, "admin approves a clone of a card they edited", http.StatusForbidden)

		e.call("POST", base+"/1/archive", dev, "").want(t, "developer archives the approved card", http.StatusForbidden)
		e.call("POST", base+"/2/archive", dev, "").want(t, "developer archives a draft", http.StatusOK)
		e.call("PATCH", base+"/2", dev, cardBody("x", "Low")).want(t, "edit archived", http.StatusConflict)
		r = e.call("GET", base+"?status=approved", viewer, "").want(t, "list approved", http.StatusOK)
		var list struct {
			Cards []cardReply `json:"cards"`
		}
		_ = json.Unmarshal([]byte(r.body), &list)
		if len(list.Cards) != 1 || list.Cards[0].CardVersion != 1 {
			t.Errorf("approved cards = %+v", list.Cards)
		}
		e.call("GET", base+"?status=nope", viewer, "").want(t, "bad status filter", http.StatusBadRequest)

		for action, n := range map[string]int{"card.create": 2, "card.autofill": 1, "card.update": 1, "card.submit": 3, "card.approve": 1, "card.reject": 1,
			"card.import": 1, "card.clone": 1, "card.archive": 1} {
			if got := len(e.eventsOf(action)); got != n {
				t.Errorf("%d %s events, want %d", got, action, n)
			}
		}
	})
}
