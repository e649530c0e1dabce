package vc

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readVector(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "eddsa-jcs-2022", name))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSpace(b)
}

// TestEddsaJcs2022Vectors reproduces the published test vectors of W3C
// "Data Integrity EdDSA Cryptosuites v1.0" (w3c/vc-di-eddsa,
// TestVectors/eddsa-jcs-2022) byte for byte: the canonical document, its
// hash, the signature and the proofValue of the signed credential.
func TestEddsaJcs2022Vectors(t *testing.T) {
	var kp struct{ PublicKeyMultibase, PrivateKeyMultibase string }
	if err := json.Unmarshal(readVector(t, "keyPair.json"), &kp); err != nil {
		t.Fatal(err)
	}
	priv, err := PrivateFromMultikey(kp.PrivateKeyMultibase)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := PublicFromMultikey(kp.PublicKeyMultibase)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(priv.Public().(ed25519.PublicKey), pub) {
		t.Fatal("published private key does not match the published public key")
	}
	if got := MultikeyFromPublic(pub); got != kp.PublicKeyMultibase {
		t.Fatalf("multikey round trip: %s", got)
	}

	signedVec := readVector(t, "signedJCS.json")
	var m map[string]json.RawMessage
	if err := json.Unmarshal(signedVec, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "proof")
	unsigned, _ := json.Marshal(m)

	canon, err := Canonicalize(unsigned)
	if err != nil {
		t.Fatal(err)
	}
	if want := readVector(t, "canonDocJCS.txt"); !bytes.Equal(canon, want) {
		t.Fatalf("canonical document\n got %s\nwant %s", canon, want)
	}
	docHash := sha256.Sum256(canon)
	if got, want := hex.EncodeToString(docHash[:]), string(readVector(t, "docHashJCS.txt")); got != want {
		t.Fatalf("document hash %s, want %s", got, want)
	}

	var opts Proof
	if err := json.Unmarshal(readVector(t, "proofConfigJCS.json"), &opts); err != nil {
		t.Fatal(err)
	}
	out, err := Sign(unsigned, opts, priv)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ParseSecured(out)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := hex.EncodeToString(s.signature), string(readVector(t, "sigHexJCS.txt")); got != want {
		t.Fatalf("signature\n got %s\nwant %s", got, want)
	}
	var vecDoc struct{ Proof Proof }
	json.Unmarshal(signedVec, &vecDoc)
	if s.Proof.ProofValue != vecDoc.Proof.ProofValue {
		t.Fatalf("proofValue %s, want %s", s.Proof.ProofValue, vecDoc.Proof.ProofValue)
	}
	if s.DocHash != docHash {
		t.Fatal("DocHash differs from the published document hash")
	}
	// The published signed document verifies as published.
	pv, err := ParseSecured(signedVec)
	if err != nil {
		t.Fatal(err)
	}
	if err := pv.Verify(pub); err != nil {
		t.Fatalf("published credential: %v", err)
	}
	// One changed character breaks it.
	tampered := bytes.Replace(signedVec, []byte("The School of Examples"), []byte("The School of Exampler"), 1)
	pt, err := ParseSecured(tampered)
	if err != nil {
		t.Fatal(err)
	}
	if err := pt.Verify(pub); err != ErrBadSignature {
		t.Fatalf("tampered credential: %v", err)
	}
}

func TestBase58RoundTrip(t *testing.T) {
	for _, b := range [][]byte{{}, {0}, {0, 0, 1}, []byte("hello world"), bytes.Repeat([]byte{0xff}, 64)} {
		s := Base58Encode(b)
		got, err := Base58Decode(s)
		if err != nil || !bytes.Equal(got, b) {
			t.Fatalf("%x → %s → %x, %v", b, s, got, err)
		}
	}
	// Known value: "hello world" in base58btc.
	if got := Base58Encode([]byte("hello world")); got != "StV1DL6CwTryKyV" {
		t.Fatalf("base58(hello world) = %s", got)
	}
	if _, err := Base58Decode("0OIl"); err == nil {
		t.Fatal("invalid characters accepted")
	}
}

func TestCanonicalizeRefusesDuplicatesAndDepth(t *testing.T) {
	if _, err := Canonicalize([]byte(`{"a":1,"a":2}`)); err == nil || !strings.Contains(err.Error(), "duplicate") {
		t.Fatalf("duplicate keys: %v", err)
	}
	if _, err := Canonicalize([]byte(`{"a":{"b":1},"c":{"b":2}}`)); err != nil {
		t.Fatalf("same key in sibling objects: %v", err)
	}
	deep := strings.Repeat("[", 40) + strings.Repeat("]", 40)
	if _, err := Canonicalize([]byte(deep)); err == nil {
		t.Fatal("deep nesting accepted")
	}
	got, err := Canonicalize([]byte(`{"b": 1.0E2, "a": "\u00e9", "c": [true, null]}`))
	if err != nil || string(got) != `{"a":"é","b":100,"c":[true,null]}` {
		t.Fatalf("JCS: %s %v", got, err)
	}
}
