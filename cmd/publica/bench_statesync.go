package main

import (
	"fmt"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/publica/publica/bench"
)

// withStateSyncBench adds the state sync join run to publica bench:
// with --statesync-parcels it runs only that.
func withStateSyncBench(cmd *cobra.Command) *cobra.Command {
	var sizes []int
	var opts bench.StateSyncOptions
	run := cmd.RunE
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		sizes = slices.DeleteFunc(sizes, func(n int) bool { return n <= 0 })
		if len(sizes) == 0 {
			return run(cmd, args)
		}
		var rows []*bench.StateSyncResult
		for _, n := range sizes {
			opts.Parcels = n
			r, err := bench.StateSync(cmd.OutOrStdout(), opts)
			if err != nil {
				return fmt.Errorf("state sync at %d parcels: %w", n, err)
			}
			rows = append(rows, r)
		}
		bench.PrintStateSync(cmd.OutOrStdout(), rows)
		return nil
	}
	cmd.Flags().IntSliceVar(&sizes, "statesync-parcels", nil, "run only the state sync join: for each size (e.g. 100000,1000000) a validator whose state holds that many parcels, titles and owners' accounts writes a snapshot and a new node joins from it by state sync; times the snapshot, the restore, the first block after it and a proven read (docs/network.md)")
	cmd.Flags().StringVar(&opts.Dir, "statesync-dir", "", "where the state sync run's two homes are made (default the system's temporary directory; 1M parcels need about 5 GB)")
	cmd.Flags().DurationVar(&opts.DiscoveryTime, "statesync-discovery", 5*time.Second, "the joining node's snapshot discovery time (CometBFT's least is 5 s)")
	cmd.Flags().Int64Var(&opts.Rate, "statesync-p2p-rate", 0, "both nodes' p2p send_rate and recv_rate in bytes a second (0: as publica init writes, CometBFT's 5120000)")
	cmd.Flags().StringVar(&opts.CPUProfile, "statesync-cpuprofile", "", "write the joining node's CPU profile, from the snapshot's offer to the first block after it, to this path + .0, .1, … (3-second windows; go tool pprof -top PATH.*)")
	return cmd
}
