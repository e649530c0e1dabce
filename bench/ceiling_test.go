package bench

import (
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/publica/publica/app"
	"github.com/publica/publica/node"
	"github.com/publica/publica/store"
)

// ceilingNodeEnv names the home TestCeilingNodeProcess runs a node in.
const ceilingNodeEnv = "PUBLICA_BENCH_CEILING_NODE"

// TestCeilingNodeProcess is the node process of TestCeilingBrief (this
// test binary started again); it is skipped otherwise.
func TestCeilingNodeProcess(t *testing.T) {
	home := os.Getenv(ceilingNodeEnv)
	if home == "" {
		t.Skip("only the node process of TestCeilingBrief")
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
	// As publica start --no-admission-limits: the ceiling floods
	// registrations without proof of work.
	n, err := node.Start(home, node.Options{Store: store.DefaultOptions(), Admission: &app.Admission{}})
	if err != nil {
		t.Fatal(err)
	}
	<-sig
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}
}

// TestCeilingBrief floods a Publica node in its own process with a few
// hundred registrations: every one must be committed and measured.
func TestCeilingBrief(t *testing.T) {
	if os.Getenv(ceilingNodeEnv) != "" {
		t.Skip("node process")
	}
	var out strings.Builder
	r, err := Ceiling(&out, CeilingOptions{Txs: 300, Workers: 8, Rounds: 1, BlockInterval: 100 * time.Millisecond, SkipKVStore: true,
		PublicaNode: func(home string) *exec.Cmd {
			cmd := exec.Command(os.Args[0], "-test.run=^TestCeilingNodeProcess$")
			cmd.Env = append(os.Environ(), ceilingNodeEnv+"="+home)
			return cmd
		}})
	t.Log(out.String())
	if err != nil {
		t.Fatal(err)
	}
	p := r.Publica
	if p.Txs != 300 || p.TxPerSec <= 0 || p.Blocks < 1 || p.P50 <= 0 || p.P99 < p.P50 || p.Failed != 0 {
		t.Errorf("%+v", p)
	}
	if !strings.Contains(out.String(), "publica") {
		t.Errorf("no table:\n%s", out.String())
	}
}
