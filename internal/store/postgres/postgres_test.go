package postgres_test

import (
	"testing"

	"github.com/steward-registry/steward/internal/store/storetest"
)

func TestContract(t *testing.T) { storetest.Run(t, storetest.OpenPostgres) }

func TestUpgrade(t *testing.T) { storetest.RunUpgrade(t, storetest.PostgresUpgrader) }
