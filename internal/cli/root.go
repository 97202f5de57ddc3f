// Package cli is Steward's command-line client: cobra commands that call a
// running server through the public client package. Each command lives in
// its own file and is built by a constructor that binds its flags to local
// variables; the shared connection flags live in globals.
package cli

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/steward-registry/steward/client"
)

// DefaultServer is the address `steward serve` listens on by default.
const DefaultServer = "http://127.0.0.1:5000"

// globals holds the root's persistent flags, which every client command
// reads when it runs.
type globals struct {
	flags     *pflag.FlagSet // the root's persistent flags, to see which were set
	version   string
	server    string
	workspace string
	token     string
	output    string
	quiet     bool
	opts      []client.Option // extra client options; tests shrink upload sizes
}

// NewRoot returns the steward root command with every client command. The
// caller adds the server's own commands (serve) with root.AddCommand and runs
// it with Execute; root.SetContext(ctx) makes ctx cancel requests in flight.
func NewRoot(version string) *cobra.Command { return newRoot(version) }

func newRoot(version string, opts ...client.Option) *cobra.Command {
	g := &globals{version: version, opts: opts}
	root := &cobra.Command{
		Use:   "steward",
		Short: "Steward model registry: server and command-line client",
		Long: `Steward keeps trained models, rules engines and optimisers under
governance: every version is an immutable, content-addressed set of files
with a manifest digest, moved through stages (None, Staging, Production,
Archived) and named by aliases such as "champion".

The client commands talk to a Steward server over its REST API. Connection
settings come from flags, else from the environment:

  --server     STEWARD_SERVER     server URL (default ` + DefaultServer + `)
  --workspace  STEWARD_WORKSPACE  workspace (tenant); empty means "default"
  --token      STEWARD_TOKEN      API token (else the one "steward login" saved)

Exit status: 0 on success, 1 for a usage error or a request the server
refused (4xx), 2 when the server failed (5xx) or could not be reached.`,
		Example: `  # Register a model and upload its first version
  steward models create fraud-detector --kind ml --owner risk-team
  steward versions create --model fraud-detector --path ./model

  # Promote it and point the "champion" alias at it
  steward versions set-stage fraud-detector 1 Production --archive-existing
  steward versions set-alias fraud-detector champion 1

  # Fetch whatever "champion" points at, verified against its digests
  steward versions download fraud-detector champion --dest ./serving

  # Machine-readable output for scripts
  steward models list -o json | jq -r '.models[].name'`,
		Version:       version,
		SilenceErrors: true, // Execute prints errors in one format
		SilenceUsage:  true, // a failed request is not a usage mistake
	}
	f := root.PersistentFlags()
	f.StringVar(&g.server, "server", DefaultServer, "server URL (env STEWARD_SERVER)")
	f.StringVar(&g.workspace, "workspace", "", "workspace to act in (env STEWARD_WORKSPACE; default \"default\")")
	f.StringVar(&g.token, "token", "", "bearer token (env STEWARD_TOKEN)")
	f.StringVarP(&g.output, "output", "o", "table", "output format: table or json (lineage commands: also dot)")
	f.BoolVarP(&g.quiet, "quiet", "q", false, "no progress bars or hints on stderr")
	g.flags = f
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddGroup(&cobra.Group{ID: "registry", Title: "Registry commands:"})
	for _, c := range []*cobra.Command{newModelsCmd(g), newVersionsCmd(g), newRunsCmd(g)} {
		c.GroupID = "registry"
		root.AddCommand(c)
	}
	root.AddGroup(&cobra.Group{ID: "lineage", Title: "Lineage commands:"})
	for _, c := range []*cobra.Command{newDatasetsCmd(g), newLineageCmd(g)} {
		c.GroupID = "lineage"
		root.AddCommand(c)
	}
	root.AddGroup(&cobra.Group{ID: "access", Title: "Access commands:"})
	for _, c := range []*cobra.Command{newLoginCmd(g), newLogoutCmd(g), newWhoamiCmd(g), newTokensCmd(g), newAccountsCmd(g), newGroupsCmd(g), newRolesCmd(g)} {
		c.GroupID = "access"
		root.AddCommand(c)
	}
	root.AddGroup(&cobra.Group{ID: "governance", Title: "Governance commands:"})
	audit := newAuditCmd(g)
	audit.GroupID = "governance"
	root.AddCommand(audit)
	for _, c := range []*cobra.Command{newApprovalsCmd(g), newPoliciesCmd(g), newDeploymentsCmd(g), newHistoryCmd(g), newInventoryCmd(g), newValidationCmd(g), newCommentsCmd(g)} {
		c.GroupID = "governance"
		root.AddCommand(c)
	}
	cards := newCardsCmd(g)
	cards.GroupID = "governance"
	root.AddCommand(cards)
	return root
}

// setting returns a flag's value if it was given, else the environment
// variable's if set, else the flag's default.
func (g *globals) setting(flag, env string) string {
	if !g.flags.Changed(flag) {
		if v := os.Getenv(env); v != "" {
			return v
		}
	}
	v, _ := g.flags.GetString(flag)
	return v
}

func (g *globals) serverURL() string { return g.setting("server", "STEWARD_SERVER") }

// client checks the global flags and returns a client configured by them.
// Every command calls it before doing anything.
func (g *globals) client() (*client.Client, error) { return g.clientOutputs("table", "json") }

// clientOutputs is client for a command whose --output may be one of
// formats (the lineage commands also draw Graphviz dot).
func (g *globals) clientOutputs(formats ...string) (*client.Client, error) {
	if !slices.Contains(formats, g.output) {
		return nil, usageError{fmt.Errorf("--output must be %s, got %q", strings.Join(formats, " or "), g.output)}
	}
	tok := g.setting("token", "STEWARD_TOKEN")
	if tok == "" {
		tok = savedToken(g.serverURL())
	}
	return g.clientWithToken(tok)
}

// clientWithToken is client() with an explicit token ("" for none): login
// checks a token before saving it.
func (g *globals) clientWithToken(token string) (*client.Client, error) {
	opts := []client.Option{client.WithUserAgent("steward-cli/" + strings.TrimPrefix(g.version, "v"))}
	if ws := g.setting("workspace", "STEWARD_WORKSPACE"); ws != "" {
		opts = append(opts, client.WithWorkspace(ws))
	}
	if token != "" {
		opts = append(opts, client.WithToken(token))
	}
	c, err := client.New(g.serverURL(), append(opts, g.opts...)...)
	if err != nil {
		return nil, usageError{fmt.Errorf("%w (set --server or STEWARD_SERVER)", err)}
	}
	return c, nil
}
