package features_test

import (
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/publica/publica/internal/apptest/browser"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/web"
	"github.com/publica/publica/x/land"
	"github.com/publica/publica/x/land/geojson"
)

const storage = "http://www.opengis.net/def/crs/EPSG/0/32633"

// parcelsAround are test parcels near 400 km E, 5,800 km N in UTM 33N
// (about 13.5° E, 52.3° N), in centimetres: squares, a triangle, a
// parcel with a hole, a two-part MultiPolygon and an irregular outline.
func parcelsAround() []land.MsgRegisterParcel {
	const x0, y0 = 40_000_000, 580_000_000
	ring := func(pts ...[2]int64) string {
		var s []string
		for _, p := range append(pts, pts[0]) {
			s = append(s, fmt.Sprintf("[%d,%d]", x0+p[0], y0+p[1]))
		}
		return "[" + strings.Join(s, ",") + "]"
	}
	sq := func(x, y, w int64) string {
		return ring([2]int64{x, y}, [2]int64{x + w, y}, [2]int64{x + w, y + w}, [2]int64{x, y + w})
	}
	geoms := []land.Geometry{
		{Type: "Polygon", Coordinates: json.RawMessage("[" + sq(0, 0, 10_000) + "]")},
		{Type: "Polygon", Coordinates: json.RawMessage("[" + sq(10_000, 0, 2_537) + "]")},
		{Type: "Polygon", Coordinates: json.RawMessage("[" + ring([2]int64{20_000, 0}, [2]int64{27_001, 0}, [2]int64{23_333, 9_999}) + "]")},
		{Type: "Polygon", Coordinates: json.RawMessage("[" + sq(30_000, 0, 20_000) + "," +
			ring([2]int64{35_000, 5_000}, [2]int64{35_000, 9_000}, [2]int64{39_000, 9_000}, [2]int64{39_000, 5_000}) + "]")},
		{Type: "MultiPolygon", Coordinates: json.RawMessage("[[" + sq(0, 30_000, 5_000) + "],[" + sq(10_000, 30_000, 7_001) + "]]")},
		{Type: "Polygon", Coordinates: json.RawMessage("[" + ring([2]int64{100_000, 100_000}, [2]int64{145_123, 101_001}, [2]int64{150_000, 160_007},
			[2]int64{120_777, 170_000}, [2]int64{101_010, 149_999}) + "]")},
		{Type: "Polygon", Coordinates: json.RawMessage("[" + sq(5_000_000, 5_000_000, 300_000) + "]")}, // 3 km square, 50 km away
	}
	h := sha256.Sum256([]byte("survey plan"))
	var out []land.MsgRegisterParcel
	for i, g := range geoms {
		out = append(out, land.MsgRegisterParcel{CadastralRef: fmt.Sprintf("OAPI-%d", i+1), Geometry: g,
			Address: fmt.Sprintf("%d Feature Street", i+1), Document: hex.EncodeToString(h[:])})
	}
	return out
}

type featureCollection struct {
	Type     string
	Features []struct {
		ID       string
		Geometry struct {
			Type        string
			Coordinates json.RawMessage
		}
		BBox       []float64
		Properties geojson.Properties
	}
	Links []struct{ Href, Rel, Type string }
	CRS   json.RawMessage
}

func getJSON(t *testing.T, u string, wantStatus int, v any) browser.Response {
	t.Helper()
	r := browser.Get(t, u)
	if r.Code != wantStatus {
		t.Fatalf("GET %s: %d, want %d\n%s", u, r.Code, wantStatus, r.Body)
	}
	if v != nil {
		if err := json.Unmarshal([]byte(r.Body), v); err != nil {
			t.Fatalf("GET %s: %v\n%s", u, err, r.Body)
		}
	}
	return r
}

// TestFeaturesAPI runs a real node and portal, registers parcels and
// reads them through the OGC API: paging both ways, bbox in both CRSs,
// datetime, single items, the bulk download, and the refusals.
func TestFeaturesAPI(t *testing.T) {
	base, msgs, mid := startRegister(t)
	api := base + "/features"

	var landing struct{ Links []struct{ Href, Rel string } }
	getJSON(t, api, 200, &landing)
	rels := map[string]string{}
	for _, l := range landing.Links {
		rels[l.Rel] = l.Href
	}
	for _, r := range []string{"self", "service-desc", "conformance", "data"} {
		if rels[r] == "" {
			t.Errorf("landing page lacks a %s link: %+v", r, landing.Links)
		}
	}
	var conf struct{ ConformsTo []string }
	getJSON(t, api+"/conformance", 200, &conf)
	if !slices.Contains(conf.ConformsTo, "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs") {
		t.Errorf("conformance: %v", conf.ConformsTo)
	}
	var coll struct {
		ID, StorageCrs string
		CRS            []string
	}
	getJSON(t, api+"/collections/parcels", 200, &coll)
	if coll.ID != "parcels" || coll.StorageCrs != storage || !slices.Contains(coll.CRS, geojson.CRS84) {
		t.Errorf("collection: %+v", coll)
	}
	var oas map[string]any
	getJSON(t, api+"/api", 200, &oas)
	if oas["openapi"] != "3.0.3" {
		t.Errorf("openapi: %v", oas["openapi"])
	}

	// Paging forward two at a time, then back through prev links.
	var ids []string
	var pages []string
	u := api + "/collections/parcels/items?limit=2"
	for u != "" {
		var fc featureCollection
		r := getJSON(t, u, 200, &fc)
		if ct := r.Header.Get("Content-Type"); ct != "application/geo+json" || r.Header.Get("Content-Crs") != "<"+geojson.CRS84+">" {
			t.Fatalf("items headers: %v", r.Header)
		}
		pages = append(pages, u)
		var page []string
		for _, f := range fc.Features {
			page = append(page, f.ID)
		}
		ids = append(ids, page...)
		u = ""
		for _, l := range fc.Links {
			if l.Rel == "next" {
				u = l.Href
			}
			if l.Rel == "prev" && len(pages) > 1 {
				var back featureCollection
				getJSON(t, l.Href, 200, &back)
				if len(back.Features) != 2 {
					t.Errorf("prev of %s: %d features", pages[len(pages)-1], len(back.Features))
				}
			}
		}
		if len(pages) > 10 {
			t.Fatal("paging does not end")
		}
	}
	if len(ids) != len(msgs) || len(pages) != (len(msgs)+1)/2 {
		t.Fatalf("paged %v over %d pages", ids, len(pages))
	}

	// bbox in longitude/latitude and in the storage CRS: the far square only.
	for _, q := range []string{"bbox=14.2,52.75,14.35,52.85", "bbox=440000,5840000,460000,5860000&bbox-crs=" + url.QueryEscape(storage),
		"bbox=449000,5849000,451000,5851000&bbox-crs=%5BEPSG%3A32633%5D"} {
		var fc featureCollection
		getJSON(t, api+"/collections/parcels/items?"+q, 200, &fc)
		if len(fc.Features) != 1 || fc.Features[0].Properties.CadastralRef != "OAPI-7" {
			t.Errorf("%s: %d features", q, len(fc.Features))
		}
	}
	// The whole world is the whole register, not a refusal.
	var fc featureCollection
	getJSON(t, api+"/collections/parcels/items?bbox=-180,-90,180,90&limit=1000", 200, &fc)
	if len(fc.Features) != len(msgs) {
		t.Errorf("world bbox: %d features", len(fc.Features))
	}
	// The register at a past instant: the first three parcels.
	getJSON(t, api+"/collections/parcels/items?datetime="+url.QueryEscape(mid.Format(time.RFC3339Nano)), 200, &fc)
	if len(fc.Features) != 3 {
		t.Errorf("datetime %s: %d features", mid, len(fc.Features))
	}

	// One parcel, projected: exact metres and the crs member GDAL reads.
	var one struct {
		ID       string
		Geometry struct{ Coordinates [][][2]float64 }
		CRS      struct{ Properties struct{ Name string } }
	}
	r := getJSON(t, api+"/collections/parcels/items/P1?crs="+url.QueryEscape(storage), 200, &one)
	if one.ID != "P1" || one.Geometry.Coordinates[0][1] != [2]float64{400100, 5800000} || one.CRS.Properties.Name != "urn:ogc:def:crs:EPSG::32633" ||
		r.Header.Get("Content-Crs") != "<"+storage+">" || r.Header.Get("Publica-App-Hash") == "" {
		t.Errorf("projected item: %+v %v", one, r.Header)
	}
	getJSON(t, api+"/collections/parcels/items/P99", 404, nil)

	// Bulk download, both ways.
	for _, q := range []string{"", "?crs=" + url.QueryEscape(storage)} {
		var all featureCollection
		r := getJSON(t, api+"/collections/parcels/download"+q, 200, &all)
		if len(all.Features) != len(msgs) || !strings.Contains(r.Header.Get("Content-Disposition"), "attachment") || (q != "") != (all.CRS != nil) {
			t.Errorf("download%s: %d features, crs %s, %v", q, len(all.Features), all.CRS, r.Header)
		}
	}

	// Bad parameters: 400 with an OGC exception, never a crash.
	for _, q := range []string{"limit=0", "limit=x", "bbox=1,2,3", "bbox=a,b,c,d", "bbox=3,0,1,1", "crs=EPSG:4326", "bbox-crs=foo&bbox=1,1,2,2",
		"datetime=yesterday", "datetime=2020-01-01T00:00:00Z/..", "height=0", "height=x", "cursor=X1", "before=P0", "cursor=P1&before=P2",
		"height=1&datetime=2020-01-01T00:00:00Z", "colour=red", "f=html", "bbox=NaN,0,1,1", "limit=1&limit=2"} {
		var ex struct{ Code, Description string }
		getJSON(t, api+"/collections/parcels/items?"+q, 400, &ex)
		if ex.Code == "" || ex.Description == "" {
			t.Errorf("%s: %+v", q, ex)
		}
	}
	getJSON(t, api+"/collections/parcels/items?datetime=1999-01-01T00:00:00Z", 404, nil)
	getJSON(t, api+"/collections/parcels/items?height=99999999", 404, nil)
	getJSON(t, api+"/collections/roads", 404, nil)
}

// startRegister starts a node and a portal and registers the parcels:
// three, a pause (mid), the rest.
func startRegister(t *testing.T) (base string, msgs []land.MsgRegisterParcel, mid time.Time) {
	t.Helper()
	home := testnode.InitHome(t)
	n, c := testnode.Start(t, home)
	clerk := testnode.DemoKey(t, "clerk")
	msgs = parcelsAround()
	for i, m := range msgs {
		if i == 3 {
			time.Sleep(500 * time.Millisecond)
			mid = time.Now().UTC()
			time.Sleep(500 * time.Millisecond)
		}
		testnode.Send(t, c, land.TypeRegisterParcel, m, clerk)
	}
	h, err := c.LatestHeight(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	testnode.WaitHeight(t, c, h+2)
	return browser.Serve(t, n, web.Options{}), msgs, mid
}

func needGDAL(t *testing.T) {
	for _, tool := range []string{"ogrinfo", "ogr2ogr"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("PUBLICA_REQUIRE_GDAL") == "1" {
				t.Fatalf("%s (gdal-bin) is not installed and PUBLICA_REQUIRE_GDAL=1", tool)
			}
			t.Skipf("%s (gdal-bin) is not installed (scripts/install-gdal.sh)", tool)
		}
	}
}

func gdal(t *testing.T, tool string, args ...string) string {
	t.Helper()
	cmd := exec.Command(tool, args...)
	cmd.Env = append(os.Environ(), "GDAL_HTTP_TIMEOUT=30", "CPL_VSIL_CURL_USE_HEAD=NO", "GDAL_DISABLE_READDIR_ON_OPEN=EMPTY_DIR")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", tool, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// areaRows reads ogr2ogr's CSV of cadastral_ref, area_m2, gdal_area.
func areaRows(t *testing.T, out string) map[string][2]float64 {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(recs) < 2 {
		t.Fatalf("CSV %v:\n%s", err, out)
	}
	rows := map[string][2]float64{}
	for _, r := range recs[1:] {
		chain, err1 := new(big.Rat).SetString(r[1])
		g, err2 := strconv.ParseFloat(r[2], 64)
		if !err1 || err2 != nil {
			t.Fatalf("row %v", r)
		}
		cf, _ := chain.Float64()
		rows[r[0]] = [2]float64{cf, g}
	}
	return rows
}

// TestGDALReadsFeatures: GDAL's own client opens the service as an OGC
// API – Features layer (OAPIF driver) and the exports with its GeoJSON
// driver; every area GDAL computes matches the chain's to 0.01 %, and
// GDAL's own reprojection of the projected export agrees with the
// RFC 7946 export's longitude/latitude.
func TestGDALReadsFeatures(t *testing.T) {
	needGDAL(t)
	base, msgs, _ := startRegister(t)
	api := base + "/features"

	info := gdal(t, "ogrinfo", "-ro", "-so", "OAPIF:"+api, "parcels")
	t.Logf("ogrinfo OAPIF:\n%s", info)
	if !strings.Contains(info, "Layer name: parcels") || !(strings.Contains(info, "WGS 84") || strings.Contains(info, "UTM zone 33N")) {
		t.Errorf("ogrinfo OAPIF:\n%s", info)
	}
	listing := gdal(t, "ogrinfo", "-ro", "-al", "-geom=NO", "OAPIF:"+api, "parcels")
	for _, m := range msgs {
		if !strings.Contains(listing, "cadastral_ref (String) = "+m.CadastralRef) {
			t.Errorf("ogrinfo OAPIF lists no %s:\n%s", m.CadastralRef, listing)
		}
	}

	check := func(what string, rows map[string][2]float64, tol float64) {
		t.Helper()
		if len(rows) != len(msgs) {
			t.Errorf("%s: %d rows", what, len(rows))
		}
		worst := 0.0
		for ref, a := range rows {
			rel := math.Abs(a[1]-a[0]) / a[0]
			worst = max(worst, rel)
			if rel > tol {
				t.Errorf("%s: %s area %.6f m², GDAL %.6f m² (%.2g relative)", what, ref, a[0], a[1], rel)
			}
		}
		t.Logf("%s: %d areas, largest relative difference from the chain's %.2g", what, len(rows), worst)
	}
	sql := "SELECT cadastral_ref, area_m2, OGR_GEOM_AREA AS gdal_area FROM parcels"

	// The OAPIF layer, reprojected by GDAL into the storage CRS.
	dir := t.TempDir()
	gpkg := dir + "/oapif.gpkg"
	gdal(t, "ogr2ogr", "-f", "GPKG", gpkg, "OAPIF:"+api, "parcels", "-t_srs", "EPSG:32633")
	check("OAPIF layer in EPSG:32633", areaRows(t, gdal(t, "ogr2ogr", "-f", "CSV", "/vsistdout/", gpkg, "-dialect", "OGRSQL", "-sql", sql)), 1e-4)

	// The projected download: read with the CRS it declares, areas exact.
	proj := api + "/collections/parcels/download?crs=" + url.QueryEscape(storage)
	pinfo := gdal(t, "ogrinfo", "-ro", "-so", proj, "parcels")
	if !strings.Contains(pinfo, "UTM zone 33N") {
		t.Errorf("ogrinfo of the projected export names no UTM 33N:\n%s", pinfo)
	}
	check("projected export", areaRows(t, gdal(t, "ogr2ogr", "-f", "CSV", "/vsistdout/", proj, "-sql", sql)), 1e-9)

	// The RFC 7946 download: GDAL reads it as WGS 84, and its own
	// reprojection of the projected export lands on the same lon/lat.
	wgs := api + "/collections/parcels/download"
	winfo := gdal(t, "ogrinfo", "-ro", "-so", wgs, "parcels")
	if !strings.Contains(winfo, "WGS 84") {
		t.Errorf("ogrinfo of the RFC 7946 export:\n%s", winfo)
	}
	wgpkg := dir + "/rfc7946.gpkg"
	gdal(t, "ogr2ogr", "-f", "GPKG", wgpkg, wgs, "-t_srs", "EPSG:32633")
	check("RFC 7946 export reprojected by GDAL", areaRows(t, gdal(t, "ogr2ogr", "-f", "CSV", "/vsistdout/", wgpkg, "-dialect", "OGRSQL", "-sql", sql)), 1e-4)
	var ours, theirs featureCollection
	if err := json.Unmarshal([]byte(browser.Get(t, wgs).Body), &ours); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(gdal(t, "ogr2ogr", "-f", "GeoJSON", "/vsistdout/", proj, "-t_srs", "OGC:CRS84", "-lco", "COORDINATE_PRECISION=10")), &theirs); err != nil {
		t.Fatal(err)
	}
	if len(ours.Features) != len(theirs.Features) {
		t.Fatalf("%d and %d features", len(ours.Features), len(theirs.Features))
	}
	worst := 0.0
	for i := range ours.Features {
		a, b := numbers(t, ours.Features[i].Geometry.Coordinates), numbers(t, theirs.Features[i].Geometry.Coordinates)
		if len(a) != len(b) {
			t.Fatalf("%s: %d and %d numbers", ours.Features[i].ID, len(a), len(b))
		}
		for j := range a {
			worst = max(worst, math.Abs(a[j]-b[j]))
		}
	}
	t.Logf("largest lon/lat difference from GDAL's own reprojection: %.2g°", worst)
	if worst > 1e-8 { // about a millimetre
		t.Errorf("lon/lat differ from GDAL's by up to %.2g°", worst)
	}
}

// numbers flattens nested coordinate arrays.
func numbers(t *testing.T, raw json.RawMessage) []float64 {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	var out []float64
	var walk func(any)
	walk = func(x any) {
		switch x := x.(type) {
		case float64:
			out = append(out, x)
		case []any:
			for _, y := range x {
				walk(y)
			}
		}
	}
	walk(v)
	return out
}

// TestDownloadManyPages: a register of 1,100 parcels comes out whole
// through the streamed download (three reads of 500) and through items
// pages of 1,000, each parcel once.
func TestDownloadManyPages(t *testing.T) {
	home := testnode.InitHome(t)
	n, c := testnode.Start(t, home)
	clerk := testnode.DemoKey(t, "clerk")
	h := sha256.Sum256([]byte("survey plan"))
	const total, batch = 1100, 275
	for b := 0; b < total/batch; b++ {
		var ps []land.MsgRegisterParcel
		for i := b * batch; i < (b+1)*batch; i++ {
			x, y := int64(40_000_000+(i%40)*2_000), int64(580_000_000+(i/40)*2_000) // 10 m squares 20 m apart
			ps = append(ps, land.MsgRegisterParcel{CadastralRef: fmt.Sprintf("BULK-%04d", i), Document: hex.EncodeToString(h[:]),
				Geometry: land.Geometry{Type: "Polygon", Coordinates: json.RawMessage(fmt.Sprintf("[[[%d,%d],[%d,%d],[%d,%d],[%d,%d],[%d,%d]]]",
					x, y, x+1000, y, x+1000, y+1000, x, y+1000, x, y))}})
		}
		testnode.Send(t, c, land.TypeRegisterParcels, land.MsgRegisterParcels{Parcels: ps}, clerk)
	}
	last, err := c.LatestHeight(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	testnode.WaitHeight(t, c, last+2)
	api := browser.Serve(t, n, web.Options{}) + "/features"

	distinct := func(what string, fc featureCollection) {
		t.Helper()
		seen := map[string]bool{}
		for _, f := range fc.Features {
			if seen[f.ID] || f.Properties.AreaM2 != "100" {
				t.Fatalf("%s: %s twice or area %s", what, f.ID, f.Properties.AreaM2)
			}
			seen[f.ID] = true
		}
		if len(seen) != total {
			t.Errorf("%s: %d parcels, want %d", what, len(seen), total)
		}
	}
	for _, q := range []string{"", "?crs=" + url.QueryEscape(storage)} {
		var all featureCollection
		getJSON(t, api+"/collections/parcels/download"+q, 200, &all)
		distinct("download"+q, all)
	}
	var paged featureCollection
	u := api + "/collections/parcels/items?limit=5000&bbox=-180,-90,180,90"
	for pages := 0; u != ""; pages++ {
		if pages == 3 {
			t.Fatal("more than 2 pages of 1,000")
		}
		var fc featureCollection
		getJSON(t, u, 200, &fc)
		paged.Features = append(paged.Features, fc.Features...)
		u = ""
		for _, l := range fc.Links {
			if l.Rel == "next" {
				u = l.Href
			}
		}
	}
	distinct("items pages", paged)
}
