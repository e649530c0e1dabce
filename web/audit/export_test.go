package audit

import "time"

// SetReplayBlockDelay slows every block of a portal replay down, so a
// test can watch a short chain's replay in progress; it returns the undo.
func SetReplayBlockDelay(d time.Duration) func() {
	old := replayBlockDelay.Swap(int64(d))
	return func() { replayBlockDelay.Store(old) }
}
