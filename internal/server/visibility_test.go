package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/steward-registry/steward/internal/auth"
	"github.com/steward-registry/steward/internal/config"
	"github.com/steward-registry/steward/internal/mlflowapi"
)

// walk pages through a list endpoint one item at a time and returns the
// names seen. A page may never hold more than one item, and an empty page
// must not promise another: that is what filtering after the page is cut
// would look like.
func walk(t *testing.T, what string, page func(token string) (names []string, next string)) []string {
	t.Helper()
	var all []string
	token := ""
	for range 100 {
		names, next := page(token)
		if len(names) > 1 {
			t.Fatalf("%s: page of size 1 holds %d items", what, len(names))
		}
		if len(names) == 0 && next != "" {
			t.Fatalf("%s: an empty page has a next page token (filtered after paging?)", what)
		}
		all = append(all, names...)
		if next == "" {
			return all
		}
		token = next
	}
	t.Fatalf("%s: paging did not end", what)
	return nil
}

func (e *authEnv) nativeModels(tok string) []string {
	e.t.Helper()
	return walk(e.t, "GET /api/v1/models", func(token string) ([]string, string) {
		var out struct {
			Models []struct {
				Name string `json:"name"`
			} `json:"models"`
			Next string `json:"next_page_token"`
		}
		r := e.call("GET", "/api/v1/models?page_size=1&page_token="+url.QueryEscape(token), tok, "").want(e.t, "list models", 200)
		mustJSON(e.t, r.body, &out)
		var names []string
		for _, m := range out.Models {
			names = append(names, m.Name)
		}
		return names, out.Next
	})
}

func (e *authEnv) nativeVersions(tok string) []string {
	e.t.Helper()
	return walk(e.t, "GET /api/v1/versions", func(token string) ([]string, string) {
		var out struct {
			Versions []struct {
				Model   string `json:"model_name"`
				Version int64  `json:"version"`
			} `json:"versions"`
			Next string `json:"next_page_token"`
		}
		r := e.call("GET", "/api/v1/versions?page_size=1&page_token="+url.QueryEscape(token), tok, "").want(e.t, "list versions", 200)
		mustJSON(e.t, r.body, &out)
		var names []string
		for _, v := range out.Versions {
			names = append(names, fmt.Sprintf("%s/%d", v.Model, v.Version))
		}
		return names, out.Next
	})
}

func (e *authEnv) mlflowModels(tok string) []string {
	e.t.Helper()
	return walk(e.t, "registered-models/search", func(token string) ([]string, string) {
		var out struct {
			Models []struct {
				Name string `json:"name"`
			} `json:"registered_models"`
			Next string `json:"next_page_token"`
		}
		r := e.call("GET", "/api/2.0/mlflow/registered-models/search?max_results=1&page_token="+url.QueryEscape(token), tok, "").
			want(e.t, "search registered models", 200)
		mustJSON(e.t, r.body, &out)
		var names []string
		for _, m := range out.Models {
			names = append(names, m.Name)
		}
		return names, out.Next
	})
}

func (e *authEnv) mlflowVersions(tok string) []string {
	e.t.Helper()
	return walk(e.t, "model-versions/search", func(token string) ([]string, string) {
		var out struct {
			Versions []struct {
				Name    string `json:"name"`
				Version string `json:"version"`
			} `json:"model_versions"`
			Next string `json:"next_page_token"`
		}
		r := e.call("GET", "/api/2.0/mlflow/model-versions/search?max_results=1&page_token="+url.QueryEscape(token), tok, "").
			want(e.t, "search model versions", 200)
		mustJSON(e.t, r.body, &out)
		var names []string
		for _, v := range out.Versions {
			names = append(names, v.Name+"/"+v.Version)
		}
		return names, out.Next
	})
}

func mustJSON(t *testing.T, body string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("decode %q: %v", body, err)
	}
}

func wantNames(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("%s: got %q, want %q", what, got, want)
	}
}

// grant gives subject access to model as the principal of tok and returns
// the grant's id.
func (e *authEnv) grant(tok, model, subject, access string) string {
	e.t.Helper()
	r := e.call("POST", "/api/v1/models/"+model+"/grants", tok, fmt.Sprintf(`{"subject":%q,"access":%q}`, subject, access)).
		want(e.t, "grant "+access+" on "+model+" to "+subject, http.StatusCreated)
	var g auth.Grant
	mustJSON(e.t, r.body, &g)
	if g.ID == "" || g.Subject != subject || g.Access != access {
		e.t.Fatalf("grant answered %s", r.body)
	}
	return g.ID
}

// TestModelGrantsLimitWhatIsSeen: bob holds read on one model of nine.
// Every list and search, native and MLflow, paged one by one, shows exactly
// that model; the others answer like models that do not exist.
func TestModelGrantsLimitWhatIsSeen(t *testing.T) { onBackends(t, testModelGrantsLimitWhatIsSeen) }

func testModelGrantsLimitWhatIsSeen(t *testing.T, db func(*config.Config)) {
	e := newAuthEnv(t, db)
	e.enforce()
	for i := 1; i <= 9; i++ {
		name := fmt.Sprintf("m%02d", i)
		e.model(name, "", "")
		e.version(name)
	}
	bob := e.user("bob", "") // no role anywhere
	wantNames(t, "bob's models before any grant", e.nativeModels(bob))
	e.grant(e.admin, "m05", "user:bob", "read")

	wantNames(t, "native model list", e.nativeModels(bob), "m05")
	wantNames(t, "native version list", e.nativeVersions(bob), "m05/1")
	wantNames(t, "MLflow registered-models/search", e.mlflowModels(bob), "m05")
	wantNames(t, "MLflow model-versions/search", e.mlflowVersions(bob), "m05/1")
	if got := e.nativeModels(e.admin); len(got) != 9 {
		t.Fatalf("admin sees %q, want all nine", got)
	}

	e.call("GET", "/api/v1/models/m05", bob, "").want(t, "read granted model", 200)
	e.call("GET", "/api/v1/models/m05/versions/1", bob, "").want(t, "read granted version", 200)
	e.call("GET", "/api/2.0/mlflow/registered-models/get?name=m05", bob, "").want(t, "MLflow read granted model", 200)

	// Read is not write: the refusal is 403, since bob may know it exists.
	for _, c := range []struct{ method, path, body string }{
		{"PATCH", "/api/v1/models/m05", `{"description":"bob was here"}`},
		{"POST", "/api/v1/models/m05/versions", `{}`},
		{"POST", "/api/v1/models/m05/versions/1/stage", `{"stage":"Production"}`},
		{"DELETE", "/api/v1/models/m05", ""},
		{"POST", "/api/v1/models/m05/grants", `{"subject":"user:bob","access":"manage"}`},
	} {
		r := e.call(c.method, c.path, bob, c.body).want(t, c.method+" "+c.path+" with a read grant", http.StatusForbidden)
		nativeErr(t, r)
	}
	r := e.call("POST", "/api/2.0/mlflow/registered-models/set-tag", bob, `{"name":"m05","key":"k","value":"v"}`).
		want(t, "MLflow set-tag with a read grant", http.StatusForbidden)
	if got := mlErr(t, r).ErrorCode; got != mlflowapi.PermissionDenied {
		t.Fatalf("MLflow refusal %q, want %s", got, mlflowapi.PermissionDenied)
	}

	// A hidden model answers exactly like a missing one.
	hidden := []struct{ method, path, body string }{
		{"GET", "/api/v1/models/m07", ""},
		{"GET", "/api/v1/models/m07/versions/1", ""},
		{"GET", "/api/v1/models/m07/versions", ""},
		{"PATCH", "/api/v1/models/m07", `{"description":"x"}`},
		{"DELETE", "/api/v1/models/m07", ""},
		{"GET", "/api/v1/models/m07/grants", ""},
		{"GET", "/api/2.0/mlflow/registered-models/get?name=m07", ""},
		{"GET", "/api/2.0/mlflow/model-versions/get?name=m07&version=1", ""},
	}
	before := map[string]string{}
	for _, c := range hidden {
		r := e.call(c.method, c.path, bob, c.body).want(t, "hidden "+c.method+" "+c.path, http.StatusNotFound)
		before[c.method+" "+c.path] = withoutRequestID(t, r.body)
	}
	e.call("DELETE", "/api/v1/models/m07", e.admin, "").want(t, "admin deletes m07", http.StatusNoContent)
	for _, c := range hidden {
		k := c.method + " " + c.path
		r := e.call(c.method, c.path, bob, c.body).want(t, "missing "+k, http.StatusNotFound)
		if got := withoutRequestID(t, r.body); got != before[k] {
			t.Errorf("%s: hidden and missing differ:\n hidden  %s\n missing %s", k, before[k], got)
		}
		if c.method == "GET" {
			// An administrator asking for the missing model gets the same answer.
			ra := e.call(c.method, c.path, e.admin, c.body).want(t, "admin missing "+k, http.StatusNotFound)
			if got := withoutRequestID(t, ra.body); got != before[k] {
				t.Errorf("%s: bob's hidden and admin's missing differ:\n bob   %s\n admin %s", k, before[k], got)
			}
		}
	}
}

// TestOwnersGroupsAndProjects covers the other ways to be granted a model:
// ownership, group membership and a project binding; and revocation.
func TestOwnersGroupsAndProjects(t *testing.T) { onBackends(t, testOwnersGroupsAndProjects) }

func testOwnersGroupsAndProjects(t *testing.T, db func(*config.Config)) {
	e := newAuthEnv(t, db)
	e.enforce()
	e.model("other", "", "")
	e.model("c-owned", "carol", "")
	carol := e.user("carol", "")
	dave := e.user("dave", "")
	erin := e.user("erin", "")

	// The owner sees and manages her model with no binding at all.
	wantNames(t, "carol's models", e.nativeModels(carol), "c-owned")
	e.call("GET", "/api/v1/models/other", carol, "").want(t, "carol reads a model she does not own", http.StatusNotFound)
	e.call("POST", "/api/v1/models/other/grants", carol, `{"subject":"user:carol","access":"manage"}`).
		want(t, "carol grants herself a model she cannot see", http.StatusNotFound)

	daveGrant := e.grant(carol, "c-owned", "user:dave", "write")
	e.call("PATCH", "/api/v1/models/c-owned", dave, `{"description":"by dave"}`).want(t, "dave writes with a write grant", http.StatusOK)
	e.call("DELETE", "/api/v1/models/c-owned", dave, "").want(t, "dave deletes with a write grant", http.StatusForbidden)
	e.call("POST", "/api/v1/models/c-owned/grants", dave, `{"subject":"user:erin","access":"read"}`).
		want(t, "dave grants with a write grant", http.StatusForbidden)
	wantNames(t, "dave's models", e.nativeModels(dave), "c-owned")

	// Revocation takes effect at once.
	e.call("DELETE", "/api/v1/models/c-owned/grants/"+daveGrant, carol, "").want(t, "carol revokes dave", http.StatusNoContent)
	e.call("GET", "/api/v1/models/c-owned", dave, "").want(t, "dave after revocation", http.StatusNotFound)
	wantNames(t, "dave's models after revocation", e.nativeModels(dave))

	// Grants to a group reach its members, and leave with them.
	e.call("PUT", "/api/v1/groups/risk/members/erin", e.admin, "").want(t, "erin joins risk", http.StatusNoContent)
	e.call("GET", "/api/v1/models/c-owned", erin, "").want(t, "erin before the group grant", http.StatusNotFound)
	e.grant(carol, "c-owned", "group:risk", "read")
	e.call("GET", "/api/v1/models/c-owned", erin, "").want(t, "erin through group risk", http.StatusOK)
	wantNames(t, "erin's models", e.nativeModels(erin), "c-owned")
	wantNames(t, "erin's MLflow search", e.mlflowModels(erin), "c-owned")
	e.call("PATCH", "/api/v1/models/c-owned", erin, `{"description":"x"}`).want(t, "erin writes with a group read grant", http.StatusForbidden)
	e.call("DELETE", "/api/v1/groups/risk/members/erin", e.admin, "").want(t, "erin leaves risk", http.StatusNoContent)
	e.call("GET", "/api/v1/models/c-owned", erin, "").want(t, "erin after leaving risk", http.StatusNotFound)

	// A project binding covers the models in the project, and only those.
	if _, err := e.srv.registry.CreateProject(sysCtx, "credit", ""); err != nil {
		t.Fatal(err)
	}
	e.model("p-one", "", "credit")
	e.model("p-two", "", "credit")
	frank := e.user("frank", "")
	e.call("POST", "/api/v1/role-bindings", e.admin, `{"subject":"user:frank","role":"developer","scope":"project","name":"credit"}`).
		want(t, "bind frank to project credit", http.StatusCreated)
	wantNames(t, "frank's models", e.nativeModels(frank), "p-one", "p-two")
	wantNames(t, "frank's MLflow search", e.mlflowModels(frank), "p-one", "p-two")
	e.call("GET", "/api/v1/projects/credit", frank, "").want(t, "frank reads project credit", http.StatusOK)
	e.call("PATCH", "/api/v1/models/p-two", frank, `{"description":"by frank"}`).want(t, "frank writes in credit", http.StatusOK)
	e.call("GET", "/api/v1/models/other", frank, "").want(t, "frank outside credit", http.StatusNotFound)
	e.call("DELETE", "/api/v1/models/p-one", frank, "").want(t, "developer deletes in credit", http.StatusForbidden)
}

// TestModelChangesMoveAccessAtOnce: renaming, handing over, re-homing and
// deleting a model change who may act on it, on this server at once (not
// after the authorization cache expires).
func TestModelChangesMoveAccessAtOnce(t *testing.T) { onBackends(t, testModelChangesMoveAccessAtOnce) }

func testModelChangesMoveAccessAtOnce(t *testing.T, db func(*config.Config)) {
	e := newAuthEnv(t, db)
	e.enforce()
	e.model("m", "carol", "")
	carol := e.user("carol", "")
	dave := e.user("dave", "")
	bob := e.user("bob", "")
	e.grant(carol, "m", "user:bob", "read")
	e.call("GET", "/api/v1/models/m", bob, "").want(t, "bob with a grant", 200)
	e.call("PATCH", "/api/v1/models/m", carol, `{"description":"mine"}`).want(t, "carol as owner", 200)

	// Grants follow a rename; nothing stays behind on the old name.
	e.call("PATCH", "/api/v1/models/m", e.admin, `{"name":"m2"}`).want(t, "rename", 200)
	e.call("GET", "/api/v1/models/m2", bob, "").want(t, "bob after the rename", 200)
	wantNames(t, "bob's models after the rename", e.nativeModels(bob), "m2")
	if r := e.call("GET", "/api/v1/role-bindings?subject=user:bob", e.admin, "").want(t, "bob's bindings", 200); !strings.Contains(r.body, `"name":"m2"`) {
		t.Fatalf("bob's grant did not follow the rename: %s", r.body)
	}
	e.model("m", "", "")
	e.call("GET", "/api/v1/models/m", bob, "").want(t, "bob on a new model with the old name", 404)

	// Handing over: the old owner loses the implicit owner role at once.
	e.call("PATCH", "/api/v1/models/m2", e.admin, `{"owner":"dave"}`).want(t, "hand over to dave", 200)
	e.call("PATCH", "/api/v1/models/m2", carol, `{"description":"still mine?"}`).want(t, "carol after the handover", 404)
	e.call("PATCH", "/api/v1/models/m2", dave, `{"description":"mine now"}`).want(t, "dave after the handover", 200)

	// Deleting: grants and ownership die with the model; a new model of the
	// same name inherits neither.
	e.call("DELETE", "/api/v1/models/m2", dave, "").want(t, "dave deletes", 204)
	e.model("m2", "", "")
	e.call("GET", "/api/v1/models/m2", bob, "").want(t, "bob on a re-created model", 404)
	e.call("DELETE", "/api/v1/models/m2", dave, "").want(t, "dave on a re-created model", 404)
	wantNames(t, "bob's models at the end", e.nativeModels(bob))
}
