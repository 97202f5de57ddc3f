package client

import (
	"context"
	"iter"
	"net/url"
)

type modelList struct {
	Models        []*Model `json:"models"`
	NextPageToken string   `json:"next_page_token"`
}

// ListModels returns one page of models ordered by name, and the token of
// the next page ("" on the last page).
func (c *Client) ListModels(ctx context.Context, f ModelFilter, page ListOptions) ([]*Model, string, error) {
	q := url.Values{}
	setIf(q, "name_prefix", f.NamePrefix)
	setIf(q, "q", f.Search)
	setIf(q, "kind", f.Kind)
	setIf(q, "project", f.Project)
	setIf(q, "owner", f.Owner)
	var out modelList
	_, err := c.call(ctx, &request{method: "GET", path: apiPath("models"), query: page.values(q), out: &out})
	return out.Models, out.NextPageToken, err
}

// AllModels iterates over every model matching f, fetching pages as needed.
// Iteration stops at the first error, which is yielded with a nil model.
func (c *Client) AllModels(ctx context.Context, f ModelFilter) iter.Seq2[*Model, error] {
	return paginate(func(page ListOptions) ([]*Model, string, error) { return c.ListModels(ctx, f, page) })
}

// GetModel returns a model by name.
func (c *Client) GetModel(ctx context.Context, name string) (*Model, error) {
	var m Model
	if _, err := c.call(ctx, &request{method: "GET", path: apiPath("models", name), out: &m}); err != nil {
		return nil, err
	}
	return &m, nil
}

// CreateModel registers a model; CodeAlreadyExists if the name is taken.
func (c *Client) CreateModel(ctx context.Context, in ModelCreate) (*Model, error) {
	var m Model
	if _, err := c.call(ctx, &request{method: "POST", path: apiPath("models"), in: in, out: &m}); err != nil {
		return nil, err
	}
	return &m, nil
}

// UpdateModel changes the non-nil fields of in. With ifMatch > 0 the update
// applies only if the model's revision is still ifMatch, else the error is
// CodePreconditionFailed.
func (c *Client) UpdateModel(ctx context.Context, name string, in ModelUpdate, ifMatch int64) (*Model, error) {
	var m Model
	if _, err := c.call(ctx, &request{method: "PATCH", path: apiPath("models", name), header: ifMatchHeader(ifMatch), in: in, out: &m}); err != nil {
		return nil, err
	}
	return &m, nil
}

// DeleteModel deletes a model and its versions; ifMatch as in UpdateModel.
func (c *Client) DeleteModel(ctx context.Context, name string, ifMatch int64) error {
	_, err := c.call(ctx, &request{method: "DELETE", path: apiPath("models", name), header: ifMatchHeader(ifMatch)})
	return err
}

// SetModelTag sets one tag of a model.
func (c *Client) SetModelTag(ctx context.Context, name, key, value string) error {
	_, err := c.call(ctx, &request{method: "PUT", path: apiPath("models", name, "tags", key), in: map[string]string{"value": value}})
	return err
}

// DeleteModelTag removes one tag of a model.
func (c *Client) DeleteModelTag(ctx context.Context, name, key string) error {
	_, err := c.call(ctx, &request{method: "DELETE", path: apiPath("models", name, "tags", key)})
	return err
}

// paginate turns a page function into an iterator over all items.
func paginate[T any](list func(ListOptions) ([]T, string, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var page ListOptions
		for {
			items, next, err := list(page)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			if next == "" || next == page.PageToken {
				return
			}
			page.PageToken = next
		}
	}
}
