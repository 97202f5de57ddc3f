package mlflowapi_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/steward-registry/steward/internal/config"
	"github.com/steward-registry/steward/internal/server"
)

// These cover what the recorded MLflow traffic does not: endpoints the
// Python client did not call in the recording, the ajax prefix, and bad
// input. The recorded traffic itself is replayed by internal/mlflowgolden.

func newServer(t *testing.T) string {
	t.Helper()
	cfg := config.Config{Home: t.TempDir(), Listen: "127.0.0.1:0", MaxArtifactSize: 1 << 30, LogFormat: "text", LogLevel: "error"}
	s, err := server.New(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return ts.URL
}

type call struct {
	method, path, body string
	status             int
	want               []string // substrings of the response body
}

func (c call) do(t *testing.T, base string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(c.method, base+c.path, strings.NewReader(c.body))
	if c.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != c.status {
		t.Fatalf("%s %s: status %d, want %d: %s", c.method, c.path, resp.StatusCode, c.status, b)
	}
	for _, w := range c.want {
		if !strings.Contains(string(b), w) {
			t.Fatalf("%s %s: body %s lacks %q", c.method, c.path, b, w)
		}
	}
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return out
}

func TestEndpointsBeyondTheRecording(t *testing.T) {
	base := newServer(t)
	exp := call{"POST", "/api/2.0/mlflow/experiments/create", `{"name":"e"}`, 200, nil}.do(t, base)["experiment_id"].(string)
	run := call{"POST", "/ajax-api/2.0/mlflow/runs/create", `{"experiment_id":"` + exp + `","run_name":"r"}`, 200, []string{`"run_name":"r"`}}.do(t, base)
	id := run["run"].(map[string]any)["info"].(map[string]any)["run_id"].(string)

	for _, c := range []call{
		// GET variants and 1.x endpoints.
		{"GET", "/api/2.0/mlflow/experiments/search?max_results=10", "", 200, []string{`"name":"e"`}},
		{"GET", "/api/2.0/mlflow/experiments/list", "", 200, []string{`"name":"Default"`}},
		// log-model appends to the history tag.
		{"POST", "/api/2.0/mlflow/runs/log-model", `{"run_id":"` + id + `","model_json":"{\"artifact_path\":\"model\",\"flavors\":{}}"}`, 200, nil},
		{"GET", "/api/2.0/mlflow/runs/get?run_id=" + id, "", 200, []string{`mlflow.log-model.history`, `artifact_path`}},
		{"POST", "/api/2.0/mlflow/runs/log-model", `{"run_id":"` + id + `","model_json":"not json"}`, 400, []string{"INVALID_PARAMETER_VALUE"}},
		// Metric history sampling across runs.
		{"POST", "/api/2.0/mlflow/runs/log-batch", `{"run_id":"` + id + `","metrics":[{"key":"m","value":1,"timestamp":1,"step":1},{"key":"m","value":2,"timestamp":2,"step":2},{"key":"m","value":"NaN","timestamp":3,"step":3}]}`, 200, nil},
		{"GET", "/api/2.0/mlflow/metrics/get-history-bulk-interval?run_ids=" + id + "&metric_key=m&start_step=2&end_step=3", "", 200, []string{`"step":2`, `"step":3`, `"value":"NaN"`, `"run_id":"` + id + `"`}},
		{"GET", "/api/2.0/mlflow/metrics/get-history-bulk-interval?run_ids=" + id + "&metric_key=m&start_step=3&end_step=1", "", 400, []string{"INVALID_PARAMETER_VALUE"}},
		// Tracking artifacts/list of an empty run.
		{"GET", "/api/2.0/mlflow/artifacts/list?run_id=" + id, "", 200, []string{`"root_uri":"mlflow-artifacts:/` + exp + `/` + id + `/artifacts"`}},
		// Unknown endpoints and wrong methods: MLflow's ENDPOINT_NOT_FOUND.
		{"POST", "/api/2.0/mlflow/runs/nope", `{}`, 404, []string{`"error_code":"ENDPOINT_NOT_FOUND"`}},
		{"GET", "/api/2.0/mlflow/runs/create", "", 404, []string{`"error_code":"ENDPOINT_NOT_FOUND"`}},
		{"GET", "/api/2.0/mlflow-artifacts/mpu/create/x", "", 404, []string{`"error_code":"ENDPOINT_NOT_FOUND"`}},
	} {
		c.do(t, base)
	}
}

func TestBadInputLosesNothing(t *testing.T) {
	base := newServer(t)
	run := call{"POST", "/api/2.0/mlflow/runs/create", `{"experiment_id":"0"}`, 200, nil}.do(t, base)
	id := run["run"].(map[string]any)["info"].(map[string]any)["run_id"].(string)
	metrics := func(n int) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = `{"key":"m","value":1,"timestamp":1,"step":1}`
		}
		return strings.Join(parts, ",")
	}
	for _, c := range []call{
		{"POST", "/api/2.0/mlflow/runs/log-batch", `{"run_id":"` + id + `","metrics":[` + metrics(1001) + `]}`, 400, []string{"INVALID_PARAMETER_VALUE", "1000"}},
		{"POST", "/api/2.0/mlflow/runs/log-batch", `{"run_id":"` + id + `","metrics":[{"key":"ok","value":1,"timestamp":1}],"params":[{"key":"bad key?","value":"v"}]}`, 400, []string{"INVALID_PARAMETER_VALUE"}},
		{"POST", "/api/2.0/mlflow/runs/log-metric", `{"run_id":"` + id + `","key":"m","value":"abc","timestamp":1}`, 400, []string{"INVALID_PARAMETER_VALUE"}},
		{"POST", "/api/2.0/mlflow/runs/log-metric", `{"run_id":"` + id + `","key":"m","timestamp":1}`, 400, []string{"INVALID_PARAMETER_VALUE"}},
		{"POST", "/api/2.0/mlflow/runs/log-metric", `{"run_id":`, 400, []string{"BAD_REQUEST"}},
		{"POST", "/api/2.0/mlflow/runs/log-metric", strings.Repeat("[", 100) + strings.Repeat("]", 100), 400, []string{"INVALID_PARAMETER_VALUE", "nested"}},
		{"POST", "/api/2.0/mlflow/runs/search", `{"filter":"metrics.m > 1 OR params.p = 'x'"}`, 400, []string{"INVALID_PARAMETER_VALUE", "position"}},
		{"POST", "/api/2.0/mlflow/experiments/search", `{"max_results":100000}`, 400, []string{"INVALID_PARAMETER_VALUE"}},
		{"PUT", "/api/2.0/mlflow-artifacts/artifacts/0/" + id + "/artifacts/..%2Fescape", "x", 400, []string{"INVALID_PARAMETER_VALUE"}},
		{"PUT", "/api/2.0/mlflow-artifacts/artifacts/0/" + id + "/other/file", "x", 400, []string{"INVALID_PARAMETER_VALUE"}},
		{"PUT", "/api/2.0/mlflow-artifacts/artifacts/7/" + id + "/artifacts/file", "x", 404, []string{"RESOURCE_DOES_NOT_EXIST"}},
	} {
		c.do(t, base)
	}
	// Nothing of the rejected batches was written.
	got := call{"GET", "/api/2.0/mlflow/runs/get?run_id=" + id, "", 200, nil}.do(t, base)
	data := got["run"].(map[string]any)["data"].(map[string]any)
	if _, ok := data["metrics"]; ok {
		t.Fatalf("rejected requests left metrics: %v", data)
	}
	if _, ok := data["params"]; ok {
		t.Fatalf("rejected requests left params: %v", data)
	}
	files := call{"GET", "/api/2.0/mlflow/artifacts/list?run_id=" + id, "", 200, nil}.do(t, base)
	if _, ok := files["files"]; ok {
		t.Fatalf("rejected uploads left artifacts: %v", files)
	}
}

// TestArtifactDownloadIsRecorded checks that reading an artifact through the
// mlflow-artifacts proxy leaves an access event in the audit log, and that
// a HEAD-less 404 leaves none.
func TestArtifactDownloadIsRecorded(t *testing.T) {
	base := newServer(t)
	exp := call{"POST", "/api/2.0/mlflow/experiments/create", `{"name":"e"}`, 200, nil}.do(t, base)["experiment_id"].(string)
	run := call{"POST", "/api/2.0/mlflow/runs/create", `{"experiment_id":"` + exp + `"}`, 200, nil}.do(t, base)
	id := run["run"].(map[string]any)["info"].(map[string]any)["run_id"].(string)
	path := "/api/2.0/mlflow-artifacts/artifacts/" + exp + "/" + id + "/artifacts/model.pkl"
	call{"PUT", path, "weights", 200, nil}.do(t, base)
	call{"GET", path + "-missing", "", 404, nil}.do(t, base)
	req, _ := http.NewRequest("GET", base+path, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "weights" {
		t.Fatalf("download: %d %q", resp.StatusCode, b)
	}
	out := call{"GET", "/api/v1/audit/events?action=run.artifact.read", "", 200, []string{`"object_id":"` + id + `"`, `"path":"model.pkl"`}}.do(t, base)
	if n := len(out["events"].([]any)); n != 1 {
		t.Fatalf("%d access events, want 1 (the 404 must not count)", n)
	}
}
