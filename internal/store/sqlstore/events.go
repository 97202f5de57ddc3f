package sqlstore

import (
	"context"
	"time"

	"github.com/steward-registry/steward/internal/events"
	"github.com/steward-registry/steward/internal/steward"
)

func nowMillis() int64 { return time.Now().UnixMilli() }

func nullJSON(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return string(b)
}

// AppendEvent writes a domain event in the current transaction and sets e.Seq.
func (c conn) AppendEvent(ctx context.Context, e *events.Event) error {
	return c.row(ctx, `INSERT INTO events (workspace, time, actor_id, actor_kind, auth_method, request_id, remote_ip, user_agent,
		action, object_type, object_id, before, after) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
		e.Workspace, e.Time, e.ActorID, e.ActorKind, e.AuthMethod, e.RequestID, e.RemoteIP, e.UserAgent,
		e.Action, e.ObjectType, e.ObjectID, nullJSON(e.Before), nullJSON(e.After)).Scan(&e.Seq)
}

// ListEvents returns events of the workspace in ctx, oldest first.
func (c conn) ListEvents(ctx context.Context, f events.Filter) ([]*events.Event, error) {
	q, args := `SELECT seq, workspace, time, actor_id, actor_kind, auth_method, request_id, remote_ip, user_agent,
		action, object_type, object_id, COALESCE(before, ''), COALESCE(after, '') FROM events WHERE workspace = ? AND seq > ?`,
		[]any{steward.WorkspaceFrom(ctx), f.AfterSeq}
	for _, c := range []struct{ col, v string }{{"object_type", f.ObjectType}, {"object_id", f.ObjectID}, {"action", f.Action}, {"actor_id", f.ActorID}} {
		if c.v != "" {
			q, args = q+` AND `+c.col+` = ?`, append(args, c.v)
		}
	}
	limit := f.Limit
	if limit <= 0 || limit > steward.MaxPageSize {
		limit = steward.MaxPageSize
	}
	var out []*events.Event
	err := c.eachRow(ctx, func(s scanner) error {
		e := &events.Event{}
		var before, after string
		if err := s.Scan(&e.Seq, &e.Workspace, &e.Time, &e.ActorID, &e.ActorKind, &e.AuthMethod, &e.RequestID, &e.RemoteIP, &e.UserAgent,
			&e.Action, &e.ObjectType, &e.ObjectID, &before, &after); err != nil {
			return err
		}
		if before != "" {
			e.Before = []byte(before)
		}
		if after != "" {
			e.After = []byte(after)
		}
		out = append(out, e)
		return nil
	}, q+` ORDER BY seq LIMIT ?`, append(args, limit)...)
	return out, err
}

// RecordEvent appends one event in a transaction of its own. It records what
// has no change to ride on: denied requests and failed logins.
func (db *DB) RecordEvent(ctx context.Context, e *events.Event) error {
	return db.InTx(ctx, func(tx *Tx) error { return tx.AppendEvent(ctx, e) })
}
