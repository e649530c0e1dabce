package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/publica/publica/client"
	"github.com/publica/publica/x/identity"
	"github.com/publica/publica/x/identity/vc"
)

// verifyOut is what `credential verify` prints on success.
type verifyOut struct {
	Holder      string                     `json:"holder"`
	Issuer      string                     `json:"issuer"`
	SchemaID    string                     `json:"schema_id"`
	StatusIndex uint64                     `json:"status_index"`
	Claims      map[string]json.RawMessage `json:"claims"`
}

// TestIdentityCLI runs a credential's life through the CLI against a real
// node: schema (2 of 3 authority members), accreditation, issuance,
// selective presentation bound to a challenge, proven verification, a
// replay, suspension and reinstatement, and bad presentation files.
func TestIdentityCLI(t *testing.T) {
	home, _ := devNode(t)
	dir := t.TempDir()
	schemaFile := writeFile(t, dir, "residence.schema.json", `{"type":"object"}`)

	// One authority signature is not a quorum.
	_, _, err := cli(t, home, "identity", "register-schema", "residence", "1", "--claims", "age_band:integer,birth_date:date,district:integer",
		"--json-schema", schemaFile, "--from", "authority-1")
	var txErr *client.TxError
	if !errors.As(err, &txErr) || txErr.Codespace != "publica" || txErr.Code != 9 {
		t.Fatalf("schema with one authority signature: want publica/9, got %v", err)
	}
	r := decodeResult(t, mustCLI(t, home, "identity", "register-schema", "residence", "1", "--claims", "age_band:integer,birth_date:date,district:integer",
		"--json-schema", schemaFile, "--from", "authority-1", "--cosign", "authority-2"))
	if r.Code != 0 {
		t.Fatalf("register-schema: %+v", r)
	}
	if r = decodeResult(t, mustCLI(t, home, "identity", "accredit-issuer", "registrar", "--schemas", "residence",
		"--from", "authority-2", "--cosign", "authority-3")); r.Code != 0 {
		t.Fatalf("accredit-issuer: %+v", r)
	}
	held := filepath.Join(dir, "alice.json")
	if r = decodeResult(t, mustCLI(t, home, "credential", "issue", "--from", "registrar", "--holder", "citizen-alice",
		"--schema", "residence", "--index", "5", "--claim", "district=7", "--claim", "age_band=30",
		"--claim", "birth_date=1987-03-14", "--held", held)); r.Code != 0 {
		t.Fatalf("issue: %+v", r)
	}
	registrar := account(t, home, "registrar").ID
	alice := account(t, home, "citizen-alice").ID

	pres := filepath.Join(dir, "p.json")
	mustCLI(t, home, "credential", "present", held, "--from", "citizen-alice", "--disclose", "district",
		"--challenge", "abc123", "--domain", "v.example", "-o", pres)
	pb, err := os.ReadFile(pres)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(pb), "1987-03-14") {
		t.Fatal("the presentation carries an undisclosed claim")
	}

	verify := func(file, challenge string) (verifyOut, error) {
		t.Helper()
		out, _, err := cli(t, home, "credential", "verify", file, "--challenge", challenge, "--domain", "v.example", "--require", "district")
		var v verifyOut
		if err == nil {
			if jerr := json.Unmarshal([]byte(out), &v); jerr != nil {
				t.Fatalf("verify output: %v\n%s", jerr, out)
			}
			if strings.Contains(out, "age_band") || strings.Contains(out, "birth_date") {
				t.Fatalf("verify shows undisclosed claims:\n%s", out)
			}
			if strings.Contains(out, "valid_until") || strings.Contains(out, "0001-01-01") {
				t.Fatalf("verify shows an expiry for a credential that never expires:\n%s", out)
			}
		}
		return v, err
	}
	mustValid := func(what string) {
		t.Helper()
		v, err := verify(pres, "abc123")
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if v.Holder != alice || v.Issuer != registrar || v.SchemaID != "residence" || v.StatusIndex != 5 ||
			len(v.Claims) != 1 || string(v.Claims["district"]) != "7" {
			t.Fatalf("%s: %+v", what, v)
		}
	}
	mustFail := func(what, file, challenge, code string) {
		t.Helper()
		_, err := verify(file, challenge)
		if err == nil || !strings.Contains(err.Error(), "NOT valid ("+code+")") {
			t.Fatalf("%s: want %s, got %v", what, code, err)
		}
	}

	mustValid("fresh presentation")
	// A verifier's new challenge: the old presentation is a replay.
	mustFail("replay", pres, "fresh-challenge-2", "identity/54")

	mustCLI(t, home, "identity", "suspend", "5", "--from", "registrar")
	mustFail("suspended", pres, "abc123", "identity/50")
	if out := mustCLI(t, home, "identity", "show", "status", "registrar", "suspension", "5", "--prove"); !strings.Contains(out, "index 5: true") ||
		!strings.Contains(out, "proof verified") {
		t.Fatalf("show status:\n%s", out)
	}
	// The issuer's signed lists: published with the first credential,
	// replaced by each status change (suspend carried the list with bit
	// 5 set), withdrawn by a change with --no-list until published again.
	signedList := func(purpose string) (*identity.SignedStatusList, []byte) {
		t.Helper()
		out, _, err := cli(t, home, "identity", "show", "statuslist", "registrar", purpose, "--prove")
		if err != nil && strings.Contains(err.Error(), "not found") && strings.Contains(out, "absence proof verified") {
			return nil, nil
		} else if err != nil {
			t.Fatalf("show statuslist: %v\n%s", err, out)
		}
		out, _, _ = strings.Cut(out, "proof verified")
		out = out[:strings.LastIndexByte(out, '}')+1]
		var l identity.SignedStatusList
		if err := json.Unmarshal([]byte(out), &l); err != nil {
			t.Fatalf("signed %s list: %v\n%s", purpose, err, out)
		}
		bits, err := identity.DecodeStatusList(l.CredentialSubject.EncodedList)
		if err != nil {
			t.Fatal(err)
		}
		return &l, bits
	}
	if l, bits := signedList("suspension"); l == nil || !identity.Bit(bits, 5) || l.ID != vc.StatusListURL(vc.DefaultBaseURL, registrar, "suspension") {
		t.Fatalf("signed suspension list after suspend: %+v", l)
	}
	mustCLI(t, home, "identity", "reinstate", "5", "--from", "registrar", "--no-list")
	mustValid("reinstated")
	if l, _ := signedList("suspension"); l != nil {
		t.Fatal("a change without a list left the signed list")
	}
	mustCLI(t, home, "identity", "publish-status-list", "suspension", "--from", "registrar", "--public-url", "https://registry.example.gov/")
	if l, bits := signedList("suspension"); l == nil || identity.Bit(bits, 5) || l.ID != vc.StatusListURL("https://registry.example.gov", registrar, "suspension") {
		t.Fatalf("published suspension list: %+v", l)
	}
	if _, _, err := cli(t, home, "identity", "publish-status-list", "--from", "registrar", "--public-url", "ftp://x"); err == nil || !strings.Contains(err.Error(), "--public-url") {
		t.Fatalf("bad public URL: %v", err)
	}
	// The DID document, built from keys each read with a proof.
	if out := mustCLI(t, home, "identity", "show", "did", "citizen-alice", "--prove"); !strings.Contains(out, `"publicaKeyHistory"`) ||
		!strings.Contains(out, "did:publica:"+alice+"#key-1") || !strings.Contains(out, "DID document built from keys proven at height") {
		t.Fatalf("show did --prove:\n%s", out)
	}
	if _, _, err := cli(t, home, "identity", "show", "did", "did:publica:"+strings.Repeat("ab", 20), "--prove"); err == nil || !strings.Contains(err.Error(), "absence proven") {
		t.Fatalf("show did of no account: %v", err)
	}

	// The status lists as W3C BitstringStatusListCredentials, each page
	// proven: index 7 revoked shows as set, nothing else.
	if r = decodeResult(t, mustCLI(t, home, "credential", "issue", "--from", "registrar", "--holder", "citizen-bob",
		"--schema", "residence", "--index", "7", "--claim", "district=3", "--held", filepath.Join(dir, "bob.json"))); r.Code != 0 {
		t.Fatalf("issue to bob: %+v", r)
	}
	rev := decodeResult(t, mustCLI(t, home, "identity", "revoke", "7", "--from", "registrar"))
	listFile := filepath.Join(dir, "revocation.json")
	_, errOut, err := cli(t, home, "identity", "status-list", "registrar", "revocation", "--height", strconv.FormatInt(rev.Height, 10), "-o", listFile)
	if err != nil || !strings.Contains(errOut, "16 pages proven against app hash") {
		t.Fatalf("status-list: %v\n%s", err, errOut)
	}
	doc, bits, err := identity.ParseStatusListCredential([]byte(mustRead(t, listFile)))
	if err != nil {
		t.Fatal(err)
	}
	if doc.CredentialSubject.StatusPurpose != "revocation" || doc.ID != vc.StatusListURN(registrar, "revocation") {
		t.Fatalf("status list document: %+v", doc.CredentialSubject)
	}
	if ev, err := doc.CheckEvidence(bits); err != nil || ev.Height != rev.Height || ev.ChainID == "" {
		t.Fatalf("evidence: %v %+v", err, ev)
	}
	for i := uint64(0); i < uint64(len(bits))*8; i++ {
		if identity.Bit(bits, i) != (i == 7) {
			t.Fatalf("revocation bit %d: %v", i, identity.Bit(bits, i))
		}
	}
	// One height earlier the revocation is not there yet.
	mustCLI(t, home, "identity", "status-list", "registrar", "revocation", "--height", strconv.FormatInt(rev.Height-1, 10), "-o", listFile)
	if _, bits, err = identity.ParseStatusListCredential([]byte(mustRead(t, listFile))); err != nil || identity.Bit(bits, 7) {
		t.Fatalf("list before the revocation: %v", err)
	}
	if _, _, err := cli(t, home, "identity", "status-list", "registrar", "expiry"); err == nil || !strings.Contains(err.Error(), "want revocation or suspension") {
		t.Fatalf("bad purpose: %v", err)
	}

	// Proving instead of disclosing: the presentation carries no claim
	// value, and verify reports each term proven without disclosure.
	proved := filepath.Join(dir, "proved.json")
	mustCLI(t, home, "credential", "present", held, "--from", "citizen-alice", "--prove", "district=7,age_band>=18",
		"--challenge", "zk-1", "--domain", "v.example", "-o", proved)
	if body := mustRead(t, proved); strings.Contains(body, "1987-03-14") || !strings.Contains(body, `"disclosures":[]`) {
		t.Fatal("the proving presentation discloses a claim")
	}
	out, errOut, err := cli(t, home, "credential", "verify", proved, "--challenge", "zk-1", "--domain", "v.example", "--predicate", "district=7,age_band>=18")
	if err != nil || !strings.Contains(errOut, "district = 7: proven without disclosure") ||
		!strings.Contains(errOut, "age_band >= 18: proven without disclosure") || strings.Contains(out, `"7"`) {
		t.Fatalf("verify of proofs: %v\n%s\n%s", err, out, errOut)
	}
	if _, _, err := cli(t, home, "credential", "verify", proved, "--challenge", "zk-1", "--predicate", "district=7,age_band>=40"); err == nil ||
		!strings.Contains(err.Error(), "NOT valid (identity/56)") {
		t.Fatalf("a term neither proven nor disclosed: %v", err)
	}
	if _, _, err := cli(t, home, "credential", "present", held, "--from", "citizen-alice", "--prove", "age_band>=40",
		"--challenge", "zk-2"); err == nil || !strings.Contains(err.Error(), "cannot prove age_band>=40") {
		t.Fatalf("proving a false term: %v", err)
	}

	// Eligibility on chain: proofs only, built by the CLI from the held
	// file; a hand-made presentation with a value disclosure is refused.
	if r = decodeResult(t, mustCLI(t, home, "identity", "register-eligibility", "age_band>=18,district=7", held, "--from", "citizen-alice")); r.Code != 0 {
		t.Fatalf("register-eligibility: %+v", r)
	}
	if out := mustCLI(t, home, "query", "tx", r.Hash); strings.Contains(out, "1987-03-14") {
		t.Fatal("the eligibility transaction carries a claim")
	}
	if _, _, err := cli(t, home, "identity", "register-eligibility", "age_band>=40", held, "--from", "citizen-alice"); err == nil ||
		!strings.Contains(err.Error(), "cannot prove age_band>=40") {
		t.Fatalf("eligibility for a false predicate: %v", err)
	}
	if _, _, err := cli(t, home, "identity", "register-eligibility", "district=7", pres, "--from", "citizen-alice"); err == nil ||
		!strings.Contains(err.Error(), "not a holder's credential file") {
		t.Fatalf("a presentation instead of the held file: %v", err)
	}

	// Bad files: an edited credential no longer carries its issuer's
	// signature; broken JSON is malformed; a missing file is named.
	tampered := writeFile(t, dir, "tampered.json", strings.Replace(string(pb), `"id":"urn:uuid:`, `"id":"urn:uuid:0`, 1))
	if tampered == "" || string(pb) == mustRead(t, tampered) {
		t.Fatal("tampering did not change the file")
	}
	mustFail("tampered credential", tampered, "abc123", "identity/41")
	truncated := writeFile(t, dir, "truncated.json", string(pb[:len(pb)/2]))
	mustFail("truncated", truncated, "abc123", "identity/40")
	if _, err := verify(filepath.Join(dir, "nope.json"), "abc123"); !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "nope.json") {
		t.Fatalf("missing file: %v", err)
	}
}

func mustRead(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
