package bench

import (
	"io"
	"testing"
)

func TestBallotBenchSmall(t *testing.T) {
	r, err := Ballot(io.Discard, BallotOptions{Ballots: 300, PerBlock: 100})
	if err != nil {
		t.Fatal(err)
	}
	if r.Ballots != 300 || r.BallotsPerSec <= 0 || r.VerifierPerSec <= 0 {
		t.Fatalf("%+v", r)
	}
}
