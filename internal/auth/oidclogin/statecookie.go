package oidclogin

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/steward-registry/steward/internal/steward"
)

// loginState is what the login-state cookie carries between Login and
// Callback. Keeping it client-side means any replica can finish a login
// that another started, with no server storage.
type loginState struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"` // the PKCE code verifier: secret, hence the encryption
	Next     string `json:"x"`
	Expires  int64  `json:"e"` // unix seconds; checked here, not only by the browser's Max-Age
}

// minCookieKeyLen is the least key material accepted for the cookie.
const minCookieKeyLen = 32

// newAEAD derives the cookie's AES-256-GCM key from the configured key, so
// the same configured secret can serve other purposes under other labels
// without the keys being related.
func newAEAD(secret []byte) (cipher.AEAD, error) {
	if len(secret) < minCookieKeyLen {
		return nil, steward.Errorf(steward.CodeInvalid, "oidc: the cookie key must be at least %d bytes", minCookieKeyLen)
	}
	key, err := hkdf.Key(sha256.New, secret, nil, "steward oidclogin login-state cookie v1", 32)
	if err != nil {
		return nil, fmt.Errorf("oidc: derive cookie key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("oidc: cookie cipher: %w", err)
	}
	return cipher.NewGCMWithRandomNonce(block)
}

// seal encrypts and authenticates st. The cookie name is the additional
// data, so a value cannot be moved to another cookie of ours.
func (rp *RP) seal(st loginState) (string, error) {
	plain, err := json.Marshal(st)
	if err != nil {
		return "", fmt.Errorf("oidc: encode login state: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(rp.aead.Seal(nil, nil, plain, []byte(rp.cookieName))), nil
}

// open reverses seal; any tampering, truncation or foreign key fails.
func (rp *RP) open(value string) (loginState, error) {
	if len(value) > 4096 {
		return loginState{}, errors.New("cookie too long")
	}
	sealed, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil {
		return loginState{}, fmt.Errorf("cookie encoding: %w", err)
	}
	plain, err := rp.aead.Open(nil, nil, sealed, []byte(rp.cookieName))
	if err != nil {
		return loginState{}, fmt.Errorf("cookie authentication: %w", err)
	}
	var st loginState
	if err := json.Unmarshal(plain, &st); err != nil {
		return loginState{}, fmt.Errorf("cookie content: %w", err)
	}
	if st.State == "" || st.Nonce == "" || st.Verifier == "" {
		return loginState{}, errors.New("cookie content incomplete")
	}
	return st, nil
}

// randomToken returns 256 random bits, URL-safe.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b)
}
