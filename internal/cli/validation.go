package cli

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/steward-registry/steward/client"
)

func newValidationCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "validation",
		Short: "Independent validation: reviews of a model version, findings, sign-off",
		Long: `A validator opens a review of a model version, records findings (severity
high, medium or low), tracks each to remediated, or accepted with a
justification, and signs the review off.

The sign-off records the version's artifact manifest digest: if the
artifacts change, it no longer counts. It is refused while a high finding
is open, and to anyone who authored the version (created it or its run, or
edited the model's cards), administrators included.`,
		Example: `  steward validation open credit-pd 3 --summary "annual validation 2026"
  steward validation finding add REVIEW --severity high --title "target leakage"
  steward validation finding set REVIEW FINDING --status remediated
  steward validation finding set REVIEW FINDING --status accepted --justification "monitored monthly"
  steward validation signoff REVIEW
  steward validation list credit-pd 3`,
	}
	finding := &cobra.Command{Use: "finding", Short: "Add or change findings of a review",
		Long: `Findings are the issues a validator records in a review: severity high,
medium or low; status open, remediated, or accepted with a justification.`,
		Example: `  steward validation finding add REVIEW --severity medium --title "no stress test"
  steward validation finding set REVIEW FINDING --status remediated`}
	finding.AddCommand(newFindingAddCmd(g), newFindingSetCmd(g))
	cmd.AddCommand(newValidationOpenCmd(g), newValidationGetCmd(g), newValidationListCmd(g), finding, newValidationSignoffCmd(g))
	return cmd
}

func newValidationOpenCmd(g *globals) *cobra.Command {
	var summary string
	cmd := &cobra.Command{
		Use:     "open MODEL VERSION",
		Short:   "Open a validation review of a model version",
		Long:    `Open a review of MODEL's VERSION (a number, or an alias). The model's validation status becomes in_validation.`,
		Example: `  steward validation open credit-pd 3 --summary "annual validation 2026"`,
		Args:    exactArgs("MODEL", "VERSION"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			v, err := resolveVersion(cmd.Context(), c, args[0], args[1])
			if err != nil {
				return err
			}
			rv, err := c.OpenReview(cmd.Context(), args[0], v, summary)
			if err != nil {
				return err
			}
			return g.emitReview(cmd, rv)
		},
	}
	cmd.Flags().StringVar(&summary, "summary", "", "scope and purpose of the review")
	return cmd
}

func newValidationGetCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "get REVIEW",
		Short:   "Show a review with its findings",
		Long:    `Show a validation review: its version, status, who opened and signed it off, the artifacts signed off, and its findings.`,
		Example: `  steward validation get 0f3c9a... -o json`,
		Args:    exactArgs("REVIEW"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			rv, err := c.GetReview(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return g.emitReview(cmd, rv)
		},
	}
}

func newValidationListCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "list MODEL VERSION",
		Short:   "List the reviews of a model version, newest first",
		Long:    `List the validation reviews of MODEL's VERSION (a number or an alias), newest first, with their open findings.`,
		Example: `  steward validation list credit-pd 3`,
		Args:    exactArgs("MODEL", "VERSION"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			v, err := resolveVersion(cmd.Context(), c, args[0], args[1])
			if err != nil {
				return err
			}
			rvs, err := c.ListReviews(cmd.Context(), args[0], v)
			if err != nil {
				return err
			}
			if rvs == nil {
				rvs = []*client.ValidationReview{}
			}
			return g.emit(cmd, rvs, func(w io.Writer) {
				row(w, "REVIEW", "STATUS", "OPENED BY", "OPENED", "SIGNED OFF BY", "FINDINGS OPEN")
				for _, rv := range rvs {
					row(w, rv.ID, rv.Status, rv.CreatedBy, when(rv.CreatedAt), orDash(rv.SignedOffBy), openFindings(rv))
				}
			})
		},
	}
}

func openFindings(rv *client.ValidationReview) string {
	n, high := 0, 0
	for _, f := range rv.Findings {
		if f.Status == "open" {
			n++
			if f.Severity == "high" {
				high++
			}
		}
	}
	return fmt.Sprintf("%d (%d high)", n, high)
}

func newFindingAddCmd(g *globals) *cobra.Command {
	var severity, title, description string
	cmd := &cobra.Command{
		Use:     "add REVIEW",
		Short:   "Record a finding",
		Long:    `Record a finding of REVIEW. It starts open; an open high finding blocks the sign-off.`,
		Example: `  steward validation finding add REVIEW --severity high --title "target leakage" --description "feature x is derived from the label"`,
		Args:    exactArgs("REVIEW"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			f, err := c.AddFinding(cmd.Context(), args[0], severity, title, description)
			if err != nil {
				return err
			}
			return g.emitFinding(cmd, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&severity, "severity", "", "high, medium or low (required)")
	fl.StringVar(&title, "title", "", "one line saying what is wrong (required)")
	fl.StringVar(&description, "description", "", "details, evidence, what to do")
	return cmd
}

func newFindingSetCmd(g *globals) *cobra.Command {
	var status, justification, severity, title, description string
	cmd := &cobra.Command{
		Use:   "set REVIEW FINDING",
		Short: "Change a finding's status or text",
		Long: `Change a finding: --status remediated, accepted (needs --justification: why
the risk is acceptable) or open (re-open; clears the justification).`,
		Example: `  steward validation finding set REVIEW FINDING --status remediated
  steward validation finding set REVIEW FINDING --status accepted --justification "compensating control: manual review"`,
		Args: exactArgs("REVIEW", "FINDING"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			var in client.FindingUpdate
			for flag, p := range map[string]struct {
				v   *string
				dst **string
			}{
				"status": {&status, &in.Status}, "justification": {&justification, &in.Justification}, "severity": {&severity, &in.Severity},
				"title": {&title, &in.Title}, "description": {&description, &in.Description}} {
				if cmd.Flags().Changed(flag) {
					*p.dst = p.v
				}
			}
			if in == (client.FindingUpdate{}) {
				return usageError{errors.New("nothing to change: give at least one of --status, --justification, --severity, --title, --description")}
			}
			f, err := c.UpdateFinding(cmd.Context(), args[0], args[1], in)
			if err != nil {
				return err
			}
			return g.emitFinding(cmd, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&status, "status", "", "open, remediated or accepted")
	fl.StringVar(&justification, "justification", "", "why an accepted finding's risk is acceptable")
	fl.StringVar(&severity, "severity", "", "high, medium or low")
	fl.StringVar(&title, "title", "", "new title")
	fl.StringVar(&description, "description", "", "new description")
	return cmd
}

func newValidationSignoffCmd(g *globals) *cobra.Command {
	var summary string
	cmd := &cobra.Command{
		Use:   "signoff REVIEW",
		Short: "Sign a review off for the version's current artifacts",
		Long: `Sign REVIEW off. Refused while a high finding is open, and to anyone who
authored the version, administrators included. The version's manifest digest
is recorded: a sign-off only counts for those artifacts.`,
		Example: `  steward validation signoff REVIEW --summary "fit for purpose with monitoring"`,
		Args:    exactArgs("REVIEW"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			rv, err := c.SignOffReview(cmd.Context(), args[0], summary)
			if err != nil {
				return err
			}
			return g.emitReview(cmd, rv)
		},
	}
	cmd.Flags().StringVar(&summary, "summary", "", "conclusion (replaces the review's summary)")
	return cmd
}

func (g *globals) emitReview(cmd *cobra.Command, rv *client.ValidationReview) error {
	return g.emit(cmd, rv, func(w io.Writer) {
		row(w, "Review:", rv.ID)
		row(w, "Version:", fmt.Sprintf("%s %d", rv.ModelName, rv.Version))
		row(w, "Status:", rv.Status)
		row(w, "Summary:", orDash(rv.Summary))
		row(w, "Opened:", fmt.Sprintf("%s by %s", when(rv.CreatedAt), rv.CreatedBy))
		if rv.SignedOffAt != nil {
			row(w, "Signed off:", fmt.Sprintf("%s by %s", when(*rv.SignedOffAt), rv.SignedOffBy))
			row(w, "Artifacts:", rv.ManifestDigest)
		}
		row(w, "")
		row(w, "FINDING", "SEVERITY", "STATUS", "TITLE")
		for _, f := range rv.Findings {
			row(w, f.ID, f.Severity, f.Status, truncate(f.Title, 60))
		}
	})
}

func (g *globals) emitFinding(cmd *cobra.Command, f *client.ValidationFinding) error {
	return g.emit(cmd, f, func(w io.Writer) {
		row(w, "Finding:", f.ID)
		row(w, "Severity:", f.Severity)
		row(w, "Status:", f.Status)
		row(w, "Title:", f.Title)
		row(w, "Justification:", orDash(f.Justification))
	})
}
