package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

func newVersionsDeleteAliasCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "delete-alias MODEL ALIAS",
		Short: "Remove an alias",
		Long: `Remove ALIAS from MODEL. The version it pointed at is unchanged; anything
that fetches by this alias fails with not_found until it is set again.`,
		Example: `  steward versions delete-alias fraud-detector challenger`,
		Args:    exactArgs("MODEL", "ALIAS"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			if err := c.DeleteAlias(cmd.Context(), args[0], args[1]); err != nil {
				return err
			}
			return g.emit(cmd, map[string]any{"model": args[0], "alias": args[1], "deleted": true}, func(w io.Writer) {
				fmt.Fprintf(w, "Deleted alias %q of %s.\n", clean(args[1]), clean(args[0]))
			})
		},
	}
}
