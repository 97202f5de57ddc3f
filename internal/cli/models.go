package cli

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/steward-registry/steward/client"
)

func newModelsCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "models",
		Aliases: []string{"model"},
		Short:   "Register, inspect, change and delete models",
		Long: `A registered model is a named line of versions in a workspace: a fraud
classifier, a pricing rules engine, a routing optimiser. The model carries
the metadata (kind, owner, description, project, tags); its versions carry
the files. Names are unique per workspace.`,
		Example: `  steward models create fraud-detector --kind ml --owner risk-team
  steward models list --name-prefix fraud
  steward models get fraud-detector -o json`,
	}
	cmd.AddCommand(newModelsCreateCmd(g), newModelsGetCmd(g), newModelsListCmd(g), newModelsUpdateCmd(g), newModelsDeleteCmd(g),
		newModelsGrantCmd(g), newModelsGrantsCmd(g), newModelsRevokeCmd(g))
	cmd.AddCommand(newModelsRetireCmd(g))
	return cmd
}

// emitModel prints one model: every field in table mode, the object in JSON.
func (g *globals) emitModel(cmd *cobra.Command, m *client.Model) error {
	return g.emit(cmd, m, func(w io.Writer) {
		row(w, "Name:", m.Name)
		row(w, "Kind:", m.Kind)
		row(w, "Owner:", orDash(m.Owner))
		row(w, "Project:", orDash(m.Project))
		row(w, "Description:", orDash(m.Description))
		row(w, "Latest version:", m.LatestVersion)
		row(w, "Aliases:", kv(m.Aliases))
		row(w, "Tags:", kv(m.Tags))
		row(w, "Workspace:", m.Workspace)
		row(w, "Created:", when(m.CreatedAt)+" by "+orDash(m.CreatedBy))
		row(w, "Updated:", when(m.UpdatedAt))
		row(w, "Revision:", m.Revision)
	})
}
