package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"

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
