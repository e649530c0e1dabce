package main

import (
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/publica/publica/app"
	"github.com/publica/publica/bench"
	"github.com/publica/publica/store"
)

func benchCmd() *cobra.Command {
	var opts bench.ChainOptions
	var landOpts bench.LandOptions
	var ballotOpts bench.BallotOptions
	var idOpts bench.IdentityOptions
	var portalOpts bench.PortalOptions
	var importOpts bench.ImportOptions
	var replayOpts bench.ReplayOptions
	var growthOpts bench.GrowthOptions
	var cpuProfile string
	var ceiling, writesAheadRing, readsAheadRing bool
	var ringDrivers int
	var ceilingOpts bench.CeilingOptions
	var roll bool
	var rollOpts bench.RollOptions
	var abuse, abuseCompare bool
	var diskReads bench.DiskReadsOptions
	var abuseOpts bench.AbuseOptions
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure transaction throughput through FinalizeBlock+Commit against the bare ed25519 verify rate",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			store.SetWritesAheadThroughRing(writesAheadRing)
			store.SetReadsAheadThroughRing(readsAheadRing)
			app.SetRingAheadDrivers(ringDrivers)
			if ceiling {
				_, err := bench.Ceiling(cmd.OutOrStdout(), ceilingOpts)
				return err
			}
			if diskReads.Dir != "" {
				_, err := bench.DiskReads(cmd.OutOrStdout(), diskReads)
				return err
			}
			if roll {
				_, err := bench.RollImport(cmd.OutOrStdout(), rollOpts)
				return err
			}
			if abuse {
				return runAbuse(cmd, abuseOpts, abuseCompare)
			}
			if _, err := bench.Chain(cmd.OutOrStdout(), opts); err != nil {
				return err
			}
			if landOpts.Parcels > 0 {
				landOpts.PerBlock = opts.TxsPerBlock
				for _, one := range []bool{false, true} {
					landOpts.OneTransaction = one
					if one && cpuProfile != "" {
						f, err := os.Create(cpuProfile)
						if err != nil {
							return err
						}
						defer f.Close()
						landOpts.CPUProfile = f
					}
					if _, err := bench.Land(cmd.OutOrStdout(), landOpts); err != nil {
						return err
					}
				}
			}
			growthOpts.Sizes = slices.DeleteFunc(growthOpts.Sizes, func(n int) bool { return n <= 0 })
			if len(growthOpts.Sizes) > 0 {
				growthOpts.PerBlock = opts.TxsPerBlock
				if _, err := bench.LandGrowth(cmd.OutOrStdout(), growthOpts); err != nil {
					return err
				}
			}
			if importOpts.Parcels > 0 {
				if _, err := bench.LandImport(cmd.OutOrStdout(), importOpts); err != nil {
					return err
				}
			}
			if idOpts.Duration > 0 {
				if _, err := bench.Identity(cmd.OutOrStdout(), idOpts); err != nil {
					return err
				}
			}
			if ballotOpts.Ballots > 0 {
				ballotOpts.PerBlock = opts.TxsPerBlock
				if _, err := bench.Ballot(cmd.OutOrStdout(), ballotOpts); err != nil {
					return err
				}
			}
			if replayOpts.EmptyBlocks > 0 || replayOpts.Transfers > 0 {
				if _, err := bench.Replay(cmd.OutOrStdout(), replayOpts); err != nil {
					return err
				}
			}
			if portalOpts.Duration > 0 {
				portalOpts.Loadgen = []string{"loadgen"}
				if _, err := bench.Portal(cmd.OutOrStdout(), portalOpts); err != nil {
					return err
				}
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&opts.Blocks, "blocks", 20, "timed blocks per transaction kind")
	cmd.Flags().IntVar(&opts.TxsPerBlock, "txs-per-block", 1000, "transactions per block")
	cmd.Flags().IntVar(&landOpts.Parcels, "land-parcels", 100_000, "parcels in state for the land transfer run (0 skips it)")
	cmd.Flags().IntVar(&landOpts.Transfers, "land-transfers", 20_000, "complete land transfers timed, once as offer+accept+register and once as one land/transfer transaction")
	cmd.Flags().IntSliceVar(&growthOpts.Sizes, "land-growth", []int{100_000, 1_000_000}, "register sizes (parcels, each with a title and an owner account) for the land growth table, e.g. 100000,1000000,10000000 (0 skips it)")
	cmd.Flags().StringVar(&growthOpts.CPUProfile, "land-growth-cpuprofile", "", "write CPU profiles of each growth size's loading and timed blocks to this path + .<size>.load and .<size>.run")
	cmd.Flags().IntVar(&growthOpts.ReadAheadWorkers, "land-growth-read-ahead-workers", app.DefaultReadAheadWorkers, "reads in flight when a block is read ahead (the disk's queue depth)")
	cmd.Flags().IntVar(&growthOpts.MappedLevels, "land-growth-mapped-levels", 0, "levels from the root that the read-ahead walks read through the memory map, not with pread (0: memiavl's default)")
	cmd.Flags().IntVar(&growthOpts.UpperBranches, "land-growth-upper-branches", 0, "about how many branches of each large snapshot are held in memory (0: memiavl's default, about two million)")
	cmd.Flags().StringVar(&growthOpts.HeapProfile, "land-growth-heapprofile", "", "write the heap's profile at the end of each timed pass of the growth table to this path + .<size>.run[.<pass>-<mode>] (go tool pprof)")
	cmd.Flags().IntVar(&growthOpts.Transfers, "land-growth-transfers", 20_000, "land/transfer transactions timed at each size of the growth table")
	cmd.Flags().StringSliceVar(&growthOpts.ReadAhead, "land-growth-read-ahead", []string{"auto"}, "timed passes at each size, each selling titles of its own with this read-ahead mode of blocks (auto, on, off), e.g. off,on,off")
	cmd.Flags().StringVar(&growthOpts.Keep, "land-growth-keep", "", "keep the growth register in this directory between runs (one size): the first run builds it, later runs reuse it and sell titles of their own, so a large register is built once and timed later")
	cmd.Flags().Var(&layersFlag{&growthOpts.Layers}, "land-growth-layers", "the store's snapshot layer policy for the growth table's timed passes, e.g. max=16,fraction=0.15,merge=0.5,merge-at=4 (default the store's: "+formatLayers(store.DefaultLayerPolicy)+")")
	cmd.Flags().BoolVar(&readsAheadRing, "reads-ahead-ring", true, "run a block's transactions ahead as coroutines, their keys walked together through io_uring where the kernel allows it (false: sixteen goroutines, each key walked one system call a page)")
	cmd.Flags().IntVar(&ringDrivers, "reads-ahead-ring-drivers", app.DefaultRingAheadDrivers, "goroutines that run a block's transactions ahead through rings, each its share")
	cmd.Flags().BoolVar(&writesAheadRing, "writes-ahead-ring", true, "read a block's writes ahead through io_uring where the kernel allows it (false: one goroutine a key, as before)")
	cmd.Flags().Var(&rewritesFlag{&growthOpts.Rewrites}, "land-growth-rewrites", "when the store rewrites its snapshot during the growth table's timed passes, e.g. min=20,fraction=0.1,log-mib=256 to hold rewrites off longer (fields left out take the store's: "+formatRewrites(store.DefaultSnapshotPolicy)+")")
	cmd.Flags().BoolVar(&growthOpts.Stats, "land-growth-stats", false, "after the timed passes, print the state's records and bytes by key prefix and its disk by kind of file")
	cmd.Flags().StringVar(&growthOpts.Dir, "land-growth-dir", "", "where the growth table's registers are built (default the system's temporary directory; 10M parcels need about 50 GB)")
	cmd.Flags().IntVar(&importOpts.Parcels, "import-parcels", 100_000, "parcels imported end to end (publica land import's code) through a running node (0 skips it)")
	cmd.Flags().DurationVar(&importOpts.BlockInterval, "import-block-interval", time.Second, "the import node's pause between blocks")
	cmd.Flags().IntVar(&importOpts.Batch, "import-batch", 0, "parcels per import transaction (default the most a batch may hold)")
	cmd.Flags().IntVar(&importOpts.InFlight, "import-in-flight", 8, "import transactions waiting for their block at once")
	cmd.Flags().BoolVar(&importOpts.Titles, "import-titles", true, "after the parcels, import a title for each of them from a generated CSV (publica land import --titles)")
	cmd.Flags().Int64Var(&importOpts.GridCell, "import-grid-cell", 10_000, "the import registry's spatial index cell side in centimetres (the development genesis has 100000: 1 km)")
	cmd.Flags().IntVar(&idOpts.Credentials, "credentials", 200, "distinct credentials issued and presented in the credential verification run")
	cmd.Flags().DurationVar(&idOpts.Duration, "credential-duration", 2*time.Second, "length of each timed credential verification loop (0 skips it)")
	cmd.Flags().IntVar(&ballotOpts.Ballots, "ballots", 100_000, "voters in the election run: cast throughput, tally and full verification (0 skips it)")
	cmd.Flags().DurationVar(&portalOpts.Duration, "portal-seconds", 10*time.Second, "length of each portal load phase (title page, parcel page, parcel search) at 1,000 requests/s from a second process (0 skips it)")
	cmd.Flags().IntVar(&replayOpts.EmptyBlocks, "replay-blocks", 20_000, "empty blocks in the stopped home timed by audit replay (0 skips it)")
	cmd.Flags().IntVar(&replayOpts.Transfers, "replay-transfers", 20_000, "land/transfer transactions in the stopped home timed by audit replay (0 skips it)")
	cmd.Flags().IntVar(&replayOpts.PerBlock, "replay-txs-per-block", 500, "land/transfer transactions per block of that home")
	cmd.Flags().IntVar(&replayOpts.Runs, "replay-runs", 2, "replays of each home")
	cmd.Flags().StringVar(&replayOpts.CPUProfile, "replay-cpuprofile", "", "write a CPU profile of the first replay of each home to this path + .empty and .land (go tool pprof)")
	cmd.Flags().StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the timed land/transfer blocks to this file (go tool pprof)")
	cmd.Flags().StringVar(&diskReads.Dir, "disk-reads", "", "run only the disk read figure: 64-byte reads at random places in the files under this directory (a node's state), as the block read-ahead makes them, at --disk-reads-depths reads in flight; reads/s and CPU a read (drop the page cache first for cold reads)")
	cmd.Flags().IntSliceVar(&diskReads.Depths, "disk-reads-depths", []int{1, 16, 64}, "reads in flight, one run each")
	cmd.Flags().DurationVar(&diskReads.Duration, "disk-reads-seconds", 5*time.Second, "length of each run")
	cmd.Flags().BoolVar(&abuse, "abuse", false, "run only the abuse figure: one attacker floods a node at full speed from many accounts without a role (and registers fresh ones, paying the proof of work) while a clerk sends transactions one after another; reports the blocks each clerk transaction waits, p50 and p99 (docs/operations.md)")
	cmd.Flags().IntVar(&abuseOpts.Accounts, "abuse-accounts", 400, "the attacker's accounts at the start")
	cmd.Flags().IntVar(&abuseOpts.Workers, "abuse-workers", 8, "the attacker's concurrent senders")
	cmd.Flags().IntVar(&abuseOpts.ClerkTxs, "abuse-clerk-txs", 50, "the clerk's transactions timed")
	cmd.Flags().DurationVar(&abuseOpts.BlockInterval, "abuse-block-interval", time.Second, "the node's pause between blocks (longer: the same flood against a slower chain, as a larger attacker against this one)")
	cmd.Flags().BoolVar(&abuseCompare, "abuse-compare", true, "also run the same flood on a node without an admission policy (--no-admission-limits), for comparison")
	cmd.Flags().BoolVar(&ceiling, "ceiling", false, "run only the consensus ceiling: the same RPC flood into a publica node and into CometBFT's kvstore (go install'ed once into the user cache), committed tx/s side by side")
	cmd.Flags().BoolVar(&roll, "roll", false, "run only the voter roll import: --roll-entries voters from a CSV put on an election's roll through a running node, as publica ballot roll import does (goal: 1,000,000 in at most 5 minutes)")
	cmd.Flags().IntVar(&rollOpts.Entries, "roll-entries", 1_000_000, "voters in the roll import's CSV")
	cmd.Flags().IntVar(&rollOpts.InFlight, "roll-in-flight", 16, "roll import transactions waiting for their block at once")
	cmd.Flags().IntVar(&rollOpts.Batch, "roll-batch", 0, "voters per roll import transaction (default the most a message may hold)")
	cmd.Flags().DurationVar(&rollOpts.BlockInterval, "roll-block-interval", time.Second, "the roll import node's pause between blocks")
	cmd.Flags().IntVar(&ceilingOpts.Txs, "ceiling-txs", 20_000, "pre-signed transactions flooded into each node")
	cmd.Flags().IntVar(&ceilingOpts.Rounds, "ceiling-rounds", 3, "runs of each node, back to back; medians are reported")
	cmd.Flags().StringVar(&ceilingOpts.CPUProfile, "ceiling-cpuprofile", "", "write each node's CPU profile of the first round's flood to this path + .publica and .kvstore (go tool pprof)")
	return cmd
}

// runAbuse runs the abuse figure with the default admission policy and,
// with compare, without any.
func runAbuse(cmd *cobra.Command, opts bench.AbuseOptions, compare bool) error {
	out := cmd.OutOrStdout()
	opts.Log = cmd.ErrOrStderr()
	var runs []bench.AbuseRun
	policies := []*app.Admission{nil}
	if compare {
		policies = append(policies, &app.Admission{})
	}
	for _, p := range policies {
		opts.Admission = p
		r, err := bench.RunAbuse(opts)
		if err != nil {
			return err
		}
		runs = append(runs, r)
	}
	fmt.Fprintf(out, "abuse: %d attacker accounts, %d senders, %d clerk transactions, blocks every %s; default policy: %+v\n",
		opts.Accounts, opts.Workers, opts.ClerkTxs, opts.BlockInterval, app.DefaultAdmission)
	for _, r := range runs {
		r.Print(out)
	}
	return nil
}
