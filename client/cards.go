package client

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
)

// Card is one version of a model card.
type Card struct {
	ID           string          `json:"id"`
	ModelID      string          `json:"model_id"`
	Model        string          `json:"model"`
	CardVersion  int64           `json:"card_version"`
	ModelVersion *int64          `json:"model_version,omitempty"`
	Status       string          `json:"status"`
	Content      json.RawMessage `json:"content"`
	CreatedBy    string          `json:"created_by"`
	CreatedAt    int64           `json:"created_at"`
	UpdatedBy    string          `json:"updated_by"`
	UpdatedAt    int64           `json:"updated_at"`
	ApprovedBy   string          `json:"approved_by,omitempty"`
	ApprovedAt   *int64          `json:"approved_at,omitempty"`
	Revision     int64           `json:"revision"`
}

// CardInput is a card document and, optionally, the model version it
// documents.
type CardInput struct {
	Content      json.RawMessage `json:"content"`
	ModelVersion *int64          `json:"model_version,omitempty"`
}

// CardChange is a card and whether the call made a new card version.
type CardChange struct {
	Card    *Card
	Created bool
}

// CardDiff is one field that differs between two card versions.
type CardDiff struct {
	Field string `json:"field"`
	Kind  string `json:"kind"`
	From  any    `json:"from,omitempty"`
	To    any    `json:"to,omitempty"`
}

// CardComparison lists the differences between two card versions.
type CardComparison struct {
	Model   string     `json:"model"`
	From    int64      `json:"from"`
	To      int64      `json:"to"`
	Changes []CardDiff `json:"changes"`
}

// CardRef names a card version: a number, or "latest" for 0.
func CardRef(n int64) string {
	if n <= 0 {
		return "latest"
	}
	return itoa(n)
}

func cardPath(model string, card int64, more ...string) string {
	return apiPath(append([]string{"models", model, "cards", CardRef(card)}, more...)...)
}

// ListCards lists a model's card versions (status "" for all).
func (c *Client) ListCards(ctx context.Context, model, status string) ([]*Card, error) {
	var out struct {
		Cards []*Card `json:"cards"`
	}
	q := url.Values{}
	setIf(q, "status", status)
	_, err := c.call(ctx, &request{method: "GET", path: apiPath("models", model, "cards"), query: q, out: &out})
	return out.Cards, err
}

// GetCard returns a card version (0: the latest).
func (c *Client) GetCard(ctx context.Context, model string, card int64) (*Card, error) {
	var out Card
	_, err := c.call(ctx, &request{method: "GET", path: cardPath(model, card), out: &out})
	return &out, err
}

// CreateCard writes a new draft card version.
func (c *Client) CreateCard(ctx context.Context, model string, in CardInput) (*Card, error) {
	var out Card
	_, err := c.call(ctx, &request{method: "POST", path: apiPath("models", model, "cards"), in: in, out: &out})
	return &out, err
}

// UpdateCard edits a card version; editing an approved card makes a new
// draft version (Created). ifRevision 0 skips the If-Match check.
func (c *Client) UpdateCard(ctx context.Context, model string, card int64, in CardInput, ifRevision int64) (*CardChange, error) {
	return c.cardChange(ctx, &request{method: "PATCH", path: cardPath(model, card), in: in, header: ifMatchHeader(ifRevision)})
}

// AutoFillCard fills a card from the source run of a model version.
func (c *Client) AutoFillCard(ctx context.Context, model string, version, card int64) (*CardChange, error) {
	in := map[string]int64{"version": version}
	if card > 0 {
		in["card_version"] = card
	}
	return c.cardChange(ctx, &request{method: "POST", path: apiPath("models", model, "cards", "autofill"), in: in})
}

func (c *Client) cardChange(ctx context.Context, r *request) (*CardChange, error) {
	resp, err := c.send(ctx, r)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out Card
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, err
	}
	return &CardChange{Card: &out, Created: resp.StatusCode == http.StatusCreated}, nil
}

// CardAction is a review step of a card: submit, approve, reject, archive.
func (c *Client) CardAction(ctx context.Context, model string, card int64, action, comment string, ifRevision int64) (*Card, error) {
	var out Card
	var in any
	if comment != "" {
		in = map[string]string{"comment": comment}
	}
	r := &request{method: "POST", path: cardPath(model, card, action), header: ifMatchHeader(ifRevision), out: &out}
	if in != nil {
		r.in = in
	} else {
		r.body, r.size = bytes.NewReader(nil), 0
	}
	_, err := c.call(ctx, r)
	return &out, err
}

// CloneCard copies a card version into a new draft of toModel ("" for the
// same model).
func (c *Client) CloneCard(ctx context.Context, model string, card int64, toModel string) (*Card, error) {
	var out Card
	_, err := c.call(ctx, &request{method: "POST", path: cardPath(model, card, "clone"), in: map[string]string{"model": toModel}, out: &out})
	return &out, err
}

// CompareCards lists the fields that differ between two card versions.
func (c *Client) CompareCards(ctx context.Context, model string, from, to int64) (*CardComparison, error) {
	var out CardComparison
	q := url.Values{"from": {itoa(from)}, "to": {itoa(to)}}
	_, err := c.call(ctx, &request{method: "GET", path: apiPath("models", model, "cards", "compare"), query: q, out: &out})
	return &out, err
}

// ExportCard renders a card version (format md, json or pdf) and returns
// the bytes with the server's file name.
func (c *Client) ExportCard(ctx context.Context, model string, card int64, format string) ([]byte, string, error) {
	resp, err := c.send(ctx, &request{method: "GET", path: cardPath(model, card, "export"), query: url.Values{"format": {format}}})
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	name := ""
	if _, params, perr := mime.ParseMediaType(resp.Header.Get("Content-Disposition")); perr == nil {
		name = params["filename"]
	}
	return b, name, err
}

// ImportSageMakerCard imports a SageMaker model card JSON document as a new
// draft card version (modelVersion 0: none).
func (c *Client) ImportSageMakerCard(ctx context.Context, model string, doc []byte, modelVersion int64) (*Card, error) {
	var out Card
	q := url.Values{}
	if modelVersion > 0 {
		q.Set("model_version", itoa(modelVersion))
	}
	_, err := c.call(ctx, &request{method: "POST", path: apiPath("models", model, "cards", "import"), query: q,
		header: http.Header{"Content-Type": {"application/json"}}, body: bytes.NewReader(doc), size: int64(len(doc)), out: &out})
	return &out, err
}
