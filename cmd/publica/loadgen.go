package main

import (
	"github.com/spf13/cobra"

	"github.com/publica/publica/bench"
)

// loadgenCmd is the second process of "publica bench"'s portal run: it
// sends the requests described by bench.LoadgenEnv and prints the
// latencies as JSON.
func loadgenCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "loadgen",
		Short:  "Portal load generator for publica bench (internal)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return bench.LoadgenMain(cmd.OutOrStdout())
		},
	}
}
