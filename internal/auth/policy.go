// Package auth is Steward's identity and access control: principals (people
// and service accounts), groups, API tokens and sessions, the role policy,
// role bindings and model grants, and the Authorizer every domain service
// consults. It knows no HTTP; the server's middleware turns requests into
// credentials and credentials into a Principal through this package.
package auth

import (
	"fmt"
	"slices"
	"strings"

	"github.com/steward-registry/steward/internal/steward"
)

// Role is a named set of permissions.
type Role string

const (
	RoleAdmin     Role = "admin"
	RoleOwner     Role = "owner"
	RoleDeveloper Role = "developer"
	RoleValidator Role = "validator"
	RoleDeployer  Role = "deployer"
	RoleAuditor   Role = "auditor"
	RoleViewer    Role = "viewer"
)

var viewerPerms = []steward.Permission{
	steward.PermModelRead, steward.PermExperimentRead, steward.PermArtifactRead,
	steward.PermProjectRead, steward.PermWorkspaceRead, steward.PermLineageRead,
}

func with(base []steward.Permission, more ...steward.Permission) []steward.Permission {
	return append(slices.Clone(base), more...)
}

var developerPerms = with(viewerPerms, steward.PermModelCreate, steward.PermModelWrite,
	steward.PermExperimentWrite, steward.PermArtifactWrite, steward.PermLineageWrite)

// Policy is the one declarative table of who may do what. Enforcement
// (Authorizer), the route table's documentation and docs/security.md are all
// derived from it; TestPolicyDoc keeps the document in step.
var Policy = []struct {
	Role        Role
	Description string
	Permissions []steward.Permission
}{
	{RoleViewer, "Reads models, versions, artifacts, experiments, runs, datasets and lineage.", viewerPerms},
	{RoleDeveloper, "Viewer, plus registers models, versions and datasets, logs experiments and runs, uploads artifacts, records lineage.", developerPerms},
	{RoleValidator, "Viewer, plus signs off validation reviews (never of versions they authored).",
		with(viewerPerms, steward.PermModelValidate)},
	{RoleDeployer, "Viewer, plus moves versions between stages and aliases (promotion, rollback).",
		with(viewerPerms, steward.PermModelStage)},
	{RoleOwner, "Developer, plus promotes, deletes and renames models, and grants others access to them.",
		with(developerPerms, steward.PermModelStage, steward.PermModelManage, steward.PermProjectManage)},
	{RoleAuditor, "Viewer, plus reads the audit log.", with(viewerPerms, steward.PermAuditRead)},
	{RoleAdmin, "Everything, including users, groups, roles and workspaces; still bound by separation of duties.",
		with(developerPerms, steward.PermModelStage, steward.PermModelValidate, steward.PermModelManage,
			steward.PermProjectManage, steward.PermAuditRead, steward.PermWorkspaceManage, steward.PermIdentityManage)},
}

// Permissions lists every permission a role can hold, in policy order.
var Permissions = []steward.Permission{
	steward.PermModelRead, steward.PermModelCreate, steward.PermModelWrite, steward.PermModelStage,
	steward.PermModelValidate, steward.PermModelManage, steward.PermExperimentRead, steward.PermExperimentWrite,
	steward.PermArtifactRead, steward.PermArtifactWrite, steward.PermProjectRead, steward.PermProjectManage,
	steward.PermWorkspaceRead, steward.PermWorkspaceManage, steward.PermLineageRead, steward.PermLineageWrite,
	steward.PermAuditRead, steward.PermIdentityManage,
}

// rolePerms is Policy indexed for the hot path.
var rolePerms = func() map[Role]map[steward.Permission]bool {
	m := map[Role]map[steward.Permission]bool{}
	for _, r := range Policy {
		m[r.Role] = map[steward.Permission]bool{}
		for _, p := range r.Permissions {
			m[r.Role][p] = true
		}
	}
	return m
}()

// Has reports whether role r holds permission p.
func (r Role) Has(p steward.Permission) bool { return rolePerms[r][p] }

// ParseRole validates a role name.
func ParseRole(s string) (Role, error) {
	if _, ok := rolePerms[Role(s)]; ok {
		return Role(s), nil
	}
	names := make([]string, len(Policy))
	for i, r := range Policy {
		names[i] = string(r.Role)
	}
	return "", steward.Errorf(steward.CodeInvalid, "role %q is not one of %s", s, strings.Join(names, ", ")).WithDetail("field", "role")
}

// LevelOf is the token scope a permission needs.
func LevelOf(p steward.Permission) steward.Level {
	switch p {
	case steward.PermModelRead, steward.PermExperimentRead, steward.PermArtifactRead, steward.PermProjectRead,
		steward.PermWorkspaceRead, steward.PermLineageRead, steward.PermAuditRead, steward.PermAuthenticated, steward.PermPublic:
		return steward.LevelRead
	case steward.PermWorkspaceManage, steward.PermIdentityManage:
		return steward.LevelAdmin
	}
	return steward.LevelWrite
}

// Scoped reports whether p can be bound below workspace level: model
// permissions to a model or project, project permissions to a project.
// Experiments, runs, artifacts by digest, the audit log and identity are
// governed per workspace or globally.
func Scoped(p steward.Permission) bool {
	return strings.HasPrefix(string(p), "model.") || strings.HasPrefix(string(p), "project.")
}

// Access is what a model owner grants: read, write or manage, each one role
// bound at the model.
type Access string

var accessRoles = map[Access]Role{"read": RoleViewer, "write": RoleDeveloper, "manage": RoleOwner}

// RoleFor maps a grant's access to its role.
func RoleFor(a string) (Role, error) {
	r, ok := accessRoles[Access(a)]
	if !ok {
		return "", steward.Errorf(steward.CodeInvalid, "access %q is not one of read, write, manage", a).WithDetail("field", "access")
	}
	return r, nil
}

// PolicyMarkdown renders the policy as the table docs/security.md carries.
func PolicyMarkdown() string {
	var b strings.Builder
	b.WriteString("| Role | What it is for |")
	for _, p := range Permissions {
		fmt.Fprintf(&b, " `%s` |", p)
	}
	b.WriteString("\n|---|---|")
	for range Permissions {
		b.WriteString(":-:|")
	}
	b.WriteString("\n")
	for _, r := range Policy {
		fmt.Fprintf(&b, "| %s | %s |", r.Role, r.Description)
		for _, p := range Permissions {
			if r.Role.Has(p) {
				b.WriteString(" ✓ |")
			} else {
				b.WriteString("  |")
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}
