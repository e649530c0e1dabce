package ballot_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/publica/publica/crypto/elgamal"
	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/x/authority"
	"github.com/publica/publica/x/ballot"
)

// Election domain helpers over the shared test chain (internal/apptest):
// the key ceremony, cast and tally messages, reads of ballot records.

type chain struct{ *apptest.Chain }

func newChain(t testing.TB) *chain { return &chain{apptest.New(t)} }

var (
	demo    = apptest.DemoKey
	account = apptest.Account
)

// voterKey is the i-th test voter's key (not registered at genesis).
func voterKey(i int) ed25519.PrivateKey { return apptest.SeededKey("ballot-test-voter", i) }

func (c *chain) election(id string) *ballot.Election {
	c.T.Helper()
	e, err := ballot.Keeper{}.MustElection(c.View(), id)
	if err != nil {
		c.T.Fatal(err)
	}
	return e
}

func (c *chain) trustees(e *ballot.Election) []*ballot.Trustee {
	out := make([]*ballot.Trustee, len(e.Trustees))
	for i := range out {
		out[i], _ = ballot.Keeper{}.Trustee(c.View(), e.ID, uint32(i+1))
	}
	return out
}

func (c *chain) result(id string) *ballot.Result {
	c.T.Helper()
	r, err := ballot.Keeper{}.Result(c.View(), id)
	if err != nil || r == nil {
		c.T.Fatalf("no result for %s: %v", id, err)
	}
	return r
}

// mustBlock runs txs in one block and requires every one to succeed.
func (c *chain) mustBlock(what string, txs ...[]byte) {
	c.T.Helper()
	for i, r := range c.Block(txs...).TxResults {
		if r.Code != 0 {
			c.T.Fatalf("%s %d: %s/%d %s", what, i, r.Codespace, r.Code, r.Log)
		}
	}
}

// registerAccounts registers the accounts of keys in one block.
func (c *chain) registerAccounts(keys []ed25519.PrivateKey) {
	c.T.Helper()
	var txs [][]byte
	for _, k := range keys {
		txs = append(txs, c.Tx(authority.TypeRegisterAccount, authority.MsgRegisterAccount{}, k))
	}
	c.mustBlock("register", txs...)
}

// setup creates election id with the three demo trustees (threshold 2),
// runs the key ceremony and registers voters on its roll. It opens at
// opensIn and closes at closesIn from the chain's time.
func (c *chain) setup(id string, qs []ballot.Question, voters []string, opensIn, closesIn time.Duration) *ballot.Election {
	c.T.Helper()
	return c.setupWith(id, qs, ballot.Eligibility{Kind: ballot.RuleRoll}, voters, opensIn, closesIn)
}

func (c *chain) setupWith(id string, qs []ballot.Question, elig ballot.Eligibility, voters []string, opensIn, closesIn time.Duration) *ballot.Election {
	c.T.Helper()
	off := demo(c.T, "election-official")
	tkeys := []ed25519.PrivateKey{demo(c.T, "trustee-1"), demo(c.T, "trustee-2"), demo(c.T, "trustee-3")}
	var tids []string
	for _, k := range tkeys {
		tids = append(tids, account(k))
	}
	c.MustOK(ballot.TypeCreateElection, &ballot.MsgCreateElection{
		ID: id, Title: "Test election " + id, Questions: qs, Eligibility: elig,
		Trustees: tids, Threshold: 2, OpensAt: c.Time.Add(opensIn).Unix(), ClosesAt: c.Time.Add(closesIn).Unix(),
	}, off)
	if len(voters) > 0 {
		sorted := slices.Clone(voters)
		slices.Sort(sorted)
		c.MustOK(ballot.TypeRegisterVoters, &ballot.MsgRegisterVoters{Election: id, Voters: sorted}, off)
	}
	var txs [][]byte
	for _, k := range tkeys {
		txs = append(txs, c.Tx(ballot.TypeTrusteeKey, ballot.CommKeyMsg(k, id), k))
	}
	c.mustBlock("trustee key", txs...)
	e := c.election(id)
	trs := c.trustees(e)
	txs = nil
	for i, k := range tkeys {
		d, err := ballot.DealMsg(k, e, uint32(i+1), trs)
		if err != nil {
			c.T.Fatal(err)
		}
		txs = append(txs, c.Tx(ballot.TypeDeal, d, k))
	}
	c.mustBlock("deal", txs...)
	c.MustOK(ballot.TypePublishKey, &ballot.MsgPublishKey{Election: id}, off)
	return c.election(id)
}

// castMsg encrypts answers (selected option indices per question) for voter.
func castMsg(t testing.TB, e *ballot.Election, voter string, answers ...[]int) (*ballot.MsgCast, *elgamal.Ballot) {
	t.Helper()
	p, err := e.Params()
	if err != nil {
		t.Fatal(err)
	}
	ch, err := ballot.Choices(e, answers)
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := elgamal.EncryptBallot(p, voter, ch, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return encodeCast(t, e.ID, b), b
}

func encodeCast(t testing.TB, id string, b *elgamal.Ballot) *ballot.MsgCast {
	enc, err := b.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return &ballot.MsgCast{Election: id, Ballot: hex.EncodeToString(enc)}
}

// tallyMsg is trustee index's honest partial decryption of the aggregate.
func (c *chain) tallyMsg(e *ballot.Election, key ed25519.PrivateKey, index uint32) *ballot.MsgTally {
	c.T.Helper()
	complaints, _ := ballot.Keeper{}.Complaints(c.View(), e.ID)
	ks, err := ballot.KeyShareFor(key, e, index, c.trustees(e), complaints)
	if err != nil {
		c.T.Fatal(err)
	}
	agg, _ := ballot.Keeper{}.Aggregate(c.View(), e.ID)
	m, err := ballot.TallyMsg(ks, e, agg, rand.Reader)
	if err != nil {
		c.T.Fatal(err)
	}
	return m
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
