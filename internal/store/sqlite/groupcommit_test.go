package sqlite_test

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/steward-registry/steward/internal/audit"
	"github.com/steward-registry/steward/internal/events"
	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/steward"
	"github.com/steward-registry/steward/internal/store/sqlite"
	"github.com/steward-registry/steward/internal/store/sqlstore"
	"github.com/steward-registry/steward/internal/store/storetest"
)

// TestGroupCommitIsolatesFailures runs many concurrent transactions, every
// third of which fails after writing: the failures must leave nothing, every
// success must be committed, and batches must really form.
func TestGroupCommitIsolatesFailures(t *testing.T) {
	db := storetest.OpenSQLite(t)
	ctx := steward.WithPrincipal(context.Background(), steward.Anonymous)
	boom := errors.New("boom")
	const n = 90
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = db.InTx(ctx, func(tx *sqlstore.Tx) error {
				m := &registry.Model{ID: fmt.Sprintf("id-%03d", i), Workspace: "default", Name: fmt.Sprintf("m-%03d", i), Kind: "ml", CreatedBy: "t", Revision: 1}
				if err := tx.CreateModel(ctx, m); err != nil {
					return err
				}
				if i%3 == 0 {
					return boom
				}
				return nil
			})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		_, gerr := db.GetModel(ctx, fmt.Sprintf("m-%03d", i))
		switch {
		case i%3 == 0:
			if !errors.Is(err, boom) || !steward.IsCode(gerr, steward.CodeNotFound) {
				t.Fatalf("tx %d: err %v, lookup %v; want boom and not found", i, err, gerr)
			}
		default:
			if err != nil || gerr != nil {
				t.Fatalf("tx %d: err %v, lookup %v; want committed", i, err, gerr)
			}
		}
	}
}

func TestGroupCommitPanicAndCancel(t *testing.T) {
	db := storetest.OpenSQLite(t)
	ctx := steward.WithPrincipal(context.Background(), steward.Anonymous)
	func() {
		defer func() {
			if p := recover(); p != "kaboom" {
				t.Fatalf("recovered %v, want the transaction's panic", p)
			}
		}()
		_ = db.InTx(ctx, func(tx *sqlstore.Tx) error {
			_ = tx.CreateModel(ctx, &registry.Model{ID: "p", Workspace: "default", Name: "panicked", Kind: "ml", CreatedBy: "t", Revision: 1})
			panic("kaboom")
		})
	}()
	if _, err := db.GetModel(ctx, "panicked"); !steward.IsCode(err, steward.CodeNotFound) {
		t.Fatalf("a panicking transaction left its write: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := db.InTx(cctx, func(tx *sqlstore.Tx) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled caller: %v", err)
	}
	// The writer still works afterwards.
	if err := db.InTx(ctx, func(tx *sqlstore.Tx) error {
		return tx.CreateModel(ctx, &registry.Model{ID: "ok", Workspace: "default", Name: "after", Kind: "ml", CreatedBy: "t", Revision: 1})
	}); err != nil {
		t.Fatal(err)
	}
}

// TestOpenOddPath opens a database whose path holds URI delimiters; they
// must name that file, not truncate the path.
func TestOpenOddPath(t *testing.T) {
	dir := t.TempDir()
	p := dir + "/a#b?c%d.db"
	db, err := sqlite.Open(context.Background(), p, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("database not at %q: %v", p, err)
	}
}

// TestDurabilityPragmas checks every connection Open makes is in WAL mode
// with synchronous=FULL and foreign keys on: a 2xx must mean durable.
func TestDurabilityPragmas(t *testing.T) {
	db := storetest.OpenSQLite(t)
	for name, pool := range map[string]*sql.DB{"write": db.Write, "read": db.Read} {
		var mode string
		var sync, fk int
		if err := pool.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil {
			t.Fatal(err)
		}
		if err := pool.QueryRow(`PRAGMA synchronous`).Scan(&sync); err != nil {
			t.Fatal(err)
		}
		if err := pool.QueryRow(`PRAGMA foreign_keys`).Scan(&fk); err != nil {
			t.Fatal(err)
		}
		if mode != "wal" || sync != 2 || fk != 1 {
			t.Errorf("%s pool: journal_mode=%s synchronous=%d foreign_keys=%d; want wal, 2 (FULL), 1", name, mode, sync, fk)
		}
	}
}

// TestGroupCommitAuditChain runs concurrent transactions through the group
// commit, a third of which fail after their events were already inserted
// into the shared transaction: their savepoints roll back, and the chain
// must continue from the tip before them, with no gap and no fork.
func TestGroupCommitAuditChain(t *testing.T) {
	db := storetest.OpenSQLite(t)
	ctx := steward.WithPrincipal(context.Background(), steward.Anonymous)
	boom := errors.New("boom")
	const n = 120
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = db.InTx(ctx, func(tx *sqlstore.Tx) error {
				e, err := events.New(ctx, time.Now(), "test.write", "test", fmt.Sprint(i), nil, map[string]int{"i": i})
				if err != nil {
					return err
				}
				if err := tx.AppendEvent(ctx, e); err != nil {
					return err
				}
				if i%3 != 0 {
					return nil
				}
				if err := tx.FlushEvents(ctx); err != nil {
					return err
				}
				return boom // rolls back an event already in the chain's tip
			})
		}()
	}
	wg.Wait()
	want := 0
	for i, err := range errs {
		if i%3 == 0 != errors.Is(err, boom) || (i%3 != 0 && err != nil) {
			t.Fatalf("tx %d: %v", i, err)
		}
		if err == nil {
			want++
		}
	}
	r, err := audit.VerifyLog(ctx, db, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK || r.Events != int64(want) {
		t.Fatalf("chain after group commits with rollbacks: %d events, want %d; %+v", r.Events, want, r)
	}
}

// TestCheckpointerKeepsWALSmall writes 16 MB in rounds. The writer never
// checkpoints (wal_autocheckpoint=0), so without the checkpointer the pages
// would stay in the WAL file; with it, each round is copied completely into
// the database file, which lets the next round start the WAL over.
func TestCheckpointerKeepsWALSmall(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/steward.db"
	db, err := sqlite.Open(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var auto int
	if err := db.Write.QueryRow(`PRAGMA wal_autocheckpoint`).Scan(&auto); err != nil {
		t.Fatal(err)
	}
	if auto != 0 {
		t.Fatalf("writer wal_autocheckpoint=%d, want 0 (the checkpointer does it)", auto)
	}
	if _, err := db.Write.Exec(`CREATE TABLE scratch (b BLOB)`); err != nil {
		t.Fatal(err)
	}
	const rounds, rows = 16, 256 // 4,000-byte rows: one page each, 1 MB a round
	for done := range rounds {
		if _, err := db.Write.Exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
			INSERT INTO scratch SELECT randomblob(4000) FROM n`, rows); err != nil {
			t.Fatal(err)
		}
		// Wait until a checkpoint has copied every frame of this round (the
		// checkpointer runs every 100 ms; the deadline is only for one that
		// never runs). Waiting for less, a grown database file say, let the
		// next round begin while a checkpoint was still copying, and that
		// round then appended to the WAL instead of starting it over.
		deadline := time.Now().Add(30 * time.Second)
		for {
			frames, copied := walIndex(t, path)
			if frames > 0 && copied == frames {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("round %d: %d of %d WAL frames checkpointed: nothing copied the WAL back", done, copied, frames)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	st, err := os.Stat(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	// Every round started the WAL over, so it holds about one round.
	if total := int64(rounds * rows * 4096); st.Size() > total/4 {
		t.Fatalf("WAL is %d bytes after writing %d: it was not started over", st.Size(), total)
	}
}

// walIndex reads, from the shared-memory WAL index beside the database, how
// many frames the WAL holds (mxFrame, at byte 16 of the index header) and
// how many of them a checkpoint has copied into the database file
// (nBackfill, byte 96). Both are native-endian 32-bit integers; the layout
// is SQLite's documented WAL-index format (sqlite.org/walformat.html).
func walIndex(t *testing.T, path string) (frames, copied uint32) {
	t.Helper()
	b, err := os.ReadFile(path + "-shm")
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 100 {
		t.Fatalf("WAL index is %d bytes, shorter than its header", len(b))
	}
	return binary.NativeEndian.Uint32(b[16:]), binary.NativeEndian.Uint32(b[96:])
}
