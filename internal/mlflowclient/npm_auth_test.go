package mlflowclient

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestNPMClientAuth drives a server with access control on through the npm
// "mlflow" client, signed in the ways MLflow clients sign in:
// MLFLOW_TRACKING_USERNAME/PASSWORD (HTTP basic with an account's password,
// or with an API token as the password) and MLFLOW_TRACKING_TOKEN (bearer).
// The npm client reads none of these variables; it sends whatever headers
// its constructor is given, so test/npm-mlflow/drive_auth.js builds the
// Authorization header from them exactly as MLflow's Python client does.
// Negative runs: a viewer's writes are PERMISSION_DENIED, a wrong password
// and a revoked token are UNAUTHENTICATED.
func TestNPMClientAuth(t *testing.T) {
	if testing.Short() {
		t.Skip("installs the npm client, builds and runs the binary")
	}
	node, npm := lookTool(t, "node"), lookTool(t, "npm")
	root := moduleRoot(t)
	dir := filepath.Join(root, "test", "npm-mlflow")
	installNPM(t, npm, dir)

	bin := filepath.Join(t.TempDir(), "steward")
	build := exec.Command("go", "build", "-o", bin, "./cmd/steward")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/steward: %v\n%s", err, out)
	}
	// startServer passes the test's environment on: the first administrator
	// is created at start, which turns access control on.
	const adminPassword = "npm-admin-password"
	t.Setenv("STEWARD_BOOTSTRAP_ADMIN", "admin")
	t.Setenv("STEWARD_BOOTSTRAP_ADMIN_PASSWORD", adminPassword)
	url := startServer(t, bin)
	admin := basicAuth("admin", adminPassword)

	const devPassword, viewerPassword = "ml-dev-password-1", "ml-viewer-password-1"
	api := func(method, path, authz, body string, want int, out any) {
		t.Helper()
		req, err := http.NewRequest(method, url+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", authz)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != want {
			t.Fatalf("%s %s: %s, want %d: %s", method, path, resp.Status, want, b)
		}
		if out != nil {
			if err := json.Unmarshal(b, out); err != nil {
				t.Fatalf("%s %s: %v\n%s", method, path, err, b)
			}
		}
	}
	api("POST", "/api/v1/accounts", admin, `{"id":"ml-dev","password":"`+devPassword+`"}`, http.StatusCreated, nil)
	api("POST", "/api/v1/role-bindings", admin, `{"subject":"user:ml-dev","role":"developer","scope":"workspace"}`, http.StatusCreated, nil)
	api("POST", "/api/v1/accounts", admin, `{"id":"ml-viewer","password":"`+viewerPassword+`"}`, http.StatusCreated, nil)
	api("POST", "/api/v1/role-bindings", admin, `{"subject":"user:ml-viewer","role":"viewer","scope":"workspace"}`, http.StatusCreated, nil)
	type created struct {
		Token string `json:"token"`
		Info  struct {
			ID string `json:"id"`
		} `json:"info"`
	}
	var tok, doomed created
	api("POST", "/api/v1/tokens", basicAuth("ml-dev", devPassword), `{"name":"npm","scope":"write"}`, http.StatusCreated, &tok)
	api("POST", "/api/v1/tokens", basicAuth("ml-dev", devPassword), `{"name":"doomed","scope":"write"}`, http.StatusCreated, &doomed)
	api("DELETE", "/api/v1/tokens/"+doomed.Info.ID, admin, "", http.StatusNoContent, nil)

	// Successful runs first: failed sign-ins are rate limited per source
	// (10, then one per 6 s), and every run comes from 127.0.0.1.
	runs := []struct {
		name string
		env  []string
	}{
		{"password (MLFLOW_TRACKING_USERNAME/PASSWORD)", []string{"EXPECT=ok", "EXPECT_USER=ml-dev",
			"MLFLOW_TRACKING_USERNAME=ml-dev", "MLFLOW_TRACKING_PASSWORD=" + devPassword}},
		{"token (MLFLOW_TRACKING_TOKEN)", []string{"EXPECT=ok", "EXPECT_USER=ml-dev", "MLFLOW_TRACKING_TOKEN=" + tok.Token}},
		{"token as the basic-auth password", []string{"EXPECT=ok", "EXPECT_USER=ml-dev",
			"MLFLOW_TRACKING_USERNAME=ml-dev", "MLFLOW_TRACKING_PASSWORD=" + tok.Token}},
		{"viewer", []string{"EXPECT=read-only", "MLFLOW_TRACKING_USERNAME=ml-viewer", "MLFLOW_TRACKING_PASSWORD=" + viewerPassword}},
		{"wrong password", []string{"EXPECT=unauthenticated", "MLFLOW_TRACKING_USERNAME=ml-dev", "MLFLOW_TRACKING_PASSWORD=not-the-password"}},
		{"revoked token", []string{"EXPECT=unauthenticated", "MLFLOW_TRACKING_TOKEN=" + doomed.Token}},
	}
	for _, r := range runs {
		t.Run(r.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, node, "drive_auth.js")
			cmd.Dir = dir
			cmd.Env = append(withoutMLflowAuth(os.Environ()), append([]string{"STEWARD_URL=" + url}, r.env...)...)
			out, err := cmd.CombinedOutput()
			for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				if !strings.HasPrefix(l, "{") {
					t.Log(l)
				}
			}
			if err != nil {
				t.Fatalf("node drive_auth.js: %v", err)
			}
		})
	}

	// The refused sign-ins are in the audit log.
	var evs struct {
		Events []struct {
			ObjectID string          `json:"object_id"`
			After    json.RawMessage `json:"after"`
		} `json:"events"`
	}
	api("GET", "/api/v1/events?action=auth.failed", admin, "", http.StatusOK, &evs)
	mlflowDenials := 0
	for _, e := range evs.Events {
		if strings.Contains(e.ObjectID, "/api/2.0/mlflow/") && strings.Contains(string(e.After), `"status":401`) {
			mlflowDenials++
		}
	}
	if mlflowDenials < 4 {
		t.Errorf("%d audited 401s on MLflow routes, want at least 4 (2 per refused run): %+v", mlflowDenials, evs.Events)
	}
}

func basicAuth(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}

// withoutMLflowAuth drops MLflow credentials the developer's own
// environment may carry, so each run sends only what it sets.
func withoutMLflowAuth(env []string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "MLFLOW_TRACKING_") && !strings.HasPrefix(kv, "EXPECT") {
			out = append(out, kv)
		}
	}
	return out
}

// installNPM installs the pinned client from package-lock.json once.
func installNPM(t *testing.T, npm, dir string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "mlflow", "package.json")); err == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm ci in %s: %v\n%s", dir, err, out)
	}
}
