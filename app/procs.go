package app

import (
	"os"
	"runtime"
)

// faultingProcs is how many processors (Ps) the Go scheduler is given
// while blocks are read ahead, when it has fewer.
//
// A goroutine that touches a page of the mapped state that is not in
// memory takes a page fault, and its thread keeps its processor while the
// disk answers (a fault is not a system call, so the scheduler does not
// hand the processor on). With as many processors as cores, two such
// faults on a two-core node stop every goroutine: the block's execution,
// the read-ahead workers that would put more reads in flight, the
// signature checks. With more processors than cores, the runtime runs
// other goroutines on other threads while some wait on the disk, and the
// kernel shares the cores among the threads that can run.
//
// Measured at 10M parcels in an 8 GiB control group on two cores (passes
// of 5,000–10,000 transfers, docs/state.md "Processors for a state larger
// than memory"): 2 processors 492–664 transfers/s, 4: 758–969, 8:
// 691–1,166, 16: 1,153–1,333, 32: 1,356–1,361, 64: 1,067–1,298.
const faultingProcs = 16

// fitProcs raises the scheduler's processors to faultingProcs while
// blocks are read ahead (the state does not fit in memory) and gives the
// runtime its default back when they are not. A GOMAXPROCS set in the
// environment is the operator's and is left alone. Changing it stops the
// world for a moment, so it changes only when the decision does.
func (a *App) fitProcs(readingAhead bool) {
	if os.Getenv("GOMAXPROCS") != "" {
		return
	}
	switch {
	case readingAhead && !a.procsRaised:
		if runtime.GOMAXPROCS(0) < faultingProcs {
			runtime.GOMAXPROCS(faultingProcs)
			a.procsRaised = true
		}
	case !readingAhead && a.procsRaised:
		runtime.SetDefaultGOMAXPROCS()
		a.procsRaised = false
	}
}
