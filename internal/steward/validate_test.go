package steward

import (
	"strings"
	"testing"
)

func TestValidation(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		ok   bool
	}{
		{"name plain", ValidateName("model name", "credit-risk v2"), true},
		{"name unicode", ValidateName("model name", "Kreditvärdighet 模型"), true},
		{"name empty", ValidateName("model name", ""), false},
		{"name slash", ValidateName("model name", "a/b"), false},
		{"name dotdot", ValidateName("model name", ".."), false},
		{"name leading space", ValidateName("model name", " a"), false},
		{"name control", ValidateName("model name", "a\x01b"), false},
		{"name too long", ValidateName("model name", strings.Repeat("x", 257)), false},
		{"key ok", ValidateKey("tag key", "mlflow.source/name: x"), true},
		{"key bad char", ValidateKey("tag key", "bad?key"), false},
		{"key dotdot segment", ValidateKey("tag key", "../escape"), false},
		{"key too long", ValidateKey("tag key", strings.Repeat("k", 251)), false},
		{"workspace ok", ValidateWorkspaceName("team-b2"), true},
		{"workspace upper", ValidateWorkspaceName("Team"), false},
		{"workspace leading digit", ValidateWorkspaceName("2team"), false},
		{"value NUL", ValidateValue("description", "a\x00", 10), false},
		{"value too long", ValidateValue("description", "abcdef", 5), false},
		{"value bad utf8", ValidateValue("description", "\xff", 5), false},
	} {
		if (tc.err == nil) != tc.ok {
			t.Errorf("%s: got %v, want ok=%v", tc.name, tc.err, tc.ok)
		}
		if tc.err != nil && ErrorCode(tc.err) != CodeInvalid {
			t.Errorf("%s: code %s, want invalid_argument", tc.name, ErrorCode(tc.err))
		}
	}
}
