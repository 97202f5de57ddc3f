package cli

import (
	"github.com/spf13/cobra"

	"github.com/steward-registry/steward/client"
)

func newModelsCreateCmd(g *globals) *cobra.Command {
	var (
		in   client.ModelCreate
		tags []string
	)
	cmd := &cobra.Command{
		Use:   "create NAME",
		Short: "Register a new model",
		Long: `Register a model under NAME in the workspace. A model starts with no
versions; add them with "steward versions create".

NAME may hold letters, digits, spaces and _ - . / : and must be unique in
the workspace. --kind says what sort of decision logic it is: ml (default),
rules, optimisation, llm or other. --project groups it under an existing
project. Tags are free-form key=value labels; repeat --tag for several.`,
		Example: `  steward models create fraud-detector
  steward models create pricing-rules --kind rules --owner pricing-team \
      --description "Discount eligibility rules" --tag domain=pricing --tag tier=1`,
		Args: exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			if in.Tags, err = parseTags(tags); err != nil {
				return err
			}
			in.Name = args[0]
			m, err := c.CreateModel(cmd.Context(), in)
			if err != nil {
				return err
			}
			return g.emitModel(cmd, m)
		},
	}
	f := cmd.Flags()
	f.StringVar(&in.Kind, "kind", "", "ml, rules, optimisation, llm or other (default ml)")
	f.StringVar(&in.Description, "description", "", "what the model decides and for whom")
	f.StringVar(&in.Owner, "owner", "", "team or person accountable for the model")
	f.StringVar(&in.Project, "project", "", "existing project to group the model under")
	f.StringArrayVar(&tags, "tag", nil, "tag as key=value (repeatable)")
	return cmd
}
