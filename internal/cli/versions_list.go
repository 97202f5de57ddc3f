package cli

import (
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/steward-registry/steward/client"
)

func newVersionsListCmd(g *globals) *cobra.Command {
	var (
		filter client.VersionFilter
		page   client.ListOptions
		all    bool
	)
	cmd := &cobra.Command{
		Use:     "list MODEL",
		Aliases: []string{"ls"},
		Short:   "List a model's versions",
		Long: `List the versions of MODEL, optionally only those in one --stage (None,
Staging, Production or Archived) or produced by one --run-id.

Paging works as in "models list": --limit per page, --page-token to
continue, --all for everything.`,
		Example: `  steward versions list fraud-detector
  steward versions list fraud-detector --stage Production
  steward versions list fraud-detector --all -o json | jq '.versions[].manifest_digest'`,
		Args: exactArgs("MODEL"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			filter.Model = args[0]
			var out struct {
				Versions      []*client.Version `json:"versions"`
				NextPageToken string            `json:"next_page_token,omitempty"`
			}
			if all {
				out.Versions = []*client.Version{}
				for v, err := range c.AllVersions(cmd.Context(), filter) {
					if err != nil {
						return err
					}
					out.Versions = append(out.Versions, v)
				}
			} else if out.Versions, out.NextPageToken, err = c.ListVersions(cmd.Context(), filter, page); err != nil {
				return err
			}
			err = g.emit(cmd, out, func(w io.Writer) {
				row(w, "VERSION", "STAGE", "ALIASES", "FILES", "SIZE", "CREATED", "MANIFEST DIGEST")
				for _, v := range out.Versions {
					row(w, v.Version, v.Stage, orDash(strings.Join(v.Aliases, ",")), v.FileCount, size(v.TotalSize), when(v.CreatedAt), shortDigest(v.ManifestDigest))
				}
			})
			if out.NextPageToken != "" {
				g.hint(cmd, "More versions: add --page-token %s, or --all.", out.NextPageToken)
			}
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&filter.Stage, "stage", "", "only versions in this stage")
	f.StringVar(&filter.RunID, "run-id", "", "only versions produced by this run")
	f.IntVar(&page.PageSize, "limit", 0, "versions per page (server default 100, at most 1000)")
	f.StringVar(&page.PageToken, "page-token", "", "continue from a previous page")
	f.BoolVar(&all, "all", false, "fetch every page")
	return cmd
}

// shortDigest keeps "sha256:" and 12 hex digits, enough to tell versions
// apart in a table; JSON output has the full digest.
func shortDigest(d string) string {
	if len(d) > 19 {
		return d[:19]
	}
	return d
}
