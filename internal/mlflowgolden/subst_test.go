package mlflowgolden

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
)

func mustOrdered(t *testing.T, s string) any {
	t.Helper()
	v, err := DecodeOrdered([]byte(s))
	if err != nil {
		t.Fatalf("bad test JSON %s: %v", s, err)
	}
	return v
}

func encode(t *testing.T, v any) string {
	t.Helper()
	b, err := EncodeJSON(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// learned returns an IDMap as the replay would have it after runs/create
// and experiments/create responses.
func learned(t *testing.T) *IDMap {
	t.Helper()
	ids := NewIDMap()
	c := NewComparer(ids)
	d := c.Compare("response_body",
		mustPlain(t, `{"run":{"info":{"run_id":"`+runA+`","experiment_id":"9","artifact_uri":"mlflow-artifacts:/9/`+runA+`/artifacts"}}}`),
		mustPlain(t, `{"run":{"info":{"run_id":"`+ourA+`","experiment_id":"42","artifact_uri":"mlflow-artifacts:/42/`+ourA+`/artifacts"}}}`))
	d = append(d, c.Compare("response_body", mustPlain(t, `{"experiment_id":"7"}`), mustPlain(t, `{"experiment_id":"70"}`))...)
	d = append(d, c.Compare("response_body", mustPlain(t, `{"run_id":"`+runB+`"}`), mustPlain(t, `{"run_id":"`+ourB+`"}`))...)
	if len(d) != 0 {
		t.Fatal(d)
	}
	return ids
}

func TestSubstRunIDsEverywhere(t *testing.T) {
	ids := learned(t)
	if got := ids.RewritePath("/api/2.0/mlflow/runs/" + runA); got != "/api/2.0/mlflow/runs/"+ourA {
		t.Errorf("path: %s", got)
	}
	q := ids.RewriteQuery([]QueryParam{
		{"run_uuid", []string{runA}}, {"run_id", []string{runA}},
		{"filter", []string{"run_id IN ('" + runA + "', '" + runB + "')"}},
		{"other", []string{"0123456789abcdef0123456789abcdef"}}, // unknown ids pass through
	})
	want := []QueryParam{{"run_uuid", []string{ourA}}, {"run_id", []string{ourA}},
		{"filter", []string{"run_id IN ('" + ourA + "', '" + ourB + "')"}}, {"other", []string{"0123456789abcdef0123456789abcdef"}}}
	if encode(t, toAny(q)) != encode(t, toAny(want)) {
		t.Errorf("query: %v", q)
	}
	body := mustOrdered(t, `{"run_id":"`+runA+`","filter":"attributes.run_id IN ('`+runB+`')","tags":[{"key":"mlflow.parentRunId","value":"`+runA+`"}],
		"source":"runs:/`+runA+`/model","sha":"`+runA+runA+`"}`)
	got := encode(t, ids.RewriteBody(body))
	wantBody := `{"run_id":"` + ourA + `","filter":"attributes.run_id IN ('` + ourB + `')","tags":[{"key":"mlflow.parentRunId","value":"` + ourA + `"}],` +
		`"source":"runs:/` + ourA + `/model","sha":"` + runA + runA + `"}`
	if got != wantBody {
		t.Errorf("body:\n got %s\nwant %s", got, wantBody)
	}
}

func toAny(q []QueryParam) any {
	var out []any
	for _, p := range q {
		var vals []any
		for _, v := range p.Values {
			vals = append(vals, v)
		}
		out = append(out, Object{{p.Name, vals}})
	}
	return out
}

func TestSubstExperimentIDs(t *testing.T) {
	ids := learned(t)
	body := mustOrdered(t, `{"experiment_ids":["7","9","987654"],"experiment_id":"9","key":"9","value":"7","max_results":7}`)
	if got, want := encode(t, ids.RewriteBody(body)), `{"experiment_ids":["70","42","987654"],"experiment_id":"42","key":"9","value":"7","max_results":7}`; got != want {
		t.Errorf("body:\n got %s\nwant %s", got, want)
	}
	q := ids.RewriteQuery([]QueryParam{{"experiment_id", []string{"7"}}, {"name", []string{"7"}}})
	if q[0].Values[0] != "70" || q[1].Values[0] != "7" {
		t.Errorf("query: %v", q)
	}
}

func TestSubstArtifactPaths(t *testing.T) {
	ids := learned(t)
	// Learned artifact root: path, list query, and mlflow-artifacts URIs in bodies.
	if got, want := ids.RewritePath(ArtifactsAPIPrefix+"9/"+runA+"/artifacts/tree/sub/deep.txt"), ArtifactsAPIPrefix+"42/"+ourA+"/artifacts/tree/sub/deep.txt"; got != want {
		t.Errorf("path: %s", got)
	}
	q := ids.RewriteQuery([]QueryParam{{"path", []string{"9/" + runA + "/artifacts"}}})
	if q[0].Values[0] != "42/"+ourA+"/artifacts" {
		t.Errorf("query path: %v", q)
	}
	body := mustOrdered(t, `{"name":"m","source":"mlflow-artifacts:/9/`+runA+`/artifacts/model","run_id":"`+runA+`"}`)
	if got, want := encode(t, ids.RewriteBody(body)), `{"name":"m","source":"mlflow-artifacts:/42/`+ourA+`/artifacts/model","run_id":"`+ourA+`"}`; got != want {
		t.Errorf("body:\n got %s\nwant %s", got, want)
	}
	// Without a learned root: experiment id segment, then run ids.
	if got, want := ids.MapArtifactRel("7/"+runB+"/artifacts/x"), "70/"+ourB+"/artifacts/x"; got != want {
		t.Errorf("fallback: %s", got)
	}
	// A root must match whole segments ("9" must not rewrite "99/...").
	ids.LearnArtifactRoot("mlflow-artifacts:/9", "mlflow-artifacts:/42")
	if got := ids.MapArtifactRel("99/x"); got != "99/x" {
		t.Errorf("partial segment rewritten: %s", got)
	}
	// Only mlflow-artifacts URIs can be paired.
	if ids.LearnArtifactRoot("mlflow-artifacts:/1", "s3://b/1") {
		t.Error("learned a root from an s3 URI")
	}
}

func TestSubstVersionsAndPageTokens(t *testing.T) {
	ids := NewIDMap()
	c := NewComparer(ids)
	d := c.Compare("response_body", mustPlain(t, `{"model_version":{"name":"golden-model","version":"1"},"next_page_token":"T1"}`),
		mustPlain(t, `{"model_version":{"name":"golden-model","version":"5"},"next_page_token":"ours1"}`))
	if len(d) != 0 {
		t.Fatal(d)
	}
	body := mustOrdered(t, `{"name":"golden-model","version":"1","alias":"champion","page_token":"T1"}`)
	if got, want := encode(t, ids.RewriteBody(body)), `{"name":"golden-model","version":"5","alias":"champion","page_token":"ours1"}`; got != want {
		t.Errorf("body:\n got %s\nwant %s", got, want)
	}
	// Versions of other models and unknown tokens pass through.
	body = mustOrdered(t, `{"name":"other","version":"1","page_token":"not-a-token"}`)
	if got, want := encode(t, ids.RewriteBody(body)), `{"name":"other","version":"1","page_token":"not-a-token"}`; got != want {
		t.Errorf("body:\n got %s\nwant %s", got, want)
	}
	q := ids.RewriteQuery([]QueryParam{{"name", []string{"golden-model"}}, {"version", []string{"1"}}, {"page_token", []string{"T1"}}})
	if q[1].Values[0] != "5" || q[2].Values[0] != "ours1" {
		t.Errorf("query: %v", q)
	}
	// Page tokens: the latest response wins (the same offset token recurs across searches).
	_ = ids.Learn(PageToken, "", "T1", "ours2")
	if v, _ := ids.Lookup(PageToken, "", "T1"); v != "ours2" {
		t.Errorf("page token: %s", v)
	}
	// Renaming a model moves its versions.
	ids.RenameModel("golden-model", "golden-model-v2")
	if v, ok := ids.Lookup(ModelVersion, "golden-model-v2", "1"); !ok || v != "5" {
		t.Errorf("after rename: %q %v", v, ok)
	}
	if err := ids.Learn(ModelVersion, "golden-model-v2", "2", "5"); err == nil {
		t.Error("version 5 of the renamed model was taken twice")
	}
}

func TestSubstBodyEncoding(t *testing.T) {
	// Key order and number literals survive; no HTML escaping of filters.
	in := `{"run_id":"x","metrics":[{"key":"acc","value":0.0,"timestamp":1700000000000,"step":0}],"filter":"metrics.acc > 0.7 and params.a <> '&'","n":1.7976931348623157e+308,"ok":true,"nil":null}`
	if got := encode(t, mustOrdered(t, in)); got != in {
		t.Errorf("round trip:\n got %s\nwant %s", got, in)
	}
}

func TestSubstUploadBody(t *testing.T) {
	text := "line one\nline two\n"
	sum := sha256.Sum256([]byte(text))
	fb := FileBody{Size: int64(len(text)), SHA256: hex.EncodeToString(sum[:]), HeadB64: base64.StdEncoding.EncodeToString([]byte(text)), Text: &text}
	data, exact, err := RegenerateUpload(fb)
	if err != nil || !exact || string(data) != text {
		t.Errorf("text upload: %q %v %v", data, exact, err)
	}
	fb.Text = nil // small binary: head_b64 is the whole file
	if data, exact, err = RegenerateUpload(fb); err != nil || !exact || string(data) != text {
		t.Errorf("head upload: %q %v %v", data, exact, err)
	}
	head := bytes.Repeat([]byte{0xAB}, 64)
	fb = FileBody{Size: 3000, SHA256: strings.Repeat("0", 64), HeadB64: base64.StdEncoding.EncodeToString(head)}
	data, exact, err = RegenerateUpload(fb)
	if err != nil || exact || len(data) != 3000 || !bytes.Equal(data[:64], head) {
		t.Fatalf("synthetic upload: len %d exact %v err %v", len(data), exact, err)
	}
	again, _, _ := RegenerateUpload(fb)
	if !bytes.Equal(data, again) {
		t.Error("synthetic bytes are not deterministic")
	}
}

func TestSubstTruncatedRequest(t *testing.T) {
	ex := &Exchange{Flow: "errors", Seq: 35, ClientCall: "log_param value too long",
		Truncated: []Truncation{{Where: "request_body.value", Kind: "string", OriginalLength: 10, Kept: 4}}}
	got, err := RepairTruncatedRequest(ex, mustOrdered(t, `{"key":"long","value":"xxxx"}`))
	if err != nil || encode(t, got) != `{"key":"long","value":"xxxxxxxxxx"}` {
		t.Errorf("string: %v %v", got, err)
	}
	if _, err := RepairTruncatedRequest(ex, mustOrdered(t, `{"key":"long","value":"xyxy"}`)); err == nil {
		t.Error("rebuilt a string that is not one repeated character")
	}

	call := "log_batch 1500 metrics/150 params/120 tags"
	kept := `[{"key":"batch_m","value":80.0,"timestamp":1700000000800,"step":800},{"key":"batch_m","value":80.1,"timestamp":1700000000801,"step":801}]`
	ex = &Exchange{ClientCall: call, Truncated: []Truncation{{Where: "request_body.metrics", Kind: "array", OriginalLength: 700, Kept: 2}}}
	got, err = RepairTruncatedRequest(ex, mustOrdered(t, `{"run_id":"r","metrics":`+kept+`,"params":[]}`))
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := got.(Object).Get("metrics")
	arr := metrics.([]any)
	if len(arr) != 700 {
		t.Fatalf("got %d metrics", len(arr))
	}
	if last := encode(t, arr[699]); last != `{"key":"m_299","value":299.0,"timestamp":1700000000000,"step":0}` {
		t.Errorf("last metric: %s", last)
	}
	if mid := encode(t, arr[399]); mid != `{"key":"batch_m","value":119.9,"timestamp":1700000001199,"step":1199}` {
		t.Errorf("metric 399: %s", mid)
	}
	bad := `[{"key":"batch_m","value":80.0,"timestamp":1700000000800,"step":800},{"key":"batch_m","value":99,"timestamp":1700000000801,"step":801}]`
	if _, err := RepairTruncatedRequest(ex, mustOrdered(t, `{"metrics":`+bad+`}`)); err == nil {
		t.Error("accepted a kept prefix that the generator does not reproduce")
	}
	ex.ClientCall = "something else"
	if _, err := RepairTruncatedRequest(ex, mustOrdered(t, `{"metrics":`+kept+`}`)); err == nil {
		t.Error("repaired an array without a generator")
	}
}

// TestSubstFakeServer replays a small flow against a server whose ids all
// differ from the recording, and checks the failure report of a wrong status.
func TestSubstFakeServer(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.RequestURI()+" "+string(b))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/2.0/mlflow/runs/create":
			io.WriteString(w, `{"run":{"info":{"run_id":"`+ourA+`","experiment_id":"5","start_time":1}}}`)
		case "/api/2.0/mlflow/runs/get":
			if r.URL.Query().Get("run_id") != ourA {
				w.WriteHeader(404)
				io.WriteString(w, `{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"nope"}`)
				return
			}
			io.WriteString(w, `{"run":{"info":{"run_id":"`+ourA+`","experiment_id":"5","start_time":1700000000000}}}`)
		default:
			w.WriteHeader(404)
			io.WriteString(w, `{"error_code":"ENDPOINT_NOT_FOUND","message":"no"}`)
		}
	}))
	defer srv.Close()
	ct := "application/json"
	exs := []*Exchange{
		{Flow: "f", Seq: 1, ClientCall: "create", Method: "POST", Path: "/api/2.0/mlflow/runs/create", RequestContentType: &ct,
			RequestBodyFormat: "json", RequestBody: json.RawMessage(`{"experiment_id":"6","start_time":1700000000000}`),
			ResponseStatus: 200, ResponseBodyFormat: "json", ResponseContentType: "application/json",
			ResponseBody: json.RawMessage(`{"run":{"info":{"run_id":"` + runA + `","experiment_id":"6","start_time":1700000000000}}}`)},
		{Flow: "f", Seq: 2, ClientCall: "get", Method: "GET", Path: "/api/2.0/mlflow/runs/get", Query: json.RawMessage(`{"run_uuid":["` + runA + `"],"run_id":["` + runA + `"]}`),
			RequestBodyFormat: "empty", ResponseStatus: 200, ResponseBodyFormat: "json", ResponseContentType: "application/json",
			ResponseBody: json.RawMessage(`{"run":{"info":{"run_id":"` + runA + `","experiment_id":"6","start_time":1700000000000}}}`)},
		{Flow: "f", Seq: 3, ClientCall: "missing endpoint", Method: "GET", Path: "/api/2.0/mlflow/experiments/get", Query: json.RawMessage(`{"experiment_id":["6"]}`),
			RequestBodyFormat: "empty", ResponseStatus: 200, ResponseBodyFormat: "json", ResponseContentType: "application/json",
			ResponseBody: json.RawMessage(`{"experiment":{"experiment_id":"6"}}`)},
	}
	rp := NewReplayer(srv.URL)
	r1, r2, r3 := rp.Replay(exs[0]), rp.Replay(exs[1]), rp.Replay(exs[2])
	// The create response echoes a wrong start_time: a failure.
	if !r1.Failed() || len(r1.Diffs) != 1 || !strings.Contains(r1.Diffs[0].String(), "start_time: got 1, want 1700000000000") {
		t.Errorf("create: %s", r1.Report(10))
	}
	if r2.Failed() {
		t.Errorf("get: %s", r2.Report(10))
	}
	if !r3.Failed() || !strings.Contains(r3.Report(10), "status 404, want 200") || !strings.Contains(r3.Report(10), "experiment_id=5") {
		t.Errorf("missing endpoint report:\n%s", r3.Report(10))
	}
	t.Logf("report of a failed exchange:\n%s", r3.Report(10))
	// A deliberate difference is still sent, but skipped with its reason.
	rp.Deliberate = map[string]string{"f/3": "Steward does it differently"}
	if r := rp.Replay(exs[2]); r.Failed() || r.Skip != "Steward does it differently" || len(r.Diffs) == 0 || len(seen) != 4 {
		t.Errorf("deliberate: failed=%v skip=%q diffs=%d sent=%d", r.Failed(), r.Skip, len(r.Diffs), len(seen))
	}
	if !strings.Contains(seen[1], "run_uuid="+ourA+"&run_id="+ourA) || !strings.Contains(seen[0], `"experiment_id":"6"`) {
		t.Errorf("requests not rewritten: %q", seen)
	}
}

// TestSubstGoldenSelfReplay replays the whole golden recording against a
// fake MLflow that answers with the recorded responses but with every
// server-assigned id changed (run ids, experiment ids, model versions, page
// tokens, server timestamps). The fake checks that every request the
// replayer sends equals the recorded one with the same ids changed, and every
// exchange must pass: this proves the id learning/substitution and the
// comparison on the real data.
func TestSubstGoldenSelfReplay(t *testing.T) {
	exchanges := loadGoldenOrSkip(t)
	p := newPerturber(t, exchanges)
	fake := &fakeMLflow{t: t, p: p, exchanges: exchanges, files: map[string][]byte{}}
	srv := httptest.NewServer(fake)
	defer srv.Close()

	rp := NewReplayer(srv.URL)
	failed := 0
	for _, ex := range exchanges {
		res := rp.Replay(ex)
		if res.Failed() {
			failed++
			t.Errorf("%s", res.Report(10))
		}
		for _, n := range res.Notes {
			if !strings.Contains(n, ".message:") { // error messages embed server paths/ids
				t.Errorf("%s: unexpected note: %s", ex.Key(), n)
			}
		}
	}
	if fake.next != len(exchanges) {
		t.Errorf("fake saw %d requests, want %d", fake.next, len(exchanges))
	}
	t.Logf("%d exchanges, %d failed; %s", len(exchanges), failed, rp.IDs)
}

func loadGoldenOrSkip(t *testing.T) []*Exchange {
	t.Helper()
	wd, _ := os.Getwd()
	root, err := ModuleRoot(wd)
	if err != nil {
		t.Fatal(err)
	}
	dir, err := GoldenDir(root)
	if err != nil {
		if os.Getenv("CI") != "true" && errors.Is(err, fs.ErrNotExist) {
			t.Skipf("golden data not found: %v", err)
		}
		t.Fatalf("golden data not found: %v", err)
	}
	ex, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return ex
}

// perturber changes every id that a recorded response assigns (so the
// replayer can learn it), the way another server would.
type perturber struct {
	runs, exps, tokens map[string]bool
	versions           map[string]bool // name\x00version
}

func newPerturber(t *testing.T, exchanges []*Exchange) *perturber {
	p := &perturber{runs: map[string]bool{}, exps: map[string]bool{}, tokens: map[string]bool{}, versions: map[string]bool{}}
	var walk func(v any, field, model string)
	walk = func(v any, field, model string) {
		switch x := v.(type) {
		case map[string]any:
			name, _ := x["name"].(string)
			if !modelFields[field] {
				name = model
			}
			for k, e := range x {
				walk(e, k, name)
			}
		case []any:
			for _, e := range x {
				walk(e, field, model)
			}
		case string:
			switch field {
			case "run_id", "run_uuid":
				p.runs[x] = true
			case "experiment_id":
				p.exps[x] = true
			case "next_page_token":
				p.tokens[x] = true
			case "version":
				if model != "" {
					p.versions[model+"\x00"+x] = true
				}
			}
		}
	}
	for _, ex := range exchanges {
		if ex.ResponseBodyFormat == "json" {
			v, err := DecodePlain(ex.ResponseBody)
			if err != nil {
				t.Fatal(err)
			}
			walk(v, "", "")
		}
	}
	return p
}

func (p *perturber) run(id string) string {
	s := sha256.Sum256([]byte("run:" + id))
	return hex.EncodeToString(s[:16])
}

func (p *perturber) exp(id string) string {
	if !p.exps[id] {
		return id
	}
	n, err := strconv.Atoi(id)
	if err != nil {
		return "x" + id
	}
	return strconv.Itoa(n + 100)
}

func (p *perturber) version(model, v string) string {
	if !p.versions[model+"\x00"+v] {
		return v
	}
	n, _ := strconv.Atoi(v)
	return strconv.Itoa(n + 10)
}

func (p *perturber) token(s string) string {
	if p.tokens[s] {
		return "tok-" + s
	}
	return s
}

func (p *perturber) str(s string) string {
	if rest, ok := strings.CutPrefix(s, ArtifactScheme); ok {
		return ArtifactScheme + p.rel(rest)
	}
	return hex32.ReplaceAllStringFunc(s, func(id string) string {
		if p.runs[id] {
			return p.run(id)
		}
		return id
	})
}

func (p *perturber) rel(rel string) string {
	seg, rest, more := strings.Cut(rel, "/")
	seg = p.exp(seg)
	if more {
		seg += "/" + rest
	}
	return p.str(seg)
}

func (p *perturber) path(s string) string {
	if rest, ok := strings.CutPrefix(s, ArtifactsAPIPrefix); ok {
		return ArtifactsAPIPrefix + p.rel(rest)
	}
	return p.str(s)
}

var serverTimes = map[string]bool{"creation_time": true, "last_update_time": true, "creation_timestamp": true, "last_updated_timestamp": true}

// json perturbs a plain JSON value.
func (p *perturber) json(v any, field, model string) any {
	switch x := v.(type) {
	case map[string]any:
		name, _ := x["name"].(string)
		if !modelFields[field] && field != "" {
			name = model
		}
		out := map[string]any{}
		for k, e := range x {
			out[k] = p.json(e, k, name)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = p.json(e, field, model)
		}
		return out
	case string:
		switch field {
		case "experiment_id", "experiment_ids":
			x = p.exp(x)
		case "next_page_token", "page_token":
			x = p.token(x)
		case "version":
			if model != "" {
				x = p.version(model, x)
			}
		}
		return p.str(x)
	case json.Number:
		if serverTimes[field] {
			n, _ := strconv.ParseInt(string(x), 10, 64)
			return json.Number(strconv.FormatInt(n+12345, 10))
		}
	}
	return v
}

// fakeMLflow answers the i-th request with the i-th recorded response,
// perturbed, after checking the request is the perturbed recorded one.
type fakeMLflow struct {
	t         *testing.T
	p         *perturber
	exchanges []*Exchange
	mu        sync.Mutex
	next      int
	files     map[string][]byte
}

func (f *fakeMLflow) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.next >= len(f.exchanges) {
		http.Error(w, "too many requests", 500)
		return
	}
	ex := f.exchanges[f.next]
	f.next++
	body, _ := io.ReadAll(r.Body)
	f.checkRequest(ex, r, body)

	if ex.ResponseBodyFormat == "json" {
		v, _ := DecodePlain(ex.ResponseBody)
		v = padTruncated(ex, f.p.json(v, "", ""))
		out, err := EncodeJSON(v)
		if err != nil {
			f.t.Errorf("%s: encode: %v", ex.Key(), err)
		}
		w.Header().Set("Content-Type", ex.ResponseContentType)
		w.WriteHeader(ex.ResponseStatus)
		w.Write(out)
		return
	}
	// Artifact download: serve what was uploaded to this path.
	data, ok := f.files[r.URL.Path]
	if !ok {
		f.t.Errorf("%s: download of %s that was never uploaded", ex.Key(), r.URL.Path)
	}
	w.Header().Set("Content-Type", ex.ResponseContentType)
	w.WriteHeader(ex.ResponseStatus)
	w.Write(data)
}

func (f *fakeMLflow) checkRequest(ex *Exchange, r *http.Request, body []byte) {
	t, p := f.t, f.p
	if r.Method != ex.Method {
		t.Errorf("%s: method %s, want %s", ex.Key(), r.Method, ex.Method)
	}
	if want := p.path(ex.Path); r.URL.Path != want {
		t.Errorf("%s: path\n got %s\nwant %s", ex.Key(), r.URL.Path, want)
	}
	q, _ := ex.QueryParams()
	name := ""
	for _, qp := range q {
		if qp.Name == "name" {
			name = qp.Values[0]
		}
	}
	var want []string
	for _, qp := range q {
		for _, v := range qp.Values {
			switch qp.Name {
			case "experiment_id":
				v = p.exp(v)
			case "page_token":
				v = p.token(v)
			case "version":
				v = p.version(name, v)
			case "path":
				v = p.rel(v)
			}
			want = append(want, qp.Name+"="+p.str(v))
		}
	}
	var got []string
	for k, vs := range r.URL.Query() {
		for _, v := range vs {
			got = append(got, k+"="+v)
		}
	}
	sort.Strings(want)
	sort.Strings(got)
	if strings.Join(got, "&") != strings.Join(want, "&") {
		t.Errorf("%s: query\n got %v\nwant %v", ex.Key(), got, want)
	}
	wantCT := ""
	if ex.RequestContentType != nil {
		wantCT = *ex.RequestContentType
	}
	if ct := r.Header.Get("Content-Type"); ct != wantCT {
		t.Errorf("%s: content type %q, want %q", ex.Key(), ct, wantCT)
	}
	switch ex.RequestBodyFormat {
	case "json":
		rec, _ := DecodePlain(ex.RequestBody)
		wantBody := p.json(rec, "", "")
		gotBody, err := DecodePlain(body)
		if err != nil {
			t.Errorf("%s: request body is not JSON: %v", ex.Key(), err)
			return
		}
		for _, tr := range ex.Truncated {
			if strings.HasPrefix(tr.Where, "request_body") {
				return // rebuilt by RepairTruncatedRequest; checked by the response comparison
			}
		}
		if !looseEqual(wantBody, gotBody) {
			t.Errorf("%s: request body\n got %s\nwant %s", ex.Key(), clip(string(body), 500), snippet(wantBody))
		}
	case "text", "binary":
		var fb FileBody
		_ = json.Unmarshal(ex.RequestBody, &fb)
		if int64(len(body)) != fb.Size {
			t.Errorf("%s: upload of %d bytes, want %d", ex.Key(), len(body), fb.Size)
		}
		if fb.Text != nil && sha256Hex(body) != fb.SHA256 {
			t.Errorf("%s: text upload differs from the recording", ex.Key())
		}
		f.files[r.URL.Path] = body
	case "empty":
		if len(body) != 0 {
			t.Errorf("%s: unexpected request body %q", ex.Key(), clip(string(body), 100))
		}
	}
}

// padTruncated extends arrays/strings the recorder cut back to their
// original length, as the real server returned them.
func padTruncated(ex *Exchange, v any) any {
	for _, tr := range ex.Truncated {
		rest, ok := strings.CutPrefix(tr.Where, "response_body")
		if !ok {
			continue
		}
		steps, _ := parsePath(rest)
		ov, _ := replaceAt(toOrdered(v), steps, func(x any) (any, error) {
			switch y := x.(type) {
			case []any:
				for len(y) < tr.OriginalLength {
					y = append(y, y[len(y)-1])
				}
				return y, nil
			case string:
				return y + strings.Repeat(y[len(y)-1:], tr.OriginalLength-len(y)), nil
			}
			return x, nil
		})
		v = ToPlain(ov)
	}
	return v
}

func toOrdered(v any) any {
	switch x := v.(type) {
	case map[string]any:
		var o Object
		for _, k := range sortedKeys(x) {
			o = append(o, Member{k, toOrdered(x[k])})
		}
		return o
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = toOrdered(e)
		}
		return out
	}
	return v
}
