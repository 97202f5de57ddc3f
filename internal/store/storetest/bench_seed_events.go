package storetest

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/steward-registry/steward/internal/audit"
	"github.com/steward-registry/steward/internal/events"
	"github.com/steward-registry/steward/internal/steward"
	"github.com/steward-registry/steward/internal/store/sqlstore"
)

// eventSeeder bulk-inserts events sealed into the audit chain, as the
// store's own append would (same columns, same chain), with multi-row
// INSERTs.
type eventSeeder struct {
	chain *audit.Chain
	rows  *batch
}

func newEventSeeder(ctx context.Context, db *sqlstore.DB, tx *sql.Tx) (*eventSeeder, error) {
	chain, err := db.OpenChain(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("seed events: %w", err)
	}
	return &eventSeeder{chain: chain, rows: newBatch(tx, db.Dialect.Numbered, `INSERT INTO events (workspace, time, actor_id, actor_kind,
		auth_method, request_id, remote_ip, user_agent, action, object_type, object_id, outcome, before_digest, after_digest, changed,
		before, after, leaf, hash, tree) VALUES `, 20)}, nil
}

// add seals and queues one event by the anonymous bench principal; after
// (any JSON-marshallable value or nil) is its after image.
func (s *eventSeeder) add(ctx context.Context, ws string, now int64, action, typ, id string, after any) error {
	e := &events.Event{Workspace: ws, Time: now, ActorID: "anonymous", ActorKind: "user", AuthMethod: "anonymous",
		RemoteIP: "127.0.0.1", UserAgent: "bench-seed", Action: action, ObjectType: typ, ObjectID: id}
	if after != nil {
		b, err := json.Marshal(after)
		if err != nil {
			return err
		}
		e.After = b
	}
	if err := e.Complete(); err != nil {
		return err
	}
	tree, err := s.chain.Append(e)
	if err != nil {
		return err
	}
	var treeVal any
	if len(tree) > 0 {
		treeVal = tree
	}
	var afterVal any
	if len(e.After) > 0 {
		afterVal = string(e.After)
	}
	return s.rows.add(ctx, e.Workspace, e.Time, e.ActorID, e.ActorKind, e.AuthMethod, e.RequestID, e.RemoteIP, e.UserAgent,
		e.Action, e.ObjectType, e.ObjectID, e.Outcome, e.BeforeDigest, e.AfterDigest, strings.Join(e.Changed, ","),
		nil, afterVal, e.Leaf, e.Hash, treeVal)
}

// SeedAuditEvents appends n chained events (model tag changes with a small
// after image, like most real events) in one transaction, for the audit
// verification benchmark: a service call per event would take hours.
func SeedAuditEvents(ctx context.Context, db *sqlstore.DB, n int) (time.Duration, error) {
	start := time.Now()
	tx, err := db.Write.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer func() { _ = tx.Rollback() }()
	s, err := newEventSeeder(ctx, db, tx)
	if err != nil {
		return 0, err
	}
	s.chain.Grow(int64(n))
	now := time.Now().UnixMilli()
	for i := range n {
		id := SeedModelName(i % 100_000)
		if err := s.add(ctx, steward.DefaultWorkspace, now+int64(i), "model.tag.set", "model", id,
			map[string]string{"key": "team", "value": SeedTeams[i%len(SeedTeams)]}); err != nil {
			return 0, fmt.Errorf("seed audit events: %w", err)
		}
	}
	if err := s.rows.flush(ctx); err != nil {
		return 0, fmt.Errorf("seed audit events: %w", err)
	}
	return time.Since(start), tx.Commit()
}
