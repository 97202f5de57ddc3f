package client

import (
	"context"
	"net/url"
)

// HistoryMove is one stage or alias move of a model.
type HistoryMove struct {
	Seq        int64  `json:"seq"`
	ModelName  string `json:"model"`
	Kind       string `json:"kind"`    // stage or alias
	Target     string `json:"target"`  // the stage, or the alias name
	Version    *int64 `json:"version"` // nil: the alias was removed
	From       string `json:"from"`    // previous stage, or the alias's previous version
	Actor      string `json:"actor"`
	Reason     string `json:"reason,omitempty"`
	ApprovalID string `json:"approval_id,omitempty"`
	At         int64  `json:"at"`
}

// HistoryHolder is the version that held a stage or alias, and how it got
// there.
type HistoryHolder struct {
	Version    int64    `json:"version"`
	Since      int64    `json:"since"`
	Actor      string   `json:"actor"`
	Reason     string   `json:"reason,omitempty"`
	ApprovalID string   `json:"approval_id,omitempty"`
	Approvers  []string `json:"approvers,omitempty"`
}

// HistoryState is a model's stages and aliases at one moment.
type HistoryState struct {
	Model   string                     `json:"model"`
	At      int64                      `json:"at"`
	Stages  map[string][]HistoryHolder `json:"stages"`
	Aliases map[string]HistoryHolder   `json:"aliases"`
}

// HistoryDiff is what changed between two moments.
type HistoryDiff struct {
	Model  string        `json:"model"`
	From   *HistoryState `json:"from"`
	To     *HistoryState `json:"to"`
	Stages []struct {
		Stage   string  `json:"stage"`
		Added   []int64 `json:"added"`
		Removed []int64 `json:"removed"`
	} `json:"stages"`
	Aliases []struct {
		Alias string `json:"alias"`
		From  *int64 `json:"from"`
		To    *int64 `json:"to"`
	} `json:"aliases"`
	Moves []*HistoryMove `json:"moves"`
}

// History lists a model's moves between from and to ("" = unbounded). Times
// are passed to the server as given: RFC 3339 (2026-03-01T12:00Z), a date or
// milliseconds since the epoch.
func (c *Client) History(ctx context.Context, model, from, to string) ([]*HistoryMove, error) {
	q := url.Values{}
	setIf(q, "from", from)
	setIf(q, "to", to)
	var out struct {
		Moves []*HistoryMove `json:"moves"`
	}
	_, err := c.call(ctx, &request{method: "GET", path: apiPath("models", model, "history"), query: q, out: &out})
	return out.Moves, err
}

// HistoryAt returns a model's stages and aliases at a moment ("" = now).
func (c *Client) HistoryAt(ctx context.Context, model, at string) (*HistoryState, error) {
	q := url.Values{}
	setIf(q, "at", at)
	var out HistoryState
	_, err := c.call(ctx, &request{method: "GET", path: apiPath("models", model, "history", "state"), query: q, out: &out})
	return &out, err
}

// HistoryDiff compares a model's stages and aliases at two moments.
func (c *Client) HistoryDiff(ctx context.Context, model, from, to string) (*HistoryDiff, error) {
	q := url.Values{"from": {from}, "to": {to}}
	var out HistoryDiff
	_, err := c.call(ctx, &request{method: "GET", path: apiPath("models", model, "history", "diff"), query: q, out: &out})
	return &out, err
}
