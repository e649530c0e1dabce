package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"

	"github.com/cometbft/cometbft/types"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/publica/publica/audit"
	"github.com/publica/publica/client"
)

func auditCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Auditor tools: verify the chain stored in a home",
	}
	cmd.AddCommand(auditReplayCmd(), auditElectionCmd(), auditBallotCmd())
	return cmd
}

func auditReplayCmd() *cobra.Command {
	var asJSON bool
	var rpcAddr, genesisFile string
	cmd := &cobra.Command{
		Use:   "replay",
		Short: "Re-execute every stored block from genesis and check every hash and signature",
		Long: `Re-execute every block stored in HOME from genesis into a fresh temporary
state and check, block by block: the transactions against the header's data
hash, the block hash against the chain, the commit signatures of +2/3 of the
validators, and the app hash and results hash after execution against the
next header (the stored consensus state for the last block).

The node must be stopped. The report is also written to
HOME/data/audit-replay.json. Exit status is non-zero on any difference.

With --rpc the node keeps running: the blocks are read over its RPC, up to
its latest height - 1, and the header of the latest block must carry valid
signatures too. The node is trusted for its genesis unless --genesis names
the published one; every block is checked against the signed chain of
headers from that genesis. The report is printed, not written to HOME.`,
		Example: "  publica audit replay --home ./devnet\n  publica audit replay --home ./devnet --json\n" +
			"  publica audit replay --rpc tcp://127.0.0.1:26657 --genesis ./genesis.json",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			home := homeFlag(cmd)
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
			defer stop()
			var progress func(done, total int64)
			var bar *audit.ProgressBar
			if term.IsTerminal(int(os.Stderr.Fd())) {
				bar = audit.NewProgressBar(os.Stderr)
				progress = bar.Update
			}
			var r *audit.Report
			var err error
			if rpcAddr != "" {
				r, err = replayOverRPC(ctx, rpcAddr, genesisFile, progress)
			} else {
				if genesisFile != "" {
					return fmt.Errorf("--genesis goes with --rpc: an offline replay uses HOME's genesis")
				}
				r, err = audit.Replay(ctx, home, progress)
			}
			if bar != nil {
				bar.Done()
			}
			if r == nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				b, jerr := json.MarshalIndent(r, "", "  ")
				if jerr != nil {
					return jerr
				}
				fmt.Fprintln(out, string(b))
			}
			if err != nil {
				// The mismatch message is the "replay FAILED at height H: ..." line.
				return err
			}
			if !asJSON {
				fmt.Fprintln(out, r.Summary())
				if r.Note != "" {
					fmt.Fprintln(out, "note:", r.Note)
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	cmd.Flags().StringVar(&rpcAddr, "rpc", "", "replay a running node over its RPC (tcp://host:port) instead of HOME's stores")
	cmd.Flags().StringVar(&genesisFile, "genesis", "", "with --rpc: the genesis.json the chain must start from (default: the node's own)")
	return cmd
}

// replayOverRPC replays the node at addr (audit.ReplayRPC).
func replayOverRPC(ctx context.Context, addr, genesisFile string, progress func(done, total int64)) (*audit.Report, error) {
	c, err := client.New(addr)
	if err != nil {
		return nil, fmt.Errorf("--rpc %s: %w", addr, err)
	}
	opts := audit.RPCOptions{Progress: progress}
	if genesisFile != "" {
		if opts.Genesis, err = types.GenesisDocFromFile(genesisFile); err != nil {
			return nil, fmt.Errorf("--genesis: %w", err)
		}
	}
	r, err := audit.ReplayRPC(ctx, c.RPC, opts)
	if r == nil && err != nil {
		return nil, fmt.Errorf("replay over %s: %w", addr, err)
	}
	return r, err
}
