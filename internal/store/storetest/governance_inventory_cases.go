package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/steward-registry/steward/internal/events"
	"github.com/steward-registry/steward/internal/governance"
	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/steward"
	"github.com/steward-registry/steward/internal/tracking"
)

// govNow is the governance clock of these cases: 2026-06-01 UTC.
var govNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func govService(e *Env) *governance.Service {
	return governance.NewService(e.DB.Governance(), e.Registry, nil, func() time.Time { return govNow })
}

// as returns ctx acting as a person (every permission: AllowAll), for the
// rules that look at who acts rather than what they may do.
func as(ctx context.Context, id string) context.Context {
	return steward.WithPrincipal(ctx, steward.Principal{ID: id, Kind: steward.PrincipalUser})
}

func days(n int) int64 { return steward.Millis(govNow.AddDate(0, 0, n)) }

func entryNames(es []*governance.InventoryEntry) []string {
	out := make([]string, len(es))
	for i, x := range es {
		out[i] = x.Model
	}
	return out
}

func actionsOf(evs []*events.Event) []string {
	var out []string
	for _, ev := range evs {
		out = append(out, ev.Action)
	}
	return out
}

// insertCard puts a model card row in place, as the cards slice would.
func insertCard(t *testing.T, e *Env, modelID, status string) {
	t.Helper()
	_, err := e.DB.Write.ExecContext(context.Background(), govSQL(e, `INSERT INTO model_cards (id, workspace, model_id, card_version, status, content,
		created_by, created_at, updated_by, updated_at, revision) VALUES (?, 'default', ?, 1, ?, '{}', 'dev', 1, 'dev', 1, 1)`),
		steward.NewID(), modelID, status)
	must(t, err)
}

// govSQL numbers placeholders for PostgreSQL.
func govSQL(e *Env, q string) string { return rebind(e.DB.Dialect.Numbered, q) }

// govTables are the tables this slice writes, with events.
var govTables = []string{"model_profiles", "validation_reviews", "validation_findings", "comments", "events"}

// govSnapshot counts the rows of govTables and the revisions they carry, so
// a refused call that rewrote a row is caught as well as one that added one.
func govSnapshot(t *testing.T, e *Env) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, tb := range govTables {
		var n, revs int64
		q := `SELECT COUNT(*), 0 FROM ` + tb
		if tb != "comments" && tb != "events" {
			q = `SELECT COUNT(*), COALESCE(SUM(revision), 0) FROM ` + tb
		}
		must(t, e.DB.Read.QueryRowContext(context.Background(), q).Scan(&n, &revs))
		out[tb], out[tb+" revisions"] = n, revs
	}
	return out
}

func wantGovUnchanged(t *testing.T, e *Env, before map[string]int64) {
	t.Helper()
	after := govSnapshot(t, e)
	for k, v := range before {
		if after[k] != v {
			t.Errorf("%s: %d, want %d (a refused call wrote)", k, after[k], v)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
}

var governanceInventoryCases = []Case{
	{"governance profile: zero, update, If-Match, event", func(t *testing.T, e *Env) {
		g := govService(e)
		m := createModel(t, e, e.Ctx, registry.ModelCreate{Name: "credit", Owner: "alice"})
		p, err := e.DB.Governance().GetProfile(e.Ctx, m.ID)
		must(t, err)
		if p.Revision != 0 || p.ValidationStatus != governance.ValidationNone || p.RiskTier != "" {
			t.Fatalf("profile of a new model: %+v", p)
		}
		seq := lastSeq(t, e, e.Ctx)
		got, err := g.UpdateProfile(e.Ctx, "credit", governance.ProfileUpdate{RiskTier: ptr("high"), BusinessUnit: ptr("retail"),
			IntendedUse: ptr("consumer credit decisions"), NextReviewAt: ptr(days(30))}, 0)
		must(t, err)
		if got.Revision != 1 || got.RiskTier != governance.TierHigh || got.BusinessUnit != "retail" || got.Owner != "alice" ||
			*got.NextReviewAt != days(30) || got.ValidationStatus != governance.ValidationNone || got.ReviewOverdue {
			t.Fatalf("after update: %+v", got)
		}
		evs := eventsAfter(t, e, e.Ctx, seq)
		if len(evs) != 1 || evs[0].Action != "model.profile.update" || evs[0].ObjectID != m.ID {
			t.Fatalf("events: %v", actionsOf(evs))
		}
		// Stale If-Match: refused, nothing written.
		_, err = g.UpdateProfile(e.Ctx, "credit", governance.ProfileUpdate{RiskTier: ptr("low")}, 7)
		wantCode(t, err, steward.CodePreconditionFailed)
		// Bad input names the field.
		for _, in := range []governance.ProfileUpdate{{RiskTier: ptr("extreme")}, {NextReviewAt: ptr(int64(-1))}, {}} {
			_, err = g.UpdateProfile(e.Ctx, "credit", in, 0)
			wantCode(t, err, steward.CodeInvalid)
		}
		// PATCH: only the fields sent change; 0 clears the review date.
		got, err = g.UpdateProfile(e.Ctx, "credit", governance.ProfileUpdate{NextReviewAt: ptr(int64(0))}, 1)
		must(t, err)
		if got.Revision != 2 || got.NextReviewAt != nil || got.RiskTier != governance.TierHigh || got.BusinessUnit != "retail" {
			t.Fatalf("after clearing the date: %+v", got)
		}
		if n := len(eventsAfter(t, e, e.Ctx, seq)); n != 2 {
			t.Fatalf("%d events after two updates and four refusals, want 2", n)
		}
		_, err = g.UpdateProfile(e.Ctx, "nope", governance.ProfileUpdate{RiskTier: ptr("low")}, 0)
		wantCode(t, err, steward.CodeNotFound)
	}},

	{"governance inventory: filters, expiry, paging, visibility", func(t *testing.T, e *Env) {
		g := govService(e)
		_, err := e.Registry.CreateProject(e.Ctx, "risk", "")
		must(t, err)
		for _, in := range []registry.ModelCreate{
			{Name: "credit-pd", Owner: "alice", Project: "risk"},
			{Name: "credit-lgd", Owner: "bob", Project: "risk"},
			{Name: "pricing", Owner: "alice", Kind: "optimisation"},
			{Name: "rules-aml", Owner: "carol", Kind: "rules"},
		} {
			createModel(t, e, e.Ctx, in)
		}
		createModel(t, e, createWorkspace(t, e, "other"), registry.ModelCreate{Name: "credit-elsewhere", Owner: "alice"})
		set := func(model string, in governance.ProfileUpdate) {
			t.Helper()
			_, err := g.UpdateProfile(e.Ctx, model, in, 0)
			must(t, err)
		}
		set("credit-pd", governance.ProfileUpdate{RiskTier: ptr("high"), BusinessUnit: ptr("retail"), NextReviewAt: ptr(days(-1))})
		set("credit-lgd", governance.ProfileUpdate{RiskTier: ptr("high"), BusinessUnit: ptr("retail"), NextReviewAt: ptr(days(90))})
		set("pricing", governance.ProfileUpdate{RiskTier: ptr("low"), BusinessUnit: ptr("corporate")})
		// credit-pd and credit-lgd are validated; credit-pd's review date has
		// passed, so it reads as expired.
		gs := e.DB.Governance()
		must(t, gs.Update(e.Ctx, func(r governance.Repo) error {
			for _, name := range []string{"credit-pd", "credit-lgd"} {
				m, err := r.GetModel(e.Ctx, name)
				if err != nil {
					return err
				}
				p, err := r.GetProfile(e.Ctx, m.ID)
				if err != nil {
					return err
				}
				p.ValidationStatus = governance.ValidationValidated
				if err := r.PutProfile(e.Ctx, p, p.Revision); err != nil {
					return err
				}
			}
			return nil
		}))
		for _, c := range []struct {
			name string
			f    governance.InventoryFilter
			want []string
		}{
			{"all", governance.InventoryFilter{}, []string{"credit-lgd", "credit-pd", "pricing", "rules-aml"}},
			{"high", governance.InventoryFilter{RiskTier: "high"}, []string{"credit-lgd", "credit-pd"}},
			{"unclassified", governance.InventoryFilter{RiskTier: "unclassified"}, []string{"rules-aml"}},
			{"validated, not expired", governance.InventoryFilter{ValidationStatus: "validated"}, []string{"credit-lgd"}},
			{"expired", governance.InventoryFilter{ValidationStatus: "expired"}, []string{"credit-pd"}},
			{"not validated, with or without a profile row", governance.InventoryFilter{ValidationStatus: "not_validated"}, []string{"pricing", "rules-aml"}},
			{"owner", governance.InventoryFilter{Owner: "alice"}, []string{"credit-pd", "pricing"}},
			{"business unit", governance.InventoryFilter{BusinessUnit: "retail"}, []string{"credit-lgd", "credit-pd"}},
			{"kind", governance.InventoryFilter{Kind: "rules"}, []string{"rules-aml"}},
			{"project", governance.InventoryFilter{Project: "risk"}, []string{"credit-lgd", "credit-pd"}},
			{"name substring", governance.InventoryFilter{NameLike: "CREDIT"}, []string{"credit-lgd", "credit-pd"}},
			{"overdue", governance.InventoryFilter{Overdue: true}, []string{"credit-pd"}},
			{"attention", governance.InventoryFilter{Attention: true}, []string{"credit-pd"}},
			{"combined", governance.InventoryFilter{RiskTier: "high", Owner: "bob"}, []string{"credit-lgd"}},
		} {
			for _, size := range []int{1, 100} {
				es := collect(t, size, func(p steward.PageRequest) ([]*governance.InventoryEntry, string, error) {
					return g.Inventory(e.Ctx, c.f, p)
				})
				wantStrings(t, fmt.Sprintf("%s, page size %d", c.name, size), entryNames(es), c.want)
			}
		}
		es, _, err := g.Inventory(e.Ctx, governance.InventoryFilter{Project: "risk"}, steward.PageRequest{})
		must(t, err)
		pd := es[1]
		if pd.ValidationStatus != governance.ValidationExpired || !pd.ReviewOverdue || pd.Project != "risk" ||
			len(pd.Attention) != 1 || pd.Attention[0] != governance.AttentionReviewOverdue {
			t.Fatalf("credit-pd: %+v", pd)
		}
		if es[0].ValidationStatus != governance.ValidationValidated || es[0].ReviewOverdue || len(es[0].Attention) != 0 {
			t.Fatalf("credit-lgd: %+v", es[0])
		}
		for _, f := range []governance.InventoryFilter{{RiskTier: "extreme"}, {ValidationStatus: "great"}, {Kind: "bogus"}} {
			_, _, err := g.Inventory(e.Ctx, f, steward.PageRequest{})
			wantCode(t, err, steward.CodeInvalid)
		}
		// The store applies the caller's visibility in SQL.
		for _, c := range []struct {
			v    steward.Visibility
			want []string
		}{
			{steward.Visibility{Models: []string{"pricing"}}, []string{"pricing"}},
			{steward.Visibility{Projects: []string{"risk"}}, []string{"credit-lgd", "credit-pd"}},
			{steward.Visibility{Owner: "carol"}, []string{"rules-aml"}},
			{steward.Visibility{}, nil},
		} {
			es := collect(t, 1, func(p steward.PageRequest) ([]*governance.InventoryEntry, string, error) {
				return gs.ListInventory(steward.WithVisibility(e.Ctx, &c.v), governance.InventoryFilter{Now: steward.Millis(govNow)}, p)
			})
			wantStrings(t, fmt.Sprintf("visibility %+v", c.v), entryNames(es), c.want)
		}
	}},

	{"governance inventory: attention for production without card or validation", func(t *testing.T, e *Env) {
		g := govService(e)
		m := createModel(t, e, e.Ctx, registry.ModelCreate{Name: "scorer", Owner: "alice"})
		createModel(t, e, e.Ctx, registry.ModelCreate{Name: "quiet", Owner: "alice"})
		createVersion(t, e, e.Ctx, "scorer", registry.VersionCreate{})
		attention := func() map[string][]string {
			t.Helper()
			es, _, err := g.Inventory(e.Ctx, governance.InventoryFilter{Attention: true}, steward.PageRequest{})
			must(t, err)
			out := map[string][]string{}
			for _, x := range es {
				out[x.Model] = x.Attention
			}
			return out
		}
		if a := attention(); len(a) != 0 {
			t.Fatalf("no production yet, attention: %v", a)
		}
		_, err := e.Registry.SetStage(e.Ctx, "scorer", 1, "Production", false, 0)
		must(t, err)
		a := attention()
		wantStrings(t, "in production, no card, not validated", a["scorer"],
			[]string{governance.AttentionNoApprovedCard, governance.AttentionNotValidated})
		insertCard(t, e, m.ID, "draft")
		wantStrings(t, "a draft card is not an approved one", attention()["scorer"],
			[]string{governance.AttentionNoApprovedCard, governance.AttentionNotValidated})
		insertCard2 := func() {
			_, err := e.DB.Write.ExecContext(context.Background(), govSQL(e, `UPDATE model_cards SET status = 'approved' WHERE model_id = ?`), m.ID)
			must(t, err)
		}
		insertCard2()
		wantStrings(t, "approved card, not validated", attention()["scorer"], []string{governance.AttentionNotValidated})
		// Validate it (by someone who did not author it): off the list.
		val := as(e.Ctx, "vic")
		rv, err := g.OpenReview(val, "scorer", 1, governance.ReviewCreate{})
		must(t, err)
		wantStrings(t, "in validation", attention()["scorer"], []string{governance.AttentionInValidationProd})
		_, err = g.SignOff(val, rv.ID, governance.SignOff{}, 0)
		must(t, err)
		if a := attention(); len(a) != 0 {
			t.Fatalf("validated with an approved card, attention: %v", a)
		}
		// The review date passes: overdue, and validated reads as expired.
		_, err = g.UpdateProfile(e.Ctx, "scorer", governance.ProfileUpdate{NextReviewAt: ptr(days(-2))}, 0)
		must(t, err)
		wantStrings(t, "overdue", attention()["scorer"], []string{governance.AttentionReviewOverdue, governance.AttentionNotValidated})
		// Back in date, then the artifacts in Production are replaced: the
		// sign-off no longer covers them.
		_, err = g.UpdateProfile(e.Ctx, "scorer", governance.ProfileUpdate{NextReviewAt: ptr(days(30))}, 0)
		must(t, err)
		if a := attention(); len(a) != 0 {
			t.Fatalf("back in date, attention: %v", a)
		}
		digest := "sha256:" + strings.Repeat("ab", 32)
		must(t, e.Registry.AddBlob(e.Ctx, digest, 3))
		_, err = e.Registry.ReplaceFiles(e.Ctx, "scorer", 1, []registry.File{{Path: "model.bin", Digest: digest, Size: 3}}, 0)
		must(t, err)
		wantStrings(t, "artifacts replaced after the sign-off", attention()["scorer"], []string{governance.AttentionArtifactsUnvalidated})
	}},

	{"governance validation: findings, independent sign-off, state and stale digest", func(t *testing.T, e *Env) {
		g := govService(e)
		gs := e.DB.Governance()
		dev, val := as(e.Ctx, "dev"), as(e.Ctx, "vic")
		m := createModel(t, e, dev, registry.ModelCreate{Name: "credit", Owner: "dev"})
		v := createVersion(t, e, dev, "credit", registry.VersionCreate{})
		seq := lastSeq(t, e, e.Ctx)

		rv, err := g.OpenReview(val, "credit", 1, governance.ReviewCreate{Summary: "annual validation"})
		must(t, err)
		profile := func() string {
			t.Helper()
			p, err := gs.GetProfile(e.Ctx, m.ID)
			must(t, err)
			return p.ValidationStatus
		}
		if got := profile(); got != governance.ValidationInProgress {
			t.Fatalf("after opening: %s", got)
		}
		high, err := g.AddFinding(val, rv.ID, governance.FindingCreate{Severity: "high", Title: "leakage", Description: "target in features"})
		must(t, err)
		_, err = g.AddFinding(val, rv.ID, governance.FindingCreate{Severity: "low", Title: "docs"})
		must(t, err)
		for _, in := range []governance.FindingCreate{{Severity: "critical", Title: "x"}, {Severity: "low", Title: " "}} {
			_, err = g.AddFinding(val, rv.ID, in)
			wantCode(t, err, steward.CodeInvalid)
		}
		before := govSnapshot(t, e)
		// The developer may not sign off their own version; nor may anyone
		// while a high finding is open.
		_, err = g.SignOff(dev, rv.ID, governance.SignOff{}, 0)
		wantCode(t, err, steward.CodePermissionDenied)
		if steward.ErrorDetails(err)["rule"] != "independence" {
			t.Fatalf("self sign-off refusal does not name the rule: %v", err)
		}
		_, err = g.SignOff(val, rv.ID, governance.SignOff{}, 0)
		wantCode(t, err, steward.CodeConflict)
		if !strings.Contains(steward.ErrorMessage(err), high.ID) {
			t.Fatalf("refusal does not name the open high finding: %v", err)
		}
		// Accepting needs a justification; unknown statuses are refused.
		_, err = g.UpdateFinding(val, rv.ID, high.ID, governance.FindingUpdate{Status: ptr("accepted")}, 0)
		wantCode(t, err, steward.CodeInvalid)
		_, err = g.UpdateFinding(val, rv.ID, high.ID, governance.FindingUpdate{Status: ptr("fixed")}, 0)
		wantCode(t, err, steward.CodeInvalid)
		_, err = g.UpdateFinding(val, rv.ID, "nope", governance.FindingUpdate{Status: ptr("remediated")}, 0)
		wantCode(t, err, steward.CodeNotFound)
		wantGovUnchanged(t, e, before)
		st, err := gs.ValidationStateOf(e.Ctx, v.ID, v.ManifestDigest)
		must(t, err)
		if st.SignedOff || st.ReviewsCount != 1 {
			t.Fatalf("state before sign-off: %+v", st)
		}

		f, err := g.UpdateFinding(val, rv.ID, high.ID, governance.FindingUpdate{Status: ptr("remediated")}, 0)
		must(t, err)
		if f.Status != governance.FindingRemediated || f.Revision != 2 || f.UpdatedBy != "vic" {
			t.Fatalf("remediated: %+v", f)
		}
		done, err := g.SignOff(val, rv.ID, governance.SignOff{Summary: ptr("fit for use")}, 0)
		must(t, err)
		if done.Status != governance.ReviewSignedOff || done.SignedOffBy != "vic" || done.ManifestDigest != v.ManifestDigest || done.Summary != "fit for use" {
			t.Fatalf("signed off: %+v", done)
		}
		if got := profile(); got != governance.ValidationFindingsOpen {
			t.Fatalf("signed off with a low finding open: %s", got)
		}
		_, err = g.SignOff(val, rv.ID, governance.SignOff{}, 0)
		wantCode(t, err, steward.CodeConflict)

		st, err = gs.ValidationStateOf(e.Ctx, v.ID, v.ManifestDigest)
		must(t, err)
		if !st.SignedOff || st.ReviewID != rv.ID || st.SignedOffBy != "vic" || st.OpenHigh != 0 || st.DigestStale {
			t.Fatalf("state after sign-off: %+v", st)
		}
		// Other artifacts: the sign-off does not count, and says why.
		st, err = gs.ValidationStateOf(e.Ctx, v.ID, digestB)
		must(t, err)
		if st.SignedOff || !st.DigestStale {
			t.Fatalf("state for other artifacts: %+v", st)
		}
		// A high finding found after sign-off counts against the gate.
		late, err := g.AddFinding(val, rv.ID, governance.FindingCreate{Severity: "high", Title: "drift"})
		must(t, err)
		st, err = gs.ValidationStateOf(e.Ctx, v.ID, v.ManifestDigest)
		must(t, err)
		if !st.SignedOff || st.OpenHigh != 1 {
			t.Fatalf("state with a late high finding: %+v", st)
		}
		// Accepted with a justification, the other closed: validated.
		_, err = g.UpdateFinding(val, rv.ID, late.ID, governance.FindingUpdate{Status: ptr("accepted"), Justification: ptr("monitored monthly")}, 0)
		must(t, err)
		low := done.Findings[1]
		_, err = g.UpdateFinding(val, rv.ID, low.ID, governance.FindingUpdate{Status: ptr("remediated")}, 0)
		must(t, err)
		if got := profile(); got != governance.ValidationValidated {
			t.Fatalf("all findings closed: %s", got)
		}
		// Re-opening clears the old justification.
		f, err = g.UpdateFinding(val, rv.ID, late.ID, governance.FindingUpdate{Status: ptr("open")}, 0)
		must(t, err)
		if f.Justification != "" || profile() != governance.ValidationFindingsOpen {
			t.Fatalf("re-opened: %+v, profile %s", f, profile())
		}

		got, err := g.GetReview(e.Ctx, rv.ID)
		must(t, err)
		if len(got.Findings) != 3 || got.Findings[0].ID != high.ID || got.Version != 1 || got.ModelName != "credit" {
			t.Fatalf("review: %+v", got)
		}
		list, err := g.ListReviews(e.Ctx, "credit", 1)
		must(t, err)
		if len(list) != 1 || list[0].ID != rv.ID {
			t.Fatalf("reviews: %+v", list)
		}
		_, err = g.GetReview(e.Ctx, "nope")
		wantCode(t, err, steward.CodeNotFound)
		wantStrings(t, "events", actionsOf(eventsAfter(t, e, e.Ctx, seq)), []string{
			"validation.review.create", "validation.finding.create", "validation.finding.create", "validation.finding.update",
			"validation.signoff", "validation.finding.create", "validation.finding.update", "validation.finding.update", "validation.finding.update"})
		// A review in another workspace is not visible here.
		_, err = g.GetReview(createWorkspace(t, e, "elsewhere"), rv.ID)
		wantCode(t, err, steward.CodeNotFound)
	}},

	{"governance validation: the run's user is an author too", func(t *testing.T, e *Env) {
		g := govService(e)
		createModel(t, e, e.Ctx, registry.ModelCreate{Name: "m"})
		exp, err := e.Tracking.CreateExperiment(as(e.Ctx, "rita"), "train", "", nil)
		must(t, err)
		run, err := e.Tracking.CreateRun(as(e.Ctx, "rita"), tracking.RunCreate{ExperimentID: exp.ID, UserID: "rita"})
		must(t, err)
		createVersion(t, e, as(e.Ctx, "packager"), "m", registry.VersionCreate{RunID: run.ID})
		rv, err := g.OpenReview(as(e.Ctx, "rita"), "m", 1, governance.ReviewCreate{})
		must(t, err)
		for _, who := range []string{"rita", "packager"} {
			_, err = g.SignOff(as(e.Ctx, who), rv.ID, governance.SignOff{}, 0)
			wantCode(t, err, steward.CodePermissionDenied)
		}
		_, err = g.SignOff(as(e.Ctx, "vic"), rv.ID, governance.SignOff{}, 0)
		must(t, err)
	}},

	{"governance comments: targets, order, paging, delete own", func(t *testing.T, e *Env) {
		g := govService(e)
		m := createModel(t, e, e.Ctx, registry.ModelCreate{Name: "credit"})
		createVersion(t, e, e.Ctx, "credit", registry.VersionCreate{})
		insertCard(t, e, m.ID, "draft")
		alice, bob := as(e.Ctx, "alice"), as(e.Ctx, "bob")
		model := governance.CommentTarget{Model: "credit"}
		version := governance.CommentTarget{Model: "credit", Version: 1}
		card := governance.CommentTarget{Model: "credit", Card: "1"}
		seq := lastSeq(t, e, e.Ctx)
		var ids []string
		for i, c := range []struct {
			ctx context.Context
			t   governance.CommentTarget
		}{{alice, model}, {bob, model}, {alice, version}, {bob, card}, {alice, model}} {
			cm, err := g.AddComment(c.ctx, c.t, fmt.Sprintf("note %d: Kreditvärdighet ok", i))
			must(t, err)
			ids = append(ids, cm.ID)
		}
		texts := func(t2 governance.CommentTarget, size int) []string {
			cs := collect(t, size, func(p steward.PageRequest) ([]*governance.Comment, string, error) {
				return g.ListComments(e.Ctx, t2, p)
			})
			var out []string
			for _, c := range cs {
				out = append(out, c.Author+":"+c.Body[:6])
			}
			return out
		}
		for _, size := range []int{1, 2, 100} {
			wantStrings(t, "model comments, oldest first", texts(model, size), []string{"alice:note 0", "bob:note 1", "alice:note 4"})
		}
		wantStrings(t, "version comments", texts(version, 100), []string{"alice:note 2"})
		wantStrings(t, "card comments", texts(card, 100), []string{"bob:note 3"})
		cs, _, err := g.ListComments(e.Ctx, version, steward.PageRequest{})
		must(t, err)
		if cs[0].Target != governance.TargetVersion || *cs[0].Version != 1 || cs[0].CreatedAt != steward.Millis(govNow) {
			t.Fatalf("version comment: %+v", cs[0])
		}
		before := govSnapshot(t, e)
		for _, body := range []string{"", "   ", strings.Repeat("x", governance.MaxCommentBody+1), "nul\x00"} {
			_, err := g.AddComment(alice, model, body)
			wantCode(t, err, steward.CodeInvalid)
		}
		_, err = g.AddComment(alice, governance.CommentTarget{Model: "credit", Version: 9}, "x")
		wantCode(t, err, steward.CodeNotFound)
		_, err = g.AddComment(alice, governance.CommentTarget{Model: "credit", Card: "7"}, "x")
		wantCode(t, err, steward.CodeNotFound)
		readOnly := steward.WithPrincipal(e.Ctx, steward.Principal{ID: "alice", Kind: steward.PrincipalUser, Scope: steward.LevelRead})
		_, err = g.AddComment(readOnly, model, "x")
		wantCode(t, err, steward.CodePermissionDenied)
		// Only the author deletes (AllowAll would let anyone manage, so
		// bob's refusal is tested through the server); the target must match.
		err = g.DeleteComment(alice, version, ids[0])
		wantCode(t, err, steward.CodeNotFound)
		wantGovUnchanged(t, e, before)
		must(t, g.DeleteComment(alice, model, ids[0]))
		err = g.DeleteComment(alice, model, ids[0])
		wantCode(t, err, steward.CodeNotFound)
		wantStrings(t, "after delete", texts(model, 100), []string{"bob:note 1", "alice:note 4"})
		wantStrings(t, "events", actionsOf(eventsAfter(t, e, e.Ctx, seq)), []string{
			"comment.create", "comment.create", "comment.create", "comment.create", "comment.create", "comment.delete"})
		// Comments go with the version they annotate.
		must(t, e.Registry.DeleteVersion(e.Ctx, "credit", 1, 0))
		_, _, err = g.ListComments(e.Ctx, version, steward.PageRequest{})
		wantCode(t, err, steward.CodeNotFound)
		var n int
		must(t, e.DB.Read.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM comments`).Scan(&n))
		if n != 3 {
			t.Fatalf("%d comments after deleting the version, want 3", n)
		}
	}},
}
