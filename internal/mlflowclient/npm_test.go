package mlflowclient

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestNPMClient drives the real binary with the npm "mlflow" client (2.0.7,
// written for MLflow 1.x): test/npm-mlflow/drive.js runs a tracking scenario
// through it and asserts MLflow's answers, including the 1.x experiments/list.
func TestNPMClient(t *testing.T) {
	if testing.Short() {
		t.Skip("installs the npm client, builds and runs the binary")
	}
	node, npm := lookTool(t, "node"), lookTool(t, "npm")
	root := moduleRoot(t)
	dir := filepath.Join(root, "test", "npm-mlflow")

	// Install the pinned client from package-lock.json once.
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "mlflow", "package.json")); err != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm ci in %s: %v\n%s", dir, err, out)
		}
	}

	bin := filepath.Join(t.TempDir(), "steward")
	build := exec.Command("go", "build", "-o", bin, "./cmd/steward")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/steward: %v\n%s", err, out)
	}
	url := startServer(t, bin)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "drive.js")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "STEWARD_URL="+url)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node drive.js against %s: %v\n%s", url, err, out)
	}
	// The client prints every request body; log only the script's own lines.
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if !strings.HasPrefix(l, "{") {
			t.Log(l)
		}
	}
}

// lookTool finds a program on PATH; CI must have it, elsewhere it skips.
func lookTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s not found on PATH (required in CI): %v", name, err)
	}
	t.Skipf("%s not found on PATH: %v", name, err)
	return ""
}

// moduleRoot walks up from the package directory to the go.mod.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test directory")
		}
		dir = parent
	}
}

// syncBuffer is a bytes.Buffer safe to read while the process writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startServer runs `steward serve` on a random port with a fresh home and
// returns its URL; cleanup stops it with SIGTERM and expects a clean exit.
func startServer(t *testing.T, bin string) string {
	t.Helper()
	home := t.TempDir()
	cmd := exec.Command(bin, "serve", "--listen", "127.0.0.1:0", "--log-level", "warn")
	cmd.Env = append(os.Environ(), "STEWARD_HOME="+home)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	urls := make(chan string, 1)
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		sc := bufio.NewScanner(stdout)
		sent := false
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "Steward listening on "); ok && !sent {
				urls <- u
				sent = true
			}
		}
		if !sent {
			close(urls)
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() {
			<-scanned // Wait closes stdout; finish reading first
			done <- cmd.Wait()
		}()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("server exit after SIGTERM: %v\n%s", err, stderr.String())
			}
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("server did not stop within 20s of SIGTERM\n%s", stderr.String())
		}
	})
	select {
	case u, ok := <-urls:
		if !ok {
			t.Fatalf("server exited before listening:\n%s", stderr.String())
		}
		return u
	case <-time.After(30 * time.Second):
		t.Fatalf("server did not start within 30s:\n%s", stderr.String())
	}
	return ""
}
