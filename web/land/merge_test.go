package land_test

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/publica/publica/internal/apptest/browser"
	"github.com/publica/publica/x/land"
)

// TestLandMergeAndCorrectOverHTTP: a clerk merges the two halves of a
// subdivided parcel back into one (an outline of the wrong area and
// parcels that do not touch are refused first) and corrects a title's
// tenure (a correction that changes nothing, or mixes a parcel's and a
// title's fields, is refused).
func TestLandMergeAndCorrectOverHTTP(t *testing.T) {
	f := newLandDealingsFixture(t)
	west := land.ChildParcel{CadastralRef: "LOT-2-W", Geometry: land.Geometry{Type: "Polygon", CRS: "EPSG:32633", Coordinates: json.RawMessage(squareCoords(20000, 0, 5000))}}
	east := land.ChildParcel{CadastralRef: "LOT-2-E", Geometry: land.Geometry{Type: "Polygon", CRS: "EPSG:32633", Coordinates: json.RawMessage(squareCoords(25000, 0, 5000))}}
	// Two 50 m squares side by side leave the parent's northern half: allow it.
	f.send(t, land.TypeSubdivide, land.MsgSubdivide{Parcel: "P2", Children: []land.ChildParcel{west, east}, Tolerance: "100000000", Document: f.doc})

	a := browser.NewAgent(t, f.base)
	clerk := hex.EncodeToString(f.clerk.Public().(ed25519.PublicKey))
	expect := func(what string, r browser.Response, code int, wants ...string) {
		t.Helper()
		for _, want := range wants {
			if r.Code != code || !strings.Contains(r.Body, want) {
				t.Errorf("%s: %d, want %d with %q; page:\n%.800s", what, r.Code, code, want, r.Body)
			}
		}
	}
	send := func(what string, check browser.Response, want string) {
		t.Helper()
		expect(what+" check page", check, 200, "Check and sign")
		b, _ := hex.DecodeString(browser.Attr(t, check.Body, "data-sign-bytes"))
		r := a.Post("/tx/send", url.Values{"prepared": {browser.Hidden(t, check.Body, "prepared")}, "signature": {hex.EncodeToString(ed25519.Sign(f.clerk, b))}})
		expect(what, r, 200, want)
	}

	a.Get("/land/parcels/merge")
	merge := url.Values{"pubkey": {clerk}, "parcels": {"P3, P4"}, "cadastral_ref": {"LOT-2-S"}, "document": {f.doc},
		"geometry": {`{"type":"Polygon","coordinates":[[[20000,0],[30000,0],[30000,6000],[20000,6000],[20000,0]]]}`}}
	expect("wrong area", a.Post("/land/parcels/merge", merge), 422, "is not the parcels’ total (5,000 m²)")
	merge.Set("parcels", "P1, P3")
	merge.Set("geometry", `{"type":"Polygon","coordinates":[[[0,0],[25000,0],[25000,10000],[0,10000],[0,0]]]}`)
	expect("not adjacent", a.Post("/land/parcels/merge", merge), 422, "not all adjacent", "is not the parcels’ total")
	merge.Set("parcels", "P3, P4")
	merge.Set("geometry", `{"type":"Polygon","coordinates":[[[20000,0],[30000,0],[30000,5000],[20000,5000],[20000,0]]]}`)
	send("merge", a.Post("/land/parcels/merge", merge), "Parcels P3, P4 are merged into P5")
	p5 := a.Get("/land/parcels/P5") // with the cookie of the merge's block
	expect("merged parcel page", p5, 200, `id="parcel-lineage-parents"`, `href="/land/parcels/P3"`, `href="/land/parcels/P4"`)

	a.Get("/land/corrections")
	corr := url.Values{"pubkey": {clerk}, "record": {"T1"}, "reason": {"Tenure mistyped at first registration"}, "document": {f.doc}}
	expect("changes nothing", a.Post("/land/corrections", corr), 422, "the correction changes nothing")
	corr.Set("address", "2 High Street")
	corr.Set("tenure", "leasehold")
	expect("a parcel's field on a title", a.Post("/land/corrections", corr), 422, "A title correction changes its tenure or owners only")
	corr.Del("address")
	corr.Set("owners", f.aliceID+" 1/2, "+f.bobID+" 1/3")
	expect("shares not summing to 1", a.Post("/land/corrections", corr), 422, "The shares add up to 5/6")
	corr.Set("owners", f.aliceID+" 1/2, "+f.bobID+" 1/2")
	send("correct", a.Post("/land/corrections", corr), "Title T1 is corrected")

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := f.c.Query(ctx, "/land/title/T1", nil, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	var t1 land.Title
	if err := json.Unmarshal(res.Value, &t1); err != nil || t1.Tenure != "leasehold" || len(t1.Owners) != 2 {
		t.Fatalf("corrected title on chain: %+v %v", t1, err)
	}
}
