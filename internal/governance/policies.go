package governance

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/steward"
)

// Tiers lists the risk tiers a policy can be stored for ("" = unclassified).
var Tiers = []RiskTier{TierHigh, TierMedium, TierLow, TierNone}

// ParseTier validates a risk tier name; "none" and "" mean unclassified.
func ParseTier(s string) (RiskTier, error) {
	switch strings.ToLower(s) {
	case "high":
		return TierHigh, nil
	case "medium":
		return TierMedium, nil
	case "low":
		return TierLow, nil
	case "", "none", "unclassified":
		return TierNone, nil
	}
	return "", steward.Errorf(steward.CodeInvalid, "risk tier %q is not one of high, medium, low, none", s).WithDetail("field", "risk_tier")
}

// DefaultPolicy is the built-in policy of a tier, used until an
// administrator stores one. Unclassified models are not gated: classifying a
// model is what puts it under the gates (the inventory lists unclassified
// models in production as needing attention).
func DefaultPolicy(t RiskTier) *Policy {
	p := &Policy{RiskTier: t, Stages: []string{}, Aliases: []string{}, MetricThresholds: []Threshold{}, Default: true}
	switch t {
	case TierHigh:
		p.Stages, p.Aliases = []string{string(registry.StageProduction)}, []string{"champion"}
		p.RequireApprovedCard, p.RequireValidation, p.Approvers, p.IndependentApprovers = true, true, 2, true
	case TierMedium:
		p.Stages, p.Aliases = []string{string(registry.StageProduction)}, []string{"champion"}
		p.RequireApprovedCard, p.RequireValidation, p.Approvers, p.IndependentApprovers = true, true, 1, true
	case TierLow:
		p.Stages = []string{string(registry.StageProduction)}
		p.Approvers, p.IndependentApprovers = 1, true
	}
	return p
}

// MaxApprovers bounds a policy's approvers (more cannot be organised).
const MaxApprovers = 10

var thresholdOps = []string{">=", ">", "<=", "<", "=="}

// normalize validates a policy and puts its targets in canonical form.
func (p *Policy) normalize() error {
	for i, st := range p.Stages {
		s, err := registry.ParseStage(st)
		if err != nil {
			return steward.Errorf(steward.CodeInvalid, "stages[%d]: %s", i, steward.ErrorMessage(err)).WithDetail("field", "stages")
		}
		if s == registry.StageNone {
			return steward.Errorf(steward.CodeInvalid, "stages[%d]: None cannot be gated (it is where versions start)", i).WithDetail("field", "stages")
		}
		p.Stages[i] = string(s)
	}
	slices.Sort(p.Stages)
	p.Stages = slices.Compact(p.Stages)
	for i, a := range p.Aliases {
		if err := steward.ValidateKey("alias", a); err != nil {
			return steward.Errorf(steward.CodeInvalid, "aliases[%d]: %s", i, steward.ErrorMessage(err)).WithDetail("field", "aliases")
		}
	}
	slices.Sort(p.Aliases)
	p.Aliases = slices.Compact(p.Aliases)
	if p.Approvers < 0 || p.Approvers > MaxApprovers {
		return steward.Errorf(steward.CodeInvalid, "approvers must be between 0 and %d, got %d", MaxApprovers, p.Approvers).WithDetail("field", "approvers")
	}
	if len(p.MetricThresholds) > 50 {
		return steward.Errorf(steward.CodeInvalid, "at most 50 metric thresholds").WithDetail("field", "metric_thresholds")
	}
	for i, t := range p.MetricThresholds {
		if err := steward.ValidateKey("metric", t.Metric); err != nil {
			return steward.Errorf(steward.CodeInvalid, "metric_thresholds[%d].metric: %s", i, steward.ErrorMessage(err)).WithDetail("field", "metric_thresholds")
		}
		if !slices.Contains(thresholdOps, t.Op) {
			return steward.Errorf(steward.CodeInvalid, "metric_thresholds[%d].op %q is not one of >=, >, <=, <, ==", i, t.Op).WithDetail("field", "metric_thresholds")
		}
		if math.IsNaN(t.Value) || math.IsInf(t.Value, 0) {
			return steward.Errorf(steward.CodeInvalid, "metric_thresholds[%d].value must be a finite number", i).WithDetail("field", "metric_thresholds")
		}
	}
	if p.MetricThresholds == nil {
		p.MetricThresholds = []Threshold{}
	}
	return nil
}

// guards reports whether the policy gates a move to target.
func (p *Policy) guards(kind, target string) bool {
	if kind == MoveAlias {
		return slices.Contains(p.Aliases, target)
	}
	return slices.Contains(p.Stages, target)
}

// ParseThreshold reads "auc >= 0.80".
func ParseThreshold(s string) (Threshold, error) {
	f := strings.Fields(s)
	if len(f) == 1 {
		// "auc>=0.8": split at the operator.
		for _, op := range thresholdOps {
			if m, v, ok := strings.Cut(s, op); ok {
				f = []string{m, op, v}
				break
			}
		}
	}
	var t Threshold
	if len(f) != 3 {
		return t, steward.Errorf(steward.CodeInvalid, "threshold %q must look like \"auc >= 0.80\"", s).WithDetail("field", "metric_thresholds")
	}
	t.Metric, t.Op = f[0], f[1]
	if _, err := fmt.Sscanf(f[2], "%g", &t.Value); err != nil {
		return t, steward.Errorf(steward.CodeInvalid, "threshold %q: %q is not a number", s, f[2]).WithDetail("field", "metric_thresholds")
	}
	return t, nil
}

func (t Threshold) String() string { return fmt.Sprintf("%s %s %g", t.Metric, t.Op, t.Value) }

func (t Threshold) holds(v float64) bool {
	switch t.Op {
	case ">=":
		return v >= t.Value
	case ">":
		return v > t.Value
	case "<=":
		return v <= t.Value
	case "<":
		return v < t.Value
	case "==":
		return v == t.Value
	}
	return false
}

// policyFor returns the stored policy of the tier, or the built-in one.
func policyFor(ctx context.Context, r GateReader, tier RiskTier) (*Policy, error) {
	p, err := r.GetPolicy(ctx, tier)
	if steward.IsCode(err, steward.CodeNotFound) {
		return DefaultPolicy(tier), nil
	}
	return p, err
}

// policyOf returns the policy that governs a model (by id): its risk
// tier's, stored or built in.
func policyOf(ctx context.Context, r View, modelID string) (*Policy, RiskTier, error) {
	prof, err := r.GetProfile(ctx, modelID)
	if err != nil {
		return nil, "", err
	}
	pol, err := policyFor(ctx, r, prof.RiskTier)
	return pol, prof.RiskTier, err
}

// Policies returns the policy of every tier (stored or built in).
func (s *Service) Policies(ctx context.Context) ([]*Policy, error) {
	if err := s.allowWorkspace(ctx, steward.PermModelRead, "policy"); err != nil {
		return nil, err
	}
	out := make([]*Policy, 0, len(Tiers))
	for _, t := range Tiers {
		p, err := policyFor(ctx, s.store, t)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// Policy returns the policy of one tier.
func (s *Service) Policy(ctx context.Context, tier string) (*Policy, error) {
	t, err := ParseTier(tier)
	if err != nil {
		return nil, err
	}
	if err := s.allowWorkspace(ctx, steward.PermModelRead, "policy"); err != nil {
		return nil, err
	}
	return policyFor(ctx, s.store, t)
}

// SetPolicy stores the policy of a tier (workspace.manage). ifRevision
// 0 means "don't care".
func (s *Service) SetPolicy(ctx context.Context, tier string, in Policy, ifRevision int64) (*Policy, error) {
	t, err := ParseTier(tier)
	if err != nil {
		return nil, err
	}
	if err := s.allowWorkspace(ctx, steward.PermWorkspaceManage, "policy"); err != nil {
		return nil, err
	}
	p := in
	p.RiskTier, p.Default = t, false
	p.Stages, p.Aliases, p.MetricThresholds = slices.Clone(in.Stages), slices.Clone(in.Aliases), slices.Clone(in.MetricThresholds)
	if p.Stages == nil {
		p.Stages = []string{}
	}
	if p.Aliases == nil {
		p.Aliases = []string{}
	}
	if err := p.normalize(); err != nil {
		return nil, err
	}
	err = s.store.Update(ctx, func(r Repo) error {
		cur, err := policyFor(ctx, r, t)
		if err != nil {
			return err
		}
		if ifRevision != 0 && ifRevision != cur.Revision {
			return steward.Errorf(steward.CodePreconditionFailed, "the %s policy was changed since you read it (now at revision %d, you sent %d): read it again and retry", tierName(t), cur.Revision, ifRevision).WithDetail("revision", cur.Revision)
		}
		p.UpdatedBy, p.UpdatedAt = actor(ctx), s.millis()
		if err := r.PutPolicy(ctx, &p, cur.Revision); err != nil {
			return err
		}
		return s.emit(ctx, r, "policy.update", "policy", tierName(t), cur, &p)
	})
	if err != nil {
		return nil, err
	}
	return &p, nil
}

func tierName(t RiskTier) string {
	if t == TierNone {
		return "unclassified"
	}
	return string(t)
}

// EncodePolicy and DecodePolicy are the storage form of a policy: the JSON
// of its gates (who changed it and when are columns of their own).
func EncodePolicy(p *Policy) string {
	b, _ := json.Marshal(struct {
		Stages               []string    `json:"stages"`
		Aliases              []string    `json:"aliases"`
		RequireApprovedCard  bool        `json:"require_approved_card"`
		RequireValidation    bool        `json:"require_validation"`
		MetricThresholds     []Threshold `json:"metric_thresholds"`
		Approvers            int         `json:"approvers"`
		IndependentApprovers bool        `json:"independent_approvers"`
	}{p.Stages, p.Aliases, p.RequireApprovedCard, p.RequireValidation, p.MetricThresholds, p.Approvers, p.IndependentApprovers})
	return string(b)
}

// DecodePolicy reads a stored policy's gates into p.
func DecodePolicy(s string, p *Policy) error {
	if err := json.Unmarshal([]byte(s), p); err != nil {
		return fmt.Errorf("decode policy: %w", err)
	}
	return nil
}
