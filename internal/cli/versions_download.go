package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/steward-registry/steward/client"
)

func newVersionsDownloadCmd(g *globals) *cobra.Command {
	var dest string
	cmd := &cobra.Command{
		Use:   "download MODEL VERSION",
		Short: "Download a version's files, verified against their digests",
		Long: `Download every file of a version into --dest (default ./MODEL-vVERSION),
recreating its directory layout. VERSION is a number or an alias, so
deployment scripts can fetch "champion" without knowing which number it is.

Nothing is trusted blindly: the manifest's digest is recomputed from its
file list, every path is checked so none can escape --dest, and each file's
SHA-256 is verified before it is moved into place (files are written to a
temporary name first, so a failed download never leaves a partial file
under the real name). Files already present with the right content are
kept, so re-running an interrupted download only fetches what is missing.
The manifest digest is printed at the end; compare it with the approved one.`,
		Example: `  steward versions download fraud-detector 3
  steward versions download fraud-detector champion --dest /srv/models/fraud
  steward versions download fraud-detector champion -o json | jq -r .manifest_digest`,
		Args: exactArgs("MODEL", "VERSION"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			model := args[0]
			n, err := resolveVersion(ctx, c, model, args[1])
			if err != nil {
				return err
			}
			if dest == "" {
				dest = fmt.Sprintf("%s-v%d", strings.NewReplacer("/", "_", "\\", "_", ":", "_", " ", "_").Replace(model), n)
			}
			bar := g.newProgress(cmd, "Downloading")
			m, err := c.DownloadVersion(ctx, model, n, dest, bar.Update)
			bar.Finish()
			if err != nil {
				return err
			}
			var total int64
			for _, f := range m.Files {
				total += f.Size
			}
			out := struct {
				*client.Manifest
				Dest string `json:"dest"`
			}{m, dest}
			return g.emit(cmd, out, func(w io.Writer) {
				fmt.Fprintf(w, "Downloaded %d files (%s) of %s version %d to %s\n", len(m.Files), size(total), clean(m.Model), m.Version, clean(dest))
				fmt.Fprintf(w, "Manifest digest: %s (verified)\n", m.ManifestDigest)
			})
		},
	}
	cmd.Flags().StringVar(&dest, "dest", "", "directory to write into (default ./MODEL-vVERSION)")
	return cmd
}
