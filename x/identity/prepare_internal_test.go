package identity

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"testing"
	"time"

	"github.com/publica/publica/store"
	"github.com/publica/publica/x/identity/vc"
)

// TestPrepareEligibility: the pre-check caches only a full success, and
// the handler's check trusts the cache only for the same claim types.
func TestPrepareEligibility(t *testing.T) {
	iss, hold := "00112233445566778899aabbccddeeff00112233", "ffeeddccbbaa99887766554433221100ffeeddcc"
	issuerKey := ed25519.NewKeyFromSeed(make([]byte, 32))
	holderKey := ed25519.NewKeyFromSeed(append(make([]byte, 31), 1))
	held, _, err := vc.Issue(vc.IssuerParams{Issuer: iss, KeyNumber: 1, Holder: hold, SchemaID: "residence", Version: 1,
		Claims: []vc.Claim{{Name: "age_band", Value: 30}, {Name: "district", Value: 7}}, ValidFrom: time.Unix(0, 0)}, issuerKey)
	if err != nil {
		t.Fatal(err)
	}
	present := func(edit func(*vc.Presentation)) string {
		pend, sb, err := vc.PreparePresentation(vc.PresentationParams{Holder: hold, KeyNumber: 1, Credential: held.Credential,
			Challenge: "c", Domain: "d", Prove: []string{"age_band>=18", "district=7"}, Openings: held.Commitments})
		if err != nil {
			t.Fatal(err)
		}
		p, _ := pend.Finish(ed25519.Sign(holderKey, sb))
		if edit == nil {
			return string(p)
		}
		var pr vc.Presentation
		json.Unmarshal(p, &pr)
		edit(&pr)
		b, _ := json.Marshal(pr)
		return string(b)
	}
	kv := store.OpenMemory().Working()
	schema := &Schema{ID: "residence", Version: 1, Claims: []ClaimDef{{Name: "age_band", Type: "integer"}, {Name: "district", Type: "integer"}}}
	put(kv, SchemaKey("residence", 1), schema)
	m := New(nil)

	good := &MsgRegisterEligibility{Predicate: "age_band>=18,district=7", Presentation: present(nil)}
	m.prepareEligibility(kv, good)
	if good.prepared == nil || len(good.prepared.types) != 2 || good.prepared.types[0] != "integer" {
		t.Fatalf("valid proofs not cached: %+v", good.prepared)
	}
	tamper := func(p *vc.Presentation) {
		raw, _ := base64.RawURLEncoding.DecodeString(p.PredicateProofs[1].Proof)
		raw[1] ^= 1
		p.PredicateProofs[1].Proof = base64.RawURLEncoding.EncodeToString(raw)
	}
	bad := &MsgRegisterEligibility{Predicate: good.Predicate, Presentation: present(tamper)}
	m.prepareEligibility(kv, bad)
	if bad.prepared != nil {
		t.Fatal("a failing proof was cached")
	}

	pp, err := vc.ParsePresentation([]byte(bad.Presentation))
	if err != nil {
		t.Fatal(err)
	}
	pred, _ := ParsePredicate(good.Predicate)
	o := VerifyOptions{Predicate: pred, ProofsOnly: true}
	if _, err := verifyPredicateProofs(pp, schema, o); err == nil {
		t.Fatal("tampered proof verified without a cache")
	}
	o.prepared = &preparedProofs{types: []string{"integer", "string"}}
	if _, err := verifyPredicateProofs(pp, schema, o); err == nil {
		t.Fatal("a cache for other claim types was trusted")
	}
	// (A cache for these types is trusted: only Prepare, after verifying
	// this very presentation, sets one.)
	o.prepared = &preparedProofs{types: []string{"integer", "integer"}}
	if proven, err := verifyPredicateProofs(pp, schema, o); err != nil || len(proven) != 2 {
		t.Fatalf("matching cache not used: %v", err)
	}
}
