package registry

import (
	"context"

	"github.com/steward-registry/steward/internal/search"
	"github.com/steward-registry/steward/internal/steward"
)

// SearchRequest is a registry search in MLflow's filter language.
type SearchRequest struct {
	Filter     string
	OrderBy    []string
	MaxResults int
	PageToken  string
}

// Query is a parsed registry search, ready for the store.
type Query struct {
	Filter  *search.Filter
	OrderBy []search.OrderKey
	Limit   int
	Offset  int
}

// MLflow's caps: registered-model search max 1,000 (default 100);
// model-version search max 200,000 (default 10,000).
const (
	MaxModelResults       = 1000
	DefaultModelResults   = 100
	MaxVersionResults     = 200000
	DefaultVersionResults = 10000
)

func parseQuery(e search.Entity, req SearchRequest, def, max int) (Query, error) {
	q := Query{Limit: req.MaxResults}
	if q.Limit == 0 {
		q.Limit = def
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

// SearchModels finds registered models.
func (s *Service) SearchModels(ctx context.Context, req SearchRequest) ([]*Model, string, error) {
	if err := s.allow(ctx, ActionRead, "model", ""); err != nil {
		return nil, "", err
	}
	q, err := parseQuery(search.RegisteredModels, req, DefaultModelResults, MaxModelResults)
	if err != nil {
		return nil, "", err
	}
	ms, err := s.store.SearchModels(ctx, probe(q))
	if err != nil {
		return nil, "", err
	}
	ms, next := page(q, ms)
	return ms, next, nil
}

// SearchVersions finds model versions.
func (s *Service) SearchVersions(ctx context.Context, req SearchRequest) ([]*Version, string, error) {
	if err := s.allow(ctx, ActionRead, "model", ""); err != nil {
		return nil, "", err
	}
	q, err := parseQuery(search.ModelVersions, req, DefaultVersionResults, MaxVersionResults)
	if err != nil {
		return nil, "", err
	}
	vs, err := s.store.SearchVersions(ctx, probe(q))
	if err != nil {
		return nil, "", err
	}
	vs, next := page(q, vs)
	return vs, next, nil
}

// LatestVersions returns, for each stage (all stages when none are given),
// the highest-numbered version in it, ordered by version: MLflow's
// get-latest-versions.
func (s *Service) LatestVersions(ctx context.Context, model string, stageNames []string) ([]*Version, error) {
	if err := s.allow(ctx, ActionRead, "model", model); err != nil {
		return nil, err
	}
	want := map[Stage]bool{}
	for _, n := range stageNames {
		st, err := ParseStage(n)
		if err != nil {
			return nil, err
		}
		want[st] = true
	}
	if _, err := s.store.GetModel(ctx, model); err != nil {
		return nil, err
	}
	all, err := s.allVersions(ctx, s.store, VersionFilter{Model: model})
	if err != nil {
		return nil, err
	}
	latest := map[Stage]*Version{}
	for _, v := range all {
		if len(want) > 0 && !want[v.Stage] {
			continue
		}
		if cur := latest[v.Stage]; cur == nil || v.Version > cur.Version {
			latest[v.Stage] = v
		}
	}
	out := make([]*Version, 0, len(latest))
	for _, v := range latest {
		out = append(out, v)
	}
	sortByVersion(out)
	return out, nil
}
