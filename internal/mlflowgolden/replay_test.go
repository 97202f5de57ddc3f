package mlflowgolden

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/steward-registry/steward/internal/store/postgres"
	"github.com/steward-registry/steward/internal/store/storetest"
)

// TestGoldenReplay builds the steward binary and, for each backend, starts
// one fresh server (SQLite in a temporary home; PostgreSQL in a fresh
// schema) and replays every recorded MLflow exchange against it in
// global_seq order. Each exchange is a subtest
// "<backend>/<flow>/<seq>_<client_call>"; requests are always sent in order
// even when -run selects only some subtests, because later exchanges depend
// on objects created by earlier ones.
//
//	go test ./internal/mlflowgolden -run TestGoldenReplay                   # all
//	go test ./internal/mlflowgolden -run 'TestGoldenReplay/sqlite/registry' # report one flow
//	go test ./internal/mlflowgolden -run TestGoldenReplay -v                # also log notes and passes
func TestGoldenReplay(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the steward binary")
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root, err := ModuleRoot(wd)
	if err != nil {
		t.Fatal(err)
	}
	dir, err := GoldenDir(root)
	if err != nil {
		msg := fmt.Sprintf("MLflow golden data not found at %s (set %s): %v", dir, EnvGoldenDir, err)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		if errors.Is(err, fs.ErrNotExist) {
			t.Skip(msg)
		}
		t.Fatal(msg)
	}
	exchanges, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}

	bin := buildSteward(t, root)
	t.Run("sqlite", func(t *testing.T) { replayAll(t, exchanges, dir, startSteward(t, bin)) })
	t.Run("postgres", func(t *testing.T) {
		dsn, err := url.Parse(storetest.PostgresDSN())
		if err != nil {
			t.Fatal(err)
		}
		q := dsn.Query()
		q.Set("search_path", storetest.NewSchema(t))
		dsn.RawQuery = q.Encode()
		replayAll(t, exchanges, dir, startSteward(t, bin, "STEWARD_DB="+dsn.String()))
		// The server used the schema, not a database of its own.
		db, err := postgres.OpenRaw(context.Background(), dsn.String())
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var runs int
		if err := db.QueryRow(`SELECT COUNT(*) FROM runs`).Scan(&runs); err != nil || runs == 0 {
			t.Errorf("the replay left %d runs in the PostgreSQL schema (%v)", runs, err)
		}
	})
}

// replayAll replays exchanges against the server at base, a subtest each.
func replayAll(t *testing.T, exchanges []*Exchange, dir, base string) {
	t.Logf("replaying %d exchanges from %s against %s", len(exchanges), dir, base)
	rp := NewReplayer(base)
	type tally struct{ pass, fail, skip int }
	counts := map[string]*tally{}
	var flows []string
	transportErrors := 0
	for _, ex := range exchanges {
		// The recorded client never sent two calls within one millisecond;
		// keeping that spacing keeps server timestamps strictly increasing,
		// so orderings by time (e.g. last_updated_timestamp DESC) are the
		// recording's and not a tie broken by name.
		time.Sleep(2 * time.Millisecond)
		res := rp.Replay(ex)
		if counts[ex.Flow] == nil {
			counts[ex.Flow] = &tally{}
			flows = append(flows, ex.Flow)
		}
		switch {
		case res.Skip != "":
			counts[ex.Flow].skip++
		case res.Failed():
			counts[ex.Flow].fail++
		default:
			counts[ex.Flow].pass++
		}
		t.Run(ex.TestName(), func(t *testing.T) {
			for _, n := range res.Notes {
				t.Log("note: " + n)
			}
			if res.Skip != "" {
				if len(res.Diffs) > 0 || res.Err != nil {
					t.Logf("ignored differences:\n%s", res.Report(10))
				}
				t.Skipf("deliberate difference: %s", res.Skip)
			}
			if res.Failed() {
				t.Error(res.Report(25))
			}
		})
		if res.Err != nil && res.Status == 0 {
			if transportErrors++; transportErrors >= 5 {
				t.Fatalf("giving up after %d consecutive requests failed to reach the server: %v", transportErrors, res.Err)
			}
		} else {
			transportErrors = 0
		}
	}

	var sum strings.Builder
	total := tally{}
	for _, f := range flows {
		c := counts[f]
		fmt.Fprintf(&sum, "\n  %-14s passed %3d  failed %3d  skipped %3d", f, c.pass, c.fail, c.skip)
		total.pass, total.fail, total.skip = total.pass+c.pass, total.fail+c.fail, total.skip+c.skip
	}
	fmt.Fprintf(&sum, "\n  %-14s passed %3d  failed %3d  skipped %3d", "TOTAL", total.pass, total.fail, total.skip)
	t.Logf("MLflow golden replay summary:%s\n  ids: %s", sum.String(), rp.IDs)
}

// buildSteward compiles ./cmd/steward from the module root.
func buildSteward(t *testing.T, root string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "steward")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/steward")
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go build ./cmd/steward: %v\n%s", err, stderr.String())
	}
	return bin
}

// syncBuffer is a bytes.Buffer safe for the writer goroutine of exec.Cmd.
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

// addrWatcher is the server's stdout: it reports the address from the
// "Steward listening on http://ADDR" line.
type addrWatcher struct {
	mu   sync.Mutex
	line []byte
	url  chan string
	sent bool
}

func (w *addrWatcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.line = append(w.line, p...)
	for {
		i := bytes.IndexByte(w.line, '\n')
		if i < 0 {
			break
		}
		text := strings.TrimSpace(string(w.line[:i]))
		w.line = w.line[i+1:]
		if u, ok := strings.CutPrefix(text, "Steward listening on "); ok && !w.sent {
			w.url <- u
			w.sent = true
		}
	}
	return len(p), nil
}

// startSteward runs `steward serve --listen 127.0.0.1:0` with a fresh
// STEWARD_HOME and returns its base URL; the server gets SIGTERM at cleanup.
func startSteward(t *testing.T, bin string, env ...string) string {
	t.Helper()
	home := t.TempDir()
	cmd := exec.Command(bin, "serve", "--listen", "127.0.0.1:0")
	cmd.Env = append(append(os.Environ(), "STEWARD_HOME="+home), env...)
	stdout := &addrWatcher{url: make(chan string, 1)}
	stderr := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stopped := false
	t.Cleanup(func() {
		if stopped {
			return
		}
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("steward exit after SIGTERM: %v\n%s", err, clip(stderr.String(), 4000))
			}
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
			t.Errorf("steward did not stop within 20s of SIGTERM")
		}
	})
	select {
	case u := <-stdout.url:
		return u
	case err := <-exited:
		stopped = true
		t.Fatalf("steward exited before listening (%v):\n%s", err, stderr.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("steward did not print its address within 60s:\n%s", stderr.String())
	}
	return ""
}
