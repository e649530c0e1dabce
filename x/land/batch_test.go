package land_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/publica/publica/errs"
	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/x/land"
)

// batchParcels: n parcels 10 m × 10 m in a row of 50, with addresses.
func batchParcels(n int) []land.MsgRegisterParcel {
	out := make([]land.MsgRegisterParcel, n)
	for i := range out {
		x, y := int64(i%50)*1000, int64(i/50)*1000
		ref := fmt.Sprintf("BATCH-%04d", i)
		out[i] = land.MsgRegisterParcel{CadastralRef: ref, Geometry: rect(x, y, x+1000, y+1000),
			Address: fmt.Sprintf("%d Long Row", i+1), Document: doc("plan " + ref)}
	}
	return out
}

// tinyParcels: n parcels 1 cm × 1 cm with short references and no
// address, the smallest a batch can carry.
func tinyParcels(n int) []land.MsgRegisterParcel {
	out := make([]land.MsgRegisterParcel, n)
	for i := range out {
		x, y := int64(i%100), int64(i/100)
		out[i] = land.MsgRegisterParcel{CadastralRef: fmt.Sprintf("T%d", i), Geometry: rect(x, y, x+1, y+1), Document: doc("plan")}
	}
	return out
}

// allState is every key and value of the committed state.
func allState(c *apptest.Chain) map[string]string {
	c.T.Helper()
	out := map[string]string{}
	c.View().Iterate(nil, nil, false, func(k, v []byte) bool {
		out[string(k)] = string(v)
		return true
	})
	return out
}

// A batch registers exactly what the same parcels registered one by one
// (each its own transaction, in the same block) register: every land key
// and value is the same, history events included, except each event's
// tx_hash (it names the transaction that carried the parcel); outside
// land, only the clerk's account differs (one sequence used instead of
// n).
func TestRegisterParcelsEqualsSingles(t *testing.T) {
	clerk := apptest.DemoKey(t, "clerk")
	parcels := batchParcels(120)

	singles := newChain(t)
	var txs [][]byte
	for _, p := range parcels {
		txs = append(txs, singles.Tx(land.TypeRegisterParcel, p, clerk))
	}
	var singleIDs []string
	for i, r := range singles.Block(txs...).TxResults {
		singleIDs = append(singleIDs, apptest.MustOKResult(t, r))
		if want := fmt.Sprintf("P%d", i+1); singleIDs[i] != want {
			t.Fatalf("single %d: id %s, want %s", i, singleIDs[i], want)
		}
	}

	batch := newChain(t)
	res := batch.Block(batch.Tx(land.TypeRegisterParcels, land.MsgRegisterParcels{Parcels: parcels}, clerk)).TxResults[0]
	if ids := apptest.MustOKResult(t, res); ids != strings.Join(singleIDs, ",") {
		t.Fatalf("batch data %q, want %q", ids, strings.Join(singleIDs, ","))
	}
	// The batch emits each parcel's event, as the singles do.
	var registered int
	for _, e := range res.Events {
		if e.Type == "land.parcel_registered" {
			registered++
		}
	}
	if registered != len(parcels) {
		t.Fatalf("%d land.parcel_registered events, want %d", registered, len(parcels))
	}

	a, b := allState(singles), allState(batch)
	clerkAcct := "authority/account/" + apptest.Account(clerk)
	keys := slices.Sorted(maps.Keys(a))
	if !slices.Equal(keys, slices.Sorted(maps.Keys(b))) {
		t.Fatalf("the key sets differ: %d keys one by one, %d in a batch", len(a), len(b))
	}
	histories := 0
	for _, k := range keys {
		va, vb := a[k], b[k]
		switch {
		case strings.HasPrefix(k, "land/history/"):
			histories++
			va, vb = withoutTxHash(t, va), withoutTxHash(t, vb)
		case k == clerkAcct:
			continue // its sequence: n transactions against one
		}
		if va != vb {
			t.Errorf("%s differs:\none by one %s\nin a batch %s", k, va, vb)
		}
	}
	if histories != len(parcels) {
		t.Fatalf("%d history events, want %d", histories, len(parcels))
	}
	if sa, sb := singles.Sequence(clerk), batch.Sequence(clerk); sa != sb+uint64(len(parcels))-1 {
		t.Fatalf("clerk sequences %d (singles) and %d (batch)", sa, sb)
	}
	var p land.Parcel
	if !batch.Query("/land/parcel/P120", &p) || p.CadastralRef != "BATCH-0119" || p.Address != "120 Long Row" {
		t.Fatalf("P120: %+v", p)
	}
}

// withoutTxHash is a history event's JSON with tx_hash blanked.
func withoutTxHash(t *testing.T, v string) string {
	var e land.Event
	if err := json.Unmarshal([]byte(v), &e); err != nil {
		t.Fatal(err)
	}
	if len(e.TxHash) != 64 {
		t.Fatalf("event without a tx hash: %s", v)
	}
	e.TxHash = ""
	b, _ := json.Marshal(e)
	return string(b)
}

// Every refusal of a single registration refuses the whole batch with the
// same code, naming the parcel's index and reference; nothing of the
// batch is written (the clerk's sequence is used, as for any refused
// transaction).
func TestRegisterParcelsRefusals(t *testing.T) {
	c := newChain(t)
	clerk, alice := apptest.DemoKey(t, "clerk"), apptest.DemoKey(t, "citizen-alice")
	c.MustOK(land.TypeRegisterParcel, land.MsgRegisterParcel{CadastralRef: "OLD-1", Geometry: rect(0, 100_000, 1000, 101_000), Document: doc("old")}, clerk)
	good := batchParcels(5)
	with := func(i int, p land.MsgRegisterParcel) land.MsgRegisterParcels {
		ps := slices.Clone(good)
		ps[i] = p
		return land.MsgRegisterParcels{Parcels: ps}
	}
	bad := func(ref string, g land.Geometry) land.MsgRegisterParcel {
		return land.MsgRegisterParcel{CadastralRef: ref, Geometry: g, Document: doc(ref)}
	}
	cases := []struct {
		name  string
		msg   land.MsgRegisterParcels
		want  *errs.Error
		index int
		ref   string
		// stateless refusals come before authentication: no sequence used
		stateless bool
	}{
		{"bow-tie", with(3, bad("BOW-TIE", geom("[[[0,50000],[1000,51000],[1000,50000],[0,51000],[0,50000]]]"))), land.ErrBadGeometry, 3, "BOW-TIE", false},
		{"clockwise", with(1, bad("CW", geom("[[[0,50000],[0,51000],[1000,51000],[1000,50000],[0,50000]]]"))), land.ErrBadGeometry, 1, "CW", false},
		{"overlap with the register", with(4, bad("OVER-OLD", rect(500, 100_500, 1500, 101_500))), land.ErrOverlap, 4, "OVER-OLD", false},
		{"overlap earlier in the batch", with(2, bad("OVER-0", rect(500, 500, 700, 700))), land.ErrOverlap, 2, "OVER-0", false},
		{"reference in the register", with(0, bad("OLD-1", rect(0, 60_000, 1000, 61_000))), land.ErrDuplicateRef, 0, "OLD-1", false},
		{"reference earlier in the batch", with(4, bad("BATCH-0001", rect(0, 60_000, 1000, 61_000))), land.ErrDuplicateRef, 4, "BATCH-0001", false},
		{"invalid reference", with(2, bad("-bad", rect(0, 60_000, 1000, 61_000))), errs.InvalidMsg, 2, "-bad", true},
		{"bad document", with(1, land.MsgRegisterParcel{CadastralRef: "DOC", Geometry: rect(0, 60_000, 1000, 61_000), Document: "xyz"}), land.ErrBadDocument, 1, "DOC", true},
		{"not a polygon", with(3, bad("LINE", land.Geometry{Type: "LineString", CRS: "EPSG:32633", Coordinates: json.RawMessage("[[0,0],[1,1]]")})), land.ErrBadGeometry, 3, "LINE", true},
		{"wrong crs", with(0, land.MsgRegisterParcel{CadastralRef: "CRS", Geometry: land.Geometry{Type: "Polygon", CRS: "EPSG:4326",
			Coordinates: json.RawMessage("[[[0,60000],[1000,60000],[1000,61000],[0,60000]]]")}, Document: doc("crs")}), land.ErrBadGeometry, 0, "CRS", false},
	}
	before := landState(c)
	for _, tc := range cases {
		seq := c.Sequence(clerk)
		r := c.Do(land.TypeRegisterParcels, tc.msg, clerk)
		if !apptest.Check(t, tc.name, r, tc.want) {
			continue
		}
		if want := fmt.Sprintf("parcel %d (%s)", tc.index, tc.ref); !strings.Contains(r.Log, want) {
			t.Errorf("%s: log %q does not name %q", tc.name, r.Log, want)
		}
		if !maps.Equal(before, landState(c)) {
			t.Fatalf("%s: the refused batch wrote land keys", tc.name)
		}
		if tc.stateless {
			seq--
		}
		if got := c.Sequence(clerk); got != seq+1 {
			t.Errorf("%s: clerk sequence %d, want %d", tc.name, got, seq+1)
		}
	}
	t.Run("only a clerk", func(t *testing.T) {
		c.Expect(land.ErrNotClerk, land.TypeRegisterParcels, land.MsgRegisterParcels{Parcels: good}, alice)
	})
	t.Run("bound", func(t *testing.T) {
		c.Expect(errs.InvalidMsg, land.TypeRegisterParcels, land.MsgRegisterParcels{}, clerk)
		over := tinyParcels(land.MaxBatchParcels + 1)
		c.Expect(errs.InvalidMsg, land.TypeRegisterParcels, land.MsgRegisterParcels{Parcels: over}, clerk)
		if !maps.Equal(before, landState(c)) {
			t.Fatal("a refused batch wrote land keys")
		}
	})
	t.Run("accepted after the refusals", func(t *testing.T) {
		if ids := c.MustOK(land.TypeRegisterParcels, land.MsgRegisterParcels{Parcels: good}, clerk); ids != "P2,P3,P4,P5,P6" {
			t.Fatalf("ids %q", ids)
		}
	})
	t.Run("cadrefs query", func(t *testing.T) {
		var hits []land.CadRefHit
		c.List("/land/cadrefs/NOPE,BATCH-0003,OLD-1", &hits)
		if len(hits) != 2 || hits[0] != (land.CadRefHit{Ref: "BATCH-0003", Parcel: "P5"}) || hits[1] != (land.CadRefHit{Ref: "OLD-1", Parcel: "P1"}) {
			t.Fatalf("hits %+v", hits)
		}
	})
}

// The largest batch fits the message size limit with the smallest parcels.
func TestRegisterParcelsLargestBatch(t *testing.T) {
	c := newChain(t)
	ps := tinyParcels(land.MaxBatchParcels)
	body, _ := json.Marshal(land.MsgRegisterParcels{Parcels: ps})
	t.Logf("%d parcels: %d bytes", len(ps), len(body))
	ids := c.MustOK(land.TypeRegisterParcels, land.MsgRegisterParcels{Parcels: ps}, apptest.DemoKey(t, "clerk"))
	if n := strings.Count(ids, ",") + 1; n != land.MaxBatchParcels {
		t.Fatalf("%d ids", n)
	}
}
