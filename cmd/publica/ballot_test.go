package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/publica/publica/audit/election"
	"github.com/publica/publica/client"
)

// TestBallotCLI runs a whole election through the CLI against a real node:
// definition, roll, key ceremony, a Benaloh audit, casting and re-voting,
// the tally by two of three trustees and the independent verifier.
func TestBallotCLI(t *testing.T) {
	home, n := devNode(t)
	opens := time.Now().Add(3 * time.Second)
	// The roll, the key ceremony (nine CLI transactions) and five casts fall
	// before the close: 45 s leaves room for a loaded 2-core machine.
	closes := opens.Add(45 * time.Second)
	mustCLI(t, home, "tx", "ballot", "create-election", "--id", "cli-vote", "--title", "CLI vote",
		"--question", "yes_no:Approve?", "--question", "single:Chair:Ann,Ben,Cy",
		"--trustees", "trustee-1,trustee-2,trustee-3", "--threshold", "2",
		"--opens", opens.UTC().Format(time.RFC3339), "--closes", closes.UTC().Format(time.RFC3339),
		"--from", "election-official")
	mustCLI(t, home, "tx", "ballot", "register-voters", "cli-vote", "citizen-alice", "citizen-bob", "--from", "election-official")
	for _, tr := range []string{"trustee-1", "trustee-2", "trustee-3"} {
		mustCLI(t, home, "tx", "ballot", "trustee-key", "cli-vote", "--from", tr)
	}
	for _, tr := range []string{"trustee-1", "trustee-2", "trustee-3"} {
		mustCLI(t, home, "tx", "ballot", "deal", "cli-vote", "--from", tr)
	}
	if out := mustCLI(t, home, "tx", "ballot", "check-shares", "cli-vote", "--from", "trustee-2"); strings.Count(out, "share OK") != 3 {
		t.Fatalf("check-shares:\n%s", out)
	}
	mustCLI(t, home, "tx", "ballot", "publish-key", "cli-vote", "--from", "election-official")
	waitBlockTime(t, home, opens)

	// Benaloh: encrypt, see the tracker, then challenge. The challenge file
	// is checked as on another device, against the tracker shown.
	chFile := filepath.Join(t.TempDir(), "challenge.json")
	out, errOut, err := cli(t, home, "tx", "ballot", "cast", "cli-vote", "--answer", "yes", "--answer", "Ben", "--from", "citizen-alice",
		"--decision", "challenge", "--challenge-file", chFile)
	shown := shownTracker(errOut)
	if err != nil || shown == "" || out != "" || !strings.Contains(errOut, "will NOT be cast") ||
		strings.Index(errOut, shown) > strings.Index(errOut, "Challenged") {
		t.Fatalf("challenge: %v\nstdout:\n%s\nstderr:\n%s", err, out, errOut)
	}
	if v := mustCLI(t, home, "audit", "ballot", chFile, "--tracker", shown); !strings.Contains(v, "PASS") ||
		!strings.Contains(v, "Approve?: yes") || !strings.Contains(v, "Chair: Ben") {
		t.Fatalf("audit ballot:\n%s", v)
	}
	if _, _, err := cli(t, home, "audit", "ballot", chFile, "--tracker", strings.Repeat("0", 64)); err == nil || !strings.Contains(err.Error(), "not the tracker you were shown") {
		t.Fatalf("audit ballot with another tracker: %v", err)
	}
	if _, _, err := cli(t, home, "audit", "ballot", chFile); err == nil || !strings.Contains(err.Error(), "tracker") {
		t.Fatalf("audit ballot without the tracker shown: %v", err)
	}
	if _, _, err := cli(t, home, "tx", "ballot", "cast", "cli-vote", "--answer", "yes", "--answer", "Ben", "--from", "citizen-alice", "--decision", "maybe"); err == nil ||
		!strings.Contains(err.Error(), "cast or challenge") {
		t.Fatalf("--decision maybe: %v", err)
	}
	if v, _, err := cliStdin(t, home, "{", "audit", "ballot", "-", "--tracker", shown); err == nil || !strings.Contains(err.Error(), "not a challenge file") {
		t.Fatalf("audit ballot of a broken file: %v\n%s", err, v)
	}
	// At the prompt: no answer casts nothing; "cast" casts the ballot whose
	// tracker was shown before the question.
	if _, errOut, err := cliStdin(t, home, "", "tx", "ballot", "cast", "cli-vote", "--answer", "yes", "--answer", "Ben", "--from", "citizen-alice"); err == nil ||
		!strings.Contains(err.Error(), "no decision") || shownTracker(errOut) == "" {
		t.Fatalf("no decision: %v\n%s", err, errOut)
	}
	out, errOut, err = cliStdin(t, home, "maybe\ncast\n", "tx", "ballot", "cast", "cli-vote", "--answer", "yes", "--answer", "Ben", "--from", "citizen-alice")
	if err != nil {
		t.Fatalf("cast at the prompt: %v\n%s", err, errOut)
	}
	r := decodeResult(t, out)
	if r.Code != 0 || r.Data != shownTracker(errOut) || r.Data == shown || strings.Index(errOut, r.Data) > strings.Index(errOut, "[cast/challenge]") {
		t.Fatalf("cast: %+v, shown %s (a challenged ballot must not be the cast one)\n%s", r, shownTracker(errOut), errOut)
	}
	if tr, _, _ := cli(t, home, "query", "ballot", "tracker", "cli-vote", shown); strings.Contains(tr, "counted") {
		t.Fatalf("the challenged ballot is on the board:\n%s", tr)
	}
	if tr := mustCLI(t, home, "query", "ballot", "tracker", "cli-vote", r.Data, "--prove"); !strings.Contains(tr, `"counted"`) {
		t.Fatalf("tracker:\n%s", tr)
	}
	mustCLI(t, home, "tx", "ballot", "cast", "cli-vote", "--answer", "no", "--answer", "1", "--from", "citizen-bob", "--decision", "cast")
	mustCLI(t, home, "tx", "ballot", "cast", "cli-vote", "--answer", "no", "--answer", "Cy", "--from", "citizen-bob", "--decision", "cast")
	if _, _, err := cli(t, home, "tx", "ballot", "tally", "cli-vote", "--from", "trustee-1"); err == nil || !strings.Contains(err.Error(), "refusing to decrypt") {
		t.Fatalf("tally before the close: %v", err)
	}
	waitBlockTime(t, home, closes)
	mustCLI(t, home, "tx", "ballot", "tally", "cli-vote", "--from", "trustee-1")
	mustCLI(t, home, "tx", "ballot", "tally", "cli-vote", "--from", "trustee-3")
	res := mustCLI(t, home, "query", "ballot", "result", "cli-vote", "--prove")
	var got struct {
		Counts [][]uint64 `json:"counts"`
	}
	if err := json.Unmarshal([]byte(res[:strings.LastIndex(res, "}")+1]), &got); err != nil {
		t.Fatalf("result: %v\n%s", err, res)
	}
	if b, _ := json.Marshal(got.Counts); string(b) != "[[1,1],[0,1,1]]" {
		t.Fatalf("result %s", b)
	}
	record := filepath.Join(t.TempDir(), "cli-vote.json")
	if v := mustCLI(t, home, "audit", "election", "cli-vote", "--export", record); !strings.Contains(v, "PASS") || !strings.Contains(v, "2 counted, 2 with valid proofs") {
		t.Fatalf("audit election:\n%s", v)
	}
	// Headers verified by CometBFT's light client from a block the auditor
	// trusts (here block 2's hash, as if published elsewhere).
	lc, err := client.New(n.RPCAddress())
	if err != nil {
		t.Fatal(err)
	}
	two := int64(2)
	blk, err := lc.RPC.Block(context.Background(), &two)
	if err != nil {
		t.Fatal(err)
	}
	rootHash := hex.EncodeToString(blk.BlockID.Hash)
	if v := mustCLI(t, home, "audit", "election", "cli-vote", "--trust-height", "2", "--trust-hash", rootHash); !strings.Contains(v, "PASS") {
		t.Fatalf("audit election from a trust root:\n%s", v)
	}
	badRoot := strings.Repeat("0", 64)
	if _, _, err := cli(t, home, "audit", "election", "cli-vote", "--trust-height", "2", "--trust-hash", badRoot); err == nil || !strings.Contains(err.Error(), "light client") {
		t.Fatalf("audit election from a root the chain does not have: %v", err)
	}
	// The same verdict from the stopped node's home directory.
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}
	if v := mustCLI(t, home, "audit", "election", "cli-vote", "--offline"); !strings.Contains(v, "PASS") || !strings.Contains(v, "result: Approve?: yes 1, no 1; Chair: Ann 0, Ben 1, Cy 1") {
		t.Fatalf("audit election --offline:\n%s", v)
	}
	// And from the exported record, with no node; a tampered copy fails.
	if v := mustCLI(t, home, "audit", "election", "cli-vote", "--record", record); !strings.Contains(v, "PASS") || !strings.Contains(v, "result: Approve?: yes 1, no 1; Chair: Ann 0, Ben 1, Cy 1") {
		t.Fatalf("audit election --record:\n%s", v)
	}
	raw, err := os.ReadFile(record)
	if err != nil {
		t.Fatal(err)
	}
	var rec election.Record
	if err := json.Unmarshal(raw, &rec); err != nil {
		t.Fatal(err)
	}
	for i, e := range rec.Records {
		if e.Key == "ballot/result/cli-vote" {
			rec.Records[i].Value = bytes.Replace(e.Value, []byte(`"counts":[[1,1]`), []byte(`"counts":[[2,0]`), 1)
		}
	}
	tampered := filepath.Join(t.TempDir(), "tampered.json")
	b, _ := json.Marshal(&rec)
	os.WriteFile(tampered, b, 0o644)
	if v, _, err := cli(t, home, "audit", "election", "cli-vote", "--record", tampered); err == nil || !strings.Contains(v, "FAIL") {
		t.Fatalf("audit election --record of a tampered result: %v\n%s", err, v)
	}
	// The independent JavaScript verifier (audit/jsverifier, whose own test
	// requires Node.js under make test) reads the same files.
	if nodeBin, err := exec.LookPath("node"); err == nil {
		if _, err := os.Stat("../../audit/jsverifier/node_modules/@noble/curves"); err == nil {
			out, err := exec.Command(nodeBin, "../../audit/jsverifier/verify.mjs", record).CombinedOutput()
			if err != nil || !strings.Contains(string(out), "PASS") || !strings.Contains(string(out), "[[1,1],[0,1,1]]") {
				t.Fatalf("JavaScript verifier on the export: %v\n%s", err, out)
			}
			if out, err := exec.Command(nodeBin, "../../audit/jsverifier/verify.mjs", tampered).CombinedOutput(); err == nil || !strings.Contains(string(out), "FAIL") {
				t.Fatalf("JavaScript verifier on the tampered export: %v\n%s", err, out)
			}
		}
	}
	if _, _, err := cli(t, home, "audit", "election", "other", "--record", record); err == nil || !strings.Contains(err.Error(), "not \"other\"") {
		t.Fatalf("--record of another election: %v", err)
	}
}

// shownTracker is the tracker the cast command printed before asking.
func shownTracker(stderr string) string {
	_, after, ok := strings.Cut(stderr, "Its tracker is\n")
	if !ok {
		return ""
	}
	line, _, _ := strings.Cut(after, "\n")
	return strings.TrimSpace(line)
}

// cliStdin is cli with standard input.
func cliStdin(t *testing.T, home, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	root := rootCmd()
	var out, errb bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errb)
	root.SetIn(strings.NewReader(stdin))
	root.SetArgs(append(append([]string{}, args...), "--home", home))
	err = root.Execute()
	return out.String(), errb.String(), err
}

// waitBlockTime waits until the node's latest block time reaches at.
func waitBlockTime(t *testing.T, home string, at time.Time) {
	t.Helper()
	deadline := time.Now().Add(max(time.Until(at), 0) + 60*time.Second)
	for time.Now().Before(deadline) {
		var st statusOut
		if err := json.Unmarshal([]byte(mustCLI(t, home, "status", "--output", "json")), &st); err != nil {
			t.Fatal(err)
		}
		if !st.LatestBlockTime.Before(at) {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("block time did not reach %s", at)
}
