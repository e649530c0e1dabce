package identity_test

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/internal/apptest/browser"
	"github.com/publica/publica/x/identity"
)

// TestPublishStatusListOverHTTP: the signed-in issuer's key signs its list
// (the Data Integrity proof, as the browser's script makes it from the
// page's sign bytes) and then the transaction; the portal then serves the
// signed list at the URL credentials name. Signed out, not an issuer, a
// bad signature and a changed page are refused with the reason.
func TestPublishStatusListOverHTTP(t *testing.T) {
	base, cl := browser.StartPortal(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	reg, alice := apptest.DemoKey(t, "registrar"), apptest.DemoKey(t, "citizen-alice")
	a1, a2 := apptest.DemoKey(t, "authority-1"), apptest.DemoKey(t, "authority-2")
	regID := apptest.Account(reg)
	for _, m := range []struct {
		typ string
		msg any
	}{
		{identity.TypeRegisterSchema, identity.MsgRegisterSchema{ID: "residence", Version: 1,
			Claims: []identity.ClaimDef{{Name: "district", Type: "integer"}}, JSONSchemaHash: strings.Repeat("ab", 32)}},
		{identity.TypeAccreditIssuer, identity.MsgAccreditIssuer{Issuer: regID, Schemas: []string{"residence"}}},
	} {
		x, err := cl.Build(ctx, apptest.Pub(a1), m.typ, m.msg, 0)
		if err == nil {
			_, err = cl.Send(ctx, x, a1, a2)
		}
		if err != nil {
			t.Fatal(err)
		}
	}

	want := func(what string, r browser.Response, code int, texts ...string) {
		t.Helper()
		if r.Code != code {
			t.Errorf("%s: HTTP %d, want %d\n%.300s", what, r.Code, code, r.Body)
		}
		browser.MustContain(t, what, r.Body, texts...)
	}
	out := browser.NewAgent(t, base)
	out.Get("/identity/verify") // for the CSRF token
	want("signed out", out.Post("/identity/status-lists/publish", url.Values{"purpose": {"revocation"}}), 422, "Sign in with your issuer key")
	citizen := browser.NewAgent(t, base)
	browser.SignIn(t, citizen, alice)
	want("not an issuer", citizen.Post("/identity/status-lists/publish", url.Values{"purpose": {"revocation"}}), 422, "is not a credential issuer")

	a := browser.NewAgent(t, base)
	browser.SignIn(t, a, reg)
	want("bad purpose", a.Post("/identity/status-lists/publish", url.Values{"purpose": {"expiry"}}), 422, "either revocation or suspension")
	check := a.Post("/identity/status-lists/publish", url.Values{"purpose": {"revocation"}})
	want("check", check, 200, "Check and sign your status list", base+"/identity/status-lists/"+regID+"/revocation", "#key-1")
	sealed := browser.Hidden(t, check.Body, "sealed")
	signBytes, _ := hex.DecodeString(browser.Attr(t, check.Body, "data-di-sign-bytes"))
	want("bad signature", a.Post("/identity/status-lists/publish/sign", url.Values{"sealed": {sealed},
		"signature": {hex.EncodeToString(ed25519.Sign(alice, signBytes))}}), 422, "does not match this list")
	want("changed page", a.Post("/identity/status-lists/publish/sign", url.Values{"sealed": {sealed + "x"},
		"signature": {hex.EncodeToString(ed25519.Sign(reg, signBytes))}}), 422, "not prepared by this portal")
	txPage := a.Post("/identity/status-lists/publish/sign", url.Values{"sealed": {sealed}, "signature": {hex.EncodeToString(ed25519.Sign(reg, signBytes))}})
	want("transaction", txPage, 200, "Check and sign: publish the status list", "identity/publish-status-list")
	prepared := browser.Hidden(t, txPage.Body, "prepared")
	txBytes, _ := hex.DecodeString(browser.Attr(t, txPage.Body, "data-sign-bytes"))
	want("unsigned send", a.Post("/identity/status-lists/publish/send", url.Values{"prepared": {prepared}, "signature": {strings.Repeat("00", 64)}}),
		422, "does not match this transaction")
	want("published", a.Post("/identity/status-lists/publish/send", url.Values{"prepared": {prepared},
		"signature": {hex.EncodeToString(ed25519.Sign(reg, txBytes))}}), 200, "Status list published")
	want("served", a.Get("/identity/status-lists/"+regID+"/revocation"), 200,
		`"BitstringStatusListCredential"`, `"proofValue"`, `"id":"`+base+`/identity/status-lists/`+regID+`/revocation"`)
	// The issuer page offers it (the agent's last transaction makes the
	// page read at its block).
	want("issuer page", a.Get("/identity/issuers/"+regID), 200, "Sign and publish the revocation list", "Sign and publish the suspension list")
}
