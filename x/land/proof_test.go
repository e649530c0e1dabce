package land_test

import (
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/proof"
	"github.com/publica/publica/x/land"
)

// TestAbsenceProofsBesideIndexEntries: a key proven absent next to an
// index entry (a caveat application, an offer under a parcel, an easement
// benefit, a party's signer) verifies. Index entries hold "1": ICS23
// refuses a leaf with an empty value, so an empty one made the absence
// proof of its neighbour (here an unregistered cadastral reference, which
// sorts just before the caveat applications) fail to verify.
func TestAbsenceProofsBesideIndexEntries(t *testing.T) {
	f := setup(t)
	c := f.c
	c.MustOK(land.TypeLodgeCaveat, land.MsgLodgeCaveat{Title: "T1", Reason: "claims the garden", Document: doc("claim")}, f.carol)
	c.MustOK(land.TypeOfferTransfer, land.MsgOfferTransfer{Title: "T1", Sellers: []land.Share{{Party: apptest.Account(f.alice), Share: "1/2"}},
		Buyers: []land.Share{{Party: apptest.Account(f.bob), Share: "1/2"}}, Expires: 1 << 20}, f.alice)
	for _, q := range []struct{ path, key string }{
		{"/land/cadref/ZZZ", ""},
		{"/land/party-record/N99", ""},
		{"/key", "land/parcel-offer/P1/O0"},
		{"/key", "land/signer/" + apptest.Account(f.alice) + "/N0"},
	} {
		res := c.RawQuery(&abci.RequestQuery{Path: q.path, Data: []byte(q.key), Prove: true})
		if res.Code != 0 || res.Value != nil {
			t.Fatalf("%s %s: code %d value %q %s", q.path, q.key, res.Code, res.Value, res.Log)
		}
		if err := proof.Verify(c.AppHash(), res.ProofOps, res.Key, nil); err != nil {
			t.Errorf("%s %s: %v", q.path, q.key, err)
		}
	}
}
