package governance_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/steward-registry/steward/internal/governance"
	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/steward"
	"github.com/steward-registry/steward/internal/store/storetest"
)

func cardsSvc(t *testing.T) (*governance.Service, *registry.Service) {
	t.Helper()
	db := storetest.OpenSQLite(t)
	reg := registry.NewService(db.Registry(), nil, nil)
	return governance.NewService(db.Governance(), reg, nil, nil), reg
}

func as(id string) context.Context {
	return steward.WithPrincipal(steward.WithWorkspace(context.Background(), steward.DefaultWorkspace),
		steward.Principal{ID: id, Kind: steward.PrincipalUser, AuthMethod: "token", Superuser: true})
}

func doc(desc string) governance.CardInput {
	return governance.CardInput{Content: json.RawMessage(`{"model_overview":{"model_description":"` + desc + `"}}`)}
}

func approve(t *testing.T, s *governance.Service, model string, n int64) {
	t.Helper()
	if _, err := s.SubmitCard(as("dev"), model, n, 0, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ApproveCard(as("val"), model, n, 0, ""); err != nil {
		t.Fatal(err)
	}
}

// Approving a newer card archives the older approved one, so the gates see
// one approved card.
func TestApproveSupersedes(t *testing.T) {
	s, reg := cardsSvc(t)
	if _, err := reg.CreateModel(as("dev"), registry.ModelCreate{Name: "m"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateCard(as("dev"), "m", doc("one")); err != nil {
		t.Fatal(err)
	}
	approve(t, s, "m", 1)
	ch, err := s.UpdateCard(as("dev"), "m", 1, doc("two"), 0)
	if err != nil || !ch.Created || ch.Card.CardVersion != 2 {
		t.Fatalf("edit of approved = %+v, %v", ch, err)
	}
	approve(t, s, "m", 2)
	cs, err := s.ListCards(as("dev"), "m", governance.CardApproved)
	if err != nil || len(cs) != 1 || cs[0].CardVersion != 2 {
		t.Fatalf("approved cards = %+v, %v", cs, err)
	}
	if c, _ := s.GetCard(as("dev"), "m", 1); c.Status != governance.CardArchived || c.ApprovedBy != "val" {
		t.Errorf("superseded card = %+v", c)
	}
}

// A clone keeps its source's editors; the independence rule follows them.
func TestCloneKeepsEditors(t *testing.T) {
	s, reg := cardsSvc(t)
	for _, n := range []string{"a", "b"} {
		if _, err := reg.CreateModel(as("dev"), registry.ModelCreate{Name: n}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.CreateCard(as("ann"), "a", doc("by ann")); err != nil {
		t.Fatal(err)
	}
	c, err := s.CloneCard(as("bob"), "a", 1, "b")
	if err != nil || c.ModelName != "b" {
		t.Fatalf("clone = %+v, %v", c, err)
	}
	if _, err := s.SubmitCard(as("bob"), "b", 1, 0, ""); err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"ann", "bob"} {
		if _, err := s.ApproveCard(as(who), "b", 1, 0, ""); !steward.IsCode(err, steward.CodePermissionDenied) {
			t.Errorf("%s approves a clone they wrote: %v, want permission_denied", who, err)
		}
	}
	if _, err := s.ApproveCard(as("val"), "b", 1, 0, ""); err != nil {
		t.Errorf("independent approval: %v", err)
	}
}

func TestCardBadInput(t *testing.T) {
	s, reg := cardsSvc(t)
	if _, err := reg.CreateModel(as("dev"), registry.ModelCreate{Name: "m"}); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.CreateVersion(as("dev"), "m", registry.VersionCreate{}); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"no content": func() error { _, err := s.CreateCard(as("dev"), "m", governance.CardInput{}); return err }(),
		"autofill, no run": func() error {
			_, err := s.AutoFillCard(as("dev"), "m", governance.AutoFillInput{Version: 1})
			return err
		}(),
		"autofill, no ver.": func() error { _, err := s.AutoFillCard(as("dev"), "m", governance.AutoFillInput{}); return err }(),
		"compare zero":      func() error { _, err := s.CompareCards(as("dev"), "m", 0, 1); return err }(),
		"export format":     func() error { _, err := s.ExportCard(as("dev"), "m", 1, "docx"); return err }(),
		"list status":       func() error { _, err := s.ListCards(as("dev"), "m", "done"); return err }(),
	} {
		if !steward.IsCode(err, steward.CodeInvalid) {
			t.Errorf("%s: %v, want invalid_argument", name, err)
		}
	}
	if _, err := s.GetCard(as("dev"), "m", 0); !steward.IsCode(err, steward.CodeNotFound) {
		t.Errorf("latest of a model without cards: %v", err)
	}
	if _, err := s.CreateCard(as("dev"), "nope", doc("x")); !steward.IsCode(err, steward.CodeNotFound) {
		t.Errorf("card of a missing model: %v", err)
	}
}
