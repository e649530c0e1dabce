package land_test

import (
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/x/land"
)

func documentEvents(r *abci.ExecTxResult) []string {
	var out []string
	for _, e := range r.Events {
		if e.Type == land.EventDocument {
			for _, a := range e.Attributes {
				if a.Key == "hash" && a.Index {
					out = append(out, a.Value)
				}
			}
		}
	}
	return out
}

// TestDocumentEvent: a dealing resting on a document names it once in an
// indexed land.document event (the portal's document store finds the
// records citing a document by it), also when the dealing records
// several parcels (a subdivision); a refused dealing names none.
func TestDocumentEvent(t *testing.T) {
	f := setup(t)
	c := f.c
	check := func(name string, r *abci.ExecTxResult, want ...string) {
		t.Helper()
		got := documentEvents(r)
		if len(got) != len(want) || (len(want) == 1 && got[0] != want[0]) {
			t.Fatalf("%s: land.document events %v, want %v (code %d %s)", name, got, want, r.Code, r.Log)
		}
	}
	check("mortgage", c.Do(land.TypeRegisterMortgage, land.MsgRegisterMortgage{Title: "T1", Lender: apptest.Account(f.lender), Amount: "100000",
		Currency: "EUR", Rank: 1, Document: doc("mortgage deed")}, f.alice, f.lender), doc("mortgage deed"))
	check("subdivision", c.Do(land.TypeSubdivide, land.MsgSubdivide{Parcel: "P1", Children: []land.ChildParcel{
		{CadastralRef: "A-1A", Geometry: rect(0, 0, 500, 1000)}, {CadastralRef: "A-1B", Geometry: rect(500, 0, 1000, 1000)}},
		Tolerance: "0", Document: doc("plan 1")}, f.clerk), doc("plan 1"))
	check("refused caveat", c.Do(land.TypeLodgeCaveat, land.MsgLodgeCaveat{Title: "T404", Reason: "x", Document: doc("refused")}, f.carol))
	check("party", c.Do(land.TypeRegisterParty, land.MsgRegisterParty{Kind: land.PartyOrganisation, Name: "Nordbank plc",
		RegistrationNumber: "NB-1", Document: doc("certificate of incorporation")}, f.clerk), doc("certificate of incorporation"))
}
