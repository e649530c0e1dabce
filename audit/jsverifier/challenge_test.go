package jsverifier_test

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/publica/publica/audit/election"
	"github.com/publica/publica/crypto/elgamal"
	"github.com/publica/publica/x/ballot"
)

// TestChallengeSameVerdict: the JavaScript check of a challenged ballot
// (check-challenge.mjs, from ballot-verifier.md §5) and the Go one
// (election.CheckChallenge) agree on an honest opening, with the same
// choices, and on every dishonest answer to a challenge.
func TestChallengeSameVerdict(t *testing.T) {
	bin := node(t)
	kp, err := elgamal.GenerateKey(elgamal.DeterministicReader("jsverifier challenge key"))
	if err != nil {
		t.Fatal(err)
	}
	e := &ballot.Election{ID: "check-me", Title: "Check me", Phase: ballot.PhaseReady, PublicKey: kp.Public.String(), Questions: []ballot.Question{
		{Text: "Approve the budget?", Kind: ballot.KindYesNo, Options: []string{"yes", "no"}},
		{Text: "Chair", Kind: ballot.KindSingle, Options: []string{"Ann", "Ben", "Cy"}},
		{Text: "Parks", Kind: ballot.KindApproval, Options: []string{"North", "South", "East"}, MaxChoices: 2},
	}}
	rec, _ := json.Marshal(e)
	commit := func(voter, seed string, answers ...[]int) *ballot.ChallengeFile {
		ch, err := ballot.Choices(e, answers)
		if err != nil {
			t.Fatal(err)
		}
		c, err := ballot.Commit(e, voter, ch, elgamal.DeterministicReader(seed))
		if err != nil {
			t.Fatal(err)
		}
		f, err := c.Challenge()
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	honest := commit("voter-a", "honest", []int{1}, []int{2}, []int{0, 2})
	other := commit("voter-a", "another encryption", []int{0}, []int{1}, []int{})
	flip := func(h string, i int) string {
		b, _ := hex.DecodeString(h)
		b[i] ^= 1
		return hex.EncodeToString(b)
	}
	withElection := func(edit func(*ballot.Election)) []byte {
		c := *e
		edit(&c)
		b, _ := json.Marshal(&c)
		return b
	}
	type tc struct {
		name    string
		honest  bool
		edit    func(*ballot.ChallengeFile)
		record  []byte
		tracker string // "" the honest one; "-" the edited ballot's
	}
	cases := []tc{
		{name: "honest", honest: true},
		{name: "honest, tracker in capitals with white space", honest: true, tracker: "  " + strings.ToUpper(honest.Tracker) + "\n"},
		{name: "tracker not the one shown", tracker: other.Tracker},
		{name: "tracker malformed", tracker: "abc"},
		{name: "opening of another ballot", edit: func(c *ballot.ChallengeFile) { c.Opening = other.Opening }},
		{name: "ballot and opening of another ballot, tracker shown of the first", edit: func(c *ballot.ChallengeFile) { c.Ballot, c.Opening = other.Ballot, other.Opening }},
		{name: "opened choice flipped", edit: func(c *ballot.ChallengeFile) { c.Opening = flip(c.Opening, 5) }},
		{name: "opened choice 2", edit: func(c *ballot.ChallengeFile) {
			b, _ := hex.DecodeString(c.Opening)
			b[5] = 2 // version, questions, options: the first choice byte
			c.Opening = hex.EncodeToString(b)
		}},
		{name: "an opening's r changed", edit: func(c *ballot.ChallengeFile) { c.Opening = flip(c.Opening, 6) }},
		{name: "ballot tampered (tracker of the tampered ballot)", edit: func(c *ballot.ChallengeFile) { c.Ballot = flip(c.Ballot, len(c.Ballot)/4) }, tracker: "-"},
		{name: "voter named differently", edit: func(c *ballot.ChallengeFile) { c.Voter = "voter-b" }},
		{name: "election named differently", edit: func(c *ballot.ChallengeFile) { c.Election = "another-election" }},
		{name: "checked against another election", record: withElection(func(x *ballot.Election) { x.ID = "another-election" })},
		{name: "election without a key", record: withElection(func(x *ballot.Election) { x.PublicKey = "" })},
		{name: "election with another key", record: withElection(func(x *ballot.Election) {
			k, _ := elgamal.GenerateKey(elgamal.DeterministicReader("another key"))
			x.PublicKey = k.Public.String()
		})},
		{name: "election with another question shape", record: withElection(func(x *ballot.Election) { x.Questions[2].MaxChoices = 3 })},
		{name: "ballot not hex", edit: func(c *ballot.ChallengeFile) { c.Ballot = "zz" }},
		{name: "honest, ballot and opening in capitals", honest: true, edit: func(c *ballot.ChallengeFile) {
			c.Ballot, c.Opening = strings.ToUpper(c.Ballot), strings.ToUpper(c.Opening)
		}},
		{name: "opening not hex", edit: func(c *ballot.ChallengeFile) { c.Opening = "zz" }},
		{name: "opening truncated", edit: func(c *ballot.ChallengeFile) { c.Opening = c.Opening[:40] }},
		{name: "opening with a trailing byte", edit: func(c *ballot.ChallengeFile) { c.Opening += "00" }},
		{name: "opening of version 2", edit: func(c *ballot.ChallengeFile) { c.Opening = "02" + c.Opening[2:] }},
	}

	type jsCase struct {
		Election string `json:"election"`
		File     string `json:"file"`
		Tracker  string `json:"tracker"`
	}
	var jc []jsCase
	var goVerdicts []*election.ChallengeReport
	for _, c := range cases {
		f := *honest
		if c.edit != nil {
			c.edit(&f)
		}
		raw, _ := json.Marshal(&f)
		record := rec
		if c.record != nil {
			record = c.record
		}
		shown := honest.Tracker
		switch c.tracker {
		case "":
		case "-":
			b, _ := hex.DecodeString(f.Ballot)
			shown = ballot.TrackerOf(b)
		default:
			shown = c.tracker
		}
		goVerdicts = append(goVerdicts, election.CheckChallenge(record, raw, shown))
		jc = append(jc, jsCase{string(record), string(raw), shown})
	}
	path := filepath.Join(t.TempDir(), "cases.json")
	b, _ := json.Marshal(jc)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "check-challenge.mjs", "--batch", path).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
			t.Fatalf("node check-challenge.mjs: %v", err)
		}
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != len(cases) {
		t.Fatalf("%d verdicts for %d cases:\n%s", len(lines), len(cases), out)
	}
	for i, c := range cases {
		var js struct {
			OK      bool    `json:"ok"`
			Problem string  `json:"problem"`
			Choices [][]int `json:"choices"`
		}
		if err := json.Unmarshal([]byte(lines[i]), &js); err != nil {
			t.Fatal(err)
		}
		g := goVerdicts[i]
		switch {
		case g.OK != js.OK:
			t.Errorf("%s: Go ok=%v %q, JavaScript ok=%v %q", c.name, g.OK, g.Problem, js.OK, js.Problem)
		case g.OK != c.honest:
			t.Errorf("%s: both say ok=%v (Go %q, JavaScript %q)", c.name, g.OK, g.Problem, js.Problem)
		case g.OK:
			var named [][]string
			for q, opts := range js.Choices {
				var n []string
				for _, o := range opts {
					n = append(n, e.Questions[q].Options[o])
				}
				named = append(named, n)
			}
			if fmt.Sprint(named) != fmt.Sprint(g.Choices) {
				t.Errorf("%s: Go choices %v, JavaScript %v", c.name, g.Choices, named)
			}
			t.Logf("%s: both PASS with choices %v", c.name, named)
		default:
			t.Logf("%s: both FAIL; Go %q; JavaScript %q", c.name, g.Problem, js.Problem)
		}
	}
}
