package main

import (
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func TestLazyFreeEnv(t *testing.T) {
	cases := []struct {
		env  []string
		want []string // nil: left as it is
	}{
		{[]string{"HOME=/h"}, []string{"HOME=/h", "GODEBUG=madvdontneed=0"}},
		{[]string{"GODEBUG=", "A=1"}, []string{"GODEBUG=madvdontneed=0", "A=1"}},
		{[]string{"GODEBUG=gctrace=1"}, []string{"GODEBUG=gctrace=1,madvdontneed=0"}},
		{[]string{"GODEBUG=gctrace=1,madvdontneed=1"}, nil},
		{[]string{"GODEBUG=madvdontneed=0"}, nil},
	}
	for _, c := range cases {
		if got := lazyFreeEnv(c.env); !slices.Equal(got, c.want) || (got == nil) != (c.want == nil) {
			t.Errorf("lazyFreeEnv(%q) = %q, want %q", c.env, got, c.want)
		}
	}
}

// TestRestartWithLazyFree: the program starts again with madvdontneed=0
// (run here as the test binary, through TestMain), and an operator's own
// choice stands.
func TestRestartWithLazyFree(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("Linux only")
	}
	for _, c := range []struct{ given, want string }{
		{"", "madvdontneed=0"},
		{"gctrace=0", "gctrace=0,madvdontneed=0"},
		{"madvdontneed=1", "madvdontneed=1"},
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "PUBLICA_TEST_LAZYFREE=1", "GODEBUG="+c.given)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		if got := strings.TrimSpace(string(out)); got != "GODEBUG="+c.want {
			t.Errorf("GODEBUG=%s: the program ran with %q, want GODEBUG=%s", c.given, got, c.want)
		}
	}
}
