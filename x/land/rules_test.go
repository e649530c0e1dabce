package land_test

import (
	"crypto/ed25519"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/publica/publica/errs"
	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/x/land"
)

type fixture struct {
	c                                *apptest.Chain
	clerk, alice, bob, carol, lender ed25519.PrivateKey
}

// setup: P1 = [0,1000]² on title T1 owned by alice alone.
func setup(t *testing.T) *fixture {
	c := newChain(t)
	f := &fixture{c: c, clerk: apptest.DemoKey(t, "clerk"), alice: apptest.DemoKey(t, "citizen-alice"), bob: apptest.DemoKey(t, "citizen-bob"),
		carol: apptest.DemoKey(t, "citizen-carol"), lender: apptest.DemoKey(t, "registrar")}
	c.MustOK(land.TypeRegisterParcel, land.MsgRegisterParcel{CadastralRef: "A-1", Geometry: rect(0, 0, 1000, 1000), Document: doc("plan")}, f.clerk)
	c.MustOK(land.TypeRegisterTitle, land.MsgRegisterTitle{Parcels: []string{"P1"}, Owners: []land.Share{{Party: apptest.Account(f.alice), Share: "1"}},
		Tenure: "freehold", Document: doc("grant")}, f.clerk)
	return f
}

func (f *fixture) title(t *testing.T, tid string) land.Title {
	var ti land.Title
	if !f.c.QueryAt("/land/title/"+tid, 0, &ti) {
		t.Fatalf("no title %s", tid)
	}
	return ti
}

func TestRegisterParcelRules(t *testing.T) {
	f := setup(t)
	c := f.c
	reg := func(ref string, g land.Geometry) land.MsgRegisterParcel {
		return land.MsgRegisterParcel{CadastralRef: ref, Geometry: g, Document: doc("plan " + ref)}
	}
	step("only a clerk", func() {
		c.Expect(land.ErrNotClerk, land.TypeRegisterParcel, reg("A-2", rect(2000, 0, 3000, 1000)), f.alice)
	})
	step("overlap with an active parcel", func() {
		c.Expect(land.ErrOverlap, land.TypeRegisterParcel, reg("A-2", rect(500, 500, 1500, 1500)), f.clerk)
		c.Expect(land.ErrOverlap, land.TypeRegisterParcel, reg("A-2", rect(0, 0, 1000, 1000)), f.clerk)
		c.Expect(land.ErrOverlap, land.TypeRegisterParcel, reg("A-2", rect(100, 100, 200, 200)), f.clerk)
	})
	step("neighbour sharing an edge is fine", func() {
		if got := c.MustOK(land.TypeRegisterParcel, reg("A-2", rect(1000, 0, 2000, 1000)), f.clerk); got != "P2" {
			t.Fatalf("id %s", got)
		}
	})
	step("duplicate cadastral reference", func() {
		c.Expect(land.ErrDuplicateRef, land.TypeRegisterParcel, reg("A-1", rect(5000, 0, 6000, 1000)), f.clerk)
	})
	step("bad geometry", func() {
		for name, coords := range map[string]string{
			"unclosed":       "[[[0,5000],[10,5000],[10,5010]]]",
			"self-crossing":  "[[[0,5000],[10,5010],[10,5000],[0,5010],[0,5000]]]",
			"clockwise":      "[[[0,5000],[0,5010],[10,5010],[10,5000],[0,5000]]]",
			"out of range":   "[[[0,5000],[2000000000,5000],[10,5010],[0,5000]]]",
			"two points":     "[[[0,5000],[10,5000],[0,5000],[0,5000]]]",
			"floats":         "[[[0.5,5000],[10,5000],[10,5010],[0.5,5000]]]",
			"not an array":   `{"x":1}`,
			"wrong nesting":  "[[0,5000],[10,5000],[10,5010],[0,5000]]",
			"empty polygon":  "[]",
			"hole outside":   "[[[0,5000],[10,5000],[10,5010],[0,5010],[0,5000]],[[20,5000],[20,5010],[30,5010],[20,5000]]]",
			"4 numbers/pos.": "[[[0,5000,1,1],[10,5000,1,1],[10,5010,1,1],[0,5000,1,1]]]",
		} {
			r := c.Do(land.TypeRegisterParcel, reg("B-1", geom(coords)), f.clerk)
			if r.Codespace != land.Codespace || r.Code != land.ErrBadGeometry.Code {
				t.Errorf("%s: %s/%d %s", name, r.Codespace, r.Code, r.Log)
			}
		}
		g := rect(0, 5000, 10, 5010)
		g.CRS = "EPSG:4326"
		c.Expect(land.ErrBadGeometry, land.TypeRegisterParcel, reg("B-1", g), f.clerk)
		g = rect(0, 5000, 10, 5010)
		g.Type = "LineString"
		c.Expect(land.ErrBadGeometry, land.TypeRegisterParcel, reg("B-1", g), f.clerk)
	})
	step("too large for the index", func() {
		c.Expect(land.ErrParcelTooLarge, land.TypeRegisterParcel, reg("HUGE", rect(0, 10_000_000, 900_000_000, 900_000_000)), f.clerk)
	})
	step("bad document and reference", func() {
		m := reg("C-1", rect(0, 9000, 10, 9010))
		m.Document = "abc"
		c.Expect(land.ErrBadDocument, land.TypeRegisterParcel, m, f.clerk)
		m.Document = strings.ToUpper(doc("x"))
		c.Expect(land.ErrBadDocument, land.TypeRegisterParcel, m, f.clerk)
		c.Expect(errs.InvalidMsg, land.TypeRegisterParcel, reg("has/slash", rect(0, 9000, 10, 9010)), f.clerk)
	})
}

func TestFirstTitleRules(t *testing.T) {
	f := setup(t)
	c := f.c
	c.MustOK(land.TypeRegisterParcel, land.MsgRegisterParcel{CadastralRef: "A-2", Geometry: rect(2000, 0, 3000, 1000), Document: doc("p")}, f.clerk)
	own := func(s ...string) []land.Share {
		var out []land.Share
		for i, x := range s {
			out = append(out, land.Share{Party: apptest.Account([]ed25519.PrivateKey{f.alice, f.bob, f.carol}[i]), Share: x})
		}
		return out
	}
	tm := func(owners []land.Share, parcels ...string) land.MsgRegisterTitle {
		return land.MsgRegisterTitle{Parcels: parcels, Owners: owners, Tenure: "freehold", Document: doc("g")}
	}
	c.Expect(land.ErrNotClerk, land.TypeRegisterTitle, tm(own("1"), "P2"), f.alice)
	c.Expect(land.ErrParcelTitled, land.TypeRegisterTitle, tm(own("1"), "P1"), f.clerk)
	c.Expect(land.ErrUnknownParcel, land.TypeRegisterTitle, tm(own("1"), "P9"), f.clerk)
	c.Expect(land.ErrBadShares, land.TypeRegisterTitle, tm(own("1/2", "1/3"), "P2"), f.clerk)                 // sums to 5/6
	c.Expect(land.ErrBadShares, land.TypeRegisterTitle, tm(own("1/2", "2/3"), "P2"), f.clerk)                 // sums to 7/6
	c.Expect(land.ErrBadShares, land.TypeRegisterTitle, tm(own("2/4", "1/2"), "P2"), f.clerk)                 // not lowest terms
	c.Expect(land.ErrBadShares, land.TypeRegisterTitle, tm(own("0", "1"), "P2"), f.clerk)                     // zero share
	c.Expect(land.ErrBadShares, land.TypeRegisterTitle, tm(own("-1/2", "3/2"), "P2"), f.clerk)                // sign
	c.Expect(land.ErrBadShares, land.TypeRegisterTitle, tm(own("0.5", "0.5"), "P2"), f.clerk)                 // decimals
	c.Expect(land.ErrBadShares, land.TypeRegisterTitle, tm(append(own("1/2"), own("1/2")...), "P2"), f.clerk) // party twice
	bad := tm(own("1"), "P2")
	bad.Tenure = "feudal"
	c.Expect(errs.InvalidMsg, land.TypeRegisterTitle, bad, f.clerk)
	if got := c.MustOK(land.TypeRegisterTitle, tm(own("1/2", "1/3", "1/6"), "P2"), f.clerk); got != "T2" {
		t.Fatalf("title %s", got)
	}
}

func TestTransferRules(t *testing.T) {
	f := setup(t)
	c := f.c
	offer := func(sellerShare string, buyers ...land.Share) land.MsgOfferTransfer {
		return land.MsgOfferTransfer{Title: "T1", Sellers: []land.Share{{Party: apptest.Account(f.alice), Share: sellerShare}}, Buyers: buyers, Expires: c.Height + 50}
	}
	to := func(k ed25519.PrivateKey, s string) land.Share {
		return land.Share{Party: apptest.Account(k), Share: s}
	}

	step("seller must sign", func() {
		c.Expect(land.ErrMissingSignature, land.TypeOfferTransfer, offer("1", to(f.bob, "1")), f.bob)
	})
	step("seller must hold the share", func() {
		m := land.MsgOfferTransfer{Title: "T1", Sellers: []land.Share{to(f.bob, "1")}, Buyers: []land.Share{to(f.carol, "1")}, Expires: c.Height + 5}
		c.Expect(land.ErrNotOwner, land.TypeOfferTransfer, m, f.bob)
	})
	step("shares must balance", func() {
		c.Expect(land.ErrBadShares, land.TypeOfferTransfer, offer("1/2", to(f.bob, "1/3")), f.alice)
	})
	step("unknown title", func() {
		m := offer("1", to(f.bob, "1"))
		m.Title = "T7"
		c.Expect(land.ErrUnknownTitle, land.TypeOfferTransfer, m, f.alice)
	})
	step("buyers must all sign the acceptance", func() {
		o := c.MustOK(land.TypeOfferTransfer, offer("1/2", to(f.bob, "1/4"), to(f.carol, "1/4")), f.alice)
		c.Expect(land.ErrMissingSignature, land.TypeAcceptTransfer, land.MsgAcceptTransfer{Offer: o}, f.bob)
		c.Expect(land.ErrOfferState, land.TypeRegisterTransfer, land.MsgRegisterTransfer{Offer: o, Document: doc("d")}, f.clerk)
		c.MustOK(land.TypeAcceptTransfer, land.MsgAcceptTransfer{Offer: o}, f.bob, f.carol)
		c.Expect(land.ErrNotClerk, land.TypeRegisterTransfer, land.MsgRegisterTransfer{Offer: o, Document: doc("d")}, f.alice)
		c.MustOK(land.TypeRegisterTransfer, land.MsgRegisterTransfer{Offer: o, Document: doc("d")}, f.clerk)
		c.Expect(land.ErrOfferState, land.TypeRegisterTransfer, land.MsgRegisterTransfer{Offer: o, Document: doc("d")}, f.clerk)
		ti := f.title(t, "T1")
		if len(ti.Owners) != 3 || shareOf(ti, apptest.Account(f.alice)) != "1/2" || shareOf(ti, apptest.Account(f.carol)) != "1/4" {
			t.Fatalf("owners %s", sharesString(ti.Owners))
		}
	})
	step("co-owners selling together all sign", func() {
		m := land.MsgOfferTransfer{Title: "T1", Sellers: []land.Share{to(f.bob, "1/4"), to(f.carol, "1/4")},
			Buyers: []land.Share{to(f.alice, "1/2")}, Expires: c.Height + 5}
		c.Expect(land.ErrMissingSignature, land.TypeOfferTransfer, m, f.bob)
		o := c.MustOK(land.TypeOfferTransfer, m, f.bob, f.carol)
		c.MustOK(land.TypeAcceptTransfer, land.MsgAcceptTransfer{Offer: o}, f.alice)
		c.MustOK(land.TypeRegisterTransfer, land.MsgRegisterTransfer{Offer: o, Document: doc("d2")}, f.clerk)
		ti := f.title(t, "T1")
		if len(ti.Owners) != 1 || ti.Owners[0].Share != "1" {
			t.Fatalf("owners %s", sharesString(ti.Owners))
		}
		var holdings []struct{ Title string }
		c.List("/land/party/"+apptest.Account(f.bob), &holdings)
		if len(holdings) != 0 {
			t.Fatalf("bob still indexed: %+v", holdings)
		}
	})
	step("expired offer", func() {
		m := offer("1", to(f.bob, "1"))
		m.Expires = c.Height + 2 // the offer block is height+1, acceptance +2, registration +3
		o := c.MustOK(land.TypeOfferTransfer, m, f.alice)
		c.MustOK(land.TypeAcceptTransfer, land.MsgAcceptTransfer{Offer: o}, f.bob)
		c.Expect(land.ErrOfferExpired, land.TypeRegisterTransfer, land.MsgRegisterTransfer{Offer: o, Document: doc("d")}, f.clerk)
		m.Expires = 1
		c.Expect(land.ErrOfferExpired, land.TypeOfferTransfer, m, f.alice)
	})
	step("withdrawn offer", func() {
		o := c.MustOK(land.TypeOfferTransfer, offer("1", to(f.bob, "1")), f.alice)
		c.Expect(land.ErrMissingSignature, land.TypeWithdrawOffer, land.MsgWithdrawOffer{Offer: o}, f.bob)
		c.MustOK(land.TypeWithdrawOffer, land.MsgWithdrawOffer{Offer: o}, f.alice)
		c.Expect(land.ErrOfferState, land.TypeAcceptTransfer, land.MsgAcceptTransfer{Offer: o}, f.bob)
		// The offer and its withdrawal are the last events of P1's history.
		var hist []land.Event
		c.List("/land/history/P1", &hist)
		n := len(hist)
		if n < 2 || hist[n-2].Type != land.TypeOfferTransfer || hist[n-1].Type != land.TypeWithdrawOffer ||
			hist[n-1].Actor != apptest.Account(f.alice) || hist[n-1].Height <= hist[n-2].Height || hist[n-1].Offer != o || hist[n-1].Seq != 0 || !strings.Contains(hist[n-1].Msg, `"offer":"`+o+`"`) {
			t.Fatalf("history after withdrawal: %+v", hist[max(0, n-2):])
		}
		c.Expect(land.ErrUnknownOffer, land.TypeAcceptTransfer, land.MsgAcceptTransfer{Offer: "O99"}, f.bob)
	})
	step("seller sold meanwhile", func() {
		o1 := c.MustOK(land.TypeOfferTransfer, offer("1", to(f.bob, "1")), f.alice)
		o2 := c.MustOK(land.TypeOfferTransfer, offer("1", to(f.carol, "1")), f.alice)
		c.MustOK(land.TypeAcceptTransfer, land.MsgAcceptTransfer{Offer: o1}, f.bob)
		c.MustOK(land.TypeAcceptTransfer, land.MsgAcceptTransfer{Offer: o2}, f.carol)
		c.MustOK(land.TypeRegisterTransfer, land.MsgRegisterTransfer{Offer: o1, Document: doc("d")}, f.clerk)
		c.Expect(land.ErrNotOwner, land.TypeRegisterTransfer, land.MsgRegisterTransfer{Offer: o2, Document: doc("d")}, f.clerk)
	})
}

// TestOneTransactionTransfer: the clerk registers a transfer co-signed by
// every seller and buyer; no offer record is kept, the history and the
// owner periods are those of a registered offer.
func TestOneTransactionTransfer(t *testing.T) {
	f := setup(t)
	c := f.c
	to := func(k ed25519.PrivateKey, s string) land.Share {
		return land.Share{Party: apptest.Account(k), Share: s}
	}
	half := land.MsgTransfer{Title: "T1", Sellers: []land.Share{to(f.alice, "1/2")},
		Buyers: []land.Share{to(f.bob, "1/3"), to(f.carol, "1/6")}, Document: doc("deed")}
	before := c.Height

	c.Expect(land.ErrNotClerk, land.TypeTransfer, half, f.alice, f.bob, f.carol)
	c.Expect(land.ErrMissingSignature, land.TypeTransfer, half, f.clerk, f.bob, f.carol)   // seller missing
	c.Expect(land.ErrMissingSignature, land.TypeTransfer, half, f.clerk, f.alice, f.bob)   // a buyer missing
	c.Expect(land.ErrMissingSignature, land.TypeTransfer, half, f.clerk, f.alice, f.carol) // the other buyer missing
	bad := half
	bad.Buyers = []land.Share{to(f.bob, "1/3")}
	c.Expect(land.ErrBadShares, land.TypeTransfer, bad, f.clerk, f.alice, f.bob)
	bad = half
	bad.Document = "not-a-hash"
	c.Expect(land.ErrBadDocument, land.TypeTransfer, bad, f.clerk, f.alice, f.bob, f.carol)
	bad = half
	bad.Sellers, bad.Buyers = []land.Share{to(f.bob, "1/2")}, []land.Share{to(f.carol, "1/2")}
	c.Expect(land.ErrNotOwner, land.TypeTransfer, bad, f.clerk, f.bob, f.carol)
	bad = half
	bad.Buyers = []land.Share{to(f.alice, "1/2")}
	c.Expect(land.ErrBadShares, land.TypeTransfer, bad, f.clerk, f.alice)
	bad = half
	bad.Title = "T9"
	c.Expect(land.ErrUnknownTitle, land.TypeTransfer, bad, f.clerk, f.alice, f.bob, f.carol)

	c.MustOK(land.TypeTransfer, half, f.clerk, f.alice, f.bob, f.carol)
	at := c.Height
	ti := f.title(t, "T1")
	if len(ti.Owners) != 3 || shareOf(ti, apptest.Account(f.alice)) != "1/2" || shareOf(ti, apptest.Account(f.bob)) != "1/3" || shareOf(ti, apptest.Account(f.carol)) != "1/6" {
		t.Fatalf("owners %s", sharesString(ti.Owners))
	}
	// Selling more than is held now fails: alice holds 1/2.
	c.Expect(land.ErrNotOwner, land.TypeTransfer, land.MsgTransfer{Title: "T1", Sellers: []land.Share{to(f.alice, "1")},
		Buyers: []land.Share{to(f.bob, "1")}, Document: doc("d2")}, f.clerk, f.alice, f.bob)

	var hist []land.Event
	c.List("/land/history/P1", &hist)
	last := hist[len(hist)-1]
	if last.Type != land.TypeTransfer || last.Height != at || last.Document != doc("deed") || last.Actor != apptest.Account(f.clerk) ||
		!strings.Contains(last.Msg, apptest.Account(f.carol)) || len(last.Owners) != 3 {
		t.Fatalf("history event %+v", last)
	}
	var was, now land.OwnerPeriod
	if !c.QueryAt("/land/owner/P1/"+itoa(before), 0, &was) || !c.QueryAt("/land/owner/P1/"+itoa(at), 0, &now) {
		t.Fatal("owner periods missing")
	}
	if len(was.Owners) != 1 || was.To != at || len(now.Owners) != 3 || now.From != at {
		t.Fatalf("owner periods: before %+v, after %+v", was, now)
	}
	var holdings []struct{ Title string }
	c.List("/land/party/"+apptest.Account(f.carol), &holdings)
	if len(holdings) != 1 || holdings[0].Title != "T1" {
		t.Fatalf("carol's titles: %+v", holdings)
	}
	for k := range landState(c) {
		if strings.HasPrefix(k, "land/offer/") {
			t.Fatalf("a one-transaction transfer left an offer record %s", k)
		}
	}
}

func shareOf(t land.Title, party string) string {
	for _, s := range t.Owners {
		if s.Party == party {
			return s.Share
		}
	}
	return ""
}

func TestMortgageRules(t *testing.T) {
	f := setup(t)
	c := f.c
	mm := func(rank int64) land.MsgRegisterMortgage {
		return land.MsgRegisterMortgage{Title: "T1", Lender: apptest.Account(f.lender), Amount: "1000000", Currency: "EUR", Rank: rank, Document: doc("m")}
	}
	c.Expect(land.ErrMissingSignature, land.TypeRegisterMortgage, mm(1), f.alice)    // lender missing
	c.Expect(land.ErrMissingSignature, land.TypeRegisterMortgage, mm(1), f.lender)   // owner missing
	m2 := c.MustOK(land.TypeRegisterMortgage, mm(2), f.alice, f.lender)              // second charge first
	c.Expect(land.ErrRankTaken, land.TypeRegisterMortgage, mm(2), f.alice, f.lender) // unique rank
	m1 := c.MustOK(land.TypeRegisterMortgage, mm(1), f.alice, f.lender)              // first charge
	bad := mm(3)
	bad.Currency = "euro"
	c.Expect(errs.InvalidMsg, land.TypeRegisterMortgage, bad, f.alice, f.lender)
	bad = mm(3)
	bad.Amount = "-5"
	c.Expect(errs.InvalidMsg, land.TypeRegisterMortgage, bad, f.alice, f.lender)
	ti := f.title(t, "T1")
	if len(ti.Mortgages) != 2 || ti.Mortgages[0].ID != m1 || ti.Mortgages[1].ID != m2 {
		t.Fatalf("mortgages not ordered by rank: %+v", ti.Mortgages)
	}
	c.Expect(land.ErrNotLender, land.TypeDischarge, land.MsgDischargeMortgage{Title: "T1", Mortgage: m1, Document: doc("r")}, f.alice)
	c.Expect(land.ErrUnknownRight, land.TypeDischarge, land.MsgDischargeMortgage{Title: "T1", Mortgage: "M9", Document: doc("r")}, f.lender)
	c.MustOK(land.TypeDischarge, land.MsgDischargeMortgage{Title: "T1", Mortgage: m1, Document: doc("r")}, f.lender)
	c.MustOK(land.TypeRegisterMortgage, mm(1), f.alice, f.lender) // the rank is free again
	if ti = f.title(t, "T1"); len(ti.Mortgages) != 2 || ti.Mortgages[1].ID != m2 {
		t.Fatalf("after discharge %+v", ti.Mortgages)
	}
}

// TestCaveatFreezes: while a caveat is in force (a citizen's application
// accepted by a clerk, or a clerk's own) every dealing but its removal is
// refused; the lodger withdraws, a clerk removes.
func TestCaveatFreezes(t *testing.T) {
	f := setup(t)
	c := f.c
	c.MustOK(land.TypeRegisterParcel, land.MsgRegisterParcel{CadastralRef: "N-1", Geometry: rect(1000, 0, 2000, 1000), Document: doc("p")}, f.clerk)
	m := c.MustOK(land.TypeRegisterMortgage, land.MsgRegisterMortgage{Title: "T1", Lender: apptest.Account(f.lender), Amount: "5", Currency: "EUR", Rank: 1, Document: doc("m")}, f.alice, f.lender)
	o := c.MustOK(land.TypeOfferTransfer, land.MsgOfferTransfer{Title: "T1", Sellers: []land.Share{{Party: apptest.Account(f.alice), Share: "1"}},
		Buyers: []land.Share{{Party: apptest.Account(f.bob), Share: "1"}}, Expires: c.Height + 100}, f.alice)
	cv := c.MustOK(land.TypeLodgeCaveat, land.MsgLodgeCaveat{Title: "T1", Reason: "pending divorce", Document: doc("c")}, f.carol)
	c.MustOK(land.TypeExamineCaveat, land.MsgExamineCaveat{Title: "T1", Caveat: cv, Decision: land.DecisionAccept,
		Reason: "court file 12/2026 shows a claim to a share"}, f.clerk)

	blocked := []struct {
		typ  string
		msg  any
		keys []ed25519.PrivateKey
	}{
		{land.TypeOfferTransfer, land.MsgOfferTransfer{Title: "T1", Sellers: []land.Share{{Party: apptest.Account(f.alice), Share: "1"}},
			Buyers: []land.Share{{Party: apptest.Account(f.bob), Share: "1"}}, Expires: c.Height + 100}, []ed25519.PrivateKey{f.alice}},
		{land.TypeAcceptTransfer, land.MsgAcceptTransfer{Offer: o}, []ed25519.PrivateKey{f.bob}},
		{land.TypeTransfer, land.MsgTransfer{Title: "T1", Sellers: []land.Share{{Party: apptest.Account(f.alice), Share: "1"}},
			Buyers: []land.Share{{Party: apptest.Account(f.bob), Share: "1"}}, Document: doc("d")}, []ed25519.PrivateKey{f.clerk, f.alice, f.bob}},
		{land.TypeTransmit, land.MsgTransmit{Title: "T1", Owners: []land.Share{{Party: apptest.Account(f.bob), Share: "1"}}, Reason: "death", Document: doc("w")}, []ed25519.PrivateKey{f.clerk}},
		{land.TypeRegisterMortgage, land.MsgRegisterMortgage{Title: "T1", Lender: apptest.Account(f.lender), Amount: "5", Currency: "EUR", Rank: 2, Document: doc("m")}, []ed25519.PrivateKey{f.alice, f.lender}},
		{land.TypeDischarge, land.MsgDischargeMortgage{Title: "T1", Mortgage: m, Document: doc("r")}, []ed25519.PrivateKey{f.lender}},
		{land.TypeRegisterLease, land.MsgRegisterLease{Title: "T1", Lessee: apptest.Account(f.bob), Start: "2026-01-01", End: "2030-01-01", Document: doc("l")}, []ed25519.PrivateKey{f.alice, f.bob}},
		{land.TypeRegisterEasement, land.MsgRegisterEasement{Title: "T1", Benefiting: "P2", Purpose: "right of way", Document: doc("e")}, []ed25519.PrivateKey{f.alice}},
		{land.TypeSubdivide, land.MsgSubdivide{Parcel: "P1", Children: []land.ChildParcel{{CadastralRef: "X-1", Geometry: rect(0, 0, 500, 1000)},
			{CadastralRef: "X-2", Geometry: rect(500, 0, 1000, 1000)}}, Tolerance: "0", Document: doc("s")}, []ed25519.PrivateKey{f.clerk}},
	}
	for _, b := range blocked {
		c.Expect(land.ErrCaveat, b.typ, b.msg, b.keys...)
	}
	c.Expect(land.ErrNotLodger, land.TypeWithdrawCaveat, land.MsgWithdrawCaveat{Title: "T1", Caveat: cv}, f.alice)
	c.Expect(land.ErrNotClerk, land.TypeRemoveCaveat, land.MsgRemoveCaveat{Title: "T1", Caveat: cv, Reason: "lapsed", Document: doc("o")}, f.alice)
	c.Expect(land.ErrUnknownRight, land.TypeRemoveCaveat, land.MsgRemoveCaveat{Title: "T1", Caveat: "C9", Reason: "lapsed", Document: doc("o")}, f.clerk)
	c.MustOK(land.TypeRemoveCaveat, land.MsgRemoveCaveat{Title: "T1", Caveat: cv, Reason: "lapsed after 30 days", Document: doc("order")}, f.clerk)
	c.MustOK(land.TypeAcceptTransfer, land.MsgAcceptTransfer{Offer: o}, f.bob) // dealings resume
	// A clerk's caveat is in force at once.
	cv2 := c.MustOK(land.TypeLodgeCaveat, land.MsgLodgeCaveat{Title: "T1", Reason: "freezing order", Document: doc("c2")}, f.clerk)
	c.Expect(land.ErrCaveat, land.TypeRegisterTransfer, land.MsgRegisterTransfer{Offer: o, Document: doc("d")}, f.clerk)
	c.MustOK(land.TypeWithdrawCaveat, land.MsgWithdrawCaveat{Title: "T1", Caveat: cv2}, f.clerk)
	c.MustOK(land.TypeRegisterTransfer, land.MsgRegisterTransfer{Offer: o, Document: doc("d")}, f.clerk)
}

func TestTransmissionLeaseEasement(t *testing.T) {
	f := setup(t)
	c := f.c
	c.MustOK(land.TypeRegisterParcel, land.MsgRegisterParcel{CadastralRef: "N-1", Geometry: rect(1000, 0, 2000, 1000), Document: doc("p")}, f.clerk)
	heirs := []land.Share{{Party: apptest.Account(f.bob), Share: "1/2"}, {Party: apptest.Account(f.carol), Share: "1/2"}}
	c.Expect(land.ErrNotClerk, land.TypeTransmit, land.MsgTransmit{Title: "T1", Owners: heirs, Reason: "death", Document: doc("will")}, f.bob)
	c.Expect(errs.InvalidMsg, land.TypeTransmit, land.MsgTransmit{Title: "T1", Owners: heirs, Reason: "whim", Document: doc("will")}, f.clerk)
	c.MustOK(land.TypeTransmit, land.MsgTransmit{Title: "T1", Owners: heirs, Reason: "death", Document: doc("probate")}, f.clerk)
	ti := f.title(t, "T1")
	if len(ti.Owners) != 2 || shareOf(ti, apptest.Account(f.alice)) != "" {
		t.Fatalf("after transmission %s", sharesString(ti.Owners))
	}
	lease := land.MsgRegisterLease{Title: "T1", Lessee: apptest.Account(f.alice), Start: "2026-02-01", End: "2036-01-31", Document: doc("lease")}
	c.Expect(land.ErrMissingSignature, land.TypeRegisterLease, lease, f.bob, f.alice) // carol, co-owner, missing
	bad := lease
	bad.End = "2020-01-01"
	c.Expect(errs.InvalidMsg, land.TypeRegisterLease, bad, f.bob, f.carol, f.alice)
	bad.End = "2036-13-01"
	c.Expect(errs.InvalidMsg, land.TypeRegisterLease, bad, f.bob, f.carol, f.alice)
	l := c.MustOK(land.TypeRegisterLease, lease, f.bob, f.carol, f.alice)
	c.Expect(land.ErrNotLessee, land.TypeEndLease, land.MsgEndLease{Title: "T1", Lease: l, Document: doc("s")}, f.bob)
	c.MustOK(land.TypeEndLease, land.MsgEndLease{Title: "T1", Lease: l, Document: doc("surrender")}, f.alice)

	es := land.MsgRegisterEasement{Title: "T1", Benefiting: "P2", Purpose: "right of way to the road", Document: doc("e")}
	c.Expect(land.ErrMissingSignature, land.TypeRegisterEasement, es, f.bob)
	self := es
	self.Benefiting = "P1"
	c.Expect(errs.InvalidMsg, land.TypeRegisterEasement, self, f.bob, f.carol)
	e := c.MustOK(land.TypeRegisterEasement, es, f.bob, f.carol)
	if ti = f.title(t, "T1"); len(ti.Easements) != 1 || ti.Easements[0].Benefiting != "P2" || len(ti.Leases) != 0 {
		t.Fatalf("title %+v", ti)
	}
	c.Expect(land.ErrNotClerk, land.TypeEndEasement, land.MsgEndEasement{Title: "T1", Easement: e, Document: doc("rel")}, f.bob)
	c.MustOK(land.TypeEndEasement, land.MsgEndEasement{Title: "T1", Easement: e, Document: doc("release")}, f.clerk)
	if ti = f.title(t, "T1"); len(ti.Easements) != 0 {
		t.Fatal("easement not ended")
	}
}

func TestSubdivisionRules(t *testing.T) {
	f := setup(t)
	c := f.c
	sub := func(tol string, gs ...land.Geometry) land.MsgSubdivide {
		m := land.MsgSubdivide{Parcel: "P1", Tolerance: tol, Document: doc("plan")}
		for i, g := range gs {
			m.Children = append(m.Children, land.ChildParcel{CadastralRef: "S-" + string(rune('a'+i)), Geometry: g})
		}
		return m
	}
	c.Expect(land.ErrNotClerk, land.TypeSubdivide, sub("0", rect(0, 0, 500, 1000), rect(500, 0, 1000, 1000)), f.alice)
	c.Expect(land.ErrSubdivision, land.TypeSubdivide, sub("0", rect(0, 0, 600, 1000), rect(500, 0, 1000, 1000)), f.clerk) // overlap
	c.Expect(land.ErrSubdivision, land.TypeSubdivide, sub("0", rect(0, 0, 500, 1000), rect(500, 0, 1100, 1000)), f.clerk) // outside
	c.Expect(land.ErrSubdivision, land.TypeSubdivide, sub("0", rect(0, 0, 500, 1000), rect(500, 0, 1000, 999)), f.clerk)  // gap of 1000 cm² (area2 1000)
	c.Expect(land.ErrSubdivision, land.TypeSubdivide, sub("999", rect(0, 0, 500, 1000), rect(500, 0, 1000, 999)), f.clerk)
	c.Expect(land.ErrBadGeometry, land.TypeSubdivide, sub("0", rect(0, 0, 500, 1000), geom("[[[500,0],[500,1000],[1000,1000],[500,0]]]")), f.clerk)
	c.Expect(errs.InvalidMsg, land.TypeSubdivide, sub("0", rect(0, 0, 1000, 1000)), f.clerk)                  // one child
	got := c.MustOK(land.TypeSubdivide, sub("1000", rect(0, 0, 500, 1000), rect(500, 0, 1000, 999)), f.clerk) // within tolerance
	if got != "P2,P3" {
		t.Fatalf("children %s", got)
	}
	c.Expect(land.ErrParcelRetired, land.TypeSubdivide, sub("0", rect(0, 0, 500, 1000), rect(500, 0, 1000, 1000)), f.clerk)
	c.Expect(land.ErrTitleCancelled, land.TypeLodgeCaveat, land.MsgLodgeCaveat{Title: "T1", Reason: "r", Document: doc("c")}, f.bob)
	// The retired parent no longer blocks the space its children leave.
	c.MustOK(land.TypeRegisterParcel, land.MsgRegisterParcel{CadastralRef: "SLIVER", Geometry: rect(500, 999, 1000, 1000), Document: doc("p")}, f.clerk)
}

func TestMergeRules(t *testing.T) {
	f := setup(t)
	c := f.c
	c.MustOK(land.TypeRegisterParcel, land.MsgRegisterParcel{CadastralRef: "A-2", Geometry: rect(1000, 0, 2000, 1000), Document: doc("p")}, f.clerk) // P2
	c.MustOK(land.TypeRegisterParcel, land.MsgRegisterParcel{CadastralRef: "A-3", Geometry: rect(3000, 0, 4000, 1000), Document: doc("p")}, f.clerk) // P3, apart
	c.MustOK(land.TypeRegisterTitle, land.MsgRegisterTitle{Parcels: []string{"P2"}, Owners: []land.Share{{Party: apptest.Account(f.alice), Share: "1"}}, Tenure: "freehold", Document: doc("g")}, f.clerk)
	c.MustOK(land.TypeRegisterTitle, land.MsgRegisterTitle{Parcels: []string{"P3"}, Owners: []land.Share{{Party: apptest.Account(f.bob), Share: "1"}}, Tenure: "freehold", Document: doc("g")}, f.clerk)
	merge := func(g land.Geometry, ps ...string) land.MsgMerge {
		return land.MsgMerge{Parcels: ps, CadastralRef: "AM-1", Geometry: g, Document: doc("merge")}
	}
	c.Expect(land.ErrMerge, land.TypeMerge, merge(rect(1000, 0, 4000, 1000), "P2", "P3"), f.clerk) // different owners
	c.Expect(land.ErrMerge, land.TypeMerge, merge(rect(0, 0, 2000, 900), "P1", "P2"), f.clerk)     // does not contain
	c.Expect(land.ErrMerge, land.TypeMerge, merge(rect(0, 0, 2000, 1100), "P1", "P2"), f.clerk)    // area differs
	c.Expect(land.ErrNotClerk, land.TypeMerge, merge(rect(0, 0, 2000, 1000), "P1", "P2"), f.alice)
	got := c.MustOK(land.TypeMerge, merge(rect(0, 0, 2000, 1000), "P1", "P2"), f.clerk)
	var p land.Parcel
	c.QueryAt("/land/parcel/"+got, 0, &p)
	if !slices.Equal(p.Parents, []string{"P1", "P2"}) || p.AreaM2 != "200" || p.Title != "T4" {
		t.Fatalf("merged %+v", p)
	}
	for _, old := range []string{"P1", "P2"} {
		var op land.Parcel
		c.QueryAt("/land/parcel/"+old, 0, &op)
		if op.Status != land.StatusRetired || !slices.Equal(op.Children, []string{got}) {
			t.Fatalf("old parcel %+v", op)
		}
	}
	if ti := f.title(t, "T1"); ti.Status != land.StatusCancelled || !slices.Equal(ti.Children, []string{"T4"}) {
		t.Fatalf("T1 %+v", ti)
	}
	if ti := f.title(t, "T4"); !slices.Equal(ti.Parents, []string{"T1", "T2"}) || ti.Owners[0].Party != apptest.Account(f.alice) {
		t.Fatalf("T4 %+v", ti)
	}
	// Non-adjacent parcels with the same owner.
	c.MustOK(land.TypeRegisterParcel, land.MsgRegisterParcel{CadastralRef: "A-5", Geometry: rect(5000, 0, 6000, 1000), Document: doc("p")}, f.clerk)
	c.MustOK(land.TypeRegisterParcel, land.MsgRegisterParcel{CadastralRef: "A-6", Geometry: rect(7000, 0, 8000, 1000), Document: doc("p")}, f.clerk)
	c.Expect(land.ErrMerge, land.TypeMerge, land.MsgMerge{Parcels: []string{"P5", "P6"}, CadastralRef: "AM-2",
		Geometry: geom("[[[5000,0],[6000,0],[6000,500],[7000,500],[7000,0],[8000,0],[8000,1000],[5000,1000],[5000,0]]]"), Document: doc("m")}, f.clerk)
}

func TestCorrection(t *testing.T) {
	f := setup(t)
	c := f.c
	addr := "12 Mill Lane"
	c.Expect(land.ErrNotClerk, land.TypeCorrect, land.MsgCorrect{Parcel: "P1", Address: &addr, Reason: "typo", Document: doc("c")}, f.alice)
	c.Expect(errs.InvalidMsg, land.TypeCorrect, land.MsgCorrect{Parcel: "P1", Title: "T1", Address: &addr, Reason: "typo", Document: doc("c")}, f.clerk)
	c.Expect(errs.InvalidMsg, land.TypeCorrect, land.MsgCorrect{Parcel: "P1", Address: &addr, Document: doc("c")}, f.clerk) // no reason
	c.MustOK(land.TypeCorrect, land.MsgCorrect{Parcel: "P1", Address: &addr, Reason: "house number misread from the deed", Document: doc("c")}, f.clerk)
	fixed := []land.Share{{Party: apptest.Account(f.bob), Share: "1"}}
	c.MustOK(land.TypeCorrect, land.MsgCorrect{Title: "T1", Owners: fixed, Reason: "wrong party entered at first registration", Document: doc("c2")}, f.clerk)
	var hist []land.Event
	c.List("/land/history/P1", &hist)
	last := hist[len(hist)-1]
	var before land.Title
	if err := json.Unmarshal([]byte(last.Previous), &before); err != nil || before.Owners[0].Party != apptest.Account(f.alice) {
		t.Fatalf("previous record not kept: %q", last.Previous)
	}
	if !strings.Contains(last.Msg, "wrong party entered") || last.Type != land.TypeCorrect {
		t.Fatalf("reason not kept: %+v", last)
	}
	var p land.Parcel
	c.QueryAt("/land/parcel/P1", 0, &p)
	if p.Address != addr {
		t.Fatalf("address %q", p.Address)
	}
	var holdings []struct{ Title string }
	c.List("/land/party/"+apptest.Account(f.alice), &holdings)
	if len(holdings) != 0 {
		t.Fatal("alice still indexed after correction")
	}
}

func TestQueryErrors(t *testing.T) {
	f := setup(t)
	for _, path := range []string{"/land/parcel/X1", "/land/parcel/P01", "/land/owner/P1/abc", "/land/height-at/yesterday",
		"/land/bbox/1/2/3", "/land/bbox/5/5/1/1", "/land/nothing", "/land/party/zz", "/land/height-at/1999-01-01T00:00:00Z"} {
		res := f.c.RawQuery(&abci.RequestQuery{Path: path})
		if res.Code != land.ErrBadQuery.Code || res.Codespace != land.Codespace {
			t.Errorf("%s: %s/%d %s", path, res.Codespace, res.Code, res.Log)
		}
	}
}

// step names a part of a test that shares one chain with the others (the
// chain's helpers fail the enclosing test).
func step(_ string, fn func()) { fn() }

// TestEasementFollowsDominantParcel: an easement benefiting a parcel is
// re-pointed to every child when that parcel is subdivided, to the merged
// parcel when children merge, and extinguished when the benefiting land
// joins the burdened title; a parcel sharing its title is subdivided into
// one re-issued title over the other parcels and the children.
func TestEasementFollowsDominantParcel(t *testing.T) {
	f := setup(t) // P1 on T1 (alice)
	c := f.c
	// P2 and P3 on one title T2 (bob); P2 benefits from an easement over T1.
	c.MustOK(land.TypeRegisterParcel, land.MsgRegisterParcel{CadastralRef: "B-2", Geometry: rect(1000, 0, 2000, 1000), Document: doc("p")}, f.clerk)
	c.MustOK(land.TypeRegisterParcel, land.MsgRegisterParcel{CadastralRef: "B-3", Geometry: rect(2000, 0, 3000, 1000), Document: doc("p")}, f.clerk)
	c.MustOK(land.TypeRegisterTitle, land.MsgRegisterTitle{Parcels: []string{"P2", "P3"}, Owners: []land.Share{{Party: apptest.Account(f.bob), Share: "1"}},
		Tenure: "freehold", Document: doc("g")}, f.clerk)
	e := c.MustOK(land.TypeRegisterEasement, land.MsgRegisterEasement{Title: "T1", Benefiting: "P2", Purpose: "right of way", Document: doc("e")}, f.alice)

	// Subdivide P2 (shares T2 with P3) into P4, P5.
	got := c.MustOK(land.TypeSubdivide, land.MsgSubdivide{Parcel: "P2", Tolerance: "0", Document: doc("plan"), Children: []land.ChildParcel{
		{CadastralRef: "B-2a", Geometry: rect(1000, 0, 1500, 1000)}, {CadastralRef: "B-2b", Geometry: rect(1500, 0, 2000, 1000)}}}, f.clerk)
	if got != "P4,P5" {
		t.Fatalf("children %s", got)
	}
	t2 := f.title(t, "T2")
	t3 := f.title(t, "T3")
	if t2.Status != land.StatusCancelled || !slices.Equal(t2.Children, []string{"T3"}) ||
		!slices.Equal(t3.Parcels, []string{"P4", "P5", "P3"}) || t3.Owners[0].Party != apptest.Account(f.bob) {
		t.Fatalf("re-issued title: T2 %+v T3 %+v", t2, t3)
	}
	var p3 land.Parcel
	c.QueryAt("/land/parcel/P3", 0, &p3)
	if p3.Title != "T3" {
		t.Fatalf("P3 stays on %s", p3.Title)
	}
	var period land.OwnerPeriod
	if !c.QueryAt("/land/owner/P3", 0, &period) || period.Title != "T3" {
		t.Fatalf("owner of P3 %+v", period)
	}
	t1 := f.title(t, "T1")
	if len(t1.Easements) != 1 || t1.Easements[0].ID != e || t1.Easements[0].Benefiting != "P2" ||
		!slices.Equal(t1.Easements[0].Benefits, []string{"P4", "P5"}) {
		t.Fatalf("easement after subdivision %+v", t1.Easements)
	}
	var hist []land.Event
	c.List("/land/history/P1", &hist)
	if last := hist[len(hist)-1]; last.Type != land.TypeSubdivide || last.Title != "T1" {
		t.Fatalf("burdened parcel's last event %+v", last)
	}

	// Merge P4 and P5 back: the easement benefits the merged parcel P6.
	got = c.MustOK(land.TypeMerge, land.MsgMerge{Parcels: []string{"P4", "P5"}, CadastralRef: "B-2m", Geometry: rect(1000, 0, 2000, 1000), Document: doc("m")}, f.clerk)
	if t1 = f.title(t, "T1"); got != "P6" || !slices.Equal(t1.Easements[0].Benefits, []string{"P6"}) {
		t.Fatalf("easement after merge into %s: %+v", got, t1.Easements)
	}
	// Ending it clears the index: a later subdivision of P6 leaves T1 alone.
	c.List("/land/history/P1", &hist)
	n := len(hist)
	c.MustOK(land.TypeEndEasement, land.MsgEndEasement{Title: "T1", Easement: e, Document: doc("rel")}, f.clerk)
	c.MustOK(land.TypeSubdivide, land.MsgSubdivide{Parcel: "P6", Tolerance: "0", Document: doc("plan"), Children: []land.ChildParcel{
		{CadastralRef: "B-6a", Geometry: rect(1000, 0, 1500, 1000)}, {CadastralRef: "B-6b", Geometry: rect(1500, 0, 2000, 1000)}}}, f.clerk)
	c.List("/land/history/P1", &hist)
	if len(hist) != n+1 || hist[n].Type != land.TypeEndEasement { // only the end-easement event
		t.Fatalf("P1 history grew by %d", len(hist)-n)
	}

	// Dominant and servient land merged into one title: the easement ends.
	c.MustOK(land.TypeRegisterParcel, land.MsgRegisterParcel{CadastralRef: "D-1", Geometry: rect(0, 1000, 1000, 2000), Document: doc("p")}, f.clerk)
	c.MustOK(land.TypeRegisterParcel, land.MsgRegisterParcel{CadastralRef: "D-2", Geometry: rect(0, 2000, 1000, 3000), Document: doc("p")}, f.clerk)
	tD := c.MustOK(land.TypeRegisterTitle, land.MsgRegisterTitle{Parcels: []string{"P9", "P10"}, Owners: []land.Share{{Party: apptest.Account(f.alice), Share: "1"}},
		Tenure: "freehold", Document: doc("g")}, f.clerk)
	e2 := c.MustOK(land.TypeRegisterEasement, land.MsgRegisterEasement{Title: tD, Benefiting: "P1", Purpose: "drainage", Document: doc("e")}, f.alice)
	got = c.MustOK(land.TypeMerge, land.MsgMerge{Parcels: []string{"P1", "P9"}, CadastralRef: "AD-1", Geometry: rect(0, 0, 1000, 2000), Document: doc("m")}, f.clerk)
	var merged land.Parcel
	c.QueryAt("/land/parcel/"+got, 0, &merged)
	nt := f.title(t, merged.Title)
	if !slices.Equal(nt.Parcels, []string{got, "P10"}) || len(nt.Easements) != 0 {
		t.Fatalf("easement %s should end when its land joins the burdened title: %+v", e2, nt)
	}
}
