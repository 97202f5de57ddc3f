package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/steward-registry/steward/client"
	"github.com/steward-registry/steward/internal/governance"
)

// moveFlags are the target of a promotion: a stage or an alias.
type moveFlags struct {
	to, alias string
}

func (m *moveFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&m.to, "to", "", "stage to move to: staging, production, archived, none")
	cmd.Flags().StringVar(&m.alias, "alias", "", "alias to point at the version instead of a stage (e.g. champion)")
}

func (m *moveFlags) check() error {
	if (m.to == "") == (m.alias == "") {
		return usageError{errors.New("give exactly one of --to STAGE or --alias NAME")}
	}
	return nil
}

func (m *moveFlags) target() string {
	if m.alias != "" {
		return "@" + m.alias
	}
	return m.to
}

func newVersionsPromoteCmd(g *globals) *cobra.Command {
	var (
		mv              moveFlags
		reason, request string
		dryRun, archive bool
	)
	cmd := &cobra.Command{
		Use:   "promote MODEL VERSION (--to STAGE | --alias NAME)",
		Short: "Move a version through its gates to a stage or alias",
		Long: `Move a version to a stage (or point an alias at it) through the gates
of the model's risk-tier policy: an approved model card, a validation
sign-off for these exact artifacts with no open high findings, metric
thresholds on the source run, and enough independent approvals bound to the
version's manifest digest.

--dry-run explains every gate as pass or fail and moves nothing.
--request "why" opens an approval request instead of moving; approvers then
run "steward approvals approve ID", and promote succeeds once enough have.`,
		Example: `  # What would stop version 4 from going to production?
  steward versions promote credit-risk 4 --to production --dry-run

  # Ask for approval, then promote once approved
  steward versions promote credit-risk 4 --to production --request "AUC 0.83 on 2026 holdout"
  steward versions promote credit-risk 4 --to production --reason "Q4 release"

  # Point the champion alias at it (gated like a stage when the policy says so)
  steward versions promote credit-risk 4 --alias champion --reason "won the A/B test"`,
		Args: exactArgs("MODEL", "VERSION"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := mv.check(); err != nil {
				return err
			}
			c, err := g.client()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			n, err := resolveVersion(ctx, c, args[0], args[1])
			if err != nil {
				return err
			}
			switch {
			case dryRun:
				ev, err := c.EvaluateMove(ctx, args[0], n, mv.to, mv.alias)
				if err != nil {
					return err
				}
				return g.emit(cmd, ev, func(w io.Writer) { printEvaluation(w, ev) })
			case request != "":
				req, err := c.RequestApproval(ctx, args[0], n, mv.to, mv.alias, request)
				if err != nil {
					return err
				}
				return g.emit(cmd, req, func(w io.Writer) {
					fmt.Fprintf(w, "Approval request %s opened: %s version %d → %s (artifacts %s).\n", req.ID, clean(req.Model), req.Version, req.Target, req.ManifestDigest)
					fmt.Fprintf(w, "Approvers: steward approvals approve %s --comment \"…\"\n", req.ID)
				})
			case mv.alias != "":
				v, err := c.MoveAlias(ctx, args[0], mv.alias, n, reason)
				if err != nil {
					return err
				}
				return g.emit(cmd, v, func(w io.Writer) {
					fmt.Fprintf(w, "%s@%s now points at version %d.\n", clean(v.ModelName), mv.alias, v.Version)
				})
			default:
				v, err := c.MoveStage(ctx, args[0], n, mv.to, reason, archive)
				if err != nil {
					return err
				}
				return g.emit(cmd, v, func(w io.Writer) {
					fmt.Fprintf(w, "%s version %d is now in stage %s.\n", clean(v.ModelName), v.Version, v.Stage)
				})
			}
		},
	}
	mv.add(cmd)
	f := cmd.Flags()
	f.BoolVar(&dryRun, "dry-run", false, "explain every gate as pass or fail; move nothing")
	f.StringVar(&request, "request", "", "open an approval request with this justification instead of moving")
	f.StringVar(&reason, "reason", "", "why; kept in the lifecycle history")
	f.BoolVar(&archive, "archive-existing", false, "archive the versions currently in the target stage")
	return cmd
}

func printEvaluation(w io.Writer, ev *client.Evaluation) {
	target := ev.Target
	if ev.Kind == governance.MoveAlias {
		target = "@" + ev.Target
	}
	tier := ev.RiskTier
	if tier == "" {
		tier = "unclassified"
	}
	if !ev.Gated {
		fmt.Fprintf(w, "%s version %d → %s: not gated by the %s-risk policy; the move is allowed.\n", clean(ev.Model), ev.Version, target, tier)
		return
	}
	verdict := "REFUSED"
	if ev.Allowed {
		verdict = "ALLOWED"
	}
	fmt.Fprintf(w, "%s version %d → %s (%s-risk policy): %s\n", clean(ev.Model), ev.Version, target, tier, verdict)
	for _, gr := range ev.Gates {
		mark := "FAIL"
		if gr.Pass {
			mark = "pass"
		}
		fmt.Fprintf(w, "  %-4s  %-16s %s\n", mark, gr.Gate, clean(gr.Detail))
	}
}

func newVersionsReplaceFilesCmd(g *globals) *cobra.Command {
	var path string
	cmd := &cobra.Command{
		Use:   "replace-files MODEL VERSION --path DIR|FILE",
		Short: "Swap a version's artifacts (approvals bound to the old digest lapse)",
		Long: `Upload DIR (or FILE) and make it the version's artifacts. The version's
manifest digest changes, so approvals and validation sign-offs given for the
old artifacts no longer count: the version must be validated and approved
again before it can pass a gate. The swap is in the audit log with both
digests.`,
		Example: `  steward versions replace-files credit-risk 4 --path ./model-fixed`,
		Args:    exactArgs("MODEL", "VERSION"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			n, err := resolveVersion(ctx, c, args[0], args[1])
			if err != nil {
				return err
			}
			bar := g.newProgress(cmd, "Uploading")
			files, err := c.UploadDir(ctx, path, bar.Update)
			bar.Finish()
			if err != nil {
				return err
			}
			v, err := c.ReplaceFiles(ctx, args[0], n, files)
			if err != nil {
				return err
			}
			return g.emit(cmd, v, func(w io.Writer) {
				fmt.Fprintf(w, "%s version %d now has %d file(s), manifest digest %s.\n", clean(v.ModelName), v.Version, v.FileCount, v.ManifestDigest)
			})
		},
	}
	cmd.Flags().StringVar(&path, "path", "", "directory or file to upload (required)")
	_ = cmd.MarkFlagRequired("path")
	return cmd
}

func newApprovalsCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "approvals",
		Aliases: []string{"approval"},
		Short:   "Request, approve and reject gated stage and alias moves",
		Long: `Approval requests guard the moves a risk-tier policy gates (e.g. to
Production, or the champion alias). A request is bound to the version's
manifest digest: if the artifacts change, its approvals lapse. The requester
may never approve their own request; under an independent-approvers policy
neither may the version's authors — administrators included.`,
		Example: `  steward approvals request credit-risk 4 --to production --justification "AUC 0.83"
  steward approvals list --status pending
  steward approvals approve 01J9… --comment "reviewed the validation report"
  steward approvals reject 01J9… --comment "wait for the fairness review"`,
	}
	var mv moveFlags
	var justification string
	request := &cobra.Command{
		Use:   "request MODEL VERSION (--to STAGE | --alias NAME) --justification TEXT",
		Short: "Ask for approval to move a version",
		Long: `Open an approval request for moving a version to a stage or pointing an
alias at it. The request is bound to the version's manifest digest now: if
its artifacts change, the approvals given lapse. Only moves the model's
policy gates with approvers need a request.`,
		Example: `  steward approvals request credit-risk 4 --to production --justification "AUC 0.83 on 2026 holdout"
  steward approvals request credit-risk 4 --alias champion --justification "won the A/B test"`,
		Args: exactArgs("MODEL", "VERSION"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := mv.check(); err != nil {
				return err
			}
			c, err := g.client()
			if err != nil {
				return err
			}
			n, err := resolveVersion(cmd.Context(), c, args[0], args[1])
			if err != nil {
				return err
			}
			req, err := c.RequestApproval(cmd.Context(), args[0], n, mv.to, mv.alias, justification)
			if err != nil {
				return err
			}
			return g.emit(cmd, req, func(w io.Writer) { printRequest(w, req) })
		},
	}
	mv.add(request)
	request.Flags().StringVar(&justification, "justification", "", "why the version should move (required)")
	_ = request.MarkFlagRequired("justification")

	var model, status string
	var limit int
	list := &cobra.Command{
		Use:   "list",
		Short: "List approval requests, newest first",
		Long: `List the approval requests of models you may read, newest first, with
their status (pending, approved, rejected, applied, withdrawn) and who has
approved so far.`,
		Example: `  steward approvals list --status pending
  steward approvals list --model credit-risk -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			rs, err := c.ApprovalRequests(cmd.Context(), model, status, limit)
			if err != nil {
				return err
			}
			return g.emit(cmd, map[string]any{"requests": rs}, func(w io.Writer) {
				fmt.Fprintln(w, "ID\tMODEL\tVERSION\tTARGET\tSTATUS\tREQUESTED BY\tAPPROVALS")
				for _, r := range rs {
					fmt.Fprintf(w, "%s\t%s\t%d\t%s\t%s\t%s\t%s\n", r.ID, clean(r.Model), r.Version, r.Target, r.Status, clean(r.RequestedBy), approvers(r))
				}
			})
		},
	}
	list.Flags().StringVar(&model, "model", "", "only this model's requests")
	list.Flags().StringVar(&status, "status", "", "pending, approved, rejected, applied or withdrawn")
	list.Flags().IntVar(&limit, "limit", 0, "at most this many")

	get := &cobra.Command{
		Use:   "get ID",
		Short: "Show one request with its decisions",
		Long: `Show one approval request: the move, the justification, the artifacts it
is bound to, and every approve or reject with its comment.`,
		Example: `  steward approvals get 01J9ZK3V6Q2W8E1R5T7Y9U0I2O`,
		Args:    exactArgs("ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			req, err := c.ApprovalRequest(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return g.emit(cmd, req, func(w io.Writer) { printRequest(w, req) })
		},
	}
	cmd.AddCommand(request, list, get, decideCmd(g, "approve", "Approve a request (bound to the version's current artifacts)"),
		decideCmd(g, "reject", "Reject a request (a comment is required)"), decideCmd(g, "withdraw", "Withdraw your own request"))
	return cmd
}

func decideCmd(g *globals, verb, short string) *cobra.Command {
	var comment string
	long := map[string]string{
		"approve":  "Approve a request. Your approval is bound to the version's current\nartifacts; you may not approve a request you made, nor (under an\nindependent-approvers policy) a version you authored.",
		"reject":   "Reject a request with a comment saying why; the request is closed.",
		"withdraw": "Withdraw a pending or approved request you made (model managers may\nwithdraw anyone's).",
	}[verb]
	cmd := &cobra.Command{
		Use:     verb + " ID",
		Short:   short,
		Long:    long,
		Example: "  steward approvals " + verb + " 01J9ZK3V6Q2W8E1R5T7Y9U0I2O" + map[bool]string{true: ` --comment "checked the validation report"`}[verb != "withdraw"],
		Args:    exactArgs("ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			req, err := c.DecideApproval(cmd.Context(), args[0], verb, comment)
			if err != nil {
				return err
			}
			return g.emit(cmd, req, func(w io.Writer) { printRequest(w, req) })
		},
	}
	if verb != "withdraw" {
		cmd.Flags().StringVar(&comment, "comment", "", "what you checked, or why not")
	}
	return cmd
}

func approvers(r *client.ApprovalRequest) string {
	var names []string
	for _, d := range r.Decisions {
		if d.Decision == "approve" {
			names = append(names, d.Approver)
		}
	}
	if len(names) == 0 {
		return "-"
	}
	return clean(strings.Join(names, ","))
}

func printRequest(w io.Writer, r *client.ApprovalRequest) {
	fmt.Fprintf(w, "Request %s: %s version %d → %s, %s\n", r.ID, clean(r.Model), r.Version, r.Target, r.Status)
	fmt.Fprintf(w, "  requested by %s: %s\n", clean(r.RequestedBy), clean(r.Justification))
	fmt.Fprintf(w, "  bound to artifacts %s\n", r.ManifestDigest)
	for _, d := range r.Decisions {
		fmt.Fprintf(w, "  %s by %s: %s\n", d.Decision, clean(d.Approver), clean(d.Comment))
	}
}

func newPoliciesCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "policies",
		Aliases: []string{"policy"},
		Short:   "Show and set the lifecycle gates of each risk tier",
		Long: `A policy says, for models of one risk tier (high, medium, low, or none for
unclassified models), which stages and aliases are gated and by what: an
approved model card, a validation sign-off, metric thresholds on the
version's source run, a number of approvals, and whether approvers must be
independent of the requester and the version's authors. Until a policy is
stored the built-in default applies (shown with default: true).`,
		Example: `  steward policies list
  steward policies set high --stages production --aliases champion \
      --require-card --require-validation --threshold "auc >= 0.80" \
      --approvers 2 --independent`,
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "Show every tier's policy",
		Long: `Show the gate policy of every risk tier: what it guards and which gates
apply. A tier with no stored policy shows its built-in default.`,
		Example: `  steward policies list
  steward policies list -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			ps, err := c.Policies(cmd.Context())
			if err != nil {
				return err
			}
			return g.emit(cmd, map[string]any{"policies": ps}, func(w io.Writer) {
				fmt.Fprintln(w, "TIER\tGUARDS\tCARD\tVALIDATION\tTHRESHOLDS\tAPPROVERS\tINDEPENDENT\tSOURCE")
				for _, p := range ps {
					tier := p.RiskTier
					if tier == "" {
						tier = "none"
					}
					guards := append(append([]string{}, p.Stages...), prefixed("@", p.Aliases)...)
					var ts []string
					for _, t := range p.MetricThresholds {
						ts = append(ts, fmt.Sprintf("%s%s%g", t.Metric, t.Op, t.Value))
					}
					src := "stored"
					if p.Default {
						src = "default"
					}
					fmt.Fprintf(w, "%s\t%s\t%v\t%v\t%s\t%d\t%v\t%s\n", tier, orDash(strings.Join(guards, ",")), p.RequireApprovedCard, p.RequireValidation,
						orDash(clean(strings.Join(ts, ","))), p.Approvers, p.IndependentApprovers, src)
				}
			})
		},
	}
	var (
		p          client.Policy
		thresholds []string
	)
	set := &cobra.Command{
		Use:   "set TIER",
		Short: "Store a tier's policy (replaces it whole)",
		Long: `Store the gate policy of a risk tier (high, medium, low, or none for
unclassified models). The policy given replaces the stored one whole: flags
not given are off. Needs the workspace.manage permission.`,
		Example: `  steward policies set high --stages production --aliases champion \
      --require-card --require-validation --threshold "auc >= 0.80" --approvers 2 --independent
  steward policies set none --stages production --approvers 1`,
		Args: exactArgs("TIER"),
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, s := range thresholds {
				t, err := governance.ParseThreshold(s)
				if err != nil {
					return usageError{err}
				}
				p.MetricThresholds = append(p.MetricThresholds, client.Threshold{Metric: t.Metric, Op: t.Op, Value: t.Value})
			}
			c, err := g.client()
			if err != nil {
				return err
			}
			out, err := c.SetPolicy(cmd.Context(), args[0], p)
			if err != nil {
				return err
			}
			return g.emit(cmd, out, func(w io.Writer) {
				fmt.Fprintf(w, "Policy for %s-risk models stored (revision %d).\n", args[0], out.Revision)
			})
		},
	}
	f := set.Flags()
	f.StringSliceVar(&p.Stages, "stages", nil, "stages to gate, comma-separated (e.g. production,staging)")
	f.StringSliceVar(&p.Aliases, "aliases", nil, "aliases to gate (e.g. champion)")
	f.BoolVar(&p.RequireApprovedCard, "require-card", false, "require an approved model card")
	f.BoolVar(&p.RequireValidation, "require-validation", false, "require a validation sign-off for the version's artifacts with no open high findings")
	f.StringArrayVar(&thresholds, "threshold", nil, `metric threshold on the source run, e.g. "auc >= 0.80" (repeatable)`)
	f.IntVar(&p.Approvers, "approvers", 0, "approvals needed (0 = no approval request)")
	f.BoolVar(&p.IndependentApprovers, "independent", false, "approvers must differ from the requester and the version's authors")
	cmd.AddCommand(list, set)
	return cmd
}

func prefixed(p string, ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = p + s
	}
	return out
}
