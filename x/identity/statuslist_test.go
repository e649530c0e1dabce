package identity_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/publica/publica/errs"
	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/x/authority"
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
			e.StatusListCredential != vc.StatusListURL(vc.DefaultBaseURL, apptest.Account(w.registrar), e.StatusPurpose) ||
			e.ID != e.StatusListCredential+"#0" {
			t.Fatalf("entry %+v", e)
		}
	}
	if s := p.Credential.CredentialSchema; s.Type != "JsonSchema" || s.ID != vc.DefaultBaseURL+"/identity/schemas/residence/1" || p.BaseURL != vc.DefaultBaseURL {
		t.Fatalf("credentialSchema %+v, base %q", s, p.BaseURL)
	}
}

// The issuer's signed status list: checked against the chain's list and
// the issuer's current key, stored, replaced by set-status with the new
// list, removed by set-status without one; every bad document refused
// with identity/23 and the reason.
func TestSignedStatusList(t *testing.T) {
	w := newWorld(t)
	reg := apptest.Account(w.registrar)
	w.issue(w.registrar, apptest.Account(w.alice), aliceClaims(), time.Time{}, nil)
	const base = "https://registry.example.gov"
	zeros := make([]byte, identity.MinStatusListBits/8)
	sign := func(bits []byte, key ed25519.PrivateKey, purpose string) json.RawMessage {
		doc, err := identity.SignStatusList(base, reg, purpose, 1, bits, apptest.GenesisTime, key)
		if err != nil {
			t.Fatal(err)
		}
		return doc
	}
	stored := func() []byte {
		r := w.RawQuery(&abci.RequestQuery{Path: "/identity/signedstatuslist/" + reg + "/revocation"})
		return r.Value
	}
	good := sign(zeros, w.registrar, "revocation")
	refuse := func(name string, msg identity.MsgPublishStatusList, why string) {
		t.Helper()
		r := w.Expect(identity.ErrStatusListDoc, identity.TypePublishStatusList, msg, w.registrar)
		if !strings.Contains(r.Log, why) {
			t.Errorf("%s: log %q lacks %q", name, r.Log, why)
		}
	}
	refuse("other key", identity.MsgPublishStatusList{Purpose: "revocation", List: sign(zeros, w.alice, "revocation")}, "signature")
	refuse("other bits", identity.MsgPublishStatusList{Purpose: "revocation", List: sign(identity.WithStatusBit(zeros, 0, true), w.registrar, "revocation")}, "differs from the chain's list from entry 0")
	refuse("other purpose", identity.MsgPublishStatusList{Purpose: "suspension", List: good}, "is not <public URL>/identity/status-lists/")
	refuse("tampered", identity.MsgPublishStatusList{Purpose: "revocation", List: json.RawMessage(strings.Replace(string(good), `"validFrom":"`, `"validFrom":"1`, 1))}, "validFrom")
	w.Expect(identity.ErrNotIssuer, identity.TypePublishStatusList, identity.MsgPublishStatusList{Purpose: "revocation", List: good}, w.alice)
	w.Expect(errs.InvalidMsg, identity.TypePublishStatusList, identity.MsgPublishStatusList{Purpose: "revocation"}, w.registrar)
	if stored() != nil {
		t.Fatal("a refused list was stored")
	}
	w.Expect(nil, identity.TypePublishStatusList, identity.MsgPublishStatusList{Purpose: "revocation", List: good}, w.registrar)
	if !bytes.Equal(stored(), good) {
		t.Fatalf("stored %s", stored())
	}
	// set-status with the list as it will stand: stored; with the old
	// list: refused; without a list: the stored one is removed.
	revoked := sign(identity.WithStatusBit(zeros, 0, true), w.registrar, "revocation")
	w.Expect(identity.ErrStatusListDoc, identity.TypeSetStatus, identity.MsgSetStatus{Purpose: "revocation", Index: 0, Set: true, List: good}, w.registrar)
	w.Expect(nil, identity.TypeSetStatus, identity.MsgSetStatus{Purpose: "revocation", Index: 0, Set: true, List: revoked}, w.registrar)
	if !bytes.Equal(stored(), revoked) {
		t.Fatalf("stored after set-status %s", stored())
	}
	sus := sign(zeros, w.registrar, "suspension")
	w.Expect(nil, identity.TypePublishStatusList, identity.MsgPublishStatusList{Purpose: "suspension", List: sus}, w.registrar)
	w.Expect(nil, identity.TypeSetStatus, identity.MsgSetStatus{Purpose: "suspension", Index: 0, Set: true}, w.registrar)
	if r := w.RawQuery(&abci.RequestQuery{Path: "/identity/signedstatuslist/" + reg + "/suspension"}); r.Value != nil {
		t.Fatal("set-status without a list left the old signed list")
	}
	// Exported with the genesis, which checks it against the pages.
	g, err := identity.New(authority.Keeper{}).Keeper.Records(w.View())
	if err != nil || len(g.SignedStatusLists) != 1 || !bytes.Equal(g.SignedStatusLists[0].List, revoked) {
		t.Fatalf("export: %v %+v", err, g.SignedStatusLists)
	}
	if err := g.Validate(); err != nil {
		t.Fatal(err)
	}
	g.SignedStatusLists[0].List = good
	if err := g.Validate(); err == nil || !strings.Contains(err.Error(), "differs from the chain's list") {
		t.Fatalf("genesis with an outdated signed list: %v", err)
	}
}

// A credential issued before the status list and schema URLs (URNs,
// PublicaClaimSchema) still parses.
func TestLegacyCredentialParses(t *testing.T) {
	w := newWorld(t)
	held := w.issue(w.registrar, apptest.Account(w.alice), aliceClaims(), time.Time{}, nil)
	var c map[string]any
	json.Unmarshal(held.Credential, &c)
	reg := apptest.Account(w.registrar)
	c["credentialSchema"] = map[string]any{"id": "urn:publica:schema:residence:1", "type": "PublicaClaimSchema"}
	c["credentialStatus"] = []any{
		map[string]any{"id": vc.StatusListURN(reg, "revocation") + "#0", "type": "BitstringStatusListEntry", "statusPurpose": "revocation", "statusListIndex": "0", "statusListCredential": vc.StatusListURN(reg, "revocation")},
		map[string]any{"id": vc.StatusListURN(reg, "suspension") + "#0", "type": "BitstringStatusListEntry", "statusPurpose": "suspension", "statusListIndex": "0", "statusListCredential": vc.StatusListURN(reg, "suspension")},
	}
	delete(c, "proof")
	doc, _ := json.Marshal(c)
	signed, err := vc.Sign(doc, vc.Proof{VerificationMethod: vc.KeyRef(reg, 1), ProofPurpose: "assertionMethod"}, w.registrar)
	if err != nil {
		t.Fatal(err)
	}
	p, err := vc.ParseCredential(signed)
	if err != nil || p.SchemaID != "residence" || p.BaseURL != "" {
		t.Fatalf("%v %+v", err, p)
	}
	// Mixed forms are refused.
	c["credentialSchema"] = map[string]any{"id": "urn:publica:schema:residence:1", "type": "JsonSchema"}
	doc, _ = json.Marshal(c)
	signed, _ = vc.Sign(doc, vc.Proof{VerificationMethod: vc.KeyRef(reg, 1), ProofPurpose: "assertionMethod"}, w.registrar)
	if _, err := vc.ParseCredential(signed); err == nil || !strings.Contains(err.Error(), "JsonSchema at") {
		t.Fatalf("JsonSchema with a URN: %v", err)
	}
}

// DID documents show service types as terms of their contexts or IRIs;
// endpoints must be absolute URIs.
func TestDIDServices(t *testing.T) {
	if got := identity.ServiceType("LinkedDomains"); got != "LinkedDomains" {
		t.Errorf("LinkedDomains: %s", got)
	}
	if got := identity.ServiceType("Mailbox"); got != identity.ServiceTypePrefix+"Mailbox" {
		t.Errorf("Mailbox: %s", got)
	}
	if got := identity.ServiceType("https://example.org/t#X"); got != "https://example.org/t#X" {
		t.Errorf("IRI: %s", got)
	}
	for _, ep := range []string{"inbox", "/relative", "https://a.example/x y"} {
		m := identity.MsgUpdateDID{Services: []identity.Service{{ID: "a", Type: "T", Endpoint: ep}}}
		if err := m.ValidateBasic(); err == nil || !strings.Contains(err.Error(), "absolute URI") {
			t.Errorf("endpoint %q: %v", ep, err)
		}
	}
}
