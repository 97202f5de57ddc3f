package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/steward-registry/steward/client"
)

func newInventoryCmd(g *globals) *cobra.Command {
	var (
		f   client.InventoryFilter
		out string
	)
	cmd := &cobra.Command{
		Use:   "inventory",
		Short: "List the model inventory: owners, uses, risk tiers, validation status, review dates",
		Long: `The inventory is every model you may read with its owner and kind (the
model's own fields), business unit, intended use, risk tier (high, medium,
low, or unclassified), validation status (not_validated, in_validation,
validated, findings_open, expired) and next review date.

--attention lists only the models that need someone: the review date has
passed, or a version is in Production without an approved model card or
without a valid validation. The ATTENTION column says why.

-o csv writes every matching model as CSV with a header row (to --out, or
standard output), for spreadsheets and regulators; -o json writes the
entries as JSON. Use "inventory set" to classify or describe a model.`,
		Example: `  steward inventory
  steward inventory --risk-tier high --overdue
  steward inventory --attention
  steward inventory -o csv --out inventory.csv
  steward inventory --validation-status findings_open -o json | jq -r '.[].model'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.clientOutputs("table", "json", "csv")
			if err != nil {
				return err
			}
			var w io.Writer = cmd.OutOrStdout()
			if out != "" {
				// O_EXCL: an export never overwrites a file by accident.
				file, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
				if err != nil {
					return usageError{fmt.Errorf("--out: %w", err)}
				}
				defer file.Close()
				w = file
			}
			if g.output == "csv" {
				if err := c.InventoryCSV(cmd.Context(), f, w); err != nil {
					return err
				}
				if out != "" {
					g.hint(cmd, "Wrote %s", out)
				}
				return nil
			}
			var all []*client.InventoryEntry
			page := client.ListOptions{PageSize: 1000}
			for {
				es, next, err := c.Inventory(cmd.Context(), f, page)
				if err != nil {
					return err
				}
				all = append(all, es...)
				if next == "" {
					break
				}
				page.PageToken = next
			}
			if all == nil {
				all = []*client.InventoryEntry{}
			}
			cmd.SetOut(w)
			return g.emit(cmd, all, func(w io.Writer) {
				row(w, "MODEL", "OWNER", "KIND", "BUSINESS UNIT", "RISK", "VALIDATION", "NEXT REVIEW", "PROD", "CARD", "ATTENTION")
				for _, e := range all {
					row(w, e.Model, orDash(e.Owner), e.Kind, orDash(e.BusinessUnit), orDash(e.RiskTier), e.ValidationStatus,
						reviewDate(e.NextReviewAt, e.ReviewOverdue), yesNo(e.InProduction), yesNo(e.ApprovedCard), orDash(strings.Join(e.Attention, ",")))
				}
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.RiskTier, "risk-tier", "", "only this risk tier: high, medium, low or unclassified")
	fl.StringVar(&f.ValidationStatus, "validation-status", "", "only this status: not_validated, in_validation, validated, findings_open, expired")
	fl.StringVar(&f.Owner, "owner", "", "only models with this owner")
	fl.StringVar(&f.BusinessUnit, "business-unit", "", "only models of this business unit")
	fl.StringVar(&f.Kind, "kind", "", "only models of this kind: ml, rules, optimisation, llm, other")
	fl.StringVar(&f.Project, "project", "", "only models in this project")
	fl.StringVar(&f.Search, "search", "", "only models whose name contains this (any case)")
	fl.BoolVar(&f.Overdue, "overdue", false, "only models whose next review date has passed")
	fl.BoolVar(&f.Attention, "attention", false, "only models that need attention (overdue, or in Production without an approved card or validation)")
	fl.StringVar(&out, "out", "", "write to this file (must not exist) instead of standard output")
	cmd.AddCommand(newInventorySetCmd(g))
	return cmd
}

func newInventorySetCmd(g *globals) *cobra.Command {
	var (
		tier, unit, use, review string
		ifMatch                 int64
	)
	cmd := &cobra.Command{
		Use:   "set MODEL",
		Short: "Classify or describe a model in the inventory",
		Long: `Change the inventory fields given as flags and leave the rest alone.

--business-unit and --intended-use describe the model: its developers may
set them (model.write). --risk-tier and --next-review classify it and
decide which gates apply and when it is due for review: only validators
(model.validate) may set them, so a developer cannot lower a tier.

--next-review takes a date (2027-01-31, midnight UTC) or an RFC 3339 time;
"none" clears it. Owner and kind are the model's own: "models update".`,
		Example: `  steward inventory set credit-pd --risk-tier high --next-review 2027-01-31
  steward inventory set credit-pd --business-unit retail --intended-use "consumer credit decisions"
  steward inventory set credit-pd --next-review none --if-match 3`,
		Args: exactArgs("MODEL"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			var in client.ProfileUpdate
			fl := cmd.Flags()
			if fl.Changed("risk-tier") {
				in.RiskTier = &tier
			}
			if fl.Changed("business-unit") {
				in.BusinessUnit = &unit
			}
			if fl.Changed("intended-use") {
				in.IntendedUse = &use
			}
			if fl.Changed("next-review") {
				ms, err := parseReviewDate(review)
				if err != nil {
					return err
				}
				in.NextReviewAt = &ms
			}
			if in == (client.ProfileUpdate{}) {
				return usageError{errors.New("nothing to set: give at least one of --risk-tier, --business-unit, --intended-use, --next-review")}
			}
			e, err := c.UpdateModelProfile(cmd.Context(), args[0], in, ifMatch)
			if err != nil {
				return err
			}
			return g.emitEntry(cmd, e)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&tier, "risk-tier", "", `risk tier: high, medium, low ("" unclassified); validators only`)
	fl.StringVar(&unit, "business-unit", "", "business unit that uses the model")
	fl.StringVar(&use, "intended-use", "", "what the model is for, and for whom")
	fl.StringVar(&review, "next-review", "", `next review date (2027-01-31 or RFC 3339; "none" clears); validators only`)
	fl.Int64Var(&ifMatch, "if-match", 0, "apply only if the profile's revision is still this")
	return cmd
}

// parseReviewDate reads a date, an RFC 3339 time, or "none" (0).
func parseReviewDate(s string) (int64, error) {
	if s == "none" || s == "" {
		return 0, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t.UnixMilli(), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UnixMilli(), nil
	}
	return 0, usageError{fmt.Errorf("--next-review %q must be a date like 2027-01-31, an RFC 3339 time, or none", s)}
}

func (g *globals) emitEntry(cmd *cobra.Command, e *client.InventoryEntry) error {
	return g.emit(cmd, e, func(w io.Writer) {
		row(w, "Model:", e.Model)
		row(w, "Owner:", orDash(e.Owner))
		row(w, "Kind:", e.Kind)
		row(w, "Business unit:", orDash(e.BusinessUnit))
		row(w, "Intended use:", orDash(e.IntendedUse))
		row(w, "Risk tier:", orDash(e.RiskTier))
		row(w, "Validation:", e.ValidationStatus)
		row(w, "Next review:", reviewDate(e.NextReviewAt, e.ReviewOverdue))
		row(w, "Attention:", orDash(strings.Join(e.Attention, ", ")))
		row(w, "Revision:", e.Revision)
	})
}

func reviewDate(ms *int64, overdue bool) string {
	if ms == nil {
		return "-"
	}
	s := time.UnixMilli(*ms).UTC().Format("2006-01-02")
	if overdue {
		s += " (overdue)"
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
