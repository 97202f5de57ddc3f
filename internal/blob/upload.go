package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync"
	"time"
)

var (
	// ErrUploadNotFound is returned for unknown, finished, aborted or
	// malformed upload ids.
	ErrUploadNotFound = errors.New("upload not found")
	// ErrOffsetMismatch means the client's idea of how much was received is
	// wrong; it should ask Offset and resume from there.
	ErrOffsetMismatch = errors.New("upload offset mismatch")
)

// Uploads stages resumable uploads as files named by upload id in a
// directory, so an interrupted multi-gigabyte upload continues where it
// stopped, also across server restarts. Completed uploads move into a Store.
//
// It is safe for concurrent use; calls for the same id are serialized.
type Uploads struct {
	root  *os.Root
	store Store

	mu    sync.Mutex
	locks map[string]*uploadLock
}

type uploadLock struct {
	mu   sync.Mutex
	refs int // guarded by Uploads.mu
}

// NewUploads keeps staging files in dir, created with mode 0700 if needed.
func NewUploads(dir string, store Store) (*Uploads, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("uploads: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("uploads: %w", err)
	}
	return &Uploads{root: root, store: store, locks: make(map[string]*uploadLock)}, nil
}

// Close releases the directory handle.
func (u *Uploads) Close() error { return u.root.Close() }

// Create starts an upload and returns its id: 128 random bits in hex, so ids
// cannot be guessed by other clients.
func (u *Uploads) Create(ctx context.Context) (string, error) {
	id := newID()
	f, err := u.root.OpenFile(id, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("create upload: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("create upload: %w", err)
	}
	// The id is handed to the client, so it must survive a crash.
	if err := u.syncDir(); err != nil {
		return "", fmt.Errorf("create upload: %w", err)
	}
	return id, nil
}

// Offset returns how many bytes have been received, which is where the
// client must resume.
func (u *Uploads) Offset(ctx context.Context, id string) (int64, error) {
	if err := checkUploadID(id); err != nil {
		return 0, err
	}
	fi, err := u.root.Stat(id)
	if err != nil {
		return 0, wrapUpload(id, err)
	}
	return fi.Size(), nil
}

// Append adds r at offset, which must equal the current size (else
// ErrOffsetMismatch, with newOffset set to the current size). maxTotal > 0 caps the whole upload: exceeding it
// discards this call's data and returns ErrTooLarge. If r fails midway, the
// bytes received so far are kept and newOffset reports them together with
// the error, so the client resumes instead of resending.
func (u *Uploads) Append(ctx context.Context, id string, offset int64, r io.Reader, maxTotal int64) (newOffset int64, err error) {
	if err := checkUploadID(id); err != nil {
		return 0, err
	}
	defer u.lock(id)()

	f, err := u.root.OpenFile(id, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return 0, wrapUpload(id, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, fmt.Errorf("upload %s: %w", id, err)
	}
	if size := fi.Size(); size != offset {
		return size, fmt.Errorf("upload %s: %w: at %d, got %d", id, ErrOffsetMismatch, size, offset)
	}

	lr := &limitReader{ctx: ctx, r: r, max: -1}
	if maxTotal > 0 {
		lr.max = max(maxTotal-offset, 0)
	}
	n, copyErr := io.CopyBuffer(struct{ io.Writer }{f}, lr, make([]byte, copyBufSize))
	if lr.exceeded {
		// Drop this call's bytes so the staged data stays a valid prefix
		// within the limit.
		if err := f.Truncate(offset); err != nil {
			return offset, fmt.Errorf("upload %s: %w", id, err)
		}
		return offset, fmt.Errorf("upload %s: %w: exceeds limit of %d bytes", id, ErrTooLarge, maxTotal)
	}
	// Sync even after a read error: the bytes that did arrive are what the
	// client will resume after, so they must be durable before we report them.
	if err := f.Sync(); err != nil {
		return offset, fmt.Errorf("upload %s: %w", id, err)
	}
	if copyErr != nil {
		return offset + n, fmt.Errorf("upload %s: %w", id, copyErr)
	}
	return offset + n, nil
}

// Complete moves the staged bytes into the store; Put verifies want, which is
// required because a digest is the only end-to-end check on data that arrived
// over several connections. On success, and when the data can never succeed
// (digest mismatch, too large), the staging file is deleted; on other errors
// (e.g. the store is unreachable) it is kept so Complete can be retried.
func (u *Uploads) Complete(ctx context.Context, id string, want Digest, maxSize int64) (Info, error) {
	if err := checkUploadID(id); err != nil {
		return Info{}, err
	}
	if _, err := ParseDigest(string(want)); err != nil {
		return Info{}, fmt.Errorf("complete upload %s: %w", id, err)
	}
	defer u.lock(id)()

	f, err := u.root.Open(id)
	if err != nil {
		return Info{}, wrapUpload(id, err)
	}
	info, err := u.store.Put(ctx, f, want, maxSize)
	f.Close()
	if err != nil {
		if errors.Is(err, ErrDigestMismatch) || errors.Is(err, ErrTooLarge) {
			u.root.Remove(id)
		}
		return Info{}, fmt.Errorf("complete upload %s: %w", id, err)
	}
	// The object is stored; a leftover staging file would only waste space.
	u.root.Remove(id)
	return info, nil
}

// Abort discards an upload.
func (u *Uploads) Abort(ctx context.Context, id string) error {
	if err := checkUploadID(id); err != nil {
		return err
	}
	defer u.lock(id)()
	if err := u.root.Remove(id); err != nil {
		return wrapUpload(id, err)
	}
	return nil
}

// RemoveStale aborts uploads not appended to for longer than age, so
// abandoned uploads do not fill the disk. It returns how many it removed.
func (u *Uploads) RemoveStale(ctx context.Context, age time.Duration) (int, error) {
	entries, err := fs.ReadDir(u.root.FS(), ".")
	if err != nil {
		return 0, fmt.Errorf("uploads: %w", err)
	}
	cutoff := time.Now().Add(-age)
	removed := 0
	for _, e := range entries {
		if ctx.Err() != nil {
			return removed, ctx.Err()
		}
		id := e.Name()
		if checkUploadID(id) != nil {
			continue
		}
		unlock := u.lock(id)
		if fi, err := u.root.Stat(id); err == nil && fi.ModTime().Before(cutoff) && u.root.Remove(id) == nil {
			removed++
		}
		unlock()
	}
	return removed, nil
}

// lock serializes operations on one id and returns the unlock function.
// Entries are reference-counted so the map only holds ids in use.
func (u *Uploads) lock(id string) (unlock func()) {
	u.mu.Lock()
	l := u.locks[id]
	if l == nil {
		l = &uploadLock{}
		u.locks[id] = l
	}
	l.refs++
	u.mu.Unlock()

	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		u.mu.Lock()
		if l.refs--; l.refs == 0 {
			delete(u.locks, id)
		}
		u.mu.Unlock()
	}
}

func (u *Uploads) syncDir() error {
	d, err := u.root.Open(".")
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// checkUploadID rejects anything but the 32 lowercase hex characters Create
// produces, before the id is used as a file name.
func checkUploadID(id string) error {
	if len(id) != 32 || !isLowerHex(id) {
		return fmt.Errorf("upload %q: malformed id: %w", id, ErrUploadNotFound)
	}
	return nil
}

func wrapUpload(id string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("upload %s: %w", id, ErrUploadNotFound)
	}
	return fmt.Errorf("upload %s: %w", id, err)
}
