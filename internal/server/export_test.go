package server

import (
	"github.com/steward-registry/steward/internal/auth"
	"github.com/steward-registry/steward/internal/store/sqlstore"
)

// AuthForTest exposes the server's identity service to tests, which use it
// to bootstrap administrators and create accounts, bindings and tokens.
func (s *Server) AuthForTest() *auth.Service { return s.auth }

// DBForTest exposes the server's database to tests, which read the audit
// events it records.
func (s *Server) DBForTest() *sqlstore.DB { return s.db }
