package cli

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/steward-registry/steward/client"
)

func newModelsUpdateCmd(g *globals) *cobra.Command {
	var (
		description, owner, kind, project, rename string
		ifMatch                                   int64
	)
	cmd := &cobra.Command{
		Use:   "update NAME",
		Short: "Change a model's metadata or rename it",
		Long: `Change the fields given as flags and leave the rest alone. An empty value
clears a field (--description ""). --rename gives the model a new name; its
versions, aliases and history follow it.

With --if-match REV the change applies only if the model's revision is
still REV (see "models get"); otherwise it fails with precondition_failed
and nothing changes. Use it when a script reads, decides and then writes.`,
		Example: `  steward models update fraud-detector --owner fraud-ops
  steward models update fraud-detector --description "" --kind rules
  steward models update fraud-detector --rename fraud-detector-v2 --if-match 4`,
		Args: exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			var in client.ModelUpdate
			set := func(flag string, v *string, dst **string) {
				if cmd.Flags().Changed(flag) {
					*dst = v
				}
			}
			set("description", &description, &in.Description)
			set("owner", &owner, &in.Owner)
			set("kind", &kind, &in.Kind)
			set("project", &project, &in.Project)
			set("rename", &rename, &in.Name)
			if in == (client.ModelUpdate{}) {
				return usageError{errors.New("nothing to update: give at least one of --description, --owner, --kind, --project, --rename")}
			}
			m, err := c.UpdateModel(cmd.Context(), args[0], in, ifMatch)
			if err != nil {
				return err
			}
			return g.emitModel(cmd, m)
		},
	}
	f := cmd.Flags()
	f.StringVar(&description, "description", "", "new description")
	f.StringVar(&owner, "owner", "", "new owner")
	f.StringVar(&kind, "kind", "", "new kind: ml, rules, optimisation, llm or other")
	f.StringVar(&project, "project", "", "move to this project (\"\" for none)")
	f.StringVar(&rename, "rename", "", "new name")
	f.Int64Var(&ifMatch, "if-match", 0, "apply only if the model's revision is still this")
	return cmd
}
