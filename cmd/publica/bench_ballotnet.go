package main

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/publica/publica/bench"
)

// withBallotNetBench adds the election-on-a-network run to publica bench:
// with --ballot-net it runs only that.
func withBallotNetBench(cmd *cobra.Command) *cobra.Command {
	var on bool
	var opts bench.BallotNetOptions
	run := cmd.RunE
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if !on {
			return run(cmd, args)
		}
		opts.Log = cmd.ErrOrStderr()
		_, err := bench.BallotNet(cmd.OutOrStdout(), opts)
		return err
	}
	f := cmd.Flags()
	f.BoolVar(&on, "ballot-net", false, "run only the election on a local network: --ballot-net-validators validator processes on loopback, a --ballot-net-roll roll imported through them, the key ceremony, then --ballot-net-ballots encrypted ballots (made beforehand) flooded over RPC to every validator; reports ballots committed a second, CPU per ballot and peak RSS per validator, block interval and commit latency p50/p99; after the close two trustees tally over the network and the independent verifier checks the result over RPC (proven) and offline; reports state and blocks on disk and projects them, the tally and the verifier to 10 million voters (docs/performance.md; goal 1,000 a second on four validators)")
	f.IntVar(&opts.Validators, "ballot-net-validators", 4, "validators of the election network, each its own process")
	f.IntVar(&opts.Ballots, "ballot-net-ballots", 60_000, "voters who cast a ballot (accounts at genesis), flooded at once")
	f.IntVar(&opts.Roll, "ballot-net-roll", 1_000_000, "voters on the election's roll, imported through the network (at least the ballots)")
	f.IntVar(&opts.Workers, "ballot-net-workers", 64, "concurrent broadcast_tx_sync requests, spread over the validators")
	f.DurationVar(&opts.BlockInterval, "ballot-net-block-interval", time.Second, "the validators' pause between blocks (timeout_commit)")
	f.Int64Var(&opts.P2PRate, "ballot-net-p2p-rate", 20_000_000, "each validator's p2p send and receive rate, bytes a second (CometBFT's default 5 MB/s carries about 1,000 ballots a second)")
	f.Int64Var(&opts.MaxBlockBytes, "ballot-net-max-block-bytes", 4<<20, "the chain's largest block in bytes (genesis; 4 MiB is about 1,000 ballots)")
	f.DurationVar(&opts.CloseAfter, "ballot-net-close-after", 0, "how long after its creation the election closes; it must outlast the roll import, the encryption and the flood, and the run waits for it before the tally (0: 90s + 1ms a voter on the roll + 20ms a ballot)")
	f.StringVar(&opts.CPUProfile, "ballot-net-cpuprofile", "", "write node0's CPU profile of --ballot-net-profile-seconds in the middle of the flood to this file (go tool pprof)")
	f.IntVar(&opts.ProfileSeconds, "ballot-net-profile-seconds", 20, "length of node0's CPU profile")
	return cmd
}
