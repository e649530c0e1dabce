package identity_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/publica/publica/crypto/zkpred"
	"github.com/publica/publica/errs"
	"github.com/publica/publica/genesis"
	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/proof"
	"github.com/publica/publica/x/authority"
	"github.com/publica/publica/x/identity"
	"github.com/publica/publica/x/identity/vc"
)

// TestNoPersonalData issues, anchors, suspends, revokes and proves
// eligibility with credentials full of distinctive claim values, then
// searches every state key and value and every transaction and result
// (events included) for them. The eligibility proof is for a predicate
// with an equality and an ordering; its transaction carries commitments
// and zero-knowledge proofs, no claim value, so nothing appears anywhere
// except the predicate's own public constant.
//
// Why an accidental match is impossible: every needle is at least 13
// characters, and the only bytes on chain not chosen by the protocol are
// random-looking (hashes, signatures, commitments, proofs, salts) as raw
// bytes, hex or base64url. A needle of n characters matches such bytes at
// a given position with probability at most 16^-n (hex, the smallest of
// those alphabets, is the likeliest to spell it; names with spaces cannot
// be spelled at all). With n ≥ 13 and well under 10^7 positions scanned,
// a chance match has probability below 10^-8.
func TestNoPersonalData(t *testing.T) {
	w := newWorld(t)
	alice, bob := apptest.Account(w.alice), apptest.Account(w.bob)
	const district, ageBand = 5550001234567, 4000000000123456789
	held := w.issue(w.registrar, alice, []vc.Claim{{Name: "full_name", Value: "Alice Quixotic-Zephyr"},
		{Name: "birth_date", Value: "1987-03-14"}, {Name: "district", Value: district}, {Name: "age_band", Value: ageBand}}, time.Time{}, nil)
	bobHeld := w.issue(w.registrar, bob, []vc.Claim{{Name: "full_name", Value: "Robert Xylophone-Marsh"},
		{Name: "birth_date", Value: "1991-11-23"}, {Name: "district", Value: 9876543210987654}, {Name: "age_band", Value: 8765432109876543}}, time.Time{}, nil)
	w.Expect(nil, identity.TypeSetStatus, identity.MsgSetStatus{Purpose: identity.PurposeSuspension, Index: 1, Set: true}, w.registrar)
	w.Expect(nil, identity.TypeSetStatus, identity.MsgSetStatus{Purpose: identity.PurposeRevocation, Index: 1, Set: true}, w.registrar)

	// Every encoding of a claim value: its JSON text, its value disclosure
	// and that disclosure's salt, its commitment's blinding. The district
	// (the equality's constant, public in the predicate) is searched as
	// its disclosure, salt and blinding only.
	secrets := []string{"Alice Quixotic-Zephyr", "1987-03-14", "4000000000123456789",
		"Robert Xylophone-Marsh", "1991-11-23", "9876543210987654", "8765432109876543"}
	for _, h := range []*vc.Held{held, bobHeld} {
		for _, enc := range h.Disclosures {
			d, err := vc.ParseDisclosure(enc)
			if err != nil {
				t.Fatal(err)
			}
			secrets = append(secrets, enc, d.Salt, `"`+d.Name+`",`+string(d.Value))
		}
		for _, c := range h.Commitments {
			secrets = append(secrets, c.Blinding)
		}
	}
	scan := func(what string, haystacks [][]byte) {
		t.Helper()
		for _, h := range haystacks {
			for _, s := range secrets {
				if bytes.Contains(h, []byte(s)) {
					t.Fatalf("%s contains claim value %q", what, s)
				}
			}
		}
	}
	state := func() [][]byte {
		var all [][]byte
		w.View().Iterate(nil, nil, false, func(k, v []byte) bool {
			all = append(all, append(append([]byte{}, k...), v...))
			return true
		})
		return all
	}
	scan("state", state())
	scan("blocks", w.blocks)

	pred := "age_band>=4000000000000000000,district=5550001234567"
	p := w.prove(held, w.alice, identity.EligibilityChallenge(genesis.DevChainID, alice, pred),
		"age_band>=4000000000000000000", "district=5550001234567")
	w.Expect(nil, identity.TypeRegisterEligibility, identity.MsgRegisterEligibility{Predicate: pred, Presentation: string(p)}, w.alice)
	if !bytes.Contains(w.blocks[len(w.blocks)-2], []byte("predicateProofs")) {
		t.Fatal("the eligibility transaction is not in the scanned blocks")
	}
	scan("state after eligibility", state())
	scan("blocks after eligibility", w.blocks)
	// The state keeps only the result: schema, predicate, issuer, index, digest.
	if ok, why := w.eligible(alice, "residence", pred); !ok {
		t.Fatalf("alice not eligible: %s", why)
	}
}

func (w *world) eligible(account, schema, pred string) (bool, string) {
	return identity.New(authority.Keeper{}).Keeper.Eligible(w.View(), account, schema, pred, w.Height+1)
}

// TestEligibility: the registration needs the right challenge, the holder
// as signer, a zero-knowledge proof of every term and no disclosed value;
// Eligible then follows the credential's status.
func TestEligibility(t *testing.T) {
	w := newWorld(t)
	alice := apptest.Account(w.alice)
	held := w.issue(w.registrar, alice, aliceClaims(), apptest.GenesisTime.Add(time.Minute), nil)
	other := w.issue(w.registrar, alice, aliceClaims(), time.Time{}, nil) // same claims, another credential
	w.domain = genesis.DevChainID
	send := func(want *errs.Error, pred string, p []byte, signer ed25519.PrivateKey) {
		t.Helper()
		w.Expect(want, identity.TypeRegisterEligibility, identity.MsgRegisterEligibility{Predicate: pred, Presentation: string(p)}, signer)
	}
	ch := func(pred string) string { return identity.EligibilityChallenge(genesis.DevChainID, alice, pred) }
	const pred = "age_band>=18,district=7"
	good := w.prove(held, w.alice, ch(pred), "age_band>=18", "district=7")

	send(identity.ErrChallenge, "district=7", w.prove(held, w.alice, "some other challenge", "district=7"), w.alice)
	send(identity.ErrChallenge, pred, good, w.bob) // bob relays alice's presentation
	send(identity.ErrMissingProof, pred, w.prove(held, w.alice, ch(pred), "district=7"), w.alice)
	send(identity.ErrPredicateProof, "district=7", w.prove(held, w.alice, ch("district=7"), "district=7", "age_band>=18"), w.alice)
	// A value disclosure is refused even alongside valid proofs: the
	// citizen cannot leak a claim on chain by mistake.
	disclosing := resign(t, w.prove(held, w.alice, ch("district=7"), "district=7"), w.alice, func(p *vc.Presentation) {
		p.Disclosures, _ = held.Disclose("district")
	})
	send(identity.ErrValueDisclosed, "district=7", disclosing, w.alice)
	send(identity.ErrValueDisclosed, "district=7", w.present(held, w.alice, ch("district=7"), "district"), w.alice)
	// False predicates cannot be proven at all.
	for _, term := range []string{"district=8", "district!=7", "age_band>=65", "age_band<30", "full_name=Bob"} {
		if _, err := w.tryProve(held, w.alice, ch(term), term); !errors.Is(err, zkpred.ErrFalse) {
			t.Fatalf("%s: %v", term, err)
		}
	}
	// Proofs bound to another challenge, or to another credential's
	// commitments, fail; so does a tampered proof.
	elsewhere := w.prove(held, w.alice, "some other challenge", "age_band>=18", "district=7")
	var moved vc.Presentation
	json.Unmarshal(elsewhere, &moved)
	send(identity.ErrPredicateProof, pred, resign(t, good, w.alice, func(p *vc.Presentation) { p.PredicateProofs = moved.PredicateProofs }), w.alice)
	var fromOther vc.Presentation
	json.Unmarshal(w.prove(other, w.alice, ch(pred), "age_band>=18", "district=7"), &fromOther)
	send(identity.ErrBadDisclosure, pred, resign(t, good, w.alice, func(p *vc.Presentation) { p.PredicateProofs = fromOther.PredicateProofs }), w.alice)
	tampered := resign(t, good, w.alice, func(p *vc.Presentation) {
		raw, _ := base64.RawURLEncoding.DecodeString(p.PredicateProofs[1].Proof)
		raw[1] ^= 1 // the challenge's lowest bit: still canonical
		p.PredicateProofs[1].Proof = base64.RawURLEncoding.EncodeToString(raw)
	})
	send(identity.ErrPredicateProof, pred, tampered, w.alice)
	// CheckTx runs the same verification: bad presentations stay out of
	// the mempool.
	check := func(want *errs.Error, pred string, p []byte) {
		t.Helper()
		// The committed sequence every time: a refused CheckTx takes none.
		raw := apptest.Signed(t, w.Sequence(w.alice), identity.TypeRegisterEligibility, identity.MsgRegisterEligibility{Predicate: pred, Presentation: string(p)}, w.alice)
		apptest.Expect(t, w.CheckTx(raw), want)
	}
	check(identity.ErrValueDisclosed, "district=7", disclosing)
	check(identity.ErrPredicateProof, pred, tampered)
	check(identity.ErrMissingProof, pred, w.prove(held, w.alice, ch(pred), "district=7"))
	check(nil, pred, good)
	// A string equality is proven over a hashed value.
	send(nil, "full_name!=Bob", w.prove(held, w.alice, ch("full_name!=Bob"), "full_name!=Bob"), w.alice)
	send(nil, pred, good, w.alice)
	w.Expect(identity.ErrBadPredicate, identity.TypeRegisterEligibility, identity.MsgRegisterEligibility{Predicate: "district = 7", Presentation: "{}"}, w.alice)

	k := identity.New(authority.Keeper{}).Keeper
	if ok, why := k.Eligible(w.View(), alice, "residence", pred, w.Height+1); !ok {
		t.Fatalf("not eligible: %s", why)
	}
	if ok, _ := k.Eligible(w.View(), alice, "residence", "district=7", w.Height+1); ok {
		t.Fatal("eligible for a predicate never proven")
	}
	if ok, _ := k.Eligible(w.View(), apptest.Account(w.bob), "residence", pred, w.Height+1); ok {
		t.Fatal("bob eligible without a proof")
	}
	w.Expect(nil, identity.TypeSetStatus, identity.MsgSetStatus{Purpose: identity.PurposeSuspension, Index: 0, Set: true}, w.registrar)
	if ok, why := k.Eligible(w.View(), alice, "residence", pred, w.Height+1); ok || why == "" {
		t.Fatal("suspended credential still eligible")
	}
	w.Expect(nil, identity.TypeSetStatus, identity.MsgSetStatus{Purpose: identity.PurposeSuspension, Index: 0, Set: false}, w.registrar)
	if ok, _ := k.Eligible(w.View(), alice, "residence", pred, w.Height+1); !ok {
		t.Fatal("reinstated credential not eligible")
	}
	for w.Time.Before(apptest.GenesisTime.Add(time.Minute + time.Second)) {
		w.Block()
	}
	// Empty blocks record no time: the clock moves with the next block that
	// has a transaction, whatever it is.
	w.Expect(nil, authority.TypeRegisterAccount, authority.MsgRegisterAccount{}, apptest.SeededKey("expiry", 1))
	if ok, why := k.Eligible(w.View(), alice, "residence", pred, w.Height+1); ok || why != "credential expired" {
		t.Fatalf("expired credential: %v %q", ok, why)
	}
}

// TestHandlerErrors: each transaction-side error code.
func TestHandlerErrors(t *testing.T) {
	w := newWorld(t)
	reg := identity.MsgRegisterSchema{ID: "licence", Version: 1, Claims: []identity.ClaimDef{{Name: "profession", Type: "string"}}, JSONSchemaHash: schemaHash("l")}
	w.Expect(errs.Unauthorized, identity.TypeRegisterSchema, reg, w.a1)
	w.Expect(errs.Unauthorized, identity.TypeRegisterSchema, reg, w.registrar)
	w.Expect(nil, identity.TypeRegisterSchema, reg, w.a1, w.a2)
	w.Expect(identity.ErrSchemaExists, identity.TypeRegisterSchema, reg, w.a1, w.a2)
	w.Expect(errs.InvalidMsg, identity.TypeRegisterSchema, identity.MsgRegisterSchema{ID: "x", Version: 1,
		Claims: []identity.ClaimDef{{Name: "b", Type: "string"}, {Name: "a", Type: "string"}}, JSONSchemaHash: schemaHash("x")}, w.a1, w.a2)
	w.Expect(errs.InvalidMsg, identity.TypeRegisterSchema, identity.MsgRegisterSchema{ID: "x", Version: 1,
		Claims: []identity.ClaimDef{{Name: "a", Type: "float"}}, JSONSchemaHash: schemaHash("x")}, w.a1, w.a2)
	w.Expect(identity.ErrUnknownSchema, identity.TypeAccreditIssuer, identity.MsgAccreditIssuer{Issuer: apptest.Account(w.bob), Schemas: []string{"nope"}}, w.a1, w.a2)
	w.Expect(identity.ErrUnknownAccount, identity.TypeAccreditIssuer, identity.MsgAccreditIssuer{Issuer: "00000000000000000000000000000000000000aa", Schemas: []string{"licence"}}, w.a1, w.a2)
	w.Expect(errs.InvalidMsg, identity.TypeAccreditIssuer, identity.MsgAccreditIssuer{Issuer: "alice", Schemas: []string{"licence"}}, w.a1, w.a2)
	w.Expect(identity.ErrNotIssuer, identity.TypeSetIssuerStatus, identity.MsgSetIssuerStatus{Issuer: apptest.Account(w.bob), Status: identity.IssuerSuspended}, w.a1, w.a2)
	w.Expect(identity.ErrStatusUnchanged, identity.TypeSetIssuerStatus, identity.MsgSetIssuerStatus{Issuer: apptest.Account(w.registrar), Status: identity.IssuerActive}, w.a1, w.a2)

	anchor := func(want *errs.Error, digest string, schema string, idx uint64, k ed25519.PrivateKey) {
		t.Helper()
		w.Expect(want, identity.TypeAnchorCredential, identity.MsgAnchorCredential{Digest: digest, SchemaID: schema, Version: 1, StatusIndex: idx}, k)
	}
	d1, d2, d3 := schemaHash("d1"), schemaHash("d2"), schemaHash("d3")
	anchor(identity.ErrNotIssuer, d1, "residence", 5, w.bob)
	anchor(identity.ErrNotAccredited, d1, "licence", 5, w.registrar)
	anchor(identity.ErrIndexOutOfRange, d1, "residence", 131072, w.registrar)
	anchor(nil, d1, "residence", 5, w.registrar)
	anchor(identity.ErrCredentialExists, d1, "residence", 6, w.registrar)
	anchor(identity.ErrIndexUsed, d2, "residence", 5, w.registrar)
	anchor(errs.InvalidMsg, "D1", "residence", 6, w.registrar)
	w.Expect(nil, identity.TypeAccreditIssuer, identity.MsgAccreditIssuer{Issuer: apptest.Account(w.registrar), Schemas: []string{"licence"}}, w.a1, w.a2)
	w.Expect(identity.ErrUnknownSchema, identity.TypeAnchorCredential, identity.MsgAnchorCredential{Digest: d3, SchemaID: "licence", Version: 2, StatusIndex: 9}, w.registrar)

	set := func(want *errs.Error, purpose string, idx uint64, on bool, k ed25519.PrivateKey) {
		t.Helper()
		w.Expect(want, identity.TypeSetStatus, identity.MsgSetStatus{Purpose: purpose, Index: idx, Set: on}, k)
	}
	set(identity.ErrNotIssuer, identity.PurposeRevocation, 5, true, w.bob)
	set(identity.ErrUnknownIndex, identity.PurposeRevocation, 6, true, w.registrar)
	set(errs.InvalidMsg, "expiry", 5, true, w.registrar)
	set(identity.ErrStatusUnchanged, identity.PurposeSuspension, 5, false, w.registrar)
	set(nil, identity.PurposeRevocation, 5, true, w.registrar)
	set(identity.ErrRevocationFinal, identity.PurposeRevocation, 5, false, w.registrar)
	// Only the issuer's own list: bob cannot touch the registrar's bits
	// even as an accredited issuer.
	w.Expect(nil, identity.TypeAccreditIssuer, identity.MsgAccreditIssuer{Issuer: apptest.Account(w.bob), Schemas: []string{"licence"}}, w.a1, w.a2)
	set(identity.ErrUnknownIndex, identity.PurposeSuspension, 5, true, w.bob)

	// Key rotation needs the new key's signature.
	newKey := apptest.SeededKey("identity", 1)
	w.Expect(identity.ErrNewKeyNotSigned, identity.TypeRotateKey, identity.MsgRotateKey{NewPubKey: hex.EncodeToString(apptest.Pub(newKey))}, w.alice)
	w.Expect(identity.ErrKeyInUse, identity.TypeRotateKey, identity.MsgRotateKey{NewPubKey: hex.EncodeToString(apptest.Pub(w.bob))}, w.alice, w.bob)
	w.Expect(identity.ErrNotRegistrar, identity.TypeRequestRecovery, identity.MsgRequestRecovery{Account: apptest.Account(w.alice), NewPubKey: hex.EncodeToString(apptest.Pub(newKey))}, w.bob)
	w.Expect(identity.ErrNoRecovery, identity.TypeCancelRecovery, identity.MsgCancelRecovery{Account: apptest.Account(w.alice)}, w.alice)
	w.Expect(identity.ErrNoRecovery, identity.TypeCompleteRecovery, identity.MsgCompleteRecovery{Account: apptest.Account(w.alice)}, w.bob)
	w.Expect(identity.ErrKeyInUse, identity.TypeRequestRecovery, identity.MsgRequestRecovery{Account: apptest.Account(w.alice), NewPubKey: hex.EncodeToString(apptest.Pub(w.bob))}, w.registrar)
	w.Expect(identity.ErrUnknownAccount, identity.TypeRequestRecovery, identity.MsgRequestRecovery{Account: "00000000000000000000000000000000000000aa", NewPubKey: hex.EncodeToString(apptest.Pub(newKey))}, w.registrar)
	w.Expect(errs.InvalidMsg, identity.TypeUpdateDID, identity.MsgUpdateDID{Services: []identity.Service{{ID: "b", Type: "T", Endpoint: "https://b"}, {ID: "a", Type: "T", Endpoint: "https://a"}}}, w.alice)
}

// TestKeyRotationHistory: a credential signed with an issuer's old key
// still verifies (the key was in force at its issue height); one signed
// with the old key after the rotation is refused; the holder must present
// with the current key; the DID document lists the history.
func TestKeyRotationHistory(t *testing.T) {
	w := newWorld(t)
	alice := apptest.Account(w.alice)
	before := w.issue(w.registrar, alice, aliceClaims(), time.Time{}, nil)
	newReg := apptest.SeededKey("identity", 2)
	oldReg := w.registrar
	w.Expect(nil, identity.TypeRotateKey, identity.MsgRotateKey{NewPubKey: hex.EncodeToString(apptest.Pub(newReg))}, oldReg, newReg)
	w.registrar = newReg
	if _, err := w.verify(w.present(before, w.alice, "c"), "c"); err != nil {
		t.Fatalf("credential from before the rotation: %v", err)
	}
	after := w.issue(newReg, alice, aliceClaims(), time.Time{}, nil)
	if _, err := w.verify(w.present(after, w.alice, "c"), "c"); err != nil {
		t.Fatalf("credential with the new key: %v", err)
	}
	// The old key signs a new credential (say it was stolen) naming key-1;
	// the anchor goes through the new key, but key-1 was retired before.
	idx := w.nextIndex
	w.nextIndex++
	stolen, sec, _ := vc.Issue(vc.IssuerParams{Issuer: apptest.Account(oldReg), KeyNumber: 1, Holder: alice, SchemaID: "residence", Version: 1,
		StatusIndex: idx, Claims: aliceClaims(), ValidFrom: apptest.GenesisTime}, oldReg)
	w.Expect(nil, identity.TypeAnchorCredential, identity.MsgAnchorCredential{Digest: hex.EncodeToString(sec.DocHash[:]), SchemaID: "residence", Version: 1, StatusIndex: idx}, newReg)
	_, err := w.verify(w.present(stolen, w.alice, "c"), "c")
	wantCode(t, err, identity.ErrIssuerKeyNotValid)
	// The old key no longer controls the account.
	res := w.Do(identity.TypeUpdateDID, identity.MsgUpdateDID{}, oldReg)
	if res.Code != errs.UnknownAccount.Code {
		t.Fatalf("old key still signs: %d %s", res.Code, res.Log)
	}

	// Holder rotation: presenting with the old key fails.
	newAlice := apptest.SeededKey("identity", 3)
	w.Expect(nil, identity.TypeRotateKey, identity.MsgRotateKey{NewPubKey: hex.EncodeToString(apptest.Pub(newAlice))}, w.alice, newAlice)
	discs, _ := before.Disclose("district")
	p, _ := vc.Present(alice, 1, before.Credential, discs, "c", "verifier.example", w.Time, w.alice)
	_, err = w.verify(p, "c")
	wantCode(t, err, identity.ErrHolderKey)
	if _, err := w.verify(w.present(before, newAlice, "c", "district"), "c"); err != nil {
		t.Fatalf("presenting with the new key: %v", err)
	}

	var doc map[string]any
	w.List("/identity/did/"+vc.DID(alice), &doc)
	vms := doc["verificationMethod"].([]any)
	if len(vms) != 2 || doc["assertionMethod"].([]any)[0] != vc.KeyRef(alice, 2) {
		t.Fatalf("DID document: %v", doc)
	}
	if vms[1].(map[string]any)["publicKeyMultibase"] != vc.MultikeyFromPublic(apptest.Pub(newAlice)) {
		t.Fatal("key-2 is not the new key")
	}

	// Deactivation: no more presentations, no more updates.
	w.Expect(nil, identity.TypeDeactivateDID, identity.MsgDeactivateDID{}, newAlice)
	_, err = w.verify(w.present(before, newAlice, "c"), "c")
	wantCode(t, err, identity.ErrDIDDeactivated)
	w.Expect(identity.ErrDIDDeactivated, identity.TypeUpdateDID, identity.MsgUpdateDID{}, newAlice)
}

// TestRecovery: a registrar re-binds a lost key after the waiting period;
// the old key can cancel meanwhile.
func TestRecovery(t *testing.T) {
	w := newWorld(t)
	alice := apptest.Account(w.alice)
	newKey := apptest.SeededKey("identity", 1)
	req := identity.MsgRequestRecovery{Account: alice, NewPubKey: hex.EncodeToString(apptest.Pub(newKey))}
	res := w.Expect(nil, identity.TypeRequestRecovery, req, w.registrar)
	announced := false
	for _, e := range res.Events {
		if e.Type == "identity.recovery_requested" {
			announced = true
		}
	}
	if !announced {
		t.Fatal("recovery not announced in an event")
	}
	w.Expect(identity.ErrRecoveryPending, identity.TypeRequestRecovery, req, w.registrar)
	w.Expect(identity.ErrRecoveryNotDue, identity.TypeCompleteRecovery, identity.MsgCompleteRecovery{Account: alice}, w.registrar)
	w.Expect(errs.Unauthorized, identity.TypeCancelRecovery, identity.MsgCancelRecovery{Account: alice}, w.bob)
	w.Expect(nil, identity.TypeCancelRecovery, identity.MsgCancelRecovery{Account: alice}, w.alice) // the old key cancels
	for range recoveryDelay + 1 {
		w.Block()
	}
	w.Expect(identity.ErrNoRecovery, identity.TypeCompleteRecovery, identity.MsgCompleteRecovery{Account: alice}, w.registrar)

	w.Expect(nil, identity.TypeRequestRecovery, req, w.registrar)
	start := w.Height
	for w.Height < start+recoveryDelay-1 {
		w.Block()
	}
	w.Expect(nil, identity.TypeCompleteRecovery, identity.MsgCompleteRecovery{Account: alice}, w.bob) // at start+delay
	if got := w.AccountOf(newKey); got != alice {
		t.Fatalf("new key controls %s", got)
	}
	d := w.did(alice)
	if len(d.Keys) != 2 || d.Keys[0].Until != start+recoveryDelay || d.Keys[1].From != start+recoveryDelay {
		t.Fatalf("key history %+v", d.Keys)
	}
	w.Expect(nil, identity.TypeUpdateDID, identity.MsgUpdateDID{Services: []identity.Service{{ID: "inbox", Type: "Mailbox", Endpoint: "https://alice.example/inbox"}}}, newKey)
	res = w.Do(identity.TypeUpdateDID, identity.MsgUpdateDID{}, w.alice)
	if res.Code != errs.UnknownAccount.Code {
		t.Fatalf("old key after recovery: %d %s", res.Code, res.Log)
	}
}

// TestProvenQueries: status, issuer and anchor answers verify against the
// app hash; an unset status page is proven absent (all zeros).
func TestProvenQueries(t *testing.T) {
	w := newWorld(t)
	alice := apptest.Account(w.alice)
	w.issue(w.registrar, alice, aliceClaims(), time.Time{}, nil)
	w.Expect(nil, identity.TypeSetStatus, identity.MsgSetStatus{Purpose: identity.PurposeRevocation, Index: 0, Set: true}, w.registrar)
	appHash := w.View().Hash()
	reg := apptest.Account(w.registrar)
	for _, path := range []string{
		"/identity/status/" + reg + "/revocation/0",
		"/identity/status/" + reg + "/suspension/0",
		"/identity/issuer/" + reg,
		"/identity/schema/residence/1",
		"/identity/didrecord/" + alice,
		"/identity/recovery/" + alice,
	} {
		res := w.RawQuery(&abci.RequestQuery{Path: path, Prove: true})
		if res.Code != 0 {
			t.Fatalf("%s: %s", path, res.Log)
		}
		if err := proof.Verify(appHash, res.ProofOps, res.Key, res.Value); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		switch path {
		case "/identity/status/" + reg + "/revocation/0":
			if !identity.StatusBit(res.Value, 0) || identity.StatusBit(res.Value, 1) {
				t.Fatal("revocation bit 0 not set alone")
			}
		case "/identity/status/" + reg + "/suspension/0":
			if res.Value != nil {
				t.Fatal("untouched suspension page exists")
			}
		}
		// A forged value fails.
		if res.Value != nil {
			forged := append(bytes.Clone(res.Value), 'x')
			if proof.Verify(appHash, res.ProofOps, res.Key, forged) == nil {
				t.Fatalf("%s: forged value verified", path)
			}
		}
	}
	res := w.RawQuery(&abci.RequestQuery{Path: "/identity/status/" + reg + "/expiry/0"})
	if res.Code == 0 {
		t.Fatal("bad purpose accepted")
	}
}

// TestGenesisRoundTrip: export, import into a fresh chain, export again:
// identical, and a credential still verifies on the new chain.
func TestGenesisRoundTrip(t *testing.T) {
	w := newWorld(t)
	held := w.issue(w.registrar, apptest.Account(w.alice), aliceClaims(), time.Time{}, nil)
	w.Expect(nil, identity.TypeSetStatus, identity.MsgSetStatus{Purpose: identity.PurposeSuspension, Index: 0, Set: true}, w.registrar)
	gs, err := w.App.ExportGenesis()
	if err != nil {
		t.Fatal(err)
	}
	m := identity.New(authority.Keeper{})
	kv := newMemKV()
	if err := m.InitGenesis(kv, gs[identity.ModuleName]); err != nil {
		t.Fatal(err)
	}
	again, err := m.ExportGenesis(kv)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, gs[identity.ModuleName]) {
		t.Fatalf("export differs after import\n%s\n%s", again, gs[identity.ModuleName])
	}
	_ = held
	if err := m.InitGenesis(newMemKV(), json.RawMessage(`{"params":{"recovery_delay":0,"status_list_size":8}}`)); err == nil {
		t.Fatal("recovery_delay 0 accepted")
	}
}
