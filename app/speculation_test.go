package app_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"reflect"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/publica/publica/app"
	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/x/land"
)

// A block keeps a transaction's run ahead only when nothing it read has
// changed since the state it ran on: the same blocks on a chain that runs
// every transaction ahead first and keeps what it may, and on one that
// never reads ahead, give the same results, events and app hashes, with
// titles sold twice in a block, a parcel numbered after one registered
// earlier in the block and a parcel overlapping one registered earlier in
// the block (each of these ran ahead with success against the state
// before the block, and the block refuses or renumbers them).
func TestRunAheadKeptOnlyWhenNothingItReadChanged(t *testing.T) {
	on, off := apptest.New(t), apptest.New(t)
	on.App.SetReadAhead(app.ReadAheadOn)
	on.App.ReadAheadFirst()
	off.App.SetReadAhead(app.ReadAheadOff)
	clerk, alice, bob, carol := apptest.DemoKey(t, "clerk"), apptest.DemoKey(t, "citizen-alice"),
		apptest.DemoKey(t, "citizen-bob"), apptest.DemoKey(t, "citizen-carol")
	party := func(k []byte) string { return apptest.Account(k) }
	doc := func(s string) string {
		h := sha256.Sum256([]byte(s))
		return hex.EncodeToString(h[:])
	}
	rect := func(x0, x1 int64) land.Geometry {
		return land.Geometry{Type: "Polygon", CRS: "EPSG:32633", Coordinates: []byte(fmt.Sprintf(
			"[[[%d,0],[%d,0],[%d,1000],[%d,1000],[%d,0]]]", x0, x1, x1, x0, x0))}
	}
	parcel := func(ref string, x0, x1 int64) land.MsgRegisterParcel {
		return land.MsgRegisterParcel{CadastralRef: ref, Geometry: rect(x0, x1), Document: doc("plan " + ref)}
	}
	sale := func(title string, from, to []byte) land.MsgTransfer {
		return land.MsgTransfer{Title: title, Sellers: []land.Share{{Party: party(from), Share: "1"}},
			Buyers: []land.Share{{Party: party(to), Share: "1"}}, Document: doc("deed " + title + party(to))}
	}
	both := func(build func(c *apptest.Chain) [][]byte) [2]*abci.ResponseFinalizeBlock {
		var res [2]*abci.ResponseFinalizeBlock
		for i, c := range []*apptest.Chain{on, off} {
			res[i] = c.Block(build(c)...)
		}
		return res
	}
	// the registers: T1 (P1) held by alice, T2 (P2) by carol
	both(func(c *apptest.Chain) [][]byte {
		return [][]byte{
			c.Tx(land.TypeRegisterParcel, parcel("A-1", 0, 1000), clerk),
			c.Tx(land.TypeRegisterParcel, parcel("A-2", 2000, 3000), clerk),
		}
	})
	both(func(c *apptest.Chain) [][]byte {
		return [][]byte{
			c.Tx(land.TypeRegisterTitle, land.MsgRegisterTitle{Parcels: []string{"P1"}, Owners: []land.Share{{Party: party(alice), Share: "1"}}, Tenure: "freehold", Document: doc("grant 1")}, clerk),
			c.Tx(land.TypeRegisterTitle, land.MsgRegisterTitle{Parcels: []string{"P2"}, Owners: []land.Share{{Party: party(carol), Share: "1"}}, Tenure: "freehold", Document: doc("grant 2")}, clerk),
		}
	})
	kept := on.App.KeptAhead()
	res := both(func(c *apptest.Chain) [][]byte {
		return [][]byte{
			c.Tx(land.TypeRegisterParcel, parcel("B-1", 5000, 6000), clerk),        // kept
			c.Tx(land.TypeTransfer, sale("T1", alice, bob), clerk, alice, bob),     // kept
			c.Tx(land.TypeTransfer, sale("T1", alice, carol), clerk, alice, carol), // alice no longer holds T1
			c.Tx(land.TypeTransfer, sale("T2", carol, alice), clerk, carol, alice), // kept
			c.Tx(land.TypeRegisterParcel, parcel("C-1", 10000, 11000), clerk),      // P4, not P3
			c.Tx(land.TypeRegisterParcel, parcel("C-2", 10500, 11500), clerk),      // overlaps C-1
		}
	})
	if !bytes.Equal(res[0].AppHash, res[1].AppHash) {
		t.Fatalf("app hash %X keeping runs ahead, %X not reading ahead", res[0].AppHash, res[1].AppHash)
	}
	for i := range res[1].TxResults {
		a, b := res[0].TxResults[i], res[1].TxResults[i]
		if a.Code != b.Code || !bytes.Equal(a.Data, b.Data) || a.Log != b.Log || !reflect.DeepEqual(a.Events, b.Events) {
			t.Errorf("transaction %d: %d %q %q %v keeping runs ahead, %d %q %q %v not reading ahead", i, a.Code, a.Data, a.Log, a.Events, b.Code, b.Data, b.Log, b.Events)
		}
	}
	codes := []uint32{0, 0, 1, 0, 0, 1}
	for i, r := range res[1].TxResults {
		if (r.Code == 0) != (codes[i] == 0) {
			t.Errorf("transaction %d: code %d %s", i, r.Code, r.Log)
		}
	}
	if got := string(res[1].TxResults[4].Data); got != "P4" {
		t.Errorf("C-1 registered as %q", got)
	}
	if got := on.App.KeptAhead() - kept; got != 3 {
		t.Errorf("%d runs ahead kept, want the first parcel and the two sales nothing earlier in the block touched", got)
	}
}
