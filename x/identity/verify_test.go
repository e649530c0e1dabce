package identity_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/publica/publica/errs"
	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/x/identity"
	"github.com/publica/publica/x/identity/vc"
)

// TestSelectiveDisclosure: the holder reveals only the district; the
// verifier learns it and nothing else, with the issuer, schema and status
// index checked against proven chain state.
func TestSelectiveDisclosure(t *testing.T) {
	w := newWorld(t)
	held := w.issue(w.registrar, apptest.Account(w.alice), aliceClaims(), time.Time{}, nil)
	p := w.present(held, w.alice, "c-1", "district")
	v, err := w.verify(p, "c-1", "district")
	if err != nil {
		t.Fatal(err)
	}
	if v.Holder != apptest.Account(w.alice) || v.Issuer != apptest.Account(w.registrar) || v.SchemaID != "residence" || string(v.Claims["district"]) != "7" {
		t.Fatalf("verified %+v", v)
	}
	if len(v.Claims) != 1 {
		t.Fatalf("verifier learned %d claims, want 1", len(v.Claims))
	}
	for _, secret := range []string{"1987-03-14", "Alice Quixotic-Zephyr"} {
		if bytes.Contains(p, []byte(secret)) {
			t.Fatalf("presentation carries undisclosed %q", secret)
		}
	}
}

// TestVerifyRejections: each bad credential or presentation gets its own
// error code.
func TestVerifyRejections(t *testing.T) {
	w := newWorld(t)
	alice, bob := apptest.Account(w.alice), apptest.Account(w.bob)
	good := w.issue(w.registrar, alice, aliceClaims(), apptest.GenesisTime.Add(time.Hour), nil)

	t.Run("tampered credential", func(t *testing.T) {
		var m map[string]any
		json.Unmarshal(good.Credential, &m)
		m["validUntil"] = "2099-01-01T00:00:00Z"
		forged, _ := json.Marshal(m)
		p := w.present(&vc.Held{Credential: forged, Disclosures: good.Disclosures}, w.alice, "c", "district")
		_, err := w.verify(p, "c")
		wantCode(t, err, identity.ErrIssuerSignature)
	})
	t.Run("wrong issuer", func(t *testing.T) {
		// Bob signs a credential claiming to come from the registrar.
		held, _, err := vc.Issue(vc.IssuerParams{Issuer: bob, KeyNumber: 1, Holder: alice, SchemaID: "residence", Version: 1,
			Claims: aliceClaims(), ValidFrom: apptest.GenesisTime}, w.bob)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		json.Unmarshal(held.Credential, &m)
		m["issuer"] = vc.DID(apptest.Account(w.registrar))
		b, _ := json.Marshal(m)
		_, err = w.verify(w.present(&vc.Held{Credential: b, Disclosures: held.Disclosures}, w.alice, "c"), "c")
		wantCode(t, err, identity.ErrWrongIssuer)
	})
	t.Run("issuer not accredited", func(t *testing.T) {
		held := w.issue(w.bob, alice, aliceClaims(), time.Time{}, identity.ErrNotIssuer)
		_, err := w.verify(w.present(held, w.alice, "c"), "c")
		wantCode(t, err, identity.ErrNotAccredited)
	})
	t.Run("expired", func(t *testing.T) {
		held := w.issue(w.registrar, alice, aliceClaims(), apptest.GenesisTime.Add(2*time.Second), nil)
		_, err := w.verify(w.present(held, w.alice, "c"), "c")
		wantCode(t, err, identity.ErrExpired)
	})
	t.Run("wrong holder", func(t *testing.T) {
		// Bob presents Alice's credential as himself ...
		_, err := w.verify(w.present(good, w.bob, "c"), "c")
		wantCode(t, err, identity.ErrWrongHolder)
		// ... or as Alice, signing with his own key.
		discs, _ := good.Disclose("district")
		p, _ := vc.Present(alice, 1, good.Credential, discs, "c", "verifier.example", w.Time, w.bob)
		_, err = w.verify(p, "c")
		wantCode(t, err, identity.ErrHolderSignature)
	})
	t.Run("replayed presentation with an old challenge", func(t *testing.T) {
		old := w.present(good, w.alice, "challenge-monday", "district")
		if _, err := w.verify(old, "challenge-monday"); err != nil {
			t.Fatal(err)
		}
		_, err := w.verify(old, "challenge-tuesday")
		wantCode(t, err, identity.ErrChallenge)
	})
	t.Run("wrong domain", func(t *testing.T) {
		p := w.present(good, w.alice, "c")
		_, err := identity.VerifyPresentation(w.reader(), p, identity.VerifyOptions{Challenge: "c", Domain: "other.example", Now: w.Time})
		wantCode(t, err, identity.ErrDomain)
	})
	t.Run("disclosure omits a required claim", func(t *testing.T) {
		_, err := w.verify(w.present(good, w.alice, "c", "district"), "c", "district", "age_band")
		wantCode(t, err, identity.ErrMissingClaim)
	})
	t.Run("disclosure from another credential", func(t *testing.T) {
		other := w.issue(w.registrar, alice, aliceClaims(), time.Time{}, nil)
		discs, _ := other.Disclose("district")
		p, _ := vc.Present(alice, 1, good.Credential, discs, "c", "verifier.example", w.Time, w.alice)
		_, err := w.verify(p, "c")
		wantCode(t, err, identity.ErrBadDisclosure)
	})
	t.Run("tampered disclosure", func(t *testing.T) {
		// A disclosure saying district 8 with the salt of the real one.
		d, _ := vc.ParseDisclosure(good.Disclosures[2])
		arr, _ := json.Marshal([]any{d.Salt, d.Name, 8})
		fake := vcEncode(arr)
		p, _ := vc.Present(alice, 1, good.Credential, []string{fake}, "c", "verifier.example", w.Time, w.alice)
		_, err := w.verify(p, "c")
		wantCode(t, err, identity.ErrBadDisclosure)
	})
	t.Run("malformed", func(t *testing.T) {
		_, err := w.verify([]byte(`{"@context":1}`), "c")
		wantCode(t, err, identity.ErrMalformedCredential)
	})
}

// TestStatusLifecycle: revoked is final; suspended then reinstated
// verifies again; an issuer's suspension stops new anchors but keeps
// earlier credentials valid; a withdrawn issuer's credentials issued
// before withdrawal stay verifiable.
func TestStatusLifecycle(t *testing.T) {
	w := newWorld(t)
	alice := apptest.Account(w.alice)
	held := w.issue(w.registrar, alice, aliceClaims(), time.Time{}, nil)
	idx := uint64(0)
	check := func(want error) {
		t.Helper()
		_, err := w.verify(w.present(held, w.alice, "c"), "c")
		if want == nil {
			if err != nil {
				t.Fatal(err)
			}
			return
		}
		wantCode(t, err, want.(*errs.Error))
	}
	check(nil)
	w.Expect(nil, identity.TypeSetStatus, identity.MsgSetStatus{Purpose: identity.PurposeSuspension, Index: idx, Set: true}, w.registrar)
	check(identity.ErrSuspended)
	w.Expect(identity.ErrStatusUnchanged, identity.TypeSetStatus, identity.MsgSetStatus{Purpose: identity.PurposeSuspension, Index: idx, Set: true}, w.registrar)
	w.Expect(nil, identity.TypeSetStatus, identity.MsgSetStatus{Purpose: identity.PurposeSuspension, Index: idx, Set: false}, w.registrar)
	check(nil)

	// Issuer suspended: earlier credential fine, no new anchors.
	w.Expect(nil, identity.TypeSetIssuerStatus, identity.MsgSetIssuerStatus{Issuer: apptest.Account(w.registrar), Status: identity.IssuerSuspended}, w.a1, w.a2)
	check(nil)
	w.issue(w.registrar, alice, aliceClaims(), time.Time{}, identity.ErrIssuerSuspended)
	w.Expect(nil, identity.TypeSetIssuerStatus, identity.MsgSetIssuerStatus{Issuer: apptest.Account(w.registrar), Status: identity.IssuerActive}, w.a1, w.a2)
	later := w.issue(w.registrar, alice, aliceClaims(), time.Time{}, nil)
	w.Expect(nil, identity.TypeSetIssuerStatus, identity.MsgSetIssuerStatus{Issuer: apptest.Account(w.registrar), Status: identity.IssuerWithdrawn}, w.a1, w.a2)
	if _, err := w.verify(w.present(later, w.alice, "c"), "c"); err != nil {
		t.Fatalf("credential issued before withdrawal: %v", err)
	}
	w.Expect(identity.ErrIssuerWithdrawn, identity.TypeSetIssuerStatus, identity.MsgSetIssuerStatus{Issuer: apptest.Account(w.registrar), Status: identity.IssuerActive}, w.a1, w.a2)

	// Revocation is final.
	w.Expect(nil, identity.TypeSetStatus, identity.MsgSetStatus{Purpose: identity.PurposeRevocation, Index: idx, Set: true}, w.registrar)
	check(identity.ErrRevoked)
	w.Expect(identity.ErrRevocationFinal, identity.TypeSetStatus, identity.MsgSetStatus{Purpose: identity.PurposeRevocation, Index: idx, Set: false}, w.registrar)
	check(identity.ErrRevoked)
}
