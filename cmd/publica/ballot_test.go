package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestBallotCLI runs a whole election through the CLI against a real node:
// definition, roll, key ceremony, a Benaloh audit, casting and re-voting,
// the tally by two of three trustees and the independent verifier.
func TestBallotCLI(t *testing.T) {
	home, n := devNode(t)
	opens := time.Now().Add(3 * time.Second)
	closes := opens.Add(5 * time.Second)
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

	var audit openingOut
	out := mustCLI(t, home, "tx", "ballot", "cast", "cli-vote", "--answer", "yes", "--answer", "Ben", "--from", "citizen-alice", "--audit")
	if err := json.Unmarshal([]byte(out), &audit); err != nil || !audit.Verified || audit.Choices[1][0] != "Ben" {
		t.Fatalf("audit: %v\n%s", err, out)
	}
	r := decodeResult(t, mustCLI(t, home, "tx", "ballot", "cast", "cli-vote", "--answer", "yes", "--answer", "Ben", "--from", "citizen-alice"))
	if r.Code != 0 || len(r.Data) != 64 || r.Data == audit.Tracker {
		t.Fatalf("cast: %+v (an audited ballot must not be the cast one)", r)
	}
	if tr := mustCLI(t, home, "query", "ballot", "tracker", "cli-vote", r.Data, "--prove"); !strings.Contains(tr, `"counted"`) {
		t.Fatalf("tracker:\n%s", tr)
	}
	mustCLI(t, home, "tx", "ballot", "cast", "cli-vote", "--answer", "no", "--answer", "1", "--from", "citizen-bob")
	mustCLI(t, home, "tx", "ballot", "cast", "cli-vote", "--answer", "no", "--answer", "Cy", "--from", "citizen-bob")
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
	if v := mustCLI(t, home, "audit", "election", "cli-vote"); !strings.Contains(v, "PASS") || !strings.Contains(v, "2 counted, 2 with valid proofs") {
		t.Fatalf("audit election:\n%s", v)
	}
	// The same verdict from the stopped node's home directory.
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}
	if v := mustCLI(t, home, "audit", "election", "cli-vote", "--offline"); !strings.Contains(v, "PASS") || !strings.Contains(v, "[[1 1] [0 1 1]]") {
		t.Fatalf("audit election --offline:\n%s", v)
	}
}

// waitBlockTime waits until the node's latest block time reaches at.
func waitBlockTime(t *testing.T, home string, at time.Time) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
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
