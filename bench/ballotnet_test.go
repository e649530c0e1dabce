package bench

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestBallotNetBrief runs the election-on-a-network bench at a small
// size: four validator processes (this test binary as
// TestCeilingNodeProcess), a roll of 2,000 imported through them, and 300
// ballots flooded to all four. Every ballot must be committed, counted
// in the aggregate and measured on every validator; after the close two
// trustees tally over the network, the result must be the choices cast,
// and the independent verifier must pass over RPC and offline.
func TestBallotNetBrief(t *testing.T) {
	if os.Getenv(ceilingNodeEnv) != "" {
		t.Skip("node process")
	}
	if testing.Short() {
		t.Skip("starts four validator processes")
	}
	var out strings.Builder
	r, err := BallotNet(&out, BallotNetOptions{Validators: 4, Ballots: 300, Roll: 2_000, Workers: 16, BlockInterval: 200 * time.Millisecond, CloseAfter: 75 * time.Second,
		CPUProfile: t.TempDir() + "/cpu", ProfileSeconds: 1, Log: &out,
		Node: func(home string) *exec.Cmd {
			cmd := exec.Command(os.Args[0], "-test.run=^TestCeilingNodeProcess$")
			cmd.Env = append(os.Environ(), ceilingNodeEnv+"="+home)
			return cmd
		}})
	t.Log(out.String())
	if err != nil {
		t.Fatal(err)
	}
	f := r.Flood
	if f.Txs != 300 || f.TxPerSec <= 0 || f.Failed != 0 || f.P99 < f.P50 || r.Counted != 300 {
		t.Errorf("flood %+v, counted %d", f, r.Counted)
	}
	if len(r.CPUPerBallot) != 4 || len(r.PeakRSS) != 4 || r.BlockP50 <= 0 || r.BlockP99 < r.BlockP50 {
		t.Errorf("per-validator figures: CPU %v, RSS %v, blocks p50 %s p99 %s", r.CPUPerBallot, r.PeakRSS, r.BlockP50, r.BlockP99)
	}
	if r.ABCI["finalize_block"] <= 0 || r.ABCI["check_tx"] <= 0 {
		t.Errorf("node0's ABCI times per ballot: %v", r.ABCI)
	}
	for i, c := range r.CPUPerBallot {
		if c <= 0 {
			t.Errorf("validator %d used no CPU", i)
		}
	}
	// 300 voters: yes unless a multiple of 3 (100 no), 100 each for Ann, Ben, Cy.
	if want := [][]uint64{{200, 100}, {100, 100, 100}}; fmt.Sprint(r.Result) != fmt.Sprint(want) {
		t.Errorf("result %v, cast %v", r.Result, want)
	}
	if r.Verified != 300 || r.VerifyRPC <= 0 || r.VerifyOffline <= 0 || r.TallyElapsed <= r.TallyTrustees || r.TallyTrustees <= 0 {
		t.Errorf("verified %d; verifier %s over RPC, %s offline; tally %s (trustees %s)", r.Verified, r.VerifyRPC, r.VerifyOffline, r.TallyElapsed, r.TallyTrustees)
	}
	z, p := r.Size, r.Projection
	if z.State <= 0 || z.Chain <= z.ChainBeforeFlood || z.RollLogical < 2_000*40 || z.BallotLogical < 300*1_000 || z.Logical < z.RollLogical+z.BallotLogical {
		t.Errorf("sizes %+v", z)
	}
	if p.Voters != 10_000_000 || p.State <= 0 || p.Chain <= 0 || p.VerifyOffline < r.VerifyOffline*10_000 || p.DLog <= 0 || p.Tally <= r.TallyElapsed {
		t.Errorf("projection %+v", p)
	}
	if !strings.Contains(out.String(), "ballots/s") || !strings.Contains(out.String(), "10000000 voters") {
		t.Errorf("no figures:\n%s", out.String())
	}
}
