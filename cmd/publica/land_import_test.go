package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/publica/publica/client"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/landimport"
	"github.com/publica/publica/x/land"
)

// importFeature is one feature of a generated import file.
type importFeature struct {
	Type       string         `json:"type"`
	Properties map[string]any `json:"properties"`
	Geometry   any            `json:"geometry"`
}

// importSquare is a 10 m square polygon at (x, y) metres, counter-clockwise or
// (as shapefiles wind) clockwise.
func importSquare(x, y float64, clockwise bool) map[string]any {
	ring := [][2]float64{{x, y}, {x + 10, y}, {x + 10, y + 10}, {x, y + 10}, {x, y}}
	if clockwise {
		ring = [][2]float64{{x, y}, {x, y + 10}, {x + 10, y + 10}, {x + 10, y}, {x, y}}
	}
	return polygon(ring)
}

// polygon writes positions with three decimals, as a file in metres
// would have them.
func polygon(ring [][2]float64) map[string]any {
	out := make([][2]json.Number, len(ring))
	for i, p := range ring {
		out[i] = [2]json.Number{json.Number(fmt.Sprintf("%.3f", p[0])), json.Number(fmt.Sprintf("%.3f", p[1]))}
	}
	return map[string]any{"type": "Polygon", "coordinates": [][][2]json.Number{out}}
}

// importFile writes n parcels in rows of 20 near (500000 m, 6000000 m),
// the odd ones wound clockwise, with the bad features the test expects:
// 7 a bow-tie, 20 overlapping 19, 30 overlapping the registered OLD-1,
// 40 repeating 10's reference, 50 without geometry.
func importFile(t *testing.T, dir string, n int) string {
	t.Helper()
	var fs []importFeature
	for i := range n {
		x, y := 500000.005+float64(i%20)*10, 6000000+float64(i/20)*10
		f := importFeature{Type: "Feature", Properties: map[string]any{"LOT": fmt.Sprintf("IMP-%03d", i), "ADDR": fmt.Sprintf("%d Import Road", i)},
			Geometry: importSquare(x, y, i%2 == 1)}
		switch i {
		case 7:
			f.Geometry = polygon([][2]float64{{x, y}, {x + 10, y + 10}, {x + 10, y}, {x, y + 10}, {x, y}})
		case 20:
			f.Geometry = importSquare(500000.005+19*10+5, 6000000, false) // feature 19 is at row 0, column 19
		case 30:
			f.Geometry = importSquare(400000, 6000000, false)
		case 40:
			f.Properties["LOT"] = "IMP-010"
		case 50:
			f.Geometry = nil
		case 60:
			f.Properties["LOT"] = 60 // ogr2ogr writes integer fields as numbers
		}
		fs = append(fs, f)
	}
	b, err := json.Marshal(map[string]any{"type": "FeatureCollection", "name": "parcels",
		"crs":      map[string]any{"type": "name", "properties": map[string]any{"name": "urn:ogc:def:crs:EPSG::32633"}},
		"features": fs})
	if err != nil {
		t.Fatal(err)
	}
	return writeFile(t, dir, "parcels.geojson", string(b))
}

func TestLandImport(t *testing.T) {
	home, n := devNode(t)
	c, err := client.New(n.RPCAddress())
	if err != nil {
		t.Fatal(err)
	}
	clerk := testnode.DemoKey(t, "clerk")
	// Registered before the import: OLD-1 under feature 30, and feature
	// 61's reference (so it is skipped).
	testnode.Send(t, c, land.TypeRegisterParcel, land.MsgRegisterParcel{CadastralRef: "OLD-1", Document: strings.Repeat("ab", 32),
		Geometry: land.Geometry{Type: "Polygon", CRS: "EPSG:32633", Coordinates: json.RawMessage("[[[39999500,599999500],[40000500,599999500],[40000500,600000500],[39999500,600000500],[39999500,599999500]]]")}}, clerk)
	testnode.Send(t, c, land.TypeRegisterParcel, land.MsgRegisterParcel{CadastralRef: "IMP-061", Document: strings.Repeat("ab", 32),
		Geometry: land.Geometry{Type: "Polygon", CRS: "EPSG:32633", Coordinates: json.RawMessage("[[[100,100],[200,100],[200,200],[100,100]]]")}}, clerk)

	dir := t.TempDir()
	file := importFile(t, dir, 300)
	mapping := writeFile(t, dir, "mapping.json", `{"cadastral_ref":"LOT","address":"ADDR"}`)
	report := filepath.Join(dir, "report.json")
	out := mustCLI(t, home, "land", "import", file, "--from", "clerk", "--mapping", mapping, "--batch", "64", "--in-flight", "3",
		"--report", report, "--progress", "lines")
	t.Log(out)
	var rep landimport.Report
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Features != 300 || rep.Registered != 294 || rep.Skipped != 1 || rep.Refused != 5 {
		t.Fatalf("report %+v", rep)
	}
	want := []struct {
		index  int
		ref    string
		reason string
	}{
		{7, "IMP-007", "invalid geometry: "},
		{20, "IMP-020", "overlaps feature 19 (IMP-019) of the file"},
		{30, "IMP-030", "parcel overlaps an active parcel: overlaps active parcel P1 (OLD-1)"},
		{40, "IMP-010", `"IMP-010" is also feature 10 of the file`},
		{50, "IMP-050", "missing geometry"},
	}
	for i, w := range want {
		got := rep.Refusals[i]
		if got.Index != w.index || got.Ref != w.ref || !strings.Contains(got.Reason, w.reason) {
			t.Errorf("refusal %d: %+v, want %d %s %q", i, got, w.index, w.ref, w.reason)
		}
		if !strings.Contains(out, fmt.Sprintf("refused feature %d %s: ", w.index, w.ref)) {
			t.Errorf("the printed report does not list feature %d", w.index)
		}
	}

	// The state: each reference once; coordinates in centimetres, rounded half away from zero
	// (500000.005 m → 50000001 cm), every ring counter-clockwise.
	ctx := context.Background()
	count := func(prefix string) int {
		res, err := c.Query(ctx, "/land/cadref-prefix/"+prefix, nil, 0, false)
		if err != nil {
			t.Fatal(err)
		}
		var hits []land.CadRefHit
		json.Unmarshal(res.Value, &hits)
		return len(hits)
	}
	// IMP-000..IMP-299 but for the 5 refused and feature 60's ("60").
	if got := count("IMP-"); got != 294 {
		t.Fatalf("%d IMP- parcels registered, want 294", got)
	}
	parcelByRef := func(ref string) land.Parcel {
		res, err := c.Query(ctx, "/land/cadref/"+ref, nil, 0, false)
		if err != nil || res.Value == nil {
			t.Fatalf("cadref %s: %v", ref, err)
		}
		res, err = c.Query(ctx, "/land/parcel/"+string(res.Value), nil, 0, false)
		if err != nil {
			t.Fatal(err)
		}
		var p land.Parcel
		if err := json.Unmarshal(res.Value, &p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	p0, p1 := parcelByRef("IMP-000"), parcelByRef("IMP-001")
	if string(p0.Geometry.Coordinates) != "[[[50000001,600000000],[50001001,600000000],[50001001,600001000],[50000001,600001000],[50000001,600000000]]]" ||
		p0.Address != "0 Import Road" || p0.AreaM2 != "100" {
		t.Fatalf("IMP-000: %+v %s", p0, p0.Geometry.Coordinates)
	}
	if !strings.HasPrefix(string(p1.Geometry.Coordinates), "[[[50001001,600000000],[50002001,600000000]") {
		t.Fatalf("IMP-001 (clockwise in the file) registered as %s", p1.Geometry.Coordinates)
	}
	if p := parcelByRef("60"); p.Address != "60 Import Road" {
		t.Fatalf("feature 60 (numeric reference): %+v", p)
	}

	// Run again: everything registered is skipped, nothing new.
	out = mustCLI(t, home, "land", "import", file, "--from", "clerk", "--mapping", mapping, "--progress", "none")
	if !strings.Contains(out, "300 features: 0 registered, 295 skipped (already registered), 5 refused") {
		t.Fatalf("second run: %s", out)
	}
	if got := count("IMP-"); got != 294 {
		t.Fatalf("%d IMP- parcels after the second run, want 294", got)
	}
}

// An import of what ogr2ogr writes from a GeoPackage (and a CSV made
// from it), when GDAL is installed (PUBLICA_REQUIRE_GDAL=1 makes its
// absence a failure).
func TestLandImportFromOGR2OGR(t *testing.T) {
	if _, err := exec.LookPath("ogr2ogr"); err != nil {
		if os.Getenv("PUBLICA_REQUIRE_GDAL") == "1" {
			t.Fatal("ogr2ogr (gdal-bin) is not installed and PUBLICA_REQUIRE_GDAL=1")
		}
		t.Skip("ogr2ogr (gdal-bin) is not installed")
	}
	dir := t.TempDir()
	// A CSV of WKT outlines, shapefile-style (clockwise), into a
	// GeoPackage, and the GeoPackage into GeoJSON.
	var csv strings.Builder
	csv.WriteString("LOT_NO,ADDR,WKT\n")
	for i := range 50 {
		x, y := 500000.0+float64(i%10)*12.5, 6000000.0+float64(i/10)*12.5
		fmt.Fprintf(&csv, "G-%02d,\"%d Gdal Lane\",\"POLYGON ((%.3f %.3f,%.3f %.3f,%.3f %.3f,%.3f %.3f,%.3f %.3f))\"\n", i, i,
			x, y, x, y+12.5, x+12.5, y+12.5, x+12.5, y, x, y)
	}
	csvFile := writeFile(t, dir, "parcels.csv", csv.String())
	gpkg, geojson := filepath.Join(dir, "parcels.gpkg"), filepath.Join(dir, "parcels.geojson")
	run := func(args ...string) {
		if out, err := exec.Command("ogr2ogr", args...).CombinedOutput(); err != nil {
			t.Fatalf("ogr2ogr %v: %v\n%s", args, err, out)
		}
	}
	run("-f", "GPKG", gpkg, csvFile, "-a_srs", "EPSG:32633", "-oo", "GEOM_POSSIBLE_NAMES=WKT", "-oo", "KEEP_GEOM_COLUMNS=NO", "-nln", "parcels")
	run("-f", "GeoJSON", geojson, gpkg, "parcels")

	home, _ := devNode(t)
	out := mustCLI(t, home, "land", "import", geojson, "--from", "clerk", "--ref-property", "LOT_NO", "--address-property", "ADDR", "--progress", "none")
	if !strings.Contains(out, "50 features: 50 registered, 0 skipped (already registered), 0 refused") {
		t.Fatalf("import: %s", out)
	}
	res := mustCLI(t, home, "query", "land", "cadref", "G-49")
	if !strings.Contains(res, "P50") {
		t.Fatalf("G-49: %s", res)
	}
}

// The sample the docs and README use imports on a development node.
func TestLandImportSample(t *testing.T) {
	home, _ := devNode(t)
	out := mustCLI(t, home, "land", "import", "../../samples/parcels.geojson", "--from", "clerk", "--progress", "none")
	if !strings.Contains(out, "7 features: 7 registered, 0 skipped (already registered), 0 refused") {
		t.Fatalf("import: %s", out)
	}
	var p land.Parcel
	if err := json.Unmarshal([]byte(mustCLI(t, home, "query", "land", "parcel", "P6")), &p); err != nil {
		t.Fatal(err)
	}
	// The farm: 60 m × 40 m around a 20 m × 20 m courtyard.
	if p.CadastralRef != "SAMPLE-6" || p.AreaM2 != "2000" {
		t.Fatalf("P6: %+v", p)
	}
}
