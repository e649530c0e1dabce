package land_test

import (
	"slices"
	"testing"
	"time"

	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/x/land"
)

// TestScenario: register parcel → first title → mortgage → a caveat
// (a citizen's application, accepted by a clerk) blocks
// a transfer → caveat withdrawn → partial sale to two buyers →
// subdivision; then history and owner-at-height / at-date answers are
// right and proven.
func TestScenario(t *testing.T) {
	c := newChain(t)
	clerk, alice, bob, carol := apptest.DemoKey(t, "clerk"), apptest.DemoKey(t, "citizen-alice"), apptest.DemoKey(t, "citizen-bob"), apptest.DemoKey(t, "citizen-carol")
	bank := apptest.DemoKey(t, "registrar") // any account can lend; the registrar's key stands in for a bank

	// 100 m × 100 m in centimetres.
	p1 := c.MustOK(land.TypeRegisterParcel, land.MsgRegisterParcel{CadastralRef: "LOT-1", Geometry: rect(0, 0, 10000, 10000),
		Address: "1 High Street", Document: doc("survey plan 1")}, clerk)
	if p1 != "P1" {
		t.Fatalf("parcel id %q", p1)
	}
	var parcel land.Parcel
	c.QueryAt("/land/parcel/P1", 0, &parcel)
	if parcel.AreaM2 != "10000" || parcel.Area2 != "200000000" || parcel.Status != land.StatusActive {
		t.Fatalf("parcel %+v", parcel)
	}
	t1 := c.MustOK(land.TypeRegisterTitle, land.MsgRegisterTitle{Parcels: []string{"P1"},
		Owners: []land.Share{{Party: apptest.Account(alice), Share: "1"}}, Tenure: "freehold", Document: doc("grant deed")}, clerk)
	hTitle := c.Height
	m1 := c.MustOK(land.TypeRegisterMortgage, land.MsgRegisterMortgage{Title: t1, Lender: apptest.Account(bank), Amount: "25000000",
		Currency: "EUR", Rank: 1, Document: doc("mortgage deed")}, alice, bank)
	c1 := c.MustOK(land.TypeLodgeCaveat, land.MsgLodgeCaveat{Title: t1, Reason: "claims an unregistered share", Document: doc("statutory declaration")}, bob)
	c.MustOK(land.TypeExamineCaveat, land.MsgExamineCaveat{Title: t1, Caveat: c1, Decision: land.DecisionAccept, Reason: "declaration supports the claim"}, clerk)

	sale := land.MsgOfferTransfer{Title: t1, Sellers: []land.Share{{Party: apptest.Account(alice), Share: "1/2"}},
		Buyers: []land.Share{{Party: apptest.Account(bob), Share: "1/3"}, {Party: apptest.Account(carol), Share: "1/6"}}, Expires: c.Height + 50}
	c.Expect(land.ErrCaveat, land.TypeOfferTransfer, sale, alice)
	c.MustOK(land.TypeWithdrawCaveat, land.MsgWithdrawCaveat{Title: t1, Caveat: c1}, bob)

	o1 := c.MustOK(land.TypeOfferTransfer, sale, alice)
	c.MustOK(land.TypeAcceptTransfer, land.MsgAcceptTransfer{Offer: o1}, bob, carol)
	hBefore := c.Height
	c.MustOK(land.TypeRegisterTransfer, land.MsgRegisterTransfer{Offer: o1, Document: doc("deed of sale")}, clerk)
	hSale, tSale := c.Height, c.Time

	var title land.Title
	c.QueryAt("/land/title/"+t1, 0, &title)
	want := []land.Share{{Party: apptest.Account(alice), Share: "1/2"}, {Party: apptest.Account(bob), Share: "1/3"}, {Party: apptest.Account(carol), Share: "1/6"}}
	slicesSortShares(want)
	if !slices.Equal(title.Owners, want) {
		t.Fatalf("owners after sale: %s", sharesString(title.Owners))
	}
	if len(title.Mortgages) != 1 || title.Mortgages[0].ID != m1 {
		t.Fatalf("mortgage lost: %+v", title.Mortgages)
	}

	// Subdivide into west and east halves.
	kids := c.MustOK(land.TypeSubdivide, land.MsgSubdivide{Parcel: "P1", Children: []land.ChildParcel{
		{CadastralRef: "LOT-1A", Geometry: rect(0, 0, 5000, 10000), Address: "1a High Street"},
		{CadastralRef: "LOT-1B", Geometry: rect(5000, 0, 10000, 10000), Address: "1b High Street"},
	}, Tolerance: "0", Document: doc("subdivision plan")}, clerk)
	hSub := c.Height
	if kids != "P2,P3" {
		t.Fatalf("children %q", kids)
	}
	c.QueryAt("/land/parcel/P1", 0, &parcel)
	if parcel.Status != land.StatusRetired || !slices.Equal(parcel.Children, []string{"P2", "P3"}) {
		t.Fatalf("parent after subdivision: %+v", parcel)
	}
	c.QueryAt("/land/title/"+t1, 0, &title)
	if title.Status != land.StatusCancelled || len(title.Children) != 2 {
		t.Fatalf("parent title: %+v", title)
	}
	for i, child := range []string{"P2", "P3"} {
		var cp land.Parcel
		c.QueryAt("/land/parcel/"+child, 0, &cp)
		if !slices.Equal(cp.Parents, []string{"P1"}) || cp.AreaM2 != "5000" || cp.Title != title.Children[i] {
			t.Fatalf("child %s: %+v", child, cp)
		}
		var ct land.Title
		c.QueryAt("/land/title/"+cp.Title, 0, &ct)
		if !slices.Equal(ct.Owners, want) || len(ct.Mortgages) != 1 || ct.Mortgages[0].ID != m1 || !slices.Equal(ct.Parents, []string{t1}) {
			t.Fatalf("child title %+v", ct)
		}
	}

	// History of P1: every registered dealing, in order, with heights,
	// times, transaction hashes and documents.
	var hist []land.Event
	c.List("/land/history/P1", &hist)
	var types []string
	seq := uint64(0)
	for i, e := range hist {
		types = append(types, e.Type)
		if e.Type != land.TypeOfferTransfer && e.Type != land.TypeAcceptTransfer {
			seq++ // stored events are numbered; offer steps (seq 0) are proven through the offer record
		}
		if (e.Seq != 0 && e.Seq != seq) || (e.Seq == 0) != (e.Type == land.TypeOfferTransfer || e.Type == land.TypeAcceptTransfer) ||
			e.TxHash == "" || e.Height < 2 || e.Time == "" || (i > 0 && e.Height < hist[i-1].Height) {
			t.Fatalf("event %d: %+v", i, e)
		}
	}
	wantTypes := []string{land.TypeRegisterParcel, land.TypeRegisterTitle, land.TypeRegisterMortgage, land.TypeLodgeCaveat,
		land.TypeExamineCaveat, land.TypeWithdrawCaveat, land.TypeOfferTransfer, land.TypeAcceptTransfer, land.TypeRegisterTransfer, land.TypeSubdivide}
	if !slices.Equal(types, wantTypes) {
		t.Fatalf("history types %v", types)
	}
	if hist[8].Height != hSale || hist[8].Document != doc("deed of sale") || !slices.Equal(hist[8].Owners, want) {
		t.Fatalf("transfer event %+v", hist[8])
	}
	var ev land.Event
	c.QueryAt("/land/history/P1/7", 0, &ev) // one event, proven
	if ev.Type != land.TypeRegisterTransfer || ev.TxHash != hist[8].TxHash {
		t.Fatalf("proven event %+v", ev)
	}

	// Owner at a height: one proven key whose period covers the height.
	var period land.OwnerPeriod
	c.QueryAt("/land/owner/P1/"+itoa(hBefore), 0, &period)
	if period.From != hTitle || period.To != hSale || !slices.Equal(period.Owners, []land.Share{{Party: apptest.Account(alice), Share: "1"}}) {
		t.Fatalf("owner before sale: %+v", period)
	}
	c.QueryAt("/land/owner/P1/"+itoa(hSale), 0, &period)
	if period.From != hSale || period.To != hSub || !slices.Equal(period.Owners, want) {
		t.Fatalf("owner at sale: %+v", period)
	}
	if c.QueryAt("/land/owner/P1/"+itoa(hSub), 0, nil) {
		t.Fatal("a retired parcel has an owner")
	}
	if c.QueryAt("/land/owner/P1/1", 0, nil) {
		t.Fatal("owner before registration")
	}
	// The same answer from the versioned state itself, proven at that height.
	var old land.Title
	c.QueryAt("/land/title/"+t1, hBefore, &old)
	if len(old.Owners) != 1 || old.Owners[0].Party != apptest.Account(alice) {
		t.Fatalf("title at height %d: %+v", hBefore, old)
	}
	// Owner at a date, through the block-time index.
	at := tSale.Add(30 * time.Second).Format(time.RFC3339)
	var bt string
	c.QueryAt("/land/height-at/"+at, 0, &bt)
	if bt != tSale.Format(time.RFC3339Nano) {
		t.Fatalf("height-at %s gave block time %q, want %s", at, bt, tSale)
	}
	c.QueryAt("/land/owner-at/P1/"+at, 0, &period)
	if period.From != hSale || !slices.Equal(period.Owners, want) {
		t.Fatalf("owner at %s: %+v", at, period)
	}
	// The children's owners are current.
	c.QueryAt("/land/owner/P2", 0, &period)
	if period.From != hSub || period.To != 0 || !slices.Equal(period.Owners, want) {
		t.Fatalf("child owner %+v", period)
	}

	// Titles of a party: bob holds 1/3 of both new titles and none of T1.
	var holdings []struct{ Title, Share string }
	c.List("/land/party/"+apptest.Account(bob), &holdings)
	if len(holdings) != 2 || holdings[0].Share != "1/3" || holdings[0].Title == t1 || holdings[1].Title == t1 {
		t.Fatalf("bob holds %+v", holdings)
	}
	// Search by cadastral reference and by bounding box.
	var pid string
	c.QueryAt("/land/cadref/LOT-1B", 0, &pid)
	if pid != "P3" {
		t.Fatalf("cadref LOT-1B → %q", pid)
	}
	var hits []land.BBoxHit
	c.List("/land/bbox/6000/100/7000/200", &hits)
	if len(hits) != 1 || hits[0].ID != "P3" {
		t.Fatalf("bbox hits %+v", hits)
	}
	c.List("/land/bbox/4000/0/6000/10", &hits)
	if len(hits) != 2 {
		t.Fatalf("bbox straddling both children: %+v", hits)
	}
}

func itoa(n int64) string {
	b := []byte{}
	if n == 0 {
		return "0"
	}
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

func slicesSortShares(s []land.Share) {
	slices.SortFunc(s, func(a, b land.Share) int {
		if a.Party < b.Party {
			return -1
		}
		if a.Party > b.Party {
			return 1
		}
		return 0
	})
}

// TestTransferWrites pins the state a complete transfer touches: each
// step's changed land keys, so a change that adds writes to the hot path
// shows up here (docs/land.md, Performance).
func TestTransferWrites(t *testing.T) {
	f := setup(t)
	c := f.c
	changed := func(before map[string]string) []string {
		var ks []string
		after := landState(c)
		for k, v := range after {
			if w, ok := before[k]; !ok || w != v {
				ks = append(ks, k)
			}
		}
		for k := range before {
			if _, ok := after[k]; !ok {
				ks = append(ks, k+" (deleted)")
			}
		}
		slices.Sort(ks)
		return ks
	}
	s0 := landState(c)
	o := c.MustOK(land.TypeOfferTransfer, land.MsgOfferTransfer{Title: "T1", Sellers: []land.Share{{Party: apptest.Account(f.alice), Share: "1"}},
		Buyers: []land.Share{{Party: apptest.Account(f.bob), Share: "1"}}, Expires: c.Height + 10}, f.alice)
	want := []string{"land/offer/" + o, "land/parcel-offer/P1/" + o, "land/seq/O"}
	if got := changed(s0); !slices.Equal(got, want) {
		t.Fatalf("offer wrote %v, want %v", got, want)
	}
	s1 := landState(c)
	c.MustOK(land.TypeAcceptTransfer, land.MsgAcceptTransfer{Offer: o}, f.bob)
	if got := changed(s1); !slices.Equal(got, []string{"land/offer/" + o}) {
		t.Fatalf("acceptance wrote %v", got)
	}
	s2 := landState(c)
	c.MustOK(land.TypeRegisterTransfer, land.MsgRegisterTransfer{Offer: o, Document: doc("deed")}, f.clerk)
	got := changed(s2)
	if len(got) != 8 || !slices.Contains(got, "land/party/"+apptest.Account(f.alice)+"/T1 (deleted)") || !slices.Contains(got, "land/party/"+apptest.Account(f.bob)+"/T1") ||
		!slices.Contains(got, "land/title/T1") || !slices.Contains(got, "land/parcel/P1") || !slices.Contains(got, "land/offer/"+o) {
		t.Fatalf("registration wrote %d keys: %v", len(got), got)
	}
}
