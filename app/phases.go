package app

import "time"

// BlockPhase is a step of FinalizeBlock, for measurements: where a block's
// time and disk reads go when the state does not fit in memory.
type BlockPhase int

const (
	// PhaseExecute: the transactions run one after another (read ahead
	// beside them when the state is larger than memory).
	PhaseExecute BlockPhase = iota
	// PhaseEndBlock: the read-ahead stops and the modules' end of block runs.
	PhaseEndBlock
	// PhaseReadAheadWrites: the paths the block's writes will change are
	// read ahead (readAheadWrites).
	PhaseReadAheadWrites
	// PhaseWrite: the block's writes reach the trees.
	PhaseWrite
	// PhaseHash: the trees are rehashed for the app hash.
	PhaseHash
	// PhaseDone: FinalizeBlock returns.
	PhaseDone
)

// PhaseNames names the phases in order, for tables.
var PhaseNames = [...]string{"execute", "end block", "read ahead writes", "write", "hash"}

// OnBlockPhase makes f hear FinalizeBlock reach each phase, on the
// goroutine that runs it (nil stops it). Only benchmarks use it: f's
// timing never reaches an outcome.
func (a *App) OnBlockPhase(f func(BlockPhase)) { a.phase = f }

// PrecheckWaited is how long, while OnBlockPhase is set, blocks waited
// for their transactions' stateless checks (signatures).
func (a *App) PrecheckWaited() time.Duration { return a.precheckWaited }

func (a *App) waitPrecheck(pre *prechecked, i int) precheckResult {
	if a.phase == nil {
		return pre.wait(i)
	}
	start := time.Now()
	r := pre.wait(i)
	a.precheckWaited += time.Since(start)
	return r
}

func (a *App) reach(p BlockPhase) {
	if a.phase != nil {
		a.phase(p)
	}
}
