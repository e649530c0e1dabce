package web_test

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/tx"
)

// TestIdentityRefusalsOverHTTP: every bad request to the credential pages
// gets a clear answer — 404 for what does not exist, 422 with the reason
// for refused answers and for sealed state that was not prepared here —
// and never a server error.
func TestIdentityRefusalsOverHTTP(t *testing.T) {
	base, _ := startPortal(t)
	a := newAgent(t, base)
	alice := testnode.DemoKey(t, "citizen-alice")
	alicePub := hex.EncodeToString(alice.Public().(ed25519.PublicKey))
	regID := tx.AccountID(testnode.DemoKey(t, "registrar").Public().(ed25519.PublicKey))
	nobody := strings.Repeat("ab", 20)

	want := func(what string, r response, code int, texts ...string) {
		t.Helper()
		if r.code != code {
			t.Errorf("%s: HTTP %d, want %d", what, r.code, code)
		}
		for _, s := range texts {
			if !strings.Contains(r.body, s) {
				t.Errorf("%s: page lacks %q", what, s)
			}
		}
	}
	a.get("/identity/verify") // for the CSRF token
	want("home", a.get("/identity"), 200, "My credentials", "Verify a presentation", "Issue a credential")
	want("issue, signed out", a.get("/identity/issue"), 200, "Sign in with your registrar key")
	want("issue post, signed out", a.post("/identity/issue", url.Values{"holder": {nobody}}), 422, "Sign in with your registrar key")
	want("malformed issuer", a.get("/identity/issuers/xyz"), 404)
	want("no such account", a.get("/identity/issuers/"+nobody), 404)
	want("not an issuer", a.get("/identity/issuers/"+regID), 200, "not an accredited issuer", "Proof verified")
	want("bad index", a.get("/identity/issuers/"+regID+"/credentials/x"), 404)
	want("free index", a.get("/identity/issuers/"+regID+"/credentials/5"), 200, "No credential of this issuer holds status index 5", "Proof verified")
	want("lookup", a.get("/identity/issuers/"+regID+"/credentials?index=7"), http.StatusSeeOther)
	want("bad list", a.get("/identity/status-lists/"+regID+"/other"), 404)
	list := a.get("/identity/status-lists/" + regID + "/revocation")
	var doc struct {
		Type    []string
		Subject struct{ EncodedList string } `json:"credentialSubject"`
	}
	if err := json.Unmarshal([]byte(list.body), &doc); list.code != 200 || err != nil || !strings.HasPrefix(doc.Subject.EncodedList, "u") {
		t.Errorf("status list: %d %v %.100s", list.code, err, list.body)
	}
	want("no recovery", a.get("/identity/recovery/"+nobody), 200, "No recovery is pending")
	want("recovery lookup", a.get("/identity/recovery?account=did:publica:"+nobody), http.StatusSeeOther)
	want("bad recovery lookup", a.get("/identity/recovery?account=alice"), 422, "Error: Credentials", "An account id is 40 hexadecimal characters")

	// The verifier.
	want("empty verify", a.post("/identity/verify", url.Values{}), 422, "Choose a presentation file or paste the presentation", "Enter the challenge you gave the holder")
	want("bad predicate", a.post("/identity/verify", url.Values{"presentation": {"{}"}, "challenge": {"c"}, "predicate": {"age>>1"}}), 422, "Write the predicate")
	want("not JSON", a.post("/identity/verify", url.Values{"presentation": {"{not json"}, "challenge": {"c"}}), 200, "Not valid", "identity/40", "failed")

	// The holder's pages.
	want("present, no key", a.post("/identity/present", url.Values{"challenge": {"c"}}), 422, "There is no key in this browser")
	want("present, no file", a.post("/identity/present", url.Values{"challenge": {"c"}, "pubkey": {alicePub}}), 422, "Choose a credential")
	want("present, junk file", a.post("/identity/present", url.Values{"challenge": {"c"}, "pubkey": {alicePub}, "held": {`{"credential":{}}`}}), 422, "The credential is damaged")
	want("eligibility, no predicate", a.post("/identity/eligibility", url.Values{"pubkey": {alicePub}}), 422, "Enter what to prove")

	// Journeys signed by someone without the role.
	want("revoke by a citizen", a.post("/identity/credentials/revoke", url.Values{"pubkey": {alicePub}, "credential": {"5"}}), 422, "is not a credential issuer")
	want("revoke, bad answer", a.post("/identity/credentials/revoke", url.Values{"pubkey": {alicePub}, "credential": {"five"}}), 422, "Enter a status index")
	want("recovery by a citizen", a.post("/identity/recovery/request", url.Values{"pubkey": {alicePub}, "account": {nobody}, "new_pubkey": {"00"}}), 422,
		"is not a registrar", "There is no account", "must be 64 hexadecimal characters")
	want("cancel, nothing pending", a.post("/identity/recovery/cancel", url.Values{"pubkey": {alicePub}}), 422, "No recovery is pending")
	want("cancel another's", a.post("/identity/recovery/cancel", url.Values{"pubkey": {alicePub}, "account": {nobody}}), 422, "Only the key that controls account")
	want("eligibility journey, junk", a.post("/identity/eligibility/register", url.Values{"pubkey": {alicePub}, "predicate": {"age_band>=18"}, "presentation": {"{}"}}), 422, "The chain would refuse this presentation (identity/40)")

	// Sealed state that this portal did not prepare.
	for _, path := range []string{"/identity/issue/sign", "/identity/present/sign"} {
		want(path, a.post(path, url.Values{"sealed": {"AAAA"}, "signature": {strings.Repeat("00", 64)}}), 422, "not prepared by this portal")
	}
	want("held download", a.post("/identity/issue/held.json", url.Values{"held": {"junk"}}), 422, "not prepared by this portal")
	want("anchor send", a.post("/identity/issue/send", url.Values{"prepared": {"x.y"}, "held": {"junk"}}), 422, "not prepared by this portal")
}
