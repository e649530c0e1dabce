package identity_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/publica/publica/errs"
	"github.com/publica/publica/genesis"
	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/store"
	"github.com/publica/publica/x/identity"
	"github.com/publica/publica/x/identity/vc"
)

// Identity's own test helpers on the shared chain (internal/apptest):
// a world with a residence schema and an accredited registrar, issuing
// credentials and presenting them.

const recoveryDelay = 3

// world is a chain with a residence schema and the registrar accredited
// to issue it. It keeps every transaction and result it saw (for the
// no-personal-data test).
type world struct {
	*apptest.Chain
	registrar, alice, bob, a1, a2 ed25519.PrivateKey
	nextIndex                     uint64
	domain                        string    // of presentations; "" = verifier.example
	blocks                        [][]byte  // every tx and result byte seen
	rand                          io.Reader // credential salts and ids; nil: crypto/rand
}

// newChain starts a chain whose identity genesis has a short recovery
// delay.
func newChain(t testing.TB, onBlock func([][]byte, *abci.ResponseFinalizeBlock)) *apptest.Chain {
	return apptest.NewWith(t, apptest.Options{
		AppState: apptest.DevAppStateWith(t, identity.ModuleName, identity.Genesis{Params: identity.Params{RecoveryDelay: recoveryDelay, StatusListSize: 131072}}),
		OnBlock:  onBlock,
	})
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
	w := &world{registrar: apptest.DemoKey(t, "registrar"), alice: apptest.DemoKey(t, "citizen-alice"),
		bob: apptest.DemoKey(t, "citizen-bob"), a1: apptest.DemoKey(t, "authority-1"), a2: apptest.DemoKey(t, "authority-2")}
	w.Chain = newChain(t, func(txs [][]byte, res *abci.ResponseFinalizeBlock) {
		w.blocks = append(w.blocks, txs...)
		for _, r := range res.TxResults {
			b, _ := json.Marshal(r)
			w.blocks = append(w.blocks, b)
		}
	})
	w.Expect(nil, identity.TypeRegisterSchema, identity.MsgRegisterSchema{ID: "residence", Version: 1, Claims: residenceClaims,
		JSONSchemaHash: schemaHash("residence-v1")}, w.a1, w.a2)
	w.Expect(nil, identity.TypeAccreditIssuer, identity.MsgAccreditIssuer{Issuer: apptest.Account(w.registrar), Schemas: []string{"residence"}}, w.a1, w.a2)
	return w
}

func aliceClaims() []vc.Claim {
	return []vc.Claim{{Name: "full_name", Value: "Alice Quixotic-Zephyr"}, {Name: "birth_date", Value: "1987-03-14"},
		{Name: "district", Value: 7}, {Name: "age_band", Value: 30}}
}

// issue signs a credential for holder with issuer's key and anchors it.
func (w *world) issue(issuer ed25519.PrivateKey, holder string, claims []vc.Claim, validUntil time.Time, anchorWant *errs.Error) *vc.Held {
	w.T.Helper()
	iss := w.AccountOf(issuer)
	d := w.did(iss)
	idx := w.nextIndex
	w.nextIndex++
	held, sec, err := vc.Issue(vc.IssuerParams{Issuer: iss, KeyNumber: d.Current().N, Holder: holder, SchemaID: "residence", Version: 1,
		StatusIndex: idx, Claims: claims, ValidFrom: apptest.GenesisTime, ValidUntil: validUntil, Rand: w.rand}, issuer)
	if err != nil {
		w.T.Fatal(err)
	}
	w.Expect(anchorWant, identity.TypeAnchorCredential, identity.MsgAnchorCredential{Digest: hex.EncodeToString(sec.DocHash[:]),
		SchemaID: "residence", Version: 1, StatusIndex: idx}, issuer)
	return held
}

// did is the account's DID record as the chain resolves it.
func (w *world) did(account string) *identity.DIDRecord {
	w.T.Helper()
	var d identity.DIDRecord
	if !w.Query("/identity/didrecord/"+account, &d) {
		var acc struct{ PubKey string }
		w.Query("/authority/account/"+account, &acc)
		return &identity.DIDRecord{Account: account, Keys: []identity.KeyEntry{{N: 1, PubKey: acc.PubKey}}}
	}
	return &d
}

func (w *world) reader() identity.Reader { return identity.ProvenViewReader{View: w.View()} }

// present builds a presentation by holder key k of held disclosing names.
func (w *world) present(held *vc.Held, k ed25519.PrivateKey, challenge string, names ...string) []byte {
	w.T.Helper()
	discs, err := held.Disclose(names...)
	if err != nil {
		w.T.Fatal(err)
	}
	holder := w.AccountOf(k)
	d := w.did(holder)
	domain := w.domain
	if domain == "" {
		domain = "verifier.example"
	}
	p, err := vc.Present(holder, d.Keys[len(d.Keys)-1].N, held.Credential, discs, challenge, domain, w.Time, k)
	if err != nil {
		w.T.Fatal(err)
	}
	return p
}

func (w *world) verify(p []byte, challenge string, required ...string) (*identity.Verified, error) {
	return identity.VerifyPresentation(w.reader(), p, identity.VerifyOptions{
		Challenge: challenge, Domain: "verifier.example", Now: w.Time, RequiredClaims: required})
}

// wantCode stops the test unless err is want.
func wantCode(t testing.TB, err error, want *errs.Error) {
	t.Helper()
	var e *errs.Error
	if !errors.As(err, &e) || e != want {
		t.Fatalf("got %v, want %s/%d %q", err, want.Codespace, want.Code, want.Desc)
	}
}

// prove builds a presentation by holder key k of held that discloses
// nothing and proves terms in zero knowledge, in the chain's domain.
func (w *world) prove(held *vc.Held, k ed25519.PrivateKey, challenge string, terms ...string) []byte {
	w.T.Helper()
	p, err := w.tryProve(held, k, challenge, terms...)
	if err != nil {
		w.T.Fatal(err)
	}
	return p
}

func (w *world) tryProve(held *vc.Held, k ed25519.PrivateKey, challenge string, terms ...string) ([]byte, error) {
	holder := w.AccountOf(k)
	d := w.did(holder)
	pend, sb, err := vc.PreparePresentation(vc.PresentationParams{Holder: holder, KeyNumber: d.Keys[len(d.Keys)-1].N,
		Credential: held.Credential, Challenge: challenge, Domain: genesis.DevChainID, Created: w.Time,
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

func vcEncode(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func newMemKV() store.KV { return store.OpenMemory().Working() }
