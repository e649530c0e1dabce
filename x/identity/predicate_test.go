package identity_test

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/publica/publica/genesis"
	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/x/identity"
	"github.com/publica/publica/x/identity/vc"
)

func TestParsePredicate(t *testing.T) {
	p, err := identity.ParsePredicate("age_band>=18,district=7,full_name!=Bob")
	if err != nil || len(p) != 3 || p[0].Op != ">=" || p[2].String() != "full_name!=Bob" {
		t.Fatalf("%+v %v", p, err)
	}
	for _, bad := range []string{"", "district = 7", "district=7,", "age_band>=x", "district=7,district=7", "=7", "district==7", "Name=1"} {
		if _, err := identity.ParsePredicate(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestVerifyMixedProofsAndDisclosures: off chain a predicate's terms may be
// proven or hold on disclosed values; the verifier reports which were
// proven, and the on-chain rules (ProofsOnly) refuse the disclosure.
func TestVerifyMixedProofsAndDisclosures(t *testing.T) {
	w := newWorld(t)
	alice := apptest.Account(w.alice)
	held := w.issue(w.registrar, alice, aliceClaims(), time.Time{}, nil)
	p := resign(t, w.prove(held, w.alice, "c", "age_band>=18"), w.alice, func(pr *vc.Presentation) {
		pr.Disclosures, _ = held.Disclose("district")
	})
	pred, _ := identity.ParsePredicate("age_band>=18,district=7")
	opts := identity.VerifyOptions{Challenge: "c", Domain: genesis.DevChainID, Now: w.Time, Predicate: pred}
	v, err := identity.VerifyPresentation(w.reader(), p, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(v.Proven, []string{"age_band>=18"}) || string(v.Claims["district"]) != "7" || len(v.Claims) != 1 {
		t.Fatalf("proven %v, claims %v", v.Proven, v.Claims)
	}
	opts.Predicate, _ = identity.ParsePredicate("age_band>=18,district=8")
	_, err = identity.VerifyPresentation(w.reader(), p, opts)
	wantCode(t, err, identity.ErrPredicateFalse)
	opts.Predicate, _ = identity.ParsePredicate("age_band>=18,full_name=Alice")
	_, err = identity.VerifyPresentation(w.reader(), p, opts)
	wantCode(t, err, identity.ErrMissingClaim)
	opts.Predicate, opts.ProofsOnly = pred, true
	_, err = identity.VerifyPresentation(w.reader(), p, opts)
	wantCode(t, err, identity.ErrValueDisclosed)
}

// TestEligibilityLargestPredicate: the largest predicate (8 terms, each an
// ordering, so 8 range proofs) fits a presentation and a transaction.
func TestEligibilityLargestPredicate(t *testing.T) {
	w := newWorld(t)
	alice := apptest.Account(w.alice)
	held := w.issue(w.registrar, alice, aliceClaims(), time.Time{}, nil)
	var terms []string
	for i := range 8 {
		terms = append(terms, "age_band>="+strconv.Itoa(i+1))
	}
	pred := strings.Join(terms, ",")
	p := w.prove(held, w.alice, identity.EligibilityChallenge(genesis.DevChainID, alice, pred), terms...)
	if len(p) > vc.MaxDocumentBytes {
		t.Fatalf("presentation of %d bytes exceeds %d", len(p), vc.MaxDocumentBytes)
	}
	w.Expect(nil, identity.TypeRegisterEligibility, identity.MsgRegisterEligibility{Predicate: pred, Presentation: string(p)}, w.alice)
	t.Logf("8 range proofs: presentation of %d bytes", len(p))
}

// TestEligibilityBlock: registrations in one block are pre-checked in
// parallel; each still gets its own outcome.
func TestEligibilityBlock(t *testing.T) {
	w := newWorld(t)
	alice, bob := apptest.Account(w.alice), apptest.Account(w.bob)
	aliceHeld := w.issue(w.registrar, alice, aliceClaims(), time.Time{}, nil)
	bobHeld := w.issue(w.registrar, bob, aliceClaims(), time.Time{}, nil)
	const pred = "age_band>=18,district=7"
	pa := w.prove(aliceHeld, w.alice, identity.EligibilityChallenge(genesis.DevChainID, alice, pred), "age_band>=18", "district=7")
	pb := w.prove(bobHeld, w.bob, identity.EligibilityChallenge(genesis.DevChainID, bob, pred), "age_band>=18", "district=7")
	// Bob's proofs in Alice's presentation: bound to another credential.
	var bobs vc.Presentation
	json.Unmarshal(pb, &bobs)
	mixed := resign(t, pa, w.alice, func(p *vc.Presentation) { p.PredicateProofs = bobs.PredicateProofs })
	res := w.Block(
		w.Tx(identity.TypeRegisterEligibility, identity.MsgRegisterEligibility{Predicate: pred, Presentation: string(mixed)}, w.alice),
		w.Tx(identity.TypeRegisterEligibility, identity.MsgRegisterEligibility{Predicate: pred, Presentation: string(pb)}, w.bob),
	).TxResults
	apptest.Check(t, "alice with bob's proofs", res[0], identity.ErrBadDisclosure)
	apptest.Check(t, "bob", res[1], nil)
	w.Expect(nil, identity.TypeRegisterEligibility, identity.MsgRegisterEligibility{Predicate: pred, Presentation: string(pa)}, w.alice)
	for _, a := range []string{alice, bob} {
		if ok, why := w.eligible(a, "residence", pred); !ok {
			t.Fatalf("%s not eligible: %s", a, why)
		}
	}
}
