package blob_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/steward-registry/steward/internal/blob"
	"github.com/steward-registry/steward/internal/blob/blobtest"
)

func newUploads(t *testing.T, dir string, store blob.Store) *blob.Uploads {
	t.Helper()
	u, err := blob.NewUploads(dir, store)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { u.Close() })
	return u
}

func TestUploadsResume(t *testing.T) {
	ctx := t.Context()
	store, dir := newLocal(t), t.TempDir()
	data := bytes.Repeat([]byte("0123456789"), 30_000)
	chunks := [][]byte{data[:100_000], data[100_000:250_000], data[250_000:]}

	u := newUploads(t, dir, store)
	id, err := u.Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	off, err := u.Append(ctx, id, 0, bytes.NewReader(chunks[0]), 0)
	if err != nil || off != 100_000 {
		t.Fatalf("Append 1 = %d, %v", off, err)
	}

	// Server restart: a new instance on the same directory resumes.
	u = newUploads(t, dir, store)
	if off, err = u.Offset(ctx, id); err != nil || off != 100_000 {
		t.Fatalf("Offset after restart = %d, %v", off, err)
	}
	// The client's connection dies halfway through chunk 2: what arrived is kept.
	half := len(chunks[1]) / 2
	broken := io.MultiReader(bytes.NewReader(chunks[1][:half]), errReader{io.ErrUnexpectedEOF})
	off, err = u.Append(ctx, id, 100_000, broken, 0)
	if !errors.Is(err, io.ErrUnexpectedEOF) || off != int64(100_000+half) {
		t.Fatalf("interrupted Append = %d, %v", off, err)
	}
	// A client that resends from its own idea of the offset is refused.
	if _, err := u.Append(ctx, id, 100_000, bytes.NewReader(chunks[1]), 0); !errors.Is(err, blob.ErrOffsetMismatch) {
		t.Fatalf("Append at stale offset = %v, want ErrOffsetMismatch", err)
	}
	if off, err = u.Offset(ctx, id); err != nil {
		t.Fatal(err)
	}
	if off, err = u.Append(ctx, id, off, bytes.NewReader(data[off:250_000]), 0); err != nil || off != 250_000 {
		t.Fatalf("resumed Append = %d, %v", off, err)
	}
	if off, err = u.Append(ctx, id, off, bytes.NewReader(chunks[2]), int64(len(data))); err != nil || off != int64(len(data)) {
		t.Fatalf("Append 3 = %d, %v", off, err)
	}

	info, err := u.Complete(ctx, id, blobtest.Digest(data), 0)
	if err != nil {
		t.Fatal(err)
	}
	if info.Size != int64(len(data)) {
		t.Fatalf("size = %d, want %d", info.Size, len(data))
	}
	if got := blobtest.MustRead(t, store, info.Digest); !bytes.Equal(got, data) {
		t.Fatal("stored content differs")
	}
	if _, err := u.Offset(ctx, id); !errors.Is(err, blob.ErrUploadNotFound) {
		t.Fatalf("Offset after Complete = %v, want ErrUploadNotFound", err)
	}
}

func TestUploadsCompleteMismatch(t *testing.T) {
	ctx := t.Context()
	store := newLocal(t)
	u := newUploads(t, t.TempDir(), store)
	id, _ := u.Create(ctx)
	data := []byte("what was sent")
	if _, err := u.Append(ctx, id, 0, bytes.NewReader(data), 0); err != nil {
		t.Fatal(err)
	}
	want := blobtest.Digest([]byte("what was meant"))
	if _, err := u.Complete(ctx, id, want, 0); !errors.Is(err, blob.ErrDigestMismatch) {
		t.Fatalf("Complete = %v, want ErrDigestMismatch", err)
	}
	for _, d := range []blob.Digest{want, blobtest.Digest(data)} {
		if _, err := store.Stat(ctx, d); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("Stat(%s) = %v, want ErrNotFound", d, err)
		}
	}
	if _, err := u.Offset(ctx, id); !errors.Is(err, blob.ErrUploadNotFound) {
		t.Fatalf("staged data kept after mismatch: %v", err)
	}
	if _, err := u.Complete(ctx, id, "", 0); !errors.Is(err, blob.ErrInvalidDigest) {
		t.Fatalf("Complete without digest = %v, want ErrInvalidDigest", err)
	}
}

func TestUploadsLimit(t *testing.T) {
	ctx := t.Context()
	u := newUploads(t, t.TempDir(), newLocal(t))
	id, _ := u.Create(ctx)
	if _, err := u.Append(ctx, id, 0, strings.NewReader("12345"), 8); err != nil {
		t.Fatal(err)
	}
	if _, err := u.Append(ctx, id, 5, strings.NewReader("6789"), 8); !errors.Is(err, blob.ErrTooLarge) {
		t.Fatalf("Append over limit = %v, want ErrTooLarge", err)
	}
	// The rejected chunk is dropped entirely, so the upload can still finish.
	if off, err := u.Offset(ctx, id); err != nil || off != 5 {
		t.Fatalf("Offset = %d, %v; want 5", off, err)
	}
	if off, err := u.Append(ctx, id, 5, strings.NewReader("678"), 8); err != nil || off != 8 {
		t.Fatalf("Append to exactly the limit = %d, %v", off, err)
	}
}

func TestUploadsInvalidID(t *testing.T) {
	ctx := t.Context()
	u := newUploads(t, t.TempDir(), newLocal(t))
	for _, id := range []string{"", "../x", "../../etc/passwd", strings.Repeat("A", 32), strings.Repeat("0", 31) + "/", strings.Repeat("0", 32)} {
		if _, err := u.Offset(ctx, id); !errors.Is(err, blob.ErrUploadNotFound) {
			t.Errorf("Offset(%q) = %v, want ErrUploadNotFound", id, err)
		}
		if _, err := u.Append(ctx, id, 0, strings.NewReader("x"), 0); !errors.Is(err, blob.ErrUploadNotFound) {
			t.Errorf("Append(%q) = %v, want ErrUploadNotFound", id, err)
		}
		if err := u.Abort(ctx, id); !errors.Is(err, blob.ErrUploadNotFound) {
			t.Errorf("Abort(%q) = %v, want ErrUploadNotFound", id, err)
		}
	}
}

func TestUploadsAbort(t *testing.T) {
	ctx := t.Context()
	u := newUploads(t, t.TempDir(), newLocal(t))
	id, _ := u.Create(ctx)
	if err := u.Abort(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := u.Offset(ctx, id); !errors.Is(err, blob.ErrUploadNotFound) {
		t.Fatalf("Offset after Abort = %v, want ErrUploadNotFound", err)
	}
}

// TestUploadsConcurrentAppend has many clients race to append at the same
// offset: exactly one may win each round and the data must stay consistent.
func TestUploadsConcurrentAppend(t *testing.T) {
	ctx := t.Context()
	store := newLocal(t)
	u := newUploads(t, t.TempDir(), store)
	id, _ := u.Create(ctx)
	chunk := bytes.Repeat([]byte("z"), 64<<10)
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 8 {
		wg.Go(func() {
			if _, err := u.Append(ctx, id, 0, bytes.NewReader(chunk), 0); err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			} else if !errors.Is(err, blob.ErrOffsetMismatch) {
				t.Errorf("Append: %v", err)
			}
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d appends at offset 0 succeeded, want 1", wins)
	}
	if _, err := u.Complete(ctx, id, blobtest.Digest(chunk), 0); err != nil {
		t.Fatal(err)
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func TestUploadsRemoveStale(t *testing.T) {
	ctx := t.Context()
	u := newUploads(t, t.TempDir(), newLocal(t))
	id, _ := u.Create(ctx)
	if n, err := u.RemoveStale(ctx, time.Hour); err != nil || n != 0 {
		t.Fatalf("RemoveStale(1h) = %d, %v; want 0", n, err)
	}
	if n, err := u.RemoveStale(ctx, -time.Second); err != nil || n != 1 {
		t.Fatalf("RemoveStale(-1s) = %d, %v; want 1", n, err)
	}
	if _, err := u.Offset(ctx, id); !errors.Is(err, blob.ErrUploadNotFound) {
		t.Fatalf("Offset after RemoveStale = %v, want ErrUploadNotFound", err)
	}
}
