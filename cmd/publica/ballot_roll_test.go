package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/publica/publica/client"
	"github.com/publica/publica/rollimport"
	"github.com/publica/publica/x/ballot"
)

// TestBallotRollImportCLI imports a roll from a CSV through a real node in
// batches (a small --batch so it takes several transactions): bad and
// repeated lines are reported with their line numbers and the rest put on
// the roll; a second run adds nothing and counts them as already on the
// roll; another signer than the official is refused by the chain, line by
// line, and the command fails.
func TestBallotRollImportCLI(t *testing.T) {
	home, n := devNode(t)
	mustCLI(t, home, "tx", "ballot", "create-election", "--id", "big-roll", "--title", "Big roll",
		"--question", "yes_no:Approve?", "--trustees", "trustee-1,trustee-2,trustee-3", "--threshold", "2",
		"--opens", "+1h", "--closes", "+2h", "--from", "election-official")
	var csv strings.Builder
	csv.WriteString("name,account\n")
	var want []string
	for i := range 25 {
		id := fmt.Sprintf("%040x", 1000+i)
		want = append(want, id)
		if i%2 == 0 {
			id = "did:publica:" + id
		}
		fmt.Fprintf(&csv, "voter %d,%s\n", i, id)
	}
	csv.WriteString("bad,not-an-account\n")                // line 27
	csv.WriteString("again,DID:publica:" + want[3] + "\n") // line 28: not a DID (case), refused
	csv.WriteString("dup," + strings.ToUpper(want[3]) + "\n")
	csv.WriteString("empty,\n")
	file := filepath.Join(t.TempDir(), "roll.csv")
	if err := os.WriteFile(file, []byte(csv.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	report := filepath.Join(t.TempDir(), "report.json")
	out, errOut, err := cli(t, home, "ballot", "roll", "import", file, "--election", "big-roll", "--from", "election-official",
		"--batch", "10", "--in-flight", "2", "--progress", "lines", "--report", report)
	if err != nil {
		t.Fatalf("import: %v\n%s\n%s", err, out, errOut)
	}
	for _, s := range []string{"25 voters added, 0 already on the roll, 4 lines refused; 3 transactions",
		"refused line 27 not-an-account: not an account id", "refused line 28", "refused line 29 " + strings.ToUpper(want[3]) + ": the same voter as line 5",
		"refused line 30 : no voter on this line"} {
		if !strings.Contains(out, s) {
			t.Errorf("report lacks %q:\n%s", s, out)
		}
	}
	if !strings.Contains(errOut, "25/25") {
		t.Errorf("progress:\n%s", errOut)
	}
	var rep rollimport.Report
	if b, err := os.ReadFile(report); err != nil || json.Unmarshal(b, &rep) != nil || rep.Added != 25 || len(rep.Lines) != 4 || rep.Lines[0].Line != 27 {
		t.Errorf("JSON report: %v %+v", err, rep)
	}
	c, err := client.New(n.RPCAddress())
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range want {
		if res, err := c.Query(context.Background(), "/key", ballot.RollKey("big-roll", id), 0, false); err != nil || res.Value == nil {
			t.Fatalf("%s not on the roll: %v", id, err)
		}
	}

	// Run again: nothing new.
	out = mustCLI(t, home, "ballot", "roll", "import", file, "--election", "big-roll", "--from", "election-official", "--progress", "none")
	if !strings.Contains(out, "0 voters added, 25 already on the roll") {
		t.Errorf("second run:\n%s", out)
	}
	// Not the official: the chain refuses the batch, every line reported.
	out, _, err = cli(t, home, "ballot", "roll", "import", file, "--election", "big-roll", "--from", "citizen-alice", "--progress", "none", "--batch", "20", "--in-flight", "1")
	if err == nil || !strings.Contains(err.Error(), "official") || !strings.Contains(out, "5 voters not sent") ||
		strings.Count(out, "refused line") != 24 {
		t.Errorf("import by a citizen: %v\n%s", err, out)
	}
	if _, _, err := cli(t, home, "ballot", "roll", "import", file, "--election", "Big Roll", "--from", "election-official"); err == nil || !strings.Contains(err.Error(), "not an election id") {
		t.Errorf("bad election id: %v", err)
	}
}
