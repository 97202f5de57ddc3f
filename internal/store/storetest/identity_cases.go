package storetest

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/steward-registry/steward/internal/auth"
	"github.com/steward-registry/steward/internal/events"
	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/steward"
)

// identityUpdate runs fn in one identity transaction.
func identityUpdate(t *testing.T, e *Env, fn func(auth.Repo) error) error {
	t.Helper()
	return e.DB.Identity().Update(e.Ctx, fn)
}

func newAccount(id string) *auth.Account {
	return &auth.Account{ID: id, Kind: steward.PrincipalUser, DisplayName: "Name of " + id, Email: id + "@example.com",
		CreatedBy: "system", CreatedAt: 1000, UpdatedAt: 1000}
}

func createAccounts(t *testing.T, e *Env, ids ...string) {
	t.Helper()
	must(t, identityUpdate(t, e, func(r auth.Repo) error {
		for _, id := range ids {
			if err := r.CreateAccount(e.Ctx, newAccount(id)); err != nil {
				return err
			}
		}
		return nil
	}))
}

func countEvents(t *testing.T, e *Env) int {
	t.Helper()
	var n int
	must(t, e.DB.Read.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM events`).Scan(&n))
	return n
}

func bindingsSubjects(bs []*auth.Binding) []string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = b.Subject + "/" + string(b.Role) + "/" + b.ScopeKind + "/" + b.ScopeName
	}
	slices.Sort(out)
	return out
}

var identityCases = []Case{
	{"identity: accounts are unique and round-trip", func(t *testing.T, e *Env) {
		s := e.DB.Identity()
		a := newAccount("alice")
		a.PasswordHash, a.OIDCIssuer, a.OIDCSubject, a.Disabled = "$argon2id$x", "https://idp.example", "sub-1", true
		must(t, identityUpdate(t, e, func(r auth.Repo) error { return r.CreateAccount(e.Ctx, a) }))
		got, err := s.GetAccount(e.Ctx, "alice")
		must(t, err)
		if *got != *a {
			t.Fatalf("account round trip: got %+v, want %+v", got, a)
		}
		err = identityUpdate(t, e, func(r auth.Repo) error { return r.CreateAccount(e.Ctx, newAccount("alice")) })
		wantCode(t, err, steward.CodeAlreadyExists)

		// One account per identity-provider subject; accounts without one
		// do not collide.
		dup := newAccount("alice2")
		dup.OIDCIssuer, dup.OIDCSubject = "https://idp.example", "sub-1"
		wantCode(t, identityUpdate(t, e, func(r auth.Repo) error { return r.CreateAccount(e.Ctx, dup) }), steward.CodeAlreadyExists)
		createAccounts(t, e, "carol", "bob")
		byOIDC, err := s.GetAccountByOIDC(e.Ctx, "https://idp.example", "sub-1")
		must(t, err)
		if byOIDC.ID != "alice" {
			t.Fatalf("account by OIDC subject: %s, want alice", byOIDC.ID)
		}
		_, err = s.GetAccountByOIDC(e.Ctx, "", "")
		wantCode(t, err, steward.CodeNotFound)
		_, err = s.GetAccountByOIDC(e.Ctx, "https://other.example", "sub-1")
		wantCode(t, err, steward.CodeNotFound)
		_, err = s.GetAccount(e.Ctx, "nobody")
		wantCode(t, err, steward.CodeNotFound)

		all, err := s.ListAccounts(e.Ctx)
		must(t, err)
		var ids []string
		for _, a := range all {
			ids = append(ids, a.ID)
		}
		wantStrings(t, "accounts", ids, []string{"alice", "bob", "carol"})
		n, err := s.CountAccounts(e.Ctx)
		must(t, err)
		if n != 3 {
			t.Fatalf("CountAccounts = %d, want 3", n)
		}

		next := *got
		next.DisplayName, next.Disabled, next.UpdatedAt = "Alice", false, 2000
		must(t, identityUpdate(t, e, func(r auth.Repo) error { return r.UpdateAccount(e.Ctx, &next) }))
		if got, _ = s.GetAccount(e.Ctx, "alice"); got.DisplayName != "Alice" || got.Disabled || got.UpdatedAt != 2000 {
			t.Fatalf("after update: %+v", got)
		}
		ghost := newAccount("ghost")
		if err := identityUpdate(t, e, func(r auth.Repo) error { return r.UpdateAccount(e.Ctx, ghost) }); err == nil {
			t.Fatalf("updating a missing account succeeded")
		}
	}},

	{"identity: tokens are created, read, revoked and touched", func(t *testing.T, e *Env) {
		s := e.DB.Identity()
		createAccounts(t, e, "alice", "bob")
		tok := &auth.Token{ID: "tok1", PrincipalID: "alice", Name: "ci", Kind: auth.TokenAPI, Hash: strings.Repeat("ab", 32),
			Scope: steward.LevelRead, Groups: []string{"risk", "ml"}, AuthMethod: "token", CreatedAt: 100, ExpiresAt: 5000}
		must(t, identityUpdate(t, e, func(r auth.Repo) error {
			if err := r.CreateToken(e.Ctx, tok); err != nil {
				return err
			}
			return r.CreateToken(e.Ctx, &auth.Token{ID: "tok2", PrincipalID: "alice", Kind: auth.TokenSession, Hash: "h2",
				Scope: steward.LevelAdmin, AuthMethod: "session", CreatedAt: 200})
		}))
		got, err := s.GetToken(e.Ctx, "tok1")
		must(t, err)
		if got.Hash != tok.Hash || got.Scope != steward.LevelRead || got.PrincipalID != "alice" || got.Kind != auth.TokenAPI ||
			got.ExpiresAt != 5000 || got.AuthMethod != "token" || !slices.Equal(got.Groups, tok.Groups) || got.RevokedAt != 0 {
			t.Fatalf("token round trip: got %+v, want %+v", got, tok)
		}
		if got, _ := s.GetToken(e.Ctx, "tok2"); got.Groups == nil || len(got.Groups) != 0 {
			t.Fatalf("a token without groups reads back groups %#v, want empty", got.Groups)
		}
		wantCode(t, identityUpdate(t, e, func(r auth.Repo) error {
			return r.CreateToken(e.Ctx, &auth.Token{ID: "tok1", PrincipalID: "bob", Kind: auth.TokenAPI, Hash: "x", Scope: 1, AuthMethod: "token"})
		}), steward.CodeAlreadyExists)
		if err := identityUpdate(t, e, func(r auth.Repo) error {
			return r.CreateToken(e.Ctx, &auth.Token{ID: "tok3", PrincipalID: "nobody", Kind: auth.TokenAPI, Hash: "x", Scope: 1, AuthMethod: "token"})
		}); err == nil {
			t.Fatalf("a token for a missing account was stored")
		}
		_, err = s.GetToken(e.Ctx, "nope")
		wantCode(t, err, steward.CodeNotFound)
		list, err := s.ListTokens(e.Ctx, "alice")
		must(t, err)
		if len(list) != 2 || list[0].ID != "tok1" || list[1].ID != "tok2" {
			t.Fatalf("alice's tokens: %+v", list)
		}
		if list, _ := s.ListTokens(e.Ctx, "bob"); len(list) != 0 {
			t.Fatalf("bob's tokens: %+v", list)
		}

		// Revocation is kept at its first time.
		must(t, identityUpdate(t, e, func(r auth.Repo) error { return r.RevokeToken(e.Ctx, "tok1", 300) }))
		must(t, identityUpdate(t, e, func(r auth.Repo) error { return r.RevokeToken(e.Ctx, "tok1", 400) }))
		if got, _ := s.GetToken(e.Ctx, "tok1"); got.RevokedAt != 300 {
			t.Fatalf("revoked_at %d, want 300", got.RevokedAt)
		}
		if got, _ := s.GetToken(e.Ctx, "tok2"); got.RevokedAt != 0 {
			t.Fatalf("revoking tok1 revoked tok2")
		}

		// Last use only moves forward, and is not an event.
		before := countEvents(t, e)
		must(t, s.TouchToken(e.Ctx, "tok2", 1000))
		must(t, s.TouchToken(e.Ctx, "tok2", 900))
		if got, _ := s.GetToken(e.Ctx, "tok2"); got.LastUsedAt != 1000 {
			t.Fatalf("last_used_at %d, want 1000", got.LastUsedAt)
		}
		if after := countEvents(t, e); after != before {
			t.Fatalf("TouchToken wrote %d events", after-before)
		}
	}},

	{"identity: group membership", func(t *testing.T, e *Env) {
		s := e.DB.Identity()
		createAccounts(t, e, "alice", "bob")
		add := func(g, p string) error {
			return identityUpdate(t, e, func(r auth.Repo) error { return r.AddGroupMember(e.Ctx, g, p) })
		}
		must(t, add("risk", "alice"))
		must(t, add("ml", "alice"))
		must(t, add("risk", "bob"))
		wantCode(t, add("risk", "alice"), steward.CodeAlreadyExists)
		if err := add("risk", "nobody"); err == nil {
			t.Fatalf("a missing account joined a group")
		}
		gs, err := s.GroupsOf(e.Ctx, "alice")
		must(t, err)
		wantStrings(t, "alice's groups", gs, []string{"ml", "risk"})
		all, err := s.ListGroups(e.Ctx)
		must(t, err)
		if len(all) != 2 || !slices.Equal(all["risk"], []string{"alice", "bob"}) || !slices.Equal(all["ml"], []string{"alice"}) {
			t.Fatalf("groups: %v", all)
		}
		must(t, identityUpdate(t, e, func(r auth.Repo) error { return r.RemoveGroupMember(e.Ctx, "risk", "alice") }))
		gs, _ = s.GroupsOf(e.Ctx, "alice")
		wantStrings(t, "alice's groups after leaving risk", gs, []string{"ml"})
		gs, _ = s.GroupsOf(e.Ctx, "nobody")
		wantStrings(t, "groups of nobody", gs, nil)
	}},

	{"identity: bindings are unique and selected by subject", func(t *testing.T, e *Env) {
		s := e.DB.Identity()
		n := 0
		bind := func(sub string, role auth.Role, kind, ws, name string) error {
			n++
			return identityUpdate(t, e, func(r auth.Repo) error {
				return r.CreateBinding(e.Ctx, &auth.Binding{ID: "b" + string(rune('a'+n)), Subject: sub, Role: role, ScopeKind: kind,
					Workspace: ws, ScopeName: name, CreatedBy: "system", CreatedAt: int64(n)})
			})
		}
		must(t, bind("user:alice", auth.RoleViewer, auth.ScopeWorkspace, "default", ""))
		must(t, bind("user:alice", auth.RoleOwner, auth.ScopeModel, "default", "m1"))
		must(t, bind("user:alice", auth.RoleOwner, auth.ScopeModel, "default", "m2"))
		must(t, bind("user:alice", auth.RoleOwner, auth.ScopeModel, "team-b", "m1"))
		must(t, bind("group:risk", auth.RoleValidator, auth.ScopeGlobal, "", ""))
		must(t, bind("user:bob", auth.RoleAdmin, auth.ScopeGlobal, "", ""))
		wantCode(t, bind("user:alice", auth.RoleOwner, auth.ScopeModel, "default", "m1"), steward.CodeAlreadyExists)
		wantCode(t, bind("user:bob", auth.RoleAdmin, auth.ScopeGlobal, "", ""), steward.CodeAlreadyExists)

		bs, err := s.BindingsFor(e.Ctx, []string{"user:alice", "group:risk"})
		must(t, err)
		wantStrings(t, "bindings of alice and risk", bindingsSubjects(bs), []string{
			"group:risk/validator/global/", "user:alice/owner/model/m1", "user:alice/owner/model/m1", "user:alice/owner/model/m2",
			"user:alice/viewer/workspace/",
		})
		bs, err = s.BindingsFor(e.Ctx, nil)
		must(t, err)
		if len(bs) != 0 {
			t.Fatalf("bindings of no subject: %d", len(bs))
		}
		bs, _ = s.BindingsFor(e.Ctx, []string{"user:nobody"})
		if len(bs) != 0 {
			t.Fatalf("bindings of nobody: %d", len(bs))
		}

		bs, _ = s.ListBindings(e.Ctx, auth.BindingFilter{ScopeKind: auth.ScopeModel, Workspace: "default", ScopeName: "m1"})
		wantStrings(t, "grants on default/m1", bindingsSubjects(bs), []string{"user:alice/owner/model/m1"})
		bs, _ = s.ListBindings(e.Ctx, auth.BindingFilter{ScopeKind: auth.ScopeGlobal})
		wantStrings(t, "global bindings", bindingsSubjects(bs), []string{"group:risk/validator/global/", "user:bob/admin/global/"})
		bs, _ = s.ListBindings(e.Ctx, auth.BindingFilter{})
		if len(bs) != 6 {
			t.Fatalf("all bindings: %d, want 6", len(bs))
		}
		must(t, identityUpdate(t, e, func(r auth.Repo) error { return r.DeleteBinding(e.Ctx, bs[0].ID) }))
		if left, _ := s.ListBindings(e.Ctx, auth.BindingFilter{}); len(left) != 5 {
			t.Fatalf("after delete: %d bindings, want 5", len(left))
		}
	}},

	{"identity: ModelInfo gives a model's project and owner in its workspace", func(t *testing.T, e *Env) {
		s := e.DB.Identity()
		_, err := e.Registry.CreateProject(e.Ctx, "credit", "")
		must(t, err)
		createModel(t, e, e.Ctx, registry.ModelCreate{Name: "scored", Project: "credit", Owner: "carol"})
		createModel(t, e, e.Ctx, registry.ModelCreate{Name: "loose"})
		mi, err := s.ModelInfo(e.Ctx, "scored")
		must(t, err)
		if mi != (auth.ModelInfo{Project: "credit", Owner: "carol"}) {
			t.Fatalf("ModelInfo(scored) = %+v", mi)
		}
		mi, err = s.ModelInfo(e.Ctx, "loose")
		must(t, err)
		if mi != (auth.ModelInfo{Owner: steward.Anonymous.ID}) {
			t.Fatalf("ModelInfo(loose) = %+v, want no project and the creator as owner", mi)
		}
		_, err = s.ModelInfo(e.Ctx, "missing")
		wantCode(t, err, steward.CodeNotFound)
		other := createWorkspace(t, e, "team-b")
		_, err = s.ModelInfo(other, "scored")
		wantCode(t, err, steward.CodeNotFound)
	}},

	{"identity: grants follow a model's rename and die with it", func(t *testing.T, e *Env) {
		s := e.DB.Identity()
		createModel(t, e, e.Ctx, registry.ModelCreate{Name: "m"})
		createModel(t, e, e.Ctx, registry.ModelCreate{Name: "other"})
		grant := func(sub, model string) {
			must(t, identityUpdate(t, e, func(r auth.Repo) error {
				return r.CreateBinding(e.Ctx, &auth.Binding{ID: steward.NewID(), Subject: sub, Role: auth.RoleViewer, ScopeKind: auth.ScopeModel,
					Workspace: steward.DefaultWorkspace, ScopeName: model, CreatedBy: "system", CreatedAt: 1})
			}))
		}
		grant("user:bob", "m")
		grant("group:risk", "m")
		grant("user:bob", "other")
		on := func(model string) []string {
			bs, err := s.ListBindings(e.Ctx, auth.BindingFilter{ScopeKind: auth.ScopeModel, ScopeName: model})
			must(t, err)
			return bindingsSubjects(bs)
		}
		_, err := e.Registry.UpdateModel(e.Ctx, "m", registry.ModelUpdate{Name: ptr("m2")}, 0)
		must(t, err)
		wantStrings(t, "grants on the new name", on("m2"), []string{"group:risk/viewer/model/m2", "user:bob/viewer/model/m2"})
		wantStrings(t, "grants left on the old name", on("m"), nil)
		wantStrings(t, "grants on another model", on("other"), []string{"user:bob/viewer/model/other"})
		// A failed rename moves nothing.
		_, err = e.Registry.UpdateModel(e.Ctx, "m2", registry.ModelUpdate{Name: ptr("other")}, 0)
		wantCode(t, err, steward.CodeAlreadyExists)
		if !strings.Contains(steward.ErrorMessage(err), `registered model "other" already exists`) {
			t.Fatalf("renaming onto another model: %v", err)
		}
		wantStrings(t, "grants after a failed rename", on("m2"), []string{"group:risk/viewer/model/m2", "user:bob/viewer/model/m2"})
		must(t, e.Registry.DeleteModel(e.Ctx, "m2", 0))
		wantStrings(t, "grants after the delete", on("m2"), nil)
		wantStrings(t, "grants on another model after the delete", on("other"), []string{"user:bob/viewer/model/other"})
	}},

	{"identity: every mutation through auth.Service writes exactly one event", func(t *testing.T, e *Env) {
		svc := auth.NewService(e.DB.Identity(), auth.Options{})
		// root, the first administrator, acts through its global binding
		// (not as a superuser). Its own creation is Bootstrap's composite of
		// three events.
		ctx := steward.WithRequestInfo(steward.WithPrincipal(context.Background(),
			steward.Principal{ID: "root", Kind: steward.PrincipalUser, AuthMethod: "token"}), aliceReq)
		before := countEvents(t, e)
		_, err := svc.Bootstrap(e.Ctx, "root", "", time.Hour)
		must(t, err)
		wantActions(t, e, before, "account.create", "binding.create", "token.create")

		createModel(t, e, e.Ctx, registry.ModelCreate{Name: "m"})
		var tokID, bindingID, grantID, raw string
		for _, m := range []struct {
			action string
			do     func() error
		}{
			{"account.create", func() error {
				_, err := svc.CreateAccount(ctx, auth.AccountCreate{ID: "dave", Password: "a long enough password"})
				return err
			}},
			{"account.update", func() error {
				_, err := svc.UpdateAccount(ctx, "dave", auth.AccountUpdate{DisplayName: ptr("Dave")})
				return err
			}},
			{"account.update", func() error {
				_, err := svc.UpdateAccount(ctx, "dave", auth.AccountUpdate{Password: ptr("another long password")})
				return err
			}},
			{"token.create", func() error {
				r, tok, err := svc.CreateToken(ctx, auth.TokenCreate{Principal: "dave", Name: "ci", Scope: "read"})
				if tok != nil {
					tokID, raw = tok.ID, r
				}
				return err
			}},
			{"token.revoke", func() error { return svc.RevokeToken(ctx, tokID) }},
			{"group.add_member", func() error { return svc.SetGroupMember(ctx, "risk", "dave", true) }},
			{"group.remove_member", func() error { return svc.SetGroupMember(ctx, "risk", "dave", false) }},
			{"binding.create", func() error {
				b, err := svc.CreateBinding(ctx, auth.BindingCreate{Subject: "user:dave", Role: "developer", ScopeKind: auth.ScopeWorkspace})
				if b != nil {
					bindingID = b.ID
				}
				return err
			}},
			{"binding.delete", func() error { return svc.DeleteBinding(ctx, bindingID) }},
			{"model.grant", func() error {
				g, err := svc.GrantModel(ctx, "m", "group:risk", "read")
				if g != nil {
					grantID = g.ID
				}
				return err
			}},
			{"binding.delete", func() error { return svc.RevokeModelGrant(ctx, "m", grantID) }},
		} {
			before := countEvents(t, e)
			if err := m.do(); err != nil {
				t.Fatalf("%s: %v", m.action, err)
			}
			ev := wantActions(t, e, before, m.action)[0]
			if ev.ActorID != "root" || ev.RequestID != aliceReq.RequestID || ev.RemoteIP != aliceReq.RemoteIP {
				t.Fatalf("%s: event by %s from %s (request %s), want root from %s (%s)", m.action, ev.ActorID, ev.RemoteIP, ev.RequestID,
					aliceReq.RemoteIP, aliceReq.RequestID)
			}
			for _, secret := range []string{raw, "a long enough password", "another long password", "$argon2id$"} {
				if secret != "" && (strings.Contains(string(ev.After), secret) || strings.Contains(string(ev.Before), secret)) {
					t.Fatalf("%s: the event holds a secret: %s / %s", m.action, ev.Before, ev.After)
				}
			}
		}

		// First sign-in of a person provisions the account and issues the
		// session: two events; signing out revokes it: one.
		before = countEvents(t, e)
		session, _, err := svc.SignIn(context.Background(), auth.ExternalIdentity{Issuer: "https://idp.example", Subject: "s-1", Email: "erin@example.com"},
			auth.TokenSession, "session")
		must(t, err)
		wantActions(t, e, before, "account.create", "token.create")
		before = countEvents(t, e)
		must(t, svc.SignOut(steward.WithPrincipal(context.Background(), steward.Principal{ID: "erin@example.com", Kind: steward.PrincipalUser}), session))
		wantActions(t, e, before, "token.revoke")

		// No-ops and failures write nothing.
		before = countEvents(t, e)
		must(t, svc.RevokeToken(ctx, tokID))                            // already revoked
		must(t, svc.SetGroupMember(ctx, "risk", "dave", false))         // not a member
		_, err = svc.CreateAccount(ctx, auth.AccountCreate{ID: "dave"}) // exists
		wantCode(t, err, steward.CodeAlreadyExists)
		_, err = svc.CreateBinding(ctx, auth.BindingCreate{Subject: "user:root", Role: "admin", ScopeKind: auth.ScopeGlobal}) // exists
		wantCode(t, err, steward.CodeAlreadyExists)
		_, err = svc.GrantModel(ctx, "missing", "user:dave", "read")
		wantCode(t, err, steward.CodeNotFound)
		_, err = svc.Bootstrap(e.Ctx, "mallory", "", time.Hour)
		wantCode(t, err, steward.CodeAlreadyExists)
		// Without identity.manage nothing changes either.
		nobody := steward.WithPrincipal(context.Background(), steward.Principal{ID: "dave", Kind: steward.PrincipalUser})
		_, err = svc.CreateAccount(nobody, auth.AccountCreate{ID: "sock"})
		wantCode(t, err, steward.CodePermissionDenied)
		if after := countEvents(t, e); after != before {
			t.Fatalf("no-ops and refused calls wrote %d events", after-before)
		}
	}},
}

// wantActions checks the events written since the count before are exactly
// actions, in order, and returns them.
func wantActions(t *testing.T, e *Env, before int, actions ...string) []*events.Event {
	t.Helper()
	all := eventsAfter(t, e, e.Ctx, 0)
	if got := countEvents(t, e) - before; got != len(actions) {
		t.Fatalf("wrote %d events, want %d (%q)", got, len(actions), actions)
	}
	last := all[len(all)-len(actions):]
	for i, ev := range last {
		if ev.Action != actions[i] {
			var got []string
			for _, ev := range last {
				got = append(got, ev.Action)
			}
			t.Fatalf("events %q, want %q", got, actions)
		}
	}
	return last
}
