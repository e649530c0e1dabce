package land_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
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
		"/land/parcels/P1":            {"Alice Citizen (1/2), City Council (1/2)", "By", "Technical details: signing account"},
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
	for _, p := range []string{"/land/parties/N1", "/land/titles/T1"} {
		browser.Run(t, bctx, p, chromedp.Navigate(base+p), chromedp.WaitVisible("main", chromedp.ByQuery))
		browser.RequireAccessible(t, bctx, p)
	}
}
