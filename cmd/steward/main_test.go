package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// buildBinary compiles the real steward binary once per test run.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "steward")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("build: %v", err)
	}
	return bin
}

// startServer runs `steward serve` on a random port and returns its URL.
func startServer(t *testing.T, bin string, extraEnv ...string) string {
	t.Helper()
	home := t.TempDir()
	cmd := exec.Command(bin, "serve", "--listen", "127.0.0.1:0", "--log-level", "warn")
	cmd.Env = append(os.Environ(), append([]string{"STEWARD_HOME=" + home}, extraEnv...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// SIGTERM must drain and exit 0: that is how orchestrators stop it.
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("server exit after SIGTERM: %v\n%s", err, stderr.String())
			}
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("server did not stop within 20s of SIGTERM")
		}
	})
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "Steward listening on "); ok {
				lines <- u
			}
		}
		close(lines)
	}()
	select {
	case u, ok := <-lines:
		if !ok {
			t.Fatalf("server exited early: %s", stderr.String())
		}
		return u
	case <-time.After(30 * time.Second):
		t.Fatalf("server did not start: %s", stderr.String())
	}
	return ""
}

type cliRun struct {
	t      *testing.T
	bin    string
	server string
}

func (c cliRun) run(args ...string) (string, error) {
	c.t.Helper()
	cmd := exec.Command(c.bin, args...)
	cmd.Env = append(os.Environ(), "STEWARD_SERVER="+c.server)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if err != nil {
		return out.String() + errb.String(), err
	}
	return out.String(), nil
}

func (c cliRun) must(args ...string) string {
	c.t.Helper()
	out, err := c.run(args...)
	if err != nil {
		c.t.Fatalf("steward %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// TestEndToEnd drives the real binary with the real CLI: create a model,
// upload a version from a directory, download it and compare bytes, change
// its stage, and check bad input fails cleanly.
func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	url := startServer(t, bin)
	c := cliRun{t: t, bin: bin, server: url}

	resp, err := http.Get(url + "/readyz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("readyz: %v %v", err, resp)
	}
	resp.Body.Close()

	c.must("models", "create", "credit-risk", "--kind", "ml", "--description", "PD model")
	out := c.must("models", "get", "credit-risk", "-o", "json")
	var m struct{ Name, Kind string }
	if err := json.Unmarshal([]byte(out), &m); err != nil || m.Name != "credit-risk" || m.Kind != "ml" {
		t.Fatalf("models get: %v %q", err, out)
	}

	src := t.TempDir()
	files := map[string][]byte{"MLmodel": []byte("flavors: {}\n"), "model/weights.bin": randomBytes(t, 3<<20), "data/é.txt": []byte("unicode name")}
	for p, b := range files {
		full := filepath.Join(src, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out = c.must("versions", "create", "--model", "credit-risk", "--path", src, "-o", "json", "--quiet")
	var v struct {
		Version        int64  `json:"version"`
		ManifestDigest string `json:"manifest_digest"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil || v.Version != 1 || !strings.HasPrefix(v.ManifestDigest, "sha256:") {
		t.Fatalf("versions create: %v %q", err, out)
	}

	dest := t.TempDir()
	c.must("versions", "download", "credit-risk", "1", "--dest", dest, "--quiet")
	for p, want := range files {
		got, err := os.ReadFile(filepath.Join(dest, filepath.FromSlash(p)))
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("downloaded %s differs (err %v)", p, err)
		}
	}

	c.must("versions", "set-stage", "credit-risk", "1", "Production")
	out = c.must("versions", "get", "credit-risk", "1", "-o", "json")
	if !strings.Contains(out, `"stage": "Production"`) {
		t.Fatalf("stage not changed: %s", out)
	}
	c.must("versions", "set-alias", "credit-risk", "champion", "1")

	// Bad input: clear message, non-zero exit, nothing created.
	out, err = c.run("models", "create", "bad/name")
	if err == nil || !strings.Contains(out, "invalid_argument") {
		t.Fatalf("bad name accepted: %v %s", err, out)
	}
	out, err = c.run("versions", "get", "credit-risk", "99")
	if err == nil || !strings.Contains(out, "not_found") {
		t.Fatalf("missing version: %v %s", err, out)
	}

	// The API's events show every change with its actor.
	resp, err = http.Get(url + "/api/v1/events?object_type=model_version")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Contains(body, []byte(`"action":"model_version.create"`)) || !bytes.Contains(body, []byte(`"action":"model_version.stage"`)) {
		t.Fatalf("events missing: %s", body)
	}
}

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}
