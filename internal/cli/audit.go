package cli

import (
	"github.com/spf13/cobra"
)

// newAuditCmd builds `steward audit`. cmd/steward adds `audit verify` to it,
// which reads the database directly rather than asking a server.
func newAuditCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Search, export and verify the tamper-evident audit log",
		Long: `Every change, denied attempt, failed login and read of an artifact is an
event in the audit log. Each event's hash covers the one before it, the
events are leaves of a Merkle tree, and the server signs checkpoints of the
tree (size, root, time) with Ed25519 and copies them outside the database.
Editing, removing, reordering or inserting events is therefore detectable
by 'steward audit verify', and cutting off the newest events too, given a
checkpoint copy kept outside the database. See docs/audit.md.

'log' and 'export' ask the server (the audit permission is needed);
'verify' reads the database or an export file itself, so it does not have
to trust the server.`,
		Example: `  steward audit log --action model.delete --since 24h
  steward audit export --out audit.jsonl
  steward audit verify --db postgres://auditor@db/steward --checkpoints /mnt/worm/checkpoints --key steward-audit+1a2b3c4d+AbC...`,
	}
	cmd.AddCommand(newAuditLogCmd(g), newAuditExportCmd(g))
	return cmd
}
