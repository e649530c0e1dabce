package ballot_test

import (
	"crypto/ed25519"
	"reflect"
	"testing"
	"time"

	"github.com/publica/publica/x/ballot"
)

func scenarioQuestions() []ballot.Question {
	return []ballot.Question{
		{Text: "Approve the 2026 budget?", Kind: ballot.KindYesNo, Options: []string{"yes", "no"}},
		{Text: "Mayor", Kind: ballot.KindSingle, Options: []string{"Ann", "Ben", "Cy"}},
		{Text: "Parks to renovate (up to 2)", Kind: ballot.KindApproval, Options: []string{"North", "South", "East", "West"}, MaxChoices: 2},
	}
}

func scenarioAnswers(i int) [][]int {
	yn := 0
	if i%3 == 0 {
		yn = 1
	}
	parks := []int{i % 4}
	if i%2 == 0 {
		parks = append(parks, (i+1)%4)
	}
	return [][]int{{yn}, {i % 3}, parks}
}

func expectedCounts(answers map[int][][]int) [][]uint64 {
	counts := [][]uint64{make([]uint64, 2), make([]uint64, 3), make([]uint64, 4)}
	for _, a := range answers {
		for qi, sel := range a {
			for _, o := range sel {
				counts[qi][o]++
			}
		}
	}
	return counts
}

// runScenario: 50 voters, one re-vote, then tallying with the trustees in
// tally (the others absent). It returns the chain and the election.
func runScenario(t *testing.T, tally []int) (*chain, *ballot.Election, map[int][][]int) {
	c := newChain(t)
	const n = 50
	keys := make([]ed25519.PrivateKey, n)
	ids := make([]string, n)
	for i := range keys {
		keys[i] = voterKey(i)
		ids[i] = account(keys[i])
	}
	c.registerAccounts(keys)
	e := c.setup("city-2026", scenarioQuestions(), ids, 10*time.Second, time.Hour)
	c.BlockAt(time.Unix(e.OpensAt, 0)) // the election opens

	final := map[int][][]int{}
	var txs [][]byte
	for i, k := range keys {
		a := scenarioAnswers(i)
		m, _ := castMsg(t, e, ids[i], a...)
		raw := c.Tx(ballot.TypeCast, m, k)
		if i < 3 { // CheckTx verifies the proofs too
			if r := c.CheckTx(raw); r.Code != 0 {
				t.Fatalf("CheckTx of ballot %d: %s", i, r.Log)
			}
		}
		txs = append(txs, raw)
		final[i] = a
	}
	trackers := map[string]string{}
	for i, r := range c.Block(txs...).TxResults {
		if r.Code != 0 {
			t.Fatalf("cast %d: %s", i, r.Log)
		}
		trackers[ids[i]] = string(r.Data)
	}
	// Voter 7 changes their mind: the last ballot counts.
	revote := [][]int{{1}, {2}, {}}
	m, _ := castMsg(t, e, ids[7], revote...)
	r := c.MustOK(ballot.TypeCast, m, keys[7])
	final[7] = revote
	old, _ := ballot.Keeper{}.Tracker(c.View(), e.ID, trackers[ids[7]])
	if old == nil || old.Status != ballot.TrackerSuperseded {
		t.Fatalf("first tracker of the re-voter: %+v, want superseded", old)
	}
	nt, _ := ballot.Keeper{}.Tracker(c.View(), e.ID, r)
	if nt == nil || nt.Status != ballot.TrackerCounted || nt.Voter != ids[7] {
		t.Fatalf("new tracker: %+v", nt)
	}
	agg, _ := ballot.Keeper{}.Aggregate(c.View(), e.ID)
	if agg.Ballots != n {
		t.Fatalf("aggregate counts %d ballots, want %d (a re-vote replaces)", agg.Ballots, n)
	}

	// Close, then the trustees in tally decrypt.
	c.BlockAt(time.Unix(e.ClosesAt, 0))
	tkeys := []ed25519.PrivateKey{demo(t, "trustee-1"), demo(t, "trustee-2"), demo(t, "trustee-3")}
	for _, ti := range tally {
		c.MustOK(ballot.TypeTally, c.tallyMsg(e, tkeys[ti-1], uint32(ti)), tkeys[ti-1])
	}
	return c, c.election(e.ID), final
}

func TestFullElectionScenario(t *testing.T) {
	c, e, final := runScenario(t, []int{1, 3}) // trustee 2 absent
	if e.Phase != ballot.PhaseTallied {
		t.Fatalf("phase %s", e.Phase)
	}
	res := c.result(e.ID)
	want := expectedCounts(final)
	if !reflect.DeepEqual(res.Counts, want) || res.Ballots != 50 {
		t.Fatalf("result %v (%d ballots), want %v (50)", res.Counts, res.Ballots, want)
	}
	if !reflect.DeepEqual(res.Trustees, []uint32{1, 3}) {
		t.Fatalf("combined trustees %v", res.Trustees)
	}
	// A late trustee is told the tally is done.
	t2 := demo(t, "trustee-2")
	c.ExpectTx("late trustee", c.Tx(ballot.TypeTally, c.tallyMsg(e, t2, 2), t2), ballot.ErrAlreadyTallied, true)
	verifyElection(t, c, e.ID, want)
}

// Any two of the three trustees complete the tally with the same result.
func TestAnyThresholdSubsetTallies(t *testing.T) {
	for _, pair := range [][]int{{1, 2}, {2, 3}} {
		c, e, final := runScenario(t, pair)
		if got, want := c.result(e.ID).Counts, expectedCounts(final); !reflect.DeepEqual(got, want) {
			t.Fatalf("trustees %v: %v, want %v", pair, got, want)
		}
	}
}
