package landimport

import (
	"fmt"
	"strings"
	"testing"

	"github.com/publica/publica/x/land"
)

// Metres become integer units by exact decimal arithmetic, halves away
// from zero; the fast path and the exact path agree.
func TestToUnits(t *testing.T) {
	for _, c := range []struct {
		s     string
		units int64
		want  int64
	}{
		{"500000.005", 100, 50000001},
		{"500000.00499999", 100, 50000000},
		{"-12.345", 100, -1235},
		{"-12.344", 100, -1234},
		{"0", 100, 0},
		{"-0.004", 100, 0},
		{"1e3", 100, 100000},
		{"1.5E-2", 100, 2},
		{"6000000.125456789012", 100, 600000013},
		{"7", 1, 7},
		{"0.5", 1, 1},
		{"-0.5", 1, -1},
	} {
		got, err := toUnits(c.s, c.units)
		if err != nil || got != c.want {
			t.Errorf("toUnits(%q, %d) = %d, %v; want %d", c.s, c.units, got, err, c.want)
		}
	}
	for _, bad := range []string{"1e400", "abc", "20000000"} {
		if v, err := toUnits(bad, 100); err == nil {
			t.Errorf("toUnits(%q) = %d, want an error", bad, v)
		}
	}
}

// A file whose coordinate system differs from the registry's, or that
// names none without --crs, is refused as a whole.
func TestReadCRS(t *testing.T) {
	p := land.DefaultParams()
	empty := `{"type":"FeatureCollection","features":[]}`
	if _, err := Read([]byte(empty), Mapping{}, p, ""); err == nil {
		t.Error("a file without crs and no --crs was accepted")
	}
	if _, err := Read([]byte(empty), Mapping{CRS: "EPSG:32633"}, p, ""); err != nil {
		t.Error(err)
	}
	other := `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::25833"}},"features":[]}`
	if _, err := Read([]byte(other), Mapping{}, p, ""); err == nil {
		t.Error("a file in EPSG:25833 was accepted for an EPSG:32633 registry")
	}
	wgs := `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:OGC:1.3:CRS84"}},"features":[]}`
	if _, err := Read([]byte(wgs), Mapping{}, p, ""); err == nil {
		t.Error("a file in longitude/latitude was accepted")
	}
}

// CellLoad counts parcels per occupied index cell.
func TestCellLoad(t *testing.T) {
	p := land.DefaultParams()
	var b []byte
	b = append(b, `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::32633"}},"features":[`...)
	for i := range 100 {
		if i > 0 {
			b = append(b, ',')
		}
		x := 500000 + 10*i // ten per cell column... all within one 1 km cell
		b = fmt.Appendf(b, `{"type":"Feature","properties":{"cadastral_ref":"C%d"},"geometry":{"type":"Polygon","coordinates":[[[%d.1,6000000.1],[%d.9,6000000.1],[%d.9,6000009.9],[%d.1,6000000.1]]]}}`, i, x, x, x, x)
	}
	b = append(b, "]}"...)
	fs, err := Read(b, Mapping{}, p, strings.Repeat("ab", 32))
	if err != nil {
		t.Fatal(err)
	}
	if got := CellLoad(fs, p); got != 100 {
		t.Fatalf("load %v, want 100", got)
	}
	p.GridCell = 10_000 // 100 m: ten parcels a cell
	if got := CellLoad(fs, p); got != 10 {
		t.Fatalf("load %v, want 10", got)
	}
}
