package node

import (
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	cfg "github.com/cometbft/cometbft/config"
	cmtlog "github.com/cometbft/cometbft/libs/log"
)

func TestHealthReasons(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	h := newHealthState(10*time.Second, t0)
	if err := h.check(t0.Add(time.Second), 5, false); err != nil {
		t.Fatalf("fresh node: %v", err)
	}
	if err := h.check(t0.Add(9*time.Second), 5, false); err != nil {
		t.Errorf("8 s without a block, limit 10 s: %v", err)
	}
	err := h.check(t0.Add(12*time.Second), 5, false)
	if err == nil || !strings.Contains(err.Error(), "consensus stalled: no new block for 11s") {
		t.Errorf("11 s without a block: %v", err)
	}
	if err := h.check(t0.Add(13*time.Second), 6, false); err != nil {
		t.Errorf("after a new block: %v", err)
	}
	if err := h.check(t0.Add(14*time.Second), 6, true); err == nil || !strings.Contains(err.Error(), "catching up") {
		t.Errorf("catching up: %v", err)
	}
	select {
	case <-h.faulted:
		t.Fatal("faulted before any fault")
	default:
	}
	h.fault(errors.New("store write: no space left on device"))
	h.fault(errors.New("a later fault"))
	<-h.faulted
	if err := h.check(t0.Add(15*time.Second), 7, false); err == nil || err.Error() != "store write: no space left on device" {
		t.Errorf("after a store fault: %v", err)
	}

	off := newHealthState(0, t0)
	if err := off.check(t0.Add(time.Hour), 1, false); err != nil {
		t.Errorf("stall detection off: %v", err)
	}
}

func TestDefaultStallAfter(t *testing.T) {
	c := cfg.DefaultConsensusConfig() // 1 s blocks, 3 s propose timeout
	c.TimeoutCommit = time.Second
	if got := DefaultStallAfter(c); got != 6*time.Second {
		t.Errorf("empty blocks every second: %s", got)
	}
	c.CreateEmptyBlocks, c.CreateEmptyBlocksInterval = false, 30*time.Second
	if got := DefaultStallAfter(c); got != 93*time.Second {
		t.Errorf("empty block every 30 s: %s", got)
	}
	c.CreateEmptyBlocksInterval = 0
	if got := DefaultStallAfter(c); got != 0 {
		t.Errorf("no empty blocks: %s, want off", got)
	}
}

// CometBFT's consensus failure (as on a full disk) becomes a fault.
func TestConsensusFailureIsAFault(t *testing.T) {
	h := newHealthState(time.Hour, time.Now())
	var l cmtlog.Logger = watchLogger{next: cmtlog.NewNopLogger(), fault: h.fault}
	l = l.With("module", "consensus")
	l.Error("CONSENSUS FAILURE!!!", "err", "write data/state.db/000123.log: no space left on device", "stack", "...")
	err := h.check(time.Now(), 3, false)
	if !errors.Is(err, errConsensusHalted) || !strings.Contains(err.Error(), "no space left on device") {
		t.Errorf("health after a consensus failure: %v", err)
	}
}

// Only the errors a clean stop causes are logged at info level.
func TestStopNoiseDowngraded(t *testing.T) {
	var buf strings.Builder
	l := watchLogger{next: cmtlog.NewTMLogger(&buf), fault: func(error) {}}
	l.Error("Error serving server", "err", &net.OpError{Op: "accept", Net: "tcp", Err: net.ErrClosed})
	l.Error("Stopped accept routine, as transport is closed", "numPeers", 0)
	l.Error("Error serving server", "err", errors.New("tls: bad certificate"))
	l.Error("Failed to start", "err", net.ErrClosed)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	want := []string{"I[", "I[", "E[", "E["}
	if len(lines) != len(want) {
		t.Fatalf("logged:\n%s", buf.String())
	}
	for i, line := range lines {
		if !strings.HasPrefix(line, want[i]) {
			t.Errorf("line %d: %s, want level %s", i, line, want[i])
		}
	}
}
