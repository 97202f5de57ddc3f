package oidctest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/crypto"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// TokenSpec describes a JWT for Mint: the shape of an ID token or of a
// workload identity token (a CI job's or a Kubernetes service account's).
type TokenSpec struct {
	Subject  string
	Audience []string
	// TTL defaults to five minutes; negative mints a token already expired.
	TTL time.Duration
	// Issuer defaults to the provider's; another value plays a token from
	// an issuer nobody configured.
	Issuer string
	// Claims are added last and win over the fields above.
	Claims map[string]any
	// ForeignKey signs with a key the provider does not publish (under the
	// key id it does publish), so the signature check must fail.
	ForeignKey bool
}

// Mint signs a token with the provider's own signing key, the one its
// discovery document's JWKS publishes, so it verifies like any token the
// provider issues (unless spec asks for a fault).
func (p *Provider) Mint(spec TokenSpec) (string, error) {
	now := time.Now()
	ttl := spec.TTL
	if ttl == 0 {
		ttl = 5 * time.Minute
	}
	exp := now.Add(ttl)
	iss := spec.Issuer
	if iss == "" {
		iss = p.issuer
	}
	iat := now
	if exp.Before(now) {
		iat = exp.Add(-time.Minute) // an expired token was issued before it expired
	}
	claims := map[string]any{
		"iss": iss,
		"sub": spec.Subject,
		"aud": spec.Audience,
		"iat": iat.Unix(),
		"exp": exp.Unix(),
		"jti": randomID(),
	}
	maps.Copy(claims, spec.Claims)
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("oidctest: mint: %w", err)
	}
	return p.sign(payload, spec.ForeignKey)
}

// MintToken is Mint for the common case: one audience, the provider's key.
func (p *Provider) MintToken(sub, aud string, ttl time.Duration) (string, error) {
	return p.Mint(TokenSpec{Subject: sub, Audience: []string{aud}, TTL: ttl})
}

// WorkloadToken runs the client-credentials grant of the built-in service
// client and returns its JWT access token, issued for audience: what a CI
// job gets when it asks its platform for an OIDC token.
func (p *Provider) WorkloadToken(ctx context.Context, audience string) (string, error) {
	cc := clientcredentials.Config{
		ClientID:     ServiceClientID,
		ClientSecret: ServiceClientSecret,
		TokenURL:     p.TokenURL(),
		Scopes:       []string{audienceScopePrefix + audience},
		AuthStyle:    oauth2.AuthStyleInHeader,
	}
	tok, err := cc.Token(ctx)
	if err != nil {
		return "", fmt.Errorf("oidctest: client credentials: %w", err)
	}
	return tok.AccessToken, nil
}

func (p *Provider) sign(payload []byte, foreign bool) (string, error) {
	key := p.store.signing
	if foreign {
		key = p.store.foreign
	}
	signer, err := op.SignerFromKey(key)
	if err != nil {
		return "", fmt.Errorf("oidctest: signer: %w", err)
	}
	jwt, err := crypto.SignPayload(payload, signer)
	if err != nil {
		return "", fmt.Errorf("oidctest: sign: %w", err)
	}
	return jwt, nil
}

// faults wraps the provider's handler: token-endpoint answers for a client
// with an IDTokenFault get their ID token rewritten. Everything else passes.
func (p *Provider) faults(next http.Handler) http.Handler {
	tokenPath := p.op.TokenEndpoint().Relative()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != tokenPath {
			next.ServeHTTP(w, r)
			return
		}
		c, ok := p.store.client(tokenClientID(r))
		if !ok || !c.IDTokenFault.active() {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		if rec.Code == http.StatusOK {
			if b, err := p.corrupt(body, c.IDTokenFault); err == nil {
				body = b
			} else {
				http.Error(w, "oidctest: fault injection: "+err.Error(), http.StatusInternalServerError)
				return
			}
		}
		maps.Copy(w.Header(), rec.Header())
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	})
}

// tokenClientID finds the client of a token request, from Basic auth or the
// form. Parsing the form here is harmless: op reads the parsed form too.
func tokenClientID(r *http.Request) string {
	if id, _, ok := r.BasicAuth(); ok {
		if v, err := url.QueryUnescape(id); err == nil {
			return v
		}
	}
	return r.PostFormValue("client_id")
}

// corrupt rewrites the id_token of a token response as f says.
func (p *Provider) corrupt(body []byte, f IDTokenFault) ([]byte, error) {
	var resp map[string]any
	if err := json.Unmarshal(body, &resp); err != nil {
		return nil, err
	}
	idt, _ := resp["id_token"].(string)
	parts := strings.Split(idt, ".")
	if len(parts) != 3 {
		return body, nil // no ID token to corrupt
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, err
	}
	claims := map[string]any{}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&claims); err != nil {
		return nil, err
	}
	maps.Copy(claims, f.Claims)
	payload, err := json.Marshal(claims)
	if err != nil {
		return nil, err
	}
	if resp["id_token"], err = p.sign(payload, f.ForeignKey); err != nil {
		return nil, err
	}
	return json.Marshal(resp)
}
