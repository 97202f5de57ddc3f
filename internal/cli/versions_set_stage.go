package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

func newVersionsSetStageCmd(g *globals) *cobra.Command {
	var archiveExisting bool
	cmd := &cobra.Command{
		Use:   "set-stage MODEL VERSION STAGE",
		Short: "Move a version to None, Staging, Production or Archived",
		Long: `Move a version to a lifecycle stage: None, Staging, Production or
Archived (case-insensitive). Several versions may share a stage; with
--archive-existing, the versions currently in STAGE move to Archived in the
same transaction, so there is never a moment with zero or two Production
versions.`,
		Example: `  steward versions set-stage fraud-detector 3 Staging
  steward versions set-stage fraud-detector 3 production --archive-existing`,
		Args: exactArgs("MODEL", "VERSION", "STAGE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			n, err := resolveVersion(cmd.Context(), c, args[0], args[1])
			if err != nil {
				return err
			}
			v, err := c.SetStage(cmd.Context(), args[0], n, args[2], archiveExisting)
			if err != nil {
				return err
			}
			return g.emit(cmd, v, func(w io.Writer) {
				fmt.Fprintf(w, "%s version %d is now in stage %s.\n", clean(v.ModelName), v.Version, v.Stage)
			})
		},
	}
	cmd.Flags().BoolVar(&archiveExisting, "archive-existing", false, "archive the versions currently in STAGE")
	return cmd
}
