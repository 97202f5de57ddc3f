package blob

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
)

// limitReader counts bytes, fails with ErrTooLarge once more than max bytes
// arrive (max < 0: no limit) and stops when ctx is done. Checking ctx per
// read lets a long copy stop promptly on cancellation even if the source
// itself ignores ctx.
type limitReader struct {
	ctx      context.Context
	r        io.Reader
	n        int64
	max      int64
	exceeded bool
}

func (l *limitReader) Read(p []byte) (int, error) {
	if err := l.ctx.Err(); err != nil {
		return 0, err
	}
	if l.max >= 0 {
		// Read at most one byte past the limit: enough to detect overflow
		// without consuming more of the caller's stream than necessary.
		if room := l.max - l.n + 1; int64(len(p)) > room {
			p = p[:room]
		}
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	if l.max >= 0 && l.n > l.max {
		l.exceeded = true
		return n, fmt.Errorf("%w: exceeds limit of %d bytes", ErrTooLarge, l.max)
	}
	return n, err
}

// hashingReader adds SHA-256 to limitReader. Backends read the caller's
// stream through one, so the digest is computed in a single pass with no
// buffering beyond the copy buffer.
type hashingReader struct {
	limitReader
	h hash.Hash
}

// newHashingReader applies the Store convention: maxSize <= 0 means no limit.
func newHashingReader(ctx context.Context, r io.Reader, maxSize int64) *hashingReader {
	if maxSize <= 0 {
		maxSize = -1
	}
	return &hashingReader{limitReader{ctx: ctx, r: r, max: maxSize}, sha256.New()}
}

func (m *hashingReader) Read(p []byte) (int, error) {
	n, err := m.limitReader.Read(p)
	m.h.Write(p[:n])
	return n, err
}

// info returns what was read, or an error wrapping ErrDigestMismatch if want
// is set (and already canonical) and differs from the content's digest.
func (m *hashingReader) info(want Digest) (Info, error) {
	got := Digest(digestPrefix + hex.EncodeToString(m.h.Sum(nil)))
	if want != "" && want != got {
		return Info{}, fmt.Errorf("%w: expected %s, got %s", ErrDigestMismatch, want, got)
	}
	return Info{Digest: got, Size: m.n}, nil
}

// parseWant validates an optional expected digest before any bytes are read.
func parseWant(want Digest) (Digest, error) {
	if want == "" {
		return "", nil
	}
	return ParseDigest(string(want))
}

// newID returns 128 random bits as 32 hex characters, used for temporary
// object names and upload ids. crypto/rand.Read never fails on supported
// platforms.
func newID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
