package ballot_test

import (
	"encoding/hex"
	"errors"
	"io"
	"reflect"
	"testing"

	"github.com/publica/publica/crypto/elgamal"
	"github.com/publica/publica/x/ballot"
)

// benalohElection is an election with a published key, outside any chain.
func benalohElection(t testing.TB) *ballot.Election {
	t.Helper()
	kp, err := elgamal.GenerateKey(elgamal.DeterministicReader("benaloh test key"))
	if err != nil {
		t.Fatal(err)
	}
	return &ballot.Election{ID: "benaloh", Phase: ballot.PhaseReady, PublicKey: kp.Public.String(), Questions: []ballot.Question{
		{Text: "Approve?", Kind: ballot.KindYesNo, Options: []string{"yes", "no"}},
		{Text: "Parks", Kind: ballot.KindApproval, Options: []string{"North", "South", "East"}, MaxChoices: 2},
	}}
}

// TestCommitTakesNoDecision: the encrypting call cannot learn whether its
// ballot will be cast or challenged, because it is never told. Commit's
// inputs are the election, the voter, the choices and the randomness, and
// nothing else; the decision is a method of the committed ballot taking no
// input, made after the tracker exists. With the same randomness, the
// ballot that is challenged and the one that is cast are the same bytes:
// the decision cannot change what was committed.
func TestCommitTakesNoDecision(t *testing.T) {
	commit := reflect.TypeOf(ballot.Commit)
	want := []reflect.Type{reflect.TypeOf(&ballot.Election{}), reflect.TypeOf(""), reflect.TypeOf([][]bool{}), reflect.TypeOf((*io.Reader)(nil)).Elem()}
	if commit.NumIn() != len(want) {
		t.Fatalf("Commit takes %d inputs, want exactly %v", commit.NumIn(), want)
	}
	for i, w := range want {
		if commit.In(i) != w {
			t.Fatalf("Commit input %d is %v, want %v", i, commit.In(i), w)
		}
	}
	for _, name := range []string{"Cast", "Challenge"} {
		m, ok := reflect.TypeOf(&ballot.Committed{}).MethodByName(name)
		if !ok || m.Type.NumIn() != 1 { // the receiver only
			t.Fatalf("(*Committed).%s must take nothing but the committed ballot", name)
		}
	}

	e := benalohElection(t)
	choices, _ := ballot.Choices(e, [][]int{{1}, {0, 2}})
	commitSeeded := func() *ballot.Committed {
		c, err := ballot.Commit(e, "voter-1", choices, elgamal.DeterministicReader("one device, one ballot"))
		if err != nil {
			t.Fatal(err)
		}
		if c.Tracker != ballot.TrackerOf(c.Ballot) || len(c.Tracker) != 64 {
			t.Fatalf("tracker %q of the committed ballot", c.Tracker)
		}
		return c
	}
	toCast, toChallenge := commitSeeded(), commitSeeded()
	shown := toCast.Tracker
	if toChallenge.Tracker != shown {
		t.Fatal("the same inputs committed to different ballots")
	}
	m, err := toCast.Cast()
	if err != nil || m.Election != e.ID || m.Ballot != hex.EncodeToString(toCast.Ballot) {
		t.Fatalf("cast %+v %v", m, err)
	}
	f, err := toChallenge.Challenge()
	if err != nil {
		t.Fatal(err)
	}
	if f.Tracker != shown || f.Ballot != m.Ballot || f.Voter != "voter-1" || f.Election != e.ID {
		t.Fatalf("the challenged ballot is not the committed one: %+v", f)
	}
	raw, _ := hex.DecodeString(f.Opening)
	op, err := elgamal.DecodeOpening(raw)
	if err != nil {
		t.Fatal(err)
	}
	params, _ := e.Params()
	b, _ := elgamal.DecodeBallot(toChallenge.Ballot)
	if err := b.CheckOpening(params, op); err != nil {
		t.Fatalf("the opening does not open the committed ballot: %v", err)
	}

	// A ballot is decided once: a challenged ballot is never cast, a cast
	// one never opened.
	if _, err := toChallenge.Cast(); !errors.Is(err, ballot.ErrSpoiled) {
		t.Fatalf("a challenged ballot was cast: %v", err)
	}
	if _, err := toCast.Challenge(); !errors.Is(err, ballot.ErrSpoiled) {
		t.Fatalf("a cast ballot was opened: %v", err)
	}
	if _, err := toChallenge.Challenge(); !errors.Is(err, ballot.ErrSpoiled) {
		t.Fatalf("challenged twice: %v", err)
	}

	// Bad input is an error, not a panic.
	if _, err := ballot.Commit(e, "voter-1", [][]bool{{true, true}, {false, false, false}}, elgamal.DeterministicReader("x")); err == nil {
		t.Fatal("an over-vote was encrypted")
	}
	if _, err := ballot.Commit(&ballot.Election{ID: "no-key"}, "voter-1", choices, elgamal.DeterministicReader("x")); err == nil {
		t.Fatal("encrypted for an election without a key")
	}
}
