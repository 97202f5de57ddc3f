package client

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
)

// ManifestDigest computes a manifest's digest: SHA-256 over the lines
// "<digest> <size> <path>\n" sorted by path, as "sha256:<hex>". It depends
// only on names and content, so a downloaded version can be checked offline.
func ManifestDigest(files []File) string {
	sorted := slices.Clone(files)
	slices.SortFunc(sorted, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	h := sha256.New()
	for _, f := range sorted {
		fmt.Fprintf(h, "%s %d %s\n", f.Digest, f.Size, f.Path)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// Verify checks that every path is safe (ValidatePath) and unique, every
// digest canonical and size non-negative, and that ManifestDigest matches
// the files listed.
func (m *Manifest) Verify() error {
	seen := make(map[string]bool, len(m.Files))
	for _, f := range m.Files {
		if err := ValidatePath(f.Path); err != nil {
			return fmt.Errorf("manifest of %s version %d: %w", m.Model, m.Version, err)
		}
		if seen[f.Path] {
			return fmt.Errorf("manifest of %s version %d: path %q appears twice", m.Model, m.Version, f.Path)
		}
		seen[f.Path] = true
		if !validDigest(f.Digest) {
			return fmt.Errorf("manifest of %s version %d: file %q has malformed digest %q", m.Model, m.Version, f.Path, f.Digest)
		}
		if f.Size < 0 {
			return fmt.Errorf("manifest of %s version %d: file %q has negative size", m.Model, m.Version, f.Path)
		}
	}
	if got := ManifestDigest(m.Files); got != m.ManifestDigest {
		return fmt.Errorf("manifest of %s version %d: files hash to %s but the server says %s; refusing to trust it", m.Model, m.Version, got, m.ManifestDigest)
	}
	return nil
}
