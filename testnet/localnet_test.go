//go:build unix

package testnet_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/publica/publica/testnet"
)

// TestLocalnetScript drives scripts/localnet.sh end to end: start creates
// and runs a 4-validator network as separate processes, status reports
// them, both commands are idempotent, and stop leaves no process behind.
func TestLocalnetScript(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash is not installed")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatal("go is not on PATH, needed to build the binary:", err)
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "publica")
	build := exec.Command(goBin, "build", "-o", bin, "./cmd/publica")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	base, err := testnet.FreeBasePort(4)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(tmp, "net")
	script := filepath.Join(root, "scripts", "localnet.sh")
	run := func(args ...string) (string, int) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, bash, append([]string{script}, args...)...)
		cmd.Dir = tmp
		cmd.Env = append(os.Environ(),
			"PUBLICA_BIN="+bin,
			"LOCALNET_BASE_PORT="+strconv.Itoa(base),
			"LOCALNET_BLOCK_INTERVAL=200ms",
			"LOCALNET_START_TIMEOUT=40",
			"LOCALNET_STOP_TIMEOUT=15")
		cmd.WaitDelay = 5 * time.Second
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		switch {
		case err == nil:
			return string(out), 0
		case errors.As(err, &exit):
			return string(out), exit.ExitCode()
		default:
			t.Fatalf("localnet.sh %v: %v\n%s", args, err, out)
			return "", -1
		}
	}

	var pids []int
	t.Cleanup(func() {
		run("stop", dir)
		for _, pid := range pids {
			if alive(pid) {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})

	out, code := run("start", dir)
	if code != 0 {
		t.Fatalf("start exited %d:\n%s", code, out)
	}
	for i := 0; i < 4; i++ {
		b, err := os.ReadFile(filepath.Join(dir, "node"+strconv.Itoa(i), "node.pid"))
		if err != nil {
			t.Fatalf("start wrote no pid file: %v\n%s", err, out)
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || !alive(pid) {
			t.Fatalf("node%d pid %q is not a live process (%v)\n%s", i, b, err, out)
		}
		pids = append(pids, pid)
	}

	out, code = run("status", dir)
	line := regexp.MustCompile(`(?m)^node([0-3]) +running pid (\d+) +height (\d+) +app_hash [0-9A-F]{64} rpc 127\.0\.0\.1:(\d+)$`)
	matches := line.FindAllStringSubmatch(out, -1)
	if code != 0 || len(matches) != 4 {
		t.Fatalf("status exited %d with %d running nodes, want 0 and 4:\n%s", code, len(matches), out)
	}
	for _, m := range matches {
		i, _ := strconv.Atoi(m[1])
		if h, _ := strconv.Atoi(m[3]); h < 1 {
			t.Fatalf("node%s reports height %d:\n%s", m[1], h, out)
		}
		if m[2] != strconv.Itoa(pids[i]) || m[4] != strconv.Itoa(base+10*i+1) {
			t.Fatalf("node%s: pid %s rpc port %s, want %d and %d", m[1], m[2], m[4], pids[i], base+10*i+1)
		}
	}

	out, code = run("start", dir)
	if code != 0 || !strings.Contains(out, "already running") {
		t.Fatalf("second start exited %d, want 0 and 'already running':\n%s", code, out)
	}

	out, code = run("stop", dir)
	if code != 0 || !strings.Contains(out, "stopped 4 node(s)") {
		t.Fatalf("stop exited %d, want 0 and 'stopped 4 node(s)':\n%s", code, out)
	}
	for i, pid := range pids {
		if alive(pid) {
			t.Errorf("node%d (pid %d) still running after stop", i, pid)
		}
		log, err := os.ReadFile(filepath.Join(dir, "node"+strconv.Itoa(i), "node.log"))
		if err != nil {
			t.Fatal(err)
		}
		// The node shut down through its SIGINT path, not SIGKILL.
		if !strings.Contains(string(log), "stopped at height") {
			t.Errorf("node%d log has no clean shutdown line:\n%s", i, log)
		}
	}

	out, code = run("stop", dir)
	if code != 0 || !strings.Contains(out, "not running") {
		t.Fatalf("second stop exited %d, want 0 and 'not running':\n%s", code, out)
	}
	out, code = run("status", dir)
	if code != 3 || strings.Count(out, "stopped") != 4 {
		t.Fatalf("status after stop exited %d, want 3 and 4 stopped nodes:\n%s", code, out)
	}
}

// alive reports whether pid is a process that is not a zombie.
func alive(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err == nil {
		// The state follows the command name in parentheses.
		s := string(stat)
		if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
			return s[i+2] != 'Z'
		}
		return true
	}
	if _, statErr := os.Stat("/proc/self/stat"); statErr == nil {
		return false // /proc works and has no such process
	}
	return syscall.Kill(pid, 0) == nil
}
