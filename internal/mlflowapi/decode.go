package mlflowapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"

	"github.com/steward-registry/steward/internal/httpapi"
	"github.com/steward-registry/steward/internal/tracking"
)

// i64 is a proto int64: JSON number or decimal string, as protobuf JSON allows.
type i64 int64

func (v *i64) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "null" || s == "" {
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || f != math.Trunc(f) {
			return fmt.Errorf("%s is not an integer", b)
		}
		n = int64(f)
	}
	*v = i64(n)
	return nil
}

// f64 is a proto double: number, or "NaN"/"Infinity"/"-Infinity".
type f64 = tracking.Float

// decode reads a request message: JSON body for POST/PATCH/DELETE, the query
// string for GET (MLflow's clients send GET parameters that way).
func decode(r *http.Request, dst any) error {
	if r.Method == http.MethodGet {
		if err := decodeQuery(r, dst); err != nil {
			return err
		}
		if r.ContentLength <= 0 {
			return nil
		}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, httpapi.MaxJSONBody+1))
	if err != nil {
		return mlErrorf(InvalidParameterValue, "could not read request body: %v", err)
	}
	if len(body) > httpapi.MaxJSONBody {
		return mlErrorf(InvalidParameterValue, "request body exceeds %d bytes", httpapi.MaxJSONBody)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if err := checkDepth(body); err != nil {
		return err
	}
	// Unknown fields are ignored, as MLflow's server parses requests.
	if err := json.Unmarshal(body, dst); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return mlErrorf(InvalidParameterValue, "Invalid value for parameter '%s' supplied: expected %s, got %s.", te.Field, te.Type, te.Value)
		}
		return mlErrorf(BadRequest, "Malformed request body: %v", err)
	}
	return nil
}

func checkDepth(b []byte) error {
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
			if depth++; depth > httpapi.MaxJSONDepth {
				return mlErrorf(InvalidParameterValue, "request JSON is nested deeper than %d levels", httpapi.MaxJSONDepth)
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return nil
}

var i64Type = reflect.TypeOf(i64(0))

// decodeQuery fills string, bool, i64 and []string fields of a struct from
// query parameters named by the fields' json tags.
func decodeQuery(r *http.Request, dst any) error {
	return decodeValues(r.URL.Query(), reflect.ValueOf(dst).Elem())
}

func decodeValues(q url.Values, v reflect.Value) error {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		if t.Field(i).Anonymous && v.Field(i).Kind() == reflect.Struct {
			if err := decodeValues(q, v.Field(i)); err != nil {
				return err
			}
			continue
		}
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		vals, ok := q[name]
		if !ok || len(vals) == 0 {
			continue
		}
		f := v.Field(i)
		switch {
		case f.Type() == i64Type:
			n, err := strconv.ParseInt(vals[0], 10, 64)
			if err != nil {
				return mlErrorf(InvalidParameterValue, "Invalid value %s for parameter '%s' supplied.", vals[0], name)
			}
			f.SetInt(n)
		case f.Kind() == reflect.String:
			f.SetString(vals[0])
		case f.Kind() == reflect.Bool:
			b, err := strconv.ParseBool(vals[0])
			if err != nil {
				return mlErrorf(InvalidParameterValue, "Invalid value %s for parameter '%s' supplied.", vals[0], name)
			}
			f.SetBool(b)
		case f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.String:
			f.Set(reflect.ValueOf(vals))
		}
	}
	return nil
}

// runID picks run_id, falling back to the deprecated run_uuid.
func runID(id, uuid string) (string, error) {
	if id == "" {
		id = uuid
	}
	if id == "" {
		return "", missing("run_id")
	}
	return id, nil
}
