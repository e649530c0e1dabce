package vc

import (
	"crypto/ed25519"
	"encoding/json"
	"testing"
	"time"
)

func seedPresentation(t testing.TB) ([]byte, []byte) {
	issuer := ed25519.NewKeyFromSeed(make([]byte, 32))
	holderSeed := make([]byte, 32)
	holderSeed[0] = 1
	holder := ed25519.NewKeyFromSeed(holderSeed)
	iss, hold := "00112233445566778899aabbccddeeff00112233", "ffeeddccbbaa99887766554433221100ffeeddcc"
	held, _, err := Issue(IssuerParams{Issuer: iss, KeyNumber: 1, Holder: hold, SchemaID: "residence", Version: 1, StatusIndex: 42,
		Claims: []Claim{{Name: "district", Value: 7}, {Name: "name", Value: "A"}, {Name: "adult", Value: true}}, ValidFrom: time.Unix(0, 0)}, issuer)
	if err != nil {
		t.Fatal(err)
	}
	discs, _ := held.Disclose("district")
	p, err := Present(hold, 1, held.Credential, discs, "chal", "dom", time.Unix(0, 0), holder)
	if err != nil {
		t.Fatal(err)
	}
	return held.Credential, p
}

// FuzzParsePresentation: arbitrary bytes never panic the presentation,
// credential, disclosure and predicate-proof parsers (nor proof
// verification), and whatever parses re-parses identically after a JSON
// round trip of its credential.
func FuzzParsePresentation(f *testing.F) {
	cred, p := seedPresentation(f)
	f.Add(p)
	held, key := provingHolder(f)
	zk, err := provePresentation(f, held, key, "chal", "district=7", "age_band>=18")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(zk)
	f.Add([]byte(held.Commitments[0].Disclosure))
	f.Add(cred)
	f.Add([]byte(`{"@context":["https://www.w3.org/ns/credentials/v2"],"proof":{}}`))
	f.Add([]byte(`{"a":1,"a":2}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if pp, err := ParsePresentation(b); err == nil {
			if pp.Credential == nil || pp.Holder == "" {
				t.Fatal("parsed presentation without credential or holder")
			}
			for i := range pp.Proofs {
				_ = pp.Proofs[i].Verify("integer")
			}
			again, err := ParseCredential(pp.Credential.Raw)
			if err != nil || again.Secured.DocHash != pp.Credential.Secured.DocHash {
				t.Fatalf("credential does not re-parse: %v", err)
			}
		}
		if c, err := ParseCredential(b); err == nil {
			if c.Secured == nil || c.Issuer == "" {
				t.Fatal("parsed credential without proof or issuer")
			}
		}
		ParseDisclosure(string(b))
		if d, err := ParseCommitmentDisclosure(string(b)); err == nil && d.Encoded != string(b) {
			t.Fatal("commitment disclosure not kept as given")
		}
		if term, err := ParseTerm(string(b)); err == nil && term.Claim == "" {
			t.Fatal("term without claim")
		}
	})
}

func TestParsePresentationSeed(t *testing.T) {
	cred, p := seedPresentation(t)
	pp, err := ParsePresentation(p)
	if err != nil {
		t.Fatal(err)
	}
	if string(pp.Disclosed["district"]) != "7" || len(pp.Disclosed) != 1 || pp.Credential.StatusIndex != 42 {
		t.Fatalf("parsed %+v", pp.Disclosed)
	}
	// Holder and issuer proofs verify with the right keys only.
	issuer := ed25519.NewKeyFromSeed(make([]byte, 32))
	if err := pp.Credential.Secured.Verify(issuer.Public().(ed25519.PublicKey)); err != nil {
		t.Fatal(err)
	}
	if err := pp.Secured.Verify(issuer.Public().(ed25519.PublicKey)); err == nil {
		t.Fatal("holder proof verified with the issuer key")
	}
	// Unknown fields, proof sets and a second credential are refused.
	var m map[string]any
	json.Unmarshal(cred, &m)
	m["evidence"] = "x"
	b, _ := json.Marshal(m)
	if _, err := ParseCredential(b); err == nil {
		t.Fatal("unknown credential field accepted")
	}
	json.Unmarshal(cred, &m)
	m["proof"] = []any{m["proof"]}
	b, _ = json.Marshal(m)
	if _, err := ParseCredential(b); err == nil {
		t.Fatal("proof set accepted")
	}
}
