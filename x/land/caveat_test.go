package land_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/publica/publica/errs"
	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/x/land"
)

// TestCaveatApplicationFreezesNothing: a citizen with no standing lodges
// caveats on every title of the register; each is an application awaiting
// a clerk, and every dealing goes on as before.
func TestCaveatApplicationFreezesNothing(t *testing.T) {
	f := setup(t)
	c := f.c
	c.MustOK(land.TypeRegisterParcel, land.MsgRegisterParcel{CadastralRef: "A-2", Geometry: rect(1000, 0, 2000, 1000), Document: doc("plan 2")}, f.clerk)
	c.MustOK(land.TypeRegisterTitle, land.MsgRegisterTitle{Parcels: []string{"P2"}, Owners: []land.Share{{Party: apptest.Account(f.bob), Share: "1"}},
		Tenure: "freehold", Document: doc("grant 2")}, f.clerk)
	for _, tid := range []string{"T1", "T2"} {
		c.MustOK(land.TypeLodgeCaveat, land.MsgLodgeCaveat{Title: tid, Reason: "I object", Document: doc("spite")}, f.carol)
	}
	var pending []land.PendingCaveat
	c.List("/land/caveat-applications", &pending)
	if want := []land.PendingCaveat{{Title: "T1", Caveat: "C1"}, {Title: "T2", Caveat: "C2"}}; !slices.Equal(pending, want) {
		t.Fatalf("pending applications %+v, want %+v", pending, want)
	}
	ti := f.title(t, "T1")
	if len(ti.Caveats) != 0 || len(ti.Applications) != 1 || ti.Applications[0].LodgedBy != apptest.Account(f.carol) {
		t.Fatalf("title T1 caveats %+v applications %+v", ti.Caveats, ti.Applications)
	}
	// Dealings are not frozen: a mortgage, a sale, a subdivision.
	c.MustOK(land.TypeRegisterMortgage, land.MsgRegisterMortgage{Title: "T1", Lender: apptest.Account(f.lender), Amount: "100000",
		Currency: "EUR", Rank: 1, Document: doc("m")}, f.alice, f.lender)
	c.MustOK(land.TypeTransfer, land.MsgTransfer{Title: "T2", Sellers: []land.Share{{Party: apptest.Account(f.bob), Share: "1"}},
		Buyers: []land.Share{{Party: apptest.Account(f.alice), Share: "1"}}, Document: doc("deed")}, f.clerk, f.bob, f.alice)
	children := c.MustOK(land.TypeSubdivide, land.MsgSubdivide{Parcel: "P1", Children: []land.ChildParcel{
		{CadastralRef: "A-1A", Geometry: rect(0, 0, 500, 1000)}, {CadastralRef: "A-1B", Geometry: rect(500, 0, 1000, 1000)}},
		Tolerance: "0", Document: doc("plan 1")}, f.clerk)
	if children != "P3,P4" {
		t.Fatalf("children %s", children)
	}
	// The application follows the land to the successor titles, still
	// awaiting examination.
	c.List("/land/caveat-applications", &pending)
	if want := []land.PendingCaveat{{Title: "T2", Caveat: "C2"}, {Title: "T3", Caveat: "C1"}, {Title: "T4", Caveat: "C1"}}; !slices.Equal(pending, want) {
		t.Fatalf("pending applications after subdivision %+v, want %+v", pending, want)
	}
	if ti := f.title(t, "T3"); len(ti.Applications) != 1 || ti.Applications[0].ID != "C1" || len(ti.Caveats) != 0 {
		t.Fatalf("successor T3 %+v", ti)
	}
}

// TestCaveatExamination: a clerk accepts an application (it then freezes
// every dealing) or rejects it (recorded in the history, no effect); only
// a clerk examines, only pending applications, with a reason; a clerk's
// own caveat is in force at once; a lodger may withdraw an application.
func TestCaveatExamination(t *testing.T) {
	f := setup(t)
	c := f.c
	offer := land.MsgOfferTransfer{Title: "T1", Sellers: []land.Share{{Party: apptest.Account(f.alice), Share: "1/2"}},
		Buyers: []land.Share{{Party: apptest.Account(f.bob), Share: "1/2"}}, Expires: 1 << 20}
	examine := func(cv, decision, reason string) land.MsgExamineCaveat {
		return land.MsgExamineCaveat{Title: "T1", Caveat: cv, Decision: decision, Reason: reason}
	}

	// Rejected: recorded, no effect.
	c1 := c.MustOK(land.TypeLodgeCaveat, land.MsgLodgeCaveat{Title: "T1", Reason: "neighbour's grudge", Document: doc("c1")}, f.carol)
	c.Expect(land.ErrNotClerk, land.TypeExamineCaveat, examine(c1, land.DecisionAccept, "looks fine"), f.carol)
	c.Expect(errs.InvalidMsg, land.TypeExamineCaveat, examine(c1, "maybe", "unsure"), f.clerk)
	c.Expect(errs.InvalidMsg, land.TypeExamineCaveat, examine(c1, land.DecisionReject, " "), f.clerk)
	c.MustOK(land.TypeExamineCaveat, examine(c1, land.DecisionReject, "no interest in the land is shown"), f.clerk)
	c.Expect(land.ErrUnknownRight, land.TypeExamineCaveat, examine(c1, land.DecisionAccept, "second thoughts"), f.clerk)
	if ti := f.title(t, "T1"); len(ti.Caveats) != 0 || len(ti.Applications) != 0 {
		t.Fatalf("after rejection: caveats %+v applications %+v", ti.Caveats, ti.Applications)
	}
	var hist []land.Event
	c.List("/land/history/P1", &hist)
	last := hist[len(hist)-1]
	if last.Type != land.TypeExamineCaveat || last.Actor != apptest.Account(f.clerk) ||
		!contains(last.Msg, `"decision":"reject"`, `"reason":"no interest in the land is shown"`, `"lodged_by":"`+apptest.Account(f.carol)+`"`, `"reason":"neighbour's grudge"`) {
		t.Fatalf("rejection event %+v", last)
	}
	o := c.MustOK(land.TypeOfferTransfer, offer, f.alice) // the title is free

	// Accepted: in force, every dealing frozen.
	c2 := c.MustOK(land.TypeLodgeCaveat, land.MsgLodgeCaveat{Title: "T1", Reason: "claims a share under a trust", Document: doc("c2")}, f.bob)
	c.MustOK(land.TypeAcceptTransfer, land.MsgAcceptTransfer{Offer: o}, f.bob) // still free while pending
	c.MustOK(land.TypeExamineCaveat, examine(c2, land.DecisionAccept, "trust deed shows a beneficial interest"), f.clerk)
	ti := f.title(t, "T1")
	if len(ti.Caveats) != 1 || ti.Caveats[0].ID != c2 || ti.Caveats[0].ExaminedBy != apptest.Account(f.clerk) ||
		ti.Caveats[0].Decision != "trust deed shows a beneficial interest" || ti.Caveats[0].Examined != c.Height || len(ti.Applications) != 0 {
		t.Fatalf("accepted caveat %+v applications %+v", ti.Caveats, ti.Applications)
	}
	c.Expect(land.ErrCaveat, land.TypeRegisterTransfer, land.MsgRegisterTransfer{Offer: o, Document: doc("deed")}, f.clerk)
	c.Expect(land.ErrCaveat, land.TypeOfferTransfer, offer, f.alice)
	c.Expect(land.ErrUnknownRight, land.TypeExamineCaveat, examine(c2, land.DecisionReject, "in force already"), f.clerk)
	c.MustOK(land.TypeWithdrawCaveat, land.MsgWithdrawCaveat{Title: "T1", Caveat: c2}, f.bob)

	// A clerk's caveat is in force at once.
	c3 := c.MustOK(land.TypeLodgeCaveat, land.MsgLodgeCaveat{Title: "T1", Reason: "freezing order", Document: doc("order")}, f.clerk)
	if ti := f.title(t, "T1"); len(ti.Caveats) != 1 || ti.Caveats[0].ID != c3 {
		t.Fatalf("clerk's caveat %+v", ti.Caveats)
	}
	c.Expect(land.ErrCaveat, land.TypeRegisterTransfer, land.MsgRegisterTransfer{Offer: o, Document: doc("deed")}, f.clerk)
	c.MustOK(land.TypeRemoveCaveat, land.MsgRemoveCaveat{Title: "T1", Caveat: c3, Reason: "order discharged", Document: doc("discharge")}, f.clerk)

	// A lodger withdraws an application; a stranger may not.
	c4 := c.MustOK(land.TypeLodgeCaveat, land.MsgLodgeCaveat{Title: "T1", Reason: "mistake", Document: doc("c4")}, f.carol)
	c.Expect(land.ErrNotLodger, land.TypeWithdrawCaveat, land.MsgWithdrawCaveat{Title: "T1", Caveat: c4}, f.bob)
	c.MustOK(land.TypeWithdrawCaveat, land.MsgWithdrawCaveat{Title: "T1", Caveat: c4}, f.carol)
	var pending []land.PendingCaveat
	c.List("/land/caveat-applications", &pending)
	if len(pending) != 0 {
		t.Fatalf("pending after withdrawal %+v", pending)
	}
	c.MustOK(land.TypeRegisterTransfer, land.MsgRegisterTransfer{Offer: o, Document: doc("deed")}, f.clerk)
}

func contains(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
