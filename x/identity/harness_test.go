package identity_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/publica/publica/app"
	"github.com/publica/publica/errs"
	"github.com/publica/publica/genesis"
	"github.com/publica/publica/store"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/x/identity"
	"github.com/publica/publica/x/identity/vc"
)

var genesisTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

const recoveryDelay = 3

// chain drives the App through ABCI as CometBFT would, and keeps every
// transaction and result it saw (for the no-personal-data test).
type chain struct {
	t      testing.TB
	app    *app.App
	height int64
	time   time.Time
	blocks [][]byte // every tx and result byte seen
}

func newChain(t testing.TB) *chain {
	t.Helper()
	var gs map[string]json.RawMessage
	if err := json.Unmarshal(genesis.DevAppState(), &gs); err != nil {
		t.Fatal(err)
	}
	gs[identity.ModuleName], _ = json.Marshal(identity.Genesis{Params: identity.Params{RecoveryDelay: recoveryDelay, StatusListSize: 131072}})
	st, _ := json.Marshal(gs)
	a := app.New(store.OpenMemory())
	if _, err := a.InitChain(context.Background(), &abci.RequestInitChain{
		ChainId: genesis.DevChainID, InitialHeight: 1, Time: genesisTime, AppStateBytes: st,
	}); err != nil {
		t.Fatal(err)
	}
	c := &chain{t: t, app: a, time: genesisTime}
	c.block()
	return c
}

func (c *chain) block(txs ...[]byte) []*abci.ExecTxResult {
	c.t.Helper()
	c.height++
	c.time = c.time.Add(time.Second)
	res, err := c.app.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Txs: txs, Height: c.height, Time: c.time})
	if err != nil {
		c.t.Fatal(err)
	}
	if _, err := c.app.Commit(context.Background(), &abci.RequestCommit{}); err != nil {
		c.t.Fatal(err)
	}
	c.blocks = append(c.blocks, txs...)
	for _, r := range res.TxResults {
		b, _ := json.Marshal(r)
		c.blocks = append(c.blocks, b)
	}
	return res.TxResults
}

func key(t testing.TB, name string) ed25519.PrivateKey {
	for _, d := range genesis.DemoKeys {
		if d.Name == name {
			return d.PrivateKey()
		}
	}
	t.Fatalf("no demo key %s", name)
	return nil
}

func pubOf(k ed25519.PrivateKey) ed25519.PublicKey { return k.Public().(ed25519.PublicKey) }
func acct(k ed25519.PrivateKey) string             { return tx.AccountID(pubOf(k)) }

// tx signs msg with keys (the first is primary; its account sequence is
// read from the account's state record).
func (c *chain) tx(msgType string, msg any, primaryAccount string, keys ...ed25519.PrivateKey) []byte {
	c.t.Helper()
	body, err := tx.EncodeMsg(msg)
	if err != nil {
		c.t.Fatal(err)
	}
	var a struct{ Sequence uint64 }
	json.Unmarshal(c.view().Get([]byte("authority/account/"+primaryAccount)), &a)
	x := &tx.Tx{ChainID: genesis.DevChainID, Sequence: a.Sequence, ValidUntil: 1 << 30, MsgType: msgType, Msg: body}
	for _, k := range keys {
		x.Sign(k)
	}
	return x.Encode()
}

// do runs one transaction in its own block and checks its outcome: want nil
// means success.
func (c *chain) do(want *errs.Error, msgType string, msg any, keys ...ed25519.PrivateKey) *abci.ExecTxResult {
	c.t.Helper()
	primary := c.accountOf(keys[0])
	res := c.block(c.tx(msgType, msg, primary, keys...))[0]
	if want == nil {
		if res.Code != 0 {
			c.t.Fatalf("%s: %s/%d %s", msgType, res.Codespace, res.Code, res.Log)
		}
	} else if res.Codespace != want.Codespace || res.Code != want.Code {
		c.t.Fatalf("%s: got %s/%d %q, want %s/%d %q", msgType, res.Codespace, res.Code, res.Log, want.Codespace, want.Code, want.Desc)
	}
	return res
}

// accountOf finds the account the key controls now.
func (c *chain) accountOf(k ed25519.PrivateKey) string {
	v := c.view()
	id := v.Get([]byte("authority/pubkey/" + hex.EncodeToString(pubOf(k))))
	if id == nil {
		return acct(k)
	}
	return string(id)
}

func (c *chain) view() *store.View {
	v, err := c.app.Store().At(c.app.Store().Version())
	if err != nil {
		c.t.Fatal(err)
	}
	return v
}

func (c *chain) reader() identity.Reader { return identity.ProvenViewReader{View: c.view()} }

// world is a chain with a residence schema and the registrar accredited
// to issue it.
type world struct {
	*chain
	registrar, alice, bob, a1, a2 ed25519.PrivateKey
	nextIndex                     uint64
	domain                        string // of presentations; "" = verifier.example
}

var residenceClaims = []identity.ClaimDef{
	{Name: "age_band", Type: "integer"}, {Name: "birth_date", Type: "date"},
	{Name: "district", Type: "integer"}, {Name: "full_name", Type: "string"},
}

func schemaHash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func newWorld(t testing.TB) *world {
	w := &world{chain: newChain(t), registrar: key(t, "registrar"), alice: key(t, "citizen-alice"),
		bob: key(t, "citizen-bob"), a1: key(t, "authority-1"), a2: key(t, "authority-2")}
	w.do(nil, identity.TypeRegisterSchema, identity.MsgRegisterSchema{ID: "residence", Version: 1, Claims: residenceClaims,
		JSONSchemaHash: schemaHash("residence-v1")}, w.a1, w.a2)
	w.do(nil, identity.TypeAccreditIssuer, identity.MsgAccreditIssuer{Issuer: acct(w.registrar), Schemas: []string{"residence"}}, w.a1, w.a2)
	return w
}

func aliceClaims() []vc.Claim {
	return []vc.Claim{{Name: "full_name", Value: "Alice Quixotic-Zephyr"}, {Name: "birth_date", Value: "1987-03-14"},
		{Name: "district", Value: 7}, {Name: "age_band", Value: 30}}
}

// issue signs a credential for holder with issuer's key and anchors it.
func (w *world) issue(issuer ed25519.PrivateKey, holder string, claims []vc.Claim, validUntil time.Time, anchorWant *errs.Error) *vc.Held {
	w.t.Helper()
	iss := w.accountOf(issuer)
	d := w.did(iss)
	idx := w.nextIndex
	w.nextIndex++
	held, sec, err := vc.Issue(vc.IssuerParams{Issuer: iss, KeyNumber: d.Current().N, Holder: holder, SchemaID: "residence", Version: 1,
		StatusIndex: idx, Claims: claims, ValidFrom: genesisTime, ValidUntil: validUntil}, issuer)
	if err != nil {
		w.t.Fatal(err)
	}
	w.do(anchorWant, identity.TypeAnchorCredential, identity.MsgAnchorCredential{Digest: hex.EncodeToString(sec.DocHash[:]),
		SchemaID: "residence", Version: 1, StatusIndex: idx}, issuer)
	return held
}

func (w *world) did(account string) *identity.DIDRecord {
	b := w.view().Get(identity.DIDKey(account))
	if b == nil {
		a := w.view().Get([]byte("authority/account/" + account))
		var acc struct{ PubKey string }
		json.Unmarshal(a, &acc)
		return &identity.DIDRecord{Account: account, Keys: []identity.KeyEntry{{N: 1, PubKey: acc.PubKey}}}
	}
	var d identity.DIDRecord
	json.Unmarshal(b, &d)
	return &d
}

// present builds a presentation by holder key k of held disclosing names.
func (w *world) present(held *vc.Held, k ed25519.PrivateKey, challenge string, names ...string) []byte {
	w.t.Helper()
	discs, err := held.Disclose(names...)
	if err != nil {
		w.t.Fatal(err)
	}
	holder := w.accountOf(k)
	d := w.did(holder)
	domain := w.domain
	if domain == "" {
		domain = "verifier.example"
	}
	p, err := vc.Present(holder, d.Keys[len(d.Keys)-1].N, held.Credential, discs, challenge, domain, w.time, k)
	if err != nil {
		w.t.Fatal(err)
	}
	return p
}

func (w *world) verify(p []byte, challenge string, required ...string) (*identity.Verified, error) {
	return identity.VerifyPresentation(w.reader(), p, identity.VerifyOptions{
		Challenge: challenge, Domain: "verifier.example", Now: w.time, RequiredClaims: required})
}

func wantCode(t testing.TB, err error, want *errs.Error) {
	t.Helper()
	var e *errs.Error
	if !errors.As(err, &e) || e != want {
		t.Fatalf("got %v, want %s/%d %q", err, want.Codespace, want.Code, want.Desc)
	}
}

func contains(hay, needle []byte) bool { return bytes.Contains(hay, needle) }

// prove builds a presentation by holder key k of held that discloses
// nothing and proves terms in zero knowledge, in the chain's domain.
func (w *world) prove(held *vc.Held, k ed25519.PrivateKey, challenge string, terms ...string) []byte {
	w.t.Helper()
	p, err := w.tryProve(held, k, challenge, terms...)
	if err != nil {
		w.t.Fatal(err)
	}
	return p
}

func (w *world) tryProve(held *vc.Held, k ed25519.PrivateKey, challenge string, terms ...string) ([]byte, error) {
	holder := w.accountOf(k)
	d := w.did(holder)
	pend, sb, err := vc.PreparePresentation(vc.PresentationParams{Holder: holder, KeyNumber: d.Keys[len(d.Keys)-1].N,
		Credential: held.Credential, Challenge: challenge, Domain: genesis.DevChainID, Created: w.time,
		Prove: terms, Openings: held.Commitments})
	if err != nil {
		return nil, err
	}
	return pend.Finish(ed25519.Sign(k, sb))
}

// resign edits a presentation and signs it again with holder key k, so
// that only the edit (not the holder signature) can make it fail.
func resign(t testing.TB, p []byte, k ed25519.PrivateKey, edit func(*vc.Presentation)) []byte {
	t.Helper()
	var pr vc.Presentation
	if err := json.Unmarshal(p, &pr); err != nil {
		t.Fatal(err)
	}
	opts := *pr.Proof
	pr.Proof = nil
	edit(&pr)
	b, err := json.Marshal(pr)
	if err != nil {
		t.Fatal(err)
	}
	out, err := vc.Sign(b, opts, k)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
