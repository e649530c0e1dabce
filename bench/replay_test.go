package bench

import (
	"io"
	"testing"
)

// TestReplaySmall builds two tiny homes and replays them: the bench's
// plumbing works (the figures are made by `publica bench --replay-*`).
func TestReplaySmall(t *testing.T) {
	res, err := Replay(io.Discard, ReplayOptions{EmptyBlocks: 20, Transfers: 30, PerBlock: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || res[0].Blocks != 20 || res[1].Blocks != 3 || res[1].Transactions != 30 {
		t.Fatalf("results %+v", res)
	}
}
