package cli

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

func newAuditExportCmd(g *globals) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Export the whole audit log as JSON lines, with its checkpoints",
		Long: `Write the whole audit log as JSON lines: a header, every event in chain
order (with its images, leaf and hash), the signed checkpoints stored in
the database, and an end line with the event count. The file can be
verified offline with 'steward audit verify --file'. The export is itself
recorded in the audit log.`,
		Example: `  steward audit export --out audit-2026-11.jsonl
  steward audit verify --file audit-2026-11.jsonl --checkpoints ./checkpoints --key steward-audit+...`,
		Args: exactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			var w io.Writer = cmd.OutOrStdout()
			if out != "" && out != "-" {
				f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
				if err != nil {
					return fmt.Errorf("export file: %w", err)
				}
				defer f.Close()
				w = f
				n, err := c.ExportAudit(cmd.Context(), w)
				if err != nil {
					return err
				}
				if err := f.Sync(); err != nil {
					return fmt.Errorf("export file: %w", err)
				}
				g.hint(cmd, "Wrote %s (%s).", out, size(n))
				return nil
			}
			_, err = c.ExportAudit(cmd.Context(), w)
			return err
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "file to write (must not exist; default standard output)")
	return cmd
}
