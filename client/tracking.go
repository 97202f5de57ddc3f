package client

import (
	"context"
	"iter"
	"net/url"
	"strings"
)

// ListRuns returns one page of runs and the next page token.
func (c *Client) ListRuns(ctx context.Context, f RunFilter, page ListOptions) ([]*Run, string, error) {
	q := url.Values{}
	if len(f.ExperimentIDs) > 0 {
		q.Set("experiment_id", strings.Join(f.ExperimentIDs, ","))
	}
	setIf(q, "view", f.View)
	var out struct {
		Runs          []*Run `json:"runs"`
		NextPageToken string `json:"next_page_token"`
	}
	_, err := c.call(ctx, &request{method: "GET", path: apiPath("runs"), query: page.values(q), out: &out})
	return out.Runs, out.NextPageToken, err
}

// GetRun returns a run by id.
func (c *Client) GetRun(ctx context.Context, id string) (*Run, error) {
	var r Run
	if _, err := c.call(ctx, &request{method: "GET", path: apiPath("runs", id), out: &r}); err != nil {
		return nil, err
	}
	return &r, nil
}

// ListExperiments returns one page of experiments and the next page token.
func (c *Client) ListExperiments(ctx context.Context, f ExperimentFilter, page ListOptions) ([]*Experiment, string, error) {
	q := url.Values{}
	setIf(q, "q", f.Search)
	setIf(q, "view", f.View)
	var out struct {
		Experiments   []*Experiment `json:"experiments"`
		NextPageToken string        `json:"next_page_token"`
	}
	_, err := c.call(ctx, &request{method: "GET", path: apiPath("experiments"), query: page.values(q), out: &out})
	return out.Experiments, out.NextPageToken, err
}

// GetExperiment returns an experiment by id.
func (c *Client) GetExperiment(ctx context.Context, id string) (*Experiment, error) {
	var e Experiment
	if _, err := c.call(ctx, &request{method: "GET", path: apiPath("experiments", id), out: &e}); err != nil {
		return nil, err
	}
	return &e, nil
}

// AllRuns iterates over every run matching f.
func (c *Client) AllRuns(ctx context.Context, f RunFilter) iter.Seq2[*Run, error] {
	return paginate(func(page ListOptions) ([]*Run, string, error) { return c.ListRuns(ctx, f, page) })
}
