package mlflowgolden

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// IDKind is a family of server-assigned identifiers that differ between the
// recording and the server under test.
type IDKind int

const (
	RunID        IDKind = iota // 32-hex run ids (run_id, run_uuid, inside strings)
	ExperimentID               // experiment_id / experiment_ids
	ModelVersion               // model version numbers, scoped by registered model name
	PageToken                  // next_page_token -> page_token (opaque; last one wins)
)

func (k IDKind) String() string {
	switch k {
	case RunID:
		return "run id"
	case ExperimentID:
		return "experiment id"
	case ModelVersion:
		return "model version"
	case PageToken:
		return "page token"
	}
	return fmt.Sprintf("IDKind(%d)", int(k))
}

// ArtifactScheme is the URI scheme of proxied artifact locations.
const ArtifactScheme = "mlflow-artifacts:/"

// ArtifactsAPIPrefix is the URL path prefix of the artifact proxy.
const ArtifactsAPIPrefix = "/api/2.0/mlflow-artifacts/artifacts/"

// IDMap maps recorded identifiers to the ones the server under test returned
// for the same request. It is learned from responses (Compare calls Learn
// where a recorded response carries an id) and applied to every later
// request before it is sent (Rewrite*).
type IDMap struct {
	fwd map[IDKind]map[string]string // recorded -> ours
	rev map[IDKind]map[string]string // ours -> recorded
	// roots maps recorded artifact roots ("9/<run>/artifacts", "9"; the
	// part after "mlflow-artifacts:/") to ours.
	roots map[string]string
}

// NewIDMap returns an empty map.
func NewIDMap() *IDMap {
	m := &IDMap{fwd: map[IDKind]map[string]string{}, rev: map[IDKind]map[string]string{}, roots: map[string]string{}}
	for _, k := range []IDKind{RunID, ExperimentID, ModelVersion, PageToken} {
		m.fwd[k] = map[string]string{}
		m.rev[k] = map[string]string{}
	}
	return m
}

func scoped(scope, id string) string {
	if scope == "" {
		return id
	}
	return scope + "\x00" + id
}

// Lookup returns our id for a recorded one. scope is the registered model
// name for ModelVersion and empty otherwise.
func (m *IDMap) Lookup(kind IDKind, scope, recorded string) (string, bool) {
	v, ok := m.fwd[kind][scoped(scope, recorded)]
	return v, ok
}

// Learn records that recorded corresponds to ours. It fails if either side
// is already paired with something else (ids must map one to one), except
// for page tokens, where the latest response wins.
func (m *IDMap) Learn(kind IDKind, scope, recorded, ours string) error {
	k, o := scoped(scope, recorded), scoped(scope, ours)
	if kind == PageToken {
		m.fwd[kind][k] = ours
		return nil
	}
	if prev, ok := m.fwd[kind][k]; ok {
		if prev == ours {
			return nil
		}
		return fmt.Errorf("recorded %s %q corresponds to our %q (learned earlier), got %q", kind, recorded, prev, ours)
	}
	if prev, ok := m.rev[kind][o]; ok && prev != k {
		return fmt.Errorf("got %s %q for recorded %q, but %q already stands for recorded %q", kind, ours, recorded, ours, unscope(prev))
	}
	m.fwd[kind][k] = ours
	m.rev[kind][o] = k
	return nil
}

func unscope(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return s[i+1:]
	}
	return s
}

// LearnArtifactRoot pairs a recorded artifact_uri/artifact_location with
// ours, so that later artifact paths under it can be rewritten. Only
// mlflow-artifacts:/ URIs can be paired; it reports whether it learned.
func (m *IDMap) LearnArtifactRoot(recordedURI, ourURI string) bool {
	rec, ok1 := strings.CutPrefix(recordedURI, ArtifactScheme)
	ours, ok2 := strings.CutPrefix(ourURI, ArtifactScheme)
	if !ok1 || !ok2 {
		return false
	}
	rec, ours = strings.Trim(rec, "/"), strings.Trim(ours, "/")
	if rec == "" || ours == "" {
		return false
	}
	m.roots[rec] = ours
	return true
}

// RenameModel moves the model-version mappings of a registered model that
// was renamed.
func (m *IDMap) RenameModel(oldName, newName string) {
	move := func(s string) string {
		if rest, ok := strings.CutPrefix(s, oldName+"\x00"); ok {
			return scoped(newName, rest)
		}
		return s
	}
	for _, dir := range []map[string]string{m.fwd[ModelVersion], m.rev[ModelVersion]} {
		moved := map[string]string{}
		for k, v := range dir {
			if nk := move(k); nk != k {
				delete(dir, k)
				moved[nk] = v
			}
		}
		for k, v := range moved {
			dir[k] = v
		}
	}
	for k, v := range m.rev[ModelVersion] { // values are scoped recorded ids
		m.rev[ModelVersion][k] = move(v)
	}
}

var hex32 = regexp.MustCompile(`\b[0-9a-f]{32}\b`)

// ReplaceRunIDs replaces every known recorded run id inside s (paths,
// filter strings such as "attributes.run_id IN ('...')", "runs:/<id>/model",
// tag values, error messages).
func (m *IDMap) ReplaceRunIDs(s string) string {
	if len(m.fwd[RunID]) == 0 {
		return s
	}
	return hex32.ReplaceAllStringFunc(s, func(id string) string {
		if ours, ok := m.fwd[RunID][id]; ok {
			return ours
		}
		return id
	})
}

// MapArtifactRel rewrites a path relative to the artifact proxy root
// ("<exp>/<run>/artifacts/<path>"): by the longest learned artifact root,
// else segment-wise (experiment id, then run ids).
func (m *IDMap) MapArtifactRel(rel string) string {
	best := ""
	for rec := range m.roots {
		if (rel == rec || strings.HasPrefix(rel, rec+"/")) && len(rec) > len(best) {
			best = rec
		}
	}
	if best != "" {
		rel = m.roots[best] + rel[len(best):]
	} else if seg, rest, more := strings.Cut(rel, "/"); seg != "" {
		if ours, ok := m.Lookup(ExperimentID, "", seg); ok {
			rel = ours
			if more {
				rel += "/" + rest
			}
		}
	}
	return m.ReplaceRunIDs(rel)
}

// MapString rewrites ids inside a free-form string value: mlflow-artifacts
// URIs by artifact root, and run ids anywhere.
func (m *IDMap) MapString(s string) string {
	if rest, ok := strings.CutPrefix(s, ArtifactScheme); ok {
		return ArtifactScheme + m.MapArtifactRel(rest)
	}
	return m.ReplaceRunIDs(s)
}

// RewritePath rewrites ids in a request path (artifact proxy paths carry
// "<exp>/<run>/artifacts/...").
func (m *IDMap) RewritePath(p string) string {
	if rest, ok := strings.CutPrefix(p, ArtifactsAPIPrefix); ok {
		return ArtifactsAPIPrefix + m.MapArtifactRel(rest)
	}
	return m.ReplaceRunIDs(p)
}

// RewriteQuery rewrites ids in query values: experiment_id, page_token,
// version (scoped by the name parameter), the artifact list path, and run
// ids in every value (run_id, run_uuid, filter strings).
func (m *IDMap) RewriteQuery(q []QueryParam) []QueryParam {
	name := ""
	for _, p := range q {
		if p.Name == "name" && len(p.Values) > 0 {
			name = p.Values[0]
		}
	}
	out := make([]QueryParam, len(q))
	for i, p := range q {
		vals := make([]string, len(p.Values))
		for j, v := range p.Values {
			switch p.Name {
			case "experiment_id", "experiment_ids":
				v = m.mapped(ExperimentID, "", v)
			case "page_token":
				v = m.mapped(PageToken, "", v)
			case "version":
				v = m.mapped(ModelVersion, name, v)
			case "path":
				v = m.MapArtifactRel(v)
			}
			vals[j] = m.ReplaceRunIDs(v)
		}
		out[i] = QueryParam{Name: p.Name, Values: vals}
	}
	return out
}

func (m *IDMap) mapped(kind IDKind, scope, v string) string {
	if ours, ok := m.Lookup(kind, scope, v); ok {
		return ours
	}
	return v
}

// RewriteBody returns a copy of an ordered JSON request body with ids
// substituted: experiment_id(s), page_token, version (scoped by the sibling
// "name"), mlflow-artifacts URIs, and run ids inside every string.
func (m *IDMap) RewriteBody(v any) any { return m.rewrite(v, "", "") }

func (m *IDMap) rewrite(v any, field, modelName string) any {
	switch x := v.(type) {
	case Object:
		name, _ := x.GetString("name")
		out := make(Object, len(x))
		for i, mem := range x {
			out[i] = Member{mem.Key, m.rewrite(mem.Value, mem.Key, name)}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = m.rewrite(e, field, modelName)
		}
		return out
	case string:
		switch field {
		case "experiment_id", "experiment_ids":
			x = m.mapped(ExperimentID, "", x)
		case "page_token":
			x = m.mapped(PageToken, "", x)
		case "version":
			if modelName != "" {
				x = m.mapped(ModelVersion, modelName, x)
			}
		}
		return m.MapString(x)
	default:
		return v
	}
}

// String summarises the map (for logs).
func (m *IDMap) String() string {
	var b strings.Builder
	for _, k := range []IDKind{RunID, ExperimentID, ModelVersion, PageToken} {
		fmt.Fprintf(&b, "%s: %d learned; ", k, len(m.fwd[k]))
	}
	roots := make([]string, 0, len(m.roots))
	for r := range m.roots {
		roots = append(roots, r)
	}
	sort.Strings(roots)
	fmt.Fprintf(&b, "artifact roots: %d", len(roots))
	return b.String()
}
