package oidclogin_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/steward-registry/steward/internal/auth/oidclogin"
	"github.com/steward-registry/steward/internal/oidctest"
	"github.com/steward-registry/steward/internal/steward"
)

// TestDeviceLogin is the CLI path end to end: DeviceLogin against the real
// provider, a person approving on the provider's verification page, and the
// server's VerifyIDToken accepting the result.
func TestDeviceLogin(t *testing.T) {
	e := newEnv(t, webClient(), publicClient())
	ctx := context.Background()
	var shown struct{ uri, code string }
	raw, err := oidclogin.DeviceLogin(ctx, e.p.Issuer(), oidctest.CLIClientID, []string{"email", "profile", "groups"},
		func(uri, code string) {
			shown.uri, shown.code = uri, code
			// The person opens the page on "another device" and signs in.
			if err := e.p.SubmitDevice(ctx, http.DefaultClient, uri, code, alice()); err != nil {
				t.Error(err)
			}
		})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(shown.uri, e.p.Issuer()) || shown.code == "" {
		t.Errorf("shown %q, %q", shown.uri, shown.code)
	}
	id, err := e.apps[webID].rp.VerifyIDToken(ctx, raw)
	if err != nil {
		t.Fatal(err)
	}
	if want := oidctest.Alice(); id.Subject != want.Subject || id.Email != want.Email || len(id.Groups) != len(want.Groups) {
		t.Errorf("identity = %+v, want alice's", id)
	}
}

func TestDeviceLoginFails(t *testing.T) {
	e := newEnv(t, webClient(), publicClient())
	tests := []struct {
		name     string
		clientID string
		show     func(ctx context.Context, cancel context.CancelFunc, userCode string) error
		code     steward.Code
		want     string
	}{
		{"denied by the person", oidctest.CLIClientID, func(_ context.Context, _ context.CancelFunc, userCode string) error {
			return e.p.DenyDevice(userCode)
		}, steward.CodeUnauthenticated, "not approved (access_denied)"},
		{"wrong password then gives up", oidctest.CLIClientID, func(ctx context.Context, cancel context.CancelFunc, userCode string) error {
			err := e.p.SubmitDevice(ctx, http.DefaultClient, e.p.Issuer()+"/device", userCode,
				oidctest.LoginForm{Username: "alice", Password: "wrong"})
			cancel()
			if err == nil {
				return errors.New("a wrong password was accepted")
			}
			return nil
		}, steward.CodeInternal, "context canceled"},
		{"client without the device grant", webID, nil, steward.CodeUnauthenticated, "refused to start a device login (unauthorized_client)"},
		{"unknown client", "nobody", nil, steward.CodeUnauthenticated, "refused to start a device login"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			raw, err := oidclogin.DeviceLogin(ctx, e.p.Issuer(), tt.clientID, nil, func(_, userCode string) {
				if tt.show == nil {
					t.Error("show called, but the flow should not have started")
					return
				}
				if err := tt.show(ctx, cancel, userCode); err != nil {
					t.Error(err)
				}
			})
			if err == nil || raw != "" {
				t.Fatalf("DeviceLogin = %q, %v; want an error", raw, err)
			}
			if got := steward.ErrorCode(err); got != tt.code || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v (%s), want %s mentioning %q", err, got, tt.code, tt.want)
			}
		})
	}
	t.Run("issuer unreachable", func(t *testing.T) {
		_, err := oidclogin.DeviceLogin(context.Background(), "http://127.0.0.1:1", oidctest.CLIClientID, nil, func(string, string) {})
		if got := steward.ErrorCode(err); got != steward.CodeUnavailable {
			t.Fatalf("err = %v, want unavailable", err)
		}
	})
}
