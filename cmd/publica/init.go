package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
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
		join          bool
		joinGenesis   string
		joinPeers     string
		joinHash      string
	)
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Create a single-validator node home (config, keys, genesis)",
		Long: `Create a node home with one validator.

With --dev the genesis is the development genesis: publicly known demo keys
for an authority set (2 of 3), a clerk, a registrar, an election official,
three trustees, an auditor and three citizens, written to HOME/keys.
Otherwise pass --app-state FILE with the genesis app_state JSON.

With --join the home joins an existing network as a full node (it follows
the chain and serves reads and the portal, but does not validate): it gets
its own node keys, the network's --genesis file (checked against
--genesis-hash when given) and the --peers to dial. The authority can later
make it a validator (publica show-validator, tx governance set-validator).`,
		Example: "  publica init --dev --home ./devnet\n  publica init --join --genesis genesis.json --peers ID@agency1.example:26656 --home ./replica",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			home := homeFlag(cmd)
			if join {
				if dev || demo || appStateFile != "" || chainID != "" {
					return fmt.Errorf("--join takes the network's --genesis: it cannot be combined with --dev, --demo, --app-state or --chain-id")
				}
				return initJoin(cmd, home, joinGenesis, joinHash, joinPeers, node.InitOptions{
					BlockInterval: blockInterval, EmptyBlockInterval: emptyBlocks,
					RPCAddr: rpcAddr, P2PAddr: p2pAddr, MetricsAddr: metricsAddr,
				})
			}
			if joinGenesis != "" || joinPeers != "" || joinHash != "" {
				return fmt.Errorf("--genesis, --peers and --genesis-hash go with --join")
			}
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
	cmd.Flags().BoolVar(&join, "join", false, "join an existing network as a full node (with --genesis and --peers)")
	cmd.Flags().StringVar(&joinGenesis, "genesis", "", "with --join: the network's genesis.json")
	cmd.Flags().StringVar(&joinPeers, "peers", "", "with --join: the nodes to dial, NODE_ID@HOST:PORT,...")
	cmd.Flags().StringVar(&joinHash, "genesis-hash", "", "with --join: the network's genesis hash; refuse a file that differs")
	return cmd
}

// initJoin makes a full-node home for an existing network.
func initJoin(cmd *cobra.Command, home, genesisFile, hash, peers string, opts node.InitOptions) error {
	if genesisFile == "" {
		return fmt.Errorf("--join needs the network's --genesis FILE")
	}
	if peers == "" {
		return fmt.Errorf("--join needs --peers NODE_ID@HOST:PORT,... (the network's nodes to dial)")
	}
	b, err := os.ReadFile(genesisFile)
	if err != nil {
		return err
	}
	if hash != "" && !strings.EqualFold(hash, node.GenesisHash(b)) {
		return fmt.Errorf("genesis hash mismatch: %s has %s, expected %s: nothing written", genesisFile, node.GenesisHash(b), hash)
	}
	if err := genesis.Check(b); err != nil {
		return fmt.Errorf("%s: %w", genesisFile, err)
	}
	if err := node.CheckPeers(peers); err != nil {
		return err
	}
	if node.Exists(home) {
		return fmt.Errorf("%s already holds a node (config/genesis.json exists)", home)
	}
	if _, _, err := node.InitKeys(home, opts); err != nil {
		return err
	}
	doc, err := node.InstallGenesis(home, b, peers)
	if err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "initialised %s as a full node of chain %s (genesis %s), dialling %s\n",
		home, doc.ChainID, node.GenesisHash(b), peers)
	return nil
}
