package auth

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/steward-registry/steward/internal/steward"
)

// clock is a settable time source.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *clock                   { return &clock{time.UnixMilli(1_700_000_000_000)} }
func sysCtx() context.Context            { return steward.WithPrincipal(context.Background(), steward.System) }
func badCreds(t *testing.T, what string, err error) {
	t.Helper()
	if !steward.IsCode(err, steward.CodeUnauthenticated) || steward.ErrorMessage(err) != steward.ErrorMessage(errBadCredentials()) {
		t.Fatalf("%s: %v, want the one non-revealing bad-credentials error", what, err)
	}
}

func TestAuthenticateToken(t *testing.T) {
	c := newClock()
	m := newMemStore()
	s := NewService(m, Options{Now: c.now})
	if _, err := s.CreateAccount(sysCtx(), AccountCreate{ID: "alice"}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetGroupMember(sysCtx(), "risk", "alice", true); err != nil {
		t.Fatal(err)
	}
	raw, tok, err := s.CreateToken(sysCtx(), TokenCreate{Principal: "alice", Name: "ci", Scope: "read", ExpiresIn: "1h"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	p, err := s.AuthenticateToken(ctx, raw)
	if err != nil {
		t.Fatal(err)
	}
	if p.ID != "alice" || p.Kind != steward.PrincipalUser || p.AuthMethod != "token" || p.Scope != steward.LevelRead ||
		p.TokenID != tok.ID || !slices.Equal(p.Groups, []string{"risk"}) || p.Superuser {
		t.Fatalf("principal %+v", p)
	}

	// Cached: the next request reads nothing and touches nothing; after a
	// minute, last use is written once.
	reads, touches := m.reads["GetToken"], m.touches
	if _, err := s.AuthenticateToken(ctx, raw); err != nil {
		t.Fatal(err)
	}
	if m.reads["GetToken"] != reads || m.touches != touches {
		t.Fatalf("a cached token was read (%d) or touched (%d) again", m.reads["GetToken"]-reads, m.touches-touches)
	}
	c.advance(61 * time.Second)
	for range 3 {
		if _, err := s.AuthenticateToken(ctx, raw); err != nil {
			t.Fatal(err)
		}
	}
	if m.touches != touches+1 {
		t.Fatalf("%d touches in the next minute, want 1", m.touches-touches)
	}

	badCreds(t, "tampered secret", func() error { _, err := s.AuthenticateToken(ctx, tamperLast(raw)); return err }())
	other, _, _ := newToken()
	badCreds(t, "unknown id", func() error { _, err := s.AuthenticateToken(ctx, other); return err }())
	_, err = s.AuthenticateToken(ctx, "stw_short")
	if !steward.IsCode(err, steward.CodeUnauthenticated) || strings.Contains(steward.ErrorMessage(err), "stw_short") {
		t.Fatalf("malformed: %v", err)
	}

	c.advance(time.Hour)
	badCreds(t, "expired", func() error { _, err := s.AuthenticateToken(ctx, raw); return err }())

	raw2, tok2, _ := s.CreateToken(sysCtx(), TokenCreate{Principal: "alice", Name: "two", ExpiresIn: "0"})
	if tok2.ExpiresAt != 0 {
		t.Fatalf("expires_in 0 set an expiry")
	}
	if _, err := s.AuthenticateToken(ctx, raw2); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeToken(sysCtx(), tok2.ID); err != nil {
		t.Fatal(err)
	}
	badCreds(t, "revoked (at once, though cached)", func() error { _, err := s.AuthenticateToken(ctx, raw2); return err }())

	raw3, _, _ := s.CreateToken(sysCtx(), TokenCreate{Principal: "alice", Name: "three"})
	if _, err := s.AuthenticateToken(ctx, raw3); err != nil {
		t.Fatal(err)
	}
	yes := true
	if _, err := s.UpdateAccount(sysCtx(), "alice", AccountUpdate{Disabled: &yes}); err != nil {
		t.Fatal(err)
	}
	badCreds(t, "disabled account (at once, though cached)", func() error { _, err := s.AuthenticateToken(ctx, raw3); return err }())
	if _, _, err := s.CreateToken(sysCtx(), TokenCreate{Principal: "alice", Name: "four"}); !steward.IsCode(err, steward.CodeConflict) {
		t.Fatalf("a token for a disabled account: %v", err)
	}
}

func TestTokenCreationRules(t *testing.T) {
	s := NewService(newMemStore(), Options{})
	for _, id := range []string{"alice", "bob"} {
		if _, err := s.CreateAccount(sysCtx(), AccountCreate{ID: id}); err != nil {
			t.Fatal(err)
		}
	}
	alice := func(scope steward.Level) context.Context {
		return steward.WithPrincipal(context.Background(), steward.Principal{ID: "alice", Kind: steward.PrincipalUser, Scope: scope})
	}
	for _, c := range []struct {
		name string
		ctx  context.Context
		in   TokenCreate
		code steward.Code
	}{
		{"own token", alice(0), TokenCreate{Name: "t"}, ""},
		{"read scope mints read", alice(steward.LevelRead), TokenCreate{Name: "t", Scope: "read"}, ""},
		{"read scope cannot mint write", alice(steward.LevelRead), TokenCreate{Name: "t", Scope: "write"}, steward.CodePermissionDenied},
		{"write scope cannot mint admin", alice(steward.LevelWrite), TokenCreate{Name: "t", Scope: "admin"}, steward.CodePermissionDenied},
		{"someone else's token", alice(0), TokenCreate{Principal: "bob", Name: "t"}, steward.CodePermissionDenied},
		{"unknown scope", alice(0), TokenCreate{Name: "t", Scope: "root"}, steward.CodeInvalid},
		{"too long a life", alice(0), TokenCreate{Name: "t", ExpiresIn: "9000h"}, steward.CodeInvalid},
		{"negative life", alice(0), TokenCreate{Name: "t", ExpiresIn: "-1h"}, steward.CodeInvalid},
		{"not a duration", alice(0), TokenCreate{Name: "t", ExpiresIn: "soon"}, steward.CodeInvalid},
		{"no principal", context.Background(), TokenCreate{Name: "t"}, steward.CodeUnauthenticated},
	} {
		t.Run(c.name, func(t *testing.T) {
			raw, tok, err := s.CreateToken(c.ctx, c.in)
			if got := steward.ErrorCode(err); got != c.code {
				t.Fatalf("CreateToken = %v (code %q), want %q", err, got, c.code)
			}
			if err == nil && (!LooksLikeToken(raw) || tok.Hash == "" || strings.Contains(raw, tok.Hash)) {
				t.Fatalf("token %q / %+v", raw, tok)
			}
		})
	}
}

func TestAuthenticatePassword(t *testing.T) {
	m := newMemStore()
	s := NewService(m, Options{})
	const pw = "correct horse battery staple"
	if _, err := s.CreateAccount(sysCtx(), AccountCreate{ID: "alice", Password: pw}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateAccount(sysCtx(), AccountCreate{ID: "bot", Kind: steward.PrincipalService}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateAccount(sysCtx(), AccountCreate{ID: "bot2", Kind: steward.PrincipalService, Password: pw}); !steward.IsCode(err, steward.CodeInvalid) {
		t.Fatalf("a service account with a password: %v", err)
	}
	ctx := context.Background()
	p, err := s.AuthenticatePassword(ctx, "alice", pw)
	if err != nil || p.ID != "alice" || p.AuthMethod != "basic_password" {
		t.Fatalf("right password: %+v, %v", p, err)
	}
	reads := m.reads["GetAccount"]
	if _, err := s.AuthenticatePassword(ctx, "alice", pw); err != nil || m.reads["GetAccount"] != reads {
		t.Fatalf("a repeated sign-in was not served from the cache: %v", err)
	}
	badCreds(t, "wrong password", func() error { _, err := s.AuthenticatePassword(ctx, "alice", pw+"!"); return err }())
	badCreds(t, "unknown account", func() error { _, err := s.AuthenticatePassword(ctx, "nobody", pw); return err }())
	badCreds(t, "account without a password", func() error { _, err := s.AuthenticatePassword(ctx, "bot", ""); return err }())

	botTok, _, _ := s.CreateToken(sysCtx(), TokenCreate{Principal: "bot", Name: "ci"})
	for _, user := range []string{"bot", "token", ""} {
		p, err := s.AuthenticatePassword(ctx, user, botTok)
		if err != nil || p.ID != "bot" || p.AuthMethod != "basic_token" {
			t.Fatalf("token as the password with user %q: %+v, %v", user, p, err)
		}
	}
	badCreds(t, "another account's token", func() error { _, err := s.AuthenticatePassword(ctx, "alice", botTok); return err }())

	// A new password or a disabled account takes effect at once, though
	// the old pair was cached.
	npw := "a brand new password"
	if _, err := s.UpdateAccount(sysCtx(), "alice", AccountUpdate{Password: &npw}); err != nil {
		t.Fatal(err)
	}
	badCreds(t, "old password after a change", func() error { _, err := s.AuthenticatePassword(ctx, "alice", pw); return err }())
	if _, err := s.AuthenticatePassword(ctx, "alice", npw); err != nil {
		t.Fatal(err)
	}
	yes := true
	if _, err := s.UpdateAccount(sysCtx(), "alice", AccountUpdate{Disabled: &yes}); err != nil {
		t.Fatal(err)
	}
	badCreds(t, "disabled account", func() error { _, err := s.AuthenticatePassword(ctx, "alice", npw); return err }())
}

func TestFailedSignInsAreLimited(t *testing.T) {
	c := newClock()
	s := NewService(newMemStore(), Options{Now: c.now, FailBurst: 10, FailRefill: 6 * time.Second})
	for i := range 10 {
		if err := s.Throttled("10.0.0.1", ""); err != nil {
			t.Fatalf("attempt %d throttled: %v", i+1, err)
		}
		s.Failed("10.0.0.1", "")
	}
	err := s.Throttled("10.0.0.1", "")
	if !steward.IsCode(err, steward.CodeRateLimited) {
		t.Fatalf("11th attempt: %v, want rate_limited", err)
	}
	if secs, ok := steward.ErrorDetails(err)["retry_after"].(int); !ok || secs < 1 || secs > 7 {
		t.Fatalf("retry_after %v", steward.ErrorDetails(err)["retry_after"])
	}
	if err := s.Throttled("10.0.0.2", ""); err != nil {
		t.Fatalf("another source is throttled: %v", err)
	}
	c.advance(6 * time.Second)
	if err := s.Throttled("10.0.0.1", ""); err != nil {
		t.Fatalf("after one refill interval: %v", err)
	}
	s.Failed("10.0.0.1", "")
	if err := s.Throttled("10.0.0.1", ""); !steward.IsCode(err, steward.CodeRateLimited) {
		t.Fatalf("the refill allows one failure, not a new burst: %v", err)
	}

	// Per account, across sources.
	for i := range 10 {
		s.Failed(fmt.Sprintf("192.0.2.%d", i), "alice")
	}
	if err := s.Throttled("192.0.2.200", "alice"); !steward.IsCode(err, steward.CodeRateLimited) {
		t.Fatalf("alice after ten failures from ten sources: %v", err)
	}
	if err := s.Throttled("192.0.2.200", "bob"); err != nil {
		t.Fatalf("bob from a fresh source: %v", err)
	}
}
