package blob_test

import (
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/steward-registry/steward/internal/blob"
	"github.com/steward-registry/steward/internal/blob/blobtest"
)

func newLocal(t *testing.T) *blob.Local {
	t.Helper()
	l, err := blob.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func TestLocal(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blob.Store { return newLocal(t) })
}

func TestLocalLayout(t *testing.T) {
	dir := t.TempDir()
	l, err := blob.NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	info := blobtest.MustPut(t, l, []byte("hello"))
	h := info.Digest.Hex()
	fi, err := os.Stat(filepath.Join(dir, "sha256", h[:2], h))
	if err != nil {
		t.Fatalf("object not at documented key: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("object mode = %v, want 0600", fi.Mode().Perm())
	}
	// Failed Puts must not leave temporary files behind either.
	l.Put(t.Context(), bytes.NewReader([]byte("x")), blobtest.Digest([]byte("y")), 0)
	l.Put(t.Context(), bytes.NewReader([]byte("xx")), "", 1)
	if entries, _ := os.ReadDir(filepath.Join(dir, "tmp")); len(entries) != 0 {
		t.Fatalf("tmp not empty after Put: %v", entries)
	}
	if want := "file://" + filepath.ToSlash(dir); l.String() != want {
		t.Errorf("String() = %q, want %q", l.String(), want)
	}
}

// BenchmarkLocalPut measures the full durable path (hash, fsync, rename) for
// 64 MiB objects; each iteration stores distinct content so dedup never
// short-circuits it.
func BenchmarkLocalPut(b *testing.B) {
	const size = 64 << 20
	l, err := blob.NewLocal(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	chunk := bytes.Repeat([]byte("steward!"), (1<<20)/8)
	b.SetBytes(size)
	var i uint64
	for b.Loop() {
		i++
		binary.LittleEndian.PutUint64(chunk, i)
		r := io.LimitReader(repeatReader(chunk), size)
		if _, err := l.Put(b.Context(), r, "", 0); err != nil {
			b.Fatal(err)
		}
	}
}

// repeatReader yields chunk over and over without allocating.
type repeatReader []byte

func (r repeatReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		n += copy(p[n:], r)
	}
	return n, nil
}
