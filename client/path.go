package client

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// ValidatePath checks a manifest path such as "weights/model.bin" with the
// server's rules: relative, "/"-separated, no "." or ".." or empty segments,
// no backslash, NUL, control characters or "%", no drive letter, at most
// 1024 bytes of UTF-8. DownloadVersion refuses a manifest with any other
// path, so a hostile server cannot make it write outside its destination.
func ValidatePath(p string) error {
	bad := func(reason string) error {
		q := p
		if len(q) > 64 {
			q = q[:64] + "..."
		}
		return fmt.Errorf("unsafe path %q: %s", q, reason)
	}
	switch {
	case p == "":
		return bad("empty")
	case len(p) > 1024:
		return bad("longer than 1024 bytes")
	case !utf8.ValidString(p):
		return bad("invalid UTF-8")
	case strings.HasPrefix(p, "/"):
		return bad("absolute paths are not allowed")
	case len(p) >= 2 && p[1] == ':' && ('a' <= p[0] && p[0] <= 'z' || 'A' <= p[0] && p[0] <= 'Z'):
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
			return bad("\"%\" is not allowed")
		}
	}
	for seg := range strings.SplitSeq(p, "/") {
		switch seg {
		case "":
			return bad("empty segments are not allowed")
		case ".", "..":
			return bad(fmt.Sprintf("%q segments are not allowed", seg))
		}
	}
	return nil
}

// validDigest reports whether d is canonical: "sha256:" and 64 lowercase hex.
func validDigest(d string) bool {
	h, ok := strings.CutPrefix(d, "sha256:")
	if !ok || len(h) != 64 {
		return false
	}
	for i := 0; i < len(h); i++ {
		if c := h[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
