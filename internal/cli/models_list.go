package cli

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/steward-registry/steward/client"
)

func newModelsListCmd(g *globals) *cobra.Command {
	var (
		filter client.ModelFilter
		page   client.ListOptions
		all    bool
	)
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List models, filtered and paged",
		Long: `List the models of the workspace in name order.

Filters combine: --name-prefix matches the start of the name (fast, uses
the index), --search any part of it (case-insensitive), --kind, --project
and --owner exact values.

Results come in pages of --limit models (default 100, at most 1000). When
more remain, the next page token is printed to stderr (and included as
next_page_token in JSON); pass it to --page-token, or use --all to fetch
every page.`,
		Example: `  steward models list
  steward models list --name-prefix fraud --kind ml
  steward models list --search churn --all -o json`,
		Args: exactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			var out struct {
				Models        []*client.Model `json:"models"`
				NextPageToken string          `json:"next_page_token,omitempty"`
			}
			if all {
				out.Models = []*client.Model{}
				for m, err := range c.AllModels(cmd.Context(), filter) {
					if err != nil {
						return err
					}
					out.Models = append(out.Models, m)
				}
			} else if out.Models, out.NextPageToken, err = c.ListModels(cmd.Context(), filter, page); err != nil {
				return err
			}
			err = g.emit(cmd, out, func(w io.Writer) {
				row(w, "NAME", "KIND", "LATEST", "OWNER", "PROJECT", "UPDATED", "DESCRIPTION")
				for _, m := range out.Models {
					row(w, m.Name, m.Kind, m.LatestVersion, orDash(m.Owner), orDash(m.Project), when(m.UpdatedAt), orDash(truncate(m.Description, 40)))
				}
			})
			if out.NextPageToken != "" {
				g.hint(cmd, "More models: add --page-token %s, or --all.", out.NextPageToken)
			}
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&filter.NamePrefix, "name-prefix", "", "only names starting with this")
	f.StringVar(&filter.Search, "search", "", "only names containing this (case-insensitive)")
	f.StringVar(&filter.Kind, "kind", "", "only this kind")
	f.StringVar(&filter.Project, "project", "", "only models of this project")
	f.StringVar(&filter.Owner, "owner", "", "only models of this owner")
	f.IntVar(&page.PageSize, "limit", 0, "models per page (server default 100, at most 1000)")
	f.StringVar(&page.PageToken, "page-token", "", "continue from a previous page")
	f.BoolVar(&all, "all", false, "fetch every page")
	return cmd
}
