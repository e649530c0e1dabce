package ballot_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/publica/publica/app"
	"github.com/publica/publica/crypto/elgamal"
	"github.com/publica/publica/errs"
	"github.com/publica/publica/genesis"
	"github.com/publica/publica/store"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/x/authority"
	"github.com/publica/publica/x/ballot"
)

// chain drives the real application through ABCI, as CometBFT would.
type chain struct {
	t      testing.TB
	app    *app.App
	st     *store.Store
	height int64
	time   time.Time
	seq    map[string]uint64
}

var genesisTime = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func newChain(t testing.TB) *chain {
	t.Helper()
	st := store.OpenMemory()
	a := app.New(st)
	_, err := a.InitChain(context.Background(), &abci.RequestInitChain{
		ChainId: genesis.DevChainID, InitialHeight: 1, Time: genesisTime, AppStateBytes: genesis.DevAppState(),
	})
	if err != nil {
		t.Fatal(err)
	}
	c := &chain{t: t, app: a, st: st, time: genesisTime, seq: map[string]uint64{}}
	c.block()
	return c
}

// block finalizes and commits one block one second after the previous one.
func (c *chain) block(txs ...[]byte) []*abci.ExecTxResult {
	c.t.Helper()
	return c.blockAt(c.time.Add(time.Second), txs...)
}

func (c *chain) blockAt(at time.Time, txs ...[]byte) []*abci.ExecTxResult {
	c.t.Helper()
	c.height++
	c.time = at
	res, err := c.app.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Txs: txs, Height: c.height, Time: c.time})
	if err != nil {
		c.t.Fatal(err)
	}
	if _, err := c.app.Commit(context.Background(), &abci.RequestCommit{}); err != nil {
		c.t.Fatal(err)
	}
	return res.TxResults
}

func (c *chain) checkTx(raw []byte) *abci.ResponseCheckTx {
	c.t.Helper()
	res, err := c.app.CheckTx(context.Background(), &abci.RequestCheckTx{Tx: raw, Type: abci.CheckTxType_New})
	if err != nil {
		c.t.Fatal(err)
	}
	return res
}

// tx signs msg with key at the key's next sequence.
func (c *chain) tx(key ed25519.PrivateKey, msgType string, msg any) []byte {
	c.t.Helper()
	body, err := tx.EncodeMsg(msg)
	if err != nil {
		c.t.Fatal(err)
	}
	id := account(key)
	x := &tx.Tx{ChainID: genesis.DevChainID, Sequence: c.seq[id], ValidUntil: 1 << 30, MsgType: msgType, Msg: body}
	c.seq[id]++
	x.Sign(key)
	return x.Encode()
}

// must runs one message in its own block and requires success.
func (c *chain) must(key ed25519.PrivateKey, msgType string, msg any) *abci.ExecTxResult {
	c.t.Helper()
	r := c.block(c.tx(key, msgType, msg))[0]
	if r.Code != 0 {
		c.t.Fatalf("%s: %s/%d %s", msgType, r.Codespace, r.Code, r.Log)
	}
	return r
}

// expect runs raw through CheckTx (if check) and a block and requires code.
func (c *chain) expect(name string, raw []byte, want *errs.Error, check bool) *abci.ExecTxResult {
	c.t.Helper()
	if check {
		cr := c.checkTx(raw)
		if cr.Codespace != want.Codespace || cr.Code != want.Code {
			c.t.Errorf("%s: CheckTx gave %s/%d (%s), want %s/%d (%s)", name, cr.Codespace, cr.Code, cr.Log, want.Codespace, want.Code, want.Desc)
		}
	}
	r := c.block(raw)[0]
	// A message refused before authentication consumes no sequence.
	if x, err := tx.Decode(raw); err == nil {
		id := tx.AccountID(x.Primary())
		if a, _ := (authority.Keeper{}).Account(c.view(), id); a != nil {
			c.seq[id] = a.Sequence
		}
	}
	if r.Codespace != want.Codespace || r.Code != want.Code {
		c.t.Errorf("%s: FinalizeBlock gave %s/%d (%s), want %s/%d (%s)", name, r.Codespace, r.Code, r.Log, want.Codespace, want.Code, want.Desc)
	}
	return r
}

func (c *chain) view() *store.View {
	v, err := c.st.At(c.st.Version())
	if err != nil {
		c.t.Fatal(err)
	}
	return v
}

func (c *chain) election(id string) *ballot.Election {
	c.t.Helper()
	e, err := ballot.Keeper{}.MustElection(c.view(), id)
	if err != nil {
		c.t.Fatal(err)
	}
	return e
}

func (c *chain) trustees(e *ballot.Election) []*ballot.Trustee {
	out := make([]*ballot.Trustee, len(e.Trustees))
	for i := range out {
		out[i], _ = ballot.Keeper{}.Trustee(c.view(), e.ID, uint32(i+1))
	}
	return out
}

func demo(t testing.TB, name string) ed25519.PrivateKey {
	for _, d := range genesis.DemoKeys {
		if d.Name == name {
			return d.PrivateKey()
		}
	}
	t.Fatalf("no demo key %s", name)
	return nil
}

func account(k ed25519.PrivateKey) string { return tx.AccountID(k.Public().(ed25519.PublicKey)) }

func voterKey(i int) ed25519.PrivateKey {
	var seed [32]byte
	binary.BigEndian.PutUint64(seed[:], uint64(i)+1)
	copy(seed[8:], "ballot-test-voter")
	return ed25519.NewKeyFromSeed(seed[:])
}

// registerVoters creates n voter accounts in one block.
func (c *chain) registerAccounts(keys []ed25519.PrivateKey) {
	c.t.Helper()
	var txs [][]byte
	for _, k := range keys {
		txs = append(txs, c.tx(k, authority.TypeRegisterAccount, authority.MsgRegisterAccount{}))
	}
	for i, r := range c.block(txs...) {
		if r.Code != 0 {
			c.t.Fatalf("register %d: %s", i, r.Log)
		}
	}
}

// setup creates election id with the three demo trustees (threshold 2),
// runs the key ceremony and registers voters on its roll. It opens at
// opensIn and closes at closesIn from the chain's time.
func (c *chain) setup(id string, qs []ballot.Question, voters []string, opensIn, closesIn time.Duration) *ballot.Election {
	c.t.Helper()
	return c.setupWith(id, qs, ballot.Eligibility{Kind: ballot.RuleRoll}, voters, opensIn, closesIn)
}

func (c *chain) setupWith(id string, qs []ballot.Question, elig ballot.Eligibility, voters []string, opensIn, closesIn time.Duration) *ballot.Election {
	c.t.Helper()
	off := demo(c.t, "election-official")
	tkeys := []ed25519.PrivateKey{demo(c.t, "trustee-1"), demo(c.t, "trustee-2"), demo(c.t, "trustee-3")}
	var tids []string
	for _, k := range tkeys {
		tids = append(tids, account(k))
	}
	c.must(off, ballot.TypeCreateElection, &ballot.MsgCreateElection{
		ID: id, Title: "Test election " + id, Questions: qs, Eligibility: elig,
		Trustees: tids, Threshold: 2, OpensAt: c.time.Add(opensIn).Unix(), ClosesAt: c.time.Add(closesIn).Unix(),
	})
	if len(voters) > 0 {
		c.must(off, ballot.TypeRegisterVoters, &ballot.MsgRegisterVoters{Election: id, Voters: sortedCopy(voters)})
	}
	var txs [][]byte
	for _, k := range tkeys {
		txs = append(txs, c.tx(k, ballot.TypeTrusteeKey, ballot.CommKeyMsg(k, id)))
	}
	for _, r := range c.block(txs...) {
		if r.Code != 0 {
			c.t.Fatalf("trustee key: %s", r.Log)
		}
	}
	e := c.election(id)
	trs := c.trustees(e)
	txs = nil
	for i, k := range tkeys {
		d, err := ballot.DealMsg(k, e, uint32(i+1), trs)
		if err != nil {
			c.t.Fatal(err)
		}
		txs = append(txs, c.tx(k, ballot.TypeDeal, d))
	}
	for _, r := range c.block(txs...) {
		if r.Code != 0 {
			c.t.Fatalf("deal: %s", r.Log)
		}
	}
	c.must(off, ballot.TypePublishKey, &ballot.MsgPublishKey{Election: id})
	return c.election(id)
}

func sortedCopy(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
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
	return &ballot.MsgCast{Election: id, Ballot: hexs(enc)}
}

// tallyMsg is trustee index's honest partial decryption of the aggregate.
func (c *chain) tallyMsg(e *ballot.Election, key ed25519.PrivateKey, index uint32) *ballot.MsgTally {
	c.t.Helper()
	complaints, _ := ballot.Keeper{}.Complaints(c.view(), e.ID)
	ks, err := ballot.KeyShareFor(key, e, index, c.trustees(e), complaints)
	if err != nil {
		c.t.Fatal(err)
	}
	agg, _ := ballot.Keeper{}.Aggregate(c.view(), e.ID)
	m, err := ballot.TallyMsg(ks, e, agg, rand.Reader)
	if err != nil {
		c.t.Fatal(err)
	}
	return m
}

func (c *chain) result(id string) *ballot.Result {
	c.t.Helper()
	r, err := ballot.Keeper{}.Result(c.view(), id)
	if err != nil || r == nil {
		c.t.Fatalf("no result for %s: %v", id, err)
	}
	return r
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
