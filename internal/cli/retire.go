package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/steward-registry/steward/client"
)

func emitRetired(g *globals, cmd *cobra.Command, res *client.RetireResult) error {
	return g.emit(cmd, res, func(w io.Writer) {
		for _, v := range res.Versions {
			fmt.Fprintf(w, "%s version %d retired: %s\n", clean(res.Model), v.Version, clean(v.Reason))
		}
		if res.RetiredAt != nil {
			fmt.Fprintf(w, "Model %s retired at %s.\n", clean(res.Model), when(*res.RetiredAt))
		}
		if len(res.AliasesRemoved) > 0 {
			fmt.Fprintf(w, "Aliases removed: %s\n", clean(strings.Join(res.AliasesRemoved, ", ")))
		}
		for _, d := range res.DeploymentsEnded {
			fmt.Fprintf(w, "Deployment %s (version %d, %s %s) ended.\n", d.ID, d.Version, clean(d.Environment), clean(orDash(d.Endpoint)))
		}
	})
}

func newVersionsRetireCmd(g *globals) *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:   "retire MODEL VERSION --reason TEXT",
		Short: "Take a version out of service for good",
		Long: `Retire VERSION of MODEL: it moves to Archived, the aliases pointing at it
are removed, its live deployments end, and the retirement is kept with the
reason. A retired version is never deployed again nor chosen by a rollback.`,
		Example: `  steward versions retire fraud-detector 2 --reason "trained on data we may no longer use"`,
		Args:    exactArgs("MODEL", "VERSION"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			n, err := resolveVersion(cmd.Context(), c, args[0], args[1])
			if err != nil {
				return err
			}
			res, err := c.RetireVersion(cmd.Context(), args[0], n, reason)
			if err != nil {
				return err
			}
			return emitRetired(g, cmd, res)
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why (required)")
	return cmd
}

func newModelsRetireCmd(g *globals) *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:   "retire MODEL --reason TEXT",
		Short: "Retire a model and every version of it",
		Long: `Retire MODEL: every version not retired yet is retired (archived, its
aliases removed, its deployments ended) and the model is marked retired in
the inventory with the reason. Needs the model.manage permission.`,
		Example: `  steward models retire churn-2019 --reason "replaced by churn-2026"`,
		Args:    exactArgs("MODEL"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			res, err := c.RetireModel(cmd.Context(), args[0], reason)
			if err != nil {
				return err
			}
			return emitRetired(g, cmd, res)
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why (required)")
	return cmd
}
