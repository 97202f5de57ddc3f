package steward

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
)

// Page size bounds shared by every list endpoint.
const (
	DefaultPageSize = 100
	MaxPageSize     = 1000
)

// PageRequest is a keyset page request. Token is opaque to clients.
type PageRequest struct {
	Size  int
	Token string
}

// Limit returns the effective page size, or an error naming the bound.
func (p PageRequest) Limit() (int, error) {
	switch {
	case p.Size == 0:
		return DefaultPageSize, nil
	case p.Size < 0 || p.Size > MaxPageSize:
		return 0, Errorf(CodeInvalid, "page_size must be between 1 and %d, got %d", MaxPageSize, p.Size)
	}
	return p.Size, nil
}

// cursor is what a page token holds: the sort key of the last row returned
// and a fingerprint of the query, so a token cannot be replayed against a
// different filter and silently skip rows.
type cursor struct {
	V     int      `json:"v"`
	Query string   `json:"q"`
	After []string `json:"a"`
}

// EncodePageToken makes an opaque token continuing after the given key.
func EncodePageToken(query string, after ...string) string {
	b, _ := json.Marshal(cursor{V: 1, Query: fingerprint(query), After: after})
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodePageToken returns the key to continue after. An empty token means the
// first page (nil key). want is the number of key parts the caller expects.
func DecodePageToken(token, query string, want int) ([]string, error) {
	if token == "" {
		return nil, nil
	}
	bad := Errorf(CodeInvalid, "page_token is not valid: pass the next_page_token of a previous response with the same filter, or leave it empty for the first page")
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return nil, bad
	}
	var c cursor
	if err := json.Unmarshal(b, &c); err != nil || c.V != 1 || len(c.After) != want {
		return nil, bad
	}
	if c.Query != fingerprint(query) {
		return nil, Errorf(CodeInvalid, "page_token was issued for a different filter or order; start again without a page_token")
	}
	return c.After, nil
}

func fingerprint(q string) string {
	h := sha256.Sum256([]byte(q))
	return fmt.Sprintf("%x", h[:8])
}

// EncodeOffsetToken makes an offset page token in MLflow's format
// (base64 of {"offset": N}), used by the search endpoints whose arbitrary
// order_by rules out keyset paging.
func EncodeOffsetToken(offset int) string {
	return base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf(`{"offset": %d}`, offset)))
}

// DecodeOffsetToken reads an offset page token; "" is offset 0.
func DecodeOffsetToken(token string) (int, error) {
	if token == "" {
		return 0, nil
	}
	b, err := base64.StdEncoding.DecodeString(token)
	if err != nil {
		if b, err = base64.URLEncoding.DecodeString(token); err != nil {
			return 0, Errorf(CodeInvalid, "Invalid page token, could not base64-decode")
		}
	}
	var c struct {
		Offset *int `json:"offset"`
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return 0, Errorf(CodeInvalid, "Invalid page token, decoded value=%s", b)
	}
	if c.Offset == nil || *c.Offset < 0 {
		return 0, Errorf(CodeInvalid, "Invalid page token, parsed value=%s", b)
	}
	return *c.Offset, nil
}
