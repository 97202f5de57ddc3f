package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/steward-registry/steward/internal/audit"
	"github.com/steward-registry/steward/internal/events"
	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/store/sqlstore"
)

// holdSealing keeps every sealer away (on backends that seal after commit)
// until the returned function is called: it holds the seal lock in a
// transaction of its own, as a sealer of another replica would.
func holdSealing(t *testing.T, e *Env) func() {
	t.Helper()
	if e.DB.Dialect.AuditSealLock == "" {
		return func() {}
	}
	tx, err := e.DB.Write.BeginTx(context.Background(), nil)
	must(t, err)
	if _, err := tx.Exec(e.DB.Dialect.AuditSealLock); err != nil {
		_ = tx.Rollback()
		t.Fatal(err)
	}
	return func() { _ = tx.Rollback() }
}

// insertUnsealed inserts an event row without leaf or hash, as an append
// that no sealer has reached yet looks. seq 0 means the next seq.
func insertUnsealed(t *testing.T, e *Env, seq int64, objectID string) {
	t.Helper()
	cols, override, vals := "", "", ""
	if seq != 0 {
		cols, vals = "seq, ", fmt.Sprintf("%d, ", seq)
		if e.DB.Dialect.Name == "postgres" {
			override = "OVERRIDING SYSTEM VALUE"
		}
	}
	q := fmt.Sprintf(`INSERT INTO events (%sworkspace, time, actor_id, actor_kind, action, object_type, object_id) %s
		VALUES (%s'default', 1, 'alice', 'user', 'model.delete', 'model', '%s')`, cols, override, vals, objectID)
	if _, err := e.DB.Write.ExecContext(context.Background(), q); err != nil {
		t.Fatalf("insert unsealed event: %v", err)
	}
}

// verifyPlain verifies the log without keys or outside checkpoints.
func verifyPlain(t *testing.T, e *Env) audit.Report {
	t.Helper()
	r, err := audit.VerifyLog(context.Background(), e.DB, nil, nil)
	must(t, err)
	return r
}

var auditSealCases = []Case{
	{"audit: text fields holding the byte verify packs fields with", func(t *testing.T, e *Env) {
		if e.DB.Dialect.ScanBinary != nil {
			t.Skip("PostgreSQL text cannot hold the byte 0xFF, and this backend does not pack")
		}
		// Verification on SQLite reads the text fields as one column split
		// at 0xFF; a field holding that byte must be read column by column.
		ev, err := events.New(e.Ctx, fixedTime, "model.update", "model", "a\xffb", nil, nil)
		must(t, err)
		ev.UserAgent = "agent\xff\xff"
		must(t, e.DB.RecordEvent(e.Ctx, ev))
		createModel(t, e, e.Ctx, registry.ModelCreate{Name: "m"})
		must(t, e.DB.Seal(e.Ctx))
		if r := verifyPlain(t, e); !r.OK || r.Events != 2 {
			t.Fatalf("%+v", r)
		}
		// Moving the byte from one field to the next keeps the packed
		// column the same; the column-by-column read still sees it.
		// ("model", "a\xffb") becomes ("model\xffa", "b").
		tamper(t, e, fmt.Sprintf(`UPDATE events SET object_type = 'model' || x'ff' || 'a', object_id = 'b' WHERE seq = %d`, ev.Seq))
		wantDetected(t, verifyPlain(t, e), fmt.Sprintf("event seq %d", ev.Seq), "changed")
	}},
	{"audit: committed events not yet sealed are pending, not tampering", func(t *testing.T, e *Env) {
		a := newAuditLog(t, e, 5)
		release := holdSealing(t, e)
		defer release()
		insertUnsealed(t, e, 0, "pending-1")
		insertUnsealed(t, e, 0, "pending-2")
		r := a.verify(t, e, true)
		if !r.OK || r.Events != 5 || r.Pending != 2 {
			t.Fatalf("with two pending events: %+v", r)
		}
		if !strings.Contains(strings.Join(r.Warnings, "\n"), "2 events after seq") {
			t.Fatalf("no warning about the pending events: %q", r.Warnings)
		}
		release()
		must(t, e.DB.Seal(e.Ctx))
		r = a.verify(t, e, true)
		if !r.OK || r.Events != 7 || r.Pending != 0 {
			t.Fatalf("after sealing: %+v", r)
		}
	}},
	{"audit: an unsealed event older than the chain's last one", func(t *testing.T, e *Env) {
		a := newAuditLog(t, e, 5)
		release := holdSealing(t, e)
		defer release()
		// A sealer never leaves one behind: seq order is leaf order.
		insertUnsealed(t, e, -5, "forged")
		wantDetected(t, a.verify(t, e, true), "event seq -5 is not in the audit chain", "older than its last event", "inserted by hand")
		// Nor does it seal it later, out of order.
		release()
		must(t, e.DB.Seal(e.Ctx))
		wantDetected(t, a.verify(t, e, true), "event seq -5 is not in the audit chain")
	}},
	{"audit: unseal a middle event", func(t *testing.T, e *Env) {
		// The append-only triggers allow updating unsealed rows (sealing),
		// so a forger could try to unseal an event before editing it.
		a := newAuditLog(t, e, 10)
		release := holdSealing(t, e)
		defer release()
		tamper(t, e, fmt.Sprintf(`UPDATE events SET leaf = NULL, hash = NULL, tree = NULL WHERE seq = %d`, a.seqs[6]))
		wantDetected(t, a.verify(t, e, true), fmt.Sprintf("leaves 6..6 are missing between seq %d and event seq %d", a.seqs[5], a.seqs[7]))
	}},
	{"audit: the sealer waits for appends still in flight (seq order is leaf order)", func(t *testing.T, e *Env) {
		if e.DB.Dialect.AuditBarrier == "" {
			t.Skip("this backend seals in its single writer, before commit")
		}
		createModel(t, e, e.Ctx, registry.ModelCreate{Name: "m"})
		must(t, e.DB.Seal(e.Ctx))
		// A appends first (lower seq) and commits last; B commits in
		// between; sealers run meanwhile. A sealer that did not wait for A
		// would seal B first, and A after it: seq order would break.
		appended, finish, done := make(chan int64, 1), make(chan struct{}), make(chan error, 1)
		var once sync.Once
		let := func() { once.Do(func() { close(finish) }) }
		defer let() // a failing check must not leave A open
		go func() {
			done <- e.DB.InTx(e.Ctx, func(tx *sqlstore.Tx) error {
				ev, err := events.New(e.Ctx, fixedTime, "model.update", "model", "a", nil, nil)
				if err != nil {
					return err
				}
				if err := tx.AppendEvent(e.Ctx, ev); err != nil {
					return err
				}
				if err := tx.FlushEvents(e.Ctx); err != nil {
					return err
				}
				appended <- ev.Seq
				<-finish
				return nil
			})
		}()
		seqA := <-appended
		b, err := events.New(e.Ctx, fixedTime, "model.update", "model", "b", nil, nil)
		must(t, err)
		must(t, e.DB.RecordEvent(e.Ctx, b)) // commits while A is open
		if b.Seq <= seqA {
			t.Fatalf("B has seq %d, A %d", b.Seq, seqA)
		}
		sealed := make(chan error, 1)
		go func() { sealed <- e.DB.Seal(e.Ctx) }()
		select {
		case err := <-sealed:
			t.Fatalf("Seal returned (%v) while an append was in flight", err)
		case <-time.After(300 * time.Millisecond):
		}
		let()
		must(t, <-done)
		must(t, <-sealed)
		ga, err := e.DB.EventBySeq(e.Ctx, seqA)
		must(t, err)
		gb, err := e.DB.EventBySeq(e.Ctx, b.Seq)
		must(t, err)
		if ga.Leaf < 0 || gb.Leaf != ga.Leaf+1 {
			t.Fatalf("A (seq %d) has leaf %d, B (seq %d) leaf %d: want consecutive leaves in seq order", ga.Seq, ga.Leaf, gb.Seq, gb.Leaf)
		}
		r := verifyPlain(t, e)
		if !r.OK || r.Pending != 0 || r.Events != 3 {
			t.Fatalf("%+v", r)
		}
	}},
	{"audit: a rolled-back append leaves no gap", func(t *testing.T, e *Env) {
		boom := errors.New("boom")
		err := e.DB.InTx(e.Ctx, func(tx *sqlstore.Tx) error {
			ev, err := events.New(e.Ctx, fixedTime, "model.update", "model", "x", nil, nil)
			if err != nil {
				return err
			}
			if err := tx.AppendEvent(e.Ctx, ev); err != nil {
				return err
			}
			if err := tx.FlushEvents(e.Ctx); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		createModel(t, e, e.Ctx, registry.ModelCreate{Name: "m"})
		must(t, e.DB.Seal(e.Ctx))
		r := verifyPlain(t, e)
		if !r.OK || r.Events != 1 || r.Pending != 0 {
			t.Fatalf("%+v", r)
		}
	}},
}
