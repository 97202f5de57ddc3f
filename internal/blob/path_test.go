package blob_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/steward-registry/steward/internal/blob"
)

func TestValidatePath(t *testing.T) {
	tests := []struct {
		path string
		rule string // substring of the error; "" means valid
	}{
		{"model/weights.bin", ""},
		{"weights.bin", ""},
		{"a/b/c/d.safetensors", ""},
		{".hidden/..x/x..", ""},
		{"ünïcode/模型.bin", ""},
		{strings.Repeat("a", 1024), ""},

		{"", "empty"},
		{strings.Repeat("a", 1025), "longer than 1024"},
		{"/etc/passwd", "absolute"},
		{"C:/Windows", "drive letter"},
		{"a/../b", `".." segments`},
		{"..", `".." segments`},
		{"../a", `".." segments`},
		{"./a", `"." segments`},
		{"a/./b", `"." segments`},
		{"a//b", "empty segments"},
		{"a/", `trailing "/"`},
		{"a%2e%2e/b", `"%"`},
		{"a\x00b", "NUL"},
		{"a\nb", "control"},
		{"a\x7fb", "control"},
		{"a\\b", "backslash"},
		{"a\xffb", "UTF-8"},
	}
	for _, tt := range tests {
		err := blob.ValidatePath(tt.path)
		if tt.rule == "" {
			if err != nil {
				t.Errorf("ValidatePath(%q) = %v, want nil", tt.path, err)
			}
			continue
		}
		if !errors.Is(err, blob.ErrInvalidPath) || !strings.Contains(err.Error(), tt.rule) {
			t.Errorf("ValidatePath(%q) = %v, want ErrInvalidPath naming %q", tt.path, err, tt.rule)
		}
	}
	if got, want := blob.ValidatePath("a/../b").Error(), `path "a/../b": ".." segments are not allowed`; got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
}
