package app

import (
	"os"
	"runtime"
	"testing"
)

// Reading ahead raises the scheduler's processors to faultingProcs, and
// stopping gives the runtime's default back; a GOMAXPROCS in the
// environment is never overridden.
func TestProcsFollowReadAhead(t *testing.T) {
	if os.Getenv("GOMAXPROCS") != "" {
		t.Skip("GOMAXPROCS is set in the environment")
	}
	runtime.SetDefaultGOMAXPROCS()
	def := runtime.GOMAXPROCS(0)
	defer runtime.SetDefaultGOMAXPROCS()
	a := &App{}
	a.fitProcs(true)
	if got := runtime.GOMAXPROCS(0); got != max(def, faultingProcs) {
		t.Fatalf("reading ahead: %d processors, want %d", got, max(def, faultingProcs))
	}
	a.fitProcs(true)
	if got := runtime.GOMAXPROCS(0); got != max(def, faultingProcs) {
		t.Fatalf("still reading ahead: %d processors", got)
	}
	a.fitProcs(false)
	if got := runtime.GOMAXPROCS(0); got != def {
		t.Fatalf("no longer reading ahead: %d processors, want the default %d", got, def)
	}

	t.Setenv("GOMAXPROCS", "3")
	runtime.GOMAXPROCS(3)
	a.fitProcs(true)
	if got := runtime.GOMAXPROCS(0); got != 3 {
		t.Fatalf("with GOMAXPROCS=3 in the environment: %d processors", got)
	}
}
