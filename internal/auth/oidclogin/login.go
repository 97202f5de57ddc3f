package oidclogin

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/steward-registry/steward/internal/steward"
)

// maxNextLen keeps the sealed cookie well under the browsers' 4 KiB limit.
const maxNextLen = 1024

// Login starts a web login: GET /auth/login?next=/path. It keeps a fresh
// state, nonce and PKCE verifier in the sealed login-state cookie and
// redirects to the identity provider. next must be a local path; anything
// else is refused (CodeInvalid) rather than silently replaced, so a crafted
// link fails visibly. One login per browser is in flight at a time: a second
// Login replaces the first one's cookie, and the first callback then fails
// with a state mismatch and asks to start again.
func (rp *RP) Login(w http.ResponseWriter, r *http.Request) {
	next, err := LocalPath(r.URL.Query().Get("next"))
	if err != nil {
		rp.errorFn(w, r, err)
		return
	}
	st := loginState{
		State:    randomToken(),
		Nonce:    randomToken(),
		Verifier: oauth2.GenerateVerifier(),
		Next:     next,
		Expires:  rp.now().Add(loginStateTTL).Unix(),
	}
	value, err := rp.seal(st)
	if err != nil {
		rp.errorFn(w, r, err)
		return
	}
	http.SetCookie(w, rp.cookie(value, int(loginStateTTL.Seconds())))
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, rp.oauth.AuthCodeURL(st.State, oidc.Nonce(st.Nonce), oauth2.S256ChallengeOption(st.Verifier)), http.StatusFound)
}

// Callback completes a web login at the redirect URL. It checks the state
// against the login-state cookie (in constant time), redeems the code with
// the PKCE verifier, verifies the ID token (signature, issuer, audience,
// expiry, nonce, at_hash) and returns the identity and the local path the
// login started from. The cookie is cleared whatever the outcome, so a
// callback cannot be replayed with it from this browser.
//
// Errors are *steward.Error: CodeUnauthenticated for anything the browser
// or the provider got wrong, CodeUnavailable when the provider cannot be
// reached.
func (rp *RP) Callback(w http.ResponseWriter, r *http.Request) (Identity, string, error) {
	http.SetCookie(w, rp.cookie("", -1))
	w.Header().Set("Cache-Control", "no-store")

	st, err := rp.readState(r)
	if err != nil {
		return Identity{}, "", err
	}
	q := r.URL.Query()
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(st.State)) != 1 {
		return Identity{}, "", unauthenticated("login failed: state mismatch; start the login again", nil)
	}
	if e := q.Get("error"); e != "" {
		return Identity{}, "", unauthenticated("login failed: the identity provider refused the login ("+oauthErrorCode(e)+")",
			errors.New("idp error: "+e+": "+q.Get("error_description")))
	}
	code := q.Get("code")
	if code == "" {
		return Identity{}, "", unauthenticated("login failed: the identity provider sent no authorization code", nil)
	}

	ctx := oidc.ClientContext(r.Context(), rp.client)
	tok, err := rp.oauth.Exchange(ctx, code, oauth2.VerifierOption(st.Verifier))
	if err != nil {
		if _, ok := errors.AsType[*oauth2.RetrieveError](err); ok {
			return Identity{}, "", unauthenticated("login failed: the identity provider rejected the authorization code; start the login again", err)
		}
		return Identity{}, "", &steward.Error{Code: steward.CodeUnavailable,
			Message: "login failed: the identity provider cannot be reached; try again later", Err: err}
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return Identity{}, "", unauthenticated("login failed: the identity provider sent no ID token", nil)
	}
	idt, err := verifyToken(ctx, rp.verifier, raw, "login failed: ")
	if err != nil {
		return Identity{}, "", err
	}
	// Only ClientID: this code was redeemed by the web client, so its ID
	// token must be the web client's, not the CLI's.
	if err := checkAudience(idt, rp.clientIDs[:1]); err != nil {
		return Identity{}, "", err
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(st.Nonce)) != 1 {
		return Identity{}, "", unauthenticated("login failed: the token does not belong to this login (nonce mismatch); start the login again", nil)
	}
	if idt.AccessTokenHash != "" {
		if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
			return Identity{}, "", unauthenticated("login failed: the token does not match its access token", err)
		}
	}
	id, err := identity(idt, rp.groupsClaim)
	if err != nil {
		return Identity{}, "", err
	}
	return id, st.Next, nil
}

func (rp *RP) cookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name:     rp.cookieName,
		Value:    value,
		Path:     rp.cookiePath,
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   rp.secure,
		// Lax, not Strict: the provider's redirect back is a cross-site
		// top-level navigation, which Strict would send without the cookie.
		SameSite: http.SameSiteLaxMode,
	}
}

func (rp *RP) readState(r *http.Request) (loginState, error) {
	c, err := r.Cookie(rp.cookieName)
	if err != nil {
		return loginState{}, unauthenticated("login failed: no login is in progress in this browser; start the login again", err)
	}
	st, err := rp.open(c.Value)
	if err != nil {
		return loginState{}, unauthenticated("login failed: the login state is invalid; start the login again", err)
	}
	if rp.now().Unix() > st.Expires {
		return loginState{}, unauthenticated("login failed: the login took too long; start the login again", nil)
	}
	return st, nil
}

// LocalPath returns next if it is a path on this site ("/" when empty), or
// a CodeInvalid error: a scheme, a host, "//" or "/\" (which browsers treat
// as a host), control characters and overlong values are refused, so a
// login link cannot redirect elsewhere after the login.
func LocalPath(next string) (string, error) {
	if next == "" {
		return "/", nil
	}
	bad := steward.Errorf(steward.CodeInvalid, "next must be a local path such as /models")
	if len(next) > maxNextLen || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") ||
		strings.ContainsAny(next, "\\") || strings.ContainsFunc(next, isControl) {
		return "", bad
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "", bad
	}
	return next, nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// oauthErrorCode keeps a provider's error code in a message only when it
// looks like one (RFC 6749 codes are lowercase with underscores); the query
// is attacker-controlled.
func oauthErrorCode(s string) string {
	if len(s) == 0 || len(s) > 64 || strings.ContainsFunc(s, func(r rune) bool { return (r < 'a' || r > 'z') && r != '_' }) {
		return "unknown error"
	}
	return s
}

// writeError is the default Config.Error.
func writeError(w http.ResponseWriter, _ *http.Request, err error) {
	status := http.StatusInternalServerError
	switch steward.ErrorCode(err) {
	case steward.CodeInvalid:
		status = http.StatusBadRequest
	case steward.CodeUnauthenticated:
		status = http.StatusUnauthorized
	}
	http.Error(w, steward.ErrorMessage(err), status)
}
