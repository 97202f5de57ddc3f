package blob

import (
	"strings"
	"testing"

	"github.com/steward-registry/steward/internal/steward"
)

type entry struct {
	P, D string
	S    int64
}

func entryFields(e *entry) (*string, *string, *int64) { return &e.P, &e.D, &e.S }

func TestCheckManifest(t *testing.T) {
	d := "sha256:" + strings.Repeat("a", 64)
	for _, c := range []struct {
		name  string
		in    []entry
		field string // "" = accepted
		code  steward.Code
	}{
		{"sorted", []entry{{"b", d, 1}, {"a", d, 0}}, "", ""},
		{"too many", []entry{{"a", d, 1}, {"b", d, 1}, {"c", d, 1}}, "", steward.CodeTooLarge},
		{"bad path", []entry{{"../x", d, 1}}, "files.path", steward.CodeInvalid},
		{"path twice", []entry{{"a", d, 1}, {"a", d, 2}}, "files.path", steward.CodeInvalid},
		{"bad digest", []entry{{"a", "md5:00", 1}}, "files.digest", steward.CodeInvalid},
		{"negative size", []entry{{"a", d, -1}}, "files.size", steward.CodeInvalid},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, err := CheckManifest(c.in, 2, "manifest", entryFields)
			if c.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				if out[0].P != "a" || out[1].P != "b" || c.in[0].P != "b" {
					t.Fatalf("got %v (input %v): want a sorted copy", out, c.in)
				}
				return
			}
			if steward.ErrorCode(err) != c.code || (c.field != "" && steward.ErrorDetails(err)["field"] != c.field) {
				t.Fatalf("err = %v (details %v), want %s on %q", err, steward.ErrorDetails(err), c.code, c.field)
			}
		})
	}
	sorted := []entry{{"a", d, 3}}
	if got, want := ManifestDigest(sorted, entryFields), ManifestDigest([]entry{{"a", d, 4}}, entryFields); got == want {
		t.Fatal("the manifest digest does not depend on the size")
	}
}
