package blobtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"go/build"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// MinIOBucket is the bucket StartMinIO creates.
const MinIOBucket = "steward-test"

// StartMinIO runs a throwaway MinIO server for the test and creates
// MinIOBucket in it. The binary comes from $STEWARD_MINIO_BIN, then
// $(go env GOPATH)/bin, then PATH. Without one the test is skipped, except
// when CI=true, where a silently skipped backend would hide regressions.
func StartMinIO(t *testing.T) (endpoint, accessKey, secretKey string) {
	t.Helper()
	bin := findMinIO()
	if bin == "" {
		msg := "minio binary not found; install it with `go install github.com/minio/minio@latest` " +
			"or set STEWARD_MINIO_BIN to its path"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}

	endpoint = "127.0.0.1:" + freePort(t)
	accessKey, secretKey = "steward-"+rand.Text()[:8], rand.Text()
	cmd := exec.Command(bin, "server", t.TempDir(),
		"--address", endpoint, "--console-address", "127.0.0.1:"+freePort(t))
	cmd.Env = append(os.Environ(),
		"MINIO_ROOT_USER="+accessKey,
		"MINIO_ROOT_PASSWORD="+secretKey,
		"MINIO_BROWSER=off",
		"MINIO_UPDATE=off",
	)
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start minio: %v", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})

	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := waitLive(ctx, "http://"+endpoint+"/minio/health/live", exited); err != nil {
		t.Fatalf("minio did not become ready: %v\n%s", err, out)
	}
	client, err := minio.New(endpoint, &minio.Options{Creds: credentials.NewStaticV4(accessKey, secretKey, "")})
	if err != nil {
		t.Fatal(err)
	}
	if err := client.MakeBucket(ctx, MinIOBucket, minio.MakeBucketOptions{}); err != nil {
		t.Fatalf("create bucket: %v\n%s", err, out)
	}
	return endpoint, accessKey, secretKey
}

func findMinIO() string {
	if bin := os.Getenv("STEWARD_MINIO_BIN"); bin != "" {
		return bin
	}
	gopath := build.Default.GOPATH
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		gopath = strings.TrimSpace(string(out))
	}
	for _, dir := range filepath.SplitList(gopath) {
		bin := filepath.Join(dir, "bin", "minio")
		if fi, err := os.Stat(bin); err == nil && !fi.IsDir() {
			return bin
		}
	}
	bin, _ := exec.LookPath("minio")
	return bin
}

func waitLive(ctx context.Context, url string, exited <-chan struct{}) error {
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-exited:
			return errors.New("minio exited")
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// freePort asks the kernel for an unused port. Another process could take
// it before MinIO binds, which is rare enough for tests.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port
}

// syncBuffer collects MinIO's output, written from exec's copy goroutines,
// to show when startup fails.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
