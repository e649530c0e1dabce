package identity_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/internal/apptest/browser"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/web"
	"github.com/publica/publica/x/identity"
	"github.com/publica/publica/x/identity/vc"
)

// TestIdentityJourneysInBrowser: the authority set registers a schema and
// accredits the registrar (from Go, as the CLI does); in the browser the
// registrar signs in, sees its issuer page with a verified proof, issues a
// credential to citizen-alice (empty and mistyped answers refused with 422
// and an error summary; the credential and its anchor each signed in the
// browser) and downloads the holder's file. Alice imports the file into
// her browser, sees it valid, presents one claim for a verifier's
// challenge, and the verify page passes it, showing only that claim. The
// registrar revokes the credential; the verify page then says revoked and
// Alice's list shows it. A recovery is requested for bob and cancelled by
// bob. axe-core checks every page.
func TestIdentityJourneysInBrowser(t *testing.T) {
	bctx := browser.NewFor(t, 150*time.Second)
	w := browser.Watch(bctx)
	reqs := browser.WatchRequests(bctx)
	home := testnode.InitHome(t)
	n, c := testnode.Start(t, home)
	base := browser.Serve(t, n, web.Options{Refresh: -1})
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	key := func(name string) (ed25519.PrivateKey, string) {
		k := apptest.DemoKey(t, name)
		return k, tx.AccountID(k.Public().(ed25519.PublicKey))
	}
	a1, _ := key("authority-1")
	a2, _ := key("authority-2")
	registrar, regID := key("registrar")
	alice, aliceID := key("citizen-alice")
	bob, bobID := key("citizen-bob")
	send := func(msgType string, msg any, keys ...ed25519.PrivateKey) {
		t.Helper()
		b, err := c.Build(ctx, keys[0].Public().(ed25519.PublicKey), msgType, msg, 100)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Send(ctx, b, keys...); err != nil {
			t.Fatalf("%s: %v", msgType, err)
		}
	}
	js := sha256.Sum256([]byte(`{"type":"object"}`))
	send(identity.TypeRegisterSchema, identity.MsgRegisterSchema{ID: "residence", Version: 1, JSONSchemaHash: hex.EncodeToString(js[:]),
		Claims: []identity.ClaimDef{{Name: "age_band", Type: "integer"}, {Name: "birth_date", Type: "date"}, {Name: "district", Type: "integer"}, {Name: "name", Type: "string"}}}, a1, a2)
	send(identity.TypeAccreditIssuer, identity.MsgAccreditIssuer{Issuer: regID, Schemas: []string{"residence"}}, a1, a2)

	// steady opens the keys page, retrying while Chromium's DevTools has
	// not caught up with the document a form submission loaded ("Cannot
	// find context with specified id"), so useKey starts from a settled page.
	steady := func() {
		t.Helper()
		var err error
		for range 5 {
			if err = chromedp.Run(bctx, chromedp.Navigate(base+"/keys"),
				browser.Poll(`!!window.PublicaKeys`, 5*time.Second)); err == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("keys page: %v", err)
	}
	ready := func(sel string) chromedp.Action {
		return browser.Poll(`document.querySelector("`+sel+` [data-sign-status]").textContent.startsWith("Ready")`, 5*time.Second)
	}
	page := func(what, path, sel string, code int64) {
		t.Helper()
		browser.Run(t, bctx, what, chromedp.Navigate(base+path), chromedp.WaitReady(sel, chromedp.ByQuery))
		browser.WantStatus(t, w, what, code)
		browser.RequireAccessible(t, bctx, what)
	}
	fill := func(values map[string]string) {
		t.Helper()
		for k, v := range values {
			// (chromedp.SetValue refuses an empty value.)
			browser.Run(t, bctx, "fill "+k, chromedp.Evaluate(`document.getElementById(`+strconv.Quote(k)+`).value = `+strconv.Quote(v), nil))
		}
	}
	refused := func(what, submit string, wants ...string) {
		t.Helper()
		browser.Run(t, bctx, what, browser.Submitted(".error-summary", chromedp.Click(submit, chromedp.ByQuery)))
		browser.WantStatus(t, w, what, 422)
		sum := browser.Text(t, bctx, ".error-summary")
		for _, want := range wants {
			if !strings.Contains(sum, want) {
				t.Errorf("%s: error summary %q lacks %q", what, sum, want)
			}
		}
		var title string
		browser.Run(t, bctx, "title", chromedp.Title(&title))
		if !strings.HasPrefix(title, "Error: ") {
			t.Errorf("%s: title %q", what, title)
		}
		browser.Run(t, bctx, what+": focus on the error summary", browser.Poll(`document.activeElement.classList.contains("error-summary")`, 5*time.Second))
		browser.RequireAccessible(t, bctx, what)
	}
	wantText := func(what, sel string, wants ...string) string {
		t.Helper()
		got := browser.Text(t, bctx, sel)
		for _, want := range wants {
			if !strings.Contains(got, want) {
				t.Errorf("%s: %q lacks %q", what, got, want)
			}
		}
		return got
	}

	// 1. The registrar signs in and sees its issuer record, proven.
	page("credentials home", "/identity", "main", 200)
	browser.UseKey(t, bctx, base, registrar)
	browser.Run(t, bctx, "sign in", chromedp.Navigate(base+"/signin"), ready("form"),
		chromedp.Click("form[data-sign] button", chromedp.ByQuery), chromedp.WaitVisible("#session-account", chromedp.ByID))
	page("issuer page", "/identity/issuers/"+regID, "#issuer-proof", 200)
	wantText("issuer page", "#issuer-facts", "active", "residence")
	wantText("issuer proof", "#issuer-proof", "Proof verified")

	// 2. It issues a credential to alice.
	page("issue form", "/identity/issue", "#f-schema", 200)
	refused("empty issue form", "form.journey-form button", "Enter the holder’s account id or DID", "Choose one of the schemas")
	fill(map[string]string{"f-holder": "did:publica:" + aliceID, "f-schema": "residence:1"})
	browser.Run(t, bctx, "choose schema", browser.Submitted("#f-claim-age_band", chromedp.Click("form.journey-form button", chromedp.ByQuery)))
	browser.WantStatus(t, w, "claims form", 200)
	browser.RequireAccessible(t, bctx, "claims form")
	fill(map[string]string{"f-claim-age_band": "thirty", "f-claim-birth_date": "1987-02-30", "f-claim-district": "7", "f-valid_until": "2020-01-01"})
	refused("mistyped claims", "form.journey-form button", "age_band must be a whole number", "birth_date must be a real date", "Enter name", "Valid until must be today or later")
	if e := browser.Text(t, bctx, "#f-claim-age_band-error"); !strings.Contains(e, "whole number") {
		t.Errorf("inline claim error %q", e)
	}
	fill(map[string]string{"f-claim-age_band": "30", "f-claim-birth_date": "1987-03-14", "f-claim-name": "Alice Example", "f-valid_until": ""})
	browser.Run(t, bctx, "prepare credential", browser.Submitted("form[data-di-sign]", chromedp.Click("form.journey-form button", chromedp.ByQuery)), ready("form[data-di-sign]"))
	browser.WantStatus(t, w, "credential check page", 200)
	browser.RequireAccessible(t, bctx, "credential check page")
	wantText("credential claims", "#issue-claims", "Alice Example", "1987-03-14", "30")
	// A changed sealed credential is refused (sent aside with fetch, so the
	// page stays), and so is a signature that is not the issuer's.
	var tampered []any
	browser.Run(t, bctx, "changed sealed credential", browser.EvalAwait(`(async () => {
		const f = document.querySelector("form[data-di-sign]"), body = new FormData(f);
		body.set("signature", "ab".repeat(64));
		const sealed = f.elements.sealed.value; // its first character changed, whatever it was
		body.set("sealed", (sealed[0] === "A" ? "B" : "A") + sealed.slice(1));
		const r = await fetch(f.action, {method: "POST", body});
		return [r.status, await r.text()];
	})()`, &tampered))
	if len(tampered) != 2 || tampered[0] != float64(422) || !strings.Contains(tampered[1].(string), "not prepared by this portal") {
		t.Errorf("changed sealed credential: %.200v", tampered)
	}
	browser.Run(t, bctx, "forged credential signature", browser.Submitted("main", chromedp.Evaluate(`(() => {
		const f = document.querySelector("form[data-di-sign]");
		f.elements.signature.value = "ab".repeat(64);
		f.submit();
	})()`, nil)), ready("form[data-di-sign]"))
	browser.WantStatus(t, w, "forged credential signature", 422)
	wantText("forged credential signature", ".error-summary", "signature does not match this credential")
	browser.RequireAccessible(t, bctx, "forged credential signature")
	browser.Run(t, bctx, "sign credential", browser.Submitted("form[data-sign]", chromedp.Click("form[data-di-sign] button", chromedp.ByQuery)), ready("form[data-sign]"))
	browser.WantStatus(t, w, "anchor check page", 200)
	browser.RequireAccessible(t, bctx, "anchor check page")
	wantText("anchor facts", "#tx-facts", "Record the credential", "not recorded on the chain")
	browser.Run(t, bctx, "sign anchor", browser.Submitted("#confirmation", chromedp.Click("form[data-sign] button", chromedp.ByQuery)))
	browser.WantStatus(t, w, "issued", 200)
	browser.RequireAccessible(t, bctx, "issued")
	wantText("issued", "#result-facts", "did:publica:"+aliceID)

	// The holder's file, downloaded by the browser.
	dl := t.TempDir()
	browser.Run(t, bctx, "download", cdpbrowser.SetDownloadBehavior(cdpbrowser.SetDownloadBehaviorBehaviorAllow).WithDownloadPath(dl),
		chromedp.Click("#held-download button", chromedp.ByQuery))
	heldPath := filepath.Join(dl, "credential-residence-"+aliceID[:8]+".json")
	var raw []byte
	var err error
	for end := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if raw, err = os.ReadFile(heldPath); err == nil && json.Valid(raw) {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("no holder's file downloaded: %v", err)
		}
	}
	var held vc.Held
	if err := json.Unmarshal(raw, &held); err != nil || len(held.Disclosures) != 4 {
		t.Fatalf("holder's file: %v, %d disclosures", err, len(held.Disclosures))
	}
	cred, err := vc.ParseCredential(held.Credential)
	if err != nil || cred.Holder != aliceID || cred.Issuer != regID {
		t.Fatalf("credential: %v %+v", err, cred)
	}
	if err := cred.Secured.Verify(registrar.Public().(ed25519.PublicKey)); err != nil {
		t.Fatalf("issuer signature: %v", err)
	}
	an, err := c.Query(ctx, "/identity/credential/"+hex.EncodeToString(cred.Secured.DocHash[:]), nil, 0, false)
	if err != nil || an.Value == nil {
		t.Fatalf("credential not anchored: %v", err)
	}

	// 3. Alice imports it, sees it valid and presents one claim. From
	// here to her eligibility on chain every request the browser sends is
	// recorded: none may carry the holder's file.
	steady()
	browser.UseKey(t, bctx, base, alice)
	reqs.Start()
	page("my credentials", "/identity/credentials", "#cred-import-form", 200)
	browser.Run(t, bctx, "paste a non-credential", chromedp.SetValue("#cred-paste", `{"credential":1}`, chromedp.ByID),
		chromedp.Click("#cred-import-form button", chromedp.ByQuery), chromedp.WaitVisible("#cred-error", chromedp.ByID))
	wantText("bad import", "#cred-error", "not a credential file")
	browser.RequireAccessible(t, bctx, "bad import")
	fill(map[string]string{"cred-paste": ""})
	browser.Run(t, bctx, "import", chromedp.SetUploadFiles("#cred-file", []string{heldPath}, chromedp.ByID),
		chromedp.Click("#cred-import-form button", chromedp.ByQuery),
		browser.Poll(`[...document.querySelectorAll("#cred-rows .cred-status")].map(e => e.textContent).join() === "valid"`, 10*time.Second))
	browser.RequireAccessible(t, bctx, "my credentials with one")
	browser.Run(t, bctx, "present link", browser.Submitted("#present-form", chromedp.Click("#cred-rows a[href^='/identity/present']", chromedp.ByQuery)),
		browser.Poll(`document.querySelectorAll("#disclose-choices input").length === 4`, 5*time.Second))
	browser.RequireAccessible(t, bctx, "present form")
	refused("present without challenge", "#present-form button", "Enter the verifier’s challenge")
	browser.Run(t, bctx, "choose district", browser.Poll(`document.querySelectorAll("#disclose-choices input").length === 4`, 5*time.Second),
		chromedp.Click(`#disclose-choices input[value="district"]`, chromedp.ByQuery))
	fill(map[string]string{"f-challenge": "c-0451", "f-domain": "verifier.example", "f-prove": "age_band>=18"})
	browser.Run(t, bctx, "prepare presentation", browser.Submitted("form[data-di-sign]", chromedp.Click("#present-form button", chromedp.ByQuery)), ready("form[data-di-sign]"))
	browser.WantStatus(t, w, "presentation check page", 200)
	browser.RequireAccessible(t, bctx, "presentation check page")
	wantText("disclosed", "#present-claims", "district", "7")
	wantText("proven", "#present-proven", "age_band>=18", "zero knowledge")
	if body := browser.Text(t, bctx, "main"); strings.Contains(body, "Alice Example") || strings.Contains(body, "1987-03-14") || strings.Contains(body, "age_band: 30") {
		t.Error("the presentation check page shows claims that are not disclosed")
	}
	browser.Run(t, bctx, "sign presentation", browser.Submitted("#confirmation", chromedp.Click("form[data-di-sign] button", chromedp.ByQuery)))
	browser.WantStatus(t, w, "presentation ready", 200)
	browser.RequireAccessible(t, bctx, "presentation ready")
	presentation := browser.Text(t, bctx, "#presentation-json")
	var dlName string
	var ok bool
	browser.Run(t, bctx, "download link", chromedp.AttributeValue("#presentation-download", "download", &dlName, &ok, chromedp.ByQuery))
	if dlName != "presentation-residence.json" {
		t.Errorf("presentation download name %q", dlName)
	}

	// 4. The verifier checks it: valid, one claim.
	verify := func(what, challenge string) {
		t.Helper()
		page(what, "/identity/verify", "form.journey-form", 200)
		browser.Run(t, bctx, what+": paste", chromedp.SetValue("#f-presentation", presentation, chromedp.ByID))
		fill(map[string]string{"f-challenge": challenge, "f-domain": "verifier.example", "f-predicate": "age_band>=18,district=7"})
		browser.Run(t, bctx, what, browser.Submitted("#verdict", chromedp.Click("form.journey-form button", chromedp.ByQuery)))
		browser.WantStatus(t, w, what, 200)
		browser.RequireAccessible(t, bctx, what)
	}
	page("verify form", "/identity/verify", "form.journey-form", 200)
	refused("empty verify form", "form.journey-form button", "Choose a presentation file or paste the presentation", "Enter the challenge you gave the holder")
	verify("verify", "c-0451")
	wantText("verdict", "#verdict", "Valid presentation")
	if got := wantText("verified claims", "#verify-claims", "district", "7", "age_band>=18", "proven without disclosure"); strings.Contains(got, "30") {
		t.Errorf("undisclosed value shown: %q", got)
	}
	verify("replayed presentation", "another-challenge")
	wantText("replay verdict", "#verdict", "Not valid", "identity/54")

	// Alice registers her eligibility on chain, proven without disclosure.
	page("eligibility form", "/identity/eligibility", "#present-form", 200)
	browser.Run(t, bctx, "credential listed", browser.Poll(`document.querySelectorAll("#f-credential option[value^='urn:uuid:']").length === 1`, 5*time.Second))
	fill(map[string]string{"f-predicate": "age_band>=40"})
	refused("eligibility that does not hold", "#present-form button", "Your credential cannot prove this")
	browser.Run(t, bctx, "credential listed again", browser.Poll(`document.querySelectorAll("#f-credential option[value^='urn:uuid:']").length === 1`, 5*time.Second))
	fill(map[string]string{"f-predicate": "age_band>=18"})
	browser.Run(t, bctx, "prepare eligibility", browser.Submitted("form[data-di-sign]", chromedp.Click("#present-form button", chromedp.ByQuery)), ready("form[data-di-sign]"))
	browser.RequireAccessible(t, bctx, "eligibility presentation check page")
	wantText("eligibility proofs", "#present-proven", "age_band>=18")
	browser.Run(t, bctx, "sign eligibility presentation", browser.Submitted("form[data-sign]", chromedp.Click("form[data-di-sign] button", chromedp.ByQuery)), ready("form[data-sign]"))
	browser.RequireAccessible(t, bctx, "eligibility transaction check page")
	wantText("eligibility transaction", "#tx-facts", "age_band>=18", "none: each term is proven in zero knowledge")
	browser.Run(t, bctx, "sign eligibility", browser.Submitted("#confirmation", chromedp.Click("form[data-sign] button", chromedp.ByQuery)))
	browser.WantStatus(t, w, "eligibility registered", 200)
	if el, err := c.Query(ctx, "/key", identity.EligibilityKey(aliceID, "residence", "age_band>=18"), 0, false); err != nil || el.Value == nil {
		t.Errorf("no eligibility record: %v", err)
	}
	noSecretsSent(t, reqs.Stop(t), &held, "district")

	// 5. The registrar revokes it: the verifier and alice see it revoked.
	steady()
	regPub := browser.UseKey(t, bctx, base, registrar)
	index := cred.Credential.CredentialStatus[0].StatusListIndex
	browser.Run(t, bctx, "revoke form", chromedp.Navigate(base+"/identity/credentials/revoke?credential="+index),
		browser.Poll(`document.getElementById("f-pubkey").value === "`+regPub+`"`, 10*time.Second))
	browser.RequireAccessible(t, bctx, "revoke form")
	browser.Run(t, bctx, "prepare revocation", browser.Submitted("form[data-sign]", chromedp.Click("form.journey-form button", chromedp.ByQuery)), ready("form[data-sign]"))
	wantText("revocation check", "#tx-facts", "this is final")
	browser.RequireAccessible(t, bctx, "revocation check page")
	browser.Run(t, bctx, "sign revocation", browser.Submitted("#confirmation", chromedp.Click("form[data-sign] button", chromedp.ByQuery)))
	browser.WantStatus(t, w, "revoked", 200)
	wantText("revocation done", "main", "withdrawn until you sign the new one")
	// The change withdrew the signed list: the registrar (signed in since
	// step 1) has its browser key sign the new one and its transaction
	// from the issuer page.
	page("issuer page to publish", "/identity/issuers/"+regID, "#publish-list-form", 200)
	browser.Run(t, bctx, "prepare the list", browser.Submitted("form[data-di-sign]",
		chromedp.Click("#publish-list-form button[value=revocation]", chromedp.ByQuery)), ready("form[data-di-sign]"))
	browser.WantStatus(t, w, "status list check page", 200)
	browser.RequireAccessible(t, bctx, "status list check page")
	browser.Run(t, bctx, "sign the list", browser.Submitted("form[data-sign]", chromedp.Click("form[data-di-sign] button", chromedp.ByQuery)), ready("form[data-sign]"))
	browser.WantStatus(t, w, "status list transaction page", 200)
	browser.RequireAccessible(t, bctx, "status list transaction page")
	browser.Run(t, bctx, "publish the list", browser.Submitted("#confirmation", chromedp.Click("form[data-sign] button", chromedp.ByQuery)))
	browser.WantStatus(t, w, "list published", 200)
	browser.RequireAccessible(t, bctx, "list published")
	wantText("list published", "#result-facts", "/identity/status-lists/"+regID+"/revocation")
	page("revoke again", "/identity/credentials/revoke?credential="+index, "form.journey-form", 200)
	browser.Run(t, bctx, "key filled", browser.Poll(`document.getElementById("f-pubkey").value === "`+regPub+`"`, 10*time.Second))
	refused("revoke again", "form.journey-form button", "already revoked")
	page("credential status", "/identity/issuers/"+regID+"/credentials/"+index, "#credential-proof", 200)
	wantText("credential status", "#credential-status", "Revoked")
	verify("verify revoked", "c-0451")
	wantText("revoked verdict", "#verdict", "Not valid", "identity/49")
	wantText("revoked checks", "#verify-checks", "failed Not revoked")
	page("alice's list after revocation", "/identity/credentials", "#cred-import-form", 200)
	browser.Run(t, bctx, "revoked in list", browser.Poll(`[...document.querySelectorAll("#cred-rows .cred-status")].map(e => e.textContent).join() === "revoked"`, 10*time.Second))

	// 6. A recovery for bob, cancelled by bob's current key.
	newPub, _, _ := ed25519.GenerateKey(rand.Reader)
	browser.Run(t, bctx, "recovery form", chromedp.Navigate(base+"/identity/recovery/request?account="+bobID),
		browser.Poll(`document.getElementById("f-pubkey").value === "`+regPub+`"`, 10*time.Second))
	browser.RequireAccessible(t, bctx, "recovery form")
	fill(map[string]string{"f-new_pubkey": "abc"})
	refused("bad new key", "form.journey-form button", "must be 64 hexadecimal characters")
	fill(map[string]string{"f-new_pubkey": hex.EncodeToString(newPub)})
	browser.Run(t, bctx, "prepare recovery", browser.Submitted("form[data-sign]", chromedp.Click("form.journey-form button", chromedp.ByQuery)), ready("form[data-sign]"))
	browser.Run(t, bctx, "sign recovery", browser.Submitted("#confirmation", chromedp.Click("form[data-sign] button", chromedp.ByQuery)))
	page("pending recovery", "/identity/recovery/"+bobID, "#recovery-proof", 200)
	wantText("pending recovery", "#recovery-status", "Pending")
	// (Signed in, the registrar's key would be filled in: sign out first.)
	var out int
	browser.Run(t, bctx, "sign out", browser.EvalAwait(`fetch("/signout", {method: "POST", body: new FormData(document.querySelector('form[action="/signout"]'))}).then(r => r.status)`, &out))
	if out != 200 {
		t.Fatalf("sign out: HTTP %d", out)
	}
	steady()
	bobPub := browser.UseKey(t, bctx, base, bob)
	browser.Run(t, bctx, "cancel form", chromedp.Navigate(base+"/identity/recovery/cancel?account="+bobID),
		browser.Poll(`document.getElementById("f-pubkey").value === "`+bobPub+`"`, 10*time.Second))
	browser.RequireAccessible(t, bctx, "cancel recovery form")
	browser.Run(t, bctx, "prepare cancel", browser.Submitted("form[data-sign]", chromedp.Click("form.journey-form button", chromedp.ByQuery)), ready("form[data-sign]"))
	browser.Run(t, bctx, "sign cancel", browser.Submitted("#confirmation", chromedp.Click("form[data-sign] button", chromedp.ByQuery)))
	browser.WantStatus(t, w, "recovery cancelled", 200)
	if rec, err := c.Query(ctx, "/identity/recovery/"+bobID, nil, 0, false); err != nil || rec.Value != nil {
		t.Errorf("recovery still pending after cancel: %v", err)
	}
	w.Check(t)
}

// noSecretsSent checks the requests of the present and eligibility
// journeys: no commitment opening (blinding), no salt and no disclosure or
// value of a claim not disclosed (disclosed names those that were) left
// the browser, and the presentations were built there: posted as
// presentations, never as the holder's file.
func noSecretsSent(t *testing.T, reqs []browser.Request, held *vc.Held, disclosed ...string) {
	t.Helper()
	secrets := map[string]string{"the holder's file's commitments": `"blinding"`}
	for _, hc := range held.Commitments {
		secrets["blinding of "+hc.Disclosure[:8]] = hc.Blinding
		var v any
		if json.Unmarshal(hc.Value, &v) == nil {
			if s, ok := v.(string); ok && !slices.Contains(disclosed, claimOf(t, hc.Disclosure)) {
				secrets["committed value "+s] = s
			}
		}
	}
	for _, enc := range held.Disclosures {
		d, err := vc.ParseDisclosure(enc)
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(disclosed, d.Name) {
			continue
		}
		secrets["disclosure of "+d.Name] = enc
		secrets["salt of "+d.Name] = d.Salt
		var v any
		if json.Unmarshal(d.Value, &v) == nil {
			if s, ok := v.(string); ok {
				secrets["value of "+d.Name] = s
			}
		}
	}
	for _, want := range []string{"Alice Example", "1987-03-14"} {
		if !slices.Contains(slices.Collect(maps.Values(secrets)), want) {
			t.Fatalf("the secrets checked lack %q", want)
		}
	}
	presented, posts := 0, 0
	for _, r := range reqs {
		if r.Method == "POST" {
			posts++
		}
		for what, s := range secrets {
			if r.Contains(s) {
				t.Errorf("%s %s carries %s (%q)", r.Method, r.URL, what, s)
			}
		}
		if r.Method == "POST" && (strings.HasSuffix(r.URL, "/identity/present") || strings.HasSuffix(r.URL, "/identity/eligibility")) {
			form, err := url.ParseQuery(r.Body)
			if err != nil || form.Has("held") {
				t.Errorf("POST %s: form %v, fields %v", r.URL, err, slices.Collect(maps.Keys(form)))
			}
			if p := form.Get("presentation"); p != "" {
				if _, err := vc.ParsePresentation([]byte(p)); err != nil {
					t.Errorf("POST %s: the presentation built in the browser: %v", r.URL, err)
				}
				presented++
			}
		}
	}
	// The presentation for the verifier and the eligibility presentation
	// (refused answers post no presentation).
	if presented != 2 || posts < 6 {
		t.Errorf("%d presentations posted in %d POST requests of %d, want 2 in at least 6", presented, posts, len(reqs))
	}
}

func claimOf(t *testing.T, commitmentDisclosure string) string {
	d, err := vc.ParseCommitmentDisclosure(commitmentDisclosure)
	if err != nil {
		t.Fatal(err)
	}
	return d.Name
}
