// Package events defines the domain event every mutation writes in the same
// transaction as the change. The audit log (hash chain, checkpoints) and
// webhooks build on these rows; the write seam guarantees there is exactly one
// per committed change.
package events

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/steward-registry/steward/internal/steward"
)

// Outcomes of the action an event records.
const (
	OutcomeSuccess = "success" // the change committed (the default)
	OutcomeDenied  = "denied"  // authorization refused the request
	OutcomeFailed  = "failed"  // e.g. a failed login
)

// Event is one committed change, or one recorded attempt or access.
//
// The fields from Seq to Changed are what the audit chain covers (see
// internal/audit and docs/audit.md); Before and After are covered through
// their digests. Leaf and Hash are set when the event is appended: its
// position in the chain (0-based, gap-free) and its chain hash.
type Event struct {
	Seq        int64  `json:"seq"`
	Workspace  string `json:"workspace"`
	Time       int64  `json:"time"` // ms since epoch
	ActorID    string `json:"actor_id"`
	ActorKind  string `json:"actor_kind"`
	AuthMethod string `json:"auth_method,omitempty"`
	RequestID  string `json:"request_id,omitempty"`
	RemoteIP   string `json:"remote_ip,omitempty"`
	UserAgent  string `json:"user_agent,omitempty"`
	Action     string `json:"action"` // e.g. "model.create"
	ObjectType string `json:"object_type"`
	ObjectID   string `json:"object_id"`
	Outcome    string `json:"outcome"`
	// BeforeDigest and AfterDigest are Digest of the canonical images.
	BeforeDigest string `json:"before_digest,omitempty"`
	AfterDigest  string `json:"after_digest,omitempty"`
	// Changed lists the top-level fields that differ (ChangedFields).
	Changed []string        `json:"changed,omitempty"`
	Before  json.RawMessage `json:"before,omitempty"`
	After   json.RawMessage `json:"after,omitempty"`
	Leaf    int64           `json:"leaf"`
	Hash    []byte          `json:"hash,omitempty"`
}

// Complete fills what the store derives before appending: the default
// outcome, and the canonical images with their digests and changed fields
// (unless New already did). It is idempotent.
func (e *Event) Complete() error {
	switch e.Outcome {
	case "":
		e.Outcome = OutcomeSuccess
	case OutcomeSuccess, OutcomeDenied, OutcomeFailed:
	default:
		return fmt.Errorf("event outcome %q: want success, denied or failed", e.Outcome)
	}
	if (len(e.Before) > 0) == (e.BeforeDigest != "") && (len(e.After) > 0) == (e.AfterDigest != "") {
		return nil
	}
	var err error
	if len(e.Before) > 0 {
		if e.Before, err = Canonical(e.Before); err != nil {
			return err
		}
	}
	if len(e.After) > 0 {
		if e.After, err = Canonical(e.After); err != nil {
			return err
		}
	}
	e.BeforeDigest, e.AfterDigest = Digest(e.Before), Digest(e.After)
	e.Changed = ChangedFields(e.Before, e.After)
	return nil
}

// Appender writes an event inside the caller's transaction.
type Appender interface {
	AppendEvent(ctx context.Context, e *Event) error
}

// New builds an event for a change made by the principal in ctx. before and
// after are marshalled to JSON (nil stays empty: create has no before, delete
// no after).
func New(ctx context.Context, now time.Time, action, objectType, objectID string, before, after any) (*Event, error) {
	p, ok := steward.PrincipalFrom(ctx)
	if !ok {
		return nil, steward.Errorf(steward.CodeUnauthenticated, "no principal in request context")
	}
	ri := steward.RequestInfoFrom(ctx)
	e := &Event{
		Workspace:  steward.WorkspaceFrom(ctx),
		Time:       steward.Millis(now),
		ActorID:    p.ID,
		ActorKind:  string(p.Kind),
		AuthMethod: p.AuthMethod,
		RequestID:  ri.RequestID,
		RemoteIP:   ri.RemoteIP,
		UserAgent:  ri.UserAgent,
		Action:     action,
		ObjectType: objectType,
		ObjectID:   objectID,
	}
	var err error
	if e.Before, err = marshal(before); err != nil {
		return nil, err
	}
	if e.After, err = marshal(after); err != nil {
		return nil, err
	}
	if err := e.Complete(); err != nil {
		return nil, err
	}
	return e, nil
}

func marshal(v any) (json.RawMessage, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("marshal event state: %w", err)
	}
	if string(b) == "null" {
		return nil, nil
	}
	return b, nil
}

// Filter selects events to list.
type Filter struct {
	ObjectType string
	ObjectID   string
	Action     string
	ActorID    string
	AfterSeq   int64
	Limit      int
}
