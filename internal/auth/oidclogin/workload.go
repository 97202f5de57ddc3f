package oidclogin

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/steward-registry/steward/internal/steward"
)

// WorkloadConfig trusts one issuer of workload identity tokens (a CI
// system, a Kubernetes cluster) for one audience.
type WorkloadConfig struct {
	Issuer   string
	Audience string // the audience the workload must request, e.g. "steward"
	// SubjectClaim names the claim that identifies the workload; default
	// "sub" (e.g. "repo:org/app:ref:refs/heads/main" or
	// "system:serviceaccount:ns:name").
	SubjectClaim string
}

// WorkloadVerifier verifies workload identity tokens against the
// configured issuers. It is safe for concurrent use.
type WorkloadVerifier struct {
	byIssuer map[string][]workloadIssuer
}

type workloadIssuer struct {
	cfg      WorkloadConfig
	verifier *oidc.IDTokenVerifier
}

// NewWorkloadVerifier discovers every configured issuer (each once, even if
// listed for several audiences). An unreachable issuer is CodeUnavailable:
// better to fail at start-up than at a pipeline's first deploy.
func NewWorkloadVerifier(ctx context.Context, cfgs []WorkloadConfig) (*WorkloadVerifier, error) {
	client := &http.Client{Timeout: 10 * time.Second}
	v := &WorkloadVerifier{byIssuer: map[string][]workloadIssuer{}}
	providers := map[string]*oidc.Provider{}
	for _, c := range cfgs {
		if c.Issuer == "" || c.Audience == "" {
			return nil, steward.Errorf(steward.CodeInvalid, "workload identity: every issuer needs an audience")
		}
		if c.SubjectClaim == "" {
			c.SubjectClaim = "sub"
		}
		p, ok := providers[c.Issuer]
		if !ok {
			var err error
			if p, err = discover(ctx, client, c.Issuer); err != nil {
				return nil, err
			}
			providers[c.Issuer] = p
		}
		// Audience is compared in Verify, to tell "wrong audience" apart.
		v.byIssuer[c.Issuer] = append(v.byIssuer[c.Issuer],
			workloadIssuer{cfg: c, verifier: p.Verifier(&oidc.Config{SkipClientIDCheck: true})})
	}
	return v, nil
}

// Verify checks raw and returns who it identifies. The issuer is read from
// the token unverified only to choose which keys to verify it with; then
// signature, issuer, expiry and audience are checked. Every rejection is
// CodeUnauthenticated.
func (v *WorkloadVerifier) Verify(ctx context.Context, raw string) (issuer, subject string, claims map[string]any, err error) {
	const prefix = "workload token rejected: "
	iss, err := unverifiedIssuer(raw)
	if err != nil {
		return "", "", nil, unauthenticated(prefix+"the token is malformed", err)
	}
	cands := v.byIssuer[iss]
	if len(cands) == 0 {
		return "", "", nil, unauthenticated(prefix+"its issuer is not trusted", fmt.Errorf("issuer %q", iss))
	}
	tok, err := verifyToken(ctx, cands[0].verifier, raw, prefix)
	if err != nil {
		return "", "", nil, err
	}
	i := slices.IndexFunc(cands, func(c workloadIssuer) bool { return slices.Contains(tok.Audience, c.cfg.Audience) })
	if i < 0 {
		return "", "", nil, unauthenticated(prefix+"it was issued for another audience", fmt.Errorf("audience %q", tok.Audience))
	}
	if err := tok.Claims(&claims); err != nil {
		return "", "", nil, unauthenticated(prefix+"its claims are malformed", err)
	}
	subject, _ = claims[cands[i].cfg.SubjectClaim].(string)
	if subject == "" {
		return "", "", nil, unauthenticated(prefix+"it names no subject", fmt.Errorf("claim %q missing or not a string", cands[i].cfg.SubjectClaim))
	}
	return tok.Issuer, subject, claims, nil
}

// unverifiedIssuer reads the "iss" claim of a compact JWT without checking
// anything; Verify trusts nothing it returns beyond choosing a key set.
func unverifiedIssuer(raw string) (string, error) {
	if len(raw) > maxTokenLen {
		return "", fmt.Errorf("token of %d bytes", len(raw))
	}
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return "", fmt.Errorf("%d parts, want 3", len(parts))
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", fmt.Errorf("payload: %w", err)
	}
	var c struct {
		Issuer string `json:"iss"`
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		return "", fmt.Errorf("payload: %w", err)
	}
	if c.Issuer == "" {
		return "", fmt.Errorf("no iss claim")
	}
	return c.Issuer, nil
}
