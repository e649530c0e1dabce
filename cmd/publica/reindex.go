package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/publica/publica/node"
)

func reindexCmd() *cobra.Command {
	var from, to int64
	cmd := &cobra.Command{
		Use:   "reindex",
		Short: "Rebuild the transaction index of a stopped node from its block store",
		Long: `Index the transactions and block events of heights --from..--to again,
from the blocks and the results the application returned for them, as the
node did when it made them. Use it when /tx or tx_search miss transactions
that are in blocks. The node must be stopped.

publica start already checks the last ` + fmt.Sprint(node.IndexCheckDepth) + ` heights at start-up and
re-indexes any whose entries are missing (a crash can lose the last ones).`,
		Example: "  publica reindex --home ./devnet --from 120 --to 130",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if from < 0 || to < 0 {
				return fmt.Errorf("heights must be positive (0 means the first or last)")
			}
			first, last, err := node.Reindex(homeFlag(cmd), from, to)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "re-indexed heights %d..%d\n", first, last)
			return nil
		},
	}
	cmd.Flags().Int64Var(&from, "from", 0, "first height (0: the first the node holds)")
	cmd.Flags().Int64Var(&to, "to", 0, "last height (0: the last the node executed)")
	return cmd
}
