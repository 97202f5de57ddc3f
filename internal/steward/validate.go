package steward

import (
	"unicode"
	"unicode/utf8"
)

// Validation rules for names and keys, shared by every domain so the rules a
// user learns once hold everywhere.

// ValidateName checks a human-chosen object name (model, project, experiment):
// 1-256 characters, no leading or trailing space, no control characters and no
// '/' (names appear in URL paths).
func ValidateName(field, s string) error {
	if s == "." || s == ".." {
		return Errorf(CodeInvalid, "%s %q is reserved: names cannot be '.' or '..'", field, s).WithDetail("field", field)
	}
	return checkText(field, s, 256, "/")
}

// ValidateWorkspaceName checks a workspace name: lowercase letters, digits and
// '-', starting with a letter, 1-63 characters (it appears in headers and
// object-store prefixes).
func ValidateWorkspaceName(s string) error {
	if len(s) == 0 || len(s) > 63 {
		return Errorf(CodeInvalid, "workspace name must be 1-63 characters, got %d", len(s)).WithDetail("field", "workspace")
	}
	for i, r := range s {
		ok := (r >= 'a' && r <= 'z') || (i > 0 && ((r >= '0' && r <= '9') || r == '-'))
		if !ok {
			return Errorf(CodeInvalid, "workspace name %q: use lowercase letters, digits and '-', starting with a letter", s).WithDetail("field", "workspace")
		}
	}
	return nil
}

// ValidateKey checks a tag, param or metric key: 1-250 characters of letters,
// digits and "_-. /:" (MLflow's rule), no ".." path segments.
func ValidateKey(field, s string) error {
	if s == "" || len(s) > 250 {
		return Errorf(CodeInvalid, "%s must be 1-250 characters, got %d", field, len(s)).WithDetail("field", field)
	}
	for _, r := range s {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '-' || r == '.' || r == ' ' || r == '/' || r == ':') {
			return Errorf(CodeInvalid, "%s %q contains %q: use letters, digits, spaces and _ - . / :", field, s, r).WithDetail("field", field)
		}
	}
	if s == ".." || hasDotDotSegment(s) {
		return Errorf(CodeInvalid, "%s %q must not contain '..' path segments", field, s).WithDetail("field", field)
	}
	return nil
}

// ValidateValue checks a free-text value (tag value, description) against a
// byte limit and rejects invalid UTF-8 and NUL.
func ValidateValue(field, s string, max int) error {
	if len(s) > max {
		return Errorf(CodeInvalid, "%s is %d bytes; the limit is %d", field, len(s), max).WithDetail("field", field)
	}
	if !utf8.ValidString(s) {
		return Errorf(CodeInvalid, "%s is not valid UTF-8", field).WithDetail("field", field)
	}
	for _, r := range s {
		if r == 0 {
			return Errorf(CodeInvalid, "%s contains a NUL character", field).WithDetail("field", field)
		}
	}
	return nil
}

func checkText(field, s string, max int, forbidden string) error {
	n := utf8.RuneCountInString(s)
	if n == 0 || n > max {
		return Errorf(CodeInvalid, "%s must be 1-%d characters, got %d", field, max, n).WithDetail("field", field)
	}
	if !utf8.ValidString(s) {
		return Errorf(CodeInvalid, "%s is not valid UTF-8", field).WithDetail("field", field)
	}
	if unicode.IsSpace(rune(s[0])) || unicode.IsSpace(rune(s[len(s)-1])) {
		return Errorf(CodeInvalid, "%s %q must not start or end with whitespace", field, s).WithDetail("field", field)
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return Errorf(CodeInvalid, "%s contains a control character (%U)", field, r).WithDetail("field", field)
		}
		for _, f := range forbidden {
			if r == f {
				return Errorf(CodeInvalid, "%s %q must not contain %q", field, s, string(f)).WithDetail("field", field)
			}
		}
	}
	return nil
}

func hasDotDotSegment(s string) bool {
	seg := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '/' {
			if s[seg:i] == ".." {
				return true
			}
			seg = i + 1
		}
	}
	return false
}
