package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"

	"github.com/steward-registry/steward/internal/steward"
)

// Token strings look like stw_<16-char id>_<43-char secret>. The prefix makes
// a leaked token recognisable to secret scanners and to people; the id is the
// public handle (lists, audit log, revocation); only the secret's SHA-256 is
// stored.
const (
	tokenPrefix  = "stw_"
	tokenIDLen   = 16
	tokenSecLen  = 43 // 32 random bytes, base64url without padding
	tokenLen     = len(tokenPrefix) + tokenIDLen + 1 + tokenSecLen
	idAlphabet   = "abcdefghijklmnopqrstuvwxyz0123456789"
	minPassword  = 12
	maxPassword  = 1024
	argonTime    = 2
	argonMemory  = 19 * 1024 // KiB: OWASP's argon2id baseline
	argonThreads = 1
	argonKeyLen  = 32
)

// newToken returns a fresh token string, its id and the hash to store.
func newToken() (raw, id, hash string) {
	var b [tokenIDLen]byte
	_, _ = rand.Read(b[:])
	idb := make([]byte, tokenIDLen)
	for i, c := range b {
		idb[i] = idAlphabet[int(c)%len(idAlphabet)]
	}
	var sec [32]byte
	_, _ = rand.Read(sec[:])
	secret := base64.RawURLEncoding.EncodeToString(sec[:])
	id = string(idb)
	return tokenPrefix + id + "_" + secret, id, hashSecret(secret)
}

// LooksLikeToken reports whether s has the shape of a Steward token (so a
// basic-auth password can be told from a token without a lookup).
func LooksLikeToken(s string) bool {
	return len(s) == tokenLen && strings.HasPrefix(s, tokenPrefix) && s[len(tokenPrefix)+tokenIDLen] == '_'
}

// parseToken splits a token into id and secret hash. The message never
// echoes the token.
func parseToken(raw string) (id, hash string, err error) {
	if !LooksLikeToken(raw) {
		return "", "", steward.Errorf(steward.CodeUnauthenticated, "the token is malformed: Steward tokens start with %q and are %d characters long", tokenPrefix, tokenLen)
	}
	id = raw[len(tokenPrefix) : len(tokenPrefix)+tokenIDLen]
	return id, hashSecret(raw[len(tokenPrefix)+tokenIDLen+1:]), nil
}

func hashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// sameHash compares two hex digests in constant time.
func sameHash(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// HashPassword returns an argon2id hash in the PHC string format.
func HashPassword(pw string) (string, error) {
	if err := checkPassword(pw); err != nil {
		return "", err
	}
	var salt [16]byte
	_, _ = rand.Read(salt[:])
	key := argon2.IDKey([]byte(pw), salt[:], argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt[:]), base64.RawStdEncoding.EncodeToString(key)), nil
}

func checkPassword(pw string) error {
	if len(pw) < minPassword {
		return steward.Errorf(steward.CodeInvalid, "password must be at least %d characters long", minPassword).WithDetail("field", "password")
	}
	if len(pw) > maxPassword {
		return steward.Errorf(steward.CodeInvalid, "password must be at most %d bytes", maxPassword).WithDetail("field", "password")
	}
	return nil
}

// VerifyPassword checks pw against a PHC argon2id hash in constant time. It
// reads the parameters from the hash so they can be raised later.
func VerifyPassword(hash, pw string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || len(pw) > maxPassword {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || t == 0 || p == 0 || m > 1<<20 || t > 16 {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 || len(want) > 64 {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// SessionCookie carries a web session token. It is HttpOnly (scripts cannot
// read it), SameSite=Lax (not sent on cross-site POSTs) and Secure whenever
// the public URL is https.
const SessionCookie = "steward_session"

// CSRFToken derives the CSRF token of a session: state-changing requests that
// authenticate by cookie must echo it (header X-CSRF-Token or form field
// csrf_token). A cross-site page can make the browser send the cookie but
// cannot read it, so it cannot compute this.
func CSRFToken(session string) string {
	h := sha256.Sum256([]byte("steward-csrf\x00" + session))
	return hex.EncodeToString(h[:16])
}
