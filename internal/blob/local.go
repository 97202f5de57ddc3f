package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"time"
)

// Local stores objects in a directory:
//
//	<dir>/sha256/<ab>/<full hex>   committed objects (see Digest.key)
//	<dir>/tmp/<random>             Puts in progress
//
// Every file operation goes through an os.Root, so no name, however it was
// built, can reach outside dir.
type Local struct {
	dir  string // absolute, for String only
	root *os.Root
}

var _ Store = (*Local)(nil)

const (
	localTmp = "tmp"
	// staleTmpAge is how old a temporary file must be before NewLocal removes
	// it. It is long enough that a slow Put by another process sharing dir is
	// never cut short, and short enough that crashes do not leak disk for long.
	staleTmpAge = 24 * time.Hour
	copyBufSize = 1 << 20
)

// NewLocal opens (creating with mode 0700 if needed) a store in dir.
func NewLocal(dir string) (*Local, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("local blob store %q: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("local blob store: %w", err)
	}
	root, err := os.OpenRoot(abs)
	if err != nil {
		return nil, fmt.Errorf("local blob store: %w", err)
	}
	for _, d := range []string{localTmp, "sha256"} {
		if err := root.MkdirAll(d, 0o700); err != nil {
			root.Close()
			return nil, fmt.Errorf("local blob store: %w", err)
		}
	}
	l := &Local{dir: abs, root: root}
	l.removeStaleTmp(time.Now().Add(-staleTmpAge))
	return l, nil
}

// Close releases the directory handle.
func (l *Local) Close() error { return l.root.Close() }

func (l *Local) String() string {
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(l.dir)}).String()
}

// Put writes r to a temporary file while hashing it, fsyncs it, verifies the
// digest and only then renames it into place and fsyncs the directory, so a
// nil error means the object survives a crash and a partial object is never
// visible under its digest.
func (l *Local) Put(ctx context.Context, r io.Reader, want Digest, maxSize int64) (Info, error) {
	want, err := parseWant(want)
	if err != nil {
		return Info{}, err
	}
	tmp := localTmp + "/" + newID()
	f, err := l.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return Info{}, fmt.Errorf("local put: %w", err)
	}
	committed := false
	defer func() {
		f.Close() // a second Close after the explicit one is harmless
		if !committed {
			l.root.Remove(tmp)
		}
	}()

	hr := newHashingReader(ctx, r, maxSize)
	// Hide *os.File's ReadFrom so io.CopyBuffer uses our 1 MiB buffer; its
	// generic fallback would copy in 32 KiB chunks.
	if _, err := io.CopyBuffer(struct{ io.Writer }{f}, hr, make([]byte, copyBufSize)); err != nil {
		return Info{}, fmt.Errorf("local put: %w", err)
	}
	if err := f.Sync(); err != nil {
		return Info{}, fmt.Errorf("local put: %w", err)
	}
	if err := f.Close(); err != nil {
		return Info{}, fmt.Errorf("local put: %w", err)
	}
	info, err := hr.info(want)
	if err != nil {
		return Info{}, fmt.Errorf("local put: %w", err)
	}

	key, _ := info.Digest.key() // computed digests are always valid
	if _, err := l.root.Stat(key); err == nil {
		return info, nil // dedup: the existing object has the same bytes
	}
	dir := path.Dir(key)
	created, err := l.mkdir(dir)
	if err != nil {
		return Info{}, fmt.Errorf("local put: %w", err)
	}
	// Two Puts of the same content may both get here; the second rename
	// atomically replaces identical bytes, and open readers keep the old
	// inode, so the race is harmless.
	if err := l.root.Rename(tmp, key); err != nil {
		return Info{}, fmt.Errorf("local put: %w", err)
	}
	committed = true
	if err := l.syncDir(dir); err != nil {
		return Info{}, fmt.Errorf("local put: %w", err)
	}
	if created {
		// The new fan-out directory's own entry must be durable as well.
		if err := l.syncDir(path.Dir(dir)); err != nil {
			return Info{}, fmt.Errorf("local put: %w", err)
		}
	}
	return info, nil
}

// Open returns the *os.File itself, which supports Seek for range requests.
func (l *Local) Open(ctx context.Context, d Digest) (io.ReadSeekCloser, Info, error) {
	key, err := d.key()
	if err != nil {
		return nil, Info{}, err
	}
	f, err := l.root.Open(key)
	if err != nil {
		return nil, Info{}, l.wrap("open", d, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, Info{}, l.wrap("open", d, err)
	}
	return f, Info{Digest: Digest(digestPrefix + d.Hex()), Size: fi.Size()}, nil
}

func (l *Local) Stat(ctx context.Context, d Digest) (Info, error) {
	key, err := d.key()
	if err != nil {
		return Info{}, err
	}
	fi, err := l.root.Stat(key)
	if err != nil {
		return Info{}, l.wrap("stat", d, err)
	}
	return Info{Digest: Digest(digestPrefix + d.Hex()), Size: fi.Size()}, nil
}

// Delete does not fsync the directory: if a crash undoes a delete, the next
// garbage collection run simply removes the object again.
func (l *Local) Delete(ctx context.Context, d Digest) error {
	key, err := d.key()
	if err != nil {
		return err
	}
	if err := l.root.Remove(key); err != nil {
		return l.wrap("delete", d, err)
	}
	return nil
}

func (l *Local) PresignGet(ctx context.Context, d Digest, ttl time.Duration) (string, error) {
	return "", fmt.Errorf("local presign: %w", ErrUnsupported)
}

func (l *Local) wrap(op string, d Digest, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("local %s %s: %w", op, d, ErrNotFound)
	}
	return fmt.Errorf("local %s %s: %w", op, d, err)
}

// mkdir creates dir if needed and reports whether it did.
func (l *Local) mkdir(dir string) (bool, error) {
	err := l.root.Mkdir(dir, 0o700)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrExist):
		return false, nil
	default:
		return false, err
	}
}

func (l *Local) syncDir(dir string) error {
	d, err := l.root.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// removeStaleTmp deletes temporary files left by crashed Puts. Errors are
// ignored: leftovers waste space but never affect correctness.
func (l *Local) removeStaleTmp(before time.Time) {
	entries, err := fs.ReadDir(l.root.FS(), localTmp)
	if err != nil {
		return
	}
	for _, e := range entries {
		if fi, err := e.Info(); err == nil && fi.ModTime().Before(before) {
			l.root.Remove(localTmp + "/" + e.Name())
		}
	}
}
