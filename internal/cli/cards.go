package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/steward-registry/steward/client"
)

func newCardsCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "cards",
		Aliases: []string{"card"},
		Short:   "Write, review, compare and export model cards",
		Long: `A model card documents a model: overview, intended uses and risk rating,
business details, training details, evaluation details and additional
information (the sections of SageMaker Model Cards). Every card is checked
against the model card schema (GET /api/v1/model-card-schema.json); a field
that does not fit is named in the error.

Cards are versioned per model (1, 2, ...). A card moves draft -> pending_review
-> approved, or back to draft when a validator rejects it, and can be
archived. An approved card is never changed: editing it makes a new draft
version. Whoever wrote a card version may not approve it, administrators
included. Where a command takes CARD, "latest" (the default) works too.`,
		Example: `  steward cards create credit-scorer --file card.json --model-version 3
  steward cards autofill credit-scorer --version 3
  steward cards submit credit-scorer 1
  steward cards approve credit-scorer 1 --comment "reviewed against policy MRM-4"
  steward cards export credit-scorer 1 --format pdf --out credit-card.pdf`,
	}
	cmd.AddCommand(newCardsListCmd(g), newCardsGetCmd(g), newCardsCreateCmd(g), newCardsEditCmd(g),
		newCardsActionCmd(g, "submit", "Send a draft card for review", "model.write", false),
		newCardsActionCmd(g, "approve", "Approve a card pending review (validators)", "model.validate; never a card you wrote", false),
		newCardsActionCmd(g, "reject", "Send a card pending review back to draft (validators)", "model.validate; --comment is required", true),
		newCardsActionCmd(g, "archive", "Archive a card version", "model.write (model.validate for an approved card)", false),
		newCardsCloneCmd(g), newCardsCompareCmd(g), newCardsAutofillCmd(g), newCardsExportCmd(g), newCardsImportCmd(g))
	return cmd
}

// cardArg parses an optional CARD argument: a number, v-number or
// "latest" (0).
func cardArg(args []string, i int) (int64, error) {
	if len(args) <= i || args[i] == "latest" {
		return 0, nil
	}
	if n, ok := versionNumber(args[i]); ok {
		return n, nil
	}
	return 0, usageError{fmt.Errorf("CARD must be a card version number (1, 2, ...) or latest, got %q", args[i])}
}

func cardArgs(names ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < 1 || len(args) > len(names) {
			return usageError{fmt.Errorf("%s takes %s, got %d argument(s)", cmd.CommandPath(), strings.Join(names, " "), len(args))}
		}
		return nil
	}
}

// readCardFile reads a card document from path ("-": stdin). A card as
// exported with --format json (with a "content" field) works too, so an
// export can be edited and sent back.
func readCardFile(cmd *cobra.Command, path string) (json.RawMessage, *int64, error) {
	if path == "" {
		return nil, nil, usageError{fmt.Errorf("--file is required: a JSON card document (see GET /api/v1/model-card-schema.json)")}
	}
	b, err := readPathOrStdin(cmd, path)
	if err != nil {
		return nil, nil, err
	}
	var wrapped struct {
		Content      json.RawMessage `json:"content"`
		ModelVersion *int64          `json:"model_version"`
	}
	if json.Unmarshal(b, &wrapped) == nil && len(wrapped.Content) > 0 {
		return wrapped.Content, wrapped.ModelVersion, nil
	}
	if !json.Valid(b) {
		return nil, nil, usageError{fmt.Errorf("%s is not JSON", path)}
	}
	return b, nil, nil
}

// readPathOrStdin reads the file at path, or standard input for "-".
func readPathOrStdin(cmd *cobra.Command, path string) ([]byte, error) {
	if path == "-" {
		return io.ReadAll(cmd.InOrStdin())
	}
	return os.ReadFile(path)
}

func modelVersionFlag(n int64, fromFile *int64) *int64 {
	if n > 0 {
		return &n
	}
	return fromFile
}

func cardVersionText(v *int64) string {
	if v == nil {
		return "-"
	}
	return strconv.FormatInt(*v, 10)
}

func (g *globals) emitCard(cmd *cobra.Command, c *client.Card) error {
	return g.emit(cmd, c, func(w io.Writer) {
		row(w, "Model:", c.Model)
		row(w, "Card version:", c.CardVersion)
		row(w, "Status:", c.Status)
		row(w, "Model version:", cardVersionText(c.ModelVersion))
		row(w, "Created:", when(c.CreatedAt)+" by "+orDash(c.CreatedBy))
		row(w, "Updated:", when(c.UpdatedAt)+" by "+orDash(c.UpdatedBy))
		if c.ApprovedAt != nil {
			row(w, "Approved:", when(*c.ApprovedAt)+" by "+c.ApprovedBy)
		}
		row(w, "Revision:", c.Revision)
		var doc struct {
			Overview struct {
				Name        string `json:"model_name"`
				Description string `json:"model_description"`
			} `json:"model_overview"`
			Uses struct {
				Risk string `json:"risk_rating"`
			} `json:"intended_uses"`
		}
		_ = json.Unmarshal(c.Content, &doc)
		row(w, "Title:", orDash(doc.Overview.Name))
		row(w, "Description:", orDash(doc.Overview.Description))
		row(w, "Risk rating:", orDash(doc.Uses.Risk))
	})
}

func (g *globals) emitCardChange(cmd *cobra.Command, ch *client.CardChange) error {
	if ch.Created {
		g.hint(cmd, "wrote new draft card version %d", ch.Card.CardVersion)
	}
	return g.emitCard(cmd, ch.Card)
}

func newCardsListCmd(g *globals) *cobra.Command {
	var status string
	cmd := &cobra.Command{
		Use:   "list MODEL",
		Short: "List a model's card versions",
		Long: `List a model's card versions in order with their status, the model
version each documents, and who last edited and who approved it.`,
		Example: `  steward cards list credit-scorer
  steward cards list credit-scorer --status approved -o json`,
		Args: exactArgs("MODEL"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			cs, err := c.ListCards(cmd.Context(), args[0], status)
			if err != nil {
				return err
			}
			return g.emit(cmd, cs, func(w io.Writer) {
				row(w, "CARD", "STATUS", "MODEL VERSION", "UPDATED", "BY", "APPROVED BY")
				for _, x := range cs {
					row(w, x.CardVersion, x.Status, cardVersionText(x.ModelVersion), when(x.UpdatedAt), x.UpdatedBy, orDash(x.ApprovedBy))
				}
			})
		},
	}
	cmd.Flags().StringVar(&status, "status", "", "only cards in this status: draft, pending_review, approved, archived")
	return cmd
}

func newCardsGetCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "get MODEL [CARD]",
		Short: "Show a card version (the latest by default)",
		Long: `Show a card version's status, authors and summary; -o json prints the
whole card with its document.`,
		Example: `  steward cards get credit-scorer
  steward cards get credit-scorer 2 -o json | jq .content.intended_uses`,
		Args: cardArgs("MODEL", "[CARD]"),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := cardArg(args, 1)
			if err != nil {
				return err
			}
			c, err := g.client()
			if err != nil {
				return err
			}
			card, err := c.GetCard(cmd.Context(), args[0], n)
			if err != nil {
				return err
			}
			return g.emitCard(cmd, card)
		},
	}
}

func newCardsCreateCmd(g *globals) *cobra.Command {
	var file string
	var mv int64
	cmd := &cobra.Command{
		Use:   "create MODEL --file CARD.json",
		Short: "Create a new draft card version from a JSON document",
		Long: `Create the model's next card version, as a draft, from a JSON card
document (the schema is at /api/v1/model-card-schema.json). A card
exported with "steward cards export --format json" works as input too.`,
		Example: `  steward cards create credit-scorer --file card.json --model-version 3
  cat card.json | steward cards create credit-scorer --file -`,
		Args: exactArgs("MODEL"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			doc, fileMV, err := readCardFile(cmd, file)
			if err != nil {
				return err
			}
			card, err := c.CreateCard(cmd.Context(), args[0], client.CardInput{Content: doc, ModelVersion: modelVersionFlag(mv, fileMV)})
			if err != nil {
				return err
			}
			return g.emitCard(cmd, card)
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "the card document (JSON); - reads stdin")
	cmd.Flags().Int64Var(&mv, "model-version", 0, "the model version the card documents")
	return cmd
}

func newCardsEditCmd(g *globals) *cobra.Command {
	var file string
	var mv, ifRev int64
	cmd := &cobra.Command{
		Use:   "edit MODEL CARD --file CARD.json",
		Short: "Replace a card's document",
		Long: `Replace the document of a card version. A draft changes in place; an
approved card never does: the edit becomes a new draft card version. A
card pending review must be rejected first, an archived one cloned.`,
		Example: `  steward cards get credit-scorer 2 -o json > card.json   # edit card.json
  steward cards edit credit-scorer 2 --file card.json --if-revision 3`,
		Args: exactArgs("MODEL", "CARD"),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := cardArg(args, 1)
			if err != nil {
				return err
			}
			c, err := g.client()
			if err != nil {
				return err
			}
			doc, fileMV, err := readCardFile(cmd, file)
			if err != nil {
				return err
			}
			ch, err := c.UpdateCard(cmd.Context(), args[0], n, client.CardInput{Content: doc, ModelVersion: modelVersionFlag(mv, fileMV)}, ifRev)
			if err != nil {
				return err
			}
			return g.emitCardChange(cmd, ch)
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "the card document (JSON); - reads stdin")
	cmd.Flags().Int64Var(&mv, "model-version", 0, "the model version the card documents")
	cmd.Flags().Int64Var(&ifRev, "if-revision", 0, "fail unless the card is still at this revision")
	return cmd
}

func newCardsActionCmd(g *globals, action, short, needs string, commentRequired bool) *cobra.Command {
	var comment string
	var ifRev int64
	cmd := &cobra.Command{
		Use:   action + " MODEL CARD",
		Short: short,
		Long:  short + ". Needs " + needs + ". The change and the comment are kept in the audit log.",
		Example: fmt.Sprintf(`  steward cards %s credit-scorer 2 --comment "..."
  steward cards %s credit-scorer latest -o json`, action, action),
		Args: exactArgs("MODEL", "CARD"),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := cardArg(args, 1)
			if err != nil {
				return err
			}
			if commentRequired && comment == "" {
				return usageError{fmt.Errorf("--comment is required: say what the authors should fix")}
			}
			c, err := g.client()
			if err != nil {
				return err
			}
			card, err := c.CardAction(cmd.Context(), args[0], n, action, comment, ifRev)
			if err != nil {
				return err
			}
			return g.emitCard(cmd, card)
		},
	}
	cmd.Flags().StringVar(&comment, "comment", "", "why (kept in the audit log)")
	cmd.Flags().Int64Var(&ifRev, "if-revision", 0, "fail unless the card is still at this revision")
	return cmd
}

func newCardsCloneCmd(g *globals) *cobra.Command {
	var to string
	cmd := &cobra.Command{
		Use:   "clone MODEL CARD",
		Short: "Copy a card version into a new draft",
		Long: `Copy a card version into a new draft card version of the same model, or
of another with --to. The source's editors remain authors of the copy.`,
		Example: `  steward cards clone credit-scorer 3
  steward cards clone credit-scorer 3 --to credit-scorer-sme`,
		Args: exactArgs("MODEL", "CARD"),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := cardArg(args, 1)
			if err != nil {
				return err
			}
			c, err := g.client()
			if err != nil {
				return err
			}
			card, err := c.CloneCard(cmd.Context(), args[0], n, to)
			if err != nil {
				return err
			}
			return g.emitCard(cmd, card)
		},
	}
	cmd.Flags().StringVar(&to, "to", "", "the model to clone into (default: the same model)")
	return cmd
}

func newCardsCompareCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "compare MODEL FROM TO",
		Short: "List the fields that differ between two card versions",
		Long: `List every field that differs between two card versions of a model, as
JSON pointers into the card document with the old and the new value.
Lists compare by position.`,
		Example: `  steward cards compare credit-scorer 1 2
  steward cards compare credit-scorer 1 2 -o json | jq '.changes[].field'`,
		Args: exactArgs("MODEL", "FROM", "TO"),
		RunE: func(cmd *cobra.Command, args []string) error {
			from, err := cardArg(args, 1)
			if err != nil {
				return err
			}
			to, err := cardArg(args, 2)
			if err != nil {
				return err
			}
			if from == 0 || to == 0 {
				return usageError{fmt.Errorf("FROM and TO must be card version numbers")}
			}
			c, err := g.client()
			if err != nil {
				return err
			}
			cmp, err := c.CompareCards(cmd.Context(), args[0], from, to)
			if err != nil {
				return err
			}
			return g.emit(cmd, cmp, func(w io.Writer) {
				if len(cmp.Changes) == 0 {
					row(w, fmt.Sprintf("card versions %d and %d are the same", from, to))
					return
				}
				row(w, "FIELD", "CHANGE", fmt.Sprintf("CARD %d", from), fmt.Sprintf("CARD %d", to))
				for _, ch := range cmp.Changes {
					row(w, ch.Field, ch.Kind, cardShort(ch.From), cardShort(ch.To))
				}
			})
		},
	}
}

// cardShort prints a compared value on one line.
func cardShort(v any) string {
	if v == nil {
		return "-"
	}
	s := fmt.Sprint(v)
	if r := []rune(s); len(r) > 60 {
		s = string(r[:59]) + "…"
	}
	return s
}

func newCardsAutofillCmd(g *globals) *cobra.Command {
	var version, card int64
	cmd := &cobra.Command{
		Use:   "autofill MODEL --version N",
		Short: "Fill a card's training and evaluation sections from a version's run",
		Long: `Read the source run of a model version (params, latest metrics, input
datasets, captured environment) and fill the training and evaluation
sections of the latest card (or --card). A draft changes in place;
otherwise a new draft card version is written. What people wrote in other
fields is kept.`,
		Example: `  steward cards autofill credit-scorer --version 3
  steward cards autofill credit-scorer --version 4 --card 2 -o json`,
		Args: exactArgs("MODEL"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if version <= 0 {
				return usageError{fmt.Errorf("--version is required: the model version whose run fills the card")}
			}
			c, err := g.client()
			if err != nil {
				return err
			}
			ch, err := c.AutoFillCard(cmd.Context(), args[0], version, card)
			if err != nil {
				return err
			}
			return g.emitCardChange(cmd, ch)
		},
	}
	cmd.Flags().Int64Var(&version, "version", 0, "the model version whose source run to read")
	cmd.Flags().Int64Var(&card, "card", 0, "the card version to start from (default: the latest)")
	return cmd
}

func newCardsExportCmd(g *globals) *cobra.Command {
	var format, out string
	cmd := &cobra.Command{
		Use:   "export MODEL [CARD]",
		Short: "Render a card as Markdown, JSON or PDF",
		Long: `Render a card version (the latest by default). Markdown and JSON go to
stdout unless --out is given; a PDF is written to --out, or to the file
name the server suggests (MODEL-card-vN.pdf) in the current directory.
The PDF charts the numeric evaluation metrics and embeds its fonts, so
any script (Kreditvärdighet, 模型治理) prints as written.`,
		Example: `  steward cards export credit-scorer --format md > CARD.md
  steward cards export credit-scorer 2 --format pdf --out credit-card.pdf`,
		Args: cardArgs("MODEL", "[CARD]"),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := cardArg(args, 1)
			if err != nil {
				return err
			}
			switch format {
			case "md", "json", "pdf":
			default:
				return usageError{fmt.Errorf("--format must be md, json or pdf, got %q", format)}
			}
			c, err := g.client()
			if err != nil {
				return err
			}
			body, name, err := c.ExportCard(cmd.Context(), args[0], n, format)
			if err != nil {
				return err
			}
			if out == "" && format == "pdf" {
				out = filepath.Base(name)
				if out == "" || out == "." || out == "/" {
					out = args[0] + "-card.pdf"
				}
			}
			if out == "" || out == "-" {
				_, err := cmd.OutOrStdout().Write(body)
				return err
			}
			if err := os.WriteFile(out, body, 0o644); err != nil {
				return err
			}
			g.hint(cmd, "wrote %s (%s)", out, size(int64(len(body))))
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "md", "md, json or pdf")
	cmd.Flags().StringVar(&out, "out", "", "write to this file (- for stdout)")
	return cmd
}

func newCardsImportCmd(g *globals) *cobra.Command {
	var mv int64
	cmd := &cobra.Command{
		Use:   "import MODEL FILE",
		Short: "Import a SageMaker model card as a new draft",
		Long: `Convert a SageMaker model card JSON document (the card's content, or
the output of "aws sagemaker describe-model-card") into a new draft card
version of MODEL. FILE - reads stdin.`,
		Example: `  aws sagemaker describe-model-card --model-card-name churn > churn.json
  steward cards import churn-model churn.json --model-version 2`,
		Args: exactArgs("MODEL", "FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := readPathOrStdin(cmd, args[1])
			if err != nil {
				return err
			}
			c, err := g.client()
			if err != nil {
				return err
			}
			card, err := c.ImportSageMakerCard(cmd.Context(), args[0], b, mv)
			if err != nil {
				return err
			}
			return g.emitCard(cmd, card)
		},
	}
	cmd.Flags().Int64Var(&mv, "model-version", 0, "the model version the card documents")
	return cmd
}
