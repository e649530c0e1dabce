package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/publica/publica/audit"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/node"
)

// TestAuditReplayRPC: `publica audit replay --rpc` verifies a running
// node, with its own genesis or a given one, and writes no report to HOME.
func TestAuditReplayRPC(t *testing.T) {
	home := testnode.InitHome(t)
	n, c := testnode.Start(t, home)
	testnode.WaitHeight(t, c, 3)
	addr := n.RPCAddress()

	out := mustCLI(t, home, "audit", "replay", "--rpc", addr)
	if !strings.HasPrefix(out, "verified ") || !strings.Contains(out, "final app hash ") {
		t.Fatalf("replay --rpc: %q", out)
	}
	conf, err := node.LoadConfig(home)
	if err != nil {
		t.Fatal(err)
	}
	out = mustCLI(t, home, "audit", "replay", "--rpc", addr, "--genesis", conf.GenesisFile(), "--json")
	var r audit.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("--json: %v\n%s", err, out)
	}
	if r.Result != audit.ResultVerified || r.Source != audit.SourceRPC || r.Blocks < 2 {
		t.Fatalf("report %+v", r)
	}
	if saved, _ := audit.LastReport(home); saved != nil {
		t.Errorf("replay --rpc wrote a report to HOME: %+v", saved)
	}

	if _, _, err := cli(t, home, "audit", "replay", "--rpc", addr, "--genesis", filepath.Join(t.TempDir(), "none.json")); err == nil || !strings.Contains(err.Error(), "--genesis") {
		t.Errorf("missing genesis file: %v", err)
	}
	if _, _, err := cli(t, home, "audit", "replay", "--genesis", conf.GenesisFile()); err == nil || !strings.Contains(err.Error(), "--genesis goes with --rpc") {
		t.Errorf("--genesis without --rpc: %v", err)
	}
	_, _, err = cli(t, home, "audit", "replay", "--rpc", "tcp://"+testnode.FreeAddr(t))
	if err == nil || !strings.Contains(err.Error(), "replay over") {
		t.Errorf("unreachable node: %v", err)
	}
	t.Logf("unreachable node: %v", err)
}
