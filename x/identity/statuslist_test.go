package identity_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/x/identity"
	"github.com/publica/publica/x/identity/vc"
)

// statusList builds the issuer's list document from the latest state,
// every page read with its proof.
func statusList(t *testing.T, w *world, issuer, purpose string) []byte {
	t.Helper()
	v := w.View()
	c, err := identity.StatusListFromChain("test-chain", issuer, purpose, w.Store.Version(), v.Hash(),
		func(key []byte) ([]byte, []byte, error) {
			p, err := v.Proof(key)
			if err != nil {
				return nil, nil, err
			}
			b, err := p.Marshal()
			return v.Get(key), b, err
		})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestBitstringStatusList: the W3C document decodes to exactly the chain's
// bits, shows a revoked index as set, is deterministic, and its page
// proofs check; an edited list or proof does not.
func TestBitstringStatusList(t *testing.T) {
	w := newWorld(t)
	alice := apptest.Account(w.alice)
	reg := apptest.Account(w.registrar)
	w.issue(w.registrar, alice, aliceClaims(), time.Time{}, nil) // index 0
	w.nextIndex = 9000                                           // page 1
	w.issue(w.registrar, alice, aliceClaims(), time.Time{}, nil)
	w.nextIndex = 3
	w.issue(w.registrar, alice, aliceClaims(), time.Time{}, nil)
	set := func(purpose string, i uint64, on bool) {
		w.Expect(nil, identity.TypeSetStatus, identity.MsgSetStatus{Purpose: purpose, Index: i, Set: on}, w.registrar)
	}
	set(identity.PurposeRevocation, 9000, true)
	set(identity.PurposeRevocation, 3, true)
	set(identity.PurposeSuspension, 0, true)
	set(identity.PurposeSuspension, 0, false) // a stored all-zero page

	doc := statusList(t, w, reg, identity.PurposeRevocation)
	if !bytes.Equal(doc, statusList(t, w, reg, identity.PurposeRevocation)) {
		t.Fatal("two builds from one state differ")
	}
	var generic map[string]any
	json.Unmarshal(doc, &generic)
	subj := generic["credentialSubject"].(map[string]any)
	if subj["type"] != "BitstringStatusList" || subj["statusPurpose"] != "revocation" ||
		!strings.HasPrefix(subj["encodedList"].(string), "u") || generic["id"] != vc.StatusListURN(reg, "revocation") ||
		!strings.Contains(string(doc), `"BitstringStatusListCredential"`) {
		t.Fatalf("document shape:\n%.400s", doc)
	}
	c, bits, err := identity.ParseStatusListCredential(doc)
	if err != nil {
		t.Fatal(err)
	}
	if len(bits) != identity.MinStatusListBits/8 {
		t.Fatalf("list of %d bytes, want the 16 KB minimum", len(bits))
	}
	v := w.View()
	ones := 0
	for i := uint64(0); i < uint64(len(bits))*8; i++ {
		chain := identity.StatusBit(v.Get(identity.StatusPageKey(reg, identity.PurposeRevocation, i)), i)
		if identity.Bit(bits, i) != chain {
			t.Fatalf("bit %d: document %v, chain %v", i, !chain, chain)
		}
		if chain {
			ones++
		}
	}
	if ones != 2 || !identity.Bit(bits, 9000) || !identity.Bit(bits, 3) || identity.Bit(bits, 0) {
		t.Fatalf("%d bits set; 3 and 9000 must be", ones)
	}
	ev, err := c.CheckEvidence(bits)
	if err != nil || ev.Height != w.Store.Version() || len(ev.Pages) != 16 || !ev.Pages[0].Stored || !ev.Pages[1].Stored || ev.Pages[2].Stored {
		t.Fatalf("evidence: %v %+v", err, ev)
	}
	// The suspension list: its page 0 is stored, all zeros.
	sc, sbits, err := identity.ParseStatusListCredential(statusList(t, w, reg, identity.PurposeSuspension))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sc.CheckEvidence(sbits); err != nil || !sc.Evidence[0].Pages[0].Stored || !bytes.Equal(sbits, make([]byte, len(sbits))) {
		t.Fatalf("suspension list: %v", err)
	}

	// A cleared revocation in the list, or a stolen proof, is caught.
	forged := bytes.Clone(bits)
	forged[3/8] &^= 0x80 >> 3
	if _, err := c.CheckEvidence(forged); err == nil {
		t.Fatal("a list with a revocation removed passed its evidence check")
	}
	forged = bytes.Clone(bits)
	forged[5*1024] = 1
	if _, err := c.CheckEvidence(forged); err == nil || !strings.Contains(err.Error(), "absent on chain") {
		t.Fatalf("a bit set in an absent page: %v", err)
	}
	pages := c.Evidence[0].Pages
	c.Evidence[0].Pages = pages[:1] // page 1, with index 9000, left out
	if _, err := c.CheckEvidence(bits[:identity.PageBytes]); err == nil || !strings.Contains(err.Error(), "the chain's list has 16 pages") {
		t.Fatalf("a list cut short: %v", err)
	}
	c.Evidence[0].Pages = pages
	c.Evidence[0].Params.Stored = true
	c.Evidence[0].Params.Value = base64.StdEncoding.EncodeToString([]byte(`{"recovery_delay":1,"status_list_size":8192}`))
	if _, err := c.CheckEvidence(bits); err == nil {
		t.Fatal("forged params accepted")
	}
	c.Evidence[0].Params.Stored = false
	c.Evidence[0].Pages[0].Proof = c.Evidence[0].Pages[1].Proof
	if _, err := c.CheckEvidence(bits); err == nil {
		t.Fatal("page 1's proof accepted for page 0")
	}

	// Bad documents: specific errors, no panic.
	for name, mut := range map[string]func(string) string{
		"no multibase prefix": func(s string) string { return strings.Replace(s, `"encodedList":"u`, `"encodedList":"z`, 1) },
		"not gzip":            func(s string) string { return strings.Replace(s, `"encodedList":"u`, `"encodedList":"uAAAA`, 1) },
		"wrong subject type": func(s string) string {
			return strings.Replace(s, `"type":"BitstringStatusList"`, `"type":"StatusList2021"`, 1)
		},
		"unknown field": func(s string) string { return strings.Replace(s, `{`, `{"x":1,`, 1) },
	} {
		if _, _, err := identity.ParseStatusListCredential([]byte(mut(string(doc)))); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	short := identity.EncodeStatusList(make([]byte, 100))
	if _, err := identity.DecodeStatusList(short); err == nil || !strings.Contains(err.Error(), "minimum") {
		t.Fatalf("short list: %v", err)
	}
}

// The credentials' status entries point at the list documents.
func TestStatusEntriesNameTheList(t *testing.T) {
	w := newWorld(t)
	held := w.issue(w.registrar, apptest.Account(w.alice), aliceClaims(), time.Time{}, nil)
	p, err := vc.ParseCredential(held.Credential)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range p.Credential.CredentialStatus {
		if e.Type != "BitstringStatusListEntry" || e.StatusListIndex != "0" ||
			e.StatusListCredential != vc.StatusListURN(apptest.Account(w.registrar), e.StatusPurpose) {
			t.Fatalf("entry %+v", e)
		}
	}
}
