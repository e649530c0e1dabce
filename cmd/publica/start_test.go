package main

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/node"
)

// Ctrl-C on `publica start` stops the node and the portal cleanly: exit
// status 0 and not one error-level line (the default log level shows only
// errors, so any would look like a failure).
func TestStartCleanInterrupt(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	tmp := testnode.TempHome(t)
	bin := filepath.Join(tmp, "publica")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	home := filepath.Join(tmp, "home")
	mustCLI(t, home, "init", "--dev", "--block-interval", "100ms", "--metrics", testnode.FreeAddr(t),
		"--rpc", "tcp://"+testnode.FreeAddr(t), "--p2p", "tcp://"+testnode.FreeAddr(t))

	cmd := exec.Command(bin, "start", "--home", home, "--portal", "127.0.0.1:0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	lines := bufio.NewScanner(stdout)
	var out strings.Builder
	ready := make(chan bool, 1)
	go func() {
		for lines.Scan() {
			out.WriteString(lines.Text() + "\n")
			if strings.HasPrefix(lines.Text(), "portal listening on") {
				ready <- true
			}
		}
		close(ready)
	}()
	select {
	case ok := <-ready:
		if !ok {
			t.Fatalf("start ended early:\n%s\n%s", out.String(), stderr.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("start not ready after 60 s:\n%s", stderr.String())
	}
	time.Sleep(time.Second) // a few blocks
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("start exited with %v\n%s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Signal(syscall.SIGQUIT)
		t.Fatal("start did not stop within 30 s of Ctrl-C")
	}
	for _, line := range strings.Split(stderr.String(), "\n") {
		if strings.HasPrefix(line, "E[") || strings.Contains(strings.ToLower(line), "level=error") {
			t.Errorf("error line on a clean stop: %s", line)
		}
	}
}

// A fault (as a store write failing on a full disk) halts publica start
// with the reason and an error (a non-zero exit), instead of a node that
// stays up with its height frozen.
func TestStartHaltsOnFault(t *testing.T) {
	home := filepath.Join(testnode.TempHome(t), "home")
	mustCLI(t, home, "init", "--dev", "--block-interval", "100ms", "--metrics", "off",
		"--rpc", "tcp://"+testnode.FreeAddr(t), "--p2p", "tcp://"+testnode.FreeAddr(t))
	nodeStarted = func(n *node.Node) {
		go func() {
			time.Sleep(300 * time.Millisecond)
			n.ReportFault(errors.New("store write: write data/application.db/000042.log: no space left on device"))
		}()
	}
	defer func() { nodeStarted = nil }()
	out, _, err := cli(t, home, "start", "--portal", "")
	if err == nil || !strings.Contains(err.Error(), "node halted: store write: ") || !strings.Contains(err.Error(), "no space left on device") {
		t.Fatalf("start after a fault: %v\n%s", err, out)
	}
	if !strings.Contains(out, "halting: store write") || !strings.Contains(out, "stopped at height") {
		t.Errorf("output:\n%s", out)
	}
	// And it starts again from where it stopped.
	n, _ := testnode.Start(t, home)
	if n.App.Store().Version() < 1 {
		t.Errorf("restarted at height %d", n.App.Store().Version())
	}
}
