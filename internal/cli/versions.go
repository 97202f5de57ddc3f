package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/steward-registry/steward/client"
)

func newVersionsCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "versions",
		Aliases: []string{"version"},
		Short:   "Upload, inspect, promote and download model versions",
		Long: `A version is an immutable set of files (weights, config, rules, code)
registered under a model with the next version number. Its manifest lists
each file's path, size and SHA-256; the manifest digest, a SHA-256 over
that list, identifies the whole version, so anyone can check a download
against what was approved.

Versions move through stages (None, Staging, Production, Archived) and can
be named by aliases such as "champion". Where a command takes a VERSION,
an alias works too.`,
		Example: `  steward versions create --model fraud-detector --path ./model
  steward versions list fraud-detector --stage Production
  steward versions download fraud-detector champion --dest ./serving`,
	}
	cmd.AddCommand(newVersionsCreateCmd(g), newVersionsGetCmd(g), newVersionsListCmd(g), newVersionsDownloadCmd(g),
		newVersionsSetStageCmd(g), newVersionsSetAliasCmd(g), newVersionsDeleteAliasCmd(g), newVersionsCompareCmd(g))
	cmd.AddCommand(newVersionsPromoteCmd(g), newVersionsReplaceFilesCmd(g), newVersionsRetireCmd(g))
	return cmd
}

// emitVersion prints one version: every field in table mode, the object in
// JSON.
func (g *globals) emitVersion(cmd *cobra.Command, v *client.Version) error {
	return g.emit(cmd, v, func(w io.Writer) {
		row(w, "Model:", v.ModelName)
		row(w, "Version:", v.Version)
		row(w, "Stage:", v.Stage)
		row(w, "Aliases:", orDash(strings.Join(v.Aliases, ", ")))
		row(w, "Status:", v.Status)
		row(w, "Files:", fmt.Sprintf("%d (%s)", v.FileCount, size(v.TotalSize)))
		row(w, "Manifest digest:", v.ManifestDigest)
		row(w, "Source:", orDash(v.Source))
		row(w, "Run:", orDash(v.RunID))
		row(w, "Description:", orDash(v.Description))
		row(w, "Tags:", kv(v.Tags))
		row(w, "Created:", when(v.CreatedAt)+" by "+orDash(v.CreatedBy))
		row(w, "Updated:", when(v.UpdatedAt))
		row(w, "Revision:", v.Revision)
	})
}
