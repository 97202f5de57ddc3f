package server

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/steward-registry/steward/internal/config"
)

func newTestServer(t *testing.T, mutate func(*config.Config)) *httptest.Server {
	t.Helper()
	cfg := config.Config{Home: t.TempDir(), Listen: "127.0.0.1:0", MaxArtifactSize: 1 << 30, LogFormat: "text", LogLevel: "error"}
	if mutate != nil {
		mutate(&cfg)
	}
	s, err := New(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return ts
}

func do(t *testing.T, method, url string, hdr map[string]string, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

func TestOperationsAndHardening(t *testing.T) {
	ts := newTestServer(t, nil)
	for _, tc := range []struct {
		name, method, path string
		hdr                map[string]string
		body               string
		status             int
		contains           string
	}{
		{"healthz", "GET", "/healthz", nil, "", 200, "ok"},
		{"readyz", "GET", "/readyz", nil, "", 200, "ready"},
		{"openapi", "GET", "/api/v1/openapi.json", nil, "", 200, `"openapi"`},
		{"rebinding host rejected", "GET", "/api/v1/models", map[string]string{"Host": "evil.example:5000"}, "", 403, "permission_denied"},
		{"localhost host allowed", "GET", "/api/v1/models", map[string]string{"Host": "localhost:5000"}, "", 200, `"models"`},
		{"unknown workspace", "GET", "/api/v1/models", map[string]string{"Steward-Workspace": "nope"}, "", 404, "workspace"},
		{"invalid workspace name", "GET", "/api/v1/models", map[string]string{"Steward-Workspace": "../x"}, "", 400, "invalid_argument"},
		{"unknown api route", "GET", "/api/v1/nothing", nil, "", 404, "not_found"},
		{"unknown root route", "GET", "/nothing", nil, "", 404, "not_found"},
		{"oversized json", "POST", "/api/v1/models", map[string]string{"Content-Type": "application/json"}, `{"name":"` + strings.Repeat("a", 5<<20) + `"}`, 413, "too_large"},
		{"method not allowed", "PATCH", "/api/v1/models", nil, "", 405, "method_not_allowed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := do(t, tc.method, ts.URL+tc.path, tc.hdr, tc.body)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			if !strings.Contains(body, tc.contains) {
				t.Fatalf("body %q lacks %q", body, tc.contains)
			}
			if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Fatalf("missing nosniff")
			}
			if strings.Contains(body, "/tmp/") || strings.Contains(body, "goroutine") {
				t.Fatalf("internal detail leaked: %s", body)
			}
		})
	}
	// Metrics count what was served, by route pattern (not raw path).
	_, body := do(t, "GET", ts.URL+"/metrics", nil, "")
	for _, want := range []string{`steward_http_requests_total{route="GET /healthz",method="GET",code="200"} 1`, "steward_http_request_duration_seconds_bucket", `steward_db_open_connections{pool="write"}`} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

func TestAllowedHostsFlag(t *testing.T) {
	ts := newTestServer(t, func(c *config.Config) { c.AllowedHosts = []string{"steward.example.com"} })
	resp, body := do(t, "GET", ts.URL+"/api/v1/models", map[string]string{"Host": "steward.example.com"}, "")
	if resp.StatusCode != 200 {
		t.Fatalf("allowed host refused: %d %s", resp.StatusCode, body)
	}
}
