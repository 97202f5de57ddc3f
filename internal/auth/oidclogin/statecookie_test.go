package oidclogin

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/steward-registry/steward/internal/steward"
)

func testRP(t *testing.T, key string) *RP {
	t.Helper()
	aead, err := newAEAD([]byte(key))
	if err != nil {
		t.Fatal(err)
	}
	return &RP{aead: aead, cookieName: "steward_oidc_login", cookiePath: "/auth/callback", now: time.Now}
}

const key1 = "key-one-key-one-key-one-key-one-!"

func TestStateCookieRoundTrip(t *testing.T) {
	rp := testRP(t, key1)
	st := loginState{State: "s", Nonce: "n", Verifier: "v", Next: "/models", Expires: 42}
	v, err := rp.seal(st)
	if err != nil {
		t.Fatal(err)
	}
	got, err := rp.open(v)
	if err != nil || got != st {
		t.Fatalf("open(seal(st)) = %+v, %v", got, err)
	}
	if v2, _ := rp.seal(st); v2 == v {
		t.Error("two seals of one state are equal: the nonce is not random")
	}
}

func TestStateCookieRejects(t *testing.T) {
	rp := testRP(t, key1)
	good, err := rp.seal(loginState{State: "s", Nonce: "n", Verifier: "v", Next: "/", Expires: 42})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(good)
	flipped := append([]byte{}, raw...)
	flipped[len(flipped)-1] ^= 1
	otherKey, _ := testRP(t, "key-two-key-two-key-two-key-two-!").seal(loginState{State: "s", Nonce: "n", Verifier: "v", Expires: 42})
	otherName := testRP(t, key1)
	otherName.cookieName = "another_cookie"
	moved, _ := otherName.seal(loginState{State: "s", Nonce: "n", Verifier: "v", Expires: 42})
	incomplete, _ := rp.seal(loginState{State: "s", Expires: 42})

	for name, v := range map[string]string{
		"empty":        "",
		"not base64":   "!!!",
		"truncated":    good[:len(good)-4],
		"too short":    "AAAA",
		"bit flipped":  base64.RawURLEncoding.EncodeToString(flipped),
		"another key":  otherKey,
		"another name": moved,
		"incomplete":   incomplete,
		"huge":         strings.Repeat("A", 8000),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := rp.open(v); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

// TestCallbackExpiredState needs the injectable clock: the browser may keep
// a cookie past its Max-Age, the sealed expiry still ends the login.
func TestCallbackExpiredState(t *testing.T) {
	rp := testRP(t, key1)
	start := time.Now()
	v, err := rp.seal(loginState{State: "s", Nonce: "n", Verifier: "v", Next: "/", Expires: start.Add(loginStateTTL).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	rp.now = func() time.Time { return start.Add(loginStateTTL + time.Second) }
	req := httptest.NewRequest(http.MethodGet, "/auth/callback?state=s&code=c", nil)
	req.AddCookie(&http.Cookie{Name: rp.cookieName, Value: v})
	rec := httptest.NewRecorder()
	_, _, err = rp.Callback(rec, req)
	if steward.ErrorCode(err) != steward.CodeUnauthenticated || !strings.Contains(steward.ErrorMessage(err), "took too long") {
		t.Fatalf("err = %v, want unauthenticated: took too long", err)
	}
	cleared := rec.Result().Cookies()
	if len(cleared) != 1 || cleared[0].MaxAge >= 0 || cleared[0].Path != "/auth/callback" {
		t.Fatalf("Set-Cookie = %v, want the login-state cookie cleared", cleared)
	}
}

func TestLocalPath(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"", "/", true},
		{"/", "/", true},
		{"/models/fraud?tab=versions#top", "/models/fraud?tab=versions#top", true},
		{"/%2F%2Fevil.example", "/%2F%2Fevil.example", true}, // a path, percent-encoded: browsers keep it on this site
		{"//evil.example", "", false},
		{"///evil.example", "", false},
		{"/\\evil.example", "", false},
		{"/ok\\..\\x", "", false},
		{"https://evil.example/", "", false},
		{"javascript:alert(1)", "", false},
		{"models", "", false},
		{"/a\nb", "", false},
		{"/a\tb", "", false},
		{"/a\x7fb", "", false},
		{"/" + strings.Repeat("x", maxNextLen), "", false},
	}
	for _, tt := range tests {
		got, err := LocalPath(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("LocalPath(%q) = %q, %v; want %q, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
		if err != nil && steward.ErrorCode(err) != steward.CodeInvalid {
			t.Errorf("LocalPath(%q) code = %s, want invalid_argument", tt.in, steward.ErrorCode(err))
		}
	}
}

func TestClaimShapes(t *testing.T) {
	tests := []struct {
		raw  string
		want []string
	}{
		{`["a","b"]`, []string{"a", "b"}},
		{`"solo"`, []string{"solo"}},
		{`["a",1,{"x":"y"},"",null,"b"]`, []string{"a", "b"}},
		{`{"_claim_names":"x"}`, nil},
		{`42`, nil},
		{``, nil},
	}
	for _, tt := range tests {
		if got := stringsClaim([]byte(tt.raw)); strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("stringsClaim(%s) = %q, want %q", tt.raw, got, tt.want)
		}
	}
	for raw, want := range map[string]bool{`true`: true, `"true"`: true, `false`: false, `"yes"`: false, ``: false} {
		if got := boolClaim([]byte(raw)); got != want {
			t.Errorf("boolClaim(%s) = %v, want %v", raw, got, want)
		}
	}
}
