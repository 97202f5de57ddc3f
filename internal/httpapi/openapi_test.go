package httpapi

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/steward-registry/steward/internal/auth"
	"github.com/steward-registry/steward/internal/steward"
)

// opsRoutes are documented but served by the server package, not Routes(),
// with the permission server.routes() gives each (the server package cannot
// be imported here, so keep the two in step by hand).
var opsRoutes = map[string]steward.Permission{
	"GET /healthz": steward.PermPublic,
	"GET /readyz":  steward.PermPublic,
	"GET /metrics": steward.PermAuditRead,
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
		if _, ops := opsRoutes[key]; !routes[key] && !ops {
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

// routePerms maps "METHOD /path" of every route the document must describe
// to the permission the route table gives it.
func routePerms(t *testing.T) map[string]steward.Permission {
	t.Helper()
	out := maps.Clone(opsRoutes)
	for _, rt := range (&API{}).Routes() {
		if rt.Perm == "" {
			t.Errorf("route %s %s has no Perm; the server refuses it", rt.Method, rt.Pattern)
		}
		out[rt.Method+" "+openAPIPath(rt.Pattern)] = rt.Perm
	}
	return out
}

// TestOpenAPIPermissions keeps every operation's x-steward-permission equal
// to its route's Perm and its security consistent with it: public routes
// declare security: [] (no credentials); every other route keeps a security
// requirement (the document's, or its own naming declared schemes) and
// documents what the authentication middleware answers: 401, 403 and 429.
func TestOpenAPIPermissions(t *testing.T) {
	doc := loadOpenAPI(t)
	perms := routePerms(t)

	known := map[steward.Permission]bool{steward.PermPublic: true, steward.PermAuthenticated: true}
	for _, p := range auth.Permissions {
		known[p] = true
	}
	schemes, _ := doc["components"].(map[string]any)["securitySchemes"].(map[string]any)
	if len(schemes) == 0 {
		t.Fatal("components.securitySchemes is missing or empty")
	}
	// checkReqs reports requirements that name undeclared schemes or that
	// are empty ({} makes credentials optional).
	checkReqs := func(at string, reqs []any) {
		for _, r := range reqs {
			req, ok := r.(map[string]any)
			if !ok || len(req) == 0 {
				t.Errorf("%s: security requirement %v makes credentials optional or is not an object", at, r)
			}
			for name := range req {
				if _, ok := schemes[name]; !ok {
					t.Errorf("%s: security requirement names %q, which components.securitySchemes does not declare", at, name)
				}
			}
		}
	}
	global, ok := doc["security"].([]any)
	if !ok || len(global) == 0 {
		t.Fatal("the document has no global security requirement, so every operation looks public")
	}
	checkReqs("security", global)

	ops := documentedOps(t, doc)
	for _, key := range slices.Sorted(maps.Keys(ops)) {
		o := ops[key]
		want, ok := perms[key]
		if !ok {
			continue // TestOpenAPIMatchesRoutes reports undocumented routes
		}
		if !known[want] {
			t.Errorf("%s: the route table's permission %q is neither a policy permission nor public/authenticated", key, want)
		}
		got, present := o["x-steward-permission"]
		if s, _ := got.(string); !present {
			t.Errorf("%s: no x-steward-permission; the route table says %q", key, want)
		} else if s != string(want) {
			t.Errorf("%s: x-steward-permission is %#v, the route table says %q", key, got, want)
		}

		sec, hasSec := o["security"]
		reqs, isList := sec.([]any)
		if hasSec && !isList {
			t.Errorf("%s: security must be a list, got %#v", key, sec)
			continue
		}
		if want == steward.PermPublic {
			if !hasSec || len(reqs) != 0 {
				t.Errorf("%s is public but does not declare security: [], so it looks like it needs credentials", key)
			}
			continue
		}
		if hasSec && len(reqs) == 0 {
			t.Errorf("%s needs %s but declares security: [], which says no credentials are needed", key, want)
		}
		checkReqs(key, reqs)
		rs, _ := o["responses"].(map[string]any)
		for _, code := range []string{"401", "403", "429"} {
			if _, ok := rs[code]; !ok {
				t.Errorf("%s needs %s but does not document a %s response", key, want, code)
			}
		}
	}
}

// TestOpenAPIPolicy keeps the Permission and Role schemas equal to the
// policy table.
func TestOpenAPIPolicy(t *testing.T) {
	doc := loadOpenAPI(t)
	enum := func(name string) []string {
		s, err := pointer(doc, "#/components/schemas/"+name)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, v := range s.(map[string]any)["enum"].([]any) {
			out = append(out, v.(string))
		}
		slices.Sort(out)
		return out
	}
	var perms, roles []string
	for _, p := range auth.Permissions {
		perms = append(perms, string(p))
	}
	for _, r := range auth.Policy {
		roles = append(roles, string(r.Role))
	}
	slices.Sort(perms)
	slices.Sort(roles)
	if got := enum("Permission"); !slices.Equal(got, perms) {
		t.Errorf("Permission enum = %v, want auth.Permissions %v", got, perms)
	}
	if got := enum("Role"); !slices.Equal(got, roles) {
		t.Errorf("Role enum = %v, want the roles of auth.Policy %v", got, roles)
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
