package cli

import (
	"github.com/spf13/cobra"
)

func newModelsGetCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "get NAME",
		Short: "Show one model",
		Long: `Show a model's metadata: kind, owner, description, tags, the aliases
pointing at its versions, its latest version number and its revision.

The revision changes on every update; pass it to "models update --if-match"
to make sure nobody changed the model since you looked.`,
		Example: `  steward models get fraud-detector
  steward models get fraud-detector -o json | jq .aliases`,
		Args: exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			m, err := c.GetModel(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return g.emitModel(cmd, m)
		},
	}
}
