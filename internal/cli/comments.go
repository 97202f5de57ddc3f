package cli

import (
	"errors"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/steward-registry/steward/client"
)

// commentFlags are the target flags every comments command takes.
type commentFlags struct {
	version string
	card    string
}

func (cf *commentFlags) bind(cmd *cobra.Command) {
	cmd.Flags().StringVar(&cf.version, "version", "", "a version of the model (number or alias) instead of the model")
	cmd.Flags().StringVar(&cf.card, "card", "", "a card of the model (card version number or id) instead of the model")
}

func (cf *commentFlags) target(cmd *cobra.Command, c *client.Client, model string) (client.CommentTarget, error) {
	t := client.CommentTarget{Model: model, Card: cf.card}
	if cf.version != "" && cf.card != "" {
		return t, usageError{errors.New("give --version or --card, not both")}
	}
	if cf.version != "" {
		v, err := resolveVersion(cmd.Context(), c, model, cf.version)
		if err != nil {
			return t, err
		}
		t.Version = v
	}
	return t, nil
}

func newCommentsCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "comments",
		Short: "Comment on models, versions and model cards",
		Long: `Comments are notes on a model, one of its versions (--version) or one of
its model cards (--card), with author and time. Anyone who may read the
model may comment (with a credential of write scope); comments are not
edited, and only their author (or someone who manages the model) may
delete one.`,
		Example: `  steward comments add credit-pd "retrained on Q3 data; see run 8f2e"
  steward comments add credit-pd --version 3 "challenger beats champion on AUC"
  steward comments list credit-pd --version 3
  steward comments delete credit-pd --version 3 COMMENT`,
	}
	cmd.AddCommand(newCommentsAddCmd(g), newCommentsListCmd(g), newCommentsDeleteCmd(g))
	return cmd
}

func newCommentsAddCmd(g *globals) *cobra.Command {
	var cf commentFlags
	cmd := &cobra.Command{
		Use:     "add MODEL TEXT...",
		Short:   "Add a comment",
		Long:    `Add a comment on MODEL, or on one of its versions (--version) or cards (--card). TEXT is the rest of the line (up to 16 KiB).`,
		Example: `  steward comments add credit-pd --card 2 "section 4 needs the Q3 figures"`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 2 {
				return usageError{errors.New(cmd.CommandPath() + " takes MODEL and the comment's TEXT")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			t, err := cf.target(cmd, c, args[0])
			if err != nil {
				return err
			}
			cm, err := c.AddComment(cmd.Context(), t, strings.Join(args[1:], " "))
			if err != nil {
				return err
			}
			return g.emit(cmd, cm, func(w io.Writer) { row(w, "Comment:", cm.ID) })
		},
	}
	cf.bind(cmd)
	return cmd
}

func newCommentsListCmd(g *globals) *cobra.Command {
	var cf commentFlags
	cmd := &cobra.Command{
		Use:     "list MODEL",
		Short:   "List comments, oldest first",
		Long:    `List the comments on MODEL itself, or on one of its versions (--version) or cards (--card), oldest first, with author and time.`,
		Example: `  steward comments list credit-pd --version champion -o json`,
		Args:    exactArgs("MODEL"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			t, err := cf.target(cmd, c, args[0])
			if err != nil {
				return err
			}
			all := []*client.Comment{}
			page := client.ListOptions{PageSize: 1000}
			for {
				cs, next, err := c.ListComments(cmd.Context(), t, page)
				if err != nil {
					return err
				}
				all = append(all, cs...)
				if next == "" {
					break
				}
				page.PageToken = next
			}
			return g.emit(cmd, all, func(w io.Writer) {
				row(w, "WHEN", "AUTHOR", "COMMENT", "ID")
				for _, cm := range all {
					row(w, when(cm.CreatedAt), cm.Author, truncate(cm.Body, 70), cm.ID)
				}
			})
		},
	}
	cf.bind(cmd)
	return cmd
}

func newCommentsDeleteCmd(g *globals) *cobra.Command {
	var cf commentFlags
	cmd := &cobra.Command{
		Use:     "delete MODEL COMMENT",
		Short:   "Delete one of your comments",
		Long:    `Delete a comment you wrote (someone who manages the model may delete anyone's). Give the same --version or --card it was made on.`,
		Example: `  steward comments delete credit-pd --version 3 0c5e1f...`,
		Args:    exactArgs("MODEL", "COMMENT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			t, err := cf.target(cmd, c, args[0])
			if err != nil {
				return err
			}
			if err := c.DeleteComment(cmd.Context(), t, args[1]); err != nil {
				return err
			}
			g.hint(cmd, "Deleted comment %s", args[1])
			return nil
		},
	}
	cf.bind(cmd)
	return cmd
}
