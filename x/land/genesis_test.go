package land_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/store"
	"github.com/publica/publica/x/land"
)

const testParams = `"params":{"crs":"EPSG:32633","units_per_metre":100,"min_x":0,"min_y":0,"max_x":10,"max_y":10,"grid_cell":10,"max_cells":4,"max_vertices":10}`

func TestGenesisRefusesMalformed(t *testing.T) {
	m := land.New(nil)
	for name, raw := range map[string]string{
		"bad json":     `{"params":`,
		"empty extent": `{"params":{"crs":"EPSG:32633","units_per_metre":100,"min_x":5,"min_y":0,"max_x":5,"max_y":10,"grid_cell":10,"max_cells":4,"max_vertices":10}}`,
		"beyond 2^30":  `{"params":{"crs":"EPSG:32633","units_per_metre":100,"min_x":0,"min_y":0,"max_x":2000000000,"max_y":10,"grid_cell":10,"max_cells":4,"max_vertices":10}}`,
		"raw records":  `{` + testParams + `,"records":[{"key":"land/title/T1","value":"{}"}]}`,
		"unknown kind": `{` + testParams + `,"sequences":{"X":1}}`,
	} {
		if err := m.InitGenesis(store.NewCache(store.OpenMemory().Working()), json.RawMessage(raw)); !errors.Is(err, land.ErrInvalidGenesis) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// richLand runs every kind of land dealing, leaving parcels retired by
// merge and subdivision, cancelled and successor titles, mortgages (one
// discharged), a lease, an easement re-pointed to a subdivided parcel's
// children, a caveat, offers open, withdrawn and registered, corrections,
// a one-transaction transfer and a transmission.
func richLand(t *testing.T) *apptest.Chain {
	c := newChain(t)
	clerk, lender := apptest.DemoKey(t, "clerk"), apptest.DemoKey(t, "registrar")
	alice, bob, carol := apptest.DemoKey(t, "citizen-alice"), apptest.DemoKey(t, "citizen-bob"), apptest.DemoKey(t, "citizen-carol")
	a, b, cc := apptest.Account(alice), apptest.Account(bob), apptest.Account(carol)
	one := func(party string) []land.Share { return []land.Share{{Party: party, Share: "1"}} }
	parcel := func(ref string, x int64) string {
		return c.MustOK(land.TypeRegisterParcel, land.MsgRegisterParcel{CadastralRef: ref, Geometry: rect(x, 0, x+1000, 1000),
			Address: ref + " Road", Document: doc(ref)}, clerk)
	}
	title := func(owners []land.Share, parcels ...string) string {
		return c.MustOK(land.TypeRegisterTitle, land.MsgRegisterTitle{Parcels: parcels, Owners: owners, Tenure: "freehold", Document: doc("grant")}, clerk)
	}
	p1, p2, p3, p4 := parcel("R-1", 0), parcel("R-2", 1000), parcel("R-3", 3000), parcel("R-4", 5000)
	t1, t2 := title(one(a), p1), title(one(a), p2)
	t3 := title([]land.Share{{Party: b, Share: "1/2"}, {Party: cc, Share: "1/2"}}, p3)
	_ = t1

	m1 := c.MustOK(land.TypeRegisterMortgage, land.MsgRegisterMortgage{Title: t3, Lender: a, Amount: "100000", Currency: "EUR", Rank: 1, Document: doc("m1")}, bob, carol, alice)
	c.MustOK(land.TypeRegisterMortgage, land.MsgRegisterMortgage{Title: t3, Lender: apptest.Account(lender), Amount: "500", Currency: "EUR", Rank: 2, Document: doc("m2")}, bob, carol, lender)
	c.MustOK(land.TypeDischarge, land.MsgDischargeMortgage{Title: t3, Mortgage: m1, Document: doc("discharge")}, alice)
	c.MustOK(land.TypeRegisterLease, land.MsgRegisterLease{Title: t3, Lessee: a, Start: "2026-01-01", End: "2036-01-01", Document: doc("lease")}, bob, carol, alice)
	c.MustOK(land.TypeRegisterEasement, land.MsgRegisterEasement{Title: t3, Benefiting: p4, Purpose: "right of way", Document: doc("way")}, bob, carol)

	// Offers: registered, withdrawn, left open.
	o1 := c.MustOK(land.TypeOfferTransfer, land.MsgOfferTransfer{Title: t3, Sellers: []land.Share{{Party: b, Share: "1/2"}},
		Buyers: []land.Share{{Party: a, Share: "1/4"}, {Party: cc, Share: "1/4"}}, Expires: c.Height + 50}, bob)
	c.MustOK(land.TypeAcceptTransfer, land.MsgAcceptTransfer{Offer: o1}, alice, carol)
	c.MustOK(land.TypeRegisterTransfer, land.MsgRegisterTransfer{Offer: o1, Document: doc("sale")}, clerk)
	c.MustOK(land.TypeOfferTransfer, land.MsgOfferTransfer{Title: t3, Sellers: []land.Share{{Party: cc, Share: "1/4"}},
		Buyers: []land.Share{{Party: b, Share: "1/4"}}, Expires: c.Height + 50}, carol)
	o3 := c.MustOK(land.TypeOfferTransfer, land.MsgOfferTransfer{Title: t3, Sellers: []land.Share{{Party: a, Share: "1/4"}},
		Buyers: []land.Share{{Party: b, Share: "1/4"}}, Expires: c.Height + 50}, alice)
	c.MustOK(land.TypeWithdrawOffer, land.MsgWithdrawOffer{Offer: o3}, alice)

	// Merge P1 and P2 (titles T1, T2 of one owner), subdivide the result,
	// sell one half in one transaction and transmit the other.
	p5 := c.MustOK(land.TypeMerge, land.MsgMerge{Parcels: []string{p1, p2}, CadastralRef: "R-12", Geometry: rect(0, 0, 2000, 1000),
		Address: "1-2 Road", Document: doc("merge")}, clerk)
	c.MustOK(land.TypeSubdivide, land.MsgSubdivide{Parcel: p5, Children: []land.ChildParcel{
		{CadastralRef: "R-12A", Geometry: rect(0, 0, 500, 1000)}, {CadastralRef: "R-12B", Geometry: rect(500, 0, 2000, 1000)},
	}, Tolerance: "0", Document: doc("plan")}, clerk)
	var child land.Parcel
	c.Query("/land/parcel/P6", &child)
	c.MustOK(land.TypeTransfer, land.MsgTransfer{Title: child.Title, Sellers: one(a), Buyers: one(b), Document: doc("deed")}, clerk, alice, bob)
	c.Query("/land/parcel/P7", &child)
	c.MustOK(land.TypeTransmit, land.MsgTransmit{Title: child.Title, Owners: one(cc), Reason: "death", Document: doc("will")}, clerk)

	// The easement's benefiting parcel is subdivided: the benefit follows.
	c.MustOK(land.TypeSubdivide, land.MsgSubdivide{Parcel: p4, Children: []land.ChildParcel{
		{CadastralRef: "R-4A", Geometry: rect(5000, 0, 5500, 1000)}, {CadastralRef: "R-4B", Geometry: rect(5500, 0, 6000, 1000)},
	}, Tolerance: "0", Document: doc("plan 4")}, clerk)

	ref, addr, tenure := "R-3X", "3 New Road", "leasehold"
	c.MustOK(land.TypeCorrect, land.MsgCorrect{Parcel: p3, CadastralRef: &ref, Address: &addr, Reason: "survey error", Document: doc("fix")}, clerk)
	c.MustOK(land.TypeCorrect, land.MsgCorrect{Title: t3, Tenure: &tenure, Reason: "wrong tenure", Document: doc("fix 2")}, clerk)
	c.MustOK(land.TypeLodgeCaveat, land.MsgLodgeCaveat{Title: t3, Reason: "claims a share", Document: doc("claim")}, lender)
	_ = t2

	// Parties: a bank renamed, a council without accounts holding a title
	// charged to the bank, a caveat lodged for the bank.
	bank := c.MustOK(land.TypeRegisterParty, land.MsgRegisterParty{Kind: land.PartyOrganisation, Name: "Eastbank plc",
		RegistrationNumber: "SC123456", Accounts: []string{apptest.Account(lender), cc}}, clerk)
	council := c.MustOK(land.TypeRegisterParty, land.MsgRegisterParty{Kind: land.PartyPublicBody, Name: "Rivertown Council",
		AddressForService: "Town Hall, Millbrook"}, clerk)
	name := "Eastbank Group plc"
	c.MustOK(land.TypeAmendParty, land.MsgAmendParty{Party: bank, Name: &name, Reason: "change of name", Document: doc("name")}, clerk)
	t8 := title(one(council), parcel("R-8", 8000))
	c.MustOK(land.TypeRegisterMortgage, land.MsgRegisterMortgage{Title: t8, Lender: bank, Amount: "700", Currency: "EUR", Rank: 1, Document: doc("m8")}, clerk, lender)
	c.MustOK(land.TypeLodgeCaveat, land.MsgLodgeCaveat{Title: t8, Party: bank, Reason: "for the bank", Document: doc("c8")}, carol)
	return c
}

// TestGenesisRoundTrip: a rich registry exported, validated and imported
// comes back key for key and value for value, to the same hash as its
// raw keys written in order; through the application, a chain started
// from the export holds the same land state.
func TestGenesisRoundTrip(t *testing.T) {
	c := richLand(t)
	m := land.New(nil)
	view := c.View()
	raw, err := m.ExportGenesis(view)
	if err != nil {
		t.Fatal(err)
	}
	var g land.Genesis
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	if err := g.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(g.Parcels) != 10 || len(g.Titles) != 7 || len(g.Offers) != 3 || len(g.History) < 20 || len(g.OwnerPeriods) < 8 || g.Sequences["C"] != 2 ||
		len(g.Parties) != 2+9 || len(partyNamed(t, &g, "Eastbank Group plc").FormerNames) != 1 {
		t.Fatalf("export holds %d parcels, %d titles, %d offers, %d events, %d periods, sequences %v",
			len(g.Parcels), len(g.Titles), len(g.Offers), len(g.History), len(g.OwnerPeriods), g.Sequences)
	}

	want := landState(c)
	imported := store.OpenMemory()
	if err := m.InitGenesis(imported.Working(), raw); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	imported.Working().Iterate([]byte("land/"), store.PrefixEnd([]byte("land/")), false, func(k, v []byte) bool {
		got[string(k)] = string(v)
		return true
	})
	if !maps.Equal(got, want) {
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: imported %q, want %q", k, got[k], v)
			}
		}
		for k := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("%s: imported but not in the state", k)
			}
		}
		t.FailNow()
	}
	rawKeys := store.OpenMemory()
	w := store.NewCache(rawKeys.Working())
	for k, v := range want {
		w.Set([]byte(k), []byte(v))
	}
	w.Write()
	if !bytes.Equal(imported.WorkingHash(), rawKeys.WorkingHash()) {
		t.Fatal("the imported land state hashes differently from its keys")
	}

	gs, err := c.App.ExportGenesis()
	if err != nil {
		t.Fatal(err)
	}
	appState, err := json.Marshal(gs)
	if err != nil {
		t.Fatal(err)
	}
	again := apptest.NewWith(t, apptest.Options{AppState: appState})
	if !maps.Equal(landState(again), want) {
		t.Fatal("a chain started from the export holds another land state")
	}
}

// TestGenesisValidateMeaning: each record must make sense and every
// reference resolve.
func TestGenesisValidateMeaning(t *testing.T) {
	raw, err := land.New(nil).ExportGenesis(richLand(t).View())
	if err != nil {
		t.Fatal(err)
	}
	parcel := func(g *land.Genesis, id string) *land.Parcel {
		for i := range g.Parcels {
			if g.Parcels[i].ID == id {
				return &g.Parcels[i]
			}
		}
		t.Fatalf("no parcel %s", id)
		return nil
	}
	title := func(g *land.Genesis, id string) *land.Title {
		for i := range g.Titles {
			if g.Titles[i].ID == id {
				return &g.Titles[i]
			}
		}
		t.Fatalf("no title %s", id)
		return nil
	}
	for name, spoil := range map[string]func(g *land.Genesis){
		"shares short of one": func(g *land.Genesis) { title(g, "T3").Owners[0].Share = "1/8" },
		"shares not canonical": func(g *land.Genesis) {
			title(g, "T5").Owners[0].Share = "2/2"
		},
		"period shares": func(g *land.Genesis) { g.OwnerPeriods[0].Owners[0].Share = "1/3" },
		"share over the bound": func(g *land.Genesis) {
			t3 := title(g, "T3")
			t3.Owners = []land.Share{{Party: strings.Repeat("0", 40), Share: "1/1000000000001"}, {Party: t3.Owners[0].Party, Share: "1000000000000/1000000000001"}}
		},
		"offer share over the bound": func(g *land.Genesis) {
			g.Offers[0].Sellers = g.Offers[0].Sellers[:1]
			g.Offers[0].Buyers = g.Offers[0].Buyers[:1]
			g.Offers[0].Sellers[0].Share, g.Offers[0].Buyers[0].Share = "1/1000000000001", "1/1000000000001"
		},
		"geometry clockwise": func(g *land.Genesis) {
			parcel(g, "P3").Geometry = geom("[[[3000,0],[3000,1000],[4000,1000],[4000,0],[3000,0]]]")
		},
		"bbox not geometry's": func(g *land.Genesis) { parcel(g, "P3").BBox[2]++ },
		"area not geometry's": func(g *land.Genesis) { parcel(g, "P3").AreaM2 = "99" },
		"duplicate reference": func(g *land.Genesis) { parcel(g, "P3").CadastralRef = parcel(g, "P1").CadastralRef },
		"title's parcel":      func(g *land.Genesis) { title(g, "T1").Parcels = []string{"P99"} },
		"parcel's title":      func(g *land.Genesis) { parcel(g, "P3").Title = "T99" },
		"active on cancelled": func(g *land.Genesis) { parcel(g, "P3").Title = "T1" },
		"easement's parcel":   func(g *land.Genesis) { title(g, "T3").Easements[0].Benefits = []string{"P99"} },
		"mortgage ranks": func(g *land.Genesis) {
			t3 := title(g, "T3")
			m := t3.Mortgages[0]
			m.ID = "M1" // another mortgage at the same rank
			t3.Mortgages = append(t3.Mortgages, m)
		},
		"offer's title":         func(g *land.Genesis) { g.Offers[0].Title = "T99" },
		"id beyond sequence":    func(g *land.Genesis) { g.Sequences["P"] = 3 },
		"history beyond count":  func(g *land.Genesis) { parcel(g, "P3").Events-- },
		"history twice":         func(g *land.Genesis) { g.History[1] = g.History[0] },
		"no open period":        func(g *land.Genesis) { parcel(g, "P3").OwnerSince = 2 },
		"period's title":        func(g *land.Genesis) { g.OwnerPeriods[0].Title = "T99" },
		"parcel twice":          func(g *land.Genesis) { g.Parcels = append(g.Parcels, g.Parcels[0]) },
		"party twice":           func(g *land.Genesis) { g.Parties = append(g.Parties, g.Parties[0]) },
		"party beyond sequence": func(g *land.Genesis) { g.Sequences["N"] = 1 },
		"party without a name":  func(g *land.Genesis) { g.Parties[1].Name = "" },
		"person with a number":  func(g *land.Genesis) { partyNamed(t, g, "Eastbank Group plc").Kind = land.PartyNaturalPerson },
		"accounts unsorted":     func(g *land.Genesis) { slices.Reverse(partyNamed(t, g, "Eastbank Group plc").Accounts) },
		"former name after": func(g *land.Genesis) {
			p := partyNamed(t, g, "Eastbank Group plc")
			p.FormerNames[0].Until = p.NameSince + 1
		},
		"unregistered lender": func(g *land.Genesis) {
			for i := range g.Titles {
				for j := range g.Titles[i].Mortgages {
					if land.IsPartyID(g.Titles[i].Mortgages[j].Lender) {
						g.Titles[i].Mortgages[j].Lender = "N99"
					}
				}
			}
		},
		"unregistered owner": func(g *land.Genesis) { title(g, "T1").Owners[0].Party = "N99" },
	} {
		var g land.Genesis
		if err := json.Unmarshal(raw, &g); err != nil {
			t.Fatal(err)
		}
		spoil(&g)
		err := g.Validate()
		if !errors.Is(err, land.ErrInvalidGenesis) {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if strings.Contains(name, "over the bound") && !strings.Contains(err.Error(), "denominator exceeds") {
			t.Errorf("%s refused for another reason: %v", name, err)
		}
		b, _ := json.Marshal(g)
		if err := land.New(nil).InitGenesis(store.NewCache(store.OpenMemory().Working()), b); !errors.Is(err, land.ErrInvalidGenesis) {
			t.Errorf("%s: imported: %v", name, err)
		}
	}
}

// TestGenesisExportRefusesStrayKeys: a land key the records would not
// rebuild (a stale index entry, an unknown record) stops the export
// rather than vanish from it.
func TestGenesisExportRefusesStrayKeys(t *testing.T) {
	c := richLand(t)
	for _, key := range []string{"land/parcel-offer/P1/O9", "land/grid/0000000099/0000000099/P1", "land/unknown/1"} {
		kv := store.NewCache(c.View())
		kv.Set([]byte(key), []byte{})
		if _, err := land.New(nil).ExportGenesis(kv); err == nil {
			t.Errorf("%s: exported", key)
		}
	}
}

func partyNamed(t *testing.T, g *land.Genesis, name string) *land.Party {
	for i := range g.Parties {
		if g.Parties[i].Name == name {
			return &g.Parties[i]
		}
	}
	t.Fatalf("no party named %s", name)
	return nil
}
