package events

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
)

// Canonical re-encodes a JSON image in Steward's canonical form, so that
// equal objects have equal bytes and hence equal digests whatever produced
// them: objects with their keys sorted by byte order (recursively), no
// insignificant whitespace, numbers exactly as written, strings escaped as
// encoding/json does without HTML escaping (invalid UTF-8 becomes U+FFFD).
// The audit chain covers images through their digests (docs/audit.md).
func Canonical(raw []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("canonical json: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("canonical json: trailing data after the value")
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("canonical json: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Digest is "sha256:<hex>" of an image's stored (canonical) bytes, or ""
// when there is no image.
func Digest(image []byte) string {
	if len(image) == 0 {
		return ""
	}
	sum := sha256.Sum256(image)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// ChangedFields lists, sorted, the top-level keys whose values differ
// between two canonical images; a key on one side only counts as changed, so
// a create lists every key of the new object and a delete every key of the
// old one. Images that are not JSON objects yield nil.
func ChangedFields(before, after []byte) []string {
	b, okB := topLevel(before)
	a, okA := topLevel(after)
	if !okB || !okA {
		return nil
	}
	var out []string
	for k, v := range b {
		if w, ok := a[k]; !ok || !bytes.Equal(v, w) {
			out = append(out, k)
		}
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// topLevel splits an object image into its members; an absent image is an
// empty object.
func topLevel(image []byte) (map[string]json.RawMessage, bool) {
	if len(image) == 0 {
		return map[string]json.RawMessage{}, true
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(image, &m); err != nil || m == nil {
		return nil, false
	}
	return m, true
}
