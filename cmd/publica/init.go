package main

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/publica/publica/genesis"
	"github.com/publica/publica/node"
)

func initCmd() *cobra.Command {
	var (
		chainID       string
		dev, demo     bool
		appStateFile  string
		blockInterval time.Duration
		emptyBlocks   time.Duration
		metricsAddr   string
		rpcAddr       string
		p2pAddr       string
	)
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Create a single-validator node home (config, keys, genesis)",
		Long: `Create a node home with one validator.

With --dev the genesis is the development genesis: publicly known demo keys
for an authority set (2 of 3), a clerk, a registrar, an election official,
three trustees, an auditor and three citizens, written to HOME/keys.
Otherwise pass --app-state FILE with the genesis app_state JSON.`,
		Example: "  publica init --dev --home ./devnet",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			home := homeFlag(cmd)
			var appState json.RawMessage
			switch {
			case dev:
				appState = genesis.DevAppState()
				if chainID == "" {
					chainID = genesis.DevChainID
				}
			case appStateFile != "":
				b, err := os.ReadFile(appStateFile)
				if err != nil {
					return err
				}
				if !json.Valid(b) {
					return fmt.Errorf("%s is not valid JSON", appStateFile)
				}
				appState = b
			default:
				return fmt.Errorf("pass --dev for the development genesis or --app-state FILE")
			}
			if chainID == "" {
				return fmt.Errorf("--chain-id is required without --dev")
			}
			if demo && !dev {
				return fmt.Errorf("--demo seeds the development chain: add --dev")
			}
			if dev && !cmd.Flags().Changed("empty-block-interval") {
				// A development chain is watched, not archived: a short
				// heartbeat lets election windows and offers visibly pass.
				emptyBlocks = node.DevEmptyBlockInterval
			}
			err := node.Init(home, node.InitOptions{
				ChainID: chainID, AppState: appState, BlockInterval: blockInterval,
				RPCAddr: rpcAddr, P2PAddr: p2pAddr,
				EmptyBlockInterval: emptyBlocks, MetricsAddr: metricsAddr,
			})
			if err != nil {
				return err
			}
			if dev {
				if err := storeDemoKeys(home); err != nil {
					return err
				}
			}
			if demo {
				if err := storeDemoParties(home); err != nil {
					return err
				}
				if err := markDemo(home); err != nil {
					return err
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "initialised %s (chain %s)\n", home, chainID)
			return nil
		},
	}
	cmd.Flags().StringVar(&chainID, "chain-id", "", "chain id (default publica-dev with --dev)")
	cmd.Flags().BoolVar(&dev, "dev", false, "use the development genesis with demo keys")
	cmd.Flags().BoolVar(&demo, "demo", false, "with --dev: the next start seeds a demo town (parcels, titles, credentials, elections) through signed transactions")
	cmd.Flags().StringVar(&appStateFile, "app-state", "", "genesis app_state JSON file")
	cmd.Flags().DurationVar(&blockInterval, "block-interval", time.Second, "pause between blocks (CometBFT timeout_commit)")
	cmd.Flags().DurationVar(&emptyBlocks, "empty-block-interval", node.DefaultEmptyBlockInterval,
		"blocks are made for transactions, and an empty one after this long without any (default 5s with --dev; negative: a block every --block-interval)")
	cmd.Flags().StringVar(&metricsAddr, "metrics", node.DefaultMetricsAddr, "Prometheus metrics listen address (off: none)")
	cmd.Flags().StringVar(&rpcAddr, "rpc", "tcp://127.0.0.1:26657", "CometBFT RPC listen address")
	cmd.Flags().StringVar(&p2pAddr, "p2p", "tcp://127.0.0.1:26656", "CometBFT P2P listen address")
	return cmd
}
