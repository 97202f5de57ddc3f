package oidclogin_test

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/steward-registry/steward/internal/auth/oidclogin"
	"github.com/steward-registry/steward/internal/oidctest"
	"github.com/steward-registry/steward/internal/steward"
)

func TestWorkloadVerifier(t *testing.T) {
	ctx := context.Background()
	ci := oidctest.Start(t)       // plays a CI system's issuer
	stranger := oidctest.Start(t) // an issuer nobody configured
	v, err := oidclogin.NewWorkloadVerifier(ctx, []oidclogin.WorkloadConfig{
		{Issuer: ci.Issuer(), Audience: "steward"},
		{Issuer: ci.Issuer(), Audience: "steward-k8s", SubjectClaim: "kubernetes_sa"},
	})
	if err != nil {
		t.Fatal(err)
	}

	granted, err := ci.WorkloadToken(ctx, "steward") // a real client-credentials grant
	if err != nil {
		t.Fatal(err)
	}
	mint := func(p *oidctest.Provider, spec oidctest.TokenSpec) string {
		t.Helper()
		s, err := p.Mint(spec)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	otherAud, err := ci.WorkloadToken(ctx, "someone-else")
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.RawURLEncoding.EncodeToString

	good := []struct {
		name, raw, subject string
	}{
		{"client-credentials token", granted, oidctest.ServiceClientID},
		{"minted token", mint(ci, oidctest.TokenSpec{Subject: "repo:org/app:ref:refs/heads/main", Audience: []string{"steward"}}),
			"repo:org/app:ref:refs/heads/main"},
		{"custom subject claim", mint(ci, oidctest.TokenSpec{Subject: "ignored", Audience: []string{"steward-k8s"},
			Claims: map[string]any{"kubernetes_sa": "system:serviceaccount:ml:trainer"}}), "system:serviceaccount:ml:trainer"},
	}
	for _, tt := range good {
		t.Run(tt.name, func(t *testing.T) {
			iss, sub, claims, err := v.Verify(ctx, tt.raw)
			if err != nil {
				t.Fatal(err)
			}
			if iss != ci.Issuer() || sub != tt.subject || claims["iss"] != ci.Issuer() {
				t.Errorf("Verify = %q, %q, %v", iss, sub, claims)
			}
		})
	}

	bad := []struct {
		name, raw, want string
	}{
		{"wrong audience", otherAud, "another audience"},
		{"expired", mint(ci, oidctest.TokenSpec{Subject: "job", Audience: []string{"steward"}, TTL: -time.Minute}), "expired"},
		{"unknown issuer", mint(stranger, oidctest.TokenSpec{Subject: "job", Audience: []string{"steward"}}), "issuer is not trusted"},
		{"made-up issuer", mint(ci, oidctest.TokenSpec{Subject: "job", Audience: []string{"steward"}, Issuer: "https://ci.example.invalid"}), "issuer is not trusted"},
		{"other key", mint(ci, oidctest.TokenSpec{Subject: "job", Audience: []string{"steward"}, ForeignKey: true}), "could not be verified"},
		{"trusted issuer's name, stranger's key", mint(stranger, oidctest.TokenSpec{Subject: "job", Audience: []string{"steward"}, Issuer: ci.Issuer()}), "could not be verified"},
		{"custom subject claim missing", mint(ci, oidctest.TokenSpec{Subject: "job", Audience: []string{"steward-k8s"}}), "names no subject"},
		{"no subject", mint(ci, oidctest.TokenSpec{Audience: []string{"steward"}}), "names no subject"},
		{"empty", "", "malformed"},
		{"not a JWT", "hello", "malformed"},
		{"three junk parts", "a.b.c", "malformed"},
		{"payload not JSON", "e30." + b64([]byte("nope")) + ".sig", "malformed"},
		{"no iss", "e30." + b64([]byte(`{"sub":"x"}`)) + ".sig", "malformed"},
		{"unsigned, trusted iss", b64([]byte(`{"alg":"none"}`)) + "." + b64([]byte(`{"iss":"`+ci.Issuer()+`","aud":"steward","sub":"x","exp":9999999999}`)) + ".",
			"could not be verified"},
		{"huge", strings.Repeat("a", 1<<20), "malformed"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, sub, _, err := v.Verify(ctx, tt.raw)
			if sub != "" {
				t.Errorf("subject %q returned with an error", sub)
			}
			assertErr(t, err, steward.CodeUnauthenticated, tt.want)
		})
	}
}

func TestNewWorkloadVerifierErrors(t *testing.T) {
	ctx := context.Background()
	ci := oidctest.Start(t)
	tests := []struct {
		name string
		cfgs []oidclogin.WorkloadConfig
		code steward.Code
	}{
		{"issuer unreachable", []oidclogin.WorkloadConfig{{Issuer: "http://127.0.0.1:1", Audience: "steward"}}, steward.CodeUnavailable},
		{"no audience", []oidclogin.WorkloadConfig{{Issuer: ci.Issuer()}}, steward.CodeInvalid},
		{"no issuer", []oidclogin.WorkloadConfig{{Audience: "steward"}}, steward.CodeInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := oidclogin.NewWorkloadVerifier(ctx, tt.cfgs); steward.ErrorCode(err) != tt.code {
				t.Fatalf("err = %v, want %s", err, tt.code)
			}
		})
	}
}
