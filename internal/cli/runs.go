package cli

import (
	"github.com/spf13/cobra"
)

func newRunsCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "runs",
		Aliases: []string{"run"},
		Short:   "Inspect tracking runs (training and evaluation jobs)",
		Long: `A run records one training or evaluation job: its parameters, metrics and
tags, grouped under an experiment. Runs are usually written by MLflow
clients through Steward's MLflow-compatible API; a model version's run id
links it to the run that produced it.`,
		Example: `  steward runs list --experiment 0
  steward runs get 4f1c2a9e
  steward runs capture-env 4f1c2a9e --dir .
  steward runs link-dataset 4f1c2a9e transactions@3 --context training`,
	}
	cmd.AddCommand(newRunsListCmd(g), newRunsGetCmd(g), newRunsEnvCmd(g), newRunsCaptureEnvCmd(g), newRunsLinkDatasetCmd(g))
	return cmd
}
