package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/steward-registry/steward/client"
)

func newDeploymentsCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "deployments",
		Aliases: []string{"deployment", "deploy"},
		Short:   "Record where versions run, and roll Production back",
		Long: `A deployment records where a model version runs: an environment
(production, staging, ...), an endpoint, the percent of live traffic it
gets, and its role: champion (the version answering), challenger, canary
(a share of traffic on trial) or shadow (sees copies, answers no one).

One environment and endpoint has at most one live champion: recording a new
one ends the old one. Live traffic there may not exceed 100 percent.

"rollback" returns Production to the version that held it before the
current one, in one step: stages, the champion alias and the champion
deployment all move together, and the history keeps why.`,
		Example: `  steward deployments create fraud-detector 3 --environment production --endpoint https://serve/fraud
  steward deployments create fraud-detector 4 --role canary --traffic 10 --endpoint https://serve/fraud
  steward deployments list fraud-detector --live
  steward deployments rollback fraud-detector --reason "v4 false positives up 30%"`,
	}
	cmd.AddCommand(newDeploymentsListCmd(g), newDeploymentsGetCmd(g), newDeploymentsCreateCmd(g), newDeploymentsEndCmd(g), newDeploymentsRollbackCmd(g))
	return cmd
}

func deploymentRows(w io.Writer, ds []*client.ModelDeployment) {
	row(w, "ID", "VERSION", "ENVIRONMENT", "ENDPOINT", "ROLE", "TRAFFIC", "STARTED", "ENDED", "BY")
	for _, d := range ds {
		ended := "live"
		if d.EndedAt != nil {
			ended = when(*d.EndedAt)
		}
		row(w, d.ID, d.Version, d.Environment, orDash(d.Endpoint), d.Role, fmt.Sprintf("%g%%", d.Traffic), when(d.StartedAt), ended, orDash(d.CreatedBy))
	}
}

func (g *globals) emitDeployment(cmd *cobra.Command, d *client.ModelDeployment) error {
	return g.emit(cmd, d, func(w io.Writer) {
		row(w, "ID:", d.ID)
		row(w, "Model:", d.ModelName)
		row(w, "Version:", d.Version)
		row(w, "Environment:", d.Environment)
		row(w, "Endpoint:", orDash(d.Endpoint))
		row(w, "Role:", d.Role)
		row(w, "Traffic:", fmt.Sprintf("%g%%", d.Traffic))
		row(w, "Started:", when(d.StartedAt)+" by "+orDash(d.CreatedBy))
		if d.EndedAt != nil {
			row(w, "Ended:", when(*d.EndedAt)+": "+d.EndReason)
		} else {
			row(w, "Ended:", "- (live)")
		}
	})
}

func newDeploymentsListCmd(g *globals) *cobra.Command {
	var env string
	var live bool
	cmd := &cobra.Command{
		Use:     "list MODEL",
		Aliases: []string{"ls"},
		Short:   "List a model's deployments, newest first",
		Long: `List where MODEL's versions run and ran, newest first: environment,
endpoint, role, traffic, when each started and ended ("live" while it
runs). --environment keeps one environment, --live only running ones.`,
		Example: `  steward deployments list fraud-detector
  steward deployments list fraud-detector --environment production --live
  steward deployments list fraud-detector -o json | jq '.deployments[] | select(.role=="champion")'`,
		Args: exactArgs("MODEL"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			ds, err := c.ListDeployments(cmd.Context(), args[0], env, live)
			if err != nil {
				return err
			}
			return g.emit(cmd, map[string]any{"deployments": ds}, func(w io.Writer) { deploymentRows(w, ds) })
		},
	}
	cmd.Flags().StringVar(&env, "environment", "", "only this environment")
	cmd.Flags().BoolVar(&live, "live", false, "only deployments that have not ended")
	return cmd
}

func newDeploymentsGetCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "get MODEL ID",
		Short: "Show one deployment",
		Long: `Show one deployment of MODEL by its ID (from "deployments list"): the
version, where it runs, its role and traffic, and how it ended.`,
		Example: `  steward deployments get fraud-detector 9f2c1e...`,
		Args:    exactArgs("MODEL", "ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			d, err := c.GetDeployment(cmd.Context(), args[0], args[1])
			if err != nil {
				return err
			}
			return g.emitDeployment(cmd, d)
		},
	}
}

func newDeploymentsCreateCmd(g *globals) *cobra.Command {
	var in client.ModelDeploymentCreate
	var traffic float64
	cmd := &cobra.Command{
		Use:   "create MODEL VERSION",
		Short: "Record that a version runs in an environment",
		Long: `Record that VERSION (a number or an alias) of MODEL runs in --environment
at --endpoint with --role and --traffic (percent of live requests).

A new champion ends the live champion of the same environment and endpoint.
--traffic defaults to 100 for a champion and 0 for a shadow, and is
required for a challenger or canary. Retired versions cannot be deployed.`,
		Example: `  steward deployments create fraud-detector 3 --endpoint https://serve/fraud
  steward deployments create fraud-detector champion --environment staging
  steward deployments create fraud-detector 4 --role canary --traffic 10 --endpoint https://serve/fraud`,
		Args: exactArgs("MODEL", "VERSION"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			if in.Version, err = resolveVersion(cmd.Context(), c, args[0], args[1]); err != nil {
				return err
			}
			if cmd.Flags().Changed("traffic") {
				in.Traffic = &traffic
			}
			d, err := c.CreateDeployment(cmd.Context(), args[0], in)
			if err != nil {
				return err
			}
			return g.emitDeployment(cmd, d)
		},
	}
	f := cmd.Flags()
	f.StringVar(&in.Environment, "environment", "production", "environment (lowercase letters, digits, '-' or '_')")
	f.StringVar(&in.Endpoint, "endpoint", "", "where it answers, e.g. a URL")
	f.StringVar(&in.Role, "role", "champion", "champion, challenger, shadow or canary")
	f.Float64Var(&traffic, "traffic", 0, "percent of live requests (0-100)")
	return cmd
}

func newDeploymentsEndCmd(g *globals) *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:   "end MODEL ID --reason TEXT",
		Short: "End a live deployment",
		Long: `End a live deployment of MODEL with a reason (required), kept with the
deployment and in the audit log. Ending one twice is refused.`,
		Example: `  steward deployments end fraud-detector 9f2c1e... --reason "moved to the new cluster"`,
		Args:    exactArgs("MODEL", "ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			d, err := c.EndDeployment(cmd.Context(), args[0], args[1], reason)
			if err != nil {
				return err
			}
			return g.emitDeployment(cmd, d)
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why it ends (required)")
	return cmd
}

func newDeploymentsRollbackCmd(g *globals) *cobra.Command {
	var env, reason string
	cmd := &cobra.Command{
		Use:   "rollback MODEL --reason TEXT",
		Short: "Return Production to the previous version in one step",
		Long: `Return MODEL's Production to the version that held it before the current
one, in one transaction:

  - the previous version moves to Production, standing on the approval its
    earlier promotion had (the gates still check its artifacts' digest);
  - the current version moves to Archived;
  - the "champion" alias follows if it pointed at the current version;
  - the live champion deployments of the current version in --environment
    end, and deployments of the previous version start on the same
    endpoints with the same traffic.

Retired and deleted versions are passed over. Running it again undoes it.
The history records every move with "rollback: <reason>".`,
		Example: `  steward deployments rollback fraud-detector --reason "v4 false positives up 30%"
  steward deployments rollback fraud-detector --environment eu-production --reason "latency"`,
		Args: exactArgs("MODEL"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			res, err := c.Rollback(cmd.Context(), args[0], env, reason)
			if err != nil {
				return err
			}
			return g.emit(cmd, res, func(w io.Writer) {
				fmt.Fprintf(w, "%s: Production is version %d again; version %d is Archived.\n", clean(res.Model), res.To, res.From)
				if res.ApprovalID != "" {
					fmt.Fprintf(w, "Reused approval %s of version %d.\n", clean(res.ApprovalID), res.To)
				}
				if len(res.AliasesMoved) > 0 {
					fmt.Fprintf(w, "Moved @%s to version %d.\n", clean(strings.Join(res.AliasesMoved, ", @")), res.To)
				}
				for i, d := range res.DeploymentsEnded {
					fmt.Fprintf(w, "Deployment %s (version %d, %s %s) ended; %s serves version %d with %g%%.\n",
						d.ID, d.Version, clean(d.Environment), clean(orDash(d.Endpoint)), res.DeploymentsStarted[i].ID, res.To, res.DeploymentsStarted[i].Traffic)
				}
				if len(res.DeploymentsEnded) == 0 {
					fmt.Fprintf(w, "No live champion deployment of version %d in %s to swap.\n", res.From, clean(res.Environment))
				}
			})
		},
	}
	cmd.Flags().StringVar(&env, "environment", "production", "environment whose champion deployment is swapped")
	cmd.Flags().StringVar(&reason, "reason", "", "why (required; kept in the history)")
	return cmd
}
