// Package apptest drives the Publica application in-process through ABCI,
// as CometBFT would, for tests: one chain, the demo keys, signing with the
// right sequences, proven queries and "expect this code" checks.
//
// A typical test:
//
//	c := apptest.New(t)                       // dev genesis, block 1 committed
//	clerk := apptest.DemoKey(t, "clerk")
//	id := c.MustOK(land.TypeRegisterParcel, msg, clerk) // one message, one block; returns Data
//	c.Expect(land.ErrX, land.TypeRegisterParcel, msg, clerk) // must be refused with land.ErrX
//	var p land.Parcel
//	c.Query("/land/parcel/"+id, &p)          // proven query, proof checked against the app hash
//
// Several transactions in one block: build them with c.Tx (each reserves
// its primary signer's next sequence until the next block) and pass them to
// c.Block. Transactions with an explicit sequence: Signed. Results of raw
// transactions, CheckTx or a whole block: Expect / Check / MustOKResult.
//
// Everything is deterministic: fixed genesis time, fixed block step, demo
// keys and SeededKey derive from names. Real nodes (RPC, CometBFT) live in
// internal/testnode.
package apptest

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"

	"github.com/publica/publica/app"
	"github.com/publica/publica/errs"
	"github.com/publica/publica/genesis"
	"github.com/publica/publica/proof"
	"github.com/publica/publica/store"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/x/authority"
)

// GenesisTime is the default genesis (and first block) time.
var GenesisTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// ChainID is the chain id every harness chain runs under.
const ChainID = genesis.DevChainID

// ValidUntil is the valid-until height of transactions the harness signs:
// far beyond any test.
const ValidUntil = 1 << 30

// Options change how New starts a chain; the zero value is the default.
type Options struct {
	// AppState is the genesis app_state (default genesis.DevAppState();
	// see DevAppStateWith to replace one module's genesis).
	AppState []byte
	// Store is the store to run on (default an in-memory store), e.g. an
	// on-disk pebble store.
	Store *store.Store
	// GenesisTime is the genesis and first block time (default GenesisTime).
	GenesisTime time.Time
	// Step is how far each Block advances the block time (default 1s).
	Step time.Duration
	// NoFirstBlock leaves the chain at height 0 after InitChain (queries
	// and Tx need a committed block; Signed does not).
	NoFirstBlock bool
	// OnBlock, if set, sees every block's transactions and response.
	OnBlock func(txs [][]byte, res *abci.ResponseFinalizeBlock)
	// AppVersion is the genesis protocol version (default
	// app.ProtocolVersion, the latest; 1 is a chain from before
	// governance).
	AppVersion uint64
	// Validators is the genesis validator set InitChain reports (default
	// none: the application then records none).
	Validators []abci.ValidatorUpdate
}

// Chain is one application driven block by block.
type Chain struct {
	T      testing.TB
	App    *app.App
	Store  *store.Store
	Height int64     // last committed height
	Time   time.Time // time of the last block (genesis time before any)
	Step   time.Duration

	onBlock func([][]byte, *abci.ResponseFinalizeBlock)
	// pending is the next sequence per account for transactions built
	// since the last block (several in one block).
	pending map[string]uint64
}

// New starts a chain on the development genesis and commits an empty
// block 1.
func New(t testing.TB) *Chain { return NewWith(t, Options{}) }

// NewWith starts a chain with options.
func NewWith(t testing.TB, o Options) *Chain {
	t.Helper()
	if o.AppState == nil {
		o.AppState = genesis.DevAppState()
	}
	if o.Store == nil {
		o.Store = store.OpenMemory()
	}
	if o.GenesisTime.IsZero() {
		o.GenesisTime = GenesisTime
	}
	if o.Step == 0 {
		o.Step = time.Second
	}
	if o.AppVersion == 0 {
		o.AppVersion = app.ProtocolVersion
	}
	a := app.New(o.Store)
	if _, err := a.InitChain(context.Background(), &abci.RequestInitChain{
		ChainId: ChainID, InitialHeight: 1, Time: o.GenesisTime, AppStateBytes: o.AppState,
		ConsensusParams: &cmtproto.ConsensusParams{Version: &cmtproto.VersionParams{App: o.AppVersion}},
		Validators:      o.Validators,
	}); err != nil {
		t.Fatal(err)
	}
	c := &Chain{T: t, App: a, Store: o.Store, Time: o.GenesisTime, Step: o.Step, onBlock: o.OnBlock, pending: map[string]uint64{}}
	if !o.NoFirstBlock {
		c.Block()
	}
	return c
}

// DevAppStateWith is the development app_state with module's genesis
// replaced by g (marshalled to JSON).
func DevAppStateWith(t testing.TB, module string, g any) []byte {
	t.Helper()
	var gs map[string]json.RawMessage
	if err := json.Unmarshal(genesis.DevAppState(), &gs); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	gs[module] = b
	out, err := json.Marshal(gs)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Block finalizes and commits one block Step after the previous one.
func (c *Chain) Block(txs ...[]byte) *abci.ResponseFinalizeBlock {
	c.T.Helper()
	return c.BlockAt(c.Time.Add(c.Step), txs...)
}

// BlockAt finalizes and commits one block at time at.
func (c *Chain) BlockAt(at time.Time, txs ...[]byte) *abci.ResponseFinalizeBlock {
	c.T.Helper()
	c.Height++
	c.Time = at
	res, err := c.App.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Txs: txs, Height: c.Height, Time: at})
	if err != nil {
		c.T.Fatal(err)
	}
	if _, err := c.App.Commit(context.Background(), &abci.RequestCommit{}); err != nil {
		c.T.Fatal(err)
	}
	clear(c.pending)
	if c.onBlock != nil {
		c.onBlock(txs, res)
	}
	return res
}

// CheckTx runs raw through the mempool check.
func (c *Chain) CheckTx(raw []byte) *abci.ResponseCheckTx {
	c.T.Helper()
	res, err := c.App.CheckTx(context.Background(), &abci.RequestCheckTx{Tx: raw, Type: abci.CheckTxType_New})
	if err != nil {
		c.T.Fatal(err)
	}
	return res
}

// AppHash is the app hash of the last committed block.
func (c *Chain) AppHash() []byte { return c.Store.Hash() }

// View is the committed state at the last height.
func (c *Chain) View() *store.View {
	c.T.Helper()
	v, err := c.Store.At(c.Store.Version())
	if err != nil {
		c.T.Fatal(err)
	}
	return v
}

// AccountOf is the account key k controls now (after a key rotation that
// is not Account(k)); Account(k) if the key is not registered.
func (c *Chain) AccountOf(k ed25519.PrivateKey) string {
	c.T.Helper()
	if id := (authority.Keeper{}).AccountIDByPubKey(c.View(), Pub(k)); id != "" {
		return id
	}
	return Account(k)
}

// Sequence is the committed sequence of the account k controls (0 if none).
func (c *Chain) Sequence(k ed25519.PrivateKey) uint64 {
	c.T.Helper()
	a, _ := (authority.Keeper{}).Account(c.View(), c.AccountOf(k))
	if a == nil {
		return 0
	}
	return a.Sequence
}

// Tx signs msg with keys (keys[0] is the primary signer, the rest
// co-sign) at the primary account's next sequence. The sequence stays
// reserved until the next block, so several transactions of one signer can
// go into one block.
func (c *Chain) Tx(msgType string, msg any, keys ...ed25519.PrivateKey) []byte {
	c.T.Helper()
	if len(keys) == 0 {
		c.T.Fatal("apptest: a transaction needs a signer")
	}
	id := c.AccountOf(keys[0])
	seq, ok := c.pending[id]
	if !ok {
		seq = c.Sequence(keys[0])
	}
	c.pending[id] = seq + 1
	return Signed(c.T, seq, msgType, msg, keys...)
}

// Signed builds a transaction with an explicit sequence, signed by keys in
// order (the first is primary).
func Signed(t testing.TB, seq uint64, msgType string, msg any, keys ...ed25519.PrivateKey) []byte {
	t.Helper()
	body, err := tx.EncodeMsg(msg)
	if err != nil {
		t.Fatal(err)
	}
	x := &tx.Tx{ChainID: ChainID, Sequence: seq, ValidUntil: ValidUntil, MsgType: msgType, Msg: body}
	for _, k := range keys {
		x.Sign(k)
	}
	return x.Encode()
}

// Do runs one message in its own block and returns its result.
func (c *Chain) Do(msgType string, msg any, keys ...ed25519.PrivateKey) *abci.ExecTxResult {
	c.T.Helper()
	return c.Block(c.Tx(msgType, msg, keys...)).TxResults[0]
}

// MustOK runs one message in its own block, requires success and returns
// the result data.
func (c *Chain) MustOK(msgType string, msg any, keys ...ed25519.PrivateKey) string {
	c.T.Helper()
	r := c.Do(msgType, msg, keys...)
	if r.Code != 0 {
		c.T.Fatalf("%s: %s/%d %s", msgType, r.Codespace, r.Code, r.Log)
	}
	return string(r.Data)
}

// Expect runs one message in its own block and requires want (nil:
// success).
func (c *Chain) Expect(want *errs.Error, msgType string, msg any, keys ...ed25519.PrivateKey) *abci.ExecTxResult {
	c.T.Helper()
	r := c.Do(msgType, msg, keys...)
	expect(c.T, c.T.Fatalf, msgType, r, want)
	return r
}

// ExpectTx runs raw through CheckTx (if checkTx: it must give want there
// too) and then in its own block, and reports (t.Errorf, the test goes on)
// a result other than want (nil: success).
func (c *Chain) ExpectTx(name string, raw []byte, want *errs.Error, checkTx bool) *abci.ExecTxResult {
	c.T.Helper()
	if checkTx {
		expect(c.T, c.T.Errorf, name+": CheckTx", c.CheckTx(raw), want)
	}
	r := c.Block(raw).TxResults[0]
	expect(c.T, c.T.Errorf, name+": FinalizeBlock", r, want)
	return r
}

// Result is what Expect and Check compare: an *abci.ExecTxResult, an
// *abci.ResponseCheckTx or an *abci.ResponseQuery.
type Result interface {
	GetCode() uint32
	GetCodespace() string
	GetLog() string
}

// Expect stops the test unless res has want's codespace and code (nil
// want: success). A refusal must carry a log for people.
func Expect(t testing.TB, res Result, want *errs.Error) {
	t.Helper()
	expect(t, t.Fatalf, "", res, want)
}

// Check is Expect that lets the test go on (t.Errorf); it reports whether
// res matched.
func Check(t testing.TB, name string, res Result, want *errs.Error) bool {
	t.Helper()
	return expect(t, t.Errorf, name, res, want)
}

// MustOKResult stops the test unless res succeeded and returns its data.
func MustOKResult(t testing.TB, res *abci.ExecTxResult) string {
	t.Helper()
	expect(t, t.Fatalf, "", res, nil)
	return string(res.Data)
}

func expect(t testing.TB, fail func(string, ...any), name string, res Result, want *errs.Error) bool {
	t.Helper()
	if name != "" {
		name += ": "
	}
	if want == nil {
		if res.GetCode() != 0 {
			fail("%sgot %s/%d (%s), want success", name, res.GetCodespace(), res.GetCode(), res.GetLog())
			return false
		}
		return true
	}
	if res.GetCode() != want.Code || res.GetCodespace() != want.Codespace {
		fail("%sgot %s/%d (%s), want %s/%d (%s)", name, res.GetCodespace(), res.GetCode(), res.GetLog(), want.Codespace, want.Code, want.Desc)
		return false
	}
	if res.GetLog() == "" {
		fail("%s%s/%d without a log for people", name, want.Codespace, want.Code)
		return false
	}
	return true
}

// RawQuery runs an ABCI query as is (path, data, height, prove).
func (c *Chain) RawQuery(req *abci.RequestQuery) *abci.ResponseQuery {
	c.T.Helper()
	res, err := c.App.Query(context.Background(), req)
	if err != nil {
		c.T.Fatalf("query %s: %v", req.Path, err)
	}
	return res
}

// Query is QueryAt the last height.
func (c *Chain) Query(path string, v any) bool {
	c.T.Helper()
	return c.QueryAt(path, 0, v)
}

// QueryAt runs a proven query at height (0: latest), verifies the proof
// against that height's app hash and decodes the JSON value into v (nil:
// skip; a *string takes a non-JSON value as is). It returns false when the
// key is proven absent.
func (c *Chain) QueryAt(path string, height int64, v any) bool {
	c.T.Helper()
	res := c.RawQuery(&abci.RequestQuery{Path: path, Height: height, Prove: true})
	if res.Code != 0 {
		c.T.Fatalf("query %s: %s/%d %s", path, res.Codespace, res.Code, res.Log)
	}
	view, err := c.Store.At(res.Height)
	if err != nil {
		c.T.Fatal(err)
	}
	if err := proof.Verify(view.Hash(), res.ProofOps, res.Key, res.Value); err != nil {
		c.T.Fatalf("query %s: proof: %v", path, err)
	}
	if res.Value == nil {
		return false
	}
	decode(c.T, path, res.Value, v)
	return true
}

// List runs an unproven query (lists cannot be proven as one key) and
// decodes its JSON value into v.
func (c *Chain) List(path string, v any) {
	c.T.Helper()
	res := c.RawQuery(&abci.RequestQuery{Path: path})
	if res.Code != 0 {
		c.T.Fatalf("query %s: %s/%d %s", path, res.Codespace, res.Code, res.Log)
	}
	decode(c.T, path, res.Value, v)
}

func decode(t testing.TB, path string, b []byte, v any) {
	t.Helper()
	if v == nil {
		return
	}
	if err := json.Unmarshal(b, v); err != nil {
		if s, ok := v.(*string); ok {
			*s = string(b)
			return
		}
		t.Fatalf("query %s: %v", path, err)
	}
}

// DemoKey is the private key of the named development account (see
// genesis.DemoKeys); an unknown name stops the test.
func DemoKey(t testing.TB, name string) ed25519.PrivateKey {
	t.Helper()
	for _, d := range genesis.DemoKeys {
		if d.Name == name {
			return d.PrivateKey()
		}
	}
	t.Fatalf("no demo key %q", name)
	return nil
}

// SeededKey is a key derived from label and i: the same on every run, and
// not registered at genesis.
func SeededKey(label string, i int) ed25519.PrivateKey {
	seed := sha256.Sum256(binary.BigEndian.AppendUint64([]byte("publica apptest key: "+label+"\x00"), uint64(i)))
	return ed25519.NewKeyFromSeed(seed[:])
}

// Pub is k's public key.
func Pub(k ed25519.PrivateKey) ed25519.PublicKey { return k.Public().(ed25519.PublicKey) }

// Account is the account id of k's public key (the id the account got
// when k registered it).
func Account(k ed25519.PrivateKey) string { return tx.AccountID(Pub(k)) }
