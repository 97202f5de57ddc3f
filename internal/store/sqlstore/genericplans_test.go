package sqlstore_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/steward-registry/steward/internal/lineage"
	"github.com/steward-registry/steward/internal/store/sqlstore"
	"github.com/steward-registry/steward/internal/store/storetest"
)

// TestLineageRecordingPlansGeneric checks PostgreSQL's GenericPlans: a
// write transaction that records lineage (EnsureNodes) runs the rest of
// its statements on generic plans, and the setting ends with it, on the
// pooled connection too.
func TestLineageRecordingPlansGeneric(t *testing.T) {
	db := storetest.OpenPostgres(t)
	if db.Dialect.GenericPlans == "" {
		t.Fatal("the PostgreSQL dialect has no GenericPlans")
	}
	ctx := context.Background()
	// One connection, so the transaction and the check after it share it.
	db.Write.SetMaxOpenConns(1)
	mode := func(q rowQuerier) string { return setting(t, q, "plan_cache_mode") }
	nodes := []*lineage.Node{{Type: lineage.NodeRun, Key: "r1", Name: "r1", ObjectID: "r1"}, {Type: lineage.NodeRun, Key: "r2", Name: "r2", ObjectID: "r2"}}
	err := db.InTx(ctx, func(tx *sqlstore.Tx) error {
		if m := mode(tx.SQL()); m != "auto" {
			t.Errorf("before lineage recording, plan_cache_mode = %s, want auto", m)
		}
		if err := tx.EnsureNodes(ctx, nodes); err != nil {
			return err
		}
		if err := tx.EnsureNodes(ctx, nodes[:1]); err != nil { // runs the setup once
			return err
		}
		if m := mode(tx.SQL()); m != "force_generic_plan" {
			t.Errorf("after lineage recording, plan_cache_mode = %s, want force_generic_plan", m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if nodes[0].ID == 0 || nodes[1].ID == 0 || nodes[0].ID == nodes[1].ID {
		t.Errorf("node ids %d and %d", nodes[0].ID, nodes[1].ID)
	}
	if m := mode(db.Write); m != "auto" {
		t.Errorf("after the transaction, the pooled connection has plan_cache_mode = %s, want auto", m)
	}
}

// rowQuerier is a pool, a connection or a transaction.
type rowQuerier interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}

// setting is PostgreSQL's current value of a setting, on q.
func setting(t testing.TB, q rowQuerier, name string) string {
	t.Helper()
	var v string
	if err := q.QueryRowContext(context.Background(), `SELECT current_setting($1)`, name).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}
