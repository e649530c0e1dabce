package main

import (
	"github.com/spf13/cobra"

	"github.com/publica/publica/bench"
)

func init() { extraCommands = append(extraCommands, benchCmd) }

func benchCmd() *cobra.Command {
	var opts bench.ChainOptions
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure transaction throughput through FinalizeBlock+Commit against the bare ed25519 verify rate",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := bench.Chain(cmd.OutOrStdout(), opts)
			return err
		},
	}
	cmd.Flags().IntVar(&opts.Blocks, "blocks", 20, "timed blocks per transaction kind")
	cmd.Flags().IntVar(&opts.TxsPerBlock, "txs-per-block", 1000, "transactions per block")
	return cmd
}
