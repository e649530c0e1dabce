package election_test

import (
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/publica/publica/audit/election"
	"github.com/publica/publica/crypto/elgamal"
	"github.com/publica/publica/x/ballot"
)

func challengeElection(t *testing.T) (*ballot.Election, []byte) {
	t.Helper()
	kp, err := elgamal.GenerateKey(elgamal.DeterministicReader("challenge test key"))
	if err != nil {
		t.Fatal(err)
	}
	e := &ballot.Election{ID: "check-me", Title: "Check me", Phase: ballot.PhaseReady, PublicKey: kp.Public.String(), Questions: []ballot.Question{
		{Text: "Approve the budget?", Kind: ballot.KindYesNo, Options: []string{"yes", "no"}},
		{Text: "Chair", Kind: ballot.KindSingle, Options: []string{"Ann", "Ben", "Cy"}},
		{Text: "Parks", Kind: ballot.KindApproval, Options: []string{"North", "South", "East"}, MaxChoices: 2},
	}}
	rec, _ := json.Marshal(e)
	return e, rec
}

func challenge(t *testing.T, e *ballot.Election, voter, seed string, answers ...[]int) *ballot.ChallengeFile {
	t.Helper()
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

// TestCheckChallenge: an honest opening is named choice by choice; every
// way a dishonest device could answer a challenge is refused with the
// reason.
func TestCheckChallenge(t *testing.T) {
	e, rec := challengeElection(t)
	f := challenge(t, e, "voter-a", "honest", []int{1}, []int{2}, []int{0, 2})
	raw, _ := json.Marshal(f)
	r := election.CheckChallenge(rec, raw, strings.ToUpper(f.Tracker)+"\n")
	if !r.OK || r.Tracker != f.Tracker || r.Voter != "voter-a" || r.Election != e.ID {
		t.Fatalf("honest challenge: %+v", r)
	}
	if !slices.Equal(r.Choices[0], []string{"no"}) || !slices.Equal(r.Choices[1], []string{"Cy"}) || !slices.Equal(r.Choices[2], []string{"North", "East"}) {
		t.Fatalf("choices %v", r.Choices)
	}
	if s := r.Summary(); !strings.Contains(s, "PASS") || !strings.Contains(s, "Parks: North, East") || !strings.Contains(s, "NOT cast") {
		t.Fatalf("summary:\n%s", s)
	}

	other := challenge(t, e, "voter-a", "another encryption", []int{1}, []int{2}, []int{0, 2})
	flip := func(h string, i int) string {
		b, _ := hex.DecodeString(h)
		b[i] ^= 1
		return hex.EncodeToString(b)
	}
	otherEl := *e
	otherEl.ID = "another-election"
	otherRec, _ := json.Marshal(&otherEl)
	noKey := *e
	noKey.PublicKey = ""
	noKeyRec, _ := json.Marshal(&noKey)
	for _, tc := range []struct {
		name    string
		edit    func(*ballot.ChallengeFile)
		record  []byte
		tracker string
		want    string
	}{
		{"tracker not the one shown", nil, nil, other.Tracker, "not the tracker you were shown"},
		{"tracker malformed", nil, nil, "abc", "64 hexadecimal"},
		{"opening of another ballot", func(c *ballot.ChallengeFile) { c.Opening = other.Opening }, nil, "", "does not encrypt the opened choices"},
		{"opened choice flipped", func(c *ballot.ChallengeFile) { c.Opening = flip(c.Opening, 5) }, nil, "", ""},
		{"ballot tampered", func(c *ballot.ChallengeFile) { c.Ballot = flip(c.Ballot, len(c.Ballot)/4) }, nil, "-", ""},
		{"voter named differently", func(c *ballot.ChallengeFile) { c.Voter = "voter-b" }, nil, "", "bound to voter"},
		{"election named differently", func(c *ballot.ChallengeFile) { c.Election = "another-election" }, nil, "", "is for election"},
		{"checked against another election", nil, otherRec, "", "is for election"},
		{"election without a key", nil, noKeyRec, "", "no published key"},
		{"ballot not hex", func(c *ballot.ChallengeFile) { c.Ballot = "zz" }, nil, "", "not hexadecimal"},
		{"opening not hex", func(c *ballot.ChallengeFile) { c.Opening = "zz" }, nil, "", "not hexadecimal"},
		{"opening truncated", func(c *ballot.ChallengeFile) { c.Opening = c.Opening[:40] }, nil, "", "opening cannot be decoded"},
	} {
		c := *f
		if tc.edit != nil {
			tc.edit(&c)
		}
		raw, _ := json.Marshal(&c)
		record := rec
		if tc.record != nil {
			record = tc.record
		}
		shown := f.Tracker
		switch tc.tracker {
		case "":
		case "-": // the voter saw the tampered ballot's tracker
			b, _ := hex.DecodeString(c.Ballot)
			shown = ballot.TrackerOf(b)
		default:
			shown = tc.tracker
		}
		r := election.CheckChallenge(record, raw, shown)
		if r.OK || r.Problem == "" || !strings.Contains(r.Problem, tc.want) || r.Choices != nil {
			t.Errorf("%s: %+v, want a failure with %q", tc.name, r, tc.want)
		}
		if !strings.HasPrefix(r.Summary(), "challenged ballot: FAIL") {
			t.Errorf("%s: summary %q", tc.name, r.Summary())
		}
	}
	for name, in := range map[string][2]string{
		"not JSON":      {string(rec), "{"},
		"record broken": {"[]", string(raw)},
		"empty":         {"", ""},
	} {
		if r := election.CheckChallenge([]byte(in[0]), []byte(in[1]), f.Tracker); r.OK || r.Problem == "" {
			t.Errorf("%s: %+v", name, r)
		}
	}
}

// FuzzCheckChallenge: any challenge file and tracker get a verdict, never a
// panic.
func FuzzCheckChallenge(f *testing.F) {
	kp, _ := elgamal.GenerateKey(elgamal.DeterministicReader("fuzz challenge key"))
	e := &ballot.Election{ID: "fz", PublicKey: kp.Public.String(), Questions: []ballot.Question{{Text: "q", Kind: ballot.KindYesNo, Options: []string{"yes", "no"}}}}
	rec, _ := json.Marshal(e)
	c, _ := ballot.Commit(e, "v", [][]bool{{true, false}}, elgamal.DeterministicReader("seed"))
	file, _ := c.Challenge()
	raw, _ := json.Marshal(file)
	f.Add(string(raw), file.Tracker)
	f.Add(`{"election":"fz","ballot":"00","opening":"01"}`, file.Tracker)
	f.Fuzz(func(t *testing.T, in, tracker string) {
		if r := election.CheckChallenge(rec, []byte(in), tracker); r == nil || (!r.OK && r.Problem == "") {
			t.Fatalf("verdict %+v", r)
		}
	})
}
