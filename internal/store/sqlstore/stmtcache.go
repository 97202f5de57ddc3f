package sqlstore

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache prepares each distinct read statement once for a pool;
// database/sql then prepares it once on each connection that runs it and
// keeps it there. Pure-Go SQLite parses SQL slowly: re-parsing a search's
// statements (the page's IN lists have a hundred placeholders) cost about a
// tenth of its CPU.
//
// Statements are never evicted, as one may be in use; a full cache stops
// adding, and what it lacks runs unprepared.
type stmtCache struct {
	db *sql.DB
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// maxCachedStmts bounds the cache: search SQL varies with the filter, and
// IN lists with the number of ids.
const maxCachedStmts = 512

// get returns the prepared statement for q, or nil to run q unprepared
// (the cache is full, or preparing failed: running it reports the error).
func (s *stmtCache) get(ctx context.Context, q string) *sql.Stmt {
	s.mu.Lock()
	st, ok := s.m[q]
	full := len(s.m) >= maxCachedStmts
	s.mu.Unlock()
	if ok || full {
		return st
	}
	st, err := s.db.PrepareContext(ctx, q)
	if err != nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if prev, ok := s.m[q]; ok { // prepared meanwhile by another caller
		_ = st.Close()
		return prev
	}
	s.m[q] = st
	return st
}

func (s *stmtCache) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range s.m {
		_ = st.Close()
	}
	s.m = nil
}
