package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/publica/publica/landimport"
	"github.com/publica/publica/rollimport"
	"github.com/publica/publica/x/ballot"
)

// ballotToolsCmd groups the election officials' tools that are more than
// one transaction (the transactions themselves are under tx ballot).
func ballotToolsCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "ballot", Short: "Election tools: import a voter roll from a list"}
	addNodeFlag(cmd)
	addPassphraseFlag(cmd)
	roll := &cobra.Command{Use: "roll", Short: "An election's voter roll"}
	roll.AddCommand(ballotRollImportCmd())
	cmd.AddCommand(roll)
	return cmd
}

func ballotRollImportCmd() *cobra.Command {
	var (
		election, from, reportFile, progress string
		o                                    rollimport.Options
		timeout                              time.Duration
	)
	cmd := &cobra.Command{
		Use:   "import FILE --election ID --from OFFICIAL",
		Short: "Put every voter of a CSV list on an election's roll, in batches",
		Long: `Put every voter of FILE on the roll of a roll election, with
ballot/register-voters transactions of up to ` + fmt.Sprint(ballot.MaxRollChange) + ` voters signed by --from (the
election's official), several waiting for their block at once.

FILE is a CSV with one voter a row: an account id (40 hexadecimal digits)
or did:publica:<account id>. A first row that names no voter is a header;
its "account", "voter", "did" or "account_id" column holds the voters
(else the first column). A line that is not an account or repeats an
earlier voter is refused and reported with its line number; the others are
imported. Voters already on the roll are counted, not refused, so an
interrupted import can simply be run again. A batch the chain refuses (the
roll is final, the signer is not the official) is reported line by line
and ends the import.

Progress goes to standard error (--progress), the report to standard
output; --report also writes it as JSON.`,
		Example: `  publica ballot roll import roll.csv --election city-2026 --from election-official
  publica ballot roll import national.csv --election ref-2027 --from election-official --report roll-report.json --progress lines`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			entries, refused, err := rollimport.ReadCSV(f)
			f.Close()
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			if !ballot.ValidElectionID(election) {
				return fmt.Errorf("--election %q is not an election id (lowercase letters, digits, dashes)", election)
			}
			ks, err := openKeys(cmd)
			if err != nil {
				return err
			}
			key, _, err := loadKey(ks, newPassphraseSource(cmd), from)
			if err != nil {
				return err
			}
			c, addr, err := connect(cmd)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			p := newProgressPrinter(cmd.ErrOrStderr(), progress, "voters")
			o.Progress = func(s rollimport.Progress) {
				p.show(landimport.Progress{Features: s.Entries, Registered: s.Added, Skipped: s.Already, Refused: s.Refused, Elapsed: s.Elapsed})
			}
			rep, runErr := rollimport.Run(ctx, c, key, election, entries, refused, o)
			p.done()
			if rep != nil {
				printRollReport(cmd.OutOrStdout(), args[0], rep)
				if reportFile != "" {
					b, _ := json.MarshalIndent(rep, "", "  ")
					if err := os.WriteFile(reportFile, append(b, '\n'), 0o644); err != nil {
						return err
					}
				}
			}
			if runErr != nil {
				return nodeErr(addr, runErr)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&election, "election", "", "the roll election's id")
	cmd.MarkFlagRequired("election")
	cmd.Flags().StringVar(&from, "from", "", "key name of the election's official, who signs the transactions")
	cmd.MarkFlagRequired("from")
	cmd.Flags().StringVar(&reportFile, "report", "", "also write the report as JSON to this file")
	cmd.Flags().IntVar(&o.Batch, "batch", ballot.MaxRollChange, fmt.Sprintf("most voters per transaction (1..%d)", ballot.MaxRollChange))
	cmd.Flags().IntVar(&o.InFlight, "in-flight", 16, "transactions waiting for their block at once")
	cmd.Flags().StringVar(&progress, "progress", "auto", "progress display: bar, lines, none, or auto (a bar on a terminal, else lines)")
	cmd.Flags().DurationVar(&timeout, "timeout", time.Hour, "give up after this long")
	return cmd
}

func printRollReport(w io.Writer, file string, r *rollimport.Report) {
	rate := 0.0
	if r.Seconds > 0 {
		rate = float64(r.Added+r.Already) / r.Seconds
	}
	fmt.Fprintf(w, "%s: roll of %s: %d voters added, %d already on the roll, %d lines refused; %d transactions in %d blocks, %.1f s (%.0f voters/s)\n",
		file, r.Election, r.Added, r.Already, r.Refused, r.Transactions, r.Blocks, r.Seconds, rate)
	if r.NotSent > 0 {
		fmt.Fprintf(w, "  %d voters not sent: run the import again once the cause is fixed\n", r.NotSent)
	}
	for _, l := range r.Lines {
		fmt.Fprintf(w, "  refused line %d %s: %s\n", l.Line, l.Text, l.Reason)
	}
}
