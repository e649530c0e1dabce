package identity_test

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/publica/publica/client"
	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/internal/apptest/browser"
	"github.com/publica/publica/x/identity"
	"github.com/publica/publica/x/identity/vc"
)

const interopDir = "testdata/vcinterop"

// nodeJS returns the node binary, or skips (fails when
// PUBLICA_REQUIRE_NODE is set) when Node.js or the locked npm packages
// are absent.
func nodeJS(t *testing.T) string {
	t.Helper()
	missing := func(msg string) string {
		msg += " (scripts/install-node.sh installs it; `make test` runs it)"
		if os.Getenv("PUBLICA_REQUIRE_NODE") != "" {
			t.Fatal(msg)
		}
		t.Skip("skipping the Digital Bazaar verification: " + msg)
		return ""
	}
	bin, err := exec.LookPath("node")
	if err != nil {
		return missing("node is not on PATH")
	}
	if _, err := os.Stat(filepath.Join(interopDir, "node_modules", "@digitalbazaar", "vc", "package.json")); err != nil {
		return missing(interopDir + "/node_modules has no @digitalbazaar/vc")
	}
	return bin
}

// dbResult is what verify.mjs reports.
type dbResult struct {
	Credential *struct {
		Verified bool
		Error    string
	}
	Presentation *struct {
		Verified bool
		Error    string
	}
	Status map[string]struct {
		Verified bool
		Status   bool
		Error    string
	}
	Safe    map[string]string
	Fetched []string
}

// runDB runs verify.mjs against the portal at base on one case.
func runDB(t *testing.T, bin, base string, kase map[string]any) dbResult {
	t.Helper()
	b, _ := json.Marshal(kase)
	path := filepath.Join(t.TempDir(), "case.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "verify.mjs", base, path)
	cmd.Dir = interopDir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("verify.mjs: %v\n%s\n%s", err, out, stderr.String())
	}
	var r dbResult
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("verify.mjs output: %v\n%s", err, out)
	}
	t.Logf("verify.mjs: %s", out)
	return r
}

// TestDigitalBazaarVerifies: credentials, presentations, the issuer's
// signed status lists and DID documents, all fetched from a running
// portal, verified with Digital Bazaar's libraries (@digitalbazaar/vc with
// the eddsa-jcs-2022 cryptosuite, vc-bitstring-status-list with default
// settings) and accepted by JSON-LD safe mode; the status read before
// and after suspension, reinstatement (no signed list until the issuer
// publishes one) and revocation.
func TestDigitalBazaarVerifies(t *testing.T) {
	bin := nodeJS(t)
	base, cl := browser.StartPortal(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	reg, alice := apptest.DemoKey(t, "registrar"), apptest.DemoKey(t, "citizen-alice")
	a1, a2 := apptest.DemoKey(t, "authority-1"), apptest.DemoKey(t, "authority-2")
	regID, aliceID := apptest.Account(reg), apptest.Account(alice)
	send := func(msgType string, msg any, keys ...ed25519.PrivateKey) *client.Result {
		t.Helper()
		x, err := cl.Build(ctx, apptest.Pub(keys[0]), msgType, msg, 0)
		if err != nil {
			t.Fatal(err)
		}
		res, err := cl.Send(ctx, x, keys...)
		if err != nil {
			t.Fatalf("%s: %v", msgType, err)
		}
		return res
	}
	// sendServed sends and waits until the portal reads at the
	// transaction's height: its proven reads lag the chain by a block
	// (a read's proof needs the next header), and a loaded machine can
	// start the verifier before that block.
	sendServed := func(msgType string, msg any, keys ...ed25519.PrivateKey) {
		t.Helper()
		res := send(msgType, msg, keys...)
		if !res.OK() {
			t.Fatalf("%s: code %d %s", msgType, res.Code, res.Log)
		}
		deadline := time.Now().Add(60 * time.Second)
		for {
			hr, err := http.Get(base + "/identity/status-lists/" + regID + "/revocation")
			if err == nil {
				hr.Body.Close()
				if h, _ := strconv.ParseInt(hr.Header.Get("Publica-Height"), 10, 64); h >= res.Height {
					return
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: the portal does not read at height %d after a minute (%v)", msgType, res.Height, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	send(identity.TypeRegisterSchema, identity.MsgRegisterSchema{ID: "residence", Version: 1, Claims: []identity.ClaimDef{
		{Name: "age_band", Type: "integer"}, {Name: "district", Type: "integer"}}, JSONSchemaHash: strings.Repeat("ab", 32)}, a1, a2)
	send(identity.TypeAccreditIssuer, identity.MsgAccreditIssuer{Issuer: regID, Schemas: []string{"residence"}}, a1, a2)
	held, sec, err := vc.Issue(vc.IssuerParams{Issuer: regID, KeyNumber: 1, Holder: aliceID, SchemaID: "residence", Version: 1,
		StatusIndex: 5, Claims: []vc.Claim{{Name: "district", Value: 7}, {Name: "age_band", Value: 30}},
		ValidFrom: time.Now().Add(-time.Hour), BaseURL: base}, reg)
	if err != nil {
		t.Fatal(err)
	}
	send(identity.TypeAnchorCredential, identity.MsgAnchorCredential{Digest: hex.EncodeToString(sec.DocHash[:]),
		SchemaID: "residence", Version: 1, StatusIndex: 5}, reg)
	bits := map[string][]byte{}
	signed := func(purpose string) json.RawMessage {
		doc, err := identity.SignStatusList(base, regID, purpose, 1, bits[purpose], time.Now().Add(-time.Minute), reg)
		if err != nil {
			t.Fatal(err)
		}
		return doc
	}
	for _, p := range []string{"revocation", "suspension"} {
		bits[p] = make([]byte, identity.MinStatusListBits/8)
		send(identity.TypePublishStatusList, identity.MsgPublishStatusList{Purpose: p, List: signed(p)}, reg)
	}
	// Alice's DID document has services: a registered type and one of
	// her own (shown as an IRI, so safe mode accepts it).
	send(identity.TypeUpdateDID, identity.MsgUpdateDID{Services: []identity.Service{
		{ID: "inbox", Type: "Mailbox", Endpoint: "https://alice.example/inbox"},
		{ID: "web", Type: "LinkedDomains", Endpoint: "https://alice.example"}}}, alice)
	discs, _ := held.Disclose("district")
	pres, err := vc.Present(aliceID, 1, held.Credential, discs, "c-123", "verifier.example", time.Now(), alice)
	if err != nil {
		t.Fatal(err)
	}
	var cred, pr any
	json.Unmarshal(held.Credential, &cred)
	json.Unmarshal(pres, &pr)
	kase := map[string]any{"credential": cred, "presentation": pr, "challenge": "c-123", "domain": "verifier.example",
		"dids": []string{vc.DID(regID), vc.DID(aliceID)},
		"documents": map[string]string{
			"signed revocation list": base + "/identity/status-lists/" + regID + "/revocation",
			"chain revocation list":  base + "/identity/status-lists/" + regID + "/revocation/chain",
		}}

	status := func(r dbResult, revoked, suspended bool) {
		t.Helper()
		for p, want := range map[string]bool{"revocation": revoked, "suspension": suspended} {
			if s := r.Status[p]; !s.Verified || s.Status != want {
				t.Errorf("%s status: %+v, want verified with status %v", p, s, want)
			}
		}
	}
	r := runDB(t, bin, base, kase)
	if r.Credential == nil || !r.Credential.Verified {
		t.Errorf("credential not verified: %+v", r.Credential)
	}
	if r.Presentation == nil || !r.Presentation.Verified {
		t.Errorf("presentation not verified: %+v", r.Presentation)
	}
	status(r, false, false)
	for name, v := range r.Safe {
		if v != "ok" {
			t.Errorf("JSON-LD safe mode refuses the %s: %s", name, v)
		}
	}
	if len(r.Safe) != 6 {
		t.Errorf("safe mode checked %d documents, want 6: %v", len(r.Safe), r.Safe)
	}

	// A presentation proving terms in zero knowledge (predicateProofs).
	pend, signBytes, err := vc.PreparePresentation(vc.PresentationParams{Holder: aliceID, KeyNumber: 1, Credential: held.Credential,
		Challenge: "c-zk", Domain: "verifier.example", Created: time.Now(), Prove: []string{"district=7", "age_band>=18"}, Openings: held.Commitments})
	if err != nil {
		t.Fatal(err)
	}
	zk, err := pend.Finish(ed25519.Sign(alice, signBytes))
	if err != nil {
		t.Fatal(err)
	}
	var zkp any
	json.Unmarshal(zk, &zkp)
	if r := runDB(t, bin, base, map[string]any{"presentation": zkp, "challenge": "c-zk", "domain": "verifier.example"}); r.Presentation == nil ||
		!r.Presentation.Verified || r.Safe["presentation"] != "ok" {
		t.Errorf("zero-knowledge presentation: %+v, safe mode: %q", r.Presentation, r.Safe["presentation"])
	}

	// Suspended, with the new signed list.
	bits["suspension"] = identity.WithStatusBit(bits["suspension"], 5, true)
	sendServed(identity.TypeSetStatus, identity.MsgSetStatus{Purpose: "suspension", Index: 5, Set: true, List: signed("suspension")}, reg)
	delete(kase, "presentation")
	delete(kase, "documents")
	delete(kase, "dids")
	status(runDB(t, bin, base, kase), false, true)

	// Reinstated without a new list: none is served until the issuer
	// signs one, so the status cannot be read (never an outdated list).
	sendServed(identity.TypeSetStatus, identity.MsgSetStatus{Purpose: "suspension", Index: 5, Set: false}, reg)
	r = runDB(t, bin, base, kase)
	if s := r.Status["suspension"]; s.Verified || !strings.Contains(s.Error, "404") {
		t.Errorf("suspension after an unsigned change: %+v, want the list not found", s)
	}
	bits["suspension"] = identity.WithStatusBit(bits["suspension"], 5, false)
	sendServed(identity.TypePublishStatusList, identity.MsgPublishStatusList{Purpose: "suspension", List: signed("suspension")}, reg)
	status(runDB(t, bin, base, kase), false, false)

	// Revoked.
	bits["revocation"] = identity.WithStatusBit(bits["revocation"], 5, true)
	sendServed(identity.TypeSetStatus, identity.MsgSetStatus{Purpose: "revocation", Index: 5, Set: true, List: signed("revocation")}, reg)
	r = runDB(t, bin, base, kase)
	status(r, true, false)
	if !r.Credential.Verified {
		t.Errorf("the revoked credential's signature: %+v", r.Credential)
	}

	// A tampered credential fails Digital Bazaar's verification too.
	// (the subject changed to the issuer).
	tampered := strings.Replace(string(held.Credential), vc.DID(aliceID), vc.DID(regID), 1)
	var tc any
	json.Unmarshal([]byte(tampered), &tc)
	if r := runDB(t, bin, base, map[string]any{"credential": tc}); r.Credential.Verified || !strings.Contains(r.Credential.Error, "signature") {
		t.Errorf("tampered credential: %+v", r.Credential)
	}
}
