package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/publica/publica/node"
	"github.com/publica/publica/testnet"
)

func testnetCmd() *cobra.Command {
	var opts testnet.Options
	cmd := &cobra.Command{
		Use:   "testnet",
		Short: "Create a local multi-validator network (one home per validator)",
		Long: fmt.Sprintf(`Create DIR/node0 .. DIR/node{N-1}: each a full node home with its own
validator and node keys, all sharing one genesis (the development app state,
every validator with equal power) and dialling each other as persistent peers.

Node i listens on 127.0.0.1: p2p BASE+%[1]d*i, RPC BASE+%[1]d*i+1, and its portal
should use BASE+%[1]d*i+2; DIR/%[2]s lists them. The demo keys are written to
DIR/node0/keys. Run the nodes with scripts/localnet.sh.

--full-nodes N adds DIR/full0 .. DIR/full{N-1} after the validators: read
replicas with the same genesis, not in its validator set, dialling every
validator; they follow the chain and serve queries, proofs and the portal.`, testnet.PortStride, testnet.PortsFile),
		Example: "  publica testnet --validators 4 --output .localnet",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tn, err := testnet.Generate(opts)
			if err != nil {
				return err
			}
			if err := storeDemoKeys(tn.Nodes[0].Home); err != nil {
				return fmt.Errorf("demo keys: %w", err)
			}
			out := cmd.OutOrStdout()
			full := ""
			if opts.FullNodes > 0 {
				full = fmt.Sprintf(" and %d full nodes", opts.FullNodes)
			}
			fmt.Fprintf(out, "created %d-validator network%s %s in %s\n", opts.Validators, full, tn.ChainID, tn.Dir)
			for _, n := range tn.Nodes {
				role := "validator"
				if !n.Validator {
					role = "full node"
				}
				fmt.Fprintf(out, "  %-6s %-9s home %s  rpc %s  p2p %s  portal %s  id %s\n",
					n.Name, role, n.Home, n.RPCAddr(), n.P2PAddr(), n.PortalAddr(), n.ID)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&opts.Validators, "validators", 4, fmt.Sprintf("number of validators (1..%d)", testnet.MaxValidators))
	f.IntVar(&opts.FullNodes, "full-nodes", 0, fmt.Sprintf("number of full nodes (read replicas, not validating; 0..%d)", testnet.MaxFullNodes))
	f.StringVar(&opts.Output, "output", "", "directory for the node homes (required)")
	f.StringVar(&opts.ChainID, "chain-id", testnet.DefaultChainID, "chain id")
	f.IntVar(&opts.BasePort, "base-port", testnet.DefaultBasePort, "first port; node i uses base+10*i .. base+10*i+2")
	f.DurationVar(&opts.BlockInterval, "block-interval", testnet.DefaultBlockInterval, "pause between blocks (CometBFT timeout_commit)")
	f.DurationVar(&opts.EmptyBlockInterval, "empty-block-interval", node.DefaultEmptyBlockInterval,
		"blocks are made for transactions, and an empty one after this long without any (negative: a block every --block-interval)")
	_ = cmd.MarkFlagRequired("output")
	return cmd
}
