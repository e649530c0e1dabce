package land_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/internal/apptest/browser"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/web"
	"github.com/publica/publica/x/land"
)

// TestPagesNameParties: on the development genesis (N1 Alice Citizen, N2
// Bob Citizen, N9 City Council), the title page, the parcel's history,
// the certificate page, a party's page and an account's titles name the
// parties, with ids and accounts under "Technical details"; an unknown
// party is a 404. The party and title pages pass axe.
func TestPagesNameParties(t *testing.T) {
	n, c := testnode.Start(t, testnode.InitHome(t))
	clerk, alice, bob := apptest.DemoKey(t, "clerk"), apptest.DemoKey(t, "citizen-alice"), apptest.DemoKey(t, "citizen-bob")
	aliceID := tx.AccountID(alice.Public().(ed25519.PublicKey))
	h := sha256.Sum256([]byte("deed"))
	d := hex.EncodeToString(h[:])
	browser.Send(t, c, land.TypeRegisterParcel, land.MsgRegisterParcel{CadastralRef: "NAMES-1", Address: "1 Mill Lane", Document: d,
		Geometry: land.Geometry{Type: "Polygon", Coordinates: json.RawMessage("[[[0,0],[1000,0],[1000,1000],[0,1000],[0,0]]]")}}, clerk)
	browser.Send(t, c, land.TypeRegisterTitle, land.MsgRegisterTitle{Parcels: []string{"P1"},
		Owners: []land.Share{{Party: "N1", Share: "1/2"}, {Party: "N9", Share: "1/2"}}, Tenure: "freehold", Document: d}, clerk)
	testnode.Send(t, c, land.TypeRegisterMortgage, land.MsgRegisterMortgage{Title: "T1", Lender: "N2", Amount: "25000000",
		Currency: "EUR", Rank: 1, Document: d}, alice, bob, clerk) // the clerk signs for the council, which has no key
	latest, err := c.LatestHeight(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	testnode.WaitHeight(t, c, latest+2)
	base := browser.Serve(t, n, web.Options{})

	for path, want := range map[string][]string{
		"/land/titles/T1":             {"Alice Citizen", "City Council", "Bob Citizen", "€250,000.00", "Technical details", "Party N1 (person)", aliceID, `href="/land/parties/N2"`},
		"/land/parcels/P1":            {"Alice Citizen (1/2), City Council (1/2)", "By", "Technical details", "Signing account"},
		"/land/parties/N1":            {"Alice Citizen", "person", "1 Mill Lane, Millbrook", `href="/land/titles/T1"`, "1/2", "Proof verified"},
		"/land/parties/N8":            {"Nordbank plc", "Registration number", "SC100001", "holds no share of any title"},
		"/land?account=" + aliceID:    {"Titles of Alice Citizen", `href="/land/titles/T1"`},
		"/land/titles/T1/certificate": {"Alice Citizen", "to lender", "Bob Citizen"},
	} {
		r := browser.Get(t, base+path)
		if r.Code != http.StatusOK {
			t.Errorf("%s: %d", path, r.Code)
			continue
		}
		browser.MustContain(t, path, r.Body, want...)
	}
	if r := browser.Get(t, base+"/land?account=n1"); r.Code != http.StatusOK || !strings.Contains(r.Body, `id="party-name"`) {
		t.Errorf("/land?account=n1 does not lead to the party's page: %d", r.Code)
	}
	if r := browser.Get(t, base+"/land/parties/N99"); r.Code != http.StatusNotFound {
		t.Errorf("unknown party: %d, want 404", r.Code)
	}
	if r := browser.Get(t, base+"/land/parties/X1"); r.Code != http.StatusNotFound {
		t.Errorf("malformed party id: %d, want 404", r.Code)
	}
	if r := browser.Get(t, base+"/land/titles/T1"); strings.Contains(r.Body, "<code>"+aliceID+"</code></a>") {
		t.Errorf("the title page shows Alice's account as the owner's name")
	}

	bctx := browser.New(t)
	for _, p := range []string{"/land/parties/N1", "/land/titles/T1", "/land/parties/register", "/land/parties/amend"} {
		browser.Run(t, bctx, p, chromedp.Navigate(base+p), chromedp.WaitVisible("main", chromedp.ByQuery))
		browser.RequireAccessible(t, bctx, p)
	}
}

// TestPartyFieldsInForms: the land forms take a party id where they take
// an account: an unknown party is a form error, a registered one (in any
// case) is accepted and the co-signers are the party's accounts.
func TestPartyFieldsInForms(t *testing.T) {
	f := newLandDealingsFixture(t) // P1 on T1, P2 on T2, both alice's account's
	f.send(t, land.TypeRegisterParcel, land.MsgRegisterParcel{CadastralRef: "LOT-3", Document: f.doc,
		Geometry: land.Geometry{Type: "Polygon", Coordinates: json.RawMessage(squareCoords(40000, 0, 10000))}})
	a := browser.NewAgent(t, f.base)
	clerk := hex.EncodeToString(f.clerk.Public().(ed25519.PublicKey))
	a.Get("/land/titles/register")
	form := url.Values{"pubkey": {clerk}, "parcel": {"P3"}, "owner": {"N99"}, "tenure": {"freehold"}, "document": {f.doc}}
	if r := a.Post("/land/titles/register", form); r.Code != 422 || !strings.Contains(r.Body, "There is no party N99 in the register") {
		t.Errorf("unknown party: %d %.600s", r.Code, r.Body)
	}
	form.Set("owner", "n1")
	r := a.Post("/land/titles/register", form)
	if r.Code != 200 || !strings.Contains(r.Body, "Check and sign") || !strings.Contains(r.Body, "N1") {
		t.Fatalf("party owner: %d %.600s", r.Code, r.Body)
	}
	b, _ := hex.DecodeString(browser.Attr(t, r.Body, "data-sign-bytes"))
	if r := a.Post("/tx/send", url.Values{"prepared": {browser.Hidden(t, r.Body, "prepared")}, "signature": {hex.EncodeToString(ed25519.Sign(f.clerk, b))}}); r.Code != 200 {
		t.Fatalf("send: %d %.600s", r.Code, r.Body)
	}
	if r := a.Get("/land/titles/T3"); !strings.Contains(r.Body, "Alice Citizen") {
		t.Errorf("T3 does not name Alice Citizen: %.600s", r.Body)
	}

	// A mortgage to the Nordbank party: its account co-signs.
	alice := hex.EncodeToString(f.alice.Public().(ed25519.PublicKey))
	a.Get("/land/mortgages/register")
	m := url.Values{"pubkey": {alice}, "title": {"T1"}, "lender": {"N42"}, "currency": {"EUR"}, "amount": {"1000.00"}, "document": {f.doc}}
	if r := a.Post("/land/mortgages/register", m); r.Code != 422 || !strings.Contains(r.Body, "There is no party N42") {
		t.Errorf("unknown lender party: %d %.600s", r.Code, r.Body)
	}
	m.Set("lender", "N8")
	if r := a.Post("/land/mortgages/register", m); r.Code != 200 || !strings.Contains(r.Body, "Check and sign") {
		t.Errorf("lender party: %d %.600s", r.Code, r.Body)
	}
}

// TestPartyJourneys: a clerk registers a party and amends its name in
// the portal; bad answers are form errors; the party's page keeps the
// former name.
func TestPartyJourneys(t *testing.T) {
	f := newLandDealingsFixture(t)
	a := browser.NewAgent(t, f.base)
	clerk := hex.EncodeToString(f.clerk.Public().(ed25519.PublicKey))
	alice := hex.EncodeToString(f.alice.Public().(ed25519.PublicKey))
	send := func(what string, check browser.Response, want string) {
		t.Helper()
		if check.Code != 200 || !strings.Contains(check.Body, "Check and sign") {
			t.Fatalf("%s check page: %d %.800s", what, check.Code, check.Body)
		}
		b, _ := hex.DecodeString(browser.Attr(t, check.Body, "data-sign-bytes"))
		r := a.Post("/tx/send", url.Values{"prepared": {browser.Hidden(t, check.Body, "prepared")}, "signature": {hex.EncodeToString(ed25519.Sign(f.clerk, b))}})
		if r.Code != 200 || !strings.Contains(r.Body, want) {
			t.Fatalf("%s: %d %.800s", what, r.Code, r.Body)
		}
	}
	a.Get("/land/parties/register")
	reg := url.Values{"pubkey": {alice}, "kind": {"organisation"}, "name": {"Harbour Homes Ltd"}, "registration_number": {"HH 42"},
		"accounts": {f.aliceID + ", " + f.bobID}}
	for what, c := range map[string]struct{ field, value, want string }{
		"not a clerk":          {"pubkey", alice, "is not a clerk"},
		"unknown kind":         {"kind", "company", "Party kind"},
		"person with a number": {"kind", "natural-person", "has no registration number"},
		"bad account":          {"accounts", "nobody", "Each account id is 40 hexadecimal characters"},
	} {
		v := url.Values{}
		for k, vs := range reg {
			v[k] = vs
		}
		v.Set("pubkey", clerk)
		v.Set(c.field, c.value)
		if r := a.Post("/land/parties/register", v); r.Code != 422 || !strings.Contains(r.Body, c.want) {
			t.Errorf("%s: %d, want 422 with %q: %.600s", what, r.Code, c.want, r.Body)
		}
	}
	reg.Set("pubkey", clerk)
	send("register", a.Post("/land/parties/register", reg), "Party N10 is registered")

	a.Get("/land/parties/amend")
	am := url.Values{"pubkey": {clerk}, "party": {"N10"}, "reason": {"change of name"}}
	if r := a.Post("/land/parties/amend", am); r.Code != 422 || !strings.Contains(r.Body, "The amendment changes nothing") {
		t.Errorf("empty amendment: %d %.600s", r.Code, r.Body)
	}
	am.Set("party", "N77")
	am.Set("name", "Harbour Homes Group Ltd")
	if r := a.Post("/land/parties/amend", am); r.Code != 422 || !strings.Contains(r.Body, "There is no party N77") {
		t.Errorf("unknown party: %d %.600s", r.Code, r.Body)
	}
	am.Set("party", "n10")
	send("amend", a.Post("/land/parties/amend", am), "Party N10 is amended")
	r := a.Get("/land/parties/N10")
	browser.MustContain(t, "amended party page", r.Body, "Harbour Homes Group Ltd", "Former names", "Harbour Homes Ltd (from block", "change of name", "HH 42")
}

// TestCosignForAParty: a mortgage to a party with two accounts is
// co-signed by either of them (here the second); the owner of the title
// is a party too and signs through its account.
func TestCosignForAParty(t *testing.T) {
	f := newLandDealingsFixture(t) // T1 held by alice's bare account
	carol := apptest.DemoKey(t, "citizen-carol")
	carolID := tx.AccountID(carol.Public().(ed25519.PublicKey))
	f.send(t, land.TypeRegisterParty, land.MsgRegisterParty{Kind: land.PartyOrganisation, Name: "Two-Key Bank plc", Accounts: []string{f.bobID, carolID}})
	a := browser.NewAgent(t, f.base)
	pubHex := func(k ed25519.PrivateKey) string { return hex.EncodeToString(k.Public().(ed25519.PublicKey)) }
	signPage := func(body string, k ed25519.PrivateKey) string {
		b, _ := hex.DecodeString(browser.Attr(t, body, "data-sign-bytes"))
		return hex.EncodeToString(ed25519.Sign(k, b))
	}
	a.Get("/land/mortgages/register")
	check := a.Post("/land/mortgages/register", url.Values{"pubkey": {pubHex(f.alice)}, "title": {"T1"}, "lender": {"N10"}, "amount": {"1000"},
		"currency": {"EUR"}, "document": {f.doc}})
	if check.Code != 200 {
		t.Fatalf("prepare: %d %.600s", check.Code, check.Body)
	}
	first := browser.Hidden(t, check.Body, "prepared")
	waiting := a.Post("/land/cosign", url.Values{"prepared": {first}, "pubkey": {pubHex(f.alice)}, "signature": {signPage(check.Body, f.alice)}})
	browser.MustContain(t, "owner signs", waiting.Body, "1 more signature(s) needed", "lender for Two-Key Bank plc", carolID)
	link, err := url.Parse(browser.Attr(t, waiting.Body, `id="cosign-link" href`))
	if err != nil {
		t.Fatal(err)
	}
	token := link.Query().Get("t")
	page := a.Get("/land/cosign?t=" + url.QueryEscape(token))
	done := a.Post("/land/cosign", url.Values{"prepared": {token}, "pubkey": {pubHex(carol)}, "signature": {signPage(page.Body, carol)}})
	browser.MustContain(t, "the bank's second account signs", done.Body, "Mortgage M1 is registered on title T1")
}
