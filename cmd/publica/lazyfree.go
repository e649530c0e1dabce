package main

import (
	"os"
	"runtime"
	"strings"
	"syscall"
)

// The Go runtime returns the heap's freed pages to the kernel with
// MADV_DONTNEED by default on Linux, so the next allocation there takes a
// page fault for each page. Under a hypervisor that traps page table
// changes, at ten million parcels in 8 GiB, that was some ten faults a
// transfer and about a tenth of the rate: with MADV_FREE
// (GODEBUG=madvdontneed=0) a page the kernel has not yet taken back is
// reused without a fault, and the kernel takes such pages first when
// memory runs short. The runtime reads the setting only at start, so
// publica starts itself again with it (docs/state.md, session 27). An
// operator's own GODEBUG setting of it is kept.

// lazyFreeEnv returns env with madvdontneed=0 added to GODEBUG, or nil
// when GODEBUG already sets madvdontneed.
func lazyFreeEnv(env []string) []string {
	out := make([]string, 0, len(env)+1)
	found := false
	for _, kv := range env {
		value, ok := strings.CutPrefix(kv, "GODEBUG=")
		if !ok {
			out = append(out, kv)
			continue
		}
		for _, setting := range strings.Split(value, ",") {
			if strings.HasPrefix(strings.TrimSpace(setting), "madvdontneed=") {
				return nil
			}
		}
		found = true
		if value == "" {
			out = append(out, "GODEBUG=madvdontneed=0")
		} else {
			out = append(out, "GODEBUG="+value+",madvdontneed=0")
		}
	}
	if !found {
		out = append(out, "GODEBUG=madvdontneed=0")
	}
	return out
}

// restartWithLazyFree starts this program again with lazyFreeEnv, on
// Linux; where that is not possible it returns and the program runs as it
// is.
func restartWithLazyFree() {
	if runtime.GOOS != "linux" {
		return
	}
	env := lazyFreeEnv(os.Environ())
	if env == nil {
		return
	}
	exe, err := os.Executable()
	if err != nil {
		return
	}
	_ = syscall.Exec(exe, os.Args, env) // returns only on failure
}
