package governance

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/steward"
)

// GateReader reads gate policies and approval requests.
type GateReader interface {
	// GetPolicy returns the stored policy of a risk tier (CodeNotFound when
	// none is stored: the built-in default applies).
	GetPolicy(ctx context.Context, tier RiskTier) (*Policy, error)
	ListPolicies(ctx context.Context) ([]*Policy, error)
	GetRequest(ctx context.Context, id string) (*Request, error)
	// ListRequests lists requests of the workspace, newest first; empty
	// filter fields match all.
	ListRequests(ctx context.Context, f RequestFilter) ([]*Request, error)
	// VersionAuthors returns who authored a model version: its creator,
	// the creator (and MLflow user) of its source run, and the editors of
	// the model's cards.
	VersionAuthors(ctx context.Context, versionID string) ([]string, error)
}

// RequestFilter selects approval requests.
type RequestFilter struct {
	ModelID   string
	VersionID string
	Kind      string
	Target    string
	Status    string
	// Open keeps requests still open: pending or approved.
	Open  bool
	Limit int
}

// GateWriter writes policies and requests.
type GateWriter interface {
	PutPolicy(ctx context.Context, p *Policy, prevRevision int64) error
	CreateRequest(ctx context.Context, r *Request) error
	// UpdateRequest writes status, updated_at, applied_at; sets Revision.
	UpdateRequest(ctx context.Context, r *Request, prevRevision int64) error
	AddDecision(ctx context.Context, requestID string, d *Decision) error
}

// evaluate runs every gate of the model's policy for moving v to target.
// It returns the request whose approvals carried the approvals gate (nil
// when the policy needs none or the gate failed).
func (s *Service) evaluate(ctx context.Context, r View, m *registry.Model, v *registry.Version, kind, target string) (*Evaluation, *Request, error) {
	pol, tier, err := policyOf(ctx, r, m.ID)
	if err != nil {
		return nil, nil, err
	}
	ev := &Evaluation{Model: m.Name, Version: v.Version, Kind: kind, Target: target, RiskTier: tier, Gates: []GateResult{}}
	if !pol.guards(kind, target) {
		ev.Allowed = true
		return ev, nil, nil
	}
	ev.Gated = true
	add := func(gate string, pass bool, format string, args ...any) {
		ev.Gates = append(ev.Gates, GateResult{Gate: gate, Pass: pass, Detail: fmt.Sprintf(format, args...)})
	}
	if pol.RequireApprovedCard {
		c, err := r.ApprovedCard(ctx, m.ID)
		switch {
		case steward.IsCode(err, steward.CodeNotFound):
			add("card_approved", false, "the model has no approved model card")
		case err != nil:
			return nil, nil, err
		case c.ModelVersion != nil && *c.ModelVersion != v.Version:
			// A card approved for this very version and since superseded
			// still documents it (a rollback returns to such a version).
			old, err := approvedCardOf(ctx, r, m.ID, v.Version)
			if err != nil {
				return nil, nil, err
			}
			if old != nil {
				add("card_approved", true, "card version %d documents version %d (approved by %s, since superseded by card version %d)", old.CardVersion, v.Version, old.ApprovedBy, c.CardVersion)
			} else {
				add("card_approved", false, "the approved card (card version %d) documents model version %d, not %d", c.CardVersion, *c.ModelVersion, v.Version)
			}
		default:
			add("card_approved", true, "card version %d approved by %s", c.CardVersion, c.ApprovedBy)
		}
	}
	if pol.RequireValidation {
		st, err := r.ValidationStateOf(ctx, v.ID, v.ManifestDigest)
		switch {
		case err != nil:
			return nil, nil, err
		case !st.SignedOff && st.DigestStale:
			add("validation", false, "the validation sign-off was for other artifacts: version %d's artifacts changed since (now %s)", v.Version, v.ManifestDigest)
		case !st.SignedOff:
			add("validation", false, "no signed-off validation review for version %d", v.Version)
		case st.OpenHigh > 0:
			add("validation", false, "%d high-severity finding(s) open on review %s", st.OpenHigh, st.ReviewID)
		default:
			add("validation", true, "signed off by %s (review %s)", st.SignedOffBy, st.ReviewID)
		}
	}
	if len(pol.MetricThresholds) > 0 {
		metrics, why, err := versionMetrics(ctx, r, v)
		if err != nil {
			return nil, nil, err
		}
		for _, t := range pol.MetricThresholds {
			val, ok := metrics[t.Metric]
			switch {
			case why != "":
				add("metric:"+t.Metric, false, "%s: %s", t, why)
			case !ok:
				add("metric:"+t.Metric, false, "%s: source run %s has no metric %q", t, v.RunID, t.Metric)
			default:
				add("metric:"+t.Metric, t.holds(val), "%s: %s = %g", t, t.Metric, val)
			}
		}
	}
	var used *Request
	if pol.Approvers > 0 {
		g, req, err := s.approvalsGate(ctx, r, v, kind, target, pol)
		if err != nil {
			return nil, nil, err
		}
		ev.Gates = append(ev.Gates, g)
		if g.Pass {
			used, ev.RequestID = req, req.ID
		}
	}
	ev.Allowed = true
	for _, g := range ev.Gates {
		ev.Allowed = ev.Allowed && g.Pass
	}
	return ev, used, nil
}

// versionMetrics returns the latest metrics of the version's source run, or
// why there are none.
func versionMetrics(ctx context.Context, r View, v *registry.Version) (map[string]float64, string, error) {
	if v.RunID == "" {
		return nil, fmt.Sprintf("version %d has no source run to read metrics from", v.Version), nil
	}
	run, err := r.GetRun(ctx, v.RunID)
	if steward.IsCode(err, steward.CodeNotFound) {
		return nil, fmt.Sprintf("source run %s no longer exists", v.RunID), nil
	}
	if err != nil {
		return nil, "", err
	}
	out := make(map[string]float64, len(run.Metrics))
	for _, m := range run.Metrics {
		out[m.Key] = float64(m.Value)
	}
	return out, "", nil
}

// approvalsGate counts the approvals that still count for moving v to
// target: decisions "approve" bound to v's current manifest digest, by
// someone other than the requester (and, when the policy says so, other
// than v's authors). It is recounted at move time, so an approval lapses
// when the artifacts change or an approver becomes an author.
func (s *Service) approvalsGate(ctx context.Context, r View, v *registry.Version, kind, target string, pol *Policy) (GateResult, *Request, error) {
	g := GateResult{Gate: "approvals"}
	var cands []*Request
	if id := reusedApproval(ctx); id != "" {
		req, err := r.GetRequest(ctx, id)
		if err != nil && !steward.IsCode(err, steward.CodeNotFound) {
			return g, nil, err
		}
		if req != nil && req.VersionID == v.ID && req.Kind == kind && req.Target == target && (req.Status == RequestApplied || req.Status == RequestApproved) {
			cands = append(cands, req)
		}
	} else {
		var err error
		if cands, err = r.ListRequests(ctx, RequestFilter{VersionID: v.ID, Kind: kind, Target: target, Open: true}); err != nil {
			return g, nil, err
		}
	}
	if len(cands) == 0 {
		g.Detail = fmt.Sprintf("%d approval(s) needed and there is no open approval request for version %d → %s: request one (steward approvals request)", pol.Approvers, v.Version, target)
		used, err := r.ListRequests(ctx, RequestFilter{VersionID: v.ID, Kind: kind, Target: target, Status: RequestApplied, Limit: 1})
		if err != nil {
			return g, nil, err
		}
		if len(used) == 1 {
			if used[0].ManifestDigest != v.ManifestDigest {
				g.Detail = fmt.Sprintf("request %s approved artifacts %s, but version %d now has %s: its approvals lapsed; request again", used[0].ID, short(used[0].ManifestDigest), v.Version, short(v.ManifestDigest))
			} else {
				g.Detail = fmt.Sprintf("request %s was used by an earlier move and an approval carries one move; request again", used[0].ID)
			}
		}
		return g, nil, nil
	}
	var authors []string
	if pol.IndependentApprovers {
		var err error
		if authors, err = r.VersionAuthors(ctx, v.ID); err != nil {
			return g, nil, err
		}
	}
	var details []string
	for _, req := range cands {
		n, notes := countApprovals(req, v.ManifestDigest, authors)
		if req.ManifestDigest != v.ManifestDigest {
			details = append(details, fmt.Sprintf("request %s was made for artifacts %s, but version %d now has %s: its approvals lapsed", req.ID, short(req.ManifestDigest), v.Version, short(v.ManifestDigest)))
			continue
		}
		if n >= pol.Approvers {
			g.Pass = true
			g.Detail = fmt.Sprintf("%d of %d approvals on request %s", n, pol.Approvers, req.ID)
			return g, req, nil
		}
		d := fmt.Sprintf("request %s has %d of %d approvals", req.ID, n, pol.Approvers)
		if len(notes) > 0 {
			d += " (" + strings.Join(notes, "; ") + ")"
		}
		details = append(details, d)
	}
	g.Detail = strings.Join(details, "; ")
	return g, nil, nil
}

// countApprovals counts the decisions of req that count for digest.
func countApprovals(req *Request, digest string, authors []string) (int, []string) {
	n := 0
	var notes []string
	for _, d := range req.Decisions {
		switch {
		case d.Decision != "approve":
		case d.ManifestDigest != digest:
			notes = append(notes, d.Approver+"'s approval was for other artifacts")
		case d.Approver == req.RequestedBy:
			notes = append(notes, d.Approver+" requested it")
		case slices.Contains(authors, d.Approver):
			notes = append(notes, d.Approver+" is an author of the version")
		default:
			n++
		}
	}
	return n, notes
}

func short(digest string) string {
	if len(digest) > 19 {
		return digest[:19] + "…"
	}
	return digest
}

// gateError is the refusal of a move, naming every failed gate; the
// details carry the whole evaluation.
func gateError(ev *Evaluation) error {
	var failed []string
	for _, g := range ev.Gates {
		if !g.Pass {
			failed = append(failed, g.Gate+": "+g.Detail)
		}
	}
	what := "to " + ev.Target
	if ev.Kind == MoveAlias {
		what = "alias @" + ev.Target + " to it"
	}
	return steward.Errorf(steward.CodeGateFailed, "moving version %d of %q %s is refused by the %s-risk policy: %s",
		ev.Version, ev.Model, what, tierName(ev.RiskTier), strings.Join(failed, "; ")).
		WithDetail("gates", ev.Gates).WithDetail("failed", len(failed))
}

// Evaluate is the dry run of a move: every gate, pass or fail, without
// moving anything. kind is "stage" (target a stage name) or "alias".
func (s *Service) Evaluate(ctx context.Context, model string, version int64, kind, target string) (*Evaluation, error) {
	kind, target, err := parseTarget(kind, target)
	if err != nil {
		return nil, err
	}
	if err := s.allowModel(ctx, steward.PermModelRead, model); err != nil {
		return nil, err
	}
	m, err := s.store.GetModel(ctx, model)
	if err != nil {
		return nil, err
	}
	v, err := s.store.GetVersion(ctx, model, version)
	if err != nil {
		return nil, err
	}
	ev, _, err := s.evaluate(ctx, s.store, m, v, kind, target)
	return ev, err
}

// parseTarget validates a move's kind and target, returning the stage in
// its canonical spelling.
func parseTarget(kind, target string) (string, string, error) {
	switch kind {
	case MoveStage:
		st, err := registry.ParseStage(target)
		if err != nil {
			return "", "", err
		}
		return kind, string(st), nil
	case MoveAlias:
		if err := steward.ValidateKey("alias", target); err != nil {
			return "", "", err
		}
		return kind, target, nil
	}
	return "", "", steward.Errorf(steward.CodeInvalid, "give a stage (None, Staging, Production, Archived) or an alias to move to").WithDetail("field", "stage")
}

// approvedCardOf returns the newest card version that was approved and
// documents model version version (nil if none).
func approvedCardOf(ctx context.Context, r View, modelID string, version int64) (*Card, error) {
	cards, err := r.ListCards(ctx, modelID, "")
	if err != nil {
		return nil, err
	}
	var best *Card
	for _, c := range cards {
		if c.ApprovedAt != nil && c.ModelVersion != nil && *c.ModelVersion == version && (best == nil || c.CardVersion > best.CardVersion) {
			best = c
		}
	}
	return best, nil
}
