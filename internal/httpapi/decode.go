package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/steward-registry/steward/internal/steward"
)

// Limits on JSON request bodies.
const (
	MaxJSONBody  = 4 << 20
	MaxJSONDepth = 32
)

// DecodeJSON reads a JSON body into dst: size-capped, depth-capped, unknown
// fields rejected, with messages that name the field to fix.
func DecodeJSON(r *http.Request, dst any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return steward.Errorf(steward.CodeInvalid, "Content-Type must be application/json, got %q", ct)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxJSONBody+1))
	if err != nil {
		return steward.Errorf(steward.CodeInvalid, "could not read request body: %v", err)
	}
	if len(body) > MaxJSONBody {
		return steward.Errorf(steward.CodeTooLarge, "request body exceeds %d bytes", MaxJSONBody)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return steward.Errorf(steward.CodeInvalid, "request body is empty; send a JSON object")
	}
	if err := checkDepth(body, MaxJSONDepth); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return steward.Errorf(steward.CodeInvalid, "request body holds more than one JSON value")
	}
	return nil
}

func jsonError(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	var ae *steward.Error
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &se):
		return steward.Errorf(steward.CodeInvalid, "malformed JSON at byte %d: %v", se.Offset, se)
	case errors.As(err, &te):
		return steward.Errorf(steward.CodeInvalid, "field %q must be %s, got %s", te.Field, te.Type.String(), te.Value).WithDetail("field", te.Field)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return steward.Errorf(steward.CodeInvalid, "malformed JSON: unexpected end of body")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f := strings.TrimPrefix(err.Error(), "json: unknown field ")
		return steward.Errorf(steward.CodeInvalid, "unknown field %s; see /api/v1/openapi.json for the fields this endpoint accepts", f).WithDetail("field", strings.Trim(f, `"`))
	}
	return steward.Errorf(steward.CodeInvalid, "invalid JSON: %v", err)
}

// checkDepth rejects documents nested deeper than max, before decoding them,
// so a hostile body cannot make the decoder recurse without bound.
func checkDepth(b []byte, max int) error {
	depth, inStr, esc := 0, false, false
	for _, c := range b {
		switch {
		case esc:
			esc = false
		case inStr && c == '\\':
			esc = true
		case c == '"':
			inStr = !inStr
		case inStr:
		case c == '{' || c == '[':
			depth++
			if depth > max {
				return steward.Errorf(steward.CodeInvalid, "JSON is nested deeper than %d levels", max)
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return nil
}

// ifMatch parses an If-Match header into a revision (0 = absent or "*").
func ifMatch(r *http.Request) (int64, error) {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" || h == "*" {
		return 0, nil
	}
	h = strings.TrimPrefix(h, "W/")
	n, err := strconv.ParseInt(strings.Trim(h, `"`), 10, 64)
	if err != nil || n <= 0 {
		return 0, steward.Errorf(steward.CodeInvalid, "If-Match must be an ETag this API returned, like \"3\"; got %q", h)
	}
	return n, nil
}

func etag(rev int64) string { return fmt.Sprintf(`"%d"`, rev) }

// pageRequest reads page_size and page_token query parameters.
func pageRequest(r *http.Request) (steward.PageRequest, error) {
	var p steward.PageRequest
	p.Token = r.URL.Query().Get("page_token")
	if s := r.URL.Query().Get("page_size"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return p, steward.Errorf(steward.CodeInvalid, "page_size must be an integer, got %q", s)
		}
		p.Size = n
	}
	_, err := p.Limit()
	return p, err
}

// pathInt parses an integer path parameter.
func pathInt(r *http.Request, name string) (int64, error) {
	s := r.PathValue(name)
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, steward.Errorf(steward.CodeInvalid, "%s must be a positive integer, got %q", name, s)
	}
	return n, nil
}
