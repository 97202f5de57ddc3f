package auth

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/steward-registry/steward/internal/steward"
)

// decisionFixture: workspaces a and b; in a, model "scored" in project
// "credit", model "owned" owned by olga, models m1 and m2; in b, model m1.
func decisionFixture() (*Service, *memStore) {
	m := newMemStore()
	m.models["a/scored"] = ModelInfo{Project: "credit"}
	m.models["a/owned"] = ModelInfo{Owner: "olga"}
	m.models["a/m1"] = ModelInfo{}
	m.models["a/m2"] = ModelInfo{}
	m.models["b/m1"] = ModelInfo{}
	m.models["b/scored"] = ModelInfo{Project: "credit"}
	m.bind("user:gviewer", RoleViewer, ScopeGlobal, "", "")
	m.bind("user:gadmin", RoleAdmin, ScopeGlobal, "", "")
	m.bind("user:wdev", RoleDeveloper, ScopeWorkspace, "a", "")
	m.bind("user:wadmin", RoleAdmin, ScopeWorkspace, "a", "")
	m.bind("user:proj", RoleOwner, ScopeProject, "a", "credit")
	m.bind("user:mgrant", RoleViewer, ScopeModel, "a", "m1")
	m.bind("group:risk", RoleDeployer, ScopeWorkspace, "a", "")
	return NewService(m, Options{}), m
}

func principal(id string, groups ...string) steward.Principal {
	return steward.Principal{ID: id, Kind: steward.PrincipalUser, AuthMethod: "token", Groups: groups}
}

func model(ws, name string) steward.Resource {
	return steward.Resource{Type: "model", Name: name, Workspace: ws, Missing: "registered model \"" + name + "\" does not exist"}
}

func TestAuthorizeDecisions(t *testing.T) {
	readCap, writeCap := principal("gadmin"), principal("gadmin")
	readCap.Scope, writeCap.Scope = steward.LevelRead, steward.LevelWrite
	anyModels := steward.Resource{Type: "model", Workspace: "a"}
	ws := func(w string) steward.Resource { return steward.Resource{Type: "experiment", Workspace: w} }
	for _, c := range []struct {
		name string
		who  *steward.Principal // nil: no principal in ctx
		perm steward.Permission
		res  steward.Resource
		code steward.Code // "" = allowed
		msg  string       // the message must contain it
	}{
		{"no principal", nil, steward.PermModelRead, model("a", "m1"), steward.CodeUnauthenticated, "sign in"},
		{"superuser", &steward.Anonymous, steward.PermIdentityManage, steward.Resource{Type: "identity"}, "", ""},
		{"superuser on another workspace's model", &steward.System, steward.PermModelManage, model("b", "m1"), "", ""},
		{"authenticated needs no binding", ptrTo(principal("nobody")), steward.PermAuthenticated, steward.Resource{}, "", ""},
		{"no binding at all", ptrTo(principal("nobody")), steward.PermExperimentRead, ws("a"), steward.CodePermissionDenied, "experiment.read"},

		{"read scope reads", &readCap, steward.PermModelRead, model("a", "m1"), "", ""},
		{"read scope cannot write", &readCap, steward.PermModelWrite, model("a", "m1"), steward.CodePermissionDenied, "limited to read scope"},
		{"read scope cannot administer", &readCap, steward.PermIdentityManage, steward.Resource{Type: "identity"}, steward.CodePermissionDenied, "scope"},
		{"read scope may be authenticated", &readCap, steward.PermAuthenticated, steward.Resource{}, "", ""},
		{"read scope reads the audit log", &readCap, steward.PermAuditRead, steward.Resource{Type: "events", Workspace: "a"}, "", ""},
		{"write scope writes", &writeCap, steward.PermModelManage, model("a", "m1"), "", ""},
		{"write scope cannot manage workspaces", &writeCap, steward.PermWorkspaceManage, steward.Resource{Type: "workspace", Name: "c", Workspace: "c"}, steward.CodePermissionDenied, "scope"},
		{"write scope cannot manage identity", &writeCap, steward.PermIdentityManage, steward.Resource{Type: "identity"}, steward.CodePermissionDenied, "scope"},

		{"global viewer reads anywhere", ptrTo(principal("gviewer")), steward.PermModelRead, model("b", "m1"), "", ""},
		{"global viewer cannot write, and may know it exists", ptrTo(principal("gviewer")), steward.PermModelWrite, model("a", "m1"), steward.CodePermissionDenied, "model.write"},
		{"global viewer cannot read the audit log", ptrTo(principal("gviewer")), steward.PermAuditRead, steward.Resource{Type: "events", Workspace: "a"}, steward.CodePermissionDenied, ""},
		{"global admin manages identity", ptrTo(principal("gadmin")), steward.PermIdentityManage, steward.Resource{Type: "identity"}, "", ""},

		{"workspace developer writes in its workspace", ptrTo(principal("wdev")), steward.PermModelWrite, model("a", "m1"), "", ""},
		{"workspace developer creates in its workspace", ptrTo(principal("wdev")), steward.PermModelCreate, anyModels, "", ""},
		{"workspace developer logs runs", ptrTo(principal("wdev")), steward.PermExperimentWrite, ws("a"), "", ""},
		{"workspace developer cannot promote", ptrTo(principal("wdev")), steward.PermModelStage, model("a", "m1"), steward.CodePermissionDenied, "model.stage"},
		{"another workspace's model is hidden", ptrTo(principal("wdev")), steward.PermModelWrite, model("b", "m1"), steward.CodeNotFound, `registered model "m1" does not exist`},
		{"another workspace's experiments are refused", ptrTo(principal("wdev")), steward.PermExperimentWrite, ws("b"), steward.CodePermissionDenied, ""},
		{"without a Missing message the refusal is 403", ptrTo(principal("wdev")), steward.PermModelWrite,
			steward.Resource{Type: "model", Name: "m1", Workspace: "b"}, steward.CodePermissionDenied, ""},
		{"a workspace admin does not manage identity", ptrTo(principal("wadmin")), steward.PermIdentityManage, steward.Resource{Type: "identity"}, steward.CodePermissionDenied, ""},
		{"a workspace admin does not create workspaces", ptrTo(principal("wadmin")), steward.PermWorkspaceManage,
			steward.Resource{Type: "workspace", Name: "c", Workspace: "c"}, steward.CodePermissionDenied, ""},

		{"project binding covers models in the project", ptrTo(principal("proj")), steward.PermModelManage, model("a", "scored"), "", ""},
		{"project binding covers the project", ptrTo(principal("proj")), steward.PermProjectManage,
			steward.Resource{Type: "project", Name: "credit", Workspace: "a"}, "", ""},
		{"project binding does not cover other models", ptrTo(principal("proj")), steward.PermModelRead, model("a", "m1"), steward.CodeNotFound, `"m1" does not exist`},
		{"project binding does not cover other projects", ptrTo(principal("proj")), steward.PermProjectRead,
			steward.Resource{Type: "project", Name: "other", Workspace: "a", Missing: `project "other" does not exist`}, steward.CodeNotFound, `project "other"`},
		{"project binding is per workspace", ptrTo(principal("proj")), steward.PermModelRead, model("b", "scored"), steward.CodeNotFound, ""},
		{"project binding gives no workspace-wide permission", ptrTo(principal("proj")), steward.PermExperimentRead, ws("a"), steward.CodePermissionDenied, ""},

		{"model grant reads the model", ptrTo(principal("mgrant")), steward.PermModelRead, model("a", "m1"), "", ""},
		{"model read grant does not write: 403, it may know it", ptrTo(principal("mgrant")), steward.PermModelWrite, model("a", "m1"), steward.CodePermissionDenied, ""},
		{"model grant hides other models", ptrTo(principal("mgrant")), steward.PermModelRead, model("a", "m2"), steward.CodeNotFound, `registered model "m2" does not exist`},
		{"model grant is per workspace", ptrTo(principal("mgrant")), steward.PermModelRead, model("b", "m1"), steward.CodeNotFound, ""},
		{"model grant lets one know the workspace", ptrTo(principal("mgrant")), steward.PermWorkspaceRead,
			steward.Resource{Type: "workspace", Name: "a", Workspace: "a"}, "", ""},
		{"but not another workspace", ptrTo(principal("mgrant")), steward.PermWorkspaceRead,
			steward.Resource{Type: "workspace", Name: "b", Workspace: "b"}, steward.CodePermissionDenied, ""},
		{"model grant does not list all models", ptrTo(principal("mgrant")), steward.PermModelRead, anyModels, steward.CodePermissionDenied, ""},

		{"group binding reaches members", ptrTo(principal("gina", "risk")), steward.PermModelStage, model("a", "m1"), "", ""},
		{"group binding only its role", ptrTo(principal("gina", "risk")), steward.PermModelWrite, model("a", "m1"), steward.CodePermissionDenied, ""},
		{"other groups get nothing", ptrTo(principal("gina", "ops")), steward.PermModelRead, model("a", "m1"), steward.CodeNotFound, ""},

		{"the owner manages its model", ptrTo(principal("olga")), steward.PermModelManage, model("a", "owned"), "", ""},
		{"the owner writes its model", ptrTo(principal("olga")), steward.PermModelWrite, model("a", "owned"), "", ""},
		{"ownership does not validate", ptrTo(principal("olga")), steward.PermModelValidate, model("a", "owned"), steward.CodePermissionDenied, ""},
		{"ownership is one model", ptrTo(principal("olga")), steward.PermModelRead, model("a", "m1"), steward.CodeNotFound, ""},
		{"a missing model has no owner", ptrTo(principal("olga")), steward.PermModelRead, model("a", "nope"), steward.CodeNotFound, `"nope" does not exist`},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, _ := decisionFixture()
			ctx := context.Background()
			if c.who != nil {
				ctx = steward.WithPrincipal(ctx, *c.who)
			}
			err := s.Authorize(ctx, c.perm, c.res)
			if got := steward.ErrorCode(err); got != c.code {
				t.Fatalf("Authorize(%s, %+v) = %v (code %q), want code %q", c.perm, c.res, err, got, c.code)
			}
			if err != nil && !strings.Contains(steward.ErrorMessage(err), c.msg) {
				t.Fatalf("message %q lacks %q", steward.ErrorMessage(err), c.msg)
			}
			if c.code == steward.CodeNotFound && steward.ErrorMessage(err) != c.res.Missing {
				t.Fatalf("a hidden object's message %q differs from its missing message %q", steward.ErrorMessage(err), c.res.Missing)
			}
		})
	}
}

func ptrTo[T any](v T) *T { return &v }

func TestVisible(t *testing.T) {
	s, _ := decisionFixture()
	in := func(ws string, p *steward.Principal) context.Context {
		ctx := steward.WithWorkspace(context.Background(), ws)
		if p != nil {
			ctx = steward.WithPrincipal(ctx, *p)
		}
		return ctx
	}
	readCap := principal("gadmin")
	readCap.Scope = steward.LevelRead
	for _, c := range []struct {
		name string
		ctx  context.Context
		perm steward.Permission
		code steward.Code
		want *steward.Visibility // nil: unrestricted
	}{
		{"no principal", in("a", nil), steward.PermModelRead, steward.CodeUnauthenticated, nil},
		{"superuser", in("a", &steward.Anonymous), steward.PermModelRead, "", nil},
		{"global viewer", in("b", ptrTo(principal("gviewer"))), steward.PermModelRead, "", nil},
		{"workspace developer at home", in("a", ptrTo(principal("wdev"))), steward.PermModelRead, "", nil},
		{"workspace developer abroad sees what it owns", in("b", ptrTo(principal("wdev"))), steward.PermModelRead, "", &steward.Visibility{Owner: "wdev"}},
		{"model grant", in("a", ptrTo(principal("mgrant"))), steward.PermModelRead, "", &steward.Visibility{Models: []string{"m1"}, Owner: "mgrant"}},
		{"model grant in another workspace", in("b", ptrTo(principal("mgrant"))), steward.PermModelRead, "", &steward.Visibility{Owner: "mgrant"}},
		{"project binding", in("a", ptrTo(principal("proj"))), steward.PermModelRead, "", &steward.Visibility{Projects: []string{"credit"}, Owner: "proj"}},
		{"read grants do not list for writing", in("a", ptrTo(principal("mgrant"))), steward.PermModelWrite, "", &steward.Visibility{}},
		{"scope caps listing for writing", in("a", &readCap), steward.PermModelWrite, steward.CodePermissionDenied, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx, err := s.Visible(c.ctx, c.perm)
			if got := steward.ErrorCode(err); got != c.code {
				t.Fatalf("Visible = %v (code %q), want code %q", err, got, c.code)
			}
			if err != nil {
				return
			}
			got := steward.VisibilityFrom(ctx)
			if (got == nil) != (c.want == nil) {
				t.Fatalf("visibility %+v, want %+v", got, c.want)
			}
			if got != nil && (!slices.Equal(got.Models, c.want.Models) || !slices.Equal(got.Projects, c.want.Projects) || got.Owner != c.want.Owner) {
				t.Fatalf("visibility %+v, want %+v", got, c.want)
			}
		})
	}
}

func TestVisibilitySeesModel(t *testing.T) {
	var none *steward.Visibility
	v := &steward.Visibility{Models: []string{"m1"}, Projects: []string{"credit"}, Owner: "olga"}
	for _, c := range []struct {
		v                    *steward.Visibility
		name, project, owner string
		want                 bool
	}{
		{none, "anything", "", "", true},
		{v, "m1", "", "", true},
		{v, "m2", "credit", "", true},
		{v, "m3", "", "olga", true},
		{v, "m4", "", "", false},
		{v, "m5", "other", "bob", false},
		{&steward.Visibility{}, "m1", "", "", false}, // no owner matches an unowned model
		{&steward.Visibility{Projects: []string{"credit"}}, "m1", "", "", false},
	} {
		if got := c.v.SeesModel(c.name, c.project, c.owner); got != c.want {
			t.Errorf("%+v.SeesModel(%q, %q, %q) = %v, want %v", c.v, c.name, c.project, c.owner, got, c.want)
		}
	}
}

func TestRequireIndependent(t *testing.T) {
	admin := principal("gadmin")
	for _, c := range []struct {
		name    string
		who     *steward.Principal
		authors []string
		code    steward.Code
	}{
		{"an author may not", ptrTo(principal("alice")), []string{"bob", "alice"}, steward.CodePermissionDenied},
		{"nor an administrator who authored", &admin, []string{"gadmin"}, steward.CodePermissionDenied},
		{"nor the single-user superuser", &steward.Anonymous, []string{"anonymous"}, steward.CodePermissionDenied},
		{"nor the system", &steward.System, []string{"system"}, steward.CodePermissionDenied},
		{"someone else may", ptrTo(principal("carol")), []string{"alice", "bob"}, ""},
		{"empty authors are no one", ptrTo(principal("")), []string{""}, ""},
		{"no authors", ptrTo(principal("carol")), nil, ""},
		{"no principal", nil, []string{"alice"}, steward.CodeUnauthenticated},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			if c.who != nil {
				ctx = steward.WithPrincipal(ctx, *c.who)
			}
			err := RequireIndependent(ctx, "validate", c.authors...)
			if got := steward.ErrorCode(err); got != c.code {
				t.Fatalf("got %v (code %q), want code %q", err, got, c.code)
			}
			if c.code == steward.CodePermissionDenied {
				if steward.ErrorDetails(err)["rule"] != "independence" || !strings.Contains(steward.ErrorMessage(err), "separation of duties") {
					t.Fatalf("refusal does not name the rule: %v %v", err, steward.ErrorDetails(err))
				}
			}
		})
	}
}

// TestDecisionsFollowChangesAtOnce: bindings are cached, but a change made
// through the service is seen by the next decision.
func TestDecisionsFollowChangesAtOnce(t *testing.T) {
	s, m := decisionFixture()
	sys := steward.WithPrincipal(context.Background(), steward.System)
	if _, err := s.CreateAccount(sys, AccountCreate{ID: "nora"}); err != nil {
		t.Fatal(err)
	}
	nora := steward.WithPrincipal(context.Background(), principal("nora"))
	res := model("a", "m2")
	if err := s.Authorize(nora, steward.PermModelRead, res); !steward.IsCode(err, steward.CodeNotFound) {
		t.Fatalf("before any grant: %v", err)
	}
	reads := m.reads["BindingsFor"]
	_ = s.Authorize(nora, steward.PermModelRead, res)
	if m.reads["BindingsFor"] != reads {
		t.Fatalf("a repeated decision read the bindings again (no cache)")
	}
	b, err := s.CreateBinding(sys, BindingCreate{Subject: "user:nora", Role: "viewer", ScopeKind: ScopeModel, Workspace: "a", ScopeName: "m2"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Authorize(nora, steward.PermModelRead, res); err != nil {
		t.Fatalf("after the grant: %v", err)
	}
	if err := s.DeleteBinding(sys, b.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.Authorize(nora, steward.PermModelRead, res); !steward.IsCode(err, steward.CodeNotFound) {
		t.Fatalf("after revoking: %v", err)
	}
	// Group membership too.
	m.bind("group:auditors", RoleAuditor, ScopeWorkspace, "a", "")
	s.bindings.purge() // the fixture wrote behind the service's back
	events := steward.Resource{Type: "events", Workspace: "a"}
	if err := s.Authorize(nora, steward.PermAuditRead, events); err == nil {
		t.Fatalf("nora reads the audit log before joining auditors")
	}
	if err := s.SetGroupMember(sys, "auditors", "nora", true); err != nil {
		t.Fatal(err)
	}
	tok, _, err := s.CreateToken(sys, TokenCreate{Principal: "nora", Name: "t"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.AuthenticateToken(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(p.Groups, "auditors") {
		t.Fatalf("token principal's groups %q lack auditors", p.Groups)
	}
	if err := s.Authorize(steward.WithPrincipal(context.Background(), p), steward.PermAuditRead, events); err != nil {
		t.Fatalf("nora as an auditor: %v", err)
	}
	// A model handed over: ForgetModel makes the new owner's rights, and the
	// old owner's loss, immediate.
	olga := steward.WithPrincipal(context.Background(), principal("olga"))
	if err := s.Authorize(olga, steward.PermModelManage, model("a", "owned")); err != nil {
		t.Fatal(err)
	}
	m.models["a/owned"] = ModelInfo{Owner: "nora"}
	s.ForgetModel("a", "owned")
	if err := s.Authorize(olga, steward.PermModelManage, model("a", "owned")); !steward.IsCode(err, steward.CodeNotFound) {
		t.Fatalf("the former owner after ForgetModel: %v", err)
	}
}

// TestIdentityManageIsGlobal: accounts, tokens, groups and bindings belong
// to no workspace, so an admin bound to one workspace cannot manage them
// (it could otherwise mint a global admin's token or bind itself globally).
func TestIdentityManageIsGlobal(t *testing.T) {
	s, _ := decisionFixture()
	sys := steward.WithPrincipal(context.Background(), steward.System)
	for _, id := range []string{"gadmin", "wadmin"} {
		if _, err := s.CreateAccount(sys, AccountCreate{ID: id}); err != nil {
			t.Fatal(err)
		}
	}
	as := func(id string) context.Context {
		return steward.WithWorkspace(steward.WithPrincipal(context.Background(), principal(id)), "a")
	}
	calls := []struct {
		name string
		do   func(ctx context.Context) error
	}{
		{"create an account", func(ctx context.Context) error {
			_, err := s.CreateAccount(ctx, AccountCreate{ID: "x-" + who(ctx)})
			return err
		}},
		{"mint a token for another account", func(ctx context.Context) error {
			_, _, err := s.CreateToken(ctx, TokenCreate{Principal: "gviewer-acct", Name: "t"})
			return err
		}},
		{"bind globally", func(ctx context.Context) error {
			_, err := s.CreateBinding(ctx, BindingCreate{Subject: "user:x-" + who(ctx), Role: "admin", ScopeKind: ScopeGlobal})
			return err
		}},
		{"join a group", func(ctx context.Context) error { return s.SetGroupMember(ctx, "g", who(ctx), true) }},
		{"list accounts", func(ctx context.Context) error { _, err := s.ListAccounts(ctx); return err }},
		{"set another account's password", func(ctx context.Context) error {
			pw := "a new long password"
			_, err := s.UpdateAccount(ctx, "gviewer-acct", AccountUpdate{Password: &pw})
			return err
		}},
	}
	if _, err := s.CreateAccount(sys, AccountCreate{ID: "gviewer-acct"}); err != nil {
		t.Fatal(err)
	}
	for _, c := range calls {
		if err := c.do(as("wadmin")); !steward.IsCode(err, steward.CodePermissionDenied) {
			t.Errorf("workspace admin may %s: %v", c.name, err)
		}
		if err := c.do(as("gadmin")); err != nil {
			t.Errorf("global admin may not %s: %v", c.name, err)
		}
	}
}

func who(ctx context.Context) string {
	p, _ := steward.PrincipalFrom(ctx)
	return p.ID
}
