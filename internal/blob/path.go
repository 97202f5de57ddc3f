package blob

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ErrInvalidPath is wrapped by every ValidatePath error.
var ErrInvalidPath = errors.New("invalid path")

const maxPathLen = 1024

// pathError names the rule a path broke; it unwraps to ErrInvalidPath.
type pathError struct {
	path, reason string
}

func (e *pathError) Error() string {
	p := e.path
	if len(p) > 64 {
		p = p[:64] + "..." // keep log lines bounded for absurdly long input
	}
	return fmt.Sprintf("path %q: %s", p, e.reason)
}

func (e *pathError) Unwrap() error { return ErrInvalidPath }

// ValidatePath checks a user-supplied relative artifact path such as
// "model/weights.bin". The rules are deliberately stricter than any one file
// system: paths end up as S3 keys, URL segments and files on clients' disks
// (including Windows), so anything that could traverse, be reinterpreted or
// be ambiguous there is rejected.
func ValidatePath(p string) error {
	bad := func(reason string) error { return &pathError{p, reason} }
	switch {
	case p == "":
		return bad("must not be empty")
	case len(p) > maxPathLen:
		return bad(fmt.Sprintf("longer than %d bytes", maxPathLen))
	case !utf8.ValidString(p):
		return bad("invalid UTF-8")
	case strings.HasPrefix(p, "/"):
		return bad("absolute paths are not allowed")
	case hasVolumeName(p):
		return bad("drive letters are not allowed")
	case strings.HasSuffix(p, "/"):
		return bad("trailing \"/\" is not allowed")
	}
	for _, r := range p {
		switch {
		case r == 0:
			return bad("NUL bytes are not allowed")
		case r < 0x20 || r == 0x7f:
			return bad("control characters are not allowed")
		case r == '\\':
			return bad("backslashes are not allowed")
		case r == '%':
			// Rejected so a path means the same before and after URL decoding.
			return bad("\"%\" is not allowed")
		}
	}
	for seg := range strings.SplitSeq(p, "/") {
		switch seg {
		case "":
			return bad("empty segments are not allowed")
		case ".":
			return bad("\".\" segments are not allowed")
		case "..":
			return bad("\"..\" segments are not allowed")
		}
	}
	return nil
}

// hasVolumeName reports a Windows drive prefix like "C:", which makes a path
// absolute on Windows clients.
func hasVolumeName(p string) bool {
	return len(p) >= 2 && p[1] == ':' && ('a' <= p[0] && p[0] <= 'z' || 'A' <= p[0] && p[0] <= 'Z')
}
