package audit

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/steward-registry/steward/internal/events"
	"github.com/steward-registry/steward/internal/steward"
)

// Filter selects events of the audit log. Empty fields match everything;
// Since and Until are ms since epoch (inclusive, exclusive).
type Filter struct {
	Workspace  string
	ActorID    string
	ObjectType string
	ObjectID   string
	Action     string
	Outcome    string
	Since      int64
	Until      int64
	AfterSeq   int64
	Limit      int
}

// Store is what the audit service needs from the database. Methods return
// *steward.Error with CodeNotFound for a missing event.
type Store interface {
	// ListAuditEvents returns events matching f across workspaces, by seq.
	ListAuditEvents(ctx context.Context, f Filter) ([]*events.Event, error)
	ChainReader
	// EventBySeq returns one event.
	EventBySeq(ctx context.Context, seq int64) (*events.Event, error)
	// AddCheckpoint stores cp unless one of its size exists; it reports
	// whether it stored it.
	AddCheckpoint(ctx context.Context, cp Checkpoint) (bool, error)
	// MarkPublished records when checkpoint size was copied outside.
	MarkPublished(ctx context.Context, size, at int64) error
	// RecordEvent appends one event in its own transaction.
	RecordEvent(ctx context.Context, e *events.Event) error
	// Seal gives every event committed before the call its place in the
	// chain (events may be committed before they are sealed; see
	// docs/audit.md, section 5).
	Seal(ctx context.Context) error
}

// Service reads, exports and verifies the audit log and makes checkpoints.
type Service struct {
	store      Store
	authz      steward.Authorizer
	key        *Key
	trusted    note.Verifiers
	publishers []Publisher
	now        steward.Clock
	log        *slog.Logger
}

// Options configure a Service.
type Options struct {
	// Key signs checkpoints; nil means this service cannot make them.
	Key *Key
	// Trusted are extra verifier keys accepted besides Key's (checkpoints
	// signed by an earlier key, or by other replicas' keys).
	Trusted []string
	// Publishers copy each checkpoint outside the database.
	Publishers []Publisher
	Authz      steward.Authorizer
	Now        steward.Clock
	Log        *slog.Logger
}

// NewService returns the audit service over store.
func NewService(store Store, o Options) (*Service, error) {
	s := &Service{store: store, authz: o.Authz, key: o.Key, publishers: o.Publishers, now: o.Now, log: o.Log}
	if s.authz == nil {
		s.authz = steward.AllowAll{}
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	keys := o.Trusted
	if o.Key != nil {
		keys = append([]string{o.Key.VerifierKey}, keys...)
	}
	if len(keys) > 0 {
		v, _, err := ParseVerifierKeys(keys)
		if err != nil {
			return nil, err
		}
		s.trusted = v
	}
	return s, nil
}

// allow checks the caller may read the audit log of workspace, or, with
// workspace "", of every workspace: the whole chain (export, verify,
// checkpoints, proofs) spans all of them, so only a global audit.read
// binding grants it.
func (s *Service) allow(ctx context.Context, workspace string) error {
	return s.authz.Authorize(ctx, steward.PermAuditRead, steward.Resource{Type: "audit", Workspace: workspace})
}

// VerifierKey is the public key checkpoints are signed with ("" if none).
func (s *Service) VerifierKey() string {
	if s.key == nil {
		return ""
	}
	return s.key.VerifierKey
}

// Log lists events across workspaces, oldest first, a page at a time.
func (s *Service) Log(ctx context.Context, f Filter, page steward.PageRequest) ([]*events.Event, string, error) {
	if err := s.allow(ctx, f.Workspace); err != nil {
		return nil, "", err
	}
	limit, err := page.Limit()
	if err != nil {
		return nil, "", err
	}
	if f.Since != 0 && f.Until != 0 && f.Until <= f.Since {
		return nil, "", steward.Errorf(steward.CodeInvalid, "until must be after since")
	}
	if f.Outcome != "" && f.Outcome != events.OutcomeSuccess && f.Outcome != events.OutcomeDenied && f.Outcome != events.OutcomeFailed {
		return nil, "", steward.Errorf(steward.CodeInvalid, "outcome must be success, denied or failed, got %q", f.Outcome)
	}
	query := fmt.Sprintf("audit|%s|%s|%s|%s|%s|%s|%d|%d", f.Workspace, f.ActorID, f.ObjectType, f.ObjectID, f.Action, f.Outcome, f.Since, f.Until)
	after, err := steward.DecodePageToken(page.Token, query, 1)
	if err != nil {
		return nil, "", err
	}
	if after != nil {
		if f.AfterSeq, err = strconv.ParseInt(after[0], 10, 64); err != nil {
			return nil, "", steward.Errorf(steward.CodeInvalid, "page_token is not valid")
		}
	}
	f.Limit = limit + 1
	evs, err := s.store.ListAuditEvents(ctx, f)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(evs) > limit {
		evs = evs[:limit]
		next = steward.EncodePageToken(query, strconv.FormatInt(evs[limit-1].Seq, 10))
	}
	return evs, next, nil
}

// Checkpoints lists the checkpoints stored in the database.
func (s *Service) Checkpoints(ctx context.Context) ([]Checkpoint, error) {
	if err := s.allow(ctx, ""); err != nil {
		return nil, err
	}
	return s.store.Checkpoints(ctx)
}

// Checkpoint signs and stores a checkpoint of the log as it is now, unless
// the latest checkpoint already covers it, and publishes what is pending.
// It returns the latest checkpoint (nil when the log is empty).
func (s *Service) Checkpoint(ctx context.Context) (*Checkpoint, error) {
	if err := s.allow(ctx, ""); err != nil {
		return nil, err
	}
	return s.checkpoint(ctx, 1)
}

// checkpoint makes a checkpoint when at least minNew events are not yet
// covered by the latest one.
func (s *Service) checkpoint(ctx context.Context, minNew int64) (*Checkpoint, error) {
	cps, err := s.store.Checkpoints(ctx)
	if err != nil {
		return nil, err
	}
	var latest *Checkpoint
	if len(cps) > 0 {
		latest = &cps[len(cps)-1]
	}
	// Sign what has been committed until now, not what happens to be
	// sealed: a checkpoint on demand must cover the change just made.
	if err := s.store.Seal(ctx); err != nil {
		return nil, err
	}
	size, err := s.store.ChainSize(ctx)
	if err != nil {
		return nil, err
	}
	covered := int64(0)
	if latest != nil {
		covered = latest.Size
	}
	if size > covered && size-covered >= minNew {
		if s.key == nil {
			return nil, steward.Errorf(steward.CodeConflict, "this server has no audit signing key")
		}
		root, err := tlog.TreeHash(size, s.store.TreeHashes(ctx))
		if err != nil {
			return nil, fmt.Errorf("tree root at %d: %w", size, err)
		}
		cp, err := SignCheckpoint(s.key.Signer, size, root, s.now())
		if err != nil {
			return nil, err
		}
		if _, err := s.store.AddCheckpoint(ctx, cp); err != nil {
			return nil, err
		}
		if cps, err = s.store.Checkpoints(ctx); err != nil {
			return nil, err
		}
		latest = &cps[len(cps)-1]
		s.log.Debug("audit checkpoint", "size", cp.Size, "root", cp.Root)
	}
	s.publish(ctx, cps)
	return latest, nil
}

// publish copies checkpoints not yet published outside. A failure is
// logged and retried on the next round: the checkpoint is safe in the
// database meanwhile.
func (s *Service) publish(ctx context.Context, cps []Checkpoint) {
	if len(s.publishers) == 0 {
		return
	}
	for _, cp := range cps {
		if cp.Published != 0 {
			continue
		}
		ok := true
		for _, p := range s.publishers {
			if err := p.Publish(ctx, cp); err != nil {
				ok = false
				s.log.Warn("could not publish audit checkpoint; will retry", "size", cp.Size, "to", p.String(), "err", err)
			}
		}
		if ok {
			if err := s.store.MarkPublished(ctx, cp.Size, s.now().UnixMilli()); err != nil {
				s.log.Warn("could not mark audit checkpoint published", "size", cp.Size, "err", err)
			}
		}
	}
}

// RunCheckpoints makes a checkpoint whenever every events have accumulated
// or interval has passed with new events, until ctx ends; then it makes a
// last one so a clean shutdown leaves the whole log covered. It is the
// background job the server owns.
func (s *Service) RunCheckpoints(ctx context.Context, every int64, interval time.Duration) {
	if s.key == nil {
		return
	}
	ctx = steward.WithPrincipal(ctx, steward.System)
	poll := min(interval, time.Second)
	if poll <= 0 {
		poll = time.Second
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	lastAt := s.now()
	round := func(ctx context.Context, force bool) {
		minNew := max(every, 1)
		if force || (interval > 0 && s.now().Sub(lastAt) >= interval) {
			minNew = 1
		}
		cp, err := s.checkpoint(ctx, minNew)
		if err != nil {
			s.log.Warn("audit checkpoint failed; will retry", "err", err)
			return
		}
		if cp != nil && time.UnixMilli(cp.Time).After(lastAt) {
			lastAt = time.UnixMilli(cp.Time)
		}
		if minNew == 1 {
			lastAt = s.now()
		}
	}
	round(ctx, false)
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			round(fctx, true)
			cancel()
			return
		case <-t.C:
			round(ctx, false)
		}
	}
}
