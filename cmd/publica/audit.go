package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/signal"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/publica/publica/audit"
)

func init() { extraCommands = append(extraCommands, auditCmd) }

func auditCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Auditor tools: verify the chain stored in a home",
	}
	cmd.AddCommand(auditReplayCmd(), auditElectionCmd())
	return cmd
}

func auditReplayCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "replay",
		Short: "Re-execute every stored block from genesis and check every hash and signature",
		Long: `Re-execute every block stored in HOME from genesis into a fresh temporary
state and check, block by block: the transactions against the header's data
hash, the block hash against the chain, the commit signatures of +2/3 of the
validators, and the app hash and results hash after execution against the
next header (the stored consensus state for the last block).

The node must be stopped. The report is also written to
HOME/data/audit-replay.json. Exit status is non-zero on any difference.`,
		Example: "  publica audit replay --home ./devnet\n  publica audit replay --home ./devnet --json",
		Args:    cobra.NoArgs,
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
			r, err := audit.Replay(ctx, home, progress)
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
	return cmd
}
