package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/steward-registry/steward/client"
)

func TestModelsCreateGetList(t *testing.T) {
	e := newTestEnv(t)
	var m client.Model
	e.okJSON(&m, "models", "create", "fraud-detector", "--kind", "rules", "--owner", "risk", "--description", "Flags card fraud", "--tag", "team=risk", "--tag", "tier=1")
	if m.Name != "fraud-detector" || m.Kind != "rules" || m.Owner != "risk" || m.Tags["team"] != "risk" || m.Tags["tier"] != "1" || m.Revision != 1 {
		t.Errorf("created %+v", m)
	}
	e.ok("models", "create", "churn")

	out := e.ok("models", "get", "fraud-detector")
	for _, want := range []string{"Name:", "fraud-detector", "Kind:", "rules", "Tags:", "team=risk, tier=1", "Revision:"} {
		if !strings.Contains(out, want) {
			t.Errorf("models get table lacks %q:\n%s", want, out)
		}
	}
	var got client.Model
	e.okJSON(&got, "models", "get", "fraud-detector")
	if got.ID != m.ID || got.Description != "Flags card fraud" {
		t.Errorf("get = %+v", got)
	}

	out = e.ok("models", "list")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "NAME") || !strings.HasPrefix(lines[1], "churn") || !strings.HasPrefix(lines[2], "fraud-detector") {
		t.Errorf("models list table:\n%s", out)
	}
	var list struct {
		Models        []client.Model `json:"models"`
		NextPageToken string         `json:"next_page_token"`
	}
	e.okJSON(&list, "models", "list", "--name-prefix", "fr")
	if len(list.Models) != 1 || list.Models[0].Name != "fraud-detector" {
		t.Errorf("filtered list = %+v", list)
	}
	// Paging: one per page leaves a token; --all follows it.
	r := e.run("models", "list", "--limit", "1", "-o", "json")
	list.Models, list.NextPageToken = nil, ""
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil || len(list.Models) != 1 || list.NextPageToken == "" {
		t.Errorf("first page = %+v (%v)", list, err)
	}
	r = e.run("models", "list", "--limit", "1")
	if !strings.Contains(r.stderr, "--page-token") {
		t.Errorf("table paging hint missing: %q", r.stderr)
	}
	e.okJSON(&list, "models", "list", "--limit", "1", "--all")
	if len(list.Models) != 2 {
		t.Errorf("--all = %d models, want 2", len(list.Models))
	}
	// Names with spaces and colons survive URL escaping.
	e.ok("models", "create", "team: churn")
	e.okJSON(&got, "models", "get", "team: churn")
	if got.Name != "team: churn" {
		t.Errorf("slashed name = %q", got.Name)
	}
	e.ok("models", "delete", "team: churn", "--yes")
	e.okJSON(&list, "models", "list", "--search", "URN")
	if len(list.Models) != 1 || list.Models[0].Name != "churn" {
		t.Errorf("search = %+v", list.Models)
	}
}

func TestModelsUpdateDelete(t *testing.T) {
	e := newTestEnv(t)
	e.ok("models", "create", "m", "--description", "old")
	var m client.Model
	e.okJSON(&m, "models", "update", "m", "--owner", "ops", "--description", "")
	if m.Owner != "ops" || m.Description != "" || m.Revision != 2 {
		t.Errorf("updated = %+v", m)
	}
	r := e.run("models", "update", "m", "--owner", "x", "--if-match", "1")
	if r.code != 1 || !strings.Contains(r.stderr, "(precondition_failed)") {
		t.Errorf("stale if-match: %+v", r)
	}
	r = e.run("models", "update", "m")
	if r.code != 1 || !strings.Contains(r.stderr, "nothing to update") {
		t.Errorf("no flags: %+v", r)
	}
	e.okJSON(&m, "models", "update", "m", "--rename", "m2", "--if-match", "2")
	if m.Name != "m2" {
		t.Errorf("rename = %+v", m)
	}
	r = e.run("models", "delete", "m2")
	if r.code != 1 || !strings.Contains(r.stderr, "--yes") {
		t.Errorf("delete without a terminal or --yes: %+v", r)
	}
	if out := e.ok("models", "delete", "m2", "--yes"); !strings.Contains(out, `Deleted model "m2"`) {
		t.Errorf("delete output %q", out)
	}
	if r := e.run("models", "get", "m2"); r.code != 1 {
		t.Errorf("get after delete: %+v", r)
	}
}
