package governance

import (
	"context"
	"fmt"

	"github.com/steward-registry/steward/internal/auth"
	"github.com/steward-registry/steward/internal/steward"
)

// MaxJustification bounds a justification or comment, in bytes.
const MaxJustification = 8 << 10

// RequestInput asks for a move: Stage or Alias, and why.
type RequestInput struct {
	Stage         string `json:"stage"`
	Alias         string `json:"alias"`
	Justification string `json:"justification"`
}

// target returns the move the input asks for.
func (in RequestInput) target() (string, string, error) {
	switch {
	case in.Stage != "" && in.Alias != "":
		return "", "", steward.Errorf(steward.CodeInvalid, "give either stage or alias, not both").WithDetail("field", "stage")
	case in.Alias != "":
		return parseTarget(MoveAlias, in.Alias)
	}
	return parseTarget(MoveStage, in.Stage)
}

// RequestApproval opens an approval request for moving a version, bound to
// the version's manifest digest now.
func (s *Service) RequestApproval(ctx context.Context, model string, version int64, in RequestInput) (*Request, error) {
	kind, target, err := in.target()
	if err != nil {
		return nil, err
	}
	if in.Justification == "" {
		return nil, steward.Errorf(steward.CodeInvalid, "justification is required: say why this version should move to %s", target).WithDetail("field", "justification")
	}
	if err := steward.ValidateValue("justification", in.Justification, MaxJustification); err != nil {
		return nil, err
	}
	if err := s.allowModel(ctx, steward.PermModelWrite, model); err != nil {
		return nil, err
	}
	var out *Request
	err = s.store.Update(ctx, func(r Repo) error {
		m, v, err := versionIn(ctx, r, model, version)
		if err != nil {
			return err
		}
		pol, tier, err := policyOf(ctx, r, m.ID)
		if err != nil {
			return err
		}
		if !pol.guards(kind, target) || pol.Approvers == 0 {
			return steward.Errorf(steward.CodeConflict, "the %s-risk policy needs no approval to move %q to %s: move it directly", tierName(tier), model, target)
		}
		open, err := r.ListRequests(ctx, RequestFilter{VersionID: v.ID, Kind: kind, Target: target, Open: true})
		if err != nil {
			return err
		}
		for _, o := range open {
			if o.ManifestDigest == v.ManifestDigest {
				return steward.Errorf(steward.CodeAlreadyExists, "request %s for version %d → %s is already %s", o.ID, version, target, o.Status).WithDetail("request_id", o.ID)
			}
		}
		now := s.millis()
		out = &Request{ID: steward.NewID(), ModelID: m.ID, ModelName: m.Name, VersionID: v.ID, Version: v.Version, Kind: kind, Target: target,
			ManifestDigest: v.ManifestDigest, Justification: in.Justification, Status: RequestPending, RequestedBy: actor(ctx),
			CreatedAt: now, UpdatedAt: now, Decisions: []*Decision{}, Revision: 1}
		if err := r.CreateRequest(ctx, out); err != nil {
			return err
		}
		return s.emit(ctx, r, "approval.request", "approval_request", out.ID, nil, out)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GetRequest returns one approval request with its decisions.
func (s *Service) GetRequest(ctx context.Context, id string) (*Request, error) {
	req, err := s.store.GetRequest(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.allowModel(ctx, steward.PermModelRead, req.ModelName); err != nil {
		return nil, notFoundRequest(id)
	}
	return req, nil
}

func notFoundRequest(id string) error {
	return steward.Errorf(steward.CodeNotFound, "approval request %q does not exist", id)
}

// ListRequests lists approval requests of models the caller may read,
// newest first.
func (s *Service) ListRequests(ctx context.Context, f RequestFilter) ([]*Request, error) {
	if f.Status != "" {
		switch f.Status {
		case RequestPending, RequestApproved, RequestRejected, RequestApplied, RequestWithdrawn:
		default:
			return nil, steward.Errorf(steward.CodeInvalid, "status %q is not one of pending, approved, rejected, applied, withdrawn", f.Status).WithDetail("field", "status")
		}
	}
	if f.Limit <= 0 || f.Limit > steward.MaxPageSize {
		f.Limit = steward.MaxPageSize
	}
	if err := s.allowWorkspace(ctx, steward.PermModelRead, "approval_request"); err != nil {
		return nil, err
	}
	all, err := s.store.ListRequests(ctx, f)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, r := range all {
		if s.allowModel(ctx, steward.PermModelRead, r.ModelName) == nil {
			out = append(out, r)
		}
	}
	return out, nil
}

// Decide records one approver's approve (approve true) or reject. The
// approver may not be the requester, nor (when the policy asks for
// independence) an author of the version; the version's artifacts must
// still be the ones the request was made for.
func (s *Service) Decide(ctx context.Context, id string, approve bool, comment string) (*Request, error) {
	if err := steward.ValidateValue("comment", comment, MaxJustification); err != nil {
		return nil, err
	}
	if !approve && comment == "" {
		return nil, steward.Errorf(steward.CodeInvalid, "a rejection needs a comment saying why").WithDetail("field", "comment")
	}
	cur, err := s.GetRequest(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.allowModel(ctx, steward.PermModelStage, cur.ModelName); err != nil {
		return nil, err
	}
	var out *Request
	err = s.store.Update(ctx, func(r Repo) error {
		req, err := r.GetRequest(ctx, id)
		if err != nil {
			return err
		}
		if req.Status != RequestPending && req.Status != RequestApproved {
			return steward.Errorf(steward.CodeConflict, "request %s is %s: it can no longer be decided", id, req.Status)
		}
		v, err := r.GetVersion(ctx, req.ModelName, req.Version)
		if err != nil {
			return err
		}
		if v.ManifestDigest != req.ManifestDigest {
			return steward.Errorf(steward.CodeConflict, "version %d's artifacts changed since request %s was made (%s, now %s): the request is stale; withdraw it and request again",
				v.Version, id, short(req.ManifestDigest), short(v.ManifestDigest)).WithDetail("rule", "stale_digest")
		}
		verb := "approve"
		if !approve {
			verb = "reject"
		}
		if err := auth.RequireIndependent(ctx, verb+" the request for", req.RequestedBy); err != nil {
			return err
		}
		m, err := r.GetModel(ctx, req.ModelName)
		if err != nil {
			return err
		}
		pol, _, err := policyOf(ctx, r, m.ID)
		if err != nil {
			return err
		}
		var authors []string
		if pol.IndependentApprovers {
			if authors, err = r.VersionAuthors(ctx, v.ID); err != nil {
				return err
			}
			if err := auth.RequireIndependent(ctx, verb+" a move of", authors...); err != nil {
				return err
			}
		}
		for _, d := range req.Decisions {
			if d.Approver == actor(ctx) {
				return steward.Errorf(steward.CodeAlreadyExists, "you already decided on request %s (%s)", id, d.Decision)
			}
		}
		before := *req
		d := &Decision{Approver: actor(ctx), Decision: verb, Comment: comment, ManifestDigest: v.ManifestDigest, CreatedAt: s.millis()}
		if err := r.AddDecision(ctx, id, d); err != nil {
			return err
		}
		req.Decisions = append(req.Decisions, d)
		if !approve {
			req.Status = RequestRejected
		} else if n, _ := countApprovals(req, v.ManifestDigest, authors); n >= pol.Approvers {
			req.Status = RequestApproved
		}
		req.UpdatedAt = d.CreatedAt
		// The revision check makes concurrent decisions on one request
		// serialize: the loser's transaction runs again on fresh reads.
		if err := r.UpdateRequest(ctx, req, before.Revision); err != nil {
			return err
		}
		out = req
		return s.emit(ctx, r, "approval."+verb, "approval_request", id, &before, req)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Withdraw closes a pending or approved request; only its requester (or a
// model manager) may.
func (s *Service) Withdraw(ctx context.Context, id string) (*Request, error) {
	cur, err := s.GetRequest(ctx, id)
	if err != nil {
		return nil, err
	}
	if cur.RequestedBy != actor(ctx) {
		if err := s.allowModel(ctx, steward.PermModelManage, cur.ModelName); err != nil {
			return nil, steward.Errorf(steward.CodePermissionDenied, "only %s (who requested it) or a model manager may withdraw request %s", cur.RequestedBy, id)
		}
	}
	var out *Request
	err = s.store.Update(ctx, func(r Repo) error {
		req, err := r.GetRequest(ctx, id)
		if err != nil {
			return err
		}
		if req.Status != RequestPending && req.Status != RequestApproved {
			return steward.Errorf(steward.CodeConflict, "request %s is %s: only pending or approved requests can be withdrawn", id, req.Status)
		}
		before := *req
		req.Status, req.UpdatedAt = RequestWithdrawn, s.millis()
		if err := r.UpdateRequest(ctx, req, before.Revision); err != nil {
			return err
		}
		out = req
		return s.emit(ctx, r, "approval.withdraw", "approval_request", id, &before, req)
	})
	return out, err
}

// String names a request for messages.
func (r *Request) String() string {
	return fmt.Sprintf("%s (version %d of %s → %s)", r.ID, r.Version, r.ModelName, r.Target)
}
