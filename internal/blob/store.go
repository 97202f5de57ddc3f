// Package blob stores artifact bytes by content: every object is named by
// its SHA-256 and never changes once written. Backends are a local directory
// (Local) and S3-compatible object storage (S3); all of them pass the contract
// suite in blobtest.
package blob

import (
	"context"
	"errors"
	"io"
	"time"
)

var (
	ErrNotFound       = errors.New("blob not found")
	ErrDigestMismatch = errors.New("digest mismatch")
	ErrInvalidDigest  = errors.New("invalid digest")
	ErrTooLarge       = errors.New("blob too large")
	ErrUnsupported    = errors.New("operation not supported by this backend")
)

// Info describes a stored object.
type Info struct {
	Digest Digest
	Size   int64
}

// Store is content-addressed: an object is stored once under its SHA-256 and
// never changes. All methods return an error wrapping ErrInvalidDigest for a
// malformed digest.
//
// Because Put deduplicates, a Put may succeed for content that a concurrent
// Delete is about to remove. Garbage collection must therefore only delete
// objects that no metadata references and that are older than a grace period.
type Store interface {
	// Put streams r into the store with constant memory, computing SHA-256 as
	// it goes. If want != "" and the content's digest differs, nothing is kept
	// and the error wraps ErrDigestMismatch. maxSize <= 0 means no limit;
	// exceeding it returns an error wrapping ErrTooLarge and keeps nothing.
	// Putting content that already exists succeeds without rewriting it.
	// A nil error means the object is durable.
	Put(ctx context.Context, r io.Reader, want Digest, maxSize int64) (Info, error)

	// Open streams an object; the reader is seekable so HTTP range requests
	// work. Returns ErrNotFound if absent. The caller must Close the reader.
	Open(ctx context.Context, d Digest) (io.ReadSeekCloser, Info, error)

	// Stat returns ErrNotFound if absent.
	Stat(ctx context.Context, d Digest) (Info, error)

	// Delete removes an object, for garbage collection. ErrNotFound if absent.
	Delete(ctx context.Context, d Digest) error

	// PresignGet returns a time-limited URL for direct download, or an error
	// wrapping ErrUnsupported for backends that cannot. It does not check that
	// the object exists.
	PresignGet(ctx context.Context, d Digest, ttl time.Duration) (string, error)

	// String describes the store for logs, e.g. "file:///var/lib/steward/blobs"
	// or "s3://bucket/prefix". It never includes credentials.
	String() string
}
