package search

import "github.com/steward-registry/steward/internal/steward"

// Query is a parsed, paged search: what a store needs to run it.
type Query struct {
	Filter  *Filter
	OrderBy []OrderKey
	Limit   int // rows per page
	Offset  int // rows to skip (from the page token)
}

// NewQuery parses a search request. maxResults 0 means def; more than max
// is refused, as MLflow refuses it.
func NewQuery(e Entity, filter string, orderBy []string, maxResults int, pageToken string, def, max int) (Query, error) {
	q := Query{Limit: maxResults}
	if q.Limit == 0 {
		q.Limit = def
	}
	if q.Limit < 0 || q.Limit > max {
		return q, steward.Errorf(steward.CodeInvalid, "Invalid value %d for parameter 'max_results' supplied. It must be at most %d.", maxResults, max)
	}
	var err error
	if q.Filter, err = ParseFilter(e, filter); err != nil {
		return q, err
	}
	if q.OrderBy, err = ParseOrderBy(e, orderBy); err != nil {
		return q, err
	}
	if q.Offset, err = steward.DecodeOffsetToken(pageToken); err != nil {
		return q, err
	}
	return q, nil
}

// Probe is the query a store should run: one row more than the page, so a
// next-page token is returned only when another page really exists (as
// MLflow does).
func (q Query) Probe() Query {
	q.Limit++
	return q
}

// Page trims the rows of a probed query to the page and returns the token
// of the next page ("" on the last).
func Page[T any](q Query, rows []T) ([]T, string) {
	if len(rows) <= q.Limit {
		return rows, ""
	}
	return rows[:q.Limit], steward.EncodeOffsetToken(q.Offset + q.Limit)
}
