package registry

import (
	"context"
	"slices"

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
type Query = search.Query

// MLflow's caps: registered-model search max 1,000 (default 100);
// model-version search max 200,000 (default 10,000).
const (
	MaxModelResults       = 1000
	DefaultModelResults   = 100
	MaxVersionResults     = 200000
	DefaultVersionResults = 10000
)

// SearchModels finds registered models.
func (s *Service) SearchModels(ctx context.Context, req SearchRequest) ([]*Model, string, error) {
	ctx, err := s.authz.Visible(ctx, steward.PermModelRead)
	if err != nil {
		return nil, "", err
	}
	q, err := search.NewQuery(search.RegisteredModels, req.Filter, req.OrderBy, req.MaxResults, req.PageToken, DefaultModelResults, MaxModelResults)
	if err != nil {
		return nil, "", err
	}
	ms, err := s.store.SearchModels(ctx, q.Probe())
	if err != nil {
		return nil, "", err
	}
	ms, next := search.Page(q, ms)
	return ms, next, nil
}

// SearchVersions finds model versions.
func (s *Service) SearchVersions(ctx context.Context, req SearchRequest) ([]*Version, string, error) {
	ctx, err := s.authz.Visible(ctx, steward.PermModelRead)
	if err != nil {
		return nil, "", err
	}
	q, err := search.NewQuery(search.ModelVersions, req.Filter, req.OrderBy, req.MaxResults, req.PageToken, DefaultVersionResults, MaxVersionResults)
	if err != nil {
		return nil, "", err
	}
	vs, err := s.store.SearchVersions(ctx, q.Probe())
	if err != nil {
		return nil, "", err
	}
	vs, next := search.Page(q, vs)
	return vs, next, nil
}

// LatestVersions returns, for each stage (all stages when none are given),
// the highest-numbered version in it, ordered by version: MLflow's
// get-latest-versions.
func (s *Service) LatestVersions(ctx context.Context, model string, stageNames []string) ([]*Version, error) {
	if err := s.allowModel(ctx, steward.PermModelRead, model); err != nil {
		return nil, err
	}
	want := stages
	if len(stageNames) > 0 {
		want = nil
		for _, n := range stageNames {
			st, err := ParseStage(n)
			if err != nil {
				return nil, err
			}
			if !slices.Contains(want, st) {
				want = append(want, st)
			}
		}
	}
	return s.store.LatestVersions(ctx, model, want)
}
