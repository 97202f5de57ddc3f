package tracking

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/steward-registry/steward/internal/events"
	"github.com/steward-registry/steward/internal/steward"
)

// Service is the only way to change tracking data: it authorizes, validates
// and writes each change with its event in one transaction.
type Service struct {
	store Store
	authz steward.Authorizer
	now   steward.Clock
	// ArtifactRoot builds a run's artifact URI from experiment and run ids.
	ArtifactRoot func(expID, runID string) string
}

// NewService returns a tracking service.
func NewService(store Store, authz steward.Authorizer, now steward.Clock) *Service {
	if now == nil {
		now = time.Now
	}
	if authz == nil {
		authz = steward.AllowAll{}
	}
	return &Service{store: store, authz: authz, now: now, ArtifactRoot: func(e, r string) string {
		return fmt.Sprintf("mlflow-artifacts:/%s/%s/artifacts", e, r)
	}}
}

// allow checks perm on an experiment or run (id "" means any: lists and
// creates). Experiments and runs are governed per workspace; a caller who
// may not read them gets the same not-found error as for a missing one.
func (s *Service) allow(ctx context.Context, perm steward.Permission, typ, id string) error {
	res := steward.Resource{Type: typ, Name: id, Workspace: steward.WorkspaceFrom(ctx)}
	if id != "" {
		res.Missing = fmt.Sprintf("%s %q does not exist", typ, id)
	}
	return s.authz.Authorize(ctx, perm, res)
}

func (s *Service) emit(ctx context.Context, r Repo, action, typ, id string, before, after any) error {
	e, err := events.New(ctx, s.now(), action, typ, id, before, after)
	if err != nil {
		return err
	}
	return r.AppendEvent(ctx, e)
}

func (s *Service) millis() int64 { return steward.Millis(s.now()) }

// --- experiments ---

// CreateExperiment creates an experiment with a unique name.
func (s *Service) CreateExperiment(ctx context.Context, name, artifactLocation string, tags map[string]string) (*Experiment, error) {
	if err := steward.ValidateName("experiment name", name); err != nil {
		return nil, err
	}
	if err := validateTags(tags); err != nil {
		return nil, err
	}
	if err := steward.ValidateValue("artifact_location", artifactLocation, 2048); err != nil {
		return nil, err
	}
	if err := s.allow(ctx, steward.PermExperimentWrite, "experiment", ""); err != nil {
		return nil, err
	}
	now := s.millis()
	e := &Experiment{Workspace: steward.WorkspaceFrom(ctx), Name: name, ArtifactLocation: artifactLocation,
		LifecycleStage: StageActive, Tags: map[string]string{}, CreatedAt: now, UpdatedAt: now, Revision: 1}
	if artifactLocation == "" {
		// The default location names the id the database assigns, so the
		// row is inserted at revision 0 and the update below makes it 1.
		e.Revision = 0
	}
	err := s.store.Update(ctx, func(r Repo) error {
		if err := r.CreateExperiment(ctx, e); err != nil {
			return err
		}
		if e.ArtifactLocation == "" {
			e.ArtifactLocation = "mlflow-artifacts:/" + e.ID
			if err := r.UpdateExperiment(ctx, e, e.Revision); err != nil {
				return err
			}
		}
		for k, v := range tags {
			if err := r.SetExperimentTag(ctx, e.ID, k, v); err != nil {
				return err
			}
			e.Tags[k] = v
		}
		return s.emit(ctx, r, "experiment.create", "experiment", e.ID, nil, e)
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// GetExperiment returns an experiment by id.
func (s *Service) GetExperiment(ctx context.Context, id string) (*Experiment, error) {
	if err := s.allow(ctx, steward.PermExperimentRead, "experiment", id); err != nil {
		return nil, err
	}
	return s.store.GetExperiment(ctx, id)
}

// GetExperimentByName returns an experiment by name.
func (s *Service) GetExperimentByName(ctx context.Context, name string) (*Experiment, error) {
	if err := s.allow(ctx, steward.PermExperimentRead, "experiment", ""); err != nil {
		return nil, err
	}
	return s.store.GetExperimentByName(ctx, name)
}

// ListExperiments lists experiments by id.
func (s *Service) ListExperiments(ctx context.Context, f ExperimentFilter, page steward.PageRequest) ([]*Experiment, string, error) {
	if err := s.allow(ctx, steward.PermExperimentRead, "experiment", ""); err != nil {
		return nil, "", err
	}
	return s.store.ListExperiments(ctx, f, page)
}

// RenameExperiment changes an experiment's name.
func (s *Service) RenameExperiment(ctx context.Context, id, name string, ifRevision int64) (*Experiment, error) {
	if err := steward.ValidateName("experiment name", name); err != nil {
		return nil, err
	}
	return s.changeExperiment(ctx, id, ifRevision, "experiment.update", func(e *Experiment) error {
		e.Name = name
		return nil
	})
}

// DeleteExperiment soft-deletes an experiment (restorable).
func (s *Service) DeleteExperiment(ctx context.Context, id string, ifRevision int64) (*Experiment, error) {
	if id == DefaultExperimentID {
		return nil, steward.Errorf(steward.CodeInvalid, "the default experiment cannot be deleted")
	}
	return s.changeExperiment(ctx, id, ifRevision, "experiment.delete", func(e *Experiment) error {
		e.LifecycleStage = StageDeleted
		return nil
	})
}

// RestoreExperiment undoes a soft delete.
func (s *Service) RestoreExperiment(ctx context.Context, id string, ifRevision int64) (*Experiment, error) {
	return s.changeExperiment(ctx, id, ifRevision, "experiment.restore", func(e *Experiment) error {
		e.LifecycleStage = StageActive
		return nil
	})
}

// SetExperimentTag sets one tag on an experiment.
func (s *Service) SetExperimentTag(ctx context.Context, id, key, value string) (*Experiment, error) {
	if err := steward.ValidateKey("tag key", key); err != nil {
		return nil, err
	}
	if err := steward.ValidateValue("tag value", value, MaxTagValue); err != nil {
		return nil, err
	}
	return s.changeExperiment(ctx, id, 0, "experiment.tag.set", func(e *Experiment) error {
		e.Tags = cloneMap(e.Tags)
		e.Tags[key] = value
		return nil
	})
}

func (s *Service) changeExperiment(ctx context.Context, id string, ifRevision int64, action string, change func(*Experiment) error) (*Experiment, error) {
	if err := s.allow(ctx, steward.PermExperimentWrite, "experiment", id); err != nil {
		return nil, err
	}
	var out *Experiment
	err := s.store.Update(ctx, func(r Repo) error {
		cur, err := r.GetExperiment(ctx, id)
		if err != nil {
			return err
		}
		if ifRevision != 0 && ifRevision != cur.Revision {
			return steward.Errorf(steward.CodePreconditionFailed, "experiment %s was changed since you read it (now at revision %d, you sent %d): read it again and retry", id, cur.Revision, ifRevision)
		}
		next := *cur
		if err := change(&next); err != nil {
			return err
		}
		next.UpdatedAt = s.millis()
		if err := r.UpdateExperiment(ctx, &next, cur.Revision); err != nil {
			return err
		}
		for k, v := range next.Tags {
			if cur.Tags[k] != v {
				if err := r.SetExperimentTag(ctx, id, k, v); err != nil {
					return err
				}
			}
		}
		out = &next
		return s.emit(ctx, r, action, "experiment", id, cur, &next)
	})
	return out, err
}

func validateTags(tags map[string]string) error {
	for k, v := range tags {
		if err := steward.ValidateKey("tag key", k); err != nil {
			return err
		}
		if err := steward.ValidateValue("tag value", v, MaxTagValue); err != nil {
			return err
		}
	}
	return nil
}

func cloneMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}

func validStatus(s string) error {
	if !slices.Contains(runStatuses, s) {
		return steward.Errorf(steward.CodeInvalid, "run status %q is not one of RUNNING, SCHEDULED, FINISHED, FAILED, KILLED", s).WithDetail("field", "status")
	}
	return nil
}
