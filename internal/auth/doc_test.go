package auth

import (
	"os"
	"strings"
	"testing"
)

// TestPolicyDoc keeps docs/security.md's role table equal to the policy.
func TestPolicyDoc(t *testing.T) {
	b, err := os.ReadFile("../../docs/security.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	_, rest, ok := strings.Cut(doc, "<!-- policy:begin -->\n")
	got, _, ok2 := strings.Cut(rest, "<!-- policy:end -->")
	if !ok || !ok2 {
		t.Fatal("docs/security.md lacks the policy:begin/end markers")
	}
	if want := PolicyMarkdown(); got != want {
		t.Errorf("docs/security.md role table is stale; replace it with:\n%s", want)
	}
}

// TestReadmeRoles keeps the README's roles table naming every role.
func TestReadmeRoles(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, sec, ok := strings.Cut(string(b), "## Security")
	if !ok {
		t.Fatal("README.md has no Security section")
	}
	for _, r := range Policy {
		if !strings.Contains(sec, "| "+string(r.Role)+" |") {
			t.Errorf("README.md Security section lacks role %s", r.Role)
		}
	}
}
