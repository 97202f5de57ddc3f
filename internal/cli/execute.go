package cli

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/steward-registry/steward/client"
)

// Exit statuses of Execute.
const (
	ExitOK      = 0
	ExitFailure = 1 // usage error, refused request (4xx) or local failure
	ExitServer  = 2 // server error (5xx) or server unreachable
)

// usageError marks a mistake in the command line; Execute adds a pointer to
// the command's help.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// Execute runs root and returns the process exit status, printing any error
// to stderr as "Error: <message> (<code>)":
//
//	0  success
//	1  usage error, a request the server refused (4xx), or a local failure
//	2  server error (5xx) or the server could not be reached
func Execute(root *cobra.Command) int {
	cmd, err := root.ExecuteC()
	if err == nil {
		return ExitOK
	}
	if cmd == nil {
		cmd = root
	}
	w := root.ErrOrStderr()
	fmt.Fprintln(w, "Error: "+err.Error())
	var ue usageError
	if errors.As(err, &ue) || strings.HasPrefix(err.Error(), "unknown command") || strings.HasPrefix(err.Error(), "required flag") {
		fmt.Fprintf(w, "Run '%s --help' for usage.\n", cmd.CommandPath())
		return ExitFailure
	}
	var ae *client.Error
	if errors.As(err, &ae) {
		if ae.Status >= 500 {
			return ExitServer
		}
		return ExitFailure
	}
	if unreachable(err) {
		server := DefaultServer
		if root.PersistentFlags().Lookup("server") != nil {
			server = (&globals{flags: root.PersistentFlags()}).serverURL()
		}
		fmt.Fprintf(w, "Is `steward serve` running at %s? Point --server or STEWARD_SERVER at it.\n", server)
		return ExitServer
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return ExitServer
	}
	return ExitFailure
}

// unreachable reports a failure to connect at all, as opposed to one in the
// middle of a transfer.
func unreachable(err error) bool {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return false
	}
	var oe *net.OpError
	var de *net.DNSError
	return errors.Is(err, syscall.ECONNREFUSED) || errors.As(err, &de) || (errors.As(err, &oe) && oe.Op == "dial")
}
