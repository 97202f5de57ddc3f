package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/steward-registry/steward/internal/steward"
)

func randomKey(b []byte) { _, _ = rand.Read(b) }

// errBadCredentials is the one message for every failed sign-in: it does not
// say whether the account, the password or the token was wrong.
func errBadCredentials() error {
	return steward.Errorf(steward.CodeUnauthenticated, "the credentials are not valid (unknown, expired or revoked); sign in again or create a new token")
}

// Throttled reports whether failed sign-ins from source or for account have
// used up their allowance; the caller refuses the attempt before checking it.
func (s *Service) Throttled(source, account string) error {
	for _, k := range []string{"src:" + source, "acct:" + account} {
		if k == "acct:" {
			continue
		}
		if blocked, wait := s.failures.blocked(k); blocked {
			return steward.Errorf(steward.CodeRateLimited, "too many failed sign-in attempts; try again in %d seconds", int(wait/time.Second)+1).
				WithDetail("retry_after", int(wait/time.Second)+1)
		}
	}
	return nil
}

// Failed counts one failed sign-in against source and account.
func (s *Service) Failed(source, account string) {
	s.failures.fail("src:" + source)
	if account != "" {
		s.failures.fail("acct:" + account)
	}
}

// AuthenticateToken resolves a token string to its principal. The secret is
// compared in constant time against the stored hash; the token itself is
// never logged nor echoed in errors.
func (s *Service) AuthenticateToken(ctx context.Context, raw string) (steward.Principal, error) {
	id, hash, err := parseToken(raw)
	if err != nil {
		return steward.Principal{}, err
	}
	ct, ok := s.tokens.get(id)
	if !ok {
		if ct, err = s.loadToken(ctx, id); err != nil {
			return steward.Principal{}, err
		}
	}
	if !sameHash(ct.tok.Hash, hash) {
		return steward.Principal{}, errBadCredentials()
	}
	now := s.millis()
	if ct.tok.RevokedAt != 0 || (ct.tok.ExpiresAt != 0 && now >= ct.tok.ExpiresAt) || ct.acct.Disabled {
		return steward.Principal{}, errBadCredentials()
	}
	if now-ct.touched > time.Minute.Milliseconds() {
		// Last-used is kept to the minute: one write per token per minute,
		// not one per request.
		ct.touched = now
		if err := s.store.TouchToken(ctx, id, now); err != nil {
			return steward.Principal{}, err
		}
	}
	return steward.Principal{
		ID: ct.acct.ID, Kind: ct.acct.Kind, AuthMethod: ct.tok.AuthMethod,
		Groups: ct.groups, Scope: ct.tok.Scope, TokenID: ct.tok.ID,
	}, nil
}

func (s *Service) loadToken(ctx context.Context, id string) (*cachedToken, error) {
	tok, err := s.store.GetToken(ctx, id)
	if steward.IsCode(err, steward.CodeNotFound) {
		return nil, errBadCredentials()
	}
	if err != nil {
		return nil, err
	}
	acct, groups, err := s.accountWithGroups(ctx, tok.PrincipalID)
	if err != nil {
		return nil, err
	}
	ct := &cachedToken{tok: tok, acct: acct, groups: mergeGroups(groups, tok.Groups), touched: tok.LastUsedAt}
	s.tokens.put(id, ct)
	return ct, nil
}

func (s *Service) accountWithGroups(ctx context.Context, id string) (*Account, []string, error) {
	acct, err := s.store.GetAccount(ctx, id)
	if steward.IsCode(err, steward.CodeNotFound) {
		return nil, nil, errBadCredentials()
	}
	if err != nil {
		return nil, nil, err
	}
	groups, err := s.store.GroupsOf(ctx, id)
	return acct, groups, err
}

// AuthenticatePassword checks a local account's password (HTTP basic auth,
// the way MLflow clients send MLFLOW_TRACKING_USERNAME/PASSWORD). A token in
// the password field is accepted too, when it belongs to the named account.
// Successful checks are remembered under an HMAC of the pair, so a client
// that sends its password on every request pays for argon2id once per
// CacheTTL×12, not per request.
func (s *Service) AuthenticatePassword(ctx context.Context, user, password string) (steward.Principal, error) {
	if LooksLikeToken(password) {
		p, err := s.AuthenticateToken(ctx, password)
		if err != nil {
			return p, err
		}
		if user != "" && user != p.ID && user != "token" {
			return steward.Principal{}, errBadCredentials()
		}
		p.AuthMethod = "basic_token"
		return p, nil
	}
	mac := hmac.New(sha256.New, s.pwKey[:])
	mac.Write([]byte(user))
	mac.Write([]byte{0})
	mac.Write([]byte(password))
	key := hex.EncodeToString(mac.Sum(nil))
	ct, ok := s.passwords.get(key)
	if !ok {
		acct, groups, err := s.accountWithGroups(ctx, user)
		if err != nil {
			// Spend the same time as a real check so timing does not tell
			// which accounts exist.
			VerifyPassword(dummyHash, password)
			return steward.Principal{}, err
		}
		if !acct.HasPassword() || !VerifyPassword(acct.PasswordHash, password) {
			return steward.Principal{}, errBadCredentials()
		}
		ct = &cachedToken{acct: acct, groups: groups}
		s.passwords.put(key, ct)
	}
	if ct.acct.Disabled {
		return steward.Principal{}, errBadCredentials()
	}
	return steward.Principal{ID: ct.acct.ID, Kind: ct.acct.Kind, AuthMethod: "basic_password", Groups: ct.groups}, nil
}

// dummyHash is verified against when an account does not exist.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$c3Rld2FyZC1kdW1teQ$0SxuJu7HtGmeWcaQ9ZOqhRLvpaMAf8NC0Tzl5xwxPko"
