package land_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/publica/publica/errs"
	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/x/land"
)

func (f *fixture) party(t *testing.T, id string) land.Party {
	var p land.Party
	if !f.c.QueryAt("/land/party-record/"+id, 0, &p) {
		t.Fatalf("no party %s", id)
	}
	return p
}

// TestPartyRecords: only a clerk registers and amends parties; bad
// records are refused with a clear message; a name change keeps the old
// name; the signer index follows the accounts.
func TestPartyRecords(t *testing.T) {
	f := setup(t)
	c := f.c
	alice, lender, carol := apptest.Account(f.alice), apptest.Account(f.lender), apptest.Account(f.carol)
	person := land.MsgRegisterParty{Kind: land.PartyNaturalPerson, Name: "Alice Citizen", AddressForService: "1 Mill Lane, Millbrook",
		Accounts: []string{alice}, IDCommitment: doc("salt|1234567890")}

	c.Expect(land.ErrNotClerk, land.TypeRegisterParty, person, f.alice)
	for name, bad := range map[string]land.MsgRegisterParty{
		"unknown kind":           {Kind: "company", Name: "X"},
		"empty name":             {Kind: land.PartyOrganisation, Name: " "},
		"spaces around name":     {Kind: land.PartyOrganisation, Name: " Nordbank"},
		"person with a number":   {Kind: land.PartyNaturalPerson, Name: "Bob", RegistrationNumber: "850101-1234"},
		"identifier in clear":    {Kind: land.PartyNaturalPerson, Name: "Bob", IDCommitment: "850101-1234"},
		"bad account":            {Kind: land.PartyNaturalPerson, Name: "Bob", Accounts: []string{"bob"}},
		"account twice":          {Kind: land.PartyNaturalPerson, Name: "Bob", Accounts: []string{alice, alice}},
		"group of one":           {Kind: land.PartyGroup, Name: "The Smiths", Members: []string{"N1"}},
		"members of a non-group": {Kind: land.PartyOrganisation, Name: "X Ltd", Members: []string{"N1", "N2"}},
	} {
		if r := c.Do(land.TypeRegisterParty, bad, f.clerk); r.Code != errs.InvalidMsg.Code || r.Log == "" {
			t.Errorf("%s: code %d %q, want %d with a message", name, r.Code, r.Log, errs.InvalidMsg.Code)
		}
	}
	// The development genesis names nine demo parties (genesis.DemoParties).
	if p := f.party(t, "N8"); p.Name != "Nordbank plc" || p.Kind != land.PartyOrganisation || len(p.Accounts) != 1 {
		t.Fatalf("genesis party N8 %+v", p)
	}
	if id := c.MustOK(land.TypeRegisterParty, person, f.clerk); id != "N10" {
		t.Fatalf("first party id %s", id)
	}
	bank := c.MustOK(land.TypeRegisterParty, land.MsgRegisterParty{Kind: land.PartyOrganisation, Name: "Nordbank plc",
		RegistrationNumber: "SC123456", Accounts: []string{lender, carol}}, f.clerk)
	council := c.MustOK(land.TypeRegisterParty, land.MsgRegisterParty{Kind: land.PartyPublicBody, Name: "City Council"}, f.clerk)
	c.Expect(land.ErrUnknownParty, land.TypeRegisterParty, land.MsgRegisterParty{Kind: land.PartyGroup, Name: "Joint",
		Members: []string{"N1", "N99"}}, f.clerk)
	c.MustOK(land.TypeRegisterParty, land.MsgRegisterParty{Kind: land.PartyGroup, Name: "Alice and the Bank", Members: []string{bank, "N1"}}, f.clerk)

	p := f.party(t, bank)
	if p.Name != "Nordbank plc" || p.Kind != land.PartyOrganisation || !slices.Equal(p.Accounts, sortedCopy(lender, carol)) {
		t.Fatalf("bank %+v", p)
	}
	if p := f.party(t, council); len(p.Accounts) != 0 || p.Accounts == nil {
		t.Fatalf("council accounts %#v, want an empty list", p.Accounts)
	}
	var ofCarol []string
	c.List("/land/parties-of/"+carol, &ofCarol)
	if !slices.Equal(ofCarol, []string{bank, "N3"}) { // N3 is Carol Citizen of the genesis
		t.Fatalf("carol signs for %v", ofCarol)
	}

	// Amendments: a name change keeps the old name; accounts replaced.
	newName := "Nordbank Group plc"
	only := []string{lender}
	c.Expect(land.ErrNotClerk, land.TypeAmendParty, land.MsgAmendParty{Party: bank, Name: &newName, Reason: "renamed"}, f.lender)
	c.Expect(errs.InvalidMsg, land.TypeAmendParty, land.MsgAmendParty{Party: bank, Name: &newName}, f.clerk)
	c.Expect(errs.InvalidMsg, land.TypeAmendParty, land.MsgAmendParty{Party: bank, Reason: "nothing"}, f.clerk)
	c.Expect(land.ErrUnknownParty, land.TypeAmendParty, land.MsgAmendParty{Party: "N77", Name: &newName, Reason: "renamed"}, f.clerk)
	num := "19900101-1234"
	c.Expect(errs.InvalidMsg, land.TypeAmendParty, land.MsgAmendParty{Party: "N1", RegistrationNumber: &num, Reason: "oops"}, f.clerk)
	c.MustOK(land.TypeAmendParty, land.MsgAmendParty{Party: bank, Name: &newName, Accounts: &only, Reason: "change of name",
		Document: doc("certificate of incorporation on change of name")}, f.clerk)
	p = f.party(t, bank)
	if p.Name != newName || len(p.FormerNames) != 1 || p.FormerNames[0].Name != "Nordbank plc" || p.FormerNames[0].Reason != "change of name" ||
		p.FormerNames[0].Until != p.NameSince || !slices.Equal(p.Accounts, []string{lender}) {
		t.Fatalf("amended bank %+v", p)
	}
	c.List("/land/parties-of/"+carol, &ofCarol)
	if !slices.Equal(ofCarol, []string{"N3"}) {
		t.Fatalf("carol still signs for %v", ofCarol)
	}
	var all []land.Party
	c.List("/land/parties", &all)
	if len(all) != 9+4 || all[0].Name != "Alice Citizen" || all[1].Name != "Alice Citizen" || all[1].ID != "N10" {
		t.Fatalf("parties %+v", all)
	}
}

func sortedCopy(s ...string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// TestDealingsThroughParties: titles, mortgages, leases and caveats name
// parties, and each party signs through one of its accounts (a party
// without accounts through a land clerk on the deed); shares, all
// sellers and ranks hold as for accounts.
func TestDealingsThroughParties(t *testing.T) {
	f := setup(t) // T1 on P1 is held by alice's bare account
	c := f.c
	alice, bob, lender, carol := apptest.Account(f.alice), apptest.Account(f.bob), apptest.Account(f.lender), apptest.Account(f.carol)
	reg := func(kind, name string, accounts ...string) string {
		return c.MustOK(land.TypeRegisterParty, land.MsgRegisterParty{Kind: kind, Name: name, Accounts: accounts}, f.clerk)
	}
	pa := reg(land.PartyNaturalPerson, "Alice Citizen", alice)
	pb := reg(land.PartyNaturalPerson, "Bob Citizen", bob)
	bank := reg(land.PartyOrganisation, "Nordbank plc", lender, carol)
	council := reg(land.PartyPublicBody, "City Council")

	c.MustOK(land.TypeRegisterParcel, land.MsgRegisterParcel{CadastralRef: "A-2", Geometry: rect(1000, 0, 2000, 1000), Document: doc("plan 2")}, f.clerk)
	c.MustOK(land.TypeRegisterParcel, land.MsgRegisterParcel{CadastralRef: "A-3", Geometry: rect(2000, 0, 3000, 1000), Document: doc("plan 3")}, f.clerk)
	title := func(parcel string, owners ...land.Share) land.MsgRegisterTitle {
		return land.MsgRegisterTitle{Parcels: []string{parcel}, Owners: owners, Tenure: "freehold", Document: doc("grant " + parcel)}
	}
	c.Expect(land.ErrUnknownParty, land.TypeRegisterTitle, title("P2", land.Share{Party: "N99", Share: "1"}), f.clerk)
	c.Expect(land.ErrBadShares, land.TypeRegisterTitle, title("P2", land.Share{Party: pa, Share: "1/2"}, land.Share{Party: pb, Share: "1/3"}), f.clerk)
	t2 := c.MustOK(land.TypeRegisterTitle, title("P2", land.Share{Party: pa, Share: "1/2"}, land.Share{Party: pb, Share: "1/2"}), f.clerk)
	t3 := c.MustOK(land.TypeRegisterTitle, title("P3", land.Share{Party: council, Share: "1"}), f.clerk)
	var held []land.Holding
	c.List("/land/party/"+pa, &held)
	if len(held) != 1 || held[0].Title != t2 {
		t.Fatalf("holdings of %s: %+v", pa, held)
	}

	// Mortgage: every owner party and the lender party sign through an
	// account; a lender account need not be the bank's first.
	mortgage := land.MsgRegisterMortgage{Title: t2, Lender: bank, Amount: "25000000", Currency: "EUR", Rank: 1, Document: doc("charge")}
	r := c.Expect(land.ErrMissingSignature, land.TypeRegisterMortgage, mortgage, f.alice, f.lender)
	if !strings.Contains(r.Log, "Bob Citizen") {
		t.Fatalf("missing owner message %q does not name the party", r.Log)
	}
	r = c.Expect(land.ErrMissingSignature, land.TypeRegisterMortgage, mortgage, f.alice, f.bob)
	if !strings.Contains(r.Log, "Nordbank plc") {
		t.Fatalf("missing lender message %q does not name the bank", r.Log)
	}
	unknown := mortgage
	unknown.Lender = "N42"
	c.Expect(land.ErrUnknownParty, land.TypeRegisterMortgage, unknown, f.alice, f.bob, f.lender)
	m1 := c.MustOK(land.TypeRegisterMortgage, mortgage, f.alice, f.bob, f.carol)
	r = c.Expect(land.ErrRankTaken, land.TypeRegisterMortgage, mortgage, f.alice, f.bob, f.lender)
	if !strings.Contains(r.Log, "Nordbank plc") {
		t.Fatalf("rank message %q does not name the lender", r.Log)
	}
	if ti := f.title(t, t2); ti.Mortgages[0].Lender != bank {
		t.Fatalf("mortgage lender %s", ti.Mortgages[0].Lender)
	}
	c.Expect(land.ErrNotLender, land.TypeDischarge, land.MsgDischargeMortgage{Title: t2, Mortgage: m1, Document: doc("d")}, f.alice)

	// Lease to a party; the lessee's account surrenders it.
	lease := c.MustOK(land.TypeRegisterLease, land.MsgRegisterLease{Title: t2, Lessee: bank, Start: "2027-01-01", End: "2030-01-01",
		Document: doc("lease")}, f.alice, f.bob, f.lender)
	c.Expect(land.ErrNotLessee, land.TypeEndLease, land.MsgEndLease{Title: t2, Lease: lease, Document: doc("end")}, f.alice)
	c.MustOK(land.TypeEndLease, land.MsgEndLease{Title: t2, Lease: lease, Document: doc("end")}, f.carol)

	// Every seller signs; a party's account sells its share.
	sale := land.MsgTransfer{Title: t2, Sellers: []land.Share{{Party: pa, Share: "1/2"}, {Party: pb, Share: "1/2"}},
		Buyers: []land.Share{{Party: council, Share: "1"}}, Document: doc("deed")}
	c.Expect(land.ErrMissingSignature, land.TypeTransfer, sale, f.clerk, f.alice)
	// The council has no account: the clerk's signature on the deed is
	// its signature, so the clerk alone cannot be refused for it.
	offer := land.MsgOfferTransfer{Title: t2, Sellers: []land.Share{{Party: pa, Share: "1/2"}}, Buyers: []land.Share{{Party: pb, Share: "1/2"}}, Expires: 1 << 20}
	o := c.MustOK(land.TypeOfferTransfer, offer, f.alice)
	c.Expect(land.ErrMissingSignature, land.TypeWithdrawOffer, land.MsgWithdrawOffer{Offer: o}, f.bob)
	c.MustOK(land.TypeWithdrawOffer, land.MsgWithdrawOffer{Offer: o}, f.alice)

	// The council (no account) cannot sign a mortgage by itself: a
	// clerk must co-sign for it.
	cm := land.MsgRegisterMortgage{Title: t3, Lender: bank, Amount: "1000", Currency: "EUR", Rank: 1, Document: doc("council charge")}
	r = c.Expect(land.ErrMissingSignature, land.TypeRegisterMortgage, cm, f.lender)
	if !strings.Contains(r.Log, "City Council") || !strings.Contains(r.Log, "clerk") {
		t.Fatalf("accountless owner message %q", r.Log)
	}
	c.MustOK(land.TypeRegisterMortgage, cm, f.lender, f.clerk)

	// Caveat lodged for a party; another account of the party withdraws it.
	c.Expect(land.ErrMissingSignature, land.TypeLodgeCaveat, land.MsgLodgeCaveat{Title: "T1", Party: bank, Reason: "unpaid loan", Document: doc("cv")}, f.bob)
	cv := c.MustOK(land.TypeLodgeCaveat, land.MsgLodgeCaveat{Title: "T1", Party: bank, Reason: "unpaid loan", Document: doc("cv")}, f.lender)
	if ti := f.title(t, "T1"); len(ti.Applications) != 1 || ti.Applications[0].Party != bank || ti.Applications[0].LodgedBy != lender {
		t.Fatalf("application %+v", ti.Applications)
	}
	c.Expect(land.ErrNotLodger, land.TypeWithdrawCaveat, land.MsgWithdrawCaveat{Title: "T1", Caveat: cv}, f.bob)
	c.MustOK(land.TypeWithdrawCaveat, land.MsgWithdrawCaveat{Title: "T1", Caveat: cv}, f.carol)

	// The sale: both owner parties sign, the council is signed for by
	// the clerk who registers the deed; the mortgage stays on the title.
	c.MustOK(land.TypeTransfer, sale, f.clerk, f.alice, f.bob)
	if ti := f.title(t, t2); len(ti.Owners) != 1 || ti.Owners[0].Party != council {
		t.Fatalf("owners after sale %+v", ti.Owners)
	}
	// A bare account still deals as before, and a party may buy from it.
	c.MustOK(land.TypeTransfer, land.MsgTransfer{Title: "T1", Sellers: []land.Share{{Party: alice, Share: "1"}},
		Buyers: []land.Share{{Party: pa, Share: "1"}}, Document: doc("into her party")}, f.clerk, f.alice)
	// Accounts removed from a party no longer sign for it.
	none := []string{lender}
	c.MustOK(land.TypeAmendParty, land.MsgAmendParty{Party: bank, Accounts: &none, Reason: "signatory left"}, f.clerk)
	c.Expect(land.ErrNotLender, land.TypeDischarge, land.MsgDischargeMortgage{Title: t2, Mortgage: m1, Document: doc("d")}, f.carol)
	c.MustOK(land.TypeDischarge, land.MsgDischargeMortgage{Title: t2, Mortgage: m1, Document: doc("d")}, f.lender)
}
