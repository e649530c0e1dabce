package land_test

import (
	"slices"
	"strings"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/publica/publica/proof"
	"github.com/publica/publica/x/land"
)

// TestAddressIndex: active parcels are found by the words of their
// address from any of its first words, case and punctuation aside, each
// parcel once; a subdivided parcel leaves the index and its children
// join it; a correction moves the parcel to its new address; each entry
// is a state key proven against the app hash; a query with no letter or
// digit is refused.
func TestAddressIndex(t *testing.T) {
	f := setup(t)
	c := f.c
	for i, a := range []string{"1 Mill Lane, Millbrook", "3 Mill Lane, Millbrook", "12 High Street, Millbrook"} {
		x := int64(2000 + 1000*i)
		c.MustOK(land.TypeRegisterParcel, land.MsgRegisterParcel{CadastralRef: "AD-" + string(rune('1'+i)), Address: a,
			Geometry: rect(x, 0, x+1000, 1000), Document: doc("plan " + a)}, f.clerk)
	}
	find := func(q string) []string {
		t.Helper()
		var hits []land.AddressHit
		c.List("/land/address/"+q, &hits)
		var ids []string
		for _, h := range hits {
			ids = append(ids, h.Parcel)
		}
		return ids
	}
	for q, want := range map[string][]string{
		"mill lane":           {"P2", "P3"},
		"MILL":                {"P2", "P3", "P4"}, // "mill lane millbrook" and "millbrook" begin so: each parcel once
		"Millbrook":           {"P2", "P3", "P4"},
		"high  street,":       {"P4"},
		"1 mill lane":         {"P2"},
		"12 high street mill": {"P4"},
		"low street":          nil,
	} {
		if got := find(q); !slices.Equal(got, want) {
			t.Errorf("address %q finds %v, want %v", q, got, want)
		}
	}
	res := c.RawQuery(&abci.RequestQuery{Path: "/key", Data: land.AddressKey("mill lane millbrook", "P2"), Prove: true})
	if res.Code != 0 || string(res.Value) != "1" {
		t.Fatalf("address entry: code %d value %q %s", res.Code, res.Value, res.Log)
	}
	if err := proof.Verify(c.AppHash(), res.ProofOps, res.Key, res.Value); err != nil {
		t.Errorf("address entry proof: %v", err)
	}

	c.MustOK(land.TypeSubdivide, land.MsgSubdivide{Parcel: "P3", Children: []land.ChildParcel{
		{CadastralRef: "AD-2A", Address: "3a Mill Lane", Geometry: rect(3000, 0, 3500, 1000)},
		{CadastralRef: "AD-2B", Address: "3b Mill Lane", Geometry: rect(3500, 0, 4000, 1000)}}, Tolerance: "0", Document: doc("split")}, f.clerk)
	if got := find("mill lane"); !slices.Equal(got, []string{"P2", "P5", "P6"}) {
		t.Errorf("after the subdivision %v", got)
	}
	addr := "2 Church Road"
	c.MustOK(land.TypeCorrect, land.MsgCorrect{Parcel: "P4", Address: &addr, Reason: "wrong street", Document: doc("fix")}, f.clerk)
	if got := find("high street"); got != nil {
		t.Errorf("corrected parcel still found at its old address: %v", got)
	}
	if got := find("church"); !slices.Equal(got, []string{"P4"}) {
		t.Errorf("corrected parcel at its new address: %v", got)
	}
	bad := c.RawQuery(&abci.RequestQuery{Path: "/land/address/ ,;"})
	if bad.Code == 0 || !strings.Contains(bad.Log, "letter or digit") {
		t.Errorf("a query of punctuation: code %d %s", bad.Code, bad.Log)
	}
}

func TestNormalizeAddress(t *testing.T) {
	for in, want := range map[string]string{"  1 Mill Lane,  Millbrook ": "1 mill lane millbrook", "Straße 5/7": "straße 5 7", "": "", ",.;": ""} {
		if got := land.NormalizeAddress(in); got != want {
			t.Errorf("NormalizeAddress(%q) = %q, want %q", in, got, want)
		}
	}
}
