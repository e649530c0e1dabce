package vc

import (
	"bytes"
	"crypto/ed25519"
	"testing"
	"time"
)

// fixedReader yields the same bytes on every read, so two issuances with
// it are byte for byte comparable.
type fixedReader byte

func (f fixedReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(f) + byte(i)
	}
	return len(p), nil
}

// Signing the sign bytes with a key held elsewhere gives exactly what
// Issue and Present give with the key in hand.
func TestPrepareFinishMatchesIssuePresent(t *testing.T) {
	issuer := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{3}, 32))
	holder := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{4}, 32))
	iss, hold := "00112233445566778899aabbccddeeff00112233", "ffeeddccbbaa99887766554433221100ffeeddcc"
	params := IssuerParams{Issuer: iss, KeyNumber: 2, Holder: hold, SchemaID: "residence", Version: 1, StatusIndex: 9,
		Claims: []Claim{{Name: "district", Value: 7}, {Name: "name", Value: "Ada"}}, ValidFrom: time.Unix(100, 0), Rand: fixedReader(1)}

	want, wantSec, err := Issue(params, issuer)
	if err != nil {
		t.Fatal(err)
	}
	pend, signBytes, err := PrepareIssue(params, fixedReader(1))
	if err != nil {
		t.Fatal(err)
	}
	got, gotSec, err := pend.Finish(ed25519.Sign(issuer, signBytes)) // "elsewhere"
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Credential, want.Credential) || len(got.Disclosures) != len(want.Disclosures) || gotSec.DocHash != wantSec.DocHash {
		t.Fatalf("external signing differs:\n%s\n%s", got.Credential, want.Credential)
	}
	for i := range got.Disclosures {
		if got.Disclosures[i] != want.Disclosures[i] {
			t.Fatalf("disclosure %d differs", i)
		}
	}
	if err := gotSec.Verify(issuer.Public().(ed25519.PublicKey)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := pend.Finish(make([]byte, 10)); err == nil {
		t.Fatal("short signature accepted")
	}

	discs, _ := want.Disclose("district")
	created := time.Unix(200, 0)
	wantP, err := Present(hold, 1, want.Credential, discs, "chal", "dom", created, holder)
	if err != nil {
		t.Fatal(err)
	}
	pp, sb, err := PreparePresentation(PresentationParams{Holder: hold, KeyNumber: 1, Credential: want.Credential,
		Disclosures: discs, Challenge: "chal", Domain: "dom", Created: created})
	if err != nil {
		t.Fatal(err)
	}
	gotP, err := pp.Finish(ed25519.Sign(holder, sb))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(gotP, wantP) {
		t.Fatalf("external presentation differs:\n%s\n%s", gotP, wantP)
	}
	parsed, err := ParsePresentation(gotP)
	if err != nil {
		t.Fatal(err)
	}
	if err := parsed.Secured.Verify(holder.Public().(ed25519.PublicKey)); err != nil {
		t.Fatal(err)
	}
	// A signature by another key is attached but does not verify.
	bad, _ := pp.Finish(ed25519.Sign(issuer, sb))
	if parsed, err = ParsePresentation(bad); err != nil || parsed.Secured.Verify(holder.Public().(ed25519.PublicKey)) == nil {
		t.Fatalf("foreign signature: %v", err)
	}
	if _, _, err := PreparePresentation(PresentationParams{Holder: hold, KeyNumber: 1, Credential: want.Credential}); err == nil {
		t.Fatal("presentation without challenge prepared")
	}
}
