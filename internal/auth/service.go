package auth

import (
	"context"
	"slices"
	"time"

	"github.com/steward-registry/steward/internal/events"
	"github.com/steward-registry/steward/internal/steward"
)

// Options tune the service; zero values take the defaults.
type Options struct {
	// CacheTTL bounds how long a token, its owner's groups and bindings are
	// served from memory. Changes made through this replica take effect at
	// once; changes made through another replica within CacheTTL.
	CacheTTL time.Duration
	// SessionTTL is the lifetime of a web session; ExchangeTTL of a token
	// exchanged for an OIDC or workload token.
	SessionTTL  time.Duration
	ExchangeTTL time.Duration
	// FailBurst failed authentications per source or account are allowed,
	// then one per FailRefill.
	FailBurst  int
	FailRefill time.Duration
	Now        func() time.Time
}

func (o *Options) defaults() {
	if o.CacheTTL == 0 {
		o.CacheTTL = 5 * time.Second
	}
	if o.SessionTTL == 0 {
		o.SessionTTL = 12 * time.Hour
	}
	if o.ExchangeTTL == 0 {
		o.ExchangeTTL = time.Hour
	}
	if o.FailBurst == 0 {
		o.FailBurst = 10
	}
	if o.FailRefill == 0 {
		o.FailRefill = 6 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Service owns identities, credentials and bindings, and is the Authorizer
// of every domain service.
type Service struct {
	store Store
	opt   Options

	tokens    *ttlCache[string, *cachedToken] // token id → token and owner
	passwords *ttlCache[string, *cachedToken] // HMAC(user, password) → owner
	bindings  *ttlCache[string, []*Binding]   // principal id + groups → bindings
	models    *ttlCache[string, ModelInfo]    // workspace/name → project, owner
	groups    *ttlCache[string, []string]     // principal id → local groups
	failures  *limiter
	pwKey     [32]byte
}

type cachedToken struct {
	tok     *Token
	acct    *Account
	groups  []string
	touched int64
}

// NewService returns the identity service over store.
func NewService(store Store, opt Options) *Service {
	opt.defaults()
	s := &Service{
		store:     store,
		opt:       opt,
		tokens:    newTTLCache[string, *cachedToken](opt.CacheTTL, 100_000, opt.Now),
		passwords: newTTLCache[string, *cachedToken](opt.CacheTTL*12, 10_000, opt.Now),
		bindings:  newTTLCache[string, []*Binding](opt.CacheTTL, 100_000, opt.Now),
		models:    newTTLCache[string, ModelInfo](opt.CacheTTL, 100_000, opt.Now),
		groups:    newTTLCache[string, []string](opt.CacheTTL, 100_000, opt.Now),
		failures:  newLimiter(opt.FailBurst, opt.FailRefill, opt.Now),
	}
	randomKey(s.pwKey[:])
	return s
}

func (s *Service) millis() int64 { return steward.Millis(s.opt.Now()) }

// update runs fn in a transaction and, after it commits, forgets cached
// decisions so this replica sees the change at once.
func (s *Service) update(ctx context.Context, fn func(Repo) error) error {
	err := s.store.Update(ctx, fn)
	if err == nil {
		s.tokens.purge()
		s.passwords.purge()
		s.bindings.purge()
		s.groups.purge()
	}
	return err
}

func (s *Service) emit(ctx context.Context, r Repo, action, typ, id string, before, after any) error {
	e, err := events.New(ctx, s.opt.Now(), action, typ, id, before, after)
	if err != nil {
		return err
	}
	return r.AppendEvent(ctx, e)
}

// require checks identity.manage. Accounts, tokens, groups and bindings are
// not in any workspace, so only a global binding grants it: an admin bound
// to one workspace could otherwise mint a token for a global admin, set their
// password, or bind itself globally.
func (s *Service) require(ctx context.Context, perm steward.Permission) error {
	return s.Authorize(ctx, perm, steward.Resource{Type: "identity"})
}

// selfOrAdmin allows acting on one's own account, or on anyone's with
// identity.manage.
func (s *Service) selfOrAdmin(ctx context.Context, id string) error {
	p, ok := steward.PrincipalFrom(ctx)
	if !ok {
		return steward.Errorf(steward.CodeUnauthenticated, "sign in first")
	}
	if p.ID == id && !p.Superuser {
		return nil
	}
	return s.require(ctx, steward.PermIdentityManage)
}

func subjectsOf(p steward.Principal) []string {
	subs := make([]string, 0, 1+len(p.Groups))
	subs = append(subs, "user:"+p.ID)
	for _, g := range p.Groups {
		subs = append(subs, "group:"+g)
	}
	return subs
}

func mergeGroups(a, b []string) []string {
	out := slices.Concat(a, b)
	slices.Sort(out)
	return slices.Compact(out)
}
