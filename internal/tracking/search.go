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
	search.Query
	ExperimentIDs []string
	ViewType      ViewType
}

// MLflow's caps on max_results for runs and experiments (default 1,000).
const (
	MaxSearchResults     = 50000
	DefaultSearchResults = 1000
	MaxExperimentResults = 50000
)

func parseQuery(e search.Entity, req SearchRequest, max int) (Query, error) {
	q := Query{ExperimentIDs: req.ExperimentIDs, ViewType: req.ViewType}
	if q.ViewType == "" {
		q.ViewType = ActiveOnly
	}
	var err error
	q.Query, err = search.NewQuery(e, req.Filter, req.OrderBy, req.MaxResults, req.PageToken, DefaultSearchResults, max)
	return q, err
}

// probe asks the store for one row more than the page (see search.Query.Probe).
func probe(q Query) Query {
	q.Query = q.Query.Probe()
	return q
}

// SearchRuns finds runs of the given experiments; filters run in SQL.
func (s *Service) SearchRuns(ctx context.Context, req SearchRequest) ([]*Run, string, error) {
	if err := s.allow(ctx, steward.PermExperimentRead, "run", ""); err != nil {
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
	runs, next := search.Page(q.Query, runs)
	return runs, next, nil
}

// SearchExperiments finds experiments.
func (s *Service) SearchExperiments(ctx context.Context, req SearchRequest) ([]*Experiment, string, error) {
	if err := s.allow(ctx, steward.PermExperimentRead, "experiment", ""); err != nil {
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
	es, next := search.Page(q.Query, es)
	return es, next, nil
}
