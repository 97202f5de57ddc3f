package cli

import (
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/steward-registry/steward/client"
)

func newRolesCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "roles",
		Aliases: []string{"role"},
		Short:   "Show the role policy and bind roles to people, groups and service accounts",
		Long: `Steward's built-in roles are admin, owner, developer, validator, deployer,
auditor and viewer ("steward roles list" shows what each may do). A binding
gives a subject (user:<id> or group:<name>) a role at a scope:

  global     everywhere
  workspace  one workspace (default: the current one)
  project    the models of one project
  model      one model (model owners grant this themselves: "steward models grant")

Nobody has any right that is not bound to them: deny by default.`,
		Example: `  steward roles list
  steward roles bind user:alice developer --scope workspace
  steward roles bind group:validators validator --scope global
  steward roles bindings --subject user:alice
  steward roles unbind 01J9Z...`,
	}
	cmd.AddCommand(newRolesListCmd(g), newRolesBindCmd(g), newRolesBindingsCmd(g), newRolesUnbindCmd(g))
	return cmd
}

func newRolesListCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "Show every role and its permissions",
		Long: `Print the policy table: each built-in role, its permissions and what it is
for. The same table drives enforcement and docs/security.md.`,
		Example: `  steward roles list
  steward roles list -o json | jq '.roles[] | select(.name=="validator")'`,
		Args: exactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			rs, err := c.Roles(cmd.Context())
			if err != nil {
				return err
			}
			return g.emit(cmd, map[string]any{"roles": rs}, func(w io.Writer) {
				row(w, "ROLE", "PERMISSIONS", "PURPOSE")
				for _, r := range rs {
					row(w, r.Name, strings.Join(r.Permissions, " "), r.Description)
				}
			})
		},
	}
}

func newRolesBindCmd(g *globals) *cobra.Command {
	var b client.Binding
	cmd := &cobra.Command{
		Use:   "bind SUBJECT ROLE",
		Short: "Give a subject a role at a scope (admin)",
		Long: `Bind ROLE to SUBJECT (user:<id> or group:<name>) at --scope. Workspace,
project and model scopes are in --in-workspace (default: the current one).`,
		Example: `  steward roles bind user:alice developer --scope workspace
  steward roles bind group:credit-team owner --scope project --name credit`,
		Args: exactArgs("SUBJECT", "ROLE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			b.Subject, b.Role = args[0], args[1]
			out, err := c.CreateBinding(cmd.Context(), b)
			if err != nil {
				return err
			}
			return g.emit(cmd, out, func(w io.Writer) { bindingRows(w, []*client.Binding{out}) })
		},
	}
	f := cmd.Flags()
	f.StringVar(&b.Scope, "scope", "workspace", "global, workspace, project or model")
	f.StringVar(&b.Name, "name", "", "project or model name (for --scope project|model)")
	f.StringVar(&b.Workspace, "in-workspace", "", "workspace of the binding (default: --workspace or \"default\")")
	return cmd
}

func bindingRows(w io.Writer, bs []*client.Binding) {
	row(w, "ID", "SUBJECT", "ROLE", "SCOPE", "WORKSPACE", "NAME", "CREATED BY")
	for _, b := range bs {
		row(w, b.ID, b.Subject, b.Role, b.Scope, orDash(b.Workspace), orDash(b.Name), b.CreatedBy)
	}
}

func newRolesBindingsCmd(g *globals) *cobra.Command {
	var subject string
	cmd := &cobra.Command{
		Use:   "bindings",
		Short: "List role bindings (admin)",
		Long: `List role bindings, optionally of one subject. Model grants appear here too,
as bindings at model scope.`,
		Example: `  steward roles bindings
  steward roles bindings --subject group:validators`,
		Args: exactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			bs, err := c.ListBindings(cmd.Context(), subject)
			if err != nil {
				return err
			}
			return g.emit(cmd, map[string]any{"role_bindings": bs}, func(w io.Writer) { bindingRows(w, bs) })
		},
	}
	cmd.Flags().StringVar(&subject, "subject", "", "only this subject (user:<id> or group:<name>)")
	return cmd
}

func newRolesUnbindCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "unbind BINDING_ID",
		Short: "Remove a role binding (admin)",
		Long: `Remove a role binding by id (see "roles bindings"). It takes effect at once
on this server and within the auth cache TTL on other replicas.`,
		Example: `  steward roles unbind 01J9ZK3V7M2Q8X5C4B6N1P0R9T`,
		Args:    exactArgs("BINDING_ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			return c.DeleteBinding(cmd.Context(), args[0])
		},
	}
}

func newModelsGrantCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "grant MODEL SUBJECT read|write|manage",
		Short: "Give a person, group or service account access to one model",
		Long: `A model's owner (or an admin) grants others access to it:

  read    see the model, its versions and files
  write   also change it and add versions
  manage  also promote, delete, rename and grant access to others

SUBJECT is user:<id> (people and service accounts) or group:<name>.`,
		Example: `  steward models grant fraud-detector user:bob read
  steward models grant fraud-detector group:fraud-team write`,
		Args: exactArgs("MODEL", "SUBJECT", "ACCESS"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			gr, err := c.GrantModel(cmd.Context(), args[0], args[1], args[2])
			if err != nil {
				return err
			}
			return g.emit(cmd, gr, func(w io.Writer) { grantRows(w, []*client.Grant{gr}) })
		},
	}
}

func grantRows(w io.Writer, gs []*client.Grant) {
	row(w, "ID", "SUBJECT", "ACCESS", "ROLE")
	for _, gr := range gs {
		row(w, gr.ID, gr.Subject, orDash(gr.Access), gr.Role)
	}
}

func newModelsGrantsCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "grants MODEL",
		Short:   "List who has been granted access to a model",
		Long:    `List the grants on a model: who, with which access (read, write, manage).`,
		Example: `  steward models grants fraud-detector`,
		Args:    exactArgs("MODEL"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			gs, err := c.ListModelGrants(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return g.emit(cmd, map[string]any{"grants": gs}, func(w io.Writer) { grantRows(w, gs) })
		},
	}
}

func newModelsRevokeCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "revoke MODEL GRANT_ID",
		Short:   "Take back a grant on a model",
		Long:    `Remove a grant by id (see "models grants"); the model's owner or an admin may.`,
		Example: `  steward models revoke fraud-detector 01J9ZK3V7M2Q8X5C4B6N1P0R9T`,
		Args:    exactArgs("MODEL", "GRANT_ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			return c.RevokeModelGrant(cmd.Context(), args[0], args[1])
		},
	}
}
