package main

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/publica/publica/x/identity"
	"github.com/publica/publica/x/identity/vc"
)

const (
	issuerAcct = "00112233445566778899aabbccddeeff00112233"
	holderAcct = "ffeeddccbbaa99887766554433221100ffeeddcc"
)

func holderFile(t *testing.T) ([]byte, *vc.Held, ed25519.PrivateKey) {
	t.Helper()
	held, _, err := vc.Issue(vc.IssuerParams{Issuer: issuerAcct, KeyNumber: 1, Holder: holderAcct, SchemaID: "residence", Version: 1,
		Claims:    []vc.Claim{{Name: "district", Value: 7}, {Name: "age_band", Value: 30}, {Name: "name", Value: "Ada Secretname"}},
		ValidFrom: time.Unix(0, 0)}, ed25519.NewKeyFromSeed(make([]byte, 32)))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(held)
	return b, held, ed25519.NewKeyFromSeed(bytes.Repeat([]byte{9}, 32))
}

func didDoc(key ed25519.PrivateKey, n int) json.RawMessage {
	ref := vc.KeyRef(holderAcct, n)
	b, _ := json.Marshal(map[string]any{"id": vc.DID(holderAcct), "assertionMethod": []string{ref},
		"verificationMethod": []map[string]string{{"id": vc.KeyRef(holderAcct, 1), "publicKeyMultibase": "zOld"},
			{"id": ref, "publicKeyMultibase": vc.MultikeyFromPublic(key.Public().(ed25519.PublicKey))}}})
	return b
}

func call(t *testing.T, r request) response {
	t.Helper()
	in, _ := json.Marshal(r)
	var out response
	if err := json.Unmarshal(handle(in), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// The browser's presentation carries the chosen disclosure and the proofs,
// and none of the holder's secrets; the portal puts the key's signature in
// the placeholder's place and it verifies.
func TestPresentInBrowser(t *testing.T) {
	raw, held, key := holderFile(t)
	pub := key.Public().(ed25519.PublicKey)
	out := call(t, request{Held: raw, Holder: holderAcct, PubKey: hex.EncodeToString(pub), DIDDocument: didDoc(key, 2),
		Disclose: []string{"district"}, Prove: " age_band>=18 ", Challenge: "c-123", Domain: "v.example", Created: "2026-01-02T03:04:05Z"})
	if out.Error != "" {
		t.Fatal(out.Error)
	}
	if out.KeyNumber != 2 || len(out.Terms) != 1 || out.Terms[0] != "age_band>=18" {
		t.Fatalf("key %d terms %v", out.KeyNumber, out.Terms)
	}
	for _, secret := range secrets(t, held, "district") {
		if strings.Contains(out.Presentation, secret) {
			t.Fatalf("the presentation carries the secret %q", secret)
		}
	}
	pend, sb, err := vc.Reprepare([]byte(out.Presentation))
	if err != nil {
		t.Fatal(err)
	}
	signed, err := pend.Finish(ed25519.Sign(key, sb))
	if err != nil {
		t.Fatal(err)
	}
	pp, err := vc.ParsePresentation(signed)
	if err != nil {
		t.Fatal(err)
	}
	if err := pp.Secured.Verify(pub); err != nil {
		t.Fatal(err)
	}
	if pp.HolderKey != 2 || pp.Secured.Proof.Challenge != "c-123" || len(pp.Disclosed) != 1 || pp.Disclosed["district"] == nil || len(pp.Proofs) != 1 {
		t.Fatalf("presentation %+v", pp)
	}
	if err := pp.Proofs[0].Verify("integer"); err != nil {
		t.Fatal(err)
	}
}

// secrets are the holder file's openings, salts and undisclosed values.
func secrets(t *testing.T, held *vc.Held, disclosed ...string) []string {
	var out []string
	for _, hc := range held.Commitments {
		out = append(out, hc.Blinding)
	}
	for _, enc := range held.Disclosures {
		d, err := vc.ParseDisclosure(enc)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(strings.Join(disclosed, ","), d.Name) {
			out = append(out, enc, d.Salt)
		}
	}
	out = append(out, "Secretname")
	return out
}

func TestEligibilityInBrowser(t *testing.T) {
	raw, _, key := holderFile(t)
	pub := key.Public().(ed25519.PublicKey)
	out := call(t, request{Held: raw, Holder: holderAcct, PubKey: hex.EncodeToString(pub), DIDDocument: didDoc(key, 1),
		Disclose: []string{"name"}, Prove: "district=7,age_band>=18", EligibilityChain: "publica-test", Created: "2026-01-02T03:04:05Z"})
	if out.Error != "" {
		t.Fatal(out.Error)
	}
	pred, err := identity.ParsePredicate("district=7,age_band>=18")
	if err != nil {
		t.Fatal(err)
	}
	if want := identity.EligibilityChallenge("publica-test", holderAcct, pred.String()); out.Challenge != want || out.Domain != "publica-test" {
		t.Fatalf("challenge %q domain %q, want %q", out.Challenge, out.Domain, want)
	}
	pp, err := vc.ParsePresentation([]byte(out.Presentation))
	if err != nil {
		t.Fatal(err)
	}
	if len(pp.Disclosed) != 0 || len(pp.Proofs) != 2 {
		t.Fatalf("eligibility disclosed %v, %d proofs", pp.Disclosed, len(pp.Proofs))
	}
}

func TestPresentRefusals(t *testing.T) {
	raw, _, key := holderFile(t)
	pub := hex.EncodeToString(key.Public().(ed25519.PublicKey))
	other := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{4}, 32))
	ok := request{Held: raw, Holder: holderAcct, PubKey: pub, DIDDocument: didDoc(key, 1), Challenge: "c", Created: "2026-01-02T03:04:05Z"}
	for name, c := range map[string]struct {
		edit func(*request)
		want string
	}{
		"not a file":       {func(r *request) { r.Held = json.RawMessage(`{"x":1}`) }, "not a credential file"},
		"other holder":     {func(r *request) { r.Holder = issuerAcct }, "was issued to"},
		"not current key":  {func(r *request) { r.DIDDocument = didDoc(other, 1) }, "not the current key"},
		"no DID document":  {func(r *request) { r.DIDDocument = nil }, "no DID document"},
		"false term":       {func(r *request) { r.Prove = "age_band<18" }, "cannot prove"},
		"far apart":        {func(r *request) { r.Prove = "age_band>=-9999999999" }, "cannot prove"},
		"bad term":         {func(r *request) { r.Prove = "age_band~18" }, "not CLAIM OP VALUE"},
		"unknown claim":    {func(r *request) { r.Disclose = []string{"shoe"} }, "no claim"},
		"no challenge":     {func(r *request) { r.Challenge = "" }, "challenge"},
		"no predicate":     {func(r *request) { r.EligibilityChain = "x" }, "what to prove"},
		"no key":           {func(r *request) { r.PubKey = "" }, "no key"},
		"bad created time": {func(r *request) { r.Created = "yesterday" }, "created"},
	} {
		r := ok
		c.edit(&r)
		out := call(t, r)
		if !strings.Contains(out.Error, c.want) {
			t.Errorf("%s: error %q, want %q", name, out.Error, c.want)
		}
		if strings.Contains(out.Error, "30") || strings.Contains(out.Error, "Secretname") {
			t.Errorf("%s: the error %q names a claim's value", name, out.Error)
		}
	}
	var out response
	if json.Unmarshal(handle([]byte("{")), &out) != nil || out.Error == "" {
		t.Fatal("broken JSON accepted")
	}
}
