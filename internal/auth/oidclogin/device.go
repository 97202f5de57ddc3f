package oidclogin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/steward-registry/steward/internal/steward"
)

// DeviceLogin logs the CLI in by the device authorization grant (RFC 8628)
// of the public client clientID: it asks the provider for a code, calls
// show so the person can open verificationURI and type userCode on any
// device with a browser, then polls until they approve, deny or the code
// expires. It returns the raw ID token, already verified (signature,
// issuer, audience, expiry), for the server to exchange for a Steward token.
//
// Scopes default to openid, email, profile; "openid" is always added. The
// HTTP client is the one ctx carries (oauth2.HTTPClient), else one with a
// 30 s timeout per request. Cancel ctx to give up waiting.
func DeviceLogin(ctx context.Context, issuer, clientID string, scopes []string, show func(verificationURI, userCode string)) (string, error) {
	if issuer == "" || clientID == "" || show == nil {
		return "", steward.Errorf(steward.CodeInvalid, "device login: issuer, client id and a display function are required")
	}
	if _, ok := ctx.Value(oauth2.HTTPClient).(*http.Client); !ok {
		ctx = oidc.ClientContext(ctx, &http.Client{Timeout: 30 * time.Second})
	}
	provider, err := discover(ctx, nil, issuer)
	if err != nil {
		return "", err
	}
	endpoint := provider.Endpoint()
	if endpoint.DeviceAuthURL == "" {
		return "", steward.Errorf(steward.CodeInvalid, "device login: the identity provider at %s does not offer device login", issuer)
	}
	endpoint.AuthStyle = oauth2.AuthStyleInParams // a public client: its id, no secret
	if len(scopes) == 0 {
		scopes = []string{oidc.ScopeOpenID, "email", "profile"}
	} else if !slices.Contains(scopes, oidc.ScopeOpenID) {
		scopes = append([]string{oidc.ScopeOpenID}, scopes...)
	}
	cfg := oauth2.Config{ClientID: clientID, Endpoint: endpoint, Scopes: scopes}

	da, err := cfg.DeviceAuth(ctx)
	if err != nil {
		return "", deviceError(ctx, "the identity provider refused to start a device login", err)
	}
	show(da.VerificationURI, da.UserCode)

	tok, err := cfg.DeviceAccessToken(ctx, da)
	if err != nil {
		if !da.Expiry.IsZero() && time.Now().After(da.Expiry) && ctx.Err() == nil {
			return "", unauthenticated("device login: the code expired before it was approved; run the login again", err)
		}
		return "", deviceError(ctx, "device login was not approved", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return "", unauthenticated("device login: the identity provider sent no ID token; is the openid scope allowed for this client?", nil)
	}
	idt, err := verifyToken(ctx, provider.Verifier(&oidc.Config{SkipClientIDCheck: true}), raw, "device login: ")
	if err != nil {
		return "", err
	}
	if err := checkAudience(idt, []string{clientID}); err != nil {
		return "", err
	}
	return raw, nil
}

// deviceError sorts a failed device-flow request: the provider said no
// (with an OAuth error code), the caller gave up, or the network failed.
func deviceError(ctx context.Context, msg string, err error) error {
	if re, ok := errors.AsType[*oauth2.RetrieveError](err); ok {
		return unauthenticated(fmt.Sprintf("%s (%s)", msg, oauthErrorCode(re.ErrorCode)), err)
	}
	if ctx.Err() != nil {
		return fmt.Errorf("device login: %w", ctx.Err())
	}
	return &steward.Error{Code: steward.CodeUnavailable, Message: "device login: the identity provider cannot be reached; try again later", Err: err}
}
