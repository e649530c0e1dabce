package bench

import (
	"os"
	"strconv"
	"testing"
)

// TestBallotBenchFigures prints the full figures when PUBLICA_BALLOT_BENCH
// is set to a ballot count (e.g. 100000).
func TestBallotBenchFigures(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("PUBLICA_BALLOT_BENCH"))
	if n == 0 {
		t.Skip("set PUBLICA_BALLOT_BENCH=N")
	}
	if _, err := Ballot(os.Stdout, BallotOptions{Ballots: n, PerBlock: 1000}); err != nil {
		t.Fatal(err)
	}
}
