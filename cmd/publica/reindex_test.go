package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/publica/publica/genesis"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/node"
)

func TestReindexCommand(t *testing.T) {
	home, n := devNode(t)
	deadline := time.Now().Add(30 * time.Second)
	for n.App.Store().Version() < 3 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if _, _, err := cli(t, home, "reindex", "--from", "1", "--to", "2"); err == nil || !strings.Contains(err.Error(), "still running") {
		t.Errorf("reindex of a running node: %v", err)
	}
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}
	if out := mustCLI(t, home, "reindex", "--from", "1", "--to", "2"); out != "re-indexed heights 1..2\n" {
		t.Errorf("reindex output %q", out)
	}
	for _, args := range [][]string{{"--from", "-3"}, {"--from", "5", "--to", "4"}, {"--to", "999999"}} {
		if _, _, err := cli(t, home, append([]string{"reindex"}, args...)...); err == nil {
			t.Errorf("reindex %v succeeded", args)
		}
	}
	if _, _, err := cli(t, testnode.TempHome(t), "reindex"); err == nil || !strings.Contains(err.Error(), "publica init") {
		t.Errorf("reindex of an empty home: %v", err)
	}
}

// init's block settings: blocks only for transactions, with a 30 s
// heartbeat (5 s on a development chain), metrics on loopback.
func TestInitBlockAndMetricsDefaults(t *testing.T) {
	dir := testnode.TempHome(t)
	appState := writeFile(t, dir, "app_state.json", string(genesis.DevAppState()))
	for i, c := range []struct {
		args      []string
		heartbeat time.Duration
		empty     bool
	}{
		{[]string{"--app-state", appState, "--chain-id", "test-1"}, node.DefaultEmptyBlockInterval, false},
		{[]string{"--dev"}, node.DevEmptyBlockInterval, false},
		{[]string{"--dev", "--empty-block-interval", "1m"}, time.Minute, false},
		{[]string{"--dev", "--empty-block-interval", "-1s"}, 0, true},
	} {
		home := filepath.Join(dir, fmt.Sprint(i))
		mustCLI(t, home, append([]string{"init"}, c.args...)...)
		conf, err := node.LoadConfig(home)
		if err != nil {
			t.Fatal(err)
		}
		if conf.Consensus.CreateEmptyBlocks != c.empty || conf.Consensus.CreateEmptyBlocksInterval != c.heartbeat {
			t.Errorf("init %v: create_empty_blocks %v, interval %s", c.args, conf.Consensus.CreateEmptyBlocks, conf.Consensus.CreateEmptyBlocksInterval)
		}
		if !conf.Instrumentation.Prometheus || conf.Instrumentation.PrometheusListenAddr != node.DefaultMetricsAddr {
			t.Errorf("init %v: metrics %v on %s", c.args, conf.Instrumentation.Prometheus, conf.Instrumentation.PrometheusListenAddr)
		}
	}
}
