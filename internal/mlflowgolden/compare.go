package mlflowgolden

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Diff is one difference between the recorded and the actual response; any
// Diff fails the exchange.
type Diff struct {
	Path string // e.g. "response_body.run.data.metrics[2].value", or "status"
	Msg  string
}

func (d Diff) String() string { return d.Path + ": " + d.Msg }

// Comparer compares recorded JSON response bodies with the ones the server
// under test returned. It compares the shape (same keys recursively, same
// array lengths, same JSON types) and the values of everything that does not
// vary between servers; fields that vary (ids, timestamps, artifact URIs,
// page tokens, client-environment values) are compared by type only, and
// ids are learned into IDs so later requests can use ours.
type Comparer struct {
	IDs *IDMap
	// Truncated holds the recorder's cuts keyed by Truncation.Where
	// ("response_body.metrics"): arrays must have original_length elements
	// of which the kept ones are compared; strings must have
	// original_length characters and start with the kept ones.
	Truncated map[string]Truncation
	// ClientTimes holds the start_time/end_time/timestamp values the replay
	// sent; a server must echo them, so those are compared exactly.
	ClientTimes map[int64]bool
	// Notes collects loose differences (error messages, URIs, content
	// types) that are logged but do not fail the exchange.
	Notes []string
}

// NewComparer returns a Comparer that learns into ids.
func NewComparer(ids *IDMap) *Comparer {
	return &Comparer{IDs: ids, Truncated: map[string]Truncation{}, ClientTimes: map[int64]bool{}}
}

// Fixed timestamps set explicitly by the flows (1700000000xxx) are compared
// exactly; all other timestamps vary.
const (
	fixedTimeMin = 1700000000000
	fixedTimeMax = 1700000000000 + 100_000_000
)

var timestampFields = map[string]bool{
	"start_time": true, "end_time": true, "creation_time": true, "last_update_time": true,
	"creation_timestamp": true, "last_updated_timestamp": true, "timestamp": true,
}

// Timestamps the client sends and the server echoes back.
var clientTimeFields = map[string]bool{"start_time": true, "end_time": true, "timestamp": true}

// Objects under these fields are registered models or model versions; their
// "name" scopes the model version numbers below them.
var modelFields = map[string]bool{
	"registered_model": true, "registered_models": true, "model_version": true,
	"model_versions": true, "latest_versions": true,
}

// Arrays whose elements are objects with a unique one of these fields are
// compared as sets matched by it: MLflow does not guarantee the order of
// tags, params, latest metrics, artifact listings or aliases.
var identityFields = []string{"key", "path", "alias"}

type mode int

const (
	modeExact mode = iota
	modeTypeOnly
	modeRunID
	modeExperimentID
	modeVersion
	modeTimestamp
	modeURI
	modePageToken
)

type frame struct {
	path        string
	field       string         // key the value sits under (array elements inherit the array's)
	parent      map[string]any // object holding the value
	parentField string         // key the parent object sits under
	model       string         // name of the enclosing registered model / model version
}

type diffs []Diff

func (d *diffs) add(path, format string, args ...any) {
	*d = append(*d, Diff{Path: path, Msg: fmt.Sprintf(format, args...)})
}

// Compare compares a recorded success body with ours; path names the root
// ("response_body").
func (c *Comparer) Compare(path string, want, got any) []Diff {
	var d diffs
	c.value(&d, frame{path: path}, want, got)
	return d
}

// CompareError compares JSON error bodies: error_code exactly, the message
// loosely (differences become notes).
func (c *Comparer) CompareError(path string, want, got any) []Diff {
	var d diffs
	w, _ := want.(map[string]any)
	g, ok := got.(map[string]any)
	if !ok {
		d.add(path, "got %s %s, want an error object", jsonType(got), snippet(got))
		return d
	}
	wc, _ := w["error_code"].(string)
	gc, ok := g["error_code"].(string)
	switch {
	case !ok:
		d.add(path+".error_code", "missing, want %q (got body %s)", wc, snippet(got))
	case gc != wc:
		d.add(path+".error_code", "got %q, want %q (message %q)", gc, wc, g["message"])
	}
	if wm, ok := w["message"].(string); ok {
		gm, ok := g["message"].(string)
		switch {
		case !ok:
			c.note("%s.message: missing (want %q)", path, wm)
		case gm != c.IDs.ReplaceRunIDs(wm):
			c.note("%s.message: got %q, want %q", path, gm, c.IDs.ReplaceRunIDs(wm))
		}
	}
	for _, k := range sortedKeys(g) {
		if _, ok := w[k]; !ok {
			c.note("%s: extra key %q in error body: %s", path, k, snippet(g[k]))
		}
	}
	return d
}

func (c *Comparer) note(format string, args ...any) {
	c.Notes = append(c.Notes, fmt.Sprintf(format, args...))
}

func (c *Comparer) value(d *diffs, f frame, want, got any) {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			d.add(f.path, "got %s %s, want an object", jsonType(got), snippet(got))
			return
		}
		c.object(d, f, w, g)
	case []any:
		g, ok := got.([]any)
		if !ok {
			d.add(f.path, "got %s %s, want an array", jsonType(got), snippet(got))
			return
		}
		c.array(d, f, w, g)
	default:
		c.scalar(d, f, want, got)
	}
}

func (c *Comparer) object(d *diffs, f frame, w, g map[string]any) {
	model := f.model
	if name, ok := w["name"].(string); ok && modelFields[f.field] {
		model = name
	}
	keys := sortedKeys(w)
	for _, k := range keys {
		if _, ok := g[k]; !ok {
			d.add(f.path, "missing key %q (want %s)", k, snippet(w[k]))
		}
	}
	for _, k := range sortedKeys(g) {
		if _, ok := w[k]; !ok {
			d.add(f.path, "unexpected key %q (got %s)", k, snippet(g[k]))
		}
	}
	for _, k := range keys {
		if gv, ok := g[k]; ok {
			c.value(d, frame{path: f.path + "." + k, field: k, parent: w, parentField: f.field, model: model}, w[k], gv)
		}
	}
}

func (c *Comparer) array(d *diffs, f frame, w, g []any) {
	tr, truncated := c.Truncated[f.path]
	truncated = truncated && tr.Kind == "array"
	wantLen := len(w)
	if truncated {
		wantLen = tr.OriginalLength
	}
	if len(g) != wantLen {
		d.add(f.path, "array length: got %d, want %d", len(g), wantLen)
	}
	elem := func(i int) frame {
		return frame{path: fmt.Sprintf("%s[%d]", f.path, i), field: f.field, parent: f.parent, parentField: f.parentField, model: f.model}
	}
	if k := identityField(w); k != "" {
		if idx, ok := indexBy(g, k); ok {
			want := map[string]bool{}
			for i, we := range w {
				key := we.(map[string]any)[k].(string)
				want[key] = true
				ge, ok := idx[key]
				if !ok {
					d.add(elem(i).path, "missing element with %s=%q (want %s)", k, key, snippet(we))
					continue
				}
				c.value(d, elem(i), we, ge)
			}
			if !truncated {
				for _, ge := range g {
					if key := ge.(map[string]any)[k].(string); !want[key] {
						d.add(f.path, "unexpected element with %s=%q (got %s)", k, key, snippet(ge))
					}
				}
			}
			return
		}
		// Ours lacks the identity field or repeats it: compare in order.
	}
	if f.field == "aliases" && allStrings(w) && allStrings(g) {
		ws, gs := sortedStrings(w), sortedStrings(g)
		if strings.Join(ws, "\x00") != strings.Join(gs, "\x00") {
			d.add(f.path, "got %q, want %q (in any order)", gs, ws)
		}
		return
	}
	n := min(len(w), len(g))
	for i := 0; i < n; i++ {
		c.value(d, elem(i), w[i], g[i])
	}
	if len(g) < len(w) {
		d.add(elem(len(g)).path, "missing element (want %s)", snippet(w[len(g)]))
	} else if len(g) > len(w) && !truncated {
		d.add(elem(len(w)).path, "unexpected element (got %s)", snippet(g[len(w)]))
	}
}

func (c *Comparer) modeOf(f frame) mode {
	switch f.field {
	case "run_id", "run_uuid":
		return modeRunID
	case "experiment_id", "experiment_ids":
		return modeExperimentID
	case "version":
		if f.model != "" {
			return modeVersion
		}
	case "artifact_uri", "artifact_location", "storage_location":
		return modeURI
	case "source":
		if f.parentField == "dataset" { // a dataset's source is data, not a location
			return modeExact
		}
		return modeURI
	case "next_page_token", "page_token":
		return modePageToken
	case "user_id":
		return modeTypeOnly
	case "value":
		if k, ok := f.parent["key"].(string); ok {
			if k == "mlflow.user" || strings.HasPrefix(k, "mlflow.source.") {
				return modeTypeOnly
			}
			if k == "mlflow.parentRunId" {
				return modeRunID
			}
		}
	}
	if timestampFields[f.field] {
		return modeTimestamp
	}
	return modeExact
}

func (c *Comparer) scalar(d *diffs, f frame, want, got any) {
	wt, gt := jsonType(want), jsonType(got)
	if wt != gt {
		d.add(f.path, "type: got %s %s, want %s %s", gt, snippet(got), wt, snippet(want))
		return
	}
	ws, isString := want.(string)
	gs, _ := got.(string)
	switch m := c.modeOf(f); m {
	case modeTypeOnly:
		return
	case modeRunID, modeExperimentID, modeVersion:
		if !isString {
			break // not an id after all: compare exactly
		}
		kind, scope := RunID, ""
		if m == modeExperimentID {
			kind = ExperimentID
		} else if m == modeVersion {
			kind, scope = ModelVersion, f.model
		}
		if ours, ok := c.IDs.Lookup(kind, scope, ws); ok {
			if gs != ours {
				d.add(f.path, "got %s %q, want %q (ours for recorded %q)", kind, gs, ours, ws)
			}
		} else if err := c.IDs.Learn(kind, scope, ws, gs); err != nil {
			d.add(f.path, "%v", err)
		}
		return
	case modeTimestamp:
		if wn, ok := want.(json.Number); ok {
			v, err := strconv.ParseFloat(string(wn), 64)
			if err == nil && !(v >= fixedTimeMin && v < fixedTimeMax) && !(clientTimeFields[f.field] && c.ClientTimes[int64(v)]) {
				return // server-generated: type only
			}
		}
	case modeURI:
		if isString {
			if f.field == "artifact_uri" || f.field == "artifact_location" {
				c.IDs.LearnArtifactRoot(ws, gs)
			}
			if mapped := c.IDs.MapString(ws); mapped != gs {
				c.note("%s: got %q, recorded %q (varies; not compared)", f.path, gs, mapped)
			}
		}
		return
	case modePageToken:
		if isString {
			_ = c.IDs.Learn(PageToken, "", ws, gs)
		}
		return
	}
	c.exact(d, f, want, got)
}

func (c *Comparer) exact(d *diffs, f frame, want, got any) {
	switch w := want.(type) {
	case json.Number:
		g := got.(json.Number)
		wv, err1 := strconv.ParseFloat(string(w), 64)
		gv, err2 := strconv.ParseFloat(string(g), 64)
		if err1 != nil || err2 != nil {
			if w != g {
				d.add(f.path, "got %s, want %s", g, w)
			}
			return
		}
		if wv != gv {
			d.add(f.path, "got %s, want %s", g, w)
		}
	case string:
		g := got.(string)
		w = c.IDs.ReplaceRunIDs(w)
		if tr, ok := c.Truncated[f.path]; ok && tr.Kind == "string" {
			if n := utf8.RuneCountInString(g); n != tr.OriginalLength {
				d.add(f.path, "string length: got %d, want %d", n, tr.OriginalLength)
			}
			if !strings.HasPrefix(g, w) {
				d.add(f.path, "got %s, want a string starting with %s", short(g), short(w))
			}
			return
		}
		if g != w {
			d.add(f.path, "got %s, want %s", short(g), short(w))
		}
	default:
		if want != got {
			d.add(f.path, "got %s, want %s", snippet(got), snippet(want))
		}
	}
}

// identityField returns the field by which the elements of w are matched
// regardless of order, or "" if w must be compared in order.
func identityField(w []any) string {
	if len(w) == 0 {
		return ""
	}
	for _, k := range identityFields {
		if _, ok := indexBy(w, k); ok {
			return k
		}
	}
	return ""
}

// indexBy indexes objects by a unique string field; ok is false unless every
// element is an object with a distinct string value for k.
func indexBy(arr []any, k string) (map[string]any, bool) {
	idx := make(map[string]any, len(arr))
	for _, e := range arr {
		obj, ok := e.(map[string]any)
		if !ok {
			return nil, false
		}
		s, ok := obj[k].(string)
		if !ok {
			return nil, false
		}
		if _, dup := idx[s]; dup {
			return nil, false
		}
		idx[s] = e
	}
	return idx, true
}

func allStrings(a []any) bool {
	for _, e := range a {
		if _, ok := e.(string); !ok {
			return false
		}
	}
	return true
}

func sortedStrings(a []any) []string {
	out := make([]string, len(a))
	for i, e := range a {
		out[i] = e.(string)
	}
	sort.Strings(out)
	return out
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case json.Number, float64, int, int64:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any, Object:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// snippet renders a value as (possibly shortened) JSON for messages.
func snippet(v any) string {
	b, err := EncodeJSON(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	return clip(string(b), 200)
}

func short(s string) string { return strconv.Quote(clip(s, 200)) }

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + fmt.Sprintf("…(%d bytes)", len(s))
}
