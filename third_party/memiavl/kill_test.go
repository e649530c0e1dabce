//go:build unix

package memiavl

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The killed process of TestKillDuringRewrite: it commits versions to the
// DB in killChildEnv's folder, rewriting its snapshot as the policy says,
// and prints each version once Commit has returned.
const killChildEnv = "MEMIAVL_KILL_CHILD_DIR"

const (
	killLeaves     = 20_000
	killPerVersion = 50
)

// killWrites is what version v writes: every key at version 1, then
// killPerVersion keys spread over the tree.
func killWrites(v int64) []*KVPair {
	if v == 1 {
		pairs := make([]*KVPair, killLeaves)
		for i := range pairs {
			pairs[i] = &KVPair{Key: killKey(i), Value: bytes.Repeat([]byte("v1."), 100)}
		}
		return pairs
	}
	pairs := make([]*KVPair, killPerVersion)
	for i := range pairs {
		pairs[i] = &KVPair{Key: killKey(int((v*37 + int64(i)*101) % killLeaves)), Value: []byte(fmt.Sprintf("v%d", v))}
	}
	return pairs
}

func killKey(i int) []byte { return []byte(fmt.Sprintf("k%06d", i)) }

var killPolicy = RewritePolicy{MinVersions: 3, ChangedFraction: 0.005}

// killLayersEnv, set, has the killed process write layers
// (TestKillDuringLayeredRewrites): three over each full snapshot.
const killLayersEnv = "MEMIAVL_KILL_CHILD_LAYERS"

var killLayers = LayerPolicy{MaxLayers: 3, MaxFraction: 10}

// killMerge, the value of killLayersEnv, has the layers merged over the
// base (TestKillDuringMergedRewrites) instead of the tree written whole.
const killMerge = "merge"

func killOptions(layers string) Options {
	p := killPolicy
	opts := Options{InitialStores: []string{"a"}, RewritePolicy: &p, AsyncCommitBuffer: -1}
	if layers != "" {
		l := killLayers
		if layers == killMerge {
			l.MergeFraction = 10
		}
		opts.LayerPolicy = &l
	}
	return opts
}

func TestMain(m *testing.M) {
	// MEMIAVL_UPPER=1 runs every test with the upper branches of every
	// snapshot held in memory from a low height (upper.go), so that the
	// whole suite reads through them (make test runs it both ways).
	if os.Getenv("MEMIAVL_UPPER") == "1" {
		UpperBranchesMinLeaves, UpperBranchesNodes = 2, 64
	}
	if dir := os.Getenv(killChildEnv); dir != "" {
		killChild(dir)
		return
	}
	os.Exit(m.Run())
}

func killChild(dir string) {
	opts := killOptions(os.Getenv(killLayersEnv))
	opts.CreateIfMissing = true
	opts.Logger = stderrErrors{}
	db, err := Load(dir, opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	for {
		if err := db.ApplyChangeSet("a", ChangeSet{Pairs: killWrites(db.Version() + 1)}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		v, err := db.Commit()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		fmt.Printf("committed %d snapshot %d\n", v, db.SnapshotVersion())
		time.Sleep(2 * time.Millisecond)
	}
}

// stderrErrors prints the killed process's errors and ends it: a rewrite
// that fails in the background would otherwise go unseen (the DB carries
// on without it), and the round would wait for a switch that never comes.
type stderrErrors struct{}

func (stderrErrors) Info(string, ...interface{})  {}
func (stderrErrors) Debug(string, ...interface{}) {}
func (stderrErrors) Error(msg string, kv ...interface{}) {
	fmt.Fprintln(os.Stderr, append([]interface{}{"memiavl error:", msg}, kv...)...)
	os.Exit(3)
}

// TestKillDuringRewrite kills (SIGKILL) a process that commits versions
// while a snapshot rewrite is under way, again and again on the same
// folder: each reopening finds every version the process reported
// committed, with the values those versions wrote, and no half-written
// snapshot left behind.
func TestKillDuringRewrite(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills processes")
	}
	killRounds(t, 6, "")
}

// TestKillDuringLayeredRewrites is TestKillDuringRewrite with layers: the
// process writes three layers over each full snapshot. A layer is
// written in a few milliseconds, so the kill comes at a random moment
// rather than once a rewrite is seen: during a layer, after a switch,
// during the prune that follows it. Each reopening reads its chain to
// every version reported committed.
func TestKillDuringLayeredRewrites(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills processes")
	}
	killRounds(t, 8, "1")
}

// TestKillDuringMergedRewrites is TestKillDuringLayeredRewrites with the
// layers merged into one over the base every fourth rewrite
// (LayerPolicy.MergeFraction): the kill also comes while a merge is
// written, after its switch, and while the layers it merged are pruned.
func TestKillDuringMergedRewrites(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills processes")
	}
	killRounds(t, 8, killMerge)
}

func killRounds(t *testing.T, rounds int, layers string) {
	layered := layers != ""
	dir := t.TempDir()
	rng := rand.New(rand.NewSource(7))
	reopenedOnALayer := false
	for round := range rounds {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), killChildEnv+"="+dir)
		if layered {
			cmd.Env = append(cmd.Env, killLayersEnv+"="+layers)
		}
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		type report struct{ version, snapshot int64 }
		lines := make(chan report)
		go func() {
			defer close(lines)
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				var r report
				if _, err := fmt.Sscanf(sc.Text(), "committed %d snapshot %d", &r.version, &r.snapshot); err == nil {
					lines <- r
				}
			}
		}()
		var acked, switched int64
		wait := 5 + rng.Intn(20) // versions before the kill is armed
		// odd rounds arm it only once a rewrite of this run has switched
		// to its new snapshot, so kills also follow switches and prunes
		var startSnapshot int64 = -1
		deadline := time.After(2 * time.Minute)
		rewriting := false
		for !rewriting {
			select {
			case r, ok := <-lines:
				if !ok {
					t.Fatalf("round %d: the process ended before it was killed", round)
				}
				acked = r.version
				if startSnapshot < 0 {
					startSnapshot = r.snapshot
				}
				if round%2 == 0 || r.snapshot > startSnapshot {
					switched = max(switched, r.snapshot)
					wait--
				}
			case <-deadline:
				// SIGQUIT makes the child print its goroutines on stderr, so
				// a hang shows where it is
				cmd.Process.Signal(syscall.SIGQUIT)
				time.Sleep(time.Second)
				cmd.Process.Kill()
				t.Fatalf("round %d: no rewrite seen; last committed %d, snapshot at %d when it started", round, acked, startSnapshot)
			default:
				if wait <= 0 && (layered || tmpDirExists(t, dir)) {
					rewriting = true
					// sometimes at once, sometimes a little later in the rewrite
					time.Sleep(time.Duration(rng.Intn(10)) * time.Millisecond)
					break
				}
				time.Sleep(100 * time.Microsecond)
			}
		}
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		for r := range lines { // reported before the kill
			acked = r.version
		}
		cmd.Wait()

		db, err := Load(dir, killOptions(layers))
		if err != nil {
			t.Fatalf("round %d: reopen: %v", round, err)
		}
		if tmpDirExists(t, dir) {
			t.Fatalf("round %d: a half-written snapshot is left", round)
		}
		got := db.Version()
		if got < acked || db.SnapshotVersion() < switched {
			t.Fatalf("round %d: reopened at version %d from the snapshot at %d; %d was committed, the snapshot at %d taken",
				round, got, db.SnapshotVersion(), acked, switched)
		}
		want := map[string][]byte{}
		for v := int64(1); v <= got; v++ {
			for _, p := range killWrites(v) {
				want[string(p.Key)] = p.Value
			}
		}
		tree := db.TreeByName("a")
		for k, v := range want {
			if g := tree.Get([]byte(k)); !bytes.Equal(g, v) {
				t.Fatalf("round %d, version %d: %s = %q, want %q", round, got, k, g, v)
			}
		}
		chain := len(tree.snapshot.Chain())
		reopenedOnALayer = reopenedOnALayer || chain > 1
		t.Logf("round %d: killed after version %d during a rewrite, reopened at %d from the snapshot at %d (a chain of %d)", round, acked, got, db.SnapshotVersion(), chain)
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if layered && !reopenedOnALayer {
		t.Fatal("no round reopened on a layer")
	}
}

func tmpDirExists(t *testing.T, dir string) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() && strings.HasSuffix(e.Name(), TmpSuffix) && strings.HasPrefix(e.Name(), SnapshotPrefix) {
			return true
		}
	}
	return false
}
