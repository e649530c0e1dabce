package vc

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/publica/publica/crypto/zkpred"
)

const (
	testIssuer = "00112233445566778899aabbccddeeff00112233"
	testHolder = "ffeeddccbbaa99887766554433221100ffeeddcc"
)

var claimTypes = map[string]string{"district": "integer", "age_band": "integer", "name": "string", "adult": "boolean", "born": "date"}

func provingHolder(t testing.TB) (*Held, ed25519.PrivateKey) {
	t.Helper()
	issuer := ed25519.NewKeyFromSeed(make([]byte, 32))
	held, _, err := Issue(IssuerParams{Issuer: testIssuer, KeyNumber: 1, Holder: testHolder, SchemaID: "residence", Version: 1, StatusIndex: 3,
		Claims: []Claim{{Name: "district", Value: 7}, {Name: "age_band", Value: 30}, {Name: "name", Value: "Ada"},
			{Name: "adult", Value: true}, {Name: "born", Value: "1987-03-14"}}, ValidFrom: time.Unix(0, 0)}, issuer)
	if err != nil {
		t.Fatal(err)
	}
	return held, ed25519.NewKeyFromSeed(bytes.Repeat([]byte{9}, 32))
}

func provePresentation(t testing.TB, held *Held, key ed25519.PrivateKey, challenge string, terms ...string) ([]byte, error) {
	t.Helper()
	pend, sb, err := PreparePresentation(PresentationParams{Holder: testHolder, KeyNumber: 1, Credential: held.Credential,
		Challenge: challenge, Domain: "v.example", Created: time.Unix(10, 0), Prove: terms, Openings: held.Commitments})
	if err != nil {
		return nil, err
	}
	return pend.Finish(ed25519.Sign(key, sb))
}

// Every true term of every operator and claim type proves and verifies;
// the presentation carries no value disclosure and no claim value.
func TestPredicateProofsRoundTrip(t *testing.T) {
	held, key := provingHolder(t)
	terms := []string{"district=7", "district!=8", "age_band>=18", "age_band>29", "age_band<=30", "age_band<31",
		"name=Ada", "name!=Bob", "adult=true", "adult!=false", "born=1987-03-14"}
	p, err := provePresentation(t, held, key, "chal", terms...)
	if err != nil {
		t.Fatal(err)
	}
	for _, leak := range []string{"Ada", "1987-03-14", `"district",7`} {
		if bytes.Contains(p, []byte(leak)) && !strings.Contains(strings.Join(terms, ","), leak) {
			t.Fatalf("presentation contains %q", leak)
		}
	}
	pp, err := ParsePresentation(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(pp.Disclosed) != 0 || len(pp.Proofs) != len(terms) {
		t.Fatalf("disclosed %v, %d proofs", pp.Disclosed, len(pp.Proofs))
	}
	for i := range pp.Proofs {
		pr := &pp.Proofs[i]
		if err := pr.Verify(claimTypes[pr.Term.Claim]); err != nil {
			t.Fatalf("%s: %v", pr.Term, err)
		}
	}
	// The holder's signature covers the proofs.
	if err := pp.Secured.Verify(key.Public().(ed25519.PublicKey)); err != nil {
		t.Fatal(err)
	}
	var pr Presentation
	json.Unmarshal(p, &pr)
	pr.PredicateProofs = pr.PredicateProofs[1:]
	b, _ := json.Marshal(pr)
	if pp2, err := ParsePresentation(b); err != nil || pp2.Secured.Verify(key.Public().(ed25519.PublicKey)) == nil {
		t.Fatalf("dropping a proof kept the holder signature valid: %v", err)
	}
}

func TestPredicateProofRejections(t *testing.T) {
	held, key := provingHolder(t)
	// False terms cannot be proven; ordering needs an integer claim.
	for _, term := range []string{"district=8", "district!=7", "age_band>=31", "age_band<30", "name=Bob", "adult=false"} {
		if _, err := provePresentation(t, held, key, "c", term); !errors.Is(err, zkpred.ErrFalse) {
			t.Fatalf("%s: %v", term, err)
		}
	}
	for _, term := range []string{"name>=3", "nosuch=1", "district=07", "adult=yes", "district = 7"} {
		if _, err := provePresentation(t, held, key, "c", term); err == nil {
			t.Fatalf("%s proven", term)
		}
	}

	p, err := provePresentation(t, held, key, "c", "age_band>=18")
	if err != nil {
		t.Fatal(err)
	}
	pp, err := ParsePresentation(p)
	if err != nil {
		t.Fatal(err)
	}
	proof := &pp.Proofs[0]
	// Verified as a claim of another type (a string): the constant differs.
	if err := proof.Verify("string"); !errors.Is(err, ErrBadTerm) {
		t.Fatalf("ordering on a string: %v", err)
	}
	// The proof is bound to challenge, domain, holder, credential and
	// term: change any and it fails.
	digest := pp.Credential.Secured.DocHash
	other := digest
	other[0] ^= 1
	k, _ := PredicateConstant("integer", zkpred.Ge, "18")
	for name, ctx := range map[string][]byte{
		"challenge":  ProofContext("c2", "v.example", DID(testHolder), digest, "age_band>=18"),
		"domain":     ProofContext("c", "w.example", DID(testHolder), digest, "age_band>=18"),
		"holder":     ProofContext("c", "v.example", DID(testIssuer), digest, "age_band>=18"),
		"credential": ProofContext("c", "v.example", DID(testHolder), other, "age_band>=18"),
		"term":       ProofContext("c", "v.example", DID(testHolder), digest, "age_band>=18 "),
	} {
		if zkpred.Verify(zkpred.Ge, k, proof.Commitment, ctx, proof.Proof) == nil {
			t.Fatalf("proof verified under another %s", name)
		}
	}
	if zkpred.Verify(zkpred.Ge, k, proof.Commitment, ProofContext("c", "v.example", DID(testHolder), digest, "age_band>=18"), proof.Proof) != nil {
		t.Fatal("the right context fails")
	}

	edit := func(f func(*Presentation)) error {
		var pr Presentation
		json.Unmarshal(p, &pr)
		f(&pr)
		b, _ := json.Marshal(pr)
		pp, err := ParsePresentation(b)
		if err != nil {
			return err
		}
		return pp.Proofs[0].Verify("integer")
	}
	// A commitment the issuer did not sign.
	c, _, _ := zkpred.Commit(zkpred.Int(30), bytes.NewReader(make([]byte, 64)))
	fake, _ := NewCommitmentDisclosure(bytes.NewReader(make([]byte, 16)), "age_band", c)
	if err := edit(func(p *Presentation) { p.PredicateProofs[0].Commitment = fake.Encoded }); !errors.Is(err, ErrUnknownDisclosure) {
		t.Fatalf("foreign commitment: %v", err)
	}
	// Another claim's commitment for the term.
	var district string
	for _, h := range held.Commitments {
		if d, _ := ParseCommitmentDisclosure(h.Disclosure); d.Name == "district" {
			district = h.Disclosure
		}
	}
	if err := edit(func(p *Presentation) { p.PredicateProofs[0].Commitment = district }); !errors.Is(err, ErrMalformed) {
		t.Fatalf("commitment of another claim: %v", err)
	}
	// The proof moved to another term.
	if err := edit(func(p *Presentation) { p.PredicateProofs[0].Term = "age_band>=17" }); !errors.Is(err, ErrPredicateProof) {
		t.Fatalf("proof under another term: %v", err)
	}
	// Tampered bytes, padding, a proof of another operator, a repeated term.
	if err := edit(func(p *Presentation) {
		raw, _ := base64.RawURLEncoding.DecodeString(p.PredicateProofs[0].Proof)
		raw[40] ^= 4 // a bit commitment
		p.PredicateProofs[0].Proof = base64.RawURLEncoding.EncodeToString(raw)
	}); err == nil {
		t.Fatal("tampered proof verified")
	}
	if err := edit(func(p *Presentation) { p.PredicateProofs[0].Proof += "=" }); !errors.Is(err, ErrMalformed) {
		t.Fatalf("padded proof: %v", err)
	}
	if err := edit(func(p *Presentation) { p.PredicateProofs[0].Term = "age_band<=18" }); !errors.Is(err, ErrMalformed) {
		t.Fatalf("operator mismatch: %v", err)
	}
	if err := edit(func(p *Presentation) { p.PredicateProofs = append(p.PredicateProofs, p.PredicateProofs[0]) }); !errors.Is(err, ErrMalformed) {
		t.Fatalf("repeated term: %v", err)
	}
	// The holder's file must open its commitments.
	bad := *held
	bad.Commitments = append([]HeldCommitment(nil), held.Commitments...)
	for i := range bad.Commitments {
		bad.Commitments[i].Value = json.RawMessage("31")
	}
	if _, err := provePresentation(t, &bad, key, "c", "age_band>=18"); err == nil || !strings.Contains(err.Error(), "do not open") {
		t.Fatalf("wrong opening: %v", err)
	}
}

func TestCommitmentDisclosureStrict(t *testing.T) {
	held, _ := provingHolder(t)
	enc := held.Commitments[0].Disclosure
	if _, err := ParseCommitmentDisclosure(enc); err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(enc)
	var arr []string
	json.Unmarshal(raw, &arr)
	for name, a := range map[string][]any{
		"upper-case hex": {arr[0], arr[1], strings.ToUpper(arr[2])},
		"short salt":     {"abc", arr[1], arr[2]},
		"bad name":       {arr[0], "Name", arr[2]},
		"not a point":    {arr[0], arr[1], strings.Repeat("ff", 32)},
		"four members":   {arr[0], arr[1], arr[2], "x"},
		"number":         {arr[0], arr[1], 7},
	} {
		b, _ := json.Marshal(a)
		if _, err := ParseCommitmentDisclosure(base64.RawURLEncoding.EncodeToString(b)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := ParseCommitmentDisclosure(base64.RawURLEncoding.EncodeToString([]byte(`["` + arr[0] + `","a","` + arr[2] + `","x","y"]`))); err == nil {
		t.Error("five members accepted")
	}
}
