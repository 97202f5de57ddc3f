// Command steward is the Steward model registry: server, CLI and web UI in
// one binary. `steward serve` runs the server; every other command talks to
// a server over HTTP.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/steward-registry/steward/internal/cli"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := cli.NewRoot(version)
	root.AddCommand(newServeCmd(os.Stdout, os.Getenv), newAdminCmd(os.Stdout, os.Getenv))
	addAuditVerify(root, os.Getenv)
	root.SetContext(ctx)
	os.Exit(cli.Execute(root))
}

// addAuditVerify puts `verify` under the client's `audit` command.
func addAuditVerify(root *cobra.Command, getenv func(string) string) {
	for _, c := range root.Commands() {
		if c.Name() == "audit" {
			c.AddCommand(newAuditVerifyCmd(getenv))
		}
	}
}
