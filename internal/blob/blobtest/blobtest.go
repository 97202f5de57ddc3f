// Package blobtest holds the behaviour every blob.Store must show, run by
// each backend's tests against a fresh store, and helpers to start MinIO.
package blobtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/steward-registry/steward/internal/blob"
)

// Run runs the contract suite. newStore must return an empty store that is
// cleaned up when t ends.
func Run(t *testing.T, newStore func(t *testing.T) blob.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s blob.Store)
	}{
		{"RoundTrip", testRoundTrip},
		{"Empty", testEmpty},
		{"Dedup", testDedup},
		{"DigestMismatch", testDigestMismatch},
		{"TooLarge", testTooLarge},
		{"NotFound", testNotFound},
		{"InvalidDigest", testInvalidDigest},
		{"Delete", testDelete},
		{"Cancelled", testCancelled},
		{"Large", testLarge},
		{"ConcurrentSame", testConcurrentSame},
		{"PresignGet", testPresignGet},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, newStore(t)) })
	}
}

// Digest returns the digest of b.
func Digest(b []byte) blob.Digest {
	sum := sha256.Sum256(b)
	return blob.Digest("sha256:" + hex.EncodeToString(sum[:]))
}

// MustPut stores b, failing the test on error.
func MustPut(t *testing.T, s blob.Store, b []byte) blob.Info {
	t.Helper()
	info, err := s.Put(t.Context(), bytes.NewReader(b), "", 0)
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	return info
}

// MustRead returns the whole content of d, failing the test on error.
func MustRead(t *testing.T, s blob.Store, d blob.Digest) []byte {
	t.Helper()
	rc, _, err := s.Open(t.Context(), d)
	if err != nil {
		t.Fatalf("Open(%s): %v", d, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %s: %v", d, err)
	}
	return b
}

func wantNotFound(t *testing.T, s blob.Store, d blob.Digest) {
	t.Helper()
	if _, err := s.Stat(t.Context(), d); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("Stat(%s) = %v, want ErrNotFound", d, err)
	}
}

func testRoundTrip(t *testing.T, s blob.Store) {
	data := []byte("the quick brown fox jumps over the lazy dog")
	info, err := s.Put(t.Context(), bytes.NewReader(data), Digest(data), 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := (blob.Info{Digest: Digest(data), Size: int64(len(data))}); info != want {
		t.Fatalf("Put = %+v, want %+v", info, want)
	}
	rc, oinfo, err := s.Open(t.Context(), info.Digest)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if oinfo != info {
		t.Errorf("Open info = %+v, want %+v", oinfo, info)
	}
	// Seeking is what HTTP range requests rely on.
	if _, err := rc.Seek(10, io.SeekStart); err != nil {
		t.Fatalf("Seek: %v", err)
	}
	got, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data[10:]) {
		t.Fatalf("after Seek(10) read %q, want %q", got, data[10:])
	}
	if got := MustRead(t, s, info.Digest); !bytes.Equal(got, data) {
		t.Fatalf("read %q, want %q", got, data)
	}
}

func testEmpty(t *testing.T, s blob.Store) {
	info := MustPut(t, s, nil)
	if info.Size != 0 || info.Digest != Digest(nil) {
		t.Fatalf("Put(empty) = %+v", info)
	}
	if got := MustRead(t, s, info.Digest); len(got) != 0 {
		t.Fatalf("read %d bytes, want 0", len(got))
	}
}

func testDedup(t *testing.T, s blob.Store) {
	data := []byte("same bytes twice")
	first := MustPut(t, s, data)
	second, err := s.Put(t.Context(), bytes.NewReader(data), first.Digest, 0)
	if err != nil {
		t.Fatalf("second Put: %v", err)
	}
	if second != first {
		t.Fatalf("second Put = %+v, want %+v", second, first)
	}
	st, err := s.Stat(t.Context(), first.Digest)
	if err != nil {
		t.Fatal(err)
	}
	if st.Size != int64(len(data)) {
		t.Fatalf("Stat size = %d, want %d", st.Size, len(data))
	}
}

func testDigestMismatch(t *testing.T, s blob.Store) {
	data := []byte("actual content")
	want := Digest([]byte("claimed content"))
	_, err := s.Put(t.Context(), bytes.NewReader(data), want, 0)
	if !errors.Is(err, blob.ErrDigestMismatch) {
		t.Fatalf("Put = %v, want ErrDigestMismatch", err)
	}
	if !strings.Contains(err.Error(), string(want)) || !strings.Contains(err.Error(), string(Digest(data))) {
		t.Errorf("error %q should name both digests", err)
	}
	wantNotFound(t, s, Digest(data))
	wantNotFound(t, s, want)
}

func testTooLarge(t *testing.T, s blob.Store) {
	data := bytes.Repeat([]byte("x"), 1000)
	if _, err := s.Put(t.Context(), bytes.NewReader(data), "", 999); !errors.Is(err, blob.ErrTooLarge) {
		t.Fatalf("Put over limit = %v, want ErrTooLarge", err)
	}
	wantNotFound(t, s, Digest(data))
	info, err := s.Put(t.Context(), bytes.NewReader(data), "", 1000)
	if err != nil {
		t.Fatalf("Put at exactly the limit: %v", err)
	}
	if info.Size != 1000 {
		t.Fatalf("size = %d, want 1000", info.Size)
	}
}

func testNotFound(t *testing.T, s blob.Store) {
	d := Digest([]byte("never stored"))
	wantNotFound(t, s, d)
	if _, _, err := s.Open(t.Context(), d); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("Open = %v, want ErrNotFound", err)
	}
	if err := s.Delete(t.Context(), d); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("Delete = %v, want ErrNotFound", err)
	}
}

func testInvalidDigest(t *testing.T, s blob.Store) {
	bad := blob.Digest("sha256:../../../etc/passwd")
	if _, err := s.Stat(t.Context(), bad); !errors.Is(err, blob.ErrInvalidDigest) {
		t.Errorf("Stat = %v, want ErrInvalidDigest", err)
	}
	if _, _, err := s.Open(t.Context(), bad); !errors.Is(err, blob.ErrInvalidDigest) {
		t.Errorf("Open = %v, want ErrInvalidDigest", err)
	}
	if err := s.Delete(t.Context(), bad); !errors.Is(err, blob.ErrInvalidDigest) {
		t.Errorf("Delete = %v, want ErrInvalidDigest", err)
	}
	if _, err := s.Put(t.Context(), strings.NewReader("x"), bad, 0); !errors.Is(err, blob.ErrInvalidDigest) {
		t.Errorf("Put = %v, want ErrInvalidDigest", err)
	}
}

func testDelete(t *testing.T, s blob.Store) {
	info := MustPut(t, s, []byte("to be collected"))
	if err := s.Delete(t.Context(), info.Digest); err != nil {
		t.Fatal(err)
	}
	wantNotFound(t, s, info.Digest)
	if err := s.Delete(t.Context(), info.Digest); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("second Delete = %v, want ErrNotFound", err)
	}
	// Content can be stored again after collection.
	MustPut(t, s, []byte("to be collected"))
}

func testCancelled(t *testing.T, s blob.Store) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	data := []byte("cancelled")
	if _, err := s.Put(ctx, bytes.NewReader(data), "", 0); err == nil {
		t.Fatal("Put with cancelled context succeeded")
	}
	wantNotFound(t, s, Digest(data))
}

// testLarge streams ~20 MiB, more than one S3 part, from a generator so
// neither the test nor a correct store holds it in memory.
func testLarge(t *testing.T, s blob.Store) {
	const size = 20<<20 + 12345
	h := sha256.New()
	io.Copy(h, NewReader(1, size))
	want := blob.Digest("sha256:" + hex.EncodeToString(h.Sum(nil)))

	info, err := s.Put(t.Context(), NewReader(1, size), want, 0)
	if err != nil {
		t.Fatal(err)
	}
	if info.Size != size {
		t.Fatalf("size = %d, want %d", info.Size, size)
	}
	rc, _, err := s.Open(t.Context(), want)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	h.Reset()
	if _, err := io.Copy(h, rc); err != nil {
		t.Fatal(err)
	}
	if got := blob.Digest("sha256:" + hex.EncodeToString(h.Sum(nil))); got != want {
		t.Fatalf("read back %s, want %s", got, want)
	}
}

func testConcurrentSame(t *testing.T, s blob.Store) {
	data := bytes.Repeat([]byte("concurrent "), 100_000)
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = s.Put(t.Context(), bytes.NewReader(data), Digest(data), 0)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Put %d: %v", i, err)
		}
	}
	if got := MustRead(t, s, Digest(data)); !bytes.Equal(got, data) {
		t.Fatal("content differs after concurrent puts")
	}
}

func testPresignGet(t *testing.T, s blob.Store) {
	data := []byte("download me directly")
	info := MustPut(t, s, data)
	u, err := s.PresignGet(t.Context(), info.Digest, time.Minute)
	if errors.Is(err, blob.ErrUnsupported) {
		t.Skip("backend does not presign")
	}
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !bytes.Equal(got, data) {
		t.Fatalf("GET presigned URL: %s %q, want 200 %q", resp.Status, got, data)
	}
}

// NewReader returns size deterministic pseudo-random bytes derived from seed,
// generated as they are read.
func NewReader(seed uint64, size int64) io.Reader {
	var key [32]byte
	binary.LittleEndian.PutUint64(key[:], seed)
	return io.LimitReader(rand.NewChaCha8(key), size)
}
