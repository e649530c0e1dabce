package node

import (
	"errors"
	"fmt"
	"sync"
	"time"

	cfg "github.com/cometbft/cometbft/config"
)

// Health reports why this node should not be trusted to serve current
// data, or nil when it is healthy: a fault was reported (a failed store
// write, a consensus failure), the node is catching up with the network,
// or consensus has not produced a block for Options.StallAfter.
func (n *Node) Health() error {
	if !n.Comet.IsRunning() {
		return errors.New("the node is stopped")
	}
	catchingUp := n.Comet.ConsensusReactor().WaitSync()
	return n.health.check(time.Now(), n.Comet.BlockStore().Height(), catchingUp)
}

// ReportFault marks the node unhealthy until it restarts, with err as the
// reason: for faults the node cannot recover from by itself, such as a
// failed write to the state store. The first fault is kept.
func (n *Node) ReportFault(err error) { n.health.fault(err) }

// Faulted is closed when the first fault is reported (see ReportFault;
// CometBFT's consensus failure is one): the node will make no more blocks
// until it is restarted.
func (n *Node) Faulted() <-chan struct{} { return n.health.faulted }

// StallAfter is how long the node may go without a new block before
// Health calls consensus stalled.
func (n *Node) StallAfter() time.Duration { return n.health.stallAfter }

// DefaultStallAfter is three times the longest expected pause between
// blocks (the empty-block interval when blocks wait for transactions,
// otherwise the block interval) plus one proposal timeout, and at least
// 5 s. It is 0, which turns stall detection off, when blocks are made
// only for transactions: then a quiet chain is not a stalled one.
func DefaultStallAfter(c *cfg.ConsensusConfig) time.Duration {
	interval := c.TimeoutCommit
	if c.WaitForTxs() {
		if c.CreateEmptyBlocksInterval <= 0 {
			return 0
		}
		interval = max(interval, c.CreateEmptyBlocksInterval)
	}
	return max(3*interval+c.TimeoutPropose, 5*time.Second)
}

// healthState follows the node's progress: the latest block height and
// when it last changed, and the first fault reported.
type healthState struct {
	stallAfter time.Duration

	mu      sync.Mutex
	height  int64
	changed time.Time
	err     error
	faulted chan struct{} // closed with the first err

	stop chan struct{}
	done chan struct{}
}

func newHealthState(stallAfter time.Duration, now time.Time) *healthState {
	return &healthState{stallAfter: stallAfter, changed: now, faulted: make(chan struct{})}
}

// observe records the latest height seen at now.
func (h *healthState) observe(now time.Time, height int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if height != h.height {
		h.height, h.changed = height, now
	}
}

func (h *healthState) fault(err error) {
	if err == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.err == nil {
		h.err = err
		close(h.faulted)
	}
}

func (h *healthState) check(now time.Time, height int64, catchingUp bool) error {
	h.observe(now, height)
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case h.err != nil:
		return h.err
	case catchingUp:
		return fmt.Errorf("catching up with the network (at height %d)", height)
	case h.stallAfter > 0 && now.Sub(h.changed) > h.stallAfter:
		return fmt.Errorf("consensus stalled: no new block for %s (height %d; one is expected at least every %s)",
			now.Sub(h.changed).Round(time.Second), height, h.stallAfter.Round(time.Second))
	}
	return nil
}

// watch observes height() every tick until stopWatching, so a stall is
// measured from the last new block even if Health is rarely asked.
func (h *healthState) watch(tick time.Duration, height func() int64) {
	h.stop, h.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(h.done)
		t := time.NewTicker(tick)
		defer t.Stop()
		for {
			select {
			case <-h.stop:
				return
			case now := <-t.C:
				h.observe(now, height())
			}
		}
	}()
}

func (h *healthState) stopWatching() {
	if h.stop != nil {
		close(h.stop)
		<-h.done
		h.stop = nil
	}
}

// errConsensusHalted is the fault recorded when CometBFT's consensus
// stops on an unexpected error (it logs "CONSENSUS FAILURE!!!" and stays
// up with its height frozen, as with a full disk).
var errConsensusHalted = errors.New("consensus halted")
