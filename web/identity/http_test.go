package identity_test

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/internal/apptest/browser"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/web/identity"
	"github.com/publica/publica/web/static"
)

// TestIdentityRefusalsOverHTTP: every bad request to the credential pages
// gets a clear answer — 404 for what does not exist, 422 with the reason
// for refused answers and for sealed state that was not prepared here —
// and never a server error.
func TestIdentityRefusalsOverHTTP(t *testing.T) {
	base, _ := browser.StartPortal(t)
	a := browser.NewAgent(t, base)
	alice := apptest.DemoKey(t, "citizen-alice")
	alicePub := hex.EncodeToString(alice.Public().(ed25519.PublicKey))
	regID := tx.AccountID(apptest.DemoKey(t, "registrar").Public().(ed25519.PublicKey))
	nobody := strings.Repeat("ab", 20)

	want := func(what string, r browser.Response, code int, texts ...string) {
		t.Helper()
		if r.Code != code {
			t.Errorf("%s: HTTP %d, want %d", what, r.Code, code)
		}
		for _, s := range texts {
			if !strings.Contains(r.Body, s) {
				t.Errorf("%s: page lacks %q", what, s)
			}
		}
	}
	a.Get("/identity/verify") // for the CSRF token
	want("home", a.Get("/identity"), 200, "My credentials", "Verify a presentation", "Issue a credential")
	want("issue, signed out", a.Get("/identity/issue"), 200, "Sign in with your registrar key")
	want("issue post, signed out", a.Post("/identity/issue", url.Values{"holder": {nobody}}), 422, "Sign in with your registrar key")
	want("malformed issuer", a.Get("/identity/issuers/xyz"), 404)
	want("no such account", a.Get("/identity/issuers/"+nobody), 404)
	want("not an issuer", a.Get("/identity/issuers/"+regID), 200, "not an accredited issuer", "Proof verified")
	want("bad index", a.Get("/identity/issuers/"+regID+"/credentials/x"), 404)
	want("free index", a.Get("/identity/issuers/"+regID+"/credentials/5"), 200, "No credential of this issuer holds status index 5", "Proof verified")
	want("lookup", a.Get("/identity/issuers/"+regID+"/credentials?index=7"), http.StatusSeeOther)
	want("bad list", a.Get("/identity/status-lists/"+regID+"/other"), 404)
	// No signed list yet: a clear 404; the list with the chain's proofs
	// is always there.
	want("unsigned list", a.Get("/identity/status-lists/"+regID+"/revocation"), 404, "has not signed its revocation list")
	list := a.Get("/identity/status-lists/" + regID + "/revocation/chain")
	var doc struct {
		Type    []string
		Subject struct{ EncodedList string } `json:"credentialSubject"`
	}
	if err := json.Unmarshal([]byte(list.Body), &doc); list.Code != 200 || err != nil || !strings.HasPrefix(doc.Subject.EncodedList, "u") {
		t.Errorf("status list: %d %v %.100s", list.Code, err, list.Body)
	}
	want("context", a.Get("/ns/identity/v1"), 200, `"publicaKeyHistory"`, `"claimDigests"`)
	want("no schema", a.Get("/identity/schemas/residence/1"), 404, "is not registered")
	want("bad schema", a.Get("/identity/schemas/residence/01"), 404, "the version a whole number from 1")
	want("DID", a.Get("/1.0/identifiers/did:publica:"+regID), 200, `"didDocument"`, `"publicaProof"`, `"publicaKeyHistory"`, "did:publica:"+regID+"#key-1")
	want("no DID", a.Get("/1.0/identifiers/did:publica:"+nobody), 404, `"notFound"`)
	want("bad DID", a.Get("/1.0/identifiers/did:publica:xyz"), 400, `"invalidDid"`)
	want("not a DID", a.Get("/1.0/identifiers/publica"), 400, `"invalidDid"`)
	want("other method", a.Get("/1.0/identifiers/did:web:example.com"), 501, `"methodNotSupported"`)
	want("DID at height 1", a.Get("/1.0/identifiers/did:publica:"+regID+"?versionId=1"), 200, `"versionId":"1"`)
	want("DID, bad version", a.Get("/1.0/identifiers/did:publica:"+regID+"?versionId=x"), 400, `"invalidOptions"`)
	want("DID, future version", a.Get("/1.0/identifiers/did:publica:"+regID+"?versionId=99999999"), 404, `"notFound"`)
	want("DID, encoded", a.Get("/1.0/identifiers/did%3Apublica%3A"+regID), 200, `"didDocument"`)
	want("no recovery", a.Get("/identity/recovery/"+nobody), 200, "No recovery is pending")
	want("recovery lookup", a.Get("/identity/recovery?account=did:publica:"+nobody), http.StatusSeeOther)
	want("bad recovery lookup", a.Get("/identity/recovery?account=alice"), 422, "Error: Credentials", "An account id is 40 hexadecimal characters")

	// The verifier.
	want("empty verify", a.Post("/identity/verify", url.Values{}), 422, "Choose a presentation file or paste the presentation", "Enter the challenge you gave the holder")
	want("bad predicate", a.Post("/identity/verify", url.Values{"presentation": {"{}"}, "challenge": {"c"}, "predicate": {"age>>1"}}), 422, "Write the predicate")
	want("not JSON", a.Post("/identity/verify", url.Values{"presentation": {"{not json"}, "challenge": {"c"}}), 200, "Not valid", "identity/40", "failed")

	// The holder's pages.
	want("present, no key", a.Post("/identity/present", url.Values{"challenge": {"c"}}), 422, "There is no key in this browser")
	want("present, no file", a.Post("/identity/present", url.Values{"challenge": {"c"}, "pubkey": {alicePub}}), 422, "Choose a credential")
	want("present, junk presentation", a.Post("/identity/present", url.Values{"challenge": {"c"}, "pubkey": {alicePub}, "presentation": {`{"credential":{}}`}}), 422, "The presentation this browser built is damaged")
	want("present, the holder's file", a.Post("/identity/present", url.Values{"challenge": {"c"}, "pubkey": {alicePub}, "held": {`{"credential":{}}`}}), 422, "Choose a credential")
	want("present, not built", a.Post("/identity/present", url.Values{"challenge": {"c"}, "pubkey": {alicePub}, "prove": {"age_band>=18"},
		"build_error": {"your credential cannot prove this: its claim does not satisfy a term"}, "build_field": {"terms"}}), 422, "Your credential cannot prove this", `id="f-prove-error"`)
	want("eligibility, no predicate", a.Post("/identity/eligibility", url.Values{"pubkey": {alicePub}}), 422, "Enter what to prove")
	// The pages that build presentations may compile WebAssembly, and get
	// the builder compressed.
	if r := a.Get("/identity/present"); r.Header.Get("Content-Security-Policy") != identity.PresentCSP || !strings.Contains(r.Body, `data-wasm="/static/present.wasm?v=`) {
		t.Errorf("present page: CSP %q", r.Header.Get("Content-Security-Policy"))
	}
	req, _ := http.NewRequest("GET", base+static.URL("present.wasm"), nil)
	req.Header.Set("Accept-Encoding", "gzip")
	if res, err := http.DefaultTransport.RoundTrip(req); err != nil {
		t.Error(err)
	} else {
		res.Body.Close()
		if res.Header.Get("Content-Encoding") != "gzip" || res.Header.Get("Content-Type") != "application/wasm" || res.ContentLength > 2<<20 {
			t.Errorf("present.wasm: %s, %s, %d bytes", res.Header.Get("Content-Encoding"), res.Header.Get("Content-Type"), res.ContentLength)
		}
	}

	// Journeys signed by someone without the role.
	want("revoke by a citizen", a.Post("/identity/credentials/revoke", url.Values{"pubkey": {alicePub}, "credential": {"5"}}), 422, "is not a credential issuer")
	want("revoke, bad answer", a.Post("/identity/credentials/revoke", url.Values{"pubkey": {alicePub}, "credential": {"five"}}), 422, "Enter a status index")
	want("recovery by a citizen", a.Post("/identity/recovery/request", url.Values{"pubkey": {alicePub}, "account": {nobody}, "new_pubkey": {"00"}}), 422,
		"is not a registrar", "There is no account", "must be 64 hexadecimal characters")
	want("cancel, nothing pending", a.Post("/identity/recovery/cancel", url.Values{"pubkey": {alicePub}}), 422, "No recovery is pending")
	want("cancel another's", a.Post("/identity/recovery/cancel", url.Values{"pubkey": {alicePub}, "account": {nobody}}), 422, "Only the key that controls account")
	want("eligibility journey, junk", a.Post("/identity/eligibility/register", url.Values{"pubkey": {alicePub}, "predicate": {"age_band>=18"}, "presentation": {"{}"}}), 422, "The chain would refuse this presentation (identity/40)")

	// Sealed state that this portal did not prepare.
	for _, path := range []string{"/identity/issue/sign", "/identity/present/sign"} {
		want(path, a.Post(path, url.Values{"sealed": {"AAAA"}, "signature": {strings.Repeat("00", 64)}}), 422, "not prepared by this portal")
	}
	want("held download", a.Post("/identity/issue/held.json", url.Values{"held": {"junk"}}), 422, "not prepared by this portal")
	want("anchor send", a.Post("/identity/issue/send", url.Values{"prepared": {"x.y"}, "held": {"junk"}}), 422, "not prepared by this portal")
}
