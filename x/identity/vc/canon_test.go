package vc

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
)

// TestCanonObjectMatchesJCS: assembling an object from canonical members
// gives exactly RFC 8785 of the whole, key order by UTF-16 included.
func TestCanonObjectMatchesJCS(t *testing.T) {
	cred, p := seedPresentation(t)
	docs := [][]byte{cred, p,
		[]byte(`{"b":1,"a":{"z":[1,2.50,"\u00e9"],"y":null},"\u20ac":true,"\ud83d\ude00":"x","\u00e9":"<&>","a\"b":"\n","":0}`),
		[]byte(`{"peach":1,"péché":2,"pêche":3,"sin":4,"\u0080":5,"\ufb33":6,"\ud800\udc00":7}`),
		[]byte(`{}`),
	}
	for _, d := range docs {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(d, &m); err != nil {
			t.Fatal(err)
		}
		o, err := newCanonObject(m, nil)
		if err != nil {
			t.Fatal(err)
		}
		want, err := Canonicalize(d)
		if err != nil {
			t.Fatal(err)
		}
		if got := o.bytes(); !bytes.Equal(got, want) {
			t.Fatalf("canonical object\n got %s\nwant %s", got, want)
		}
	}
}

// TestParseOnceSameHashes: the one-pass presentation parse covers exactly
// the bytes the straightforward computation does, for the holder's proof
// and the issuer's.
func TestParseOnceSameHashes(t *testing.T) {
	cred, p := seedPresentation(t)
	pp, err := ParsePresentation(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		doc []byte
		got *Secured
	}{{p, pp.Secured}, {cred, pp.Credential.Secured}} {
		var m map[string]json.RawMessage
		json.Unmarshal(c.doc, &m)
		var pm map[string]json.RawMessage
		json.Unmarshal(m["proof"], &pm)
		delete(m, "proof")
		delete(pm, "proofValue")
		hash, docHash, err := hashData(pm, m)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(hash, c.got.hash) || docHash != c.got.DocHash {
			t.Fatal("one-pass parse hashes differ from the direct computation")
		}
	}
	// A presentation whose credential is not an object is malformed.
	bad := bytes.Replace(p, []byte(`"verifiableCredential":[{`), []byte(`"verifiableCredential":["x",{`), 1)
	if _, err := ParsePresentation(bad); err == nil {
		t.Fatal("two credentials accepted")
	}
}

// strictByTokens is the former token-walking checkStrictJSON, the
// reference the byte scanner must agree with.
func strictByTokens(doc []byte) error {
	if !json.Valid(doc) {
		return errors.New("not valid JSON")
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	type frame struct {
		obj  bool
		keys map[string]bool
		key  bool
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				if top != nil && top.obj {
					top.key = true
				}
				if len(stack) >= maxDepth {
					return errors.New("deep")
				}
				stack = append(stack, &frame{obj: d == '{', keys: map[string]bool{}, key: d == '{'})
			default:
				stack = stack[:len(stack)-1]
			}
			continue
		}
		if top != nil && top.obj {
			if top.key {
				k := tok.(string)
				if top.keys[k] {
					return errors.New("dup")
				}
				top.keys[k] = true
				top.key = false
			} else {
				top.key = true
			}
		}
	}
}

var strictCases = []string{
	`{"a":1,"a":2}`, `{"a":1,"\u0061":2}`, `{"a":{"a":1},"b":{"a":2}}`, `{"a":"b","b":"a"}`,
	`{"x":["a","a"],"y":"x"}`, `{"a\\":1,"a\\\\":2}`, `{"a\"":1,"a\u0022":2}`, "{\"\xff\":1,\"\xfe\":2}",
	`{"é":1,"\u00e9":2}`, `{ "k" : "v" , "k" : "w" }`, `[{"a":1},{"a":1}]`, `"str"`, `12`, `{}`, `{"a":1} x`, `{"a":}`,
	strings.Repeat("[", 32) + strings.Repeat("]", 32), strings.Repeat("[", 33) + strings.Repeat("]", 33),
	`{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"ka":0,"kb":0,"kc":0,"kd":0,"ke":0,"kf":0,"kg":0,"k3":0}`,
	`{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"ka":0,"kb":0,"kc":0,"kd":0,"ke":0,"kf":0,"kg":0,"kh":0}`,
}

func TestStrictScannerAgrees(t *testing.T) {
	cred, p := seedPresentation(t)
	for _, c := range append(strictCases, string(cred), string(p)) {
		got, want := checkStrictJSON([]byte(c)), strictByTokens([]byte(c))
		if (got == nil) != (want == nil) {
			t.Errorf("%q: scanner %v, reference %v", c, got, want)
		}
	}
}

func FuzzStrictScanner(f *testing.F) {
	for _, c := range strictCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := checkStrictJSON(b), strictByTokens(b); (got == nil) != (want == nil) {
			t.Fatalf("%q: scanner %v, reference %v", b, got, want)
		}
	})
}

// TestCaseVariantCredentialKey: encoding/json fills the credential from
// the last of "verifiableCredential" / "VerifiableCredential"; the issuer
// signature checked must be that credential's, never the other's.
func TestCaseVariantCredentialKey(t *testing.T) {
	cred, _ := seedPresentation(t)
	issuer := ed25519.NewKeyFromSeed(make([]byte, 32))
	holderSeed := make([]byte, 32)
	holderSeed[0] = 1
	holder := ed25519.NewKeyFromSeed(holderSeed)
	var c map[string]json.RawMessage
	json.Unmarshal(cred, &c)
	var subj map[string]any
	json.Unmarshal(c["credentialSubject"], &subj)
	forgedDisc, _ := NewDisclosure(strings.NewReader(strings.Repeat("s", 16)), Claim{Name: "district", Value: 1})
	subj["claimDigests"] = []string{forgedDisc.Digest()}
	c["credentialSubject"], _ = json.Marshal(subj)
	forged, _ := json.Marshal(c) // the issuer's proof, other claims
	for _, order := range []string{"genuine first", "forged first"} {
		a, b := cred, forged
		if order == "forged first" {
			a, b = forged, cred
		}
		doc := []byte(`{"@context":["` + ContextV2 + `"],"type":["VerifiablePresentation"],"holder":"did:publica:ffeeddccbbaa99887766554433221100ffeeddcc",` +
			`"verifiableCredential":[` + string(a) + `],"VerifiableCredential":[` + string(b) + `],"disclosures":["` + forgedDisc.Encoded + `"]}`)
		signed, err := Sign(doc, Proof{VerificationMethod: "did:publica:ffeeddccbbaa99887766554433221100ffeeddcc#key-1",
			ProofPurpose: "authentication", Challenge: "c"}, holder)
		if err != nil {
			t.Fatal(err)
		}
		// Sign re-serializes with sorted keys; put the credentials back in
		// this order (the signature covers the canonical form, not the order).
		var sm map[string]json.RawMessage
		json.Unmarshal(signed, &sm)
		signed = []byte(`{"@context":` + string(sm["@context"]) + `,"type":` + string(sm["type"]) + `,"holder":` + string(sm["holder"]) +
			`,"disclosures":` + string(sm["disclosures"]) + `,"proof":` + string(sm["proof"]) +
			`,"verifiableCredential":[` + string(a) + `],"VerifiableCredential":[` + string(b) + `]}`)
		pp, err := ParsePresentation(signed)
		if err != nil {
			t.Logf("%s: %v", order, err)
			continue
		}
		if pp.Secured.Verify(holder.Public().(ed25519.PublicKey)) != nil {
			t.Fatalf("%s: holder signature no longer verifies", order)
		}
		if pp.Credential.Secured.Verify(issuer.Public().(ed25519.PublicKey)) == nil && len(pp.Disclosed) > 0 {
			t.Fatalf("%s: forged claims accepted under the genuine credential's signature", order)
		}
	}
}
