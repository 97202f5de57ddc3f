package tracking

import (
	"context"

	"github.com/steward-registry/steward/internal/search"
	"github.com/steward-registry/steward/internal/steward"
)

// SearchRequest is a search in MLflow's filter language.
type SearchRequest struct {
	ExperimentIDs []string
	Filter        string
	OrderBy       []string
	ViewType      ViewType
	MaxResults    int
	PageToken     string
}

// Query is a parsed search, ready for the store.
type Query struct {
	ExperimentIDs []string
	Filter        *search.Filter
	OrderBy       []search.OrderKey
	ViewType      ViewType
	Limit         int
	Offset        int
}

// MaxSearchResults is MLflow's cap on max_results for runs (50,000); the
// default is 1,000.
const (
	MaxSearchResults     = 50000
	DefaultSearchResults = 1000
	MaxExperimentResults = 50000
)

func parseQuery(e search.Entity, req SearchRequest, max int) (Query, error) {
	q := Query{ExperimentIDs: req.ExperimentIDs, ViewType: req.ViewType, Limit: req.MaxResults}
	if q.ViewType == "" {
		q.ViewType = ActiveOnly
	}
	if q.Limit == 0 {
		q.Limit = DefaultSearchResults
	}
	if q.Limit < 0 || q.Limit > max {
		return q, steward.Errorf(steward.CodeInvalid, "Invalid value %d for parameter 'max_results' supplied. It must be at most %d.", req.MaxResults, max)
	}
	var err error
	if q.Filter, err = search.ParseFilter(e, req.Filter); err != nil {
		return q, err
	}
	if q.OrderBy, err = search.ParseOrderBy(e, req.OrderBy); err != nil {
		return q, err
	}
	if q.Offset, err = steward.DecodeOffsetToken(req.PageToken); err != nil {
		return q, err
	}
	return q, nil
}

// nextToken returns the token for the page after q, given n probed rows.
func nextToken(q Query, n int) string {
	if n <= q.Limit {
		return ""
	}
	return steward.EncodeOffsetToken(q.Offset + q.Limit)
}

// probe asks the store for one row more than the page, so a token is
// returned only when another page really exists (as MLflow does).
func probe(q Query) Query {
	q.Limit++
	return q
}

// page trims a probed result to the page size.
func page[T any](q Query, rows []T) ([]T, string) {
	next := nextToken(q, len(rows))
	if len(rows) > q.Limit {
		rows = rows[:q.Limit]
	}
	return rows, next
}

// SearchRuns finds runs of the given experiments; filters run in SQL.
func (s *Service) SearchRuns(ctx context.Context, req SearchRequest) ([]*Run, string, error) {
	if err := s.allow(ctx, "read", "run", ""); err != nil {
		return nil, "", err
	}
	q, err := parseQuery(search.Runs, req, MaxSearchResults)
	if err != nil {
		return nil, "", err
	}
	runs, err := s.store.SearchRuns(ctx, probe(q))
	if err != nil {
		return nil, "", err
	}
	runs, next := page(q, runs)
	return runs, next, nil
}

// SearchExperiments finds experiments.
func (s *Service) SearchExperiments(ctx context.Context, req SearchRequest) ([]*Experiment, string, error) {
	if err := s.allow(ctx, "read", "experiment", ""); err != nil {
		return nil, "", err
	}
	q, err := parseQuery(search.Experiments, req, MaxExperimentResults)
	if err != nil {
		return nil, "", err
	}
	es, err := s.store.SearchExperiments(ctx, probe(q))
	if err != nil {
		return nil, "", err
	}
	es, next := page(q, es)
	return es, next, nil
}
