package cli

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/steward-registry/steward/client"
)

func newRunsListCmd(g *globals) *cobra.Command {
	var (
		filter client.RunFilter
		page   client.ListOptions
		all    bool
	)
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List runs, optionally of some experiments",
		Long: `List runs of the workspace, newest first. --experiment restricts to one
experiment id (repeat it for several). --view chooses ACTIVE_ONLY
(default), DELETED_ONLY or ALL.

Paging works as in "models list".`,
		Example: `  steward runs list
  steward runs list --experiment 0 --experiment 12 --all -o json`,
		Args: exactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			var out struct {
				Runs          []*client.Run `json:"runs"`
				NextPageToken string        `json:"next_page_token,omitempty"`
			}
			if all {
				out.Runs = []*client.Run{}
				for r, err := range c.AllRuns(cmd.Context(), filter) {
					if err != nil {
						return err
					}
					out.Runs = append(out.Runs, r)
				}
			} else if out.Runs, out.NextPageToken, err = c.ListRuns(cmd.Context(), filter, page); err != nil {
				return err
			}
			err = g.emit(cmd, out, func(w io.Writer) {
				row(w, "ID", "NAME", "EXPERIMENT", "STATUS", "STARTED", "ENDED")
				for _, r := range out.Runs {
					ended := "-"
					if r.EndTime != nil {
						ended = when(*r.EndTime)
					}
					row(w, r.ID, orDash(r.Name), r.ExperimentID, r.Status, when(r.StartTime), ended)
				}
			})
			if out.NextPageToken != "" {
				g.hint(cmd, "More runs: add --page-token %s, or --all.", out.NextPageToken)
			}
			return err
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&filter.ExperimentIDs, "experiment", nil, "only runs of this experiment id (repeatable)")
	f.StringVar(&filter.View, "view", "", "ACTIVE_ONLY, DELETED_ONLY or ALL")
	f.IntVar(&page.PageSize, "limit", 0, "runs per page (server default 100, at most 1000)")
	f.StringVar(&page.PageToken, "page-token", "", "continue from a previous page")
	f.BoolVar(&all, "all", false, "fetch every page")
	return cmd
}
