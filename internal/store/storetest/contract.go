package storetest

import (
	"context"
	"testing"

	"github.com/steward-registry/steward/internal/lineage"
	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/steward"
	"github.com/steward-registry/steward/internal/store/sqlstore"
	"github.com/steward-registry/steward/internal/tracking"
)

// Env is what each contract case gets: services over a fresh database.
type Env struct {
	DB       *sqlstore.DB
	Registry *registry.Service
	Tracking *tracking.Service
	Lineage  *lineage.Service
	Ctx      context.Context
}

// NewEnv builds services over db with the anonymous principal.
func NewEnv(db *sqlstore.DB) *Env {
	return &Env{
		DB:       db,
		Registry: registry.NewService(db.Registry(), nil, nil),
		Tracking: tracking.NewService(db.Tracking(), nil, nil),
		Lineage:  lineage.NewService(db.Lineage(), nil, nil),
		Ctx:      steward.WithPrincipal(context.Background(), steward.Anonymous),
	}
}

// Case is one contract case.
type Case struct {
	Name string
	Run  func(t *testing.T, e *Env)
}

// Run runs every case against the database open returns (fresh per case).
func Run(t *testing.T, open func(testing.TB) *sqlstore.DB) {
	for _, c := range Cases() {
		t.Run(c.Name, func(t *testing.T) {
			c.Run(t, NewEnv(open(t)))
		})
	}
}

// Cases lists the contract. Files in this package append to it by name.
func Cases() []Case {
	var all []Case
	for _, cs := range [][]Case{
		registryCases, projectCases, modelCases, validationCases, versionCases, aliasCases,
		eventCases, authCases, trackingCases, trackingIsolationCases, experimentCases, runCases,
		concurrencyCases, txCases, identityCases, auditCases, auditSealCases, lineageCases, lineageGraphCases,
		governanceCardCases,
		governanceDeploymentCases,
		governanceInventoryCases,
	} {
		all = append(all, cs...)
	}
	return all
}

// must fails the test on err.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantCode fails unless err carries code.
func wantCode(t *testing.T, err error, code steward.Code) {
	t.Helper()
	if got := steward.ErrorCode(err); got != code {
		t.Fatalf("got error %v (code %q), want code %q", err, got, code)
	}
}
