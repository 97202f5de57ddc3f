package blob_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/steward-registry/steward/internal/blob"
)

func TestParseDigest(t *testing.T) {
	hex := strings.Repeat("ab", 32)
	tests := []struct {
		in   string
		want blob.Digest
	}{
		{"sha256:" + hex, blob.Digest("sha256:" + hex)},
		{hex, blob.Digest("sha256:" + hex)},
		{"", ""},
		{"sha256:", ""},
		{"sha256:" + hex[:63], ""},
		{"sha256:" + hex + "a", ""},
		{"sha256:" + strings.ToUpper(hex), ""},
		{"sha512:" + hex, ""},
		{"sha256:" + hex[:62] + "zz", ""},
		{"sha256:../" + hex[3:], ""},
	}
	for _, tt := range tests {
		got, err := blob.ParseDigest(tt.in)
		if tt.want == "" {
			if !errors.Is(err, blob.ErrInvalidDigest) {
				t.Errorf("ParseDigest(%q) = %q, %v; want ErrInvalidDigest", tt.in, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseDigest(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
		if got.Hex() != hex {
			t.Errorf("Hex() = %q, want %q", got.Hex(), hex)
		}
	}
}
