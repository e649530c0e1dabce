package land_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/x/land"
)

// TestGeometryCarriesNoCRS: a stored and served parcel geometry is plain
// GeoJSON (type and coordinates): the CRS is the registry's, declared in
// the params. A message may still name the registry's CRS (older
// clients), but no other.
func TestGeometryCarriesNoCRS(t *testing.T) {
	c := newChain(t)
	clerk := apptest.DemoKey(t, "clerk")
	c.MustOK(land.TypeRegisterParcel, land.MsgRegisterParcel{CadastralRef: "NOCRS-1", Geometry: rect(0, 0, 1000, 1000), Document: doc("p")}, clerk)
	plain := land.Geometry{Type: "Polygon", Coordinates: json.RawMessage("[[[2000,0],[3000,0],[3000,1000],[2000,1000],[2000,0]]]")}
	c.MustOK(land.TypeRegisterParcel, land.MsgRegisterParcel{CadastralRef: "NOCRS-2", Geometry: plain, Document: doc("p")}, clerk)
	for _, id := range []string{"P1", "P2"} {
		var raw string
		c.Query("/land/parcel/"+id, &raw)
		var rec map[string]json.RawMessage
		if err := json.Unmarshal([]byte(raw), &rec); err != nil {
			t.Fatal(err)
		}
		var g map[string]json.RawMessage
		if err := json.Unmarshal(rec["geometry"], &g); err != nil {
			t.Fatal(err)
		}
		if _, has := g["crs"]; has || len(g) != 2 {
			t.Errorf("%s geometry %s: want only type and coordinates", id, rec["geometry"])
		}
	}
	other := plain
	other.CRS = "EPSG:25833"
	other.Coordinates = json.RawMessage("[[[4000,0],[5000,0],[5000,1000],[4000,1000],[4000,0]]]")
	c.Expect(land.ErrBadGeometry, land.TypeRegisterParcel, land.MsgRegisterParcel{CadastralRef: "NOCRS-3", Geometry: other, Document: doc("p")}, clerk)
}

func TestLookupCRS(t *testing.T) {
	for s, name := range map[string]string{"EPSG:32633": "WGS 84 / UTM zone 33N", "EPSG:32760": "WGS 84 / UTM zone 60S", "EPSG:25832": "ETRS89 / UTM zone 32N"} {
		c, err := land.LookupCRS(s)
		if err != nil || c.Name != name || c.EPSG() != s {
			t.Errorf("%s: %+v %v", s, c, err)
		}
	}
	for _, s := range []string{"", "EPSG:4326", "EPSG:3857", "EPSG:032633", "epsg:32633", "EPSG:32633 ", "EPSG:-1", "EPSG:", "urn:ogc:def:crs:EPSG::32633", "EPSG:99999999999999999999"} {
		if _, err := land.LookupCRS(s); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
	p := land.DefaultParams()
	p.CRS = "EPSG:4326"
	if err := p.Validate(); err == nil || !strings.Contains(err.Error(), "not a supported projected system") {
		t.Errorf("params in EPSG:4326: %v", err)
	}
}

// TestParcelsPage: pages of whole parcels through the grid for a small
// box and by key for a box the grid refuses (the whole extent), with
// cursors that visit every active parcel once; retired parcels and bad
// paths are left out or refused.
func TestParcelsPage(t *testing.T) {
	c := newChain(t)
	clerk := apptest.DemoKey(t, "clerk")
	const n = 12
	for i := range n {
		x := int64(i) * 200_000 // 2 km apart: one grid cell each
		c.MustOK(land.TypeRegisterParcel, land.MsgRegisterParcel{CadastralRef: fmt.Sprintf("PG-%d", i+1), Geometry: rect(x, 0, x+1000, 1000), Document: doc("p")}, clerk)
	}
	all := func(box string, limit int) []string {
		var ids []string
		after := ""
		var prev []string
		for range 100 {
			var page land.ParcelPage
			path := fmt.Sprintf("/land/parcels/%s/%d", box, limit)
			if after != "" {
				path += "/" + after
			}
			c.List(path, &page)
			if prev != nil && len(page.Parcels) > 0 {
				// Back from this page's first parcel: the page before.
				var back land.ParcelPage
				c.List(fmt.Sprintf("/land/parcels-before/%s/%d/%s", box, limit, page.Parcels[0].ID), &back)
				var got []string
				for _, p := range back.Parcels {
					got = append(got, p.ID)
				}
				if !slices.Equal(got, prev) || (back.Next == "") != (len(ids) == len(prev)) {
					t.Errorf("page before %s: %v next %q, want %v", page.Parcels[0].ID, got, back.Next, prev)
				}
			}
			prev = []string{}
			for _, p := range page.Parcels {
				prev = append(prev, p.ID)
			}
			if len(page.Parcels) > limit {
				t.Fatalf("%s: %d parcels", path, len(page.Parcels))
			}
			for _, p := range page.Parcels {
				ids = append(ids, p.ID)
				if p.Geometry.Type != "Polygon" || p.AreaM2 != "100" {
					t.Errorf("%s: %+v", p.ID, p)
				}
			}
			if page.Next == "" {
				return ids
			}
			after = page.Next
		}
		t.Fatal("paging did not end")
		return nil
	}
	whole := all("-2000000000/-2000000000/2000000000/2000000000", 5) // 10^8 cells: by key
	slices.Sort(whole)
	if len(whole) != n || slices.Compact(whole) == nil || len(slices.Compact(slices.Clone(whole))) != n {
		t.Fatalf("whole extent: %v", whole)
	}
	grid := all("0/0/700000/500", 2) // 8 cells: through the grid
	if !slices.Equal(grid, []string{"P1", "P2", "P3", "P4"}) {
		t.Fatalf("grid box: %v", grid)
	}
	if got := all("5000000/5000000/6000000/6000000", 3); len(got) != 0 {
		t.Fatalf("empty box: %v", got)
	}
	for _, path := range []string{"/land/parcels/0/0/1/1/0", "/land/parcels/0/0/1/1/1001", "/land/parcels/1/0/0/1/10", "/land/parcels/a/0/1/1/10",
		"/land/parcels/0/0/1/1/10/X1", "/land/parcels/0/0/1/1/10/P01"} {
		res := c.RawQuery(&abci.RequestQuery{Path: path})
		if res.Code != land.ErrBadQuery.Code || res.Codespace != land.Codespace {
			t.Errorf("%s: %s/%d %s", path, res.Codespace, res.Code, res.Log)
		}
	}
}
