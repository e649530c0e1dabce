package land_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/publica/publica/errs"
	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/x/land"
)

// batchTitles: one title per parcel P<first>..P<first+n-1>, freehold,
// alternately alice alone and alice and bob half and half.
func batchTitles(t *testing.T, first, n int) []land.MsgRegisterTitle {
	alice, bob := apptest.Account(apptest.DemoKey(t, "citizen-alice")), apptest.Account(apptest.DemoKey(t, "citizen-bob"))
	out := make([]land.MsgRegisterTitle, n)
	for i := range out {
		owners := []land.Share{{Party: alice, Share: "1"}}
		if i%2 == 1 {
			owners = []land.Share{{Party: bob, Share: "1/2"}, {Party: alice, Share: "1/2"}}
		}
		out[i] = land.MsgRegisterTitle{Parcels: []string{fmt.Sprintf("P%d", first+i)}, Owners: owners,
			Tenure: "freehold", Document: doc(fmt.Sprintf("grant %d", i))}
	}
	return out
}

// A batch of titles writes exactly what the same titles registered one by
// one write: every land key and value, history events included, but for
// each event's tx_hash; outside land only the clerk's sequence differs.
func TestRegisterTitlesEqualsSingles(t *testing.T) {
	clerk := apptest.DemoKey(t, "clerk")
	titles := batchTitles(t, 1, 120)
	parcels := land.MsgRegisterParcels{Parcels: batchParcels(120)}

	singles := newChain(t)
	singles.MustOK(land.TypeRegisterParcels, parcels, clerk)
	var txs [][]byte
	for _, m := range titles {
		txs = append(txs, singles.Tx(land.TypeRegisterTitle, m, clerk))
	}
	var singleIDs []string
	for _, r := range singles.Block(txs...).TxResults {
		singleIDs = append(singleIDs, apptest.MustOKResult(t, r))
	}

	batch := newChain(t)
	batch.MustOK(land.TypeRegisterParcels, parcels, clerk)
	res := batch.Block(batch.Tx(land.TypeRegisterTitles, land.MsgRegisterTitles{Titles: titles}, clerk)).TxResults[0]
	if ids := apptest.MustOKResult(t, res); ids != strings.Join(singleIDs, ",") || !strings.HasPrefix(ids, "T1,T2,") {
		t.Fatalf("batch data %q, want %q", ids, strings.Join(singleIDs, ","))
	}
	events := 0
	for _, e := range res.Events {
		if e.Type == "land.title_registered" {
			events++
		}
	}
	if events != len(titles) {
		t.Fatalf("%d land.title_registered events, want %d", events, len(titles))
	}
	a, b := allState(singles), allState(batch)
	keys := slices.Sorted(maps.Keys(a))
	if !slices.Equal(keys, slices.Sorted(maps.Keys(b))) {
		t.Fatalf("the key sets differ: %d keys one by one, %d in a batch", len(a), len(b))
	}
	for _, k := range keys {
		va, vb := a[k], b[k]
		switch {
		case strings.HasPrefix(k, "land/history/"):
			va, vb = withoutTxHash(t, va), withoutTxHash(t, vb)
		case k == "authority/account/"+apptest.Account(clerk):
			continue
		}
		if va != vb {
			t.Errorf("%s differs:\none by one %s\nin a batch %s", k, va, vb)
		}
	}
	var tt land.Title
	if !batch.Query("/land/title/T120", &tt) || tt.Parcels[0] != "P120" || len(tt.Owners) != 2 {
		t.Fatalf("T120: %+v", tt)
	}
}

// Every refusal of a single registration refuses the whole batch with the
// same code, naming the title's index and parcels, and writes no land
// key.
func TestRegisterTitlesRefusals(t *testing.T) {
	c := newChain(t)
	clerk, alice := apptest.DemoKey(t, "clerk"), apptest.DemoKey(t, "citizen-alice")
	c.MustOK(land.TypeRegisterParcels, land.MsgRegisterParcels{Parcels: batchParcels(8)}, clerk)
	c.MustOK(land.TypeRegisterTitle, batchTitles(t, 8, 1)[0], clerk) // P8 has title T1
	good := batchTitles(t, 1, 5)
	with := func(i int, f func(*land.MsgRegisterTitle)) land.MsgRegisterTitles {
		ts := slices.Clone(good)
		for j := range ts {
			ts[j].Owners = slices.Clone(ts[j].Owners)
		}
		f(&ts[i])
		return land.MsgRegisterTitles{Titles: ts}
	}
	cases := []struct {
		name    string
		msg     land.MsgRegisterTitles
		want    *errs.Error
		at      string
		inBlock bool // refused in the block (the sequence is used), not before
	}{
		{"shares not summing to one", with(3, func(m *land.MsgRegisterTitle) { m.Owners[0].Share = "1/3" }), land.ErrBadShares, "title 3 (P4)", false},
		{"malformed share", with(0, func(m *land.MsgRegisterTitle) { m.Owners[0].Share = "2/4" }), land.ErrBadShares, "title 0 (P1)", false},
		{"bad tenure", with(2, func(m *land.MsgRegisterTitle) { m.Tenure = "fee tail" }), errs.InvalidMsg, "title 2 (P3)", false},
		{"unknown parcel", with(4, func(m *land.MsgRegisterTitle) { m.Parcels = []string{"P99"} }), land.ErrUnknownParcel, "title 4 (P99)", true},
		{"parcel already titled", with(1, func(m *land.MsgRegisterTitle) { m.Parcels = []string{"P8"} }), land.ErrParcelTitled, "title 1 (P8)", true},
		{"parcel titled earlier in the batch", with(4, func(m *land.MsgRegisterTitle) { m.Parcels = []string{"P2"} }), land.ErrParcelTitled, "title 4 (P2)", true},
	}
	before := landState(c)
	for _, tc := range cases {
		seq := c.Sequence(clerk)
		r := c.Do(land.TypeRegisterTitles, tc.msg, clerk)
		if !apptest.Check(t, tc.name, r, tc.want) {
			continue
		}
		if !strings.Contains(r.Log, tc.at+": ") {
			t.Errorf("%s: log %q does not name %q", tc.name, r.Log, tc.at)
		}
		if !maps.Equal(before, landState(c)) {
			t.Fatalf("%s: the refused batch wrote land keys", tc.name)
		}
		if want := seq + map[bool]uint64{false: 0, true: 1}[tc.inBlock]; c.Sequence(clerk) != want {
			t.Errorf("%s: clerk sequence %d, want %d", tc.name, c.Sequence(clerk), want)
		}
	}
	c.Expect(land.ErrNotClerk, land.TypeRegisterTitles, land.MsgRegisterTitles{Titles: good}, alice)
	c.Expect(errs.InvalidMsg, land.TypeRegisterTitles, land.MsgRegisterTitles{}, clerk)
	over := make([]land.MsgRegisterTitle, land.MaxBatchTitles+1)
	for i := range over {
		over[i] = good[0]
	}
	c.Expect(errs.InvalidMsg, land.TypeRegisterTitles, land.MsgRegisterTitles{Titles: over}, clerk)
	// 17 titles of 60 parcels each name 1,020 parcels: over the bound.
	wide := make([]land.MsgRegisterTitle, 17)
	for i := range wide {
		wide[i] = good[0]
		wide[i].Parcels = nil
		for j := range 60 {
			wide[i].Parcels = append(wide[i].Parcels, fmt.Sprintf("P%d", 1+i*60+j))
		}
	}
	r := c.Do(land.TypeRegisterTitles, land.MsgRegisterTitles{Titles: wide}, clerk)
	if apptest.Check(t, "too many parcels", r, errs.InvalidMsg) && !strings.Contains(r.Log, "1020 parcels") {
		t.Errorf("log %q", r.Log)
	}
	if !maps.Equal(before, landState(c)) {
		t.Fatal("a refused batch wrote land keys")
	}
	if ids := c.MustOK(land.TypeRegisterTitles, land.MsgRegisterTitles{Titles: good}, clerk); ids != "T2,T3,T4,T5,T6" {
		t.Fatalf("ids %q", ids)
	}

	// What an import asks: which references are registered, on which
	// titles, held by whom.
	var hits []land.RefTitle
	c.List("/land/cadref-titles/NOPE,BATCH-0001,BATCH-0006,BATCH-0007", &hits)
	if len(hits) != 3 || hits[0].Ref != "BATCH-0001" || hits[0].Parcel != "P2" || hits[0].Title != "T3" || hits[0].Tenure != "freehold" ||
		len(hits[0].Owners) != 2 || hits[1].Parcel != "P7" || hits[1].Title != "" || hits[1].Owners != nil || hits[1].Status != land.StatusActive || hits[2].Title != "T1" {
		t.Fatalf("hits %+v", hits)
	}
	apptest.Check(t, "too many references", c.RawQuery(&abci.RequestQuery{Path: "/land/cadref-titles/" + strings.Repeat("A,", land.MaxRefTitles) + "A"}), land.ErrBadQuery)
	apptest.Check(t, "bad reference", c.RawQuery(&abci.RequestQuery{Path: "/land/cadref-titles/-x"}), land.ErrBadQuery)
}
