package land_test

import (
	"crypto/ed25519"
	"encoding/hex"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/internal/apptest/browser"
	"github.com/publica/publica/x/land"
)

// TestCaveatExaminationOverHTTP: a citizen's caveat is an application on
// the title page, which freezes nothing; a clerk signed in sees it with a
// reason box and Accept / Reject buttons, which post to the examination
// journey: without a reason the journey asks for one; with one it
// prepares the transaction, which the clerk signs; the caveat is then in
// force. Visitors who are not clerks see no examination form.
func TestCaveatExaminationOverHTTP(t *testing.T) {
	f := newLandDealingsFixture(t)
	carol := apptest.DemoKey(t, "citizen-carol")
	res := browser.Send(t, f.c, land.TypeLodgeCaveat, land.MsgLodgeCaveat{Title: "T2", Reason: "Claims the garden strip", Document: f.doc}, carol)
	cid := string(res.Data)
	titlePage := "/land/titles/T2?height=" + strconv.FormatInt(res.Height, 10) // the state with the application

	anon := browser.NewAgent(t, f.base)
	page := anon.Get(titlePage)
	browser.MustContain(t, "title page, anonymous", page.Body, "Caveat application "+cid, "awaiting a clerk", "Register a mortgage")
	if strings.Contains(page.Body, `id="caveat-applications"`) {
		t.Error("an anonymous visitor is offered the examination form")
	}
	citizen := browser.NewAgent(t, f.base)
	browser.SignIn(t, citizen, f.alice)
	if strings.Contains(citizen.Get(titlePage).Body, `id="caveat-applications"`) {
		t.Error("a citizen is offered the examination form")
	}

	clerk := browser.NewAgent(t, f.base)
	browser.SignIn(t, clerk, f.clerk)
	page = clerk.Get(titlePage)
	browser.MustContain(t, "title page, clerk", page.Body, `id="caveat-applications"`, `id="examine-`+cid+`"`, "Accept "+cid, "Reject "+cid)
	pub := hex.EncodeToString(f.clerk.Public().(ed25519.PublicKey))
	form := url.Values{"_csrf": {clerk.CSRF()}, "pubkey": {pub}, "title": {"T2"}, "caveat": {cid}, "decision": {"accept"}}
	if r := clerk.Post("/land/caveats/examine", form); r.Code != 422 || !strings.Contains(r.Body, "Enter the reason") {
		t.Fatalf("examination without a reason: %d\n%.600s", r.Code, r.Body)
	}
	form.Set("reason", "The survey shows the strip is disputed")
	check := clerk.Post("/land/caveats/examine", form)
	browser.MustContain(t, "check page", check.Body, "Check and sign: examine a caveat application", "Accept caveat application "+cid)
	sb, err := hex.DecodeString(browser.Attr(t, check.Body, "data-sign-bytes"))
	if err != nil {
		t.Fatal(err)
	}
	done := clerk.Post("/tx/send", url.Values{"_csrf": {clerk.CSRF()}, "prepared": {browser.Hidden(t, check.Body, "prepared")},
		"signature": {hex.EncodeToString(ed25519.Sign(f.clerk, sb))}})
	browser.MustContain(t, "confirmation", done.Body, "Caveat "+cid+" is in force on title T2")
	page = clerk.Get("/land/titles/T2") // the clerk's pages read at least the block of their last transaction
	browser.MustContain(t, "title page after acceptance", page.Body, "<strong>Caveat "+cid+"</strong>", "frozen while a caveat stands")
	browser.MustContain(t, "parcel history", clerk.Get("/land/parcels/P2").Body, "Caveat application lodged", "Caveat application accepted")
}
