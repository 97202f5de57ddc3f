package governance

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode"

	"github.com/steward-registry/steward/internal/lineage"
	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/steward"
)

// DeploymentReader reads deployments and retirements.
type DeploymentReader interface {
	// GetDeployment returns a deployment of the model by id (CodeNotFound).
	GetDeployment(ctx context.Context, modelID, id string) (*Deployment, error)
	// ListDeployments returns the deployments matching f, newest first
	// (by started_at, then id).
	ListDeployments(ctx context.Context, f DeploymentFilter) ([]*Deployment, error)
	// GetRetirement returns the retirement of a version (CodeNotFound when
	// it was not retired).
	GetRetirement(ctx context.Context, versionID string) (*Retirement, error)
	// ModelRetired returns when and why a model was retired (at nil: it
	// was not).
	ModelRetired(ctx context.Context, modelID string) (at *int64, reason string, err error)
}

// DeploymentWriter writes them.
type DeploymentWriter interface {
	// LockDeployments holds the model's deployments for the rest of the
	// transaction: concurrent writers of the same model's deployments wait,
	// so the one-champion and 100-percent rules are checked against what
	// the others committed.
	LockDeployments(ctx context.Context, modelID string) error
	CreateDeployment(ctx context.Context, d *Deployment) error
	// EndDeployment writes d's ended_at and end_reason if d is still live
	// at revision prevRevision (CodePreconditionFailed otherwise); sets
	// d.Revision.
	EndDeployment(ctx context.Context, d *Deployment, prevRevision int64) error
	// AddRetirement records a retired version (CodeAlreadyExists if it
	// was retired already).
	AddRetirement(ctx context.Context, r *Retirement) error
	// RetireModel sets the retired_at and retired_reason of the model's
	// profile, creating the profile with defaults if it has none; it
	// touches no other inventory fact.
	RetireModel(ctx context.Context, modelID string, at int64, reason, by string) error
	// SetNodeAttrs is lineage's: a deployment is also a node of the graph.
	SetNodeAttrs(ctx context.Context, id int64, attrs json.RawMessage) error
}

// DeploymentFilter selects deployments; empty fields match all.
type DeploymentFilter struct {
	ModelID     string
	VersionID   string
	Environment string
	Endpoint    *string // nil: any endpoint
	Role        string
	LiveOnly    bool
}

// Retirement is a version taken out of service for good, with the reason.
type Retirement struct {
	VersionID string `json:"version_id"`
	Model     string `json:"model"`
	Version   int64  `json:"version"`
	Reason    string `json:"reason"`
	RetiredBy string `json:"retired_by"`
	RetiredAt int64  `json:"retired_at"`
}

// DeploymentCreate is the input of RecordDeployment.
type DeploymentCreate struct {
	Version     int64  `json:"version"`
	Environment string `json:"environment"`
	Endpoint    string `json:"endpoint"`
	// Traffic is the percent of live requests it receives; omitted: 100
	// for a champion, 0 for a shadow (it sees copies), required otherwise.
	Traffic *float64 `json:"traffic"`
	Role    string   `json:"role"`
}

// DeploymentQuery filters a model's deployment list.
type DeploymentQuery struct {
	Environment string
	LiveOnly    bool
}

// Limits of a deployment's and a retirement's free text.
const (
	MaxEndpoint     = 2048
	MaxRetireReason = 4096
)

var deploymentRoles = []string{RoleChampion, RoleChallenger, RoleShadow, RoleCanary}

// normalize applies defaults to in and checks it.
func (in *DeploymentCreate) normalize() error {
	in.Role = strings.ToLower(strings.TrimSpace(in.Role))
	if in.Role == "" {
		in.Role = RoleChampion
	}
	if !slices.Contains(deploymentRoles, in.Role) {
		return steward.Errorf(steward.CodeInvalid, "role %q is not one of champion, challenger, shadow, canary", in.Role).WithDetail("field", "role")
	}
	if in.Version <= 0 {
		return steward.Errorf(steward.CodeInvalid, "version must be a positive version number of the model").WithDetail("field", "version")
	}
	if in.Environment == "" {
		in.Environment = "production"
	}
	if err := lineage.ValidateEnvironment(in.Environment); err != nil {
		return err
	}
	if err := checkFreeText("endpoint", in.Endpoint, MaxEndpoint); err != nil {
		return err
	}
	if in.Traffic == nil {
		switch in.Role {
		case RoleChampion:
			all := 100.0
			in.Traffic = &all
		case RoleShadow:
			none := 0.0
			in.Traffic = &none
		default:
			return steward.Errorf(steward.CodeInvalid, "traffic is required for a %s: the percent (0-100) of live requests it receives", in.Role).WithDetail("field", "traffic")
		}
	}
	if t := *in.Traffic; math.IsNaN(t) || t < 0 || t > 100 {
		return steward.Errorf(steward.CodeInvalid, "traffic must be a percent from 0 to 100, got %v", t).WithDetail("field", "traffic")
	}
	return nil
}

// validText checks free text: at most max bytes, no control characters.
func checkFreeText(field, s string, max int) error {
	if err := steward.ValidateValue(field, s, max); err != nil {
		return err
	}
	if strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return steward.Errorf(steward.CodeInvalid, "%s must not contain control characters", field).WithDetail("field", field)
	}
	return nil
}

// validReason checks a required reason.
func requireReason(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return "", steward.Errorf(steward.CodeInvalid, "reason is required: say why, for the history and the audit log").WithDetail("field", "reason")
	}
	if err := steward.ValidateValue("reason", reason, MaxRetireReason); err != nil {
		return "", err
	}
	return reason, nil
}

// RecordDeployment records that a version of model runs in an environment.
// A new champion replaces the live champion of the same environment and
// endpoint (ended in the same transaction); the live traffic of one
// environment and endpoint may not exceed 100 percent (shadows receive
// copies and do not count).
func (s *Service) RecordDeployment(ctx context.Context, model string, in DeploymentCreate) (*Deployment, error) {
	if err := in.normalize(); err != nil {
		return nil, err
	}
	if err := s.allowModel(ctx, steward.PermModelStage, model); err != nil {
		return nil, err
	}
	var out *Deployment
	err := s.store.Update(ctx, func(r Repo) error {
		m, err := r.GetModel(ctx, model)
		if err != nil {
			return err
		}
		v, err := r.GetVersion(ctx, model, in.Version)
		if err != nil {
			return err
		}
		out, err = s.startDeployment(ctx, r, m, v, in, "")
		return err
	})
	return out, err
}

// startDeployment writes a deployment of v inside r: it ends the champion it
// replaces, checks the traffic, records the lineage node and emits
// deployment.create. why, if set, is the reason of the replaced champion's
// end (rollback gives its own).
func (s *Service) startDeployment(ctx context.Context, r Repo, m *registry.Model, v *registry.Version, in DeploymentCreate, why string) (*Deployment, error) {
	if err := r.LockDeployments(ctx, m.ID); err != nil {
		return nil, err
	}
	if ret, err := r.GetRetirement(ctx, v.ID); err == nil {
		return nil, steward.Errorf(steward.CodeConflict, "version %d of %q was retired (%s); retired versions cannot be deployed", v.Version, m.Name, ret.Reason).WithDetail("field", "version")
	} else if !steward.IsCode(err, steward.CodeNotFound) {
		return nil, err
	}
	now := s.millis()
	d := &Deployment{ID: steward.NewID(), ModelID: m.ID, ModelName: m.Name, VersionID: v.ID, Version: v.Version,
		Environment: in.Environment, Endpoint: in.Endpoint, Traffic: *in.Traffic, Role: in.Role, StartedAt: now, CreatedBy: actor(ctx)}
	live, err := r.ListDeployments(ctx, DeploymentFilter{ModelID: m.ID, Environment: in.Environment, Endpoint: &in.Endpoint, LiveOnly: true})
	if err != nil {
		return nil, err
	}
	total := d.Traffic
	if d.Role == RoleShadow {
		total = 0
	}
	for _, o := range live {
		if d.Role == RoleChampion && o.Role == RoleChampion {
			reason := why
			if reason == "" {
				reason = fmt.Sprintf("replaced by version %d (deployment %s)", v.Version, d.ID)
			}
			if err := s.endDeployment(ctx, r, o, reason); err != nil {
				return nil, err
			}
			continue
		}
		if o.Role != RoleShadow {
			total += o.Traffic
		}
	}
	if total > 100+1e-9 {
		return nil, steward.Errorf(steward.CodeConflict, "live traffic on %s %s would be %g%%; the live deployments there already take %g%%, so give this one at most %g%% or end one first",
			d.Environment, endpointName(d.Endpoint), total, total-d.Traffic, 100-(total-d.Traffic)).WithDetail("field", "traffic")
	}
	if err := r.CreateDeployment(ctx, d); err != nil {
		return nil, err
	}
	rec := lineage.DeploymentRecord{Name: d.ID, Environment: d.Environment, Model: m.Name, Version: v.Version, Endpoint: d.Endpoint}
	if _, _, _, err := lineage.RecordDeploymentIn(ctx, r, now, rec, lineage.VersionRef{ID: v.ID, Model: m.Name, Version: v.Version, RunID: v.RunID}); err != nil {
		return nil, err
	}
	return d, s.emit(ctx, r, "deployment.create", "deployment", d.ID, nil, d)
}

func endpointName(e string) string {
	if e == "" {
		return "(default endpoint)"
	}
	return e
}

// endDeployment ends a live deployment inside r with its event.
func (s *Service) endDeployment(ctx context.Context, r Repo, d *Deployment, reason string) error {
	before := *d
	now := s.millis()
	d.EndedAt, d.EndReason = &now, reason
	if err := r.EndDeployment(ctx, d, before.Revision); err != nil {
		return err
	}
	if err := lineage.EndDeploymentIn(ctx, r, now, d.ID); err != nil {
		return err
	}
	return s.emit(ctx, r, "deployment.end", "deployment", d.ID, &before, d)
}

// EndDeployment ends a live deployment of model with a reason.
func (s *Service) EndDeployment(ctx context.Context, model, id, reason string) (*Deployment, error) {
	reason, err := requireReason(reason)
	if err != nil {
		return nil, err
	}
	if err := s.allowModel(ctx, steward.PermModelStage, model); err != nil {
		return nil, err
	}
	var out *Deployment
	err = s.store.Update(ctx, func(r Repo) error {
		m, err := r.GetModel(ctx, model)
		if err != nil {
			return err
		}
		d, err := r.GetDeployment(ctx, m.ID, id)
		if err != nil {
			return err
		}
		if d.EndedAt != nil {
			return steward.Errorf(steward.CodeConflict, "deployment %s ended already (%s)", id, d.EndReason)
		}
		out = d
		return s.endDeployment(ctx, r, d, reason)
	})
	return out, err
}

// GetDeployment returns one deployment of model.
func (s *Service) GetDeployment(ctx context.Context, model, id string) (*Deployment, error) {
	m, err := s.lookupModelRead(ctx, model)
	if err != nil {
		return nil, err
	}
	return s.store.GetDeployment(ctx, m.ID, id)
}

// ListDeployments returns model's deployments, newest first.
func (s *Service) ListDeployments(ctx context.Context, model string, q DeploymentQuery) ([]*Deployment, error) {
	if q.Environment != "" {
		if err := lineage.ValidateEnvironment(q.Environment); err != nil {
			return nil, err
		}
	}
	m, err := s.lookupModelRead(ctx, model)
	if err != nil {
		return nil, err
	}
	out, err := s.store.ListDeployments(ctx, DeploymentFilter{ModelID: m.ID, Environment: q.Environment, LiveOnly: q.LiveOnly})
	if out == nil {
		out = []*Deployment{}
	}
	return out, err
}

// readModel authorizes model.read on model and returns it.
func (s *Service) lookupModelRead(ctx context.Context, model string) (*registry.Model, error) {
	if err := s.allowModel(ctx, steward.PermModelRead, model); err != nil {
		return nil, err
	}
	return s.registry.GetModel(ctx, model)
}
