package httpapi

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// opsRoutes are documented but served by the server package, not Routes().
var opsRoutes = map[string]bool{
	"GET /healthz": true,
	"GET /readyz":  true,
	"GET /metrics": true,
}

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

var restWildcard = regexp.MustCompile(`\{([A-Za-z0-9_]+)\.\.\.\}`)

// openAPIPath turns a ServeMux pattern into an OpenAPI path template.
func openAPIPath(pattern string) string { return restWildcard.ReplaceAllString(pattern, "{$1}") }

func loadOpenAPI(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(OpenAPIDocument(), &doc); err != nil {
		t.Fatalf("openapi.json is not valid JSON: %v", err)
	}
	if got := doc["openapi"]; got != "3.1.0" {
		t.Fatalf("openapi = %v, want 3.1.0", got)
	}
	return doc
}

// documentedOps returns "METHOD /path" for every operation in the document.
func documentedOps(t *testing.T, doc map[string]any) map[string]map[string]any {
	t.Helper()
	paths, ok := doc["paths"].(map[string]any)
	if !ok {
		t.Fatal("document has no paths object")
	}
	out := map[string]map[string]any{}
	for p, item := range paths {
		item, ok := item.(map[string]any)
		if !ok {
			t.Fatalf("path %s is not an object", p)
		}
		for _, m := range httpMethods {
			if o, ok := item[m].(map[string]any); ok {
				out[strings.ToUpper(m)+" "+p] = o
			}
		}
	}
	return out
}

func TestOpenAPIMatchesRoutes(t *testing.T) {
	doc := loadOpenAPI(t)
	ops := documentedOps(t, doc)

	routes := map[string]bool{}
	for _, rt := range (&API{}).Routes() {
		key := rt.Method + " " + openAPIPath(rt.Pattern)
		if routes[key] {
			t.Errorf("route %s appears twice in Routes()", key)
		}
		routes[key] = true
		if _, ok := ops[key]; !ok {
			t.Errorf("route %s %s is not documented in openapi.json (expected paths[%q].%s)", rt.Method, rt.Pattern, openAPIPath(rt.Pattern), strings.ToLower(rt.Method))
		}
	}
	for _, key := range slices.Sorted(maps.Keys(ops)) {
		if !routes[key] && !opsRoutes[key] {
			t.Errorf("openapi.json documents %s, which is neither in Routes() nor in the operational endpoints list", key)
		}
	}
	for key := range opsRoutes {
		if _, ok := ops[key]; !ok {
			t.Errorf("operational endpoint %s is not documented", key)
		}
	}
}

// TestOpenAPIOperations checks each operation is complete enough to teach:
// a unique operationId, a summary, a description, responses, and a declared
// parameter for every path variable (and no undeclared extra).
func TestOpenAPIOperations(t *testing.T) {
	doc := loadOpenAPI(t)
	ids := map[string]string{}
	pathVar := regexp.MustCompile(`\{([^}]+)\}`)
	for key, o := range documentedOps(t, doc) {
		id, _ := o["operationId"].(string)
		if id == "" {
			t.Errorf("%s: no operationId", key)
		} else if other, dup := ids[id]; dup {
			t.Errorf("%s: operationId %q is also used by %s", key, id, other)
		}
		ids[id] = key
		for _, f := range []string{"summary", "description"} {
			if s, _ := o[f].(string); strings.TrimSpace(s) == "" {
				t.Errorf("%s: no %s", key, f)
			}
		}
		if rs, _ := o["responses"].(map[string]any); len(rs) == 0 {
			t.Errorf("%s: no responses", key)
		}

		path := key[strings.Index(key, " ")+1:]
		want := map[string]bool{}
		for _, m := range pathVar.FindAllStringSubmatch(path, -1) {
			want[m[1]] = true
		}
		got := map[string]bool{}
		params, _ := o["parameters"].([]any)
		if item, ok := doc["paths"].(map[string]any)[path].(map[string]any); ok {
			shared, _ := item["parameters"].([]any)
			params = append(params, shared...)
		}
		for _, p := range params {
			p := resolve(t, doc, p)
			if p["in"] == "path" {
				name, _ := p["name"].(string)
				got[name] = true
				if p["required"] != true {
					t.Errorf("%s: path parameter %s must be required", key, name)
				}
			}
		}
		for v := range want {
			if !got[v] {
				t.Errorf("%s: path variable {%s} has no path parameter", key, v)
			}
		}
		for v := range got {
			if !want[v] {
				t.Errorf("%s: path parameter %s is not in the path", key, v)
			}
		}
	}
}

// TestOpenAPIRefsResolve walks the whole document: every $ref must point at
// something that exists.
func TestOpenAPIRefsResolve(t *testing.T) {
	doc := loadOpenAPI(t)
	n := 0
	var walk func(at string, v any)
	walk = func(at string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				n++
				if _, err := pointer(doc, ref); err != nil {
					t.Errorf("%s: $ref %q: %v", at, ref, err)
				}
			}
			for k, c := range v {
				walk(at+"/"+k, c)
			}
		case []any:
			for i, c := range v {
				walk(fmt.Sprintf("%s/%d", at, i), c)
			}
		}
	}
	walk("#", doc)
	if n == 0 {
		t.Fatal("no $ref found; the walk is broken")
	}
}

// TestOpenAPIErrorCodes keeps the documented error codes equal to the
// code→status table.
func TestOpenAPIErrorCodes(t *testing.T) {
	doc := loadOpenAPI(t)
	s, err := pointer(doc, "#/components/schemas/ErrorCode")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range s.(map[string]any)["enum"].([]any) {
		got = append(got, c.(string))
	}
	var want []string
	for c := range statusOf {
		want = append(want, string(c))
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("ErrorCode enum = %v, want the codes of statusOf %v", got, want)
	}
}

func resolve(t *testing.T, doc map[string]any, v any) map[string]any {
	t.Helper()
	m, _ := v.(map[string]any)
	if ref, ok := m["$ref"].(string); ok {
		r, err := pointer(doc, ref)
		if err != nil {
			t.Fatalf("$ref %q: %v", ref, err)
		}
		m, _ = r.(map[string]any)
	}
	return m
}

// pointer resolves a local JSON pointer such as #/components/schemas/Model.
func pointer(doc map[string]any, ref string) (any, error) {
	if !strings.HasPrefix(ref, "#/") {
		return nil, fmt.Errorf("only local references are allowed")
	}
	var cur any = doc
	for _, tok := range strings.Split(ref[2:], "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%q is not inside an object", tok)
		}
		if cur, ok = m[tok]; !ok {
			return nil, fmt.Errorf("%q does not exist", tok)
		}
	}
	return cur, nil
}
