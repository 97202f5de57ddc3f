package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/steward-registry/steward/internal/governance"
	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/steward"
)

// governanceCardCases is the model card storage contract.
var governanceCardCases = []Case{
	{"GovernanceCardsCRUD", testCardsCRUD},
	{"GovernanceCardsRevision", testCardsRevision},
	{"GovernanceCardsEditors", testCardsEditors},
	{"GovernanceCardsIsolation", testCardsIsolation},
	{"GovernanceCardsConcurrentCreate", testCardsConcurrentCreate},
}

func cardOf(m *registry.Model, version int64, status, who string) *governance.Card {
	return &governance.Card{ID: steward.NewID(), ModelID: m.ID, CardVersion: version, Status: status,
		Content:   json.RawMessage(fmt.Sprintf(`{"model_overview":{"model_description":"v%d — Kreditvärdighet 模型治理"}}`, version)),
		CreatedBy: who, CreatedAt: 1000 + version, UpdatedBy: who, UpdatedAt: 1000 + version, Revision: 1}
}

func cardTx(t *testing.T, e *Env, ctx context.Context, fn func(governance.Repo) error) error {
	t.Helper()
	return e.DB.Governance().Update(ctx, fn)
}

func testCardsCRUD(t *testing.T, e *Env) {
	ctx := e.Ctx
	m := createModel(t, e, ctx, registry.ModelCreate{Name: "credit"})
	g := e.DB.Governance()

	_, err := g.LatestCard(ctx, m.ID)
	wantCode(t, err, steward.CodeNotFound)
	_, err = g.ApprovedCard(ctx, m.ID)
	wantCode(t, err, steward.CodeNotFound)
	if cs, err := g.ListCards(ctx, m.ID, ""); err != nil || cs == nil || len(cs) != 0 {
		t.Fatalf("ListCards of a model without cards = %v, %v; want empty, not nil", cs, err)
	}

	mv := int64(3)
	c1, c2, c3 := cardOf(m, 1, governance.CardApproved, "dev"), cardOf(m, 2, governance.CardApproved, "dev"), cardOf(m, 3, governance.CardDraft, "dev")
	c2.ModelVersion = &mv
	approvedAt := int64(5000)
	c2.ApprovedBy, c2.ApprovedAt = "val", &approvedAt
	must(t, cardTx(t, e, ctx, func(r governance.Repo) error {
		for _, c := range []*governance.Card{c1, c2, c3} {
			if err := r.CreateCard(ctx, c); err != nil {
				return err
			}
		}
		return nil
	}))

	got, err := g.GetCard(ctx, m.ID, 2)
	must(t, err)
	if got.ModelName != "credit" || *got.ModelVersion != 3 || got.ApprovedBy != "val" || *got.ApprovedAt != 5000 || got.Revision != 1 || got.CreatedAt != 1002 {
		t.Errorf("GetCard = %+v", got)
	}
	var doc map[string]any
	if err := json.Unmarshal(got.Content, &doc); err != nil || doc["model_overview"].(map[string]any)["model_description"] != "v2 — Kreditvärdighet 模型治理" {
		t.Errorf("content did not survive storage: %s (%v)", got.Content, err)
	}
	if g1, _ := g.GetCard(ctx, m.ID, 1); g1.ModelVersion != nil || g1.ApprovedAt != nil {
		t.Errorf("NULL columns must read back as nil: %+v", g1)
	}
	_, err = g.GetCard(ctx, m.ID, 9)
	wantCode(t, err, steward.CodeNotFound)

	if l, err := g.LatestCard(ctx, m.ID); err != nil || l.CardVersion != 3 {
		t.Errorf("LatestCard = %v, %v; want version 3", l, err)
	}
	if a, err := g.ApprovedCard(ctx, m.ID); err != nil || a.CardVersion != 2 {
		t.Errorf("ApprovedCard = %v, %v; want the newest approved (2)", a, err)
	}
	all, err := g.ListCards(ctx, m.ID, "")
	must(t, err)
	if len(all) != 3 || all[0].CardVersion != 1 || all[2].CardVersion != 3 {
		t.Errorf("ListCards = %d cards, want 1..3 in order", len(all))
	}
	drafts, err := g.ListCards(ctx, m.ID, governance.CardDraft)
	must(t, err)
	if len(drafts) != 1 || drafts[0].CardVersion != 3 {
		t.Errorf("ListCards(draft) = %v", drafts)
	}

	// A duplicate card version is AlreadyExists, and the transaction keeps
	// nothing it wrote.
	err = cardTx(t, e, ctx, func(r governance.Repo) error {
		if err := r.CreateCard(ctx, cardOf(m, 4, governance.CardDraft, "dev")); err != nil {
			return err
		}
		return r.CreateCard(ctx, cardOf(m, 2, governance.CardDraft, "dev"))
	})
	wantCode(t, err, steward.CodeAlreadyExists)
	if _, err := g.GetCard(ctx, m.ID, 4); !steward.IsCode(err, steward.CodeNotFound) {
		t.Errorf("a failed transaction left card version 4 behind: %v", err)
	}

	// Deleting the model deletes its cards.
	must(t, e.Registry.DeleteModel(ctx, "credit", 0))
	var n int
	must(t, e.DB.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM model_cards`).Scan(&n))
	if n != 0 {
		t.Errorf("%d cards outlive their model", n)
	}
}

func testCardsRevision(t *testing.T, e *Env) {
	ctx := e.Ctx
	m := createModel(t, e, ctx, registry.ModelCreate{Name: "m"})
	c := cardOf(m, 1, governance.CardDraft, "dev")
	must(t, cardTx(t, e, ctx, func(r governance.Repo) error { return r.CreateCard(ctx, c) }))

	next := *c
	next.Status, next.Content, next.UpdatedBy, next.UpdatedAt = governance.CardApproved, json.RawMessage(`{"model_overview":{"model_description":"new"}}`), "val", 2000
	at := int64(2000)
	next.ApprovedBy, next.ApprovedAt = "val", &at
	must(t, cardTx(t, e, ctx, func(r governance.Repo) error { return r.UpdateCard(ctx, &next, 1) }))
	if next.Revision != 2 {
		t.Errorf("revision after update = %d, want 2", next.Revision)
	}
	got, err := e.DB.Governance().GetCard(ctx, m.ID, 1)
	must(t, err)
	if got.Status != governance.CardApproved || string(got.Content) != `{"model_overview":{"model_description":"new"}}` || got.ApprovedBy != "val" || *got.ApprovedAt != 2000 || got.Revision != 2 || got.UpdatedBy != "val" {
		t.Errorf("after update = %+v", got)
	}
	// A stale revision is PreconditionFailed and changes nothing.
	stale := *got
	stale.Status = governance.CardArchived
	err = cardTx(t, e, ctx, func(r governance.Repo) error { return r.UpdateCard(ctx, &stale, 1) })
	wantCode(t, err, steward.CodePreconditionFailed)
	if again, _ := e.DB.Governance().GetCard(ctx, m.ID, 1); again.Status != governance.CardApproved {
		t.Errorf("stale update wrote: %+v", again)
	}
}

func testCardsEditors(t *testing.T, e *Env) {
	ctx := e.Ctx
	m := createModel(t, e, ctx, registry.ModelCreate{Name: "m"})
	other := createModel(t, e, ctx, registry.ModelCreate{Name: "other"})
	c1, c2, c3 := cardOf(m, 1, governance.CardDraft, "ann"), cardOf(m, 2, governance.CardDraft, "bob"), cardOf(other, 1, governance.CardDraft, "eve")
	must(t, cardTx(t, e, ctx, func(r governance.Repo) error {
		for _, c := range []*governance.Card{c1, c2, c3} {
			if err := r.CreateCard(ctx, c); err != nil {
				return err
			}
		}
		if err := r.AddCardEditors(ctx, c1.ID, "ann", "carl", ""); err != nil {
			return err
		}
		if err := r.AddCardEditors(ctx, c1.ID, "ann"); err != nil { // again: idempotent
			return err
		}
		if err := r.AddCardEditors(ctx, c2.ID, "bob", "ann"); err != nil {
			return err
		}
		return r.AddCardEditors(ctx, c3.ID, "eve")
	}))
	g := e.DB.Governance()
	got, err := g.EditorsOfCard(ctx, c1.ID)
	must(t, err)
	wantStrings(t, "editors of card 1", got, []string{"ann", "carl"})
	got, err = g.CardEditors(ctx, m.ID)
	must(t, err)
	wantStrings(t, "editors of the model's cards", got, []string{"ann", "bob", "carl"})
	got, err = g.CardEditors(ctx, createModel(t, e, ctx, registry.ModelCreate{Name: "none"}).ID)
	must(t, err)
	if got == nil || len(got) != 0 {
		t.Errorf("CardEditors of a model without cards = %v, want empty", got)
	}
}

func testCardsIsolation(t *testing.T, e *Env) {
	a := createWorkspace(t, e, "a")
	b := createWorkspace(t, e, "b")
	m := createModel(t, e, a, registry.ModelCreate{Name: "m"})
	c := cardOf(m, 1, governance.CardApproved, "dev")
	must(t, cardTx(t, e, a, func(r governance.Repo) error { return r.CreateCard(a, c) }))
	g := e.DB.Governance()
	if _, err := g.GetCard(a, m.ID, 1); err != nil {
		t.Fatal(err)
	}
	// Another workspace cannot reach the card even with the model's id.
	_, err := g.GetCard(b, m.ID, 1)
	wantCode(t, err, steward.CodeNotFound)
	_, err = g.ApprovedCard(b, m.ID)
	wantCode(t, err, steward.CodeNotFound)
	if cs, _ := g.ListCards(b, m.ID, ""); len(cs) != 0 {
		t.Errorf("workspace b lists %d cards of workspace a", len(cs))
	}
	if _, err := g.LatestCard(b, m.ID); !steward.IsCode(err, steward.CodeNotFound) {
		t.Errorf("LatestCard across workspaces = %v", err)
	}
}

// Two writers creating the same card version: one wins, the other gets
// AlreadyExists (on PostgreSQL they really run at once).
func testCardsConcurrentCreate(t *testing.T, e *Env) {
	ctx := e.Ctx
	m := createModel(t, e, ctx, registry.ModelCreate{Name: "m"})
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = cardTx(t, e, ctx, func(r governance.Repo) error { return r.CreateCard(ctx, cardOf(m, 1, governance.CardDraft, "dev")) })
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !steward.IsCode(err, steward.CodeAlreadyExists):
			t.Errorf("concurrent create: %v, want already_exists", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d concurrent creates of card version 1 succeeded, want 1", ok)
	}
}
