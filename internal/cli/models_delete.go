package cli

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
)

func newModelsDeleteCmd(g *globals) *cobra.Command {
	var (
		yes     bool
		ifMatch int64
	)
	cmd := &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a model and all its versions",
		Long: `Delete a model with its versions, aliases and tags. Artifact bytes shared
with other versions stay; the server's garbage collection removes blobs no
version references.

On a terminal it asks for confirmation. Without one (scripts, CI) it
refuses unless --yes is given, so a pipeline cannot delete by accident.
--if-match REV deletes only if the model is still at revision REV.`,
		Example: `  steward models delete fraud-detector
  steward models delete fraud-detector --yes --if-match 7`,
		Args: exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			name := args[0]
			if !yes {
				in := cmd.InOrStdin()
				if !isTerminal(in) {
					return usageError{fmt.Errorf("refusing to delete model %q without confirmation: stdin is not a terminal, so pass --yes", name)}
				}
				ok, err := confirm(in, cmd.ErrOrStderr(), fmt.Sprintf("Delete model %q and all its versions? [y/N] ", name))
				if err != nil {
					return err
				}
				if !ok {
					return fmt.Errorf("not deleted")
				}
			}
			if err := c.DeleteModel(cmd.Context(), name, ifMatch); err != nil {
				return err
			}
			return g.emit(cmd, map[string]any{"model": name, "deleted": true}, func(w io.Writer) {
				fmt.Fprintf(w, "Deleted model %q.\n", clean(name))
			})
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	cmd.Flags().Int64Var(&ifMatch, "if-match", 0, "delete only if the model's revision is still this")
	return cmd
}

// confirm asks a yes/no question; only "y" or "yes" means yes.
func confirm(in io.Reader, out io.Writer, question string) (bool, error) {
	fmt.Fprint(out, question)
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && line == "" {
		fmt.Fprintln(out)
		return false, nil
	}
	a := strings.ToLower(strings.TrimSpace(line))
	return a == "y" || a == "yes", nil
}
