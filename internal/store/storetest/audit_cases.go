package storetest

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/steward-registry/steward/internal/audit"
	"github.com/steward-registry/steward/internal/events"
	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/steward"
)

// auditLog is a small audited registry: a service with a signing key that
// publishes checkpoints to an outside directory.
type auditLog struct {
	svc     *audit.Service
	key     *audit.Key
	outside string
	seqs    []int64 // seq of each leaf
}

// newAuditLog writes n events (a model and n-1 tag changes), checkpoints
// them and checks that the untouched log verifies.
func newAuditLog(t *testing.T, e *Env, n int) *auditLog {
	t.Helper()
	dir := t.TempDir()
	key, _, err := audit.LoadOrCreateKey(filepath.Join(dir, "audit.key"), audit.DefaultKeyName)
	must(t, err)
	a := &auditLog{key: key, outside: filepath.Join(dir, "checkpoints")}
	a.svc, err = audit.NewService(e.DB, audit.Options{Key: key, Publishers: []audit.Publisher{audit.DirPublisher{Dir: a.outside}}})
	must(t, err)
	createModel(t, e, e.Ctx, registry.ModelCreate{Name: "m"})
	for i := 1; i < n; i++ {
		must(t, e.Registry.SetModelTag(e.Ctx, "m", "k", fmt.Sprint(i)))
	}
	_, err = a.svc.Checkpoint(e.Ctx)
	must(t, err)
	must(t, e.DB.ScanChain(e.Ctx, func(ev *events.Event) error {
		a.seqs = append(a.seqs, ev.Seq)
		return nil
	}))
	if len(a.seqs) != n {
		t.Fatalf("chain has %d events, want %d", len(a.seqs), n)
	}
	r := a.verify(t, e, true)
	if !r.OK || r.Events != int64(n) || r.Covered != int64(n) || r.Checkpoints["database"] != 1 || r.Checkpoints[a.outside] != 1 {
		t.Fatalf("untouched log: %+v", r)
	}
	return a
}

func (a *auditLog) keys(t *testing.T) note.Verifiers {
	v, _, err := audit.ParseVerifierKeys([]string{a.key.VerifierKey})
	must(t, err)
	return v
}

// verify checks the log with the database's checkpoints and, if outside,
// the published copies.
func (a *auditLog) verify(t *testing.T, e *Env, outside bool) audit.Report {
	t.Helper()
	var srcs []audit.Source
	if outside {
		notes, err := audit.ReadCheckpointDir(a.outside)
		must(t, err)
		srcs = []audit.Source{{Name: a.outside, Notes: notes}}
	}
	r, err := audit.VerifyLog(context.Background(), e.DB, a.keys(t), srcs)
	must(t, err)
	return r
}

// tamper runs SQL as an administrator would: the append-only triggers are
// dropped first, since they stop mistakes, not administrators.
func tamper(t *testing.T, e *Env, stmts ...string) {
	t.Helper()
	drop := []string{`DROP TRIGGER events_append_only_delete`, `DROP TRIGGER events_append_only_update`,
		`DROP TRIGGER audit_checkpoints_append_only_delete`, `DROP TRIGGER audit_checkpoints_append_only_update`}
	if e.DB.Dialect.Name == "postgres" {
		drop = []string{`DROP TRIGGER IF EXISTS events_append_only ON events`, `DROP TRIGGER IF EXISTS audit_checkpoints_append_only ON audit_checkpoints`}
	} else {
		for i, q := range drop {
			drop[i] = strings.Replace(q, "DROP TRIGGER", "DROP TRIGGER IF EXISTS", 1)
		}
	}
	for _, q := range append(drop, stmts...) {
		if _, err := e.DB.Write.ExecContext(context.Background(), q); err != nil {
			t.Fatalf("tamper: %v\n%s", err, q)
		}
	}
}

// wantDetected fails unless r reports a problem whose reason says each of
// want.
func wantDetected(t *testing.T, r audit.Report, want ...string) {
	t.Helper()
	if r.OK || r.First() == nil {
		t.Fatalf("tampering not detected: %+v", r)
	}
	for _, w := range want {
		if !strings.Contains(r.First().Reason, w) {
			t.Fatalf("first problem %q does not say %q (all: %+v)", r.First().Reason, w, r.Problems)
		}
	}
}

var auditCases = []Case{
	{"audit: append-only triggers refuse deletes and rewrites", func(t *testing.T, e *Env) {
		newAuditLog(t, e, 3)
		for _, q := range []string{`DELETE FROM events`, `UPDATE events SET actor_id = 'x'`, `DELETE FROM audit_checkpoints`,
			`UPDATE audit_checkpoints SET note = 'x'`} {
			if _, err := e.DB.Write.ExecContext(context.Background(), q); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Fatalf("%s: got %v, want an append-only error", q, err)
			}
		}
	}},
	{"audit: edit one field of a middle event", func(t *testing.T, e *Env) {
		a := newAuditLog(t, e, 10)
		mid := a.seqs[5]
		tamper(t, e, fmt.Sprintf(`UPDATE events SET actor_id = 'mallory' WHERE seq = %d`, mid))
		wantDetected(t, a.verify(t, e, true), fmt.Sprintf("event seq %d (leaf 5", mid), "changed")
	}},
	{"audit: edit the image of a middle event", func(t *testing.T, e *Env) {
		a := newAuditLog(t, e, 10)
		mid := a.seqs[4]
		tamper(t, e, fmt.Sprintf(`UPDATE events SET after = '{"key":"k","value":"forged"}' WHERE seq = %d`, mid))
		wantDetected(t, a.verify(t, e, true), fmt.Sprintf("event seq %d", mid), "after image")
	}},
	{"audit: delete a middle event", func(t *testing.T, e *Env) {
		a := newAuditLog(t, e, 10)
		tamper(t, e, fmt.Sprintf(`DELETE FROM events WHERE seq = %d`, a.seqs[6]))
		wantDetected(t, a.verify(t, e, true), fmt.Sprintf("leaves 6..6 are missing between seq %d and event seq %d", a.seqs[5], a.seqs[7]), "deleted")
	}},
	{"audit: delete a middle event and renumber the leaves", func(t *testing.T, e *Env) {
		a := newAuditLog(t, e, 10)
		tamper(t, e, fmt.Sprintf(`DELETE FROM events WHERE seq = %d`, a.seqs[6]),
			`UPDATE events SET leaf = -leaf - 10 WHERE leaf > 6`, `UPDATE events SET leaf = -leaf - 11 WHERE leaf < 0`)
		wantDetected(t, a.verify(t, e, true), fmt.Sprintf("event seq %d (leaf 6", a.seqs[7]), fmt.Sprintf("seq %d", a.seqs[5]))
	}},
	{"audit: swap two events", func(t *testing.T, e *Env) {
		a := newAuditLog(t, e, 10)
		x, y := a.seqs[3], a.seqs[7]
		tamper(t, e, fmt.Sprintf(`UPDATE events SET leaf = -1000 WHERE seq = %d`, x),
			fmt.Sprintf(`UPDATE events SET leaf = 3 WHERE seq = %d`, y),
			fmt.Sprintf(`UPDATE events SET leaf = 7 WHERE seq = %d`, x))
		wantDetected(t, a.verify(t, e, true), fmt.Sprintf("event seq %d (leaf 3", y))
	}},
	{"audit: swap the seq numbers of two events", func(t *testing.T, e *Env) {
		a := newAuditLog(t, e, 10)
		x, y := a.seqs[3], a.seqs[7]
		if e.DB.Dialect.Name == "postgres" {
			tamper(t, e, `ALTER TABLE events ALTER COLUMN seq DROP IDENTITY`)
		}
		tamper(t, e, fmt.Sprintf(`UPDATE events SET seq = -1000 WHERE seq = %d`, x),
			fmt.Sprintf(`UPDATE events SET seq = %d WHERE seq = %d`, x, y),
			fmt.Sprintf(`UPDATE events SET seq = %d WHERE seq = -1000`, y))
		wantDetected(t, a.verify(t, e, true), fmt.Sprintf("seq %d", y), "reordered")
	}},
	{"audit: insert a forged event with a correct hash", func(t *testing.T, e *Env) {
		a := newAuditLog(t, e, 10)
		// The forger knows the algorithm (it is public) and reads the hash
		// of leaf 3, so the forged leaf 4 chains perfectly; the original
		// leaf 4, renumbered to 5, does not.
		var prev []byte
		must(t, e.DB.Read.QueryRow(`SELECT hash FROM events WHERE leaf = 3`).Scan(&prev))
		forged := &events.Event{Workspace: "default", Time: 1, ActorID: "alice", ActorKind: "user", Action: "model.delete", ObjectType: "model", ObjectID: "m"}
		must(t, forged.Complete())
		h := audit.LeafHash(forged, 4, tlog.Hash(prev))
		tamper(t, e, `UPDATE events SET leaf = -leaf - 10 WHERE leaf >= 4`, `UPDATE events SET leaf = -leaf - 9 WHERE leaf < 0`,
			forgedInsert(e, 4, h[:]))
		wantDetected(t, a.verify(t, e, true), "event seq 1000 (leaf 4) was inserted")
	}},
	{"audit: insert a forged event with a made-up hash", func(t *testing.T, e *Env) {
		a := newAuditLog(t, e, 10)
		tamper(t, e, forgedInsert(e, 10, make([]byte, 32)))
		wantDetected(t, a.verify(t, e, true), "event seq 1000 (leaf 10")
	}},
	{"audit: delete the newest events (checkpoint in the database)", func(t *testing.T, e *Env) {
		a := newAuditLog(t, e, 10)
		tamper(t, e, `DELETE FROM events WHERE leaf >= 7`)
		r := a.verify(t, e, false)
		wantDetected(t, r, fmt.Sprintf("after seq %d (leaves 7..9), were deleted", a.seqs[6]))
		if r.First().Source != "database" {
			t.Fatalf("detected by %q, want the database's checkpoint", r.First().Source)
		}
	}},
	{"audit: delete the newest events and their checkpoint rows", func(t *testing.T, e *Env) {
		a := newAuditLog(t, e, 10)
		tamper(t, e, `DELETE FROM events WHERE leaf >= 7`, `DELETE FROM audit_checkpoints`)
		// Without an outside copy this cannot be seen: the threat model
		// docs/audit.md states.
		if r := a.verify(t, e, false); !r.OK {
			t.Fatalf("without outside copies: %+v (expected undetectable)", r)
		}
		r := a.verify(t, e, true)
		wantDetected(t, r, fmt.Sprintf("after seq %d (leaves 7..9), were deleted", a.seqs[6]))
		if r.First().Source != a.outside {
			t.Fatalf("detected by %q, want the outside copy %q", r.First().Source, a.outside)
		}
	}},
	{"audit: rewrite the chain after an edit", func(t *testing.T, e *Env) {
		a := newAuditLog(t, e, 10)
		// Edit leaf 5 and recompute every hash after it, as a forger with
		// the algorithm but not the signing key can.
		var evs []*events.Event
		must(t, e.DB.ScanChain(e.Ctx, func(ev *events.Event) error { evs = append(evs, ev); return nil }))
		evs[5].ActorID = "mallory"
		var stmts []string
		chain := audit.NewChain(0, tlog.Hash{}, nil)
		for _, ev := range evs {
			if _, err := chain.Append(ev); err != nil {
				t.Fatal(err)
			}
			stmts = append(stmts, fmt.Sprintf(`UPDATE events SET actor_id = '%s', hash = %s WHERE seq = %d`, ev.ActorID, hexLiteral(e, ev.Hash), ev.Seq))
		}
		tamper(t, e, stmts...)
		wantDetected(t, a.verify(t, e, false), "does not match the log", fmt.Sprintf("seq %d..%d", a.seqs[0], a.seqs[9]))
	}},
	{"audit: a checkpoint signed with another key", func(t *testing.T, e *Env) {
		a := newAuditLog(t, e, 10)
		other, _, err := audit.LoadOrCreateKey(filepath.Join(t.TempDir(), "other.key"), audit.DefaultKeyName)
		must(t, err)
		size, err := e.DB.ChainSize(e.Ctx)
		must(t, err)
		root, err := tlog.TreeHash(size, e.DB.TreeHashes(e.Ctx))
		must(t, err)
		cp, err := audit.SignCheckpoint(other.Signer, size, root, fixedTime)
		must(t, err)
		tamper(t, e, fmt.Sprintf(`UPDATE audit_checkpoints SET note = '%s' WHERE size = %d`, cp.Note, size))
		wantDetected(t, a.verify(t, e, false), fmt.Sprintf("checkpoint of size %d in database: not signed by a trusted key", size))
	}},
	{"audit: deleting models, versions and experiments keeps every event", func(t *testing.T, e *Env) {
		createModel(t, e, e.Ctx, registry.ModelCreate{Name: "m"})
		createVersion(t, e, e.Ctx, "m", registry.VersionCreate{})
		x, err := e.Tracking.CreateExperiment(e.Ctx, "x", "", nil)
		must(t, err)
		var before []*events.Event
		must(t, e.DB.Seal(e.Ctx)) // on PostgreSQL, events are sealed after commit
		must(t, e.DB.ScanChain(e.Ctx, func(ev *events.Event) error { before = append(before, ev); return nil }))
		must(t, e.Registry.DeleteVersion(e.Ctx, "m", 1, 0))
		must(t, e.Registry.DeleteModel(e.Ctx, "m", 0))
		_, err = e.Tracking.DeleteExperiment(e.Ctx, x.ID, 0)
		must(t, err)
		var after []*events.Event
		must(t, e.DB.Seal(e.Ctx))
		must(t, e.DB.ScanChain(e.Ctx, func(ev *events.Event) error { after = append(after, ev); return nil }))
		if len(after) != len(before)+3 {
			t.Fatalf("%d events after the deletes, want %d + 3 (each delete is an event)", len(after), len(before))
		}
		for i, ev := range before {
			if string(after[i].Hash) != string(ev.Hash) || after[i].Seq != ev.Seq {
				t.Fatalf("event %d changed by a delete", ev.Seq)
			}
		}
		for i, want := range []string{"model_version.delete", "model.delete", "experiment.delete"} {
			if got := after[len(before)+i].Action; got != want {
				t.Fatalf("event %d: %s, want %s", len(before)+i, got, want)
			}
		}
		r, err := audit.VerifyLog(e.Ctx, e.DB, nil, nil)
		must(t, err)
		if !r.OK {
			t.Fatalf("%+v", r)
		}
	}},
	{"audit: denied and failed outcomes join the chain", func(t *testing.T, e *Env) {
		ctx := steward.WithPrincipal(context.Background(), alice)
		for _, outcome := range []string{events.OutcomeDenied, events.OutcomeFailed} {
			ev, err := events.New(ctx, fixedTime, "model.delete", "model", "m", nil, nil)
			must(t, err)
			ev.Outcome = outcome
			must(t, e.DB.RecordEvent(ctx, ev))
			if ev.Seq == 0 {
				t.Fatalf("recorded event has no seq")
			}
			must(t, e.DB.Seal(ctx))
			got, err := e.DB.EventBySeq(ctx, ev.Seq)
			must(t, err)
			if got.Leaf < 0 || len(got.Hash) != 32 {
				t.Fatalf("recorded event seq %d has leaf %d hash %x after sealing", ev.Seq, got.Leaf, got.Hash)
			}
		}
		evs, err := e.DB.ListAuditEvents(e.Ctx, audit.Filter{Outcome: events.OutcomeDenied})
		must(t, err)
		if len(evs) != 1 || evs[0].ActorID != "alice" {
			t.Fatalf("denied events: %+v", evs)
		}
		r, err := audit.VerifyLog(e.Ctx, e.DB, nil, nil)
		must(t, err)
		if !r.OK || r.Events < 2 {
			t.Fatalf("%+v", r)
		}
	}},
}

// hexLiteral writes bytes as a SQL blob literal of the backend.
func hexLiteral(e *Env, b []byte) string {
	if e.DB.Dialect.Name == "postgres" {
		return fmt.Sprintf(`'\x%x'::bytea`, b)
	}
	return fmt.Sprintf(`X'%x'`, b)
}

// forgedInsert is an INSERT of a forged event with seq 1000 at leaf.
func forgedInsert(e *Env, leaf int64, hash []byte) string {
	override := ""
	if e.DB.Dialect.Name == "postgres" {
		override = "OVERRIDING SYSTEM VALUE"
	}
	return fmt.Sprintf(`INSERT INTO events (seq, workspace, time, actor_id, actor_kind, action, object_type, object_id, leaf, hash) %s
		VALUES (1000, 'default', 1, 'alice', 'user', 'model.delete', 'model', 'm', %d, %s)`, override, leaf, hexLiteral(e, hash))
}
