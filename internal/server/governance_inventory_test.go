package server

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/steward-registry/steward/internal/auth"
	"github.com/steward-registry/steward/internal/config"
)

// decode unmarshals a reply body, failing the test on bad JSON.
func decode[T any](t *testing.T, r reply) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(r.body), &v); err != nil {
		t.Fatalf("status %d: body is not the JSON expected: %v\n%s", r.status, err, r.body)
	}
	return v
}

type invEntry struct {
	Model            string   `json:"model"`
	RiskTier         string   `json:"risk_tier"`
	BusinessUnit     string   `json:"business_unit"`
	ValidationStatus string   `json:"validation_status"`
	ReviewOverdue    bool     `json:"review_overdue"`
	Attention        []string `json:"attention"`
	Revision         int64    `json:"revision"`
}

type invList struct {
	Models []invEntry `json:"models"`
}

func (l invList) names() []string {
	var out []string
	for _, m := range l.Models {
		out = append(out, m.Model)
	}
	return out
}

type finding struct {
	ID     string `json:"id"`
	Status string `json:"status"`
}

type review struct {
	ID             string    `json:"id"`
	Status         string    `json:"status"`
	SignedOffBy    string    `json:"signed_off_by"`
	ManifestDigest string    `json:"manifest_digest"`
	Findings       []finding `json:"findings"`
}

// wantField checks a 400 names the field to fix.
func wantField(t *testing.T, what string, r reply, field string) {
	t.Helper()
	r.want(t, what, http.StatusBadRequest)
	if e := nativeErr(t, r); e.Error.Details["field"] != field || e.Error.Code != "invalid_argument" {
		t.Fatalf("%s: error %+v does not name field %q", what, e.Error, field)
	}
}

// TestInventoryValidationWorkflow walks the inventory and validation slice
// through HTTP with distinct people: a developer registers, a validator
// classifies, reviews and signs off, nobody signs off their own work (not
// even an admin), and the inventory reflects each step.
func TestInventoryValidationWorkflow(t *testing.T) {
	onBackends(t, func(t *testing.T, db func(*config.Config)) {
		e := newAuthEnv(t, db)
		admin := e.enforce()
		dev := e.user("dev", auth.RoleDeveloper)
		val := e.user("val", auth.RoleValidator)
		e.user("viv", auth.RoleViewer)
		viewer := e.token("viv", "admin")

		e.call("POST", "/api/v1/models", dev, `{"name":"credit","owner":"risk-team"}`).want(t, "developer registers", http.StatusCreated)
		e.call("POST", "/api/v1/models/credit/versions", dev, `{}`).want(t, "developer adds v1", http.StatusCreated)
		e.call("POST", "/api/v1/models", dev, `{"name":"legacy","owner":"risk-team","kind":"rules"}`).want(t, "second model", http.StatusCreated)

		// Classification is the validators'; describing is the developers'.
		r := e.call("PATCH", "/api/v1/models/credit/profile", dev, `{"risk_tier":"low"}`).want(t, "developer sets the tier", http.StatusForbidden)
		if msg := nativeErr(t, r).Error.Message; !strings.Contains(msg, "validators") {
			t.Fatalf("refusal does not say whose job it is: %s", msg)
		}
		e.call("PATCH", "/api/v1/models/credit/profile", dev, `{"business_unit":"retail","intended_use":"consumer credit"}`).
			want(t, "developer describes", http.StatusOK)
		e.call("PATCH", "/api/v1/models/credit/profile", val, `{"business_unit":"x"}`).want(t, "validator describes", http.StatusForbidden)
		p := decode[invEntry](t, e.call("PATCH", "/api/v1/models/credit/profile", val, `{"risk_tier":"high","next_review_at":4102444800000}`,
			"If-Match", `"1"`).want(t, "validator classifies", http.StatusOK))
		if p.RiskTier != "high" || p.BusinessUnit != "retail" || p.Revision != 2 || p.ValidationStatus != "not_validated" {
			t.Fatalf("profile: %+v", p)
		}
		e.call("PATCH", "/api/v1/models/credit/profile", val, `{"risk_tier":"low"}`, "If-Match", `"1"`).want(t, "stale If-Match", http.StatusPreconditionFailed)
		wantField(t, "unknown tier", e.call("PATCH", "/api/v1/models/credit/profile", val, `{"risk_tier":"extreme"}`), "risk_tier")
		wantField(t, "unknown field", e.call("PATCH", "/api/v1/models/credit/profile", val, `{"tier":"high"}`), "tier")
		e.call("PATCH", "/api/v1/models/legacy/profile", val, `{"next_review_at":1000}`).want(t, "legacy is long overdue", http.StatusOK)
		if n := len(e.eventsOf("model.profile.update")); n != 3 {
			t.Fatalf("%d model.profile.update events, want 3", n)
		}

		// Validation of v1.
		e.call("POST", "/api/v1/models/credit/versions/1/reviews", dev, ``).want(t, "developer opens a review", http.StatusForbidden)
		rv := decode[review](t, e.call("POST", "/api/v1/models/credit/versions/1/reviews", val, `{"summary":"initial validation"}`).
			want(t, "validator opens a review", http.StatusCreated))
		base := "/api/v1/reviews/" + rv.ID
		wantField(t, "unknown severity", e.call("POST", base+"/findings", val, `{"severity":"critical","title":"x"}`), "severity")
		wantField(t, "no title", e.call("POST", base+"/findings", val, `{"severity":"high"}`), "title")
		high := decode[finding](t, e.call("POST", base+"/findings", val, `{"severity":"high","title":"target leakage"}`).
			want(t, "high finding", http.StatusCreated))
		e.call("POST", base+"/findings", dev, `{"severity":"low","title":"x"}`).want(t, "developer adds a finding", http.StatusForbidden)

		// The developer, even with the validator role, may not sign off
		// the version they created.
		e.bind("user:dev", auth.RoleValidator, auth.ScopeWorkspace, "")
		r = e.call("POST", base+"/signoff", dev, ``).want(t, "author signs off", http.StatusForbidden)
		if d := nativeErr(t, r).Error.Details; d["rule"] != "independence" {
			t.Fatalf("self sign-off refusal: %+v", d)
		}
		r = e.call("POST", base+"/signoff", val, ``).want(t, "sign-off with an open high finding", http.StatusConflict)
		if msg := nativeErr(t, r).Error.Message; !strings.Contains(msg, high.ID) || !strings.Contains(msg, "target leakage") {
			t.Fatalf("refusal does not name the finding: %s", msg)
		}
		fpath := base + "/findings/" + high.ID
		wantField(t, "accepted without justification", e.call("PATCH", fpath, val, `{"status":"accepted"}`), "justification")
		wantField(t, "unknown status", e.call("PATCH", fpath, val, `{"status":"fixed"}`), "status")
		e.call("PATCH", base+"/findings/nope", val, `{"status":"remediated"}`).want(t, "unknown finding", http.StatusNotFound)
		e.call("PATCH", fpath, val, `{"status":"remediated"}`).want(t, "remediated", http.StatusOK)
		done := decode[review](t, e.call("POST", base+"/signoff", val, `{"summary":"fit for purpose"}`).want(t, "sign-off", http.StatusOK))
		if done.Status != "signed_off" || done.SignedOffBy != "val" || !strings.HasPrefix(done.ManifestDigest, "sha256:") {
			t.Fatalf("signed off: %+v", done)
		}
		e.call("POST", base+"/signoff", val, ``).want(t, "second sign-off", http.StatusConflict)
		p = decode[invEntry](t, e.call("GET", "/api/v1/models/credit/profile", viewer, "").want(t, "viewer reads the profile", http.StatusOK))
		if p.ValidationStatus != "validated" {
			t.Fatalf("after sign-off: %+v", p)
		}
		got := decode[review](t, e.call("GET", base, viewer, "").want(t, "viewer reads the review", http.StatusOK))
		if len(got.Findings) != 1 || got.Findings[0].Status != "remediated" {
			t.Fatalf("review: %+v", got)
		}
		e.call("GET", "/api/v1/models/credit/versions/1/reviews", viewer, "").want(t, "viewer lists reviews", http.StatusOK)
		for action, n := range map[string]int{"validation.review.create": 1, "validation.finding.create": 1, "validation.finding.update": 1, "validation.signoff": 1} {
			evs := e.eventsOf(action)
			if len(evs) != n || evs[0].ActorID != "val" {
				t.Fatalf("%s: %d events (want %d by val)", action, len(evs), n)
			}
		}

		// An administrator who authored a version may not sign it off either.
		e.call("POST", "/api/v1/models/credit/versions", admin, `{}`).want(t, "admin adds v2", http.StatusCreated)
		rv2 := decode[review](t, e.call("POST", "/api/v1/models/credit/versions/2/reviews", admin, ``).want(t, "admin opens", http.StatusCreated))
		r = e.call("POST", "/api/v1/reviews/"+rv2.ID+"/signoff", admin, ``).want(t, "admin signs off own version", http.StatusForbidden)
		if d := nativeErr(t, r).Error.Details; d["rule"] != "independence" {
			t.Fatalf("admin's self sign-off refusal: %+v", d)
		}
		e.call("POST", "/api/v1/reviews/"+rv2.ID+"/signoff", val, ``).want(t, "someone else signs off v2", http.StatusOK)

		// The inventory: filters, CSV export, attention.
		l := decode[invList](t, e.call("GET", "/api/v1/inventory?risk_tier=high", viewer, "").want(t, "high tier", http.StatusOK))
		if !slices.Equal(l.names(), []string{"credit"}) {
			t.Fatalf("high tier: %v", l.names())
		}
		l = decode[invList](t, e.call("GET", "/api/v1/inventory?validation_status=not_validated&kind=rules", viewer, "").want(t, "not validated", http.StatusOK))
		if !slices.Equal(l.names(), []string{"legacy"}) {
			t.Fatalf("not validated rules: %v", l.names())
		}
		wantField(t, "bad tier filter", e.call("GET", "/api/v1/inventory?risk_tier=extreme", viewer, ""), "risk_tier")
		wantField(t, "bad overdue", e.call("GET", "/api/v1/inventory?overdue=maybe", viewer, ""), "overdue")
		wantField(t, "bad format", e.call("GET", "/api/v1/inventory?format=xml", viewer, ""), "format")
		r = e.call("GET", "/api/v1/inventory?format=csv", viewer, "").want(t, "CSV export", http.StatusOK)
		if !strings.HasPrefix(r.hdr.Get("Content-Type"), "text/csv") || !strings.Contains(r.hdr.Get("Content-Disposition"), "attachment") {
			t.Fatalf("CSV headers: %v", r.hdr)
		}
		rows, err := csv.NewReader(strings.NewReader(r.body)).ReadAll()
		if err != nil {
			t.Fatalf("CSV does not parse: %v\n%s", err, r.body)
		}
		if len(rows) != 3 || rows[0][0] != "model" || rows[0][6] != "risk_tier" || rows[1][0] != "credit" || rows[1][6] != "high" ||
			rows[1][4] != "retail" || rows[1][7] != "validated" || rows[2][0] != "legacy" || rows[2][9] != "true" {
			t.Fatalf("CSV rows: %q", rows)
		}
		l = decode[invList](t, e.call("GET", "/api/v1/inventory/attention", viewer, "").want(t, "attention", http.StatusOK))
		if !slices.Equal(l.names(), []string{"legacy"}) || !slices.Equal(l.Models[0].Attention, []string{"review_overdue"}) {
			t.Fatalf("attention: %+v", l.Models)
		}
		l = decode[invList](t, e.call("GET", "/api/v1/inventory?overdue=true", viewer, "").want(t, "overdue", http.StatusOK))
		if !slices.Equal(l.names(), []string{"legacy"}) {
			t.Fatalf("overdue: %v", l.names())
		}
		// Visibility: a person bound to one model sees only it; one with no
		// role sees nothing.
		e.user("mo", "")
		e.bind("user:mo", auth.RoleViewer, auth.ScopeModel, "legacy")
		mo := e.token("mo", "admin")
		l = decode[invList](t, e.call("GET", "/api/v1/inventory", mo, "").want(t, "model-scoped viewer", http.StatusOK))
		if !slices.Equal(l.names(), []string{"legacy"}) {
			t.Fatalf("model-scoped viewer sees %v", l.names())
		}
		nobody := e.user("nobody", "")
		l = decode[invList](t, e.call("GET", "/api/v1/inventory", nobody, "").want(t, "no role", http.StatusOK))
		if len(l.Models) != 0 {
			t.Fatalf("no role sees %v", l.names())
		}
		e.call("GET", "/api/v1/models/credit/profile", nobody, "").want(t, "no role reads a profile", http.StatusNotFound)
		e.call("GET", base, nobody, "").want(t, "no role reads a review", http.StatusNotFound)
	})
}

type comment struct {
	ID     string `json:"id"`
	Author string `json:"author"`
	Body   string `json:"body"`
	Target string `json:"target"`
}

// TestComments: readers comment on models and versions, authors delete
// their own, nobody else's; read-only credentials stay read-only.
func TestComments(t *testing.T) {
	e := newAuthEnv(t, nil)
	e.enforce()
	dev := e.user("dev", auth.RoleDeveloper)
	aud := e.user("aud", auth.RoleAuditor)
	audRead := e.token("aud", "read")
	nobody := e.user("nobody", "")
	e.model("credit", "risk-team", "")
	e.version("credit")

	c := decode[comment](t, e.call("POST", "/api/v1/models/credit/versions/1/comments", aud, `{"body":"Kreditvärdighet: 模型治理 checked"}`).
		want(t, "auditor comments", http.StatusCreated))
	if c.Author != "aud" || c.Target != "version" || c.Body != "Kreditvärdighet: 模型治理 checked" {
		t.Fatalf("comment: %+v", c)
	}
	e.call("POST", "/api/v1/models/credit/comments", dev, `{"body":"retrained on Q3 data"}`).want(t, "developer comments", http.StatusCreated)
	e.call("POST", "/api/v1/models/credit/comments", audRead, `{"body":"x"}`).want(t, "read-scoped token comments", http.StatusForbidden)
	e.call("POST", "/api/v1/models/credit/comments", nobody, `{"body":"x"}`).want(t, "no role comments", http.StatusNotFound)
	wantField(t, "empty body", e.call("POST", "/api/v1/models/credit/comments", dev, `{"body":" "}`), "body")
	big := `{"body":"` + strings.Repeat("x", 16<<10+1) + `"}`
	wantField(t, "body too long", e.call("POST", "/api/v1/models/credit/comments", dev, big), "body")
	e.call("POST", "/api/v1/models/credit/versions/7/comments", dev, `{"body":"x"}`).want(t, "missing version", http.StatusNotFound)
	e.call("POST", "/api/v1/models/credit/cards/1/comments", dev, `{"body":"x"}`).want(t, "missing card", http.StatusNotFound)

	l := decode[struct {
		Comments []comment `json:"comments"`
	}](t, e.call("GET", "/api/v1/models/credit/comments", audRead, "").want(t, "list", http.StatusOK))
	if len(l.Comments) != 1 || l.Comments[0].Author != "dev" {
		t.Fatalf("model comments: %+v", l.Comments)
	}
	path := "/api/v1/models/credit/versions/1/comments/" + c.ID
	r := e.call("DELETE", path, dev, "").want(t, "someone else's comment", http.StatusForbidden)
	if !strings.Contains(nativeErr(t, r).Error.Message, "author") {
		t.Fatalf("refusal: %s", r.body)
	}
	e.call("DELETE", "/api/v1/models/credit/comments/"+c.ID, aud, "").want(t, "wrong target", http.StatusNotFound)
	e.call("DELETE", path, aud, "").want(t, "author deletes", http.StatusNoContent)
	e.call("DELETE", path, aud, "").want(t, "deleted twice", http.StatusNotFound)
	if n, d := len(e.eventsOf("comment.create")), len(e.eventsOf("comment.delete")); n != 2 || d != 1 {
		t.Fatalf("events: %d comment.create, %d comment.delete", n, d)
	}
}
