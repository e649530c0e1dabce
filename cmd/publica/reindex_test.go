package main

import (
	"strings"
	"testing"
	"time"

	"github.com/publica/publica/internal/testnode"
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
