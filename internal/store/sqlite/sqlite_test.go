package sqlite_test

import (
	"testing"

	"github.com/steward-registry/steward/internal/store/storetest"
)

func TestContract(t *testing.T) { storetest.Run(t, storetest.OpenSQLite) }

func TestUpgrade(t *testing.T) { storetest.RunUpgrade(t, storetest.SQLiteUpgrader) }
