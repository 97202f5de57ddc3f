package blob

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"slices"

	"github.com/steward-registry/steward/internal/steward"
)

// ManifestFields points at the fields the manifest rules need in one entry
// of a manifest: model versions and datasets keep their own entry types
// but share the rules and the canonical text.
type ManifestFields[F any] func(f *F) (path, digest *string, size *int64)

// CheckManifest returns files sorted by path, each checked with the
// artifact rules: a valid relative path, no path twice, a well-formed sha256
// digest, a size that is not negative. what names the manifest
// in the error about its length ("manifest", "dataset manifest").
func CheckManifest[F any](files []F, max int, what string, fields ManifestFields[F]) ([]F, error) {
	if len(files) > max {
		return nil, steward.Errorf(steward.CodeTooLarge, "a %s holds at most %d files, got %d", what, max, len(files))
	}
	out := slices.Clone(files)
	slices.SortFunc(out, func(a, b F) int {
		pa, _, _ := fields(&a)
		pb, _, _ := fields(&b)
		return cmp.Compare(*pa, *pb)
	})
	prev := ""
	for i := range out {
		path, digest, size := fields(&out[i])
		if err := ValidatePath(*path); err != nil {
			return nil, steward.Errorf(steward.CodeInvalid, "files[%d]: %v", i, err).WithDetail("field", "files.path")
		}
		if i > 0 && prev == *path {
			return nil, steward.Errorf(steward.CodeInvalid, "path %q appears twice in the manifest", *path).WithDetail("field", "files.path")
		}
		prev = *path
		d, err := ParseDigest(*digest)
		if err != nil {
			return nil, steward.Errorf(steward.CodeInvalid, "file %q: digest %q must be sha256:<64 hex characters>", *path, *digest).WithDetail("field", "files.digest")
		}
		*digest = string(d)
		if *size < 0 {
			return nil, steward.Errorf(steward.CodeInvalid, "file %q: size must not be negative", *path).WithDetail("field", "files.size")
		}
	}
	return out, nil
}

// ManifestDigest is the digest of a manifest sorted by path: SHA-256 over
// lines "<digest> <size> <path>\n". It depends only on content and names,
// so it can be recomputed offline, and an approval bound to it breaks if
// any byte changes.
func ManifestDigest[F any](sorted []F, fields ManifestFields[F]) string {
	h := sha256.New()
	WriteManifest(h, sorted, fields)
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// WriteManifest writes the canonical manifest text of files sorted by path.
func WriteManifest[F any](w io.Writer, sorted []F, fields ManifestFields[F]) {
	for i := range sorted {
		path, digest, size := fields(&sorted[i])
		fmt.Fprintf(w, "%s %d %s\n", *digest, *size, *path)
	}
}
