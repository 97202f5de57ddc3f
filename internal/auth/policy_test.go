package auth

import (
	"slices"
	"strings"
	"testing"

	"github.com/steward-registry/steward/internal/steward"
)

func TestPolicyTable(t *testing.T) {
	if len(Permissions) == 0 || len(Policy) != 7 {
		t.Fatalf("%d permissions, %d roles; want the seven built-in roles", len(Permissions), len(Policy))
	}
	seenPerm := map[steward.Permission]bool{}
	for _, p := range Permissions {
		if seenPerm[p] {
			t.Errorf("permission %s listed twice", p)
		}
		seenPerm[p] = true
		if p == steward.PermAuthenticated || p == steward.PermPublic {
			t.Errorf("%s is a route marker, not a role permission", p)
		}
	}
	roles := map[Role]bool{}
	for _, r := range Policy {
		if roles[r.Role] {
			t.Errorf("role %s defined twice", r.Role)
		}
		roles[r.Role] = true
		if r.Description == "" {
			t.Errorf("role %s has no description", r.Role)
		}
		seen := map[steward.Permission]bool{}
		for _, p := range r.Permissions {
			if !slices.Contains(Permissions, p) {
				t.Errorf("role %s holds %q, which is not in auth.Permissions", r.Role, p)
			}
			if seen[p] {
				t.Errorf("role %s lists %s twice", r.Role, p)
			}
			seen[p] = true
			if !r.Role.Has(p) {
				t.Errorf("%s.Has(%s) is false though the table lists it", r.Role, p)
			}
		}
		for _, p := range Permissions {
			if r.Role.Has(p) != seen[p] {
				t.Errorf("%s.Has(%s) = %v disagrees with the table", r.Role, p, r.Role.Has(p))
			}
		}
		// Every role reads: each is "viewer, plus".
		for _, p := range viewerPerms {
			if !r.Role.Has(p) {
				t.Errorf("role %s lacks the viewer's %s", r.Role, p)
			}
		}
	}
	for _, want := range []Role{RoleAdmin, RoleOwner, RoleDeveloper, RoleValidator, RoleDeployer, RoleAuditor, RoleViewer} {
		if !roles[want] {
			t.Errorf("built-in role %s is missing from the policy", want)
		}
	}
	for _, p := range Permissions {
		if !RoleAdmin.Has(p) {
			t.Errorf("admin lacks %s", p)
		}
	}
	for _, p := range Permissions {
		if RoleViewer.Has(p) && (LevelOf(p) != steward.LevelRead || p == steward.PermAuditRead) {
			t.Errorf("viewer holds %s, which is not a plain read", p)
		}
	}
	if Role("root").Has(steward.PermModelRead) {
		t.Errorf("an unknown role holds a permission")
	}
	// Who alone holds what: the duties the roles exist to separate.
	for _, c := range []struct {
		perm    steward.Permission
		holders []Role
	}{
		{steward.PermIdentityManage, []Role{RoleAdmin}},
		{steward.PermWorkspaceManage, []Role{RoleAdmin}},
		{steward.PermModelValidate, []Role{RoleValidator, RoleAdmin}},
		{steward.PermAuditRead, []Role{RoleAuditor, RoleAdmin}},
		{steward.PermModelStage, []Role{RoleDeployer, RoleOwner, RoleAdmin}},
		{steward.PermModelManage, []Role{RoleOwner, RoleAdmin}},
		{steward.PermModelWrite, []Role{RoleDeveloper, RoleOwner, RoleAdmin}},
	} {
		var got []Role
		for _, r := range Policy {
			if r.Role.Has(c.perm) {
				got = append(got, r.Role)
			}
		}
		slices.Sort(got)
		want := slices.Clone(c.holders)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s is held by %q, want %q", c.perm, got, want)
		}
	}
}

func TestLevelsAndScoping(t *testing.T) {
	for p, want := range map[steward.Permission]steward.Level{
		steward.PermModelRead: steward.LevelRead, steward.PermAuditRead: steward.LevelRead, steward.PermWorkspaceRead: steward.LevelRead,
		steward.PermAuthenticated: steward.LevelRead, steward.PermPublic: steward.LevelRead,
		steward.PermModelCreate: steward.LevelWrite, steward.PermModelManage: steward.LevelWrite, steward.PermModelValidate: steward.LevelWrite,
		steward.PermExperimentWrite: steward.LevelWrite, steward.PermArtifactWrite: steward.LevelWrite, steward.PermProjectManage: steward.LevelWrite,
		steward.PermWorkspaceManage: steward.LevelAdmin, steward.PermIdentityManage: steward.LevelAdmin,
	} {
		if got := LevelOf(p); got != want {
			t.Errorf("LevelOf(%s) = %s, want %s", p, got, want)
		}
	}
	for _, p := range Permissions {
		want := strings.HasPrefix(string(p), "model.") || strings.HasPrefix(string(p), "project.")
		if Scoped(p) != want {
			t.Errorf("Scoped(%s) = %v, want %v", p, Scoped(p), want)
		}
	}
	for _, s := range []string{"read", "write", "admin"} {
		l, err := steward.ParseLevel(s)
		if err != nil || l.String() != s {
			t.Errorf("ParseLevel(%q) = %v, %v", s, l, err)
		}
	}
	if _, err := steward.ParseLevel("root"); !steward.IsCode(err, steward.CodeInvalid) {
		t.Errorf("ParseLevel(root): %v", err)
	}
	if (steward.Principal{}).Cap() != steward.LevelAdmin {
		t.Errorf("an uncapped principal is not admin-level")
	}
}

func TestParseRoleAndGrants(t *testing.T) {
	for _, r := range Policy {
		got, err := ParseRole(string(r.Role))
		if err != nil || got != r.Role {
			t.Errorf("ParseRole(%s) = %q, %v", r.Role, got, err)
		}
	}
	for _, bad := range []string{"", "Admin", "superuser", "admin "} {
		_, err := ParseRole(bad)
		if !steward.IsCode(err, steward.CodeInvalid) || !strings.Contains(steward.ErrorMessage(err), "viewer") {
			t.Errorf("ParseRole(%q): %v, want invalid_argument listing the roles", bad, err)
		}
	}
	for access, want := range map[string]Role{"read": RoleViewer, "write": RoleDeveloper, "manage": RoleOwner} {
		if got, err := RoleFor(access); err != nil || got != want {
			t.Errorf("RoleFor(%s) = %s, %v; want %s", access, got, err, want)
		}
	}
	// A grant's role never reaches beyond models: no grant hands out
	// identity, workspace or audit permissions.
	for _, access := range []string{"read", "write", "manage"} {
		r, _ := RoleFor(access)
		for _, p := range []steward.Permission{steward.PermIdentityManage, steward.PermWorkspaceManage, steward.PermAuditRead, steward.PermModelValidate} {
			if r.Has(p) {
				t.Errorf("a %s grant's role %s holds %s", access, r, p)
			}
		}
	}
	if _, err := RoleFor("admin"); !steward.IsCode(err, steward.CodeInvalid) {
		t.Errorf("RoleFor(admin): %v", err)
	}
}

func TestPolicyMarkdown(t *testing.T) {
	md := PolicyMarkdown()
	lines := strings.Split(strings.TrimSuffix(md, "\n"), "\n")
	if len(lines) != len(Policy)+2 {
		t.Fatalf("%d lines, want header, separator and one per role:\n%s", len(lines), md)
	}
	for _, p := range Permissions {
		if !strings.Contains(lines[0], "`"+string(p)+"`") {
			t.Errorf("header lacks %s", p)
		}
	}
	for i, r := range Policy {
		row := lines[i+2]
		if !strings.HasPrefix(row, "| "+string(r.Role)+" | "+r.Description+" |") {
			t.Errorf("row %d is not role %s: %q", i, r.Role, row)
		}
		if got := strings.Count(row, "✓"); got != len(r.Permissions) {
			t.Errorf("role %s: %d ticks, want %d", r.Role, got, len(r.Permissions))
		}
		if cells := strings.Count(row, "|"); cells != len(Permissions)+3 {
			t.Errorf("role %s: %d cell borders, want %d", r.Role, cells, len(Permissions)+3)
		}
	}
}
