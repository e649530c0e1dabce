package identity

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"strings"
	"testing"
	"time"

	"github.com/publica/publica/x/identity"
)

// Claim answers are read by their schema type, and refused with a message
// naming the claim.
func TestParseClaimValue(t *testing.T) {
	for _, c := range []struct {
		typ, in string
		want    any
		refused string
	}{
		{"integer", " 42 ", int64(42), ""},
		{"integer", "-7", int64(-7), ""},
		{"integer", "4.5", nil, "whole number"},
		{"integer", "99999999999999999999", nil, "whole number"},
		{"boolean", "Yes", true, ""},
		{"boolean", "false", false, ""},
		{"boolean", "maybe", nil, "yes or no"},
		{"date", "1987-03-14", "1987-03-14", ""},
		{"date", "1987-02-30", nil, "real date"},
		{"date", "14/03/1987", nil, "real date"},
		{"string", "Ada Lovelace", "Ada Lovelace", ""},
		{"string", strings.Repeat("é", 201), nil, "at most 200"},
		{"string", "  ", nil, "Enter x"},
	} {
		got, msg := parseClaimValue(identity.ClaimDef{Name: "x", Type: c.typ}, c.in)
		switch {
		case c.refused == "" && (msg != "" || got != c.want):
			t.Errorf("%s %q: got %v %q, want %v", c.typ, c.in, got, msg, c.want)
		case c.refused != "" && !strings.Contains(msg, c.refused):
			t.Errorf("%s %q: message %q, want %q", c.typ, c.in, msg, c.refused)
		}
	}
}

// The page shows the canonical proof options and document whose hashes
// are the sign bytes; the same state rebuilds the same credential, and a
// signature made from the page's texts completes it.
func TestIssueCheckShowsWhatIsSigned(t *testing.T) {
	issuer := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32))
	st := issueState{Issuer: strings.Repeat("a1", 20), KeyNumber: 1, Holder: strings.Repeat("b2", 20), SchemaID: "residence", Version: 1,
		StatusIndex: 99, Claims: []identity.ClaimDef{{Name: "district", Type: "integer"}, {Name: "name", Type: "string"}},
		Answers: map[string]string{"district": "7", "name": "Ada"}, ValidFrom: time.Unix(1_700_000_000, 0).UTC(), Seed: bytes.Repeat([]byte{1}, 32)}
	pend, signBytes, err := st.prepare()
	if err != nil {
		t.Fatal(err)
	}
	_, again, err := st.prepare()
	if err != nil || !bytes.Equal(again, signBytes) {
		t.Fatalf("the state does not rebuild the same credential: %v", err)
	}
	placeholder, _, err := pend.Finish(make([]byte, ed25519.SignatureSize))
	if err != nil {
		t.Fatal(err)
	}
	di, err := diCheckOf(placeholder.Credential, signBytes, "assertionMethod", "")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(di.Document, "Ada") || !strings.Contains(di.ProofConfig, `"proofPurpose":"assertionMethod"`) {
		t.Errorf("document %s / options %s", di.Document, di.ProofConfig)
	}
	h1, h2 := sha256.Sum256([]byte(di.ProofConfig)), sha256.Sum256([]byte(di.Document))
	held, sec, err := pend.Finish(ed25519.Sign(issuer, append(h1[:], h2[:]...)))
	if err != nil || sec.Verify(issuer.Public().(ed25519.PublicKey)) != nil {
		t.Fatalf("a signature over the page's texts does not verify: %v", err)
	}
	if len(held.Disclosures) != 2 {
		t.Errorf("%d disclosures", len(held.Disclosures))
	}
	other := bytes.Clone(signBytes)
	other[0] ^= 1
	if _, err := diCheckOf(placeholder.Credential, other, "assertionMethod", ""); err == nil {
		t.Error("sign bytes that are not the texts' hashes accepted")
	}
}
