package docstest

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// update rewrites the output shown in the documents' `console` blocks
// with what the commands print now (go test ./internal/docstest -update);
// read the diff before committing it.
var update = flag.Bool("update", false, "rewrite console transcripts in the documents with the current output")

// The documents whose `sh` blocks run, each against its own fresh chain,
// in this order. (docs/*.md files with no `sh` block need no entry, but a
// test below checks that none is forgotten.)
var documents = []string{"README.md", "docs/land.md", "docs/identity.md", "docs/ballot.md", "docs/cli.md", "docs/network.md"}

func TestExtract(t *testing.T) {
	dir := t.TempDir()
	md := filepath.Join(dir, "x.md")
	os.WriteFile(md, []byte("text\n```sh\n# intro\nbin/publica status   # → chain id: …\nA=$(echo \\\n  hi)\n# → hi\n# plain\n\necho one\n```\n```shell\nmake run\n```\n"), 0o644)
	cmds, err := Extract(md)
	if err != nil {
		t.Fatal(err)
	}
	if len(cmds) != 3 || cmds[0].Line != 4 || cmds[0].Expect[0] != "chain id: …" ||
		cmds[1].Script != "A=$(echo \\\n  hi)" || cmds[1].Expect[0] != "hi" || len(cmds[2].Expect) != 0 {
		t.Fatalf("extracted %+v", cmds)
	}
	if e := Match([]string{"a …", "c"}, "x\na b\nc"); e != "" {
		t.Fatalf("missed %q", e)
	}
	if e := Match([]string{"c", "a"}, "a\nc"); e != "a" {
		t.Fatalf("out-of-order expectation matched: %q", e)
	}
}

// TestEveryRunnableDocumentIsListed keeps a new `sh` block in a document
// from being silently skipped.
func TestEveryRunnableDocumentIsListed(t *testing.T) {
	root := repoRoot(t)
	files, _ := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	files = append(files, filepath.Join(root, "README.md"))
	listed := map[string]bool{}
	for _, d := range documents {
		listed[d] = true
	}
	for _, f := range files {
		cmds, err := Extract(f)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, f)
		if len(cmds) > 0 && !listed[rel] {
			t.Errorf("%s:%d has a runnable block (`sh` or `console`) but the file is not in documents: add it there if its examples run against a fresh development chain, else tag the block `shell` or `text`", rel, cmds[0].Line)
		}
	}
}

// TestDocumentedExamples runs each document's commands in order, in a
// fresh working directory holding bin/publica, examples/ and samples/,
// against a fresh development chain on free ports.
func TestDocumentedExamples(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real nodes")
	}
	root := repoRoot(t)
	bin := filepath.Join(t.TempDir(), "publica")
	build := exec.Command("go", "build", "-o", bin, "./cmd/publica")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, doc := range documents {
		t.Run(strings.ReplaceAll(doc, "/", "_"), func(t *testing.T) {
			t.Parallel() // each on its own chain; the README's mostly waits for its election's close
			cmds, err := Extract(filepath.Join(root, doc))
			if err != nil {
				t.Fatal(err)
			}
			if len(cmds) == 0 {
				t.Fatalf("%s has no runnable `sh` block", doc)
			}
			runDocument(t, root, bin, cmds)
		})
	}
}

func runDocument(t *testing.T, root, bin string, cmds []Command) {
	work := t.TempDir()
	for _, d := range []string{"bin"} {
		os.MkdirAll(filepath.Join(work, d), 0o755)
	}
	must(t, os.Symlink(bin, filepath.Join(work, "bin", "publica")))
	must(t, os.Symlink(filepath.Join(root, "examples"), filepath.Join(work, "examples")))
	must(t, os.Symlink(filepath.Join(root, "samples"), filepath.Join(work, "samples")))

	home := filepath.Join(work, ".publica-dev")
	rpc, portal := freeAddr(t), freeAddr(t)
	out, err := exec.Command(bin, "init", "--dev", "--home", home, "--rpc", "tcp://"+rpc,
		"--p2p", "tcp://"+freeAddr(t), "--block-interval", "200ms").CombinedOutput()
	if err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	var nodeLog bytes.Buffer
	node := exec.Command(bin, "start", "--home", home, "--portal", portal)
	node.Stdout, node.Stderr = &nodeLog, &nodeLog
	must(t, node.Start())
	defer func() {
		node.Process.Signal(syscall.SIGINT)
		done := make(chan error, 1)
		go func() { done <- node.Wait() }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			node.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("node log (tail):\n%s", tail(nodeLog.String(), 40))
		}
	}()
	waitHTTP(t, "http://"+rpc+"/status")
	waitHTTP(t, "http://"+portal+"/healthz")
	waitCommitted(t, "http://"+rpc+"/abci_info", 2)

	// The documents name the addresses `make run` uses and windows sized
	// for a person typing; the test's chain listens elsewhere and waits less.
	rewrite := strings.NewReplacer(
		"tcp://127.0.0.1:26657", "tcp://"+rpc,
		"127.0.0.1:8080", portal,
		"--closes +2m", "--closes +45s",
	)
	outDir := filepath.Join(t.TempDir(), "out")
	must(t, os.MkdirAll(outDir, 0o755))
	var script strings.Builder
	script.WriteString("cd " + strconv.Quote(work) + "\n")
	for i, c := range cmds {
		// Each command runs in the shell itself (so exports and variables
		// carry on), its output to a file; the first failure stops the run
		// (a transcript's commands may fail: they show errors too).
		stop := "[ $rc = 0 ] || exit 0"
		if c.Transcript {
			stop = ":"
		}
		fmt.Fprintf(&script, "{\n%s\n} >%s/%d.out 2>&1 </dev/null; rc=$?; echo $rc >%s/%d.rc; %s\n",
			rewrite.Replace(c.Script), outDir, i, outDir, i, stop)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	sh := exec.CommandContext(ctx, "bash", "--noprofile", "--norc")
	sh.Stdin = strings.NewReader(script.String())
	sh.Dir = work
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PUBLICA_") && !strings.HasPrefix(kv, "PATH=") {
			sh.Env = append(sh.Env, kv)
		}
	}
	// As the documents assume: bin/ on the PATH and the home exported.
	sh.Env = append(sh.Env, "PATH="+filepath.Join(work, "bin")+string(os.PathListSeparator)+os.Getenv("PATH"),
		"PUBLICA_HOME=.publica-dev")
	if out, err := sh.CombinedOutput(); err != nil {
		t.Fatalf("shell: %v\n%s", err, out)
	}
	var updates []transcriptUpdate
	defer func() {
		if len(updates) > 0 {
			must(t, rewriteTranscripts(cmds[0].File, updates))
		}
	}()
	for i, c := range cmds {
		where := fmt.Sprintf("%s:%d", c.File[len(root)+1:], c.Line)
		rc, err := os.ReadFile(fmt.Sprintf("%s/%d.rc", outDir, i))
		if err != nil {
			t.Fatalf("%s: did not run (the shell stopped before it)\n%s", where, c.Script)
		}
		got, _ := os.ReadFile(fmt.Sprintf("%s/%d.out", outDir, i))
		if c.Transcript && *update && firstDifference(Normalize(c.Output), Normalize(strings.Split(string(got), "\n"))) >= 0 {
			var out []string
			if strings.TrimSpace(string(got)) != "" {
				out = strings.Split(strings.TrimRight(string(got), "\n"), "\n")
			}
			updates = append(updates, transcriptUpdate{c, out})
			continue
		}
		if c.Transcript {
			want, have := Normalize(c.Output), Normalize(strings.Split(string(got), "\n"))
			if d := firstDifference(want, have); d >= 0 {
				t.Fatalf("%s: $ %s\nthe output differs from the document's at its line %d:\n  shown:   %q\n  printed: %q\nprinted in full:\n%s",
					where, c.Script, d+1, lineAt(c.Output, d), lineAt(strings.Split(string(got), "\n"), d), tail(string(got), 60))
			}
			continue
		}
		if strings.TrimSpace(string(rc)) != "0" {
			t.Fatalf("%s: exit status %s\n$ %s\n%s", where, strings.TrimSpace(string(rc)), c.Script, tail(string(got), 60))
		}
		if miss := Match(c.Expect, string(got)); miss != "" {
			t.Fatalf("%s: the output does not show %q\n$ %s\n%s", where, miss, c.Script, tail(string(got), 60))
		}
	}
}

type transcriptUpdate struct {
	c   Command
	out []string
}

// rewriteTranscripts replaces the output lines shown under each updated
// command of file by the printed ones.
func rewriteTranscripts(file string, ups []transcriptUpdate) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	lines := strings.Split(string(b), "\n")
	for i := len(ups) - 1; i >= 0; i-- { // from the end: earlier line numbers stay valid
		u := ups[i]
		from := u.c.Line // the line after the command (Line is 1-based)
		to := from + len(u.c.Output)
		lines = append(lines[:from], append(append([]string{}, u.out...), lines[to:]...)...)
	}
	return os.WriteFile(file, []byte(strings.Join(lines, "\n")), 0o644)
}

// firstDifference is the index of the first line where the normalized
// outputs differ, or -1.
func firstDifference(want, have []string) int {
	for i := range max(len(want), len(have)) {
		if i >= len(want) || i >= len(have) || want[i] != have[i] {
			return i
		}
	}
	return -1
}

func lineAt(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return "(nothing)"
}

func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		t.Fatalf("repository root not found from %s", dir)
	}
	return dir
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func waitHTTP(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if r, err := http.Get(url); err == nil {
			r.Body.Close()
			if r.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s did not answer within a minute", url)
}

// waitCommitted waits until the application has committed height h (a
// query before the first commit is refused).
func waitCommitted(t *testing.T, url string, h int64) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if r, err := http.Get(url); err == nil {
			var info struct {
				Result struct {
					Response struct {
						LastBlockHeight string `json:"last_block_height"`
					} `json:"response"`
				} `json:"result"`
			}
			err := json.NewDecoder(r.Body).Decode(&info)
			r.Body.Close()
			if n, _ := strconv.ParseInt(info.Result.Response.LastBlockHeight, 10, 64); err == nil && n >= h {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no block %d committed within a minute (%s)", h, url)
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{"…"}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
