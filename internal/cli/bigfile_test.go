package cli

import (
	"bytes"
	"crypto/sha256"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestVersionsBigFile uploads a file just over the default 64 MiB resumable
// threshold with the CLI's default settings and downloads it again.
func TestVersionsBigFile(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and moves 65 MiB three times")
	}
	e := newTestEnv(t)
	e.ok("models", "create", "big")
	src := t.TempDir()
	f, err := os.Create(filepath.Join(src, "weights.bin"))
	if err != nil {
		t.Fatal(err)
	}
	const n = 64<<20 + 4097
	h := sha256.New()
	chunk := bytes.Repeat([]byte("steward!"), 4096)
	for written := 0; written < n; {
		b := chunk[:min(len(chunk), n-written)]
		f.Write(b)
		h.Write(b)
		written += len(b)
	}
	f.Close()
	want := h.Sum(nil)

	e.ok("versions", "create", "--model", "big", "--path", src, "-q")
	if got := e.count("PATCH /api/v1/uploads/"); got != 5 {
		t.Errorf("%d chunks, want 5 of 16 MiB", got)
	}
	if got := e.count("PUT /api/v1/blobs/"); got != 0 {
		t.Errorf("%d single PUTs, want 0", got)
	}
	dest := t.TempDir()
	e.ok("versions", "download", "big", "1", "--dest", dest)
	g, err := os.Open(filepath.Join(dest, "weights.bin"))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	h.Reset()
	if _, err := io.Copy(h, g); err != nil || !bytes.Equal(h.Sum(nil), want) {
		t.Errorf("downloaded file differs (%v)", err)
	}
}
