package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"net/url"
)

// AuditEvent is one entry of the audit log: a change, a denied attempt, a
// failed login or a recorded read, with its place in the hash chain.
type AuditEvent struct {
	Seq          int64           `json:"seq"`
	Workspace    string          `json:"workspace"`
	Time         int64           `json:"time"` // ms since epoch
	ActorID      string          `json:"actor_id"`
	ActorKind    string          `json:"actor_kind"`
	AuthMethod   string          `json:"auth_method,omitempty"`
	RequestID    string          `json:"request_id,omitempty"`
	RemoteIP     string          `json:"remote_ip,omitempty"`
	UserAgent    string          `json:"user_agent,omitempty"`
	Action       string          `json:"action"`
	ObjectType   string          `json:"object_type"`
	ObjectID     string          `json:"object_id"`
	Outcome      string          `json:"outcome"`
	BeforeDigest string          `json:"before_digest,omitempty"`
	AfterDigest  string          `json:"after_digest,omitempty"`
	Changed      []string        `json:"changed,omitempty"`
	Before       json.RawMessage `json:"before,omitempty"`
	After        json.RawMessage `json:"after,omitempty"`
	Leaf         int64           `json:"leaf"`
	Hash         []byte          `json:"hash,omitempty"`
}

// AuditFilter selects audit events; empty fields match everything. Since
// and Until are RFC 3339 times or ms since the epoch.
type AuditFilter struct {
	Workspace, Actor, ObjectType, ObjectID, Action, Outcome string
	Since, Until                                            string
}

type auditEventList struct {
	Events        []*AuditEvent `json:"events"`
	NextPageToken string        `json:"next_page_token"`
}

func (f AuditFilter) values() url.Values {
	q := url.Values{}
	setIf(q, "workspace", f.Workspace)
	setIf(q, "actor", f.Actor)
	setIf(q, "object_type", f.ObjectType)
	setIf(q, "object_id", f.ObjectID)
	setIf(q, "action", f.Action)
	setIf(q, "outcome", f.Outcome)
	setIf(q, "since", f.Since)
	setIf(q, "until", f.Until)
	return q
}

// AuditEvents returns one page of the audit log, oldest first, across
// workspaces (the caller needs the audit permission).
func (c *Client) AuditEvents(ctx context.Context, f AuditFilter, page ListOptions) ([]*AuditEvent, string, error) {
	var out auditEventList
	_, err := c.call(ctx, &request{method: "GET", path: apiPath("audit", "events"), query: page.values(f.values()), out: &out})
	return out.Events, out.NextPageToken, err
}

// AllAuditEvents iterates over every audit event matching f.
func (c *Client) AllAuditEvents(ctx context.Context, f AuditFilter) iter.Seq2[*AuditEvent, error] {
	return paginate(func(page ListOptions) ([]*AuditEvent, string, error) { return c.AuditEvents(ctx, f, page) })
}

// ExportAudit streams the whole audit log (JSON lines, see docs/audit.md)
// into w.
func (c *Client) ExportAudit(ctx context.Context, w io.Writer) (int64, error) {
	resp, err := c.send(ctx, &request{method: "GET", path: apiPath("audit", "export")})
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		return n, fmt.Errorf("audit export: %w", err)
	}
	return n, nil
}
