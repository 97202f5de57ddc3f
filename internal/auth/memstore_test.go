package auth

import (
	"context"
	"slices"
	"sort"

	"github.com/steward-registry/steward/internal/events"
	"github.com/steward-registry/steward/internal/steward"
)

// memStore is an in-memory Store for the decision logic's unit tests. It
// keeps no transactions: Update applies writes directly.
type memStore struct {
	accounts map[string]*Account
	tokens   map[string]*Token
	members  map[string][]string // principal → groups
	bindings []*Binding
	models   map[string]ModelInfo // workspace + "/" + name
	events   []*events.Event
	touches  int
	reads    map[string]int // method → calls
}

func newMemStore() *memStore {
	return &memStore{accounts: map[string]*Account{}, tokens: map[string]*Token{}, members: map[string][]string{},
		models: map[string]ModelInfo{}, reads: map[string]int{}}
}

var _ Store = (*memStore)(nil)

func notFoundf(format string, args ...any) error {
	return steward.Errorf(steward.CodeNotFound, format, args...)
}

func (m *memStore) GetAccount(_ context.Context, id string) (*Account, error) {
	m.reads["GetAccount"]++
	a, ok := m.accounts[id]
	if !ok {
		return nil, notFoundf("account %q does not exist", id)
	}
	c := *a
	return &c, nil
}

func (m *memStore) GetAccountByOIDC(_ context.Context, issuer, subject string) (*Account, error) {
	for _, a := range m.accounts {
		if a.OIDCSubject != "" && a.OIDCIssuer == issuer && a.OIDCSubject == subject {
			c := *a
			return &c, nil
		}
	}
	return nil, notFoundf("no account for %s", subject)
}

func (m *memStore) ListAccounts(context.Context) ([]*Account, error) {
	var out []*Account
	for _, a := range m.accounts {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func (m *memStore) CountAccounts(context.Context) (int, error) { return len(m.accounts), nil }

func (m *memStore) GetToken(_ context.Context, id string) (*Token, error) {
	m.reads["GetToken"]++
	t, ok := m.tokens[id]
	if !ok {
		return nil, notFoundf("token %q does not exist", id)
	}
	c := *t
	return &c, nil
}

func (m *memStore) ListTokens(_ context.Context, principal string) ([]*Token, error) {
	var out []*Token
	for _, t := range m.tokens {
		if t.PrincipalID == principal {
			out = append(out, t)
		}
	}
	return out, nil
}

func (m *memStore) GroupsOf(_ context.Context, id string) ([]string, error) {
	return slices.Clone(m.members[id]), nil
}

func (m *memStore) ListGroups(context.Context) (map[string][]string, error) {
	out := map[string][]string{}
	for p, gs := range m.members {
		for _, g := range gs {
			out[g] = append(out[g], p)
		}
	}
	return out, nil
}

func (m *memStore) BindingsFor(_ context.Context, subjects []string) ([]*Binding, error) {
	m.reads["BindingsFor"]++
	var out []*Binding
	for _, b := range m.bindings {
		if slices.Contains(subjects, b.Subject) {
			out = append(out, b)
		}
	}
	return out, nil
}

func (m *memStore) ListBindings(_ context.Context, f BindingFilter) ([]*Binding, error) {
	var out []*Binding
	for _, b := range m.bindings {
		if (f.Subject == "" || f.Subject == b.Subject) && (f.ScopeKind == "" || f.ScopeKind == b.ScopeKind) &&
			(f.Workspace == "" || f.Workspace == b.Workspace) && (f.ScopeName == "" || f.ScopeName == b.ScopeName) {
			out = append(out, b)
		}
	}
	return out, nil
}

func (m *memStore) ModelInfo(ctx context.Context, name string) (ModelInfo, error) {
	m.reads["ModelInfo"]++
	mi, ok := m.models[steward.WorkspaceFrom(ctx)+"/"+name]
	if !ok {
		return ModelInfo{}, notFoundf("registered model %q does not exist", name)
	}
	return mi, nil
}

func (m *memStore) Update(_ context.Context, fn func(Repo) error) error { return fn(m) }

func (m *memStore) TouchToken(_ context.Context, id string, at int64) error {
	m.touches++
	if t, ok := m.tokens[id]; ok && t.LastUsedAt < at {
		t.LastUsedAt = at
	}
	return nil
}

func (m *memStore) AppendEvent(_ context.Context, e *events.Event) error {
	m.events = append(m.events, e)
	return nil
}

func (m *memStore) CreateAccount(_ context.Context, a *Account) error {
	if _, ok := m.accounts[a.ID]; ok {
		return steward.Errorf(steward.CodeAlreadyExists, "account %q already exists", a.ID)
	}
	c := *a
	m.accounts[a.ID] = &c
	return nil
}

func (m *memStore) UpdateAccount(_ context.Context, a *Account) error {
	c := *a
	m.accounts[a.ID] = &c
	return nil
}

func (m *memStore) CreateToken(_ context.Context, t *Token) error {
	c := *t
	m.tokens[t.ID] = &c
	return nil
}

func (m *memStore) RevokeToken(_ context.Context, id string, at int64) error {
	if t, ok := m.tokens[id]; ok && t.RevokedAt == 0 {
		t.RevokedAt = at
	}
	return nil
}

func (m *memStore) AddGroupMember(_ context.Context, group, id string) error {
	m.members[id] = append(m.members[id], group)
	return nil
}

func (m *memStore) RemoveGroupMember(_ context.Context, group, id string) error {
	m.members[id] = slices.DeleteFunc(m.members[id], func(g string) bool { return g == group })
	return nil
}

func (m *memStore) CreateBinding(_ context.Context, b *Binding) error {
	for _, o := range m.bindings {
		if o.Subject == b.Subject && o.Role == b.Role && o.ScopeKind == b.ScopeKind && o.Workspace == b.Workspace && o.ScopeName == b.ScopeName {
			return steward.Errorf(steward.CodeAlreadyExists, "%s already has role %s at this scope", b.Subject, b.Role)
		}
	}
	m.bindings = append(m.bindings, b)
	return nil
}

func (m *memStore) DeleteBinding(_ context.Context, id string) error {
	m.bindings = slices.DeleteFunc(m.bindings, func(b *Binding) bool { return b.ID == id })
	return nil
}

// bind adds a binding directly (fixtures).
func (m *memStore) bind(subject string, role Role, kind, ws, name string) {
	m.bindings = append(m.bindings, &Binding{ID: steward.NewID(), Subject: subject, Role: role, ScopeKind: kind, Workspace: ws, ScopeName: name})
}
