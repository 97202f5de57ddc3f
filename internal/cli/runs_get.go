package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

func newRunsGetCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "get RUN_ID",
		Short: "Show one run with its parameters and latest metrics",
		Long: `Show a run's status, times, experiment, parameters, tags and the latest
value of each metric. Use -o json for the complete object.`,
		Example: `  steward runs get 4f1c2a9e
  steward runs get 4f1c2a9e -o json | jq .params`,
		Args: exactArgs("RUN_ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			r, err := c.GetRun(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return g.emit(cmd, r, func(w io.Writer) {
				row(w, "ID:", r.ID)
				row(w, "Name:", orDash(r.Name))
				row(w, "Experiment:", r.ExperimentID)
				row(w, "Status:", r.Status)
				row(w, "User:", orDash(r.UserID))
				row(w, "Started:", when(r.StartTime))
				if r.EndTime != nil {
					row(w, "Ended:", when(*r.EndTime))
				}
				row(w, "Lifecycle:", r.LifecycleStage)
				row(w, "Artifact URI:", orDash(r.ArtifactURI))
				row(w, "Params:", kv(r.Params))
				row(w, "Tags:", kv(r.Tags))
				metrics := make(map[string]string, len(r.Metrics))
				for _, m := range r.Metrics {
					metrics[m.Key] = fmt.Sprintf("%g (step %d)", float64(m.Value), m.Step)
				}
				row(w, "Metrics:", kv(metrics))
			})
		},
	}
}
