package blob

import (
	"fmt"
	"strings"
)

// Digest identifies content by its SHA-256: "sha256:<64 lowercase hex>".
//
// Only the canonical lowercase form is accepted so that one piece of content
// has exactly one name; two spellings of the same digest would otherwise
// look like two different artifacts in the database.
type Digest string

const digestPrefix = "sha256:"

// ParseDigest accepts "sha256:<hex>" or bare 64-character hex and returns the
// canonical form. Anything else yields an error wrapping ErrInvalidDigest.
func ParseDigest(s string) (Digest, error) {
	hex := strings.TrimPrefix(s, digestPrefix)
	if len(hex) != 64 {
		return "", fmt.Errorf("%w: %q: want sha256:<64 hex characters>", ErrInvalidDigest, s)
	}
	if !isLowerHex(hex) {
		return "", fmt.Errorf("%w: %q: want lowercase hex", ErrInvalidDigest, s)
	}
	return Digest(digestPrefix + hex), nil
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// Hex returns the hex part of d without the "sha256:" prefix.
func (d Digest) Hex() string {
	return strings.TrimPrefix(string(d), digestPrefix)
}

// String returns d as a string.
func (d Digest) String() string { return string(d) }

// key returns where d lives inside a store: "sha256/<first two hex>/<full hex>".
// The fan-out directory keeps directory sizes manageable on local disks
// (256 directories); the full hex is kept in the file name so an object is
// self-describing when found on its own, e.g. by `sha256sum`.
// Digests built by conversion rather than ParseDigest are validated here, so a
// value like "sha256:../../x" never reaches a file system or bucket.
func (d Digest) key() (string, error) {
	p, err := ParseDigest(string(d))
	if err != nil {
		return "", err
	}
	h := p.Hex()
	return "sha256/" + h[:2] + "/" + h, nil
}
