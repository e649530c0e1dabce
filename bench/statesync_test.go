package bench

import (
	"bytes"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/publica/publica/node"
	"github.com/publica/publica/store"
)

// stateSyncNodeEnv names the home TestStateSyncNodeProcess runs a node
// in; the interval and log level follow in their own variables.
const (
	stateSyncNodeEnv     = "PUBLICA_BENCH_STATESYNC_NODE"
	stateSyncIntervalEnv = "PUBLICA_BENCH_STATESYNC_INTERVAL"
	stateSyncLogEnv      = "PUBLICA_BENCH_STATESYNC_LOG"
)

// TestStateSyncNodeProcess is a node process of TestStateSyncJoin (this
// test binary started again, as publica start); skipped otherwise.
func TestStateSyncNodeProcess(t *testing.T) {
	home := os.Getenv(stateSyncNodeEnv)
	if home == "" {
		t.Skip("only a node process of TestStateSyncJoin")
	}
	interval, _ := strconv.ParseUint(os.Getenv(stateSyncIntervalEnv), 10, 64)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
	n, err := node.Start(home, node.Options{Store: store.DefaultOptions(), Log: os.Stderr, LogLevel: os.Getenv(stateSyncLogEnv), SnapshotInterval: interval})
	if err != nil {
		t.Fatal(err)
	}
	<-sig
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}
}

// TestStateSyncJoin runs the state sync bench with a small register: a
// validator serves a snapshot of a state holding 3,000 parcels with their
// titles and owners, a new node in its own process joins from it by
// CometBFT state sync (light client from a trusted block), holds no block
// before the snapshot, has the chain's app hash and answers a title read
// whose proof verifies against a light-client header (StateSync fails
// otherwise), with both nodes' p2p rate raised from CometBFT's default and
// the joining node's CPU profiled.
func TestStateSyncJoin(t *testing.T) {
	if os.Getenv(stateSyncNodeEnv) != "" {
		t.Skip("node process")
	}
	var out bytes.Buffer
	profile := filepath.Join(t.TempDir(), "join.prof")
	r, err := StateSync(&out, StateSyncOptions{Parcels: 3000, Chunk: 1000, Dir: t.TempDir(), BlockInterval: 300 * time.Millisecond, Rate: 20_000_000, CPUProfile: profile,
		Node: func(home string, interval uint64, logLevel string) *exec.Cmd {
			cmd := exec.Command(os.Args[0], "-test.run=^TestStateSyncNodeProcess$")
			cmd.Env = append(os.Environ(), stateSyncNodeEnv+"="+home, stateSyncIntervalEnv+"="+strconv.FormatUint(interval, 10), stateSyncLogEnv+"="+logLevel)
			return cmd
		}})
	t.Log(out.String())
	if err != nil {
		t.Fatal(err)
	}
	PrintStateSync(&out, []*StateSyncResult{r})
	t.Log(out.String())
	if r.Chunks < 1 || r.SnapshotBytes == 0 || r.SnapshotWrite <= 0 || r.ProofSize == 0 || r.JoinRSS == 0 || r.JoinCPU <= 0 {
		t.Errorf("figures missing: %+v", r)
	}
	if b, err := os.ReadFile(profile + ".0"); err != nil || len(b) == 0 {
		t.Errorf("the joining node's CPU profile: %d bytes, %v", len(b), err)
	}
	if r.Rate != 20_000_000 {
		t.Errorf("p2p rate %d in the nodes' config, want 20000000", r.Rate)
	}
	if !(r.Offered > 0 && r.Offered <= r.Restored && r.Restored <= r.Synced && r.Synced <= r.Verified && r.Verified <= r.Served) {
		t.Errorf("stages out of order: %+v", r)
	}
}
