package election_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/publica/publica/audit/election"
	"github.com/publica/publica/crypto/elgamal"
	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/store"
	"github.com/publica/publica/x/authority"
	"github.com/publica/publica/x/ballot"
)

// The verifier's own tests, on an election run in-process (internal/apptest):
// it passes the honest chain, and names the failure when any one record
// kind is tampered with, a counted ballot is missing, or a ballot comes
// from a voter not on the roll.

const electionID = "verify-me"

type tallied struct {
	c      *apptest.Chain
	e      *ballot.Election
	voters []ed25519.PrivateKey // voters[7] has an account but is never on the roll
	counts [][]uint64
}

func trusteeKeys(t testing.TB) []ed25519.PrivateKey {
	return []ed25519.PrivateKey{apptest.DemoKey(t, "trustee-1"), apptest.DemoKey(t, "trustee-2"), apptest.DemoKey(t, "trustee-3")}
}

// mustBlock runs txs in one block; every one must succeed.
func mustBlock(t testing.TB, c *apptest.Chain, what string, txs ...[]byte) {
	t.Helper()
	for i, r := range c.Block(txs...).TxResults {
		if r.Code != 0 {
			t.Fatalf("%s %d: %s/%d %s", what, i, r.Codespace, r.Code, r.Log)
		}
	}
}

// encryptFor encrypts answers (option indices per question) for voter.
func encryptFor(t testing.TB, e *ballot.Election, voter string, answers ...[]int) []byte {
	t.Helper()
	ch, err := ballot.Choices(e, answers)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := e.Params()
	b, _, err := elgamal.EncryptBallot(p, voter, ch, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	enc, _ := b.Encode()
	return enc
}

// runElection: 8 accounts, 7 on the roll (three trustees, 2 to decrypt);
// voters 0–5 cast, voter 2 casts again (one superseded tracker), voter 6
// casts and is removed from the roll (one withdrawn tracker); trustees 1
// and 3 tally.
func runElection(t *testing.T) *tallied {
	t.Helper()
	c := apptest.New(t)
	f := &tallied{c: c}
	var txs [][]byte
	var roll []string
	for i := range 8 {
		k := apptest.SeededKey("audit-election-voter", i)
		f.voters = append(f.voters, k)
		txs = append(txs, c.Tx(authority.TypeRegisterAccount, authority.MsgRegisterAccount{}, k))
		if i < 7 {
			roll = append(roll, apptest.Account(k))
		}
	}
	mustBlock(t, c, "register", txs...)
	slices.Sort(roll)
	off := apptest.DemoKey(t, "election-official")
	tkeys := trusteeKeys(t)
	var tids []string
	for _, k := range tkeys {
		tids = append(tids, apptest.Account(k))
	}
	opens, closes := c.Time.Add(10*time.Second), c.Time.Add(time.Hour)
	c.MustOK(ballot.TypeCreateElection, &ballot.MsgCreateElection{
		ID: electionID, Title: "Verifier test", Eligibility: ballot.Eligibility{Kind: ballot.RuleRoll},
		Questions: []ballot.Question{
			{Text: "Approve?", Kind: ballot.KindYesNo, Options: []string{"yes", "no"}},
			{Text: "Chair", Kind: ballot.KindSingle, Options: []string{"Ann", "Ben", "Cy"}},
			{Text: "Parks", Kind: ballot.KindApproval, Options: []string{"North", "South", "East"}, MaxChoices: 2},
		},
		Trustees: tids, Threshold: 2, OpensAt: opens.Unix(), ClosesAt: closes.Unix(),
	}, off)
	c.MustOK(ballot.TypeRegisterVoters, &ballot.MsgRegisterVoters{Election: electionID, Voters: roll}, off)
	txs = nil
	for _, k := range tkeys {
		txs = append(txs, c.Tx(ballot.TypeTrusteeKey, ballot.CommKeyMsg(k, electionID), k))
	}
	mustBlock(t, c, "trustee key", txs...)
	e := f.election()
	trs := f.trustees(e)
	txs = nil
	for i, k := range tkeys {
		d, err := ballot.DealMsg(k, e, uint32(i+1), trs)
		if err != nil {
			t.Fatal(err)
		}
		txs = append(txs, c.Tx(ballot.TypeDeal, d, k))
	}
	mustBlock(t, c, "deal", txs...)
	c.MustOK(ballot.TypePublishKey, &ballot.MsgPublishKey{Election: electionID}, off)
	e = f.election()
	c.BlockAt(opens)

	answers := [][][]int{
		{{0}, {0}, {0}}, {{0}, {1}, {0, 2}}, {{1}, {2}, {}}, {{0}, {0}, {1}},
		{{1}, {1}, {2}}, {{0}, {2}, {0, 1}}, {{1}, {0}, {}},
	}
	final := map[int][][]int{}
	txs = nil
	for i := range 7 {
		enc := encryptFor(t, e, apptest.Account(f.voters[i]), answers[i]...)
		txs = append(txs, c.Tx(ballot.TypeCast, &ballot.MsgCast{Election: electionID, Ballot: hex.EncodeToString(enc)}, f.voters[i]))
		final[i] = answers[i]
	}
	mustBlock(t, c, "cast", txs...)
	revote := [][]int{{0}, {1}, {1, 2}}
	enc := encryptFor(t, e, apptest.Account(f.voters[2]), revote...)
	c.MustOK(ballot.TypeCast, &ballot.MsgCast{Election: electionID, Ballot: hex.EncodeToString(enc)}, f.voters[2])
	final[2] = revote
	c.MustOK(ballot.TypeRemoveVoters, &ballot.MsgRemoveVoters{Election: electionID, Voters: []string{apptest.Account(f.voters[6])}}, off)
	delete(final, 6)

	c.BlockAt(closes)
	for _, j := range []int{1, 3} {
		k := tkeys[j-1]
		ks, err := ballot.KeyShareFor(k, e, uint32(j), f.trustees(e), nil)
		if err != nil {
			t.Fatal(err)
		}
		var agg ballot.Aggregate
		json.Unmarshal(f.c.View().Get(ballot.AggregateKey(electionID)), &agg)
		m, err := ballot.TallyMsg(ks, e, &agg, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		c.MustOK(ballot.TypeTally, m, k)
	}
	f.e = f.election()
	f.counts = [][]uint64{make([]uint64, 2), make([]uint64, 3), make([]uint64, 3)}
	for _, a := range final {
		for qi, q := range a {
			for _, o := range q {
				f.counts[qi][o]++
			}
		}
	}
	return f
}

func (f *tallied) election() *ballot.Election {
	var e ballot.Election
	if err := json.Unmarshal(f.c.View().Get(ballot.ElectionKey(electionID)), &e); err != nil {
		f.c.T.Fatal(err)
	}
	return &e
}

func (f *tallied) trustees(e *ballot.Election) []*ballot.Trustee {
	out := make([]*ballot.Trustee, len(e.Trustees))
	for i := range out {
		if raw := f.c.View().Get(ballot.TrusteeKey(electionID, uint32(i+1))); raw != nil {
			out[i] = new(ballot.Trustee)
			json.Unmarshal(raw, out[i])
		}
	}
	return out
}

// editJSON rewrites the JSON record at key.
func editJSON[T any](t *testing.T, kv store.KV, key []byte, edit func(*T)) {
	t.Helper()
	var v T
	if err := json.Unmarshal(kv.Get(key), &v); err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	edit(&v)
	b, _ := json.Marshal(&v)
	kv.Set(key, b)
}

func flipHex(s string, i int) string {
	b, _ := hex.DecodeString(s)
	b[i] ^= 1
	return hex.EncodeToString(b)
}

func TestVerifyHonestAndTampered(t *testing.T) {
	f := runElection(t)
	view := f.c.View()
	rep, err := election.Verify(election.StoreSource{KV: view}, electionID)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK || !reflect.DeepEqual(rep.Result, f.counts) || rep.Ballots != 6 || rep.BallotsValid != 6 || rep.Dealings != 3 ||
		rep.Trackers["counted"] != 6 || rep.Trackers["superseded"] != 1 || rep.Trackers["withdrawn"] != 1 ||
		!rep.AggregateMatches || !rep.ResultMatches || rep.PartialsVerified != 16 {
		t.Fatalf("honest election (want counts %v):\n%s", f.counts, rep.Summary())
	}
	t.Log(rep.Summary())
	var words []string
	for qi, q := range []struct {
		text string
		opts []string
	}{{"Approve?", []string{"yes", "no"}}, {"Chair", []string{"Ann", "Ben", "Cy"}}, {"Parks", []string{"North", "South", "East"}}} {
		var counts []string
		for oi, o := range q.opts {
			counts = append(counts, fmt.Sprintf("%s %d", o, f.counts[qi][oi]))
		}
		words = append(words, q.text+": "+strings.Join(counts, ", "))
	}
	if want := "  result: " + strings.Join(words, "; ") + "\n"; !strings.Contains(rep.Summary(), want) {
		t.Errorf("the summary does not name each count as %q:\n%s", want, rep.Summary())
	}

	id := electionID
	voter := func(i int) string { return apptest.Account(f.voters[i]) }
	otherKey, _ := elgamal.GenerateKey(elgamal.DeterministicReader("not the election key"))
	correctShare, err := ballot.RevealShare(trusteeKeys(t)[0], f.e, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		tamper func(kv store.KV)
		want   string // a failure containing this
	}{
		// election
		{"election: another public key", func(kv store.KV) {
			editJSON(t, kv, ballot.ElectionKey(id), func(e *ballot.Election) { e.PublicKey = otherKey.Public.String() })
		}, "election key recomputed"},
		{"election: a verification key changed", func(kv store.KV) {
			editJSON(t, kv, ballot.ElectionKey(id), func(e *ballot.Election) { e.VerificationKeys[1] = otherKey.Public.String() })
		}, "verification key of trustee 2"},
		{"election: qualified dealers changed", func(kv store.KV) {
			editJSON(t, kv, ballot.ElectionKey(id), func(e *ballot.Election) { e.Qualified = []uint32{1, 2} })
		}, "qualified dealers recomputed"},
		{"election: a question's limit changed", func(kv store.KV) {
			editJSON(t, kv, ballot.ElectionKey(id), func(e *ballot.Election) { e.Questions[2].MaxChoices = 1 })
		}, "ballot of"},
		// trustee
		{"trustee: a dealing changed", func(kv store.KV) {
			editJSON(t, kv, ballot.TrusteeKey(id, 2), func(tr *ballot.Trustee) { tr.Dealing = flipHex(tr.Dealing, 40) })
		}, "dealing of trustee 2"},
		{"trustee: marked disqualified", func(kv store.KV) {
			editJSON(t, kv, ballot.TrusteeKey(id, 3), func(tr *ballot.Trustee) { tr.Disqualified = true })
		}, "trustee 3: disqualified=true"},
		// complaint
		{"complaint: left open", func(kv store.KV) {
			b, _ := json.Marshal(&ballot.Complaint{Dealer: 1, Complainer: 2, Status: "open"})
			kv.Set(ballot.ComplaintKey(id, 1, 2), b)
		}, "still \"open\""},
		{"complaint: upheld against an honest dealer", func(kv store.KV) {
			b, _ := json.Marshal(&ballot.Complaint{Dealer: 1, Complainer: 2, Status: "upheld", Revealed: correctShare.Share})
			kv.Set(ballot.ComplaintKey(id, 1, 2), b)
		}, "upheld although the revealed share is correct"},
		{"complaint: rejected with a wrong share", func(kv store.KV) {
			b, _ := json.Marshal(&ballot.Complaint{Dealer: 1, Complainer: 2, Status: "rejected", Revealed: flipHex(correctShare.Share, 3)})
			kv.Set(ballot.ComplaintKey(id, 1, 2), b)
		}, "rejected but the revealed share does not match"},
		// roll: a counted ballot from a voter not on the roll
		{"roll: a counted voter removed", func(kv store.KV) { kv.Delete(ballot.RollKey(id, voter(0))) }, "not on the roll"},
		// vote
		{"vote: a ballot's bytes changed", func(kv store.KV) {
			v := append([]byte(nil), kv.Get(ballot.VoteKey(id, voter(1)))...)
			v[len(v)-40] ^= 1
			kv.Set(ballot.VoteKey(id, voter(1)), v)
		}, "ballot of " + voter(1)},
		{"vote: a counted ballot missing", func(kv store.KV) { kv.Delete(ballot.VoteKey(id, voter(3))) }, "6 trackers marked counted, 5 counted ballots"},
		{"vote: a counted ballot and its tracker missing", func(kv store.KV) {
			kv.Delete(ballot.TrackerKey(id, ballot.TrackerOf(kv.Get(ballot.VoteKey(id, voter(3))))))
			kv.Delete(ballot.VoteKey(id, voter(3)))
		}, "the chain's aggregate (6 ballots) differs from the sum of the 5 counted ballots"},
		{"vote: a ballot filed under another voter", func(kv store.KV) {
			kv.Set(ballot.VoteKey(id, voter(4)), kv.Get(ballot.VoteKey(id, voter(5))))
		}, "ballot names voter " + voter(5)},
		{"vote: a ballot from a voter not on the roll", func(kv store.KV) {
			enc := encryptFor(t, f.e, voter(7), []int{1}, []int{1}, []int{})
			kv.Set(ballot.VoteKey(id, voter(7)), enc)
			b, _ := json.Marshal(&ballot.Tracker{Voter: voter(7), Status: ballot.TrackerCounted, Height: 3})
			kv.Set(ballot.TrackerKey(id, ballot.TrackerOf(enc)), b)
		}, "ballot of " + voter(7) + " counted but the voter is not on the roll"},
		{"vote: the withdrawn voter's ballot counted again", func(kv store.KV) {
			// Find voter 6's withdrawn tracker: its ballot is no longer a vote record.
			p := ballot.TrackerPrefix(id)
			kv.Iterate(p, store.PrefixEnd(p), false, func(k, v []byte) bool {
				var tr ballot.Tracker
				json.Unmarshal(v, &tr)
				if tr.Status == ballot.TrackerWithdrawn {
					tr.Status = ballot.TrackerCounted
					b, _ := json.Marshal(&tr)
					kv.Set(k, b)
				}
				return true
			})
		}, "7 trackers marked counted, 6 counted ballots"},
		// tracker
		{"tracker: a counted one marked superseded", func(kv store.KV) {
			tr := ballot.TrackerOf(kv.Get(ballot.VoteKey(id, voter(0))))
			editJSON(t, kv, ballot.TrackerKey(id, tr), func(r *ballot.Tracker) { r.Status = ballot.TrackerSuperseded })
		}, "5 trackers marked counted, 6 counted ballots"},
		{"tracker: a counted one names another voter", func(kv store.KV) {
			tr := ballot.TrackerOf(kv.Get(ballot.VoteKey(id, voter(0))))
			editJSON(t, kv, ballot.TrackerKey(id, tr), func(r *ballot.Tracker) { r.Voter = voter(1) })
		}, "is not marked counted for this voter"},
		// aggregate
		{"aggregate: a ciphertext changed", func(kv store.KV) {
			editJSON(t, kv, ballot.AggregateKey(id), func(a *ballot.Aggregate) { a.Questions[1][2] = a.Questions[1][0] })
		}, "the chain's aggregate"},
		{"aggregate: the ballot count changed", func(kv store.KV) {
			editJSON(t, kv, ballot.AggregateKey(id), func(a *ballot.Aggregate) { a.Ballots++ })
		}, "the chain's aggregate (7 ballots)"},
		// partial
		{"partial: a decryption share changed", func(kv store.KV) {
			v := append([]byte(nil), kv.Get(ballot.PartialKey(id, 3))...)
			v[70] ^= 1
			kv.Set(ballot.PartialKey(id, 3), v)
		}, "trustee 3 question 0 option 0"},
		{"partial: missing", func(kv store.KV) { kv.Delete(ballot.PartialKey(id, 1)) }, "result uses trustee 1"},
		{"partial: truncated", func(kv store.KV) {
			v := kv.Get(ballot.PartialKey(id, 1))
			kv.Set(ballot.PartialKey(id, 1), append([]byte(nil), v[:len(v)-elgamal.PartialDecryptionSize]...))
		}, "trustee 1: too few partial decryptions"},
		// result
		{"result: counts changed", func(kv store.KV) {
			editJSON(t, kv, ballot.ResultKey(id), func(r *ballot.Result) { r.Counts[1][0]++; r.Counts[1][1]-- })
		}, "published result"},
		{"result: below the threshold", func(kv store.KV) {
			editJSON(t, kv, ballot.ResultKey(id), func(r *ballot.Result) { r.Trustees = r.Trustees[:1] })
		}, "result combines 1 trustees, threshold 2"},
		{"result: missing", func(kv store.KV) { kv.Delete(ballot.ResultKey(id)) }, "tallied but no result record"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kv := store.NewCache(view)
			tc.tamper(kv)
			rep, err := election.Verify(election.StoreSource{KV: kv}, id)
			if err != nil {
				t.Fatal(err)
			}
			if rep.OK || !strings.Contains(strings.Join(rep.Failures, "\n"), tc.want) {
				t.Errorf("verdict OK=%v, failures:\n  %s\nwant a failure containing %q", rep.OK, strings.Join(rep.Failures, "\n  "), tc.want)
			}
			if s := rep.Summary(); !strings.Contains(s, "FAIL") {
				t.Errorf("summary:\n%s", s)
			}
		})
	}

	// Records the verifier cannot read are an error, not a verdict.
	if _, err := election.Verify(election.StoreSource{KV: view}, "no-such-election"); err == nil {
		t.Error("an unknown election verified")
	}
	kv := store.NewCache(view)
	kv.Set(ballot.AggregateKey(id), []byte("{"))
	if _, err := election.Verify(election.StoreSource{KV: kv}, id); err == nil || !strings.Contains(err.Error(), "aggregate") {
		t.Errorf("a broken aggregate record: %v", err)
	}
}
