package httpapi

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/steward-registry/steward/internal/audit"
	"github.com/steward-registry/steward/internal/blob"
	"github.com/steward-registry/steward/internal/lineage"
	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/steward"
	"github.com/steward-registry/steward/internal/store/storetest"
	"github.com/steward-registry/steward/internal/tracking"
)

// apiScenario is one request and what must come back (PocketBase's
// tests.ApiScenario). Scenarios of one table run in order against one
// server, so later rows see what earlier rows created. {{name}} in URL,
// Body and Headers is replaced by a value an earlier row saved.
type apiScenario struct {
	Name    string
	Method  string
	URL     string
	Headers map[string]string
	Body    string

	ExpectedStatus     int
	ExpectedCode       steward.Code // error.code of an error response
	ExpectedContent    []string     // fragments the body must contain
	NotExpectedContent []string     // fragments it must not contain
	ExpectedBody       string       // exact body, when set (downloads)
	ExpectedHeaders    map[string]string
	// ExpectedEvents is how many domain events the request must write.
	// Error responses must always write none.
	ExpectedEvents int
	// Save stores top-level fields of the JSON response as variables
	// (variable name → field name); SaveHeaders stores response headers.
	Save        map[string]string
	SaveHeaders map[string]string
}

// testAPI is a real API over a fresh SQLite database and local blob store.
type testAPI struct {
	handler http.Handler
	vars    map[string]string
	dir     string // parent of the blob and upload directories
}

// withPrincipal does what the server middleware does for this package:
// every request acts as the local anonymous principal.
func withPrincipal(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(steward.WithPrincipal(r.Context(), steward.Anonymous)))
	})
}

type testLogWriter struct{ t testing.TB }

func (w testLogWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func newTestAPI(t *testing.T) *testAPI {
	t.Helper()
	db := storetest.OpenSQLite(t)
	dir := t.TempDir()
	blobs, err := blob.NewLocal(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { blobs.Close() })
	uploads, err := blob.NewUploads(filepath.Join(dir, "uploads"), blobs)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { uploads.Close() })
	// A file beside the stores that no request may ever serve.
	if err := os.WriteFile(filepath.Join(dir, "secret.txt"), []byte("TOP-SECRET-OUTSIDE"), 0o600); err != nil {
		t.Fatal(err)
	}
	key, _, err := audit.LoadOrCreateKey(filepath.Join(dir, "audit.key"), audit.DefaultKeyName)
	if err != nil {
		t.Fatal(err)
	}
	auditSvc, err := audit.NewService(db, audit.Options{Key: key, Publishers: []audit.Publisher{audit.DirPublisher{Dir: filepath.Join(dir, "checkpoints")}}})
	if err != nil {
		t.Fatal(err)
	}
	a := &API{
		Registry: registry.NewService(db.Registry(), nil, nil),
		Tracking: tracking.NewService(db.Tracking(), nil, nil),
		Audit:    auditSvc,
		Lineage:  lineage.NewService(db.Lineage(), nil, nil),
		Events:   db,
		Blobs:    blobs,
		Uploads:  uploads,
		Log:      slog.New(slog.NewTextHandler(testLogWriter{t}, nil)),
	}
	mux := http.NewServeMux()
	a.Register(mux, func(_ string, _ steward.Permission, h http.Handler) http.Handler { return withPrincipal(h) })
	return &testAPI{handler: mux, vars: map[string]string{}, dir: dir}
}

func (ta *testAPI) expand(s string) string {
	for k, v := range ta.vars {
		s = strings.ReplaceAll(s, "{{"+k+"}}", v)
	}
	return s
}

// do sends one request straight to the handler; the target is used as the
// raw request URI, so "..", "%2e%2e" and backslashes reach the mux as sent.
func (ta *testAPI) do(method, target string, headers map[string]string, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if body != "" && headers["Content-Type"] == "" && !strings.Contains(target, "/blobs/") && !strings.Contains(target, "/uploads/") {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	ta.handler.ServeHTTP(rec, req)
	return rec
}

// eventCount is how many events the workspace has, read through the API.
func (ta *testAPI) eventCount(t *testing.T) int {
	t.Helper()
	rec := ta.do("GET", "/api/v1/events?page_size=1000", nil, "")
	if rec.Code != http.StatusOK {
		t.Fatalf("list events: %d %s", rec.Code, rec.Body)
	}
	var out struct {
		Events []json.RawMessage `json:"events"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("list events: %v", err)
	}
	return len(out.Events)
}

func (ta *testAPI) run(t *testing.T, scenarios []apiScenario) {
	t.Helper()
	for i, s := range scenarios {
		ok := t.Run(fmt.Sprintf("%02d_%s", i, s.Name), func(t *testing.T) { ta.test(t, s) })
		if !ok {
			t.Fatalf("scenario %q failed; later scenarios depend on it", s.Name)
		}
	}
}

func (ta *testAPI) test(t *testing.T, s apiScenario) {
	before := ta.eventCount(t)
	headers := map[string]string{}
	for k, v := range s.Headers {
		headers[k] = ta.expand(v)
	}
	rec := ta.do(s.Method, ta.expand(s.URL), headers, ta.expand(s.Body))
	body := rec.Body.String()
	show := body
	if len(show) > 2000 {
		show = show[:2000] + "..."
	}

	if rec.Code != s.ExpectedStatus {
		t.Fatalf("%s %s: status %d, want %d; body: %s", s.Method, s.URL, rec.Code, s.ExpectedStatus, show)
	}
	if rec.Code >= 400 && rec.Code != http.StatusRequestedRangeNotSatisfiable {
		var e errorBody
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil && s.Method != "HEAD" {
			t.Fatalf("error response is not the API's error JSON: %v; body: %s", err, show)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
			t.Errorf("error Content-Type = %q, want application/json", ct)
		}
		if s.ExpectedCode != "" && e.Error.Code != s.ExpectedCode {
			t.Errorf("error code = %q, want %q; body: %s", e.Error.Code, s.ExpectedCode, show)
		}
		if s.Method != "HEAD" && e.Error.Message == "" {
			t.Errorf("error without a message: %s", show)
		}
		if s.ExpectedEvents != 0 {
			t.Fatalf("bad scenario: an error response cannot expect events")
		}
	} else if s.ExpectedCode != "" {
		t.Errorf("want error code %q, got success", s.ExpectedCode)
	}
	for _, f := range s.ExpectedContent {
		if f = ta.expand(f); !strings.Contains(body, f) {
			t.Errorf("body lacks %q; body: %s", f, show)
		}
	}
	for _, f := range s.NotExpectedContent {
		if f = ta.expand(f); strings.Contains(body, f) {
			t.Errorf("body contains %q; body: %s", f, show)
		}
	}
	if s.ExpectedBody != "" && body != ta.expand(s.ExpectedBody) {
		t.Errorf("body = %q, want %q", show, s.ExpectedBody)
	}
	for k, want := range s.ExpectedHeaders {
		if got := rec.Header().Get(k); got != ta.expand(want) {
			t.Errorf("header %s = %q, want %q", k, got, ta.expand(want))
		}
	}
	if len(s.Save) > 0 {
		var m map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
			t.Fatalf("save: body is not a JSON object: %v", err)
		}
		for name, field := range s.Save {
			switch v := m[field].(type) {
			case string:
				ta.vars[name] = v
			case float64:
				ta.vars[name] = strconv.FormatFloat(v, 'f', -1, 64)
			default:
				t.Fatalf("save: field %q is %T, not a string or number", field, m[field])
			}
		}
	}
	for name, h := range s.SaveHeaders {
		ta.vars[name] = rec.Header().Get(h)
	}
	if got := ta.eventCount(t) - before; got != s.ExpectedEvents {
		t.Errorf("request wrote %d events, want %d", got, s.ExpectedEvents)
	}
}

func digestOf(b string) string {
	h := sha256.Sum256([]byte(b))
	return "sha256:" + hex.EncodeToString(h[:])
}

// jsonStr quotes s as a JSON string.
func jsonStr(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestModelsAPI(t *testing.T) {
	ta := newTestAPI(t)
	deep := strings.Repeat(`{"a":`, 40) + "1" + strings.Repeat("}", 40)
	huge := `{"name":"huge","description":"` + strings.Repeat("x", MaxJSONBody) + `"}`
	ta.run(t, []apiScenario{
		{Name: "empty list", Method: "GET", URL: "/api/v1/models",
			ExpectedStatus: 200, ExpectedContent: []string{`"models":[]`}},
		{Name: "create", Method: "POST", URL: "/api/v1/models",
			Body:           `{"name":"fraud","kind":"ml","description":"card fraud","tags":{"team":"risk"}}`,
			ExpectedStatus: 201, ExpectedEvents: 1,
			ExpectedContent: []string{`"name":"fraud"`, `"kind":"ml"`, `"team":"risk"`, `"revision":1`, `"created_by":"anonymous"`},
			ExpectedHeaders: map[string]string{"ETag": `"1"`, "Location": "/api/v1/models/fraud"}},
		{Name: "duplicate", Method: "POST", URL: "/api/v1/models", Body: `{"name":"fraud"}`,
			ExpectedStatus: 409, ExpectedCode: steward.CodeAlreadyExists},
		{Name: "get", Method: "GET", URL: "/api/v1/models/fraud",
			ExpectedStatus: 200, ExpectedContent: []string{`"name":"fraud"`, `"description":"card fraud"`},
			ExpectedHeaders: map[string]string{"ETag": `"1"`}},
		{Name: "get missing", Method: "GET", URL: "/api/v1/models/nope",
			ExpectedStatus: 404, ExpectedCode: steward.CodeNotFound},

		// Validation: messages name the field, nothing is written.
		{Name: "empty name", Method: "POST", URL: "/api/v1/models", Body: `{"name":""}`,
			ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid, ExpectedContent: []string{"model name", `"field":"model name"`}},
		{Name: "slash in name", Method: "POST", URL: "/api/v1/models", Body: `{"name":"a/b"}`,
			ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid, ExpectedContent: []string{"model name"}},
		{Name: "leading space", Method: "POST", URL: "/api/v1/models", Body: `{"name":" fraud2"}`,
			ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid, ExpectedContent: []string{"model name", "whitespace"}},
		{Name: "control character", Method: "POST", URL: "/api/v1/models", Body: `{"name":"a\u0007b"}`,
			ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid, ExpectedContent: []string{"model name"}},
		{Name: "bad kind", Method: "POST", URL: "/api/v1/models", Body: `{"name":"k","kind":"magic"}`,
			ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid, ExpectedContent: []string{`"field":"kind"`}},
		{Name: "bad tag key", Method: "POST", URL: "/api/v1/models", Body: `{"name":"k","tags":{"a\"b":"v"}}`,
			ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid, ExpectedContent: []string{"tag key"}},
		{Name: "malformed json", Method: "POST", URL: "/api/v1/models", Body: `{"name":`,
			ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid, ExpectedContent: []string{"malformed JSON"}},
		{Name: "trailing garbage", Method: "POST", URL: "/api/v1/models", Body: `{"name":"t"} {}`,
			ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid, ExpectedContent: []string{"more than one JSON value"}},
		{Name: "unknown field", Method: "POST", URL: "/api/v1/models", Body: `{"name":"u","colour":"red"}`,
			ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid, ExpectedContent: []string{"colour", `"field":"colour"`}},
		{Name: "wrong type", Method: "POST", URL: "/api/v1/models", Body: `{"name": 5}`,
			ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid, ExpectedContent: []string{`"field":"name"`, "must be string"}},
		{Name: "too deep", Method: "POST", URL: "/api/v1/models", Body: deep,
			ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid, ExpectedContent: []string{"nested deeper than 32"}},
		{Name: "too large", Method: "POST", URL: "/api/v1/models", Body: huge,
			ExpectedStatus: 413, ExpectedCode: steward.CodeTooLarge},
		{Name: "empty body", Method: "POST", URL: "/api/v1/models",
			ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid, ExpectedContent: []string{"empty"}},
		{Name: "not json content type", Method: "POST", URL: "/api/v1/models", Body: `name=x`,
			Headers:        map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
			ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid, ExpectedContent: []string{"Content-Type"}},
		{Name: "nothing was written", Method: "GET", URL: "/api/v1/models",
			ExpectedStatus: 200, ExpectedContent: []string{`"name":"fraud"`},
			NotExpectedContent: []string{`"huge"`, `"u"`, `"k"`, `"t"`, "fraud2"}},

		// Optimistic concurrency.
		{Name: "update with If-Match", Method: "PATCH", URL: "/api/v1/models/fraud", Body: `{"description":"v2"}`,
			Headers:        map[string]string{"If-Match": `"1"`},
			ExpectedStatus: 200, ExpectedEvents: 1, ExpectedContent: []string{`"description":"v2"`, `"revision":2`},
			ExpectedHeaders: map[string]string{"ETag": `"2"`}},
		{Name: "update with stale If-Match", Method: "PATCH", URL: "/api/v1/models/fraud", Body: `{"description":"lost update"}`,
			Headers:        map[string]string{"If-Match": `"1"`},
			ExpectedStatus: 412, ExpectedCode: steward.CodePreconditionFailed, ExpectedContent: []string{`"revision":2`}},
		{Name: "update with malformed If-Match", Method: "PATCH", URL: "/api/v1/models/fraud", Body: `{"description":"x"}`,
			Headers:        map[string]string{"If-Match": `banana`},
			ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid, ExpectedContent: []string{"If-Match"}},
		{Name: "update with weak ETag", Method: "PATCH", URL: "/api/v1/models/fraud", Body: `{"owner":"alice","kind":"rules"}`,
			Headers:        map[string]string{"If-Match": `W/"2"`},
			ExpectedStatus: 200, ExpectedEvents: 1, ExpectedContent: []string{`"owner":"alice"`, `"kind":"rules"`, `"description":"v2"`},
			ExpectedHeaders: map[string]string{"ETag": `"3"`}},
		{Name: "update unknown field", Method: "PATCH", URL: "/api/v1/models/fraud", Body: `{"latest_version":7}`,
			ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid},
		{Name: "update invalid name", Method: "PATCH", URL: "/api/v1/models/fraud", Body: `{"name":"x/y"}`,
			ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid, ExpectedContent: []string{"model name"}},
		{Name: "update unchanged by failures", Method: "GET", URL: "/api/v1/models/fraud",
			ExpectedStatus: 200, ExpectedContent: []string{`"description":"v2"`, `"revision":3`}},

		// Tags; the key may contain '/'.
		{Name: "set tag with slash", Method: "PUT", URL: "/api/v1/models/fraud/tags/team/owner", Body: `{"value":"risk-ops"}`,
			ExpectedStatus: 204, ExpectedEvents: 1},
		{Name: "tag visible", Method: "GET", URL: "/api/v1/models/fraud",
			ExpectedStatus: 200, ExpectedContent: []string{`"team/owner":"risk-ops"`}},
		{Name: "delete tag", Method: "DELETE", URL: "/api/v1/models/fraud/tags/team/owner",
			ExpectedStatus: 204, ExpectedEvents: 1},
		{Name: "delete missing tag", Method: "DELETE", URL: "/api/v1/models/fraud/tags/team/owner",
			ExpectedStatus: 404, ExpectedCode: steward.CodeNotFound},

		// Listing and paging.
		{Name: "create second", Method: "POST", URL: "/api/v1/models", Body: `{"name":"churn","kind":"llm"}`,
			ExpectedStatus: 201, ExpectedEvents: 1},
		{Name: "create third", Method: "POST", URL: "/api/v1/models", Body: `{"name":"credit"}`,
			ExpectedStatus: 201, ExpectedEvents: 1},
		// Names may hold characters that are special in URLs; Location
		// must escape them so following it finds the model.
		{Name: "create with URL-special name", Method: "POST", URL: "/api/v1/models", Body: `{"name":"q3 50%? #1"}`,
			ExpectedStatus: 201, ExpectedEvents: 1,
			ExpectedHeaders: map[string]string{"Location": "/api/v1/models/q3%2050%25%3F%20%231"}},
		{Name: "follow escaped Location", Method: "GET", URL: "/api/v1/models/q3%2050%25%3F%20%231",
			ExpectedStatus: 200, ExpectedContent: []string{`"name":"q3 50%? #1"`}},
		{Name: "version Location escaped", Method: "POST", URL: "/api/v1/models/q3%2050%25%3F%20%231/versions", Body: `{}`,
			ExpectedStatus: 201, ExpectedEvents: 1,
			ExpectedHeaders: map[string]string{"Location": "/api/v1/models/q3%2050%25%3F%20%231/versions/1"}},
		{Name: "delete URL-special name", Method: "DELETE", URL: "/api/v1/models/q3%2050%25%3F%20%231",
			ExpectedStatus: 204, ExpectedEvents: 1},
		{Name: "filter by kind", Method: "GET", URL: "/api/v1/models?kind=llm",
			ExpectedStatus: 200, ExpectedContent: []string{`"name":"churn"`}, NotExpectedContent: []string{`"name":"fraud"`}},
		{Name: "filter by prefix", Method: "GET", URL: "/api/v1/models?name_prefix=c",
			ExpectedStatus: 200, ExpectedContent: []string{`"name":"churn"`, `"name":"credit"`}, NotExpectedContent: []string{`"name":"fraud"`}},
		{Name: "first page", Method: "GET", URL: "/api/v1/models?page_size=2",
			ExpectedStatus: 200, ExpectedContent: []string{`"name":"churn"`, `"name":"credit"`, `"next_page_token":`},
			NotExpectedContent: []string{`"name":"fraud"`}, Save: map[string]string{"token": "next_page_token"}},
		{Name: "second page", Method: "GET", URL: "/api/v1/models?page_size=2&page_token={{token}}",
			ExpectedStatus: 200, ExpectedContent: []string{`"name":"fraud"`},
			NotExpectedContent: []string{`"name":"churn"`, `"next_page_token"`}},
		{Name: "token for another filter", Method: "GET", URL: "/api/v1/models?page_size=2&kind=ml&page_token={{token}}",
			ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid, ExpectedContent: []string{"page_token"}},
		{Name: "bad page token", Method: "GET", URL: "/api/v1/models?page_token=not-a-token",
			ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid, ExpectedContent: []string{"page_token"}},
		{Name: "page size too big", Method: "GET", URL: "/api/v1/models?page_size=5000",
			ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid, ExpectedContent: []string{"page_size"}},
		{Name: "page size not a number", Method: "GET", URL: "/api/v1/models?page_size=ten",
			ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid, ExpectedContent: []string{"page_size"}},

		// Routing.
		{Name: "unknown route", Method: "GET", URL: "/api/v1/nothing/here",
			ExpectedStatus: 404, ExpectedCode: steward.CodeNotFound, ExpectedContent: []string{"no API route"}},
		{Name: "wrong method", Method: "PATCH", URL: "/api/v1/models",
			ExpectedStatus: 405, ExpectedCode: steward.CodeMethodNotAllowed, ExpectedHeaders: map[string]string{"Allow": "GET, HEAD, POST"}},
		{Name: "openapi document", Method: "GET", URL: "/api/v1/openapi.json",
			ExpectedStatus: 200, ExpectedContent: []string{`"openapi": "3.1.0"`}},

		// Delete.
		{Name: "delete with stale If-Match", Method: "DELETE", URL: "/api/v1/models/fraud",
			Headers:        map[string]string{"If-Match": `"2"`},
			ExpectedStatus: 412, ExpectedCode: steward.CodePreconditionFailed},
		{Name: "delete with malformed If-Match", Method: "DELETE", URL: "/api/v1/models/fraud",
			Headers:        map[string]string{"If-Match": `"-1"`},
			ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid},
		{Name: "delete", Method: "DELETE", URL: "/api/v1/models/fraud",
			Headers:        map[string]string{"If-Match": `"3"`},
			ExpectedStatus: 204, ExpectedEvents: 1},
		{Name: "gone", Method: "GET", URL: "/api/v1/models/fraud",
			ExpectedStatus: 404, ExpectedCode: steward.CodeNotFound},
		{Name: "delete again", Method: "DELETE", URL: "/api/v1/models/fraud",
			ExpectedStatus: 404, ExpectedCode: steward.CodeNotFound},
		{Name: "events record the changes", Method: "GET", URL: "/api/v1/events?object_type=model&action=model.delete",
			ExpectedStatus: 200, ExpectedContent: []string{`"action":"model.delete"`, `"actor_id":"anonymous"`},
			NotExpectedContent: []string{`"action":"model.create"`}},
		{Name: "events bad after_seq", Method: "GET", URL: "/api/v1/events?after_seq=-1",
			ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid, ExpectedContent: []string{"after_seq"}},
	})
}

func TestArtifactsAPI(t *testing.T) {
	ta := newTestAPI(t)
	weights := "weights: 0123456789abcdefghijklmnopqrstuvwxyz"
	config := `{"layers": 3}`
	tampered := "these are not the bytes you declared"
	never := "never uploaded"
	part1, part2 := strings.Repeat("A", 3000), strings.Repeat("B", 1234)
	big := part1 + part2
	dw, dc, dt, dn, db := digestOf(weights), digestOf(config), digestOf(tampered), digestOf(never), digestOf(big)

	// The manifest digest, computed as documented: SHA-256 over
	// "<digest> <size> <path>\n" lines sorted by path.
	manifest := fmt.Sprintf("%s %d %s\n%s %d %s\n", dc, len(config), "config.json", dw, len(weights), "model/weights.bin")
	md := digestOf(manifest)

	v1 := fmt.Sprintf(`{"description":"first","files":[{"path":"model/weights.bin","digest":%q,"size":%d},{"path":"config.json","digest":%q,"size":%d,"media_type":"application/json"}]}`,
		dw, len(weights), dc, len(config))
	ta.vars["dw"], ta.vars["dt"], ta.vars["db"] = dw, dt, db

	ta.run(t, []apiScenario{
		// Blobs.
		{Name: "put blob", Method: "PUT", URL: "/api/v1/blobs/" + dw, Body: weights,
			ExpectedStatus: 201, ExpectedEvents: 1,
			ExpectedContent: []string{jsonStr(dw), fmt.Sprintf(`"size":%d`, len(weights))}},
		{Name: "put same blob again", Method: "PUT", URL: "/api/v1/blobs/" + dw, Body: weights,
			ExpectedStatus: 201, ExpectedEvents: 0},
		{Name: "put second blob as bare hex", Method: "PUT", URL: "/api/v1/blobs/" + strings.TrimPrefix(dc, "sha256:"), Body: config,
			ExpectedStatus: 201, ExpectedEvents: 1, ExpectedContent: []string{jsonStr(dc)}},
		{Name: "put blob with mismatching digest", Method: "PUT", URL: "/api/v1/blobs/" + dt, Body: "something else",
			ExpectedStatus: 400, ExpectedCode: steward.CodeDigestMismatch},
		{Name: "mismatched blob was not stored", Method: "GET", URL: "/api/v1/blobs/" + dt,
			ExpectedStatus: 404, ExpectedCode: steward.CodeNotFound},
		{Name: "put blob with invalid digest", Method: "PUT", URL: "/api/v1/blobs/sha256:XYZ", Body: weights,
			ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid, ExpectedContent: []string{"digest"}},
		{Name: "head blob", Method: "HEAD", URL: "/api/v1/blobs/" + dw,
			ExpectedStatus: 200, ExpectedHeaders: map[string]string{"Content-Length": strconv.Itoa(len(weights))}},
		{Name: "head missing blob", Method: "HEAD", URL: "/api/v1/blobs/" + dn,
			ExpectedStatus: 404},
		{Name: "get blob", Method: "GET", URL: "/api/v1/blobs/" + dw,
			ExpectedStatus: 200, ExpectedEvents: 1, ExpectedBody: weights, ExpectedHeaders: map[string]string{"ETag": jsonStr(dw)}},
		{Name: "get blob range", Method: "GET", URL: "/api/v1/blobs/" + dw, Headers: map[string]string{"Range": "bytes=9-18"},
			ExpectedStatus: 206, ExpectedEvents: 1, ExpectedBody: weights[9:19],
			ExpectedHeaders: map[string]string{"Content-Range": fmt.Sprintf("bytes 9-18/%d", len(weights))}},

		// Versions.
		{Name: "create model", Method: "POST", URL: "/api/v1/models", Body: `{"name":"m"}`,
			ExpectedStatus: 201, ExpectedEvents: 1},
		{Name: "version with unknown blob", Method: "POST", URL: "/api/v1/models/m/versions",
			Body:           fmt.Sprintf(`{"files":[{"path":"a.bin","digest":%q,"size":%d},{"path":"b.bin","digest":%q,"size":%d}]}`, dw, len(weights), dn, len(never)),
			ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid, ExpectedContent: []string{"has not been uploaded", `"field":"files.digest"`}},
		{Name: "version with wrong size", Method: "POST", URL: "/api/v1/models/m/versions",
			Body:           fmt.Sprintf(`{"files":[{"path":"a.bin","digest":%q,"size":1}]}`, dw),
			ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid, ExpectedContent: []string{`"field":"files.size"`}},
		{Name: "version with traversal path", Method: "POST", URL: "/api/v1/models/m/versions",
			Body:           fmt.Sprintf(`{"files":[{"path":"../evil","digest":%q,"size":%d}]}`, dw, len(weights)),
			ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid, ExpectedContent: []string{`"field":"files.path"`}},
		{Name: "version with duplicate path", Method: "POST", URL: "/api/v1/models/m/versions",
			Body:           fmt.Sprintf(`{"files":[{"path":"a","digest":%q,"size":%d},{"path":"a","digest":%q,"size":%d}]}`, dw, len(weights), dw, len(weights)),
			ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid},
		{Name: "version of missing model", Method: "POST", URL: "/api/v1/models/nope/versions", Body: v1,
			ExpectedStatus: 404, ExpectedCode: steward.CodeNotFound},
		{Name: "no version was created", Method: "GET", URL: "/api/v1/models/m/versions",
			ExpectedStatus: 200, ExpectedContent: []string{`"versions":[]`}},
		{Name: "create version", Method: "POST", URL: "/api/v1/models/m/versions", Body: v1,
			ExpectedStatus: 201, ExpectedEvents: 1,
			ExpectedContent: []string{`"version":1`, `"manifest_digest":` + jsonStr(md), `"file_count":2`,
				fmt.Sprintf(`"total_size":%d`, len(weights)+len(config)), `"stage":"None"`, `"source":"models:/m/1"`},
			ExpectedHeaders: map[string]string{"ETag": `"1"`, "Location": "/api/v1/models/m/versions/1"}},
		{Name: "version number is rejected if not a number", Method: "GET", URL: "/api/v1/models/m/versions/one",
			ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid},
		{Name: "get version", Method: "GET", URL: "/api/v1/models/m/versions/1",
			ExpectedStatus: 200, ExpectedContent: []string{`"model_name":"m"`, `"description":"first"`}},
		{Name: "model counts versions", Method: "GET", URL: "/api/v1/models/m",
			ExpectedStatus: 200, ExpectedContent: []string{`"latest_version":1`}},
		{Name: "manifest", Method: "GET", URL: "/api/v1/models/m/versions/1/files",
			ExpectedStatus: 200, ExpectedContent: []string{`"manifest_digest":` + jsonStr(md), `"path":"config.json"`, `"path":"model/weights.bin"`}},
		{Name: "download file", Method: "GET", URL: "/api/v1/models/m/versions/1/files/model/weights.bin",
			ExpectedStatus: 200, ExpectedEvents: 1, ExpectedBody: weights,
			ExpectedHeaders: map[string]string{"Content-Type": "application/octet-stream", "Content-Disposition": `attachment; filename="weights.bin"`}},
		{Name: "download with media type", Method: "GET", URL: "/api/v1/models/m/versions/1/files/config.json",
			ExpectedStatus: 200, ExpectedEvents: 1, ExpectedBody: config, ExpectedHeaders: map[string]string{"Content-Type": "application/json"}},
		{Name: "download range", Method: "GET", URL: "/api/v1/models/m/versions/1/files/model/weights.bin",
			Headers:        map[string]string{"Range": "bytes=-5"},
			ExpectedStatus: 206, ExpectedEvents: 1, ExpectedBody: weights[len(weights)-5:]},
		{Name: "download unsatisfiable range", Method: "GET", URL: "/api/v1/models/m/versions/1/files/model/weights.bin",
			Headers:        map[string]string{"Range": "bytes=1000-2000"},
			ExpectedStatus: 416},
		{Name: "download missing file", Method: "GET", URL: "/api/v1/models/m/versions/1/files/model/other.bin",
			ExpectedStatus: 404, ExpectedCode: steward.CodeNotFound},
		{Name: "download from missing version", Method: "GET", URL: "/api/v1/models/m/versions/9/files/config.json",
			ExpectedStatus: 404, ExpectedCode: steward.CodeNotFound},

		// Stage.
		{Name: "stage to Staging", Method: "POST", URL: "/api/v1/models/m/versions/1/stage", Body: `{"stage":"staging"}`,
			Headers:        map[string]string{"If-Match": `"1"`},
			ExpectedStatus: 200, ExpectedEvents: 1, ExpectedContent: []string{`"stage":"Staging"`}, ExpectedHeaders: map[string]string{"ETag": `"2"`}},
		{Name: "stage with stale If-Match", Method: "POST", URL: "/api/v1/models/m/versions/1/stage", Body: `{"stage":"Production"}`,
			Headers:        map[string]string{"If-Match": `"1"`},
			ExpectedStatus: 412, ExpectedCode: steward.CodePreconditionFailed},
		{Name: "unknown stage", Method: "POST", URL: "/api/v1/models/m/versions/1/stage", Body: `{"stage":"Live"}`,
			ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid, ExpectedContent: []string{`"field":"stage"`}},
		{Name: "list by stage", Method: "GET", URL: "/api/v1/versions?stage=Staging",
			ExpectedStatus: 200, ExpectedContent: []string{`"model_name":"m"`, `"version":1`}},
		{Name: "list by other stage", Method: "GET", URL: "/api/v1/models/m/versions?stage=Production",
			ExpectedStatus: 200, ExpectedContent: []string{`"versions":[]`}},

		// Version tags and update.
		{Name: "version tag with slash", Method: "PUT", URL: "/api/v1/models/m/versions/1/tags/eval/auc", Body: `{"value":"0.91"}`,
			ExpectedStatus: 204, ExpectedEvents: 1},
		{Name: "version tag visible", Method: "GET", URL: "/api/v1/models/m/versions/1",
			ExpectedStatus: 200, ExpectedContent: []string{`"eval/auc":"0.91"`}},
		{Name: "update version", Method: "PATCH", URL: "/api/v1/models/m/versions/1", Body: `{"description":"better"}`,
			ExpectedStatus: 200, ExpectedEvents: 1, ExpectedContent: []string{`"description":"better"`}},
		{Name: "version files are immutable", Method: "PATCH", URL: "/api/v1/models/m/versions/1", Body: `{"files":[]}`,
			ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid, ExpectedContent: []string{"files"}},

		// Aliases.
		{Name: "set alias", Method: "PUT", URL: "/api/v1/models/m/aliases/champion", Body: `{"version":1}`,
			ExpectedStatus: 200, ExpectedEvents: 1, ExpectedContent: []string{`"version":1`}},
		{Name: "get alias", Method: "GET", URL: "/api/v1/models/m/aliases/champion",
			ExpectedStatus: 200, ExpectedContent: []string{`"version":1`, `"aliases":["champion"]`}},
		{Name: "model shows alias", Method: "GET", URL: "/api/v1/models/m",
			ExpectedStatus: 200, ExpectedContent: []string{`"aliases":{"champion":1}`}},
		{Name: "reserved alias", Method: "PUT", URL: "/api/v1/models/m/aliases/latest", Body: `{"version":1}`,
			ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid, ExpectedContent: []string{`"field":"alias"`}},
		{Name: "alias to missing version", Method: "PUT", URL: "/api/v1/models/m/aliases/challenger", Body: `{"version":7}`,
			ExpectedStatus: 404, ExpectedCode: steward.CodeNotFound},
		{Name: "alias without version", Method: "PUT", URL: "/api/v1/models/m/aliases/challenger", Body: `{}`,
			ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid, ExpectedContent: []string{`"field":"version"`}},
		{Name: "delete alias", Method: "DELETE", URL: "/api/v1/models/m/aliases/champion",
			ExpectedStatus: 204, ExpectedEvents: 1},
		{Name: "alias gone", Method: "GET", URL: "/api/v1/models/m/aliases/champion",
			ExpectedStatus: 404, ExpectedCode: steward.CodeNotFound},
		{Name: "delete missing alias", Method: "DELETE", URL: "/api/v1/models/m/aliases/champion",
			ExpectedStatus: 404, ExpectedCode: steward.CodeNotFound},

		// Resumable uploads.
		{Name: "create upload", Method: "POST", URL: "/api/v1/uploads",
			ExpectedStatus: 201, ExpectedContent: []string{`"offset":0`}, Save: map[string]string{"up": "id"}},
		{Name: "first chunk", Method: "PATCH", URL: "/api/v1/uploads/{{up}}", Body: part1,
			Headers:        map[string]string{"Upload-Offset": "0"},
			ExpectedStatus: 200, ExpectedContent: []string{`"offset":3000`}, ExpectedHeaders: map[string]string{"Upload-Offset": "3000"}},
		{Name: "chunk at wrong offset", Method: "PATCH", URL: "/api/v1/uploads/{{up}}", Body: part2,
			Headers:        map[string]string{"Upload-Offset": "0"},
			ExpectedStatus: 409, ExpectedCode: steward.CodeConflict, ExpectedContent: []string{"offset"}},
		{Name: "chunk without offset", Method: "PATCH", URL: "/api/v1/uploads/{{up}}", Body: part2,
			ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid, ExpectedContent: []string{"Upload-Offset"}},
		{Name: "get offset", Method: "GET", URL: "/api/v1/uploads/{{up}}",
			ExpectedStatus: 200, ExpectedContent: []string{`"offset":3000`}, ExpectedHeaders: map[string]string{"Upload-Offset": "3000"}},
		{Name: "second chunk", Method: "PATCH", URL: "/api/v1/uploads/{{up}}", Body: part2,
			Headers:        map[string]string{"Upload-Offset": "3000"},
			ExpectedStatus: 200, ExpectedContent: []string{`"offset":4234`}},
		{Name: "complete with invalid digest", Method: "POST", URL: "/api/v1/uploads/{{up}}/complete", Body: `{"digest":"md5:abc"}`,
			ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid, ExpectedContent: []string{"digest"}},
		{Name: "complete", Method: "POST", URL: "/api/v1/uploads/{{up}}/complete", Body: `{"digest":"{{db}}"}`,
			ExpectedStatus: 201, ExpectedEvents: 1, ExpectedContent: []string{jsonStr(db), `"size":4234`}},
		{Name: "completed upload is gone", Method: "GET", URL: "/api/v1/uploads/{{up}}",
			ExpectedStatus: 404, ExpectedCode: steward.CodeNotFound},
		{Name: "version from upload", Method: "POST", URL: "/api/v1/models/m/versions",
			Body:           fmt.Sprintf(`{"files":[{"path":"big/data.bin","digest":%q,"size":%d}]}`, db, len(big)),
			ExpectedStatus: 201, ExpectedEvents: 1, ExpectedContent: []string{`"version":2`}},
		{Name: "download uploaded file", Method: "GET", URL: "/api/v1/models/m/versions/2/files/big/data.bin",
			ExpectedStatus: 200, ExpectedEvents: 1, ExpectedBody: big},
		{Name: "download uploaded range across chunks", Method: "GET", URL: "/api/v1/models/m/versions/2/files/big/data.bin",
			Headers:        map[string]string{"Range": "bytes=2998-3001"},
			ExpectedStatus: 206, ExpectedEvents: 1, ExpectedBody: "AABB"},
		{Name: "upload to mismatch", Method: "POST", URL: "/api/v1/uploads",
			ExpectedStatus: 201, Save: map[string]string{"up2": "id"}},
		{Name: "mismatch chunk", Method: "PATCH", URL: "/api/v1/uploads/{{up2}}", Body: "not the tampered bytes",
			Headers: map[string]string{"Upload-Offset": "0"}, ExpectedStatus: 200},
		{Name: "complete with mismatching digest", Method: "POST", URL: "/api/v1/uploads/{{up2}}/complete", Body: `{"digest":"{{dt}}"}`,
			ExpectedStatus: 400, ExpectedCode: steward.CodeDigestMismatch},
		{Name: "mismatched upload was not stored", Method: "GET", URL: "/api/v1/blobs/{{dt}}",
			ExpectedStatus: 404, ExpectedCode: steward.CodeNotFound},
		{Name: "upload to abort", Method: "POST", URL: "/api/v1/uploads",
			ExpectedStatus: 201, Save: map[string]string{"up3": "id"}},
		{Name: "abort", Method: "DELETE", URL: "/api/v1/uploads/{{up3}}", ExpectedStatus: 204},
		{Name: "aborted upload is gone", Method: "PATCH", URL: "/api/v1/uploads/{{up3}}", Body: "x",
			Headers: map[string]string{"Upload-Offset": "0"}, ExpectedStatus: 404, ExpectedCode: steward.CodeNotFound},
		{Name: "unknown upload id", Method: "GET", URL: "/api/v1/uploads/..%2F..%2Fsecret.txt",
			ExpectedStatus: 404, ExpectedCode: steward.CodeNotFound, NotExpectedContent: []string{"TOP-SECRET"}},

		// Delete a version: aliases and the number go with it.
		{Name: "delete version", Method: "DELETE", URL: "/api/v1/models/m/versions/2", Headers: map[string]string{"If-Match": `"1"`},
			ExpectedStatus: 204, ExpectedEvents: 1},
		{Name: "deleted version", Method: "GET", URL: "/api/v1/models/m/versions/2",
			ExpectedStatus: 404, ExpectedCode: steward.CodeNotFound},
		{Name: "numbers are not reused", Method: "POST", URL: "/api/v1/models/m/versions", Body: v1,
			ExpectedStatus: 201, ExpectedEvents: 1, ExpectedContent: []string{`"version":3`}},
	})
}

// TestFileDownloadTraversal asks for files outside a version in every
// spelling we know; none may answer with bytes other than the version's
// own files.
func TestFileDownloadTraversal(t *testing.T) {
	ta := newTestAPI(t)
	weights := "the real weights"
	dw := digestOf(weights)
	ta.run(t, []apiScenario{
		{Name: "blob", Method: "PUT", URL: "/api/v1/blobs/" + dw, Body: weights, ExpectedStatus: 201, ExpectedEvents: 1},
		{Name: "model", Method: "POST", URL: "/api/v1/models", Body: `{"name":"m"}`, ExpectedStatus: 201, ExpectedEvents: 1},
		{Name: "version", Method: "POST", URL: "/api/v1/models/m/versions",
			Body:           fmt.Sprintf(`{"files":[{"path":"w.bin","digest":%q,"size":%d}]}`, dw, len(weights)),
			ExpectedStatus: 201, ExpectedEvents: 1},
	})
	base := "/api/v1/models/m/versions/1/files/"
	for _, p := range []string{
		"../../../../secret.txt",
		"../../../../../../../../etc/passwd",
		"%2e%2e/%2e%2e/%2e%2e/%2e%2e/secret.txt",
		"%2E%2E%2F%2E%2E%2Fsecret.txt",
		"..%2F..%2F..%2Fsecret.txt",
		"..%5C..%5Csecret.txt",
		`..\..\secret.txt`,
		"w.bin/../../../../secret.txt",
		"./w.bin",
		"%2Fetc%2Fpasswd",
		"C:%5Cwindows%5Cwin.ini",
		"w.bin%00.txt",
		"sha256/" + dw[7:9] + "/" + dw[7:],
	} {
		t.Run(p, func(t *testing.T) {
			rec := ta.do("GET", base+p, nil, "")
			body := rec.Body.String()
			if rec.Code == http.StatusOK || rec.Code == http.StatusPartialContent {
				t.Fatalf("GET %s answered %d with %q", base+p, rec.Code, body)
			}
			leaks := []string{"TOP-SECRET", "root:", weights}
			if rec.Code >= 300 && rec.Code < 400 {
				// ServeMux answers a literal "." or ".." segment with a
				// redirect to the cleaned path; follow it. It may only lead
				// to an error or to the version's own file.
				loc := rec.Header().Get("Location")
				t.Logf("GET %s: %d redirect to %s", p, rec.Code, loc)
				if loc == base+"w.bin" {
					leaks = leaks[:2]
				}
				rec = ta.do("GET", loc, nil, "")
				body = rec.Body.String()
				if loc == base+"w.bin" && (rec.Code != http.StatusOK || body != weights) {
					t.Fatalf("GET %s: %d %q, want the version's own file", loc, rec.Code, body)
				}
			}
			if rec.Code != http.StatusBadRequest && rec.Code != http.StatusNotFound && rec.Code != http.StatusMethodNotAllowed && len(leaks) == 3 {
				t.Fatalf("GET %s: status %d, want 400 or 404: %s", p, rec.Code, body)
			}
			for _, leak := range leaks {
				if strings.Contains(body, leak) {
					t.Fatalf("GET %s leaked %q: %s", p, leak, body)
				}
			}
		})
	}
}

func TestTrackingAPI(t *testing.T) {
	ta := newTestAPI(t)
	ta.run(t, []apiScenario{
		{Name: "default experiment exists", Method: "GET", URL: "/api/v1/experiments/0",
			ExpectedStatus: 200, ExpectedContent: []string{`"id":"0"`}},
		{Name: "create experiment", Method: "POST", URL: "/api/v1/experiments", Body: `{"name":"exp1","tags":{"goal":"auc"}}`,
			ExpectedStatus: 201, ExpectedEvents: 1, ExpectedContent: []string{`"name":"exp1"`, `"lifecycle_stage":"active"`, `"goal":"auc"`},
			Save: map[string]string{"exp": "id"}, SaveHeaders: map[string]string{"expETag": "ETag"}},
		{Name: "duplicate experiment", Method: "POST", URL: "/api/v1/experiments", Body: `{"name":"exp1"}`,
			ExpectedStatus: 409, ExpectedCode: steward.CodeAlreadyExists},
		{Name: "invalid experiment name", Method: "POST", URL: "/api/v1/experiments", Body: `{"name":""}`,
			ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid, ExpectedContent: []string{"experiment name"}},
		{Name: "bad view", Method: "GET", URL: "/api/v1/experiments?view=SOME",
			ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid, ExpectedContent: []string{"view"}},
		{Name: "list experiments", Method: "GET", URL: "/api/v1/experiments",
			ExpectedStatus: 200, ExpectedContent: []string{`"name":"exp1"`}},
		{Name: "create run", Method: "POST", URL: "/api/v1/runs", Body: `{"experiment_id":"{{exp}}","name":"r1"}`,
			ExpectedStatus: 201, ExpectedEvents: 1, ExpectedContent: []string{`"status":"RUNNING"`, `"user_id":"anonymous"`},
			Save: map[string]string{"run": "id"}},
		{Name: "run in missing experiment", Method: "POST", URL: "/api/v1/runs", Body: `{"experiment_id":"999999"}`,
			ExpectedStatus: 404, ExpectedCode: steward.CodeNotFound},
		{Name: "log batch with NaN", Method: "POST", URL: "/api/v1/runs/{{run}}/log",
			Body: `{"metrics":[{"key":"loss","value":0.9,"step":1},{"key":"loss","value":0.5,"step":2},` +
				`{"key":"acc","value":"NaN","step":1},{"key":"val/loss","value":"-Infinity","step":1}],` +
				`"params":[{"key":"lr","value":"0.1"}],"tags":[{"key":"note","value":"first"}]}`,
			ExpectedStatus: 204, ExpectedEvents: 1},
		{Name: "run shows NaN", Method: "GET", URL: "/api/v1/runs/{{run}}",
			ExpectedStatus: 200, ExpectedContent: []string{`"key":"acc","value":"NaN"`, `"key":"val/loss","value":"-Infinity"`,
				`"key":"loss","value":0.5`, `"lr":"0.1"`, `"note":"first"`}},
		{Name: "metric history", Method: "GET", URL: "/api/v1/runs/{{run}}/metrics/loss",
			ExpectedStatus: 200, ExpectedContent: []string{`"value":0.9`, `"value":0.5`, `"step":2`}},
		{Name: "metric history key with slash", Method: "GET", URL: "/api/v1/runs/{{run}}/metrics/val/loss",
			ExpectedStatus: 200, ExpectedContent: []string{`"value":"-Infinity"`}},
		{Name: "metric history paged", Method: "GET", URL: "/api/v1/runs/{{run}}/metrics/loss?page_size=1",
			ExpectedStatus: 200, ExpectedContent: []string{`"value":0.9`}, NotExpectedContent: []string{`"value":0.5`, `"next_page_token":""`}},
		{Name: "metric history of missing run", Method: "GET", URL: "/api/v1/runs/nope/metrics/loss",
			ExpectedStatus: 404, ExpectedCode: steward.CodeNotFound},
		{Name: "param change rejected", Method: "POST", URL: "/api/v1/runs/{{run}}/log",
			Body:           `{"metrics":[{"key":"atomic","value":1}],"params":[{"key":"lr","value":"0.2"}]}`,
			ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid, ExpectedContent: []string{`param \"lr\"`, "set once", `"field":"params"`}},
		{Name: "rejected batch logged nothing", Method: "GET", URL: "/api/v1/runs/{{run}}/metrics/atomic",
			ExpectedStatus: 200, ExpectedContent: []string{`"metrics":[]`}},
		{Name: "same param value is fine", Method: "POST", URL: "/api/v1/runs/{{run}}/log", Body: `{"params":[{"key":"lr","value":"0.1"}]}`,
			ExpectedStatus: 204, ExpectedEvents: 1},
		{Name: "metric value not a number", Method: "POST", URL: "/api/v1/runs/{{run}}/log", Body: `{"metrics":[{"key":"x","value":"abc"}]}`,
			ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid, ExpectedContent: []string{"not a number"}},
		{Name: "metric value wrong type", Method: "POST", URL: "/api/v1/runs/{{run}}/log", Body: `{"metrics":[{"key":"x","value":true}]}`,
			ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid},
		{Name: "bad metric key", Method: "POST", URL: "/api/v1/runs/{{run}}/log", Body: `{"metrics":[{"key":"a*b","value":1}]}`,
			ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid, ExpectedContent: []string{"metric key"}},
		{Name: "log to missing run", Method: "POST", URL: "/api/v1/runs/nope/log", Body: `{"metrics":[{"key":"x","value":1}]}`,
			ExpectedStatus: 404, ExpectedCode: steward.CodeNotFound},
		{Name: "run tag", Method: "PUT", URL: "/api/v1/runs/{{run}}/tags/mlflow.note", Body: `{"value":"hi"}`,
			ExpectedStatus: 204, ExpectedEvents: 1},
		{Name: "delete run tag", Method: "DELETE", URL: "/api/v1/runs/{{run}}/tags/mlflow.note",
			ExpectedStatus: 204, ExpectedEvents: 1},
		{Name: "finish run with stale If-Match", Method: "PATCH", URL: "/api/v1/runs/{{run}}", Body: `{"status":"FINISHED"}`,
			Headers: map[string]string{"If-Match": `"99"`}, ExpectedStatus: 412, ExpectedCode: steward.CodePreconditionFailed},
		{Name: "bad status", Method: "PATCH", URL: "/api/v1/runs/{{run}}", Body: `{"status":"DONE"}`,
			ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid},
		{Name: "finish run", Method: "PATCH", URL: "/api/v1/runs/{{run}}", Body: `{"status":"FINISHED","end_time":1700000000000}`,
			ExpectedStatus: 200, ExpectedEvents: 1, ExpectedContent: []string{`"status":"FINISHED"`, `"end_time":1700000000000`}},
		{Name: "list runs of experiment", Method: "GET", URL: "/api/v1/runs?experiment_id={{exp}}",
			ExpectedStatus: 200, ExpectedContent: []string{`"id":"{{run}}"`}},
		{Name: "list runs of other experiment", Method: "GET", URL: "/api/v1/runs?experiment_id=0",
			ExpectedStatus: 200, ExpectedContent: []string{`"runs":[]`}},
		{Name: "delete run", Method: "DELETE", URL: "/api/v1/runs/{{run}}", ExpectedStatus: 204, ExpectedEvents: 1},
		{Name: "deleted run hidden", Method: "GET", URL: "/api/v1/runs?experiment_id={{exp}}",
			ExpectedStatus: 200, ExpectedContent: []string{`"runs":[]`}},
		{Name: "deleted run refuses logging", Method: "POST", URL: "/api/v1/runs/{{run}}/log", Body: `{"metrics":[{"key":"x","value":1}]}`,
			ExpectedStatus: 409, ExpectedCode: steward.CodeConflict},
		{Name: "restore run", Method: "POST", URL: "/api/v1/runs/{{run}}/restore",
			ExpectedStatus: 200, ExpectedEvents: 1, ExpectedContent: []string{`"lifecycle_stage":"active"`}},
		{Name: "rename experiment", Method: "PATCH", URL: "/api/v1/experiments/{{exp}}", Body: `{"name":"exp-renamed"}`,
			Headers: map[string]string{"If-Match": "{{expETag}}"}, ExpectedStatus: 200, ExpectedEvents: 1, ExpectedContent: []string{`"name":"exp-renamed"`}},
		{Name: "experiment tag", Method: "PUT", URL: "/api/v1/experiments/{{exp}}/tags/owner/team", Body: `{"value":"ml"}`,
			ExpectedStatus: 204, ExpectedEvents: 1},
		{Name: "delete default experiment", Method: "DELETE", URL: "/api/v1/experiments/0",
			ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid},
		{Name: "delete experiment", Method: "DELETE", URL: "/api/v1/experiments/{{exp}}",
			ExpectedStatus: 204, ExpectedEvents: 1},
		{Name: "deleted experiments", Method: "GET", URL: "/api/v1/experiments?view=DELETED_ONLY",
			ExpectedStatus: 200, ExpectedContent: []string{`"name":"exp-renamed"`, `"lifecycle_stage":"deleted"`}},
		{Name: "no runs in deleted experiment", Method: "POST", URL: "/api/v1/runs", Body: `{"experiment_id":"{{exp}}"}`,
			ExpectedStatus: 409, ExpectedCode: steward.CodeConflict},
		{Name: "restore experiment", Method: "POST", URL: "/api/v1/experiments/{{exp}}/restore",
			ExpectedStatus: 200, ExpectedEvents: 1, ExpectedContent: []string{`"lifecycle_stage":"active"`}},
		{Name: "version from run", Method: "POST", URL: "/api/v1/models", Body: `{"name":"from-run"}`,
			ExpectedStatus: 201, ExpectedEvents: 1},
		{Name: "version with missing run", Method: "POST", URL: "/api/v1/models/from-run/versions", Body: `{"run_id":"nope"}`,
			ExpectedStatus: 404, ExpectedCode: steward.CodeNotFound, ExpectedContent: []string{`"field":"run_id"`}},
		{Name: "version with run", Method: "POST", URL: "/api/v1/models/from-run/versions", Body: `{"run_id":"{{run}}"}`,
			ExpectedStatus: 201, ExpectedEvents: 1, ExpectedContent: []string{`"run_id":"{{run}}"`}},
		{Name: "versions by run", Method: "GET", URL: "/api/v1/versions?run_id={{run}}",
			ExpectedStatus: 200, ExpectedContent: []string{`"model_name":"from-run"`}},
	})
}

func TestWorkspacesAndProjectsAPI(t *testing.T) {
	ta := newTestAPI(t)
	ta.run(t, []apiScenario{
		{Name: "default workspace", Method: "GET", URL: "/api/v1/workspaces",
			ExpectedStatus: 200, ExpectedContent: []string{`"name":"default"`}},
		{Name: "create workspace", Method: "POST", URL: "/api/v1/workspaces", Body: `{"name":"team-a","description":"A"}`,
			ExpectedStatus: 201, ExpectedHeaders: map[string]string{"Location": "/api/v1/workspaces/team-a"}},
		{Name: "get workspace", Method: "GET", URL: "/api/v1/workspaces/team-a",
			ExpectedStatus: 200, ExpectedContent: []string{`"description":"A"`}},
		{Name: "invalid workspace name", Method: "POST", URL: "/api/v1/workspaces", Body: `{"name":"Team A"}`,
			ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid, ExpectedContent: []string{`"field":"workspace"`}},
		{Name: "duplicate workspace", Method: "POST", URL: "/api/v1/workspaces", Body: `{"name":"team-a"}`,
			ExpectedStatus: 409, ExpectedCode: steward.CodeAlreadyExists},
		{Name: "missing workspace", Method: "GET", URL: "/api/v1/workspaces/nope",
			ExpectedStatus: 404, ExpectedCode: steward.CodeNotFound},
		{Name: "project Location escaped", Method: "POST", URL: "/api/v1/projects", Body: `{"name":"a?b"}`,
			ExpectedStatus: 201, ExpectedEvents: 1, ExpectedHeaders: map[string]string{"Location": "/api/v1/projects/a%3Fb"}},
		{Name: "create project", Method: "POST", URL: "/api/v1/projects", Body: `{"name":"payments"}`,
			ExpectedStatus: 201, ExpectedEvents: 1, ExpectedHeaders: map[string]string{"ETag": `"1"`}},
		{Name: "duplicate project", Method: "POST", URL: "/api/v1/projects", Body: `{"name":"payments"}`,
			ExpectedStatus: 409, ExpectedCode: steward.CodeAlreadyExists},
		{Name: "model in missing project", Method: "POST", URL: "/api/v1/models", Body: `{"name":"p1","project":"nope"}`,
			ExpectedStatus: 404, ExpectedCode: steward.CodeNotFound},
		{Name: "model in project", Method: "POST", URL: "/api/v1/models", Body: `{"name":"p1","project":"payments"}`,
			ExpectedStatus: 201, ExpectedEvents: 1, ExpectedContent: []string{`"project":"payments"`}},
		{Name: "models by project", Method: "GET", URL: "/api/v1/models?project=payments",
			ExpectedStatus: 200, ExpectedContent: []string{`"name":"p1"`}},
		{Name: "update project", Method: "PATCH", URL: "/api/v1/projects/payments", Body: `{"description":"cards"}`,
			Headers: map[string]string{"If-Match": `"1"`}, ExpectedStatus: 200, ExpectedEvents: 1, ExpectedHeaders: map[string]string{"ETag": `"2"`}},
		{Name: "update project stale", Method: "PATCH", URL: "/api/v1/projects/payments", Body: `{"description":"x"}`,
			Headers: map[string]string{"If-Match": `"1"`}, ExpectedStatus: 412, ExpectedCode: steward.CodePreconditionFailed},
		{Name: "list projects", Method: "GET", URL: "/api/v1/projects",
			ExpectedStatus: 200, ExpectedContent: []string{`"description":"cards"`}},
		{Name: "bad project page token", Method: "GET", URL: "/api/v1/projects?page_token=zzz",
			ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid},
		{Name: "delete project", Method: "DELETE", URL: "/api/v1/projects/payments",
			ExpectedStatus: 204, ExpectedEvents: 1},
		{Name: "project gone", Method: "GET", URL: "/api/v1/projects/payments",
			ExpectedStatus: 404, ExpectedCode: steward.CodeNotFound},
	})
}
