package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/steward-registry/steward/internal/audit"
	"github.com/steward-registry/steward/internal/events"
	"github.com/steward-registry/steward/internal/steward"
)

var _ audit.Store = (*DB)(nil)

// ListAuditEvents returns events matching f in every workspace, by seq.
func (db *DB) ListAuditEvents(ctx context.Context, f audit.Filter) ([]*events.Event, error) {
	q, args := `SELECT `+eventColumns+` FROM events WHERE seq > ?`, []any{f.AfterSeq}
	for _, c := range []struct{ col, v string }{{"workspace", f.Workspace}, {"actor_id", f.ActorID}, {"object_type", f.ObjectType},
		{"object_id", f.ObjectID}, {"action", f.Action}, {"outcome", f.Outcome}} {
		if c.v != "" {
			q, args = q+` AND `+c.col+` = ?`, append(args, c.v)
		}
	}
	if f.Since != 0 {
		q, args = q+` AND time >= ?`, append(args, f.Since)
	}
	if f.Until != 0 {
		q, args = q+` AND time < ?`, append(args, f.Until)
	}
	limit := f.Limit
	if limit <= 0 || limit > steward.MaxPageSize+1 {
		limit = steward.MaxPageSize
	}
	var out []*events.Event
	err := db.eachRow(ctx, func(s scanner) error {
		e, err := scanEvent(s)
		if err == nil {
			out = append(out, e)
		}
		return err
	}, q+` ORDER BY seq LIMIT ?`, append(args, limit)...)
	return out, err
}

// ScanChain streams every event in chain order, then those outside it.
func (db *DB) ScanChain(ctx context.Context, fn func(*events.Event) error) error {
	if err := db.ScanLeaves(ctx, 0, 1<<62, fn); err != nil {
		return err
	}
	return db.ScanUnsealed(ctx, fn)
}

// ScanLeaves streams the events with leaves in [from, to), in leaf order.
func (db *DB) ScanLeaves(ctx context.Context, from, to int64, fn func(*events.Event) error) error {
	return db.eachRow(ctx, func(s scanner) error {
		e, err := scanEvent(s)
		if err != nil {
			return err
		}
		return fn(e)
	}, `SELECT `+eventColumns+` FROM events WHERE leaf >= ? AND leaf < ? ORDER BY leaf`, from, to)
}

// ScanUnsealed streams the events that are not in the chain, by seq.
func (db *DB) ScanUnsealed(ctx context.Context, fn func(*events.Event) error) error {
	return db.eachRow(ctx, func(s scanner) error {
		e, err := scanEvent(s)
		if err != nil {
			return err
		}
		return fn(e)
	}, `SELECT `+eventColumns+` FROM events WHERE leaf IS NULL ORDER BY seq`)
}

// ScanSeqs streams every event with from <= seq <= to, by seq: the table's
// own order on SQLite (seq is the rowid), so no index lookups.
func (db *DB) ScanSeqs(ctx context.Context, from, to int64, fn func(*events.Event) error) error {
	q := `SELECT ` + eventColumns + ` FROM events WHERE seq >= ? AND seq <= ? ORDER BY seq`
	if db.Dialect.ScanBinary != nil {
		return db.Dialect.ScanBinary(ctx, db.Read, db.Dialect.rebind(q), []any{from, to}, func(cols [][]byte) error {
			e, err := eventFromBinary(cols)
			if err != nil {
				return err
			}
			return fn(e)
		})
	}
	return db.scanPacked(ctx, from, to, fn)
}

// reuse copies src into buf's memory; nil stays nil.
func reuse(buf, src []byte) []byte {
	if src == nil {
		return nil
	}
	return append(buf[:0], src...)
}

// packedSep separates the packed text fields (see scanPacked). It is not
// valid UTF-8, so text from the API does not contain it; a row whose
// fields do is read again column by column.
const packedSep = "\xff"

// packedFields are the text fields the chain covers, in event order, that
// SQL concatenates into one column (concat_ws copies them once; a chain of
// || operators copied the growing string at every step).
var packedFields = strings.Join([]string{"workspace", "actor_id", "actor_kind", "auth_method", "request_id", "remote_ip",
	"user_agent", "action", "object_type", "object_id", "outcome", "before_digest", "after_digest", "changed"}, ", ")

// scanPacked is ScanSeqs for SQLite. Pure-Go SQLite takes the connection's
// mutex several times for every column it returns, which made reading
// columns most of verification's CPU; reading the text fields as one
// column (7 columns instead of 20) halves the cost of a row. The split is
// exact: a row whose packed column does not hold exactly one separator
// fewer than there are fields is read again column by column.
func (db *DB) scanPacked(ctx context.Context, from, to int64, fn func(*events.Event) error) error {
	const nFields = 14
	var before, after, hash, packed sql.RawBytes
	// One event and its byte buffers serve every row (ScanSeqs' fn keeps
	// nothing): a million rows make no garbage but one string each.
	e := &events.Event{}
	return db.eachRow(ctx, func(s scanner) error {
		if err := s.Scan(&e.Seq, &e.Time, &e.Leaf, &hash, &before, &after, &packed); err != nil {
			return err
		}
		if bytes.Count(packed, []byte(packedSep)) != nFields-1 {
			full, err := db.EventBySeq(ctx, e.Seq)
			if err != nil {
				return err
			}
			return fn(full)
		}
		// One string holds every field; the fields are slices of it.
		all := string(packed)
		var f [nFields]string
		for i := range nFields - 1 {
			j := strings.IndexByte(all, packedSep[0])
			f[i], all = all[:j], all[j+1:]
		}
		f[nFields-1] = all
		e.Workspace, e.ActorID, e.ActorKind, e.AuthMethod, e.RequestID, e.RemoteIP = f[0], f[1], f[2], f[3], f[4], f[5]
		e.UserAgent, e.Action, e.ObjectType, e.ObjectID, e.Outcome = f[6], f[7], f[8], f[9], f[10]
		e.BeforeDigest, e.AfterDigest = f[11], f[12]
		e.Changed = e.Changed[:0]
		if f[13] != "" {
			for c := range strings.SplitSeq(f[13], ",") {
				e.Changed = append(e.Changed, c)
			}
		}
		e.Hash = reuse(e.Hash, hash)
		e.Before = reuse(e.Before, before)
		e.After = reuse(e.After, after)
		return fn(e)
	}, `SELECT seq, time, COALESCE(leaf, -1), hash, before, after, concat_ws(x'ff', `+packedFields+`)
		FROM events WHERE seq >= ? AND seq <= ? ORDER BY seq`, from, to)
}

// ChainBounds returns the chain's size and the largest seq of an event in
// it. Each is its own subquery so that both are index lookups: one SELECT of
// two aggregates scans the whole table on SQLite.
func (db *DB) ChainBounds(ctx context.Context) (int64, int64, error) {
	var n, lastSeq int64
	err := db.row(ctx, `SELECT COALESCE((SELECT MAX(leaf) FROM events), -1) + 1,
		COALESCE((SELECT MAX(seq) FROM events WHERE leaf IS NOT NULL), 0)`).Scan(&n, &lastSeq)
	return n, lastSeq, db.wrap(err)
}

// LeafSeqs returns the seq of each given leaf that exists.
func (db *DB) LeafSeqs(ctx context.Context, leaves []int64) (map[int64]int64, error) {
	out := map[int64]int64{}
	if len(leaves) == 0 {
		return out, nil
	}
	args := make([]any, len(leaves))
	for i, l := range leaves {
		args[i] = l
	}
	err := db.eachRow(ctx, func(s scanner) error {
		var leaf, seq int64
		if err := s.Scan(&leaf, &seq); err != nil {
			return err
		}
		out[leaf] = seq
		return nil
	}, `SELECT leaf, seq FROM events WHERE leaf IN (`+placeholders(len(args))+`)`, args...)
	return out, err
}

// ChainSize is the number of events in the chain.
func (db *DB) ChainSize(ctx context.Context) (int64, error) {
	var n int64
	err := db.row(ctx, `SELECT COALESCE(MAX(leaf), -1) + 1 FROM events`).Scan(&n)
	return n, db.wrap(err)
}

// EventBySeq returns one event.
func (db *DB) EventBySeq(ctx context.Context, seq int64) (*events.Event, error) {
	e, err := scanEvent(db.row(ctx, `SELECT `+eventColumns+` FROM events WHERE seq = ?`, seq))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, steward.Errorf(steward.CodeNotFound, "event %d not found", seq)
	}
	return e, db.wrap(err)
}

// TreeHashes reads the tree hashes stored with the events.
func (db *DB) TreeHashes(ctx context.Context) tlog.HashReader { return db.TreeReader(ctx) }

// AddCheckpoint stores cp unless a checkpoint of its size exists (another
// replica may have made one at the same moment).
func (db *DB) AddCheckpoint(ctx context.Context, cp audit.Checkpoint) (bool, error) {
	var added bool
	err := db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `INSERT INTO audit_checkpoints (size, root, time, note) VALUES (?, ?, ?, ?) ON CONFLICT (size) DO NOTHING`,
			cp.Size, cp.Root[:], cp.Time, cp.Note)
		if err != nil {
			return fmt.Errorf("add checkpoint: %w", err)
		}
		n, err := res.RowsAffected()
		added = n == 1
		return err
	})
	return added, err
}

// Checkpoints lists the stored checkpoints by size.
func (db *DB) Checkpoints(ctx context.Context) ([]audit.Checkpoint, error) {
	var out []audit.Checkpoint
	err := db.eachRow(ctx, func(s scanner) error {
		var cp audit.Checkpoint
		var root []byte
		var pub sql.NullInt64
		if err := s.Scan(&cp.Size, &root, &cp.Time, &cp.Note, &pub); err != nil {
			return err
		}
		copy(cp.Root[:], root)
		cp.Published = pub.Int64
		if parsed, err := audit.ParseCheckpointText(cp.Note); err == nil {
			cp.Origin = parsed.Origin
		}
		out = append(out, cp)
		return nil
	}, `SELECT size, root, time, note, published_at FROM audit_checkpoints ORDER BY size`)
	return out, err
}

// MarkPublished records when a checkpoint was first copied outside.
func (db *DB) MarkPublished(ctx context.Context, size, at int64) error {
	return db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `UPDATE audit_checkpoints SET published_at = ? WHERE size = ? AND published_at IS NULL`, at, size)
		return err
	})
}

// eventFromBinary decodes a row of eventColumns in the binary wire format
// (see Dialect.ScanBinary).
func eventFromBinary(c [][]byte) (*events.Event, error) {
	if len(c) != 20 {
		return nil, fmt.Errorf("event row has %d columns, want 20", len(c))
	}
	i64 := func(b []byte) (int64, error) {
		if len(b) != 8 {
			return 0, fmt.Errorf("event row: integer of %d bytes", len(b))
		}
		return int64(binary.BigEndian.Uint64(b)), nil
	}
	e := &events.Event{}
	var err error
	if e.Seq, err = i64(c[0]); err != nil {
		return nil, err
	}
	if e.Time, err = i64(c[2]); err != nil {
		return nil, err
	}
	if e.Leaf, err = i64(c[18]); err != nil {
		return nil, err
	}
	e.Workspace, e.ActorID, e.ActorKind, e.AuthMethod = string(c[1]), string(c[3]), string(c[4]), string(c[5])
	e.RequestID, e.RemoteIP, e.UserAgent, e.Action = string(c[6]), string(c[7]), string(c[8]), string(c[9])
	e.ObjectType, e.ObjectID, e.Outcome = string(c[10]), string(c[11]), string(c[12])
	e.BeforeDigest, e.AfterDigest = string(c[13]), string(c[14])
	if len(c[15]) > 0 {
		e.Changed = strings.Split(string(c[15]), ",")
	}
	if len(c[16]) > 0 {
		e.Before = append([]byte(nil), c[16]...)
	}
	if len(c[17]) > 0 {
		e.After = append([]byte(nil), c[17]...)
	}
	if c[19] != nil {
		e.Hash = append([]byte(nil), c[19]...)
	}
	return e, nil
}
