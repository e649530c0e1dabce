// Package landimport loads an existing cadastre into the land registry:
// it reads a GeoJSON FeatureCollection (as `ogr2ogr -f GeoJSON` writes it
// from a Shapefile or a GeoPackage), turns each feature into a
// land/register-parcel message in the registry's integer units, checks
// every feature as the chain would and against the rest of the file, skips
// the references already registered, and registers the rest through
// signed land/register-parcels transactions (see Run).
package landimport

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"runtime"
	"strings"
	"sync"

	"github.com/publica/publica/x/land"
)

// Mapping names the feature properties a parcel's fields come from.
type Mapping struct {
	Ref      string `json:"cadastral_ref"` // default "cadastral_ref"
	Address  string `json:"address"`       // default "address"; a feature without it has no address
	Document string `json:"document"`      // default "document"; a feature without it gets Options.Document
	// Titles (ReadTitlesCSV's columns, ReadTitlesGeoJSON's properties).
	Owner  string `json:"owner"`  // default "owner": account id, party id or key name
	Share  string `json:"share"`  // default "share": "n/d"
	Tenure string `json:"tenure"` // default "tenure"; a title without it gets the import's default
	// CRS is the coordinate system of a file that names none, e.g.
	// "EPSG:32633".
	CRS string `json:"crs"`
}

func (m Mapping) withDefaults() Mapping {
	if m.Ref == "" {
		m.Ref = "cadastral_ref"
	}
	if m.Address == "" {
		m.Address = "address"
	}
	if m.Document == "" {
		m.Document = "document"
	}
	if m.Owner == "" {
		m.Owner = "owner"
	}
	if m.Share == "" {
		m.Share = "share"
	}
	if m.Tenure == "" {
		m.Tenure = "tenure"
	}
	return m
}

// Feature is one feature of the file: its parcel message, or why it
// cannot be registered.
type Feature struct {
	Index int    // position in the file's features, from 0
	Ref   string // cadastral reference ("" if the feature has none)
	Msg   land.MsgRegisterParcel
	// Err is why the feature is refused before anything is sent (nil:
	// it passed every check made without the chain).
	Err    error
	region *land.Region
	size   int // bytes of Msg's JSON
}

type fileJSON struct {
	Type     string          `json:"type"`
	CRS      json.RawMessage `json:"crs"`
	Features []featureJSON   `json:"features"`
}

type featureJSON struct {
	Type       string                     `json:"type"`
	Properties map[string]json.RawMessage `json:"properties"`
	Geometry   *geometryJSON              `json:"geometry"`
}

type geometryJSON struct {
	Type        string          `json:"type"`
	Coordinates json.RawMessage `json:"coordinates"`
}

// Read parses a FeatureCollection and converts every feature for a
// registry with params: coordinates to the registry's integer units
// (exact decimal arithmetic, rounding halves away from zero), rings wound
// as RFC 7946 asks (exteriors counter-clockwise, holes clockwise), the
// geometry and message checked exactly as land/register-parcel checks
// them. document is the hash given to features without one. A problem
// with the file as a whole is an error; a problem with one feature is in
// that Feature's Err.
func Read(b []byte, m Mapping, params land.Params, document string) ([]*Feature, error) {
	m = m.withDefaults()
	var f fileJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("not GeoJSON: %w", err)
	}
	if f.Type != "FeatureCollection" {
		return nil, fmt.Errorf("a GeoJSON FeatureCollection is expected, not %q", f.Type)
	}
	crs, err := fileCRS(f.CRS)
	if err != nil {
		return nil, err
	}
	switch {
	case crs == "" && m.CRS == "":
		return nil, fmt.Errorf("the file names no coordinate system; give the registry's (%s) if that is the file's, or reproject it first (ogr2ogr -t_srs %s)", params.CRS, params.CRS)
	case crs == "":
		crs = m.CRS
	case m.CRS != "" && m.CRS != crs:
		return nil, fmt.Errorf("the file's coordinate system is %s, not %s", crs, m.CRS)
	}
	if crs != params.CRS {
		return nil, fmt.Errorf("the file's coordinates are in %s, the registry's in %s: reproject it first (ogr2ogr -f GeoJSON -t_srs %s out.geojson in.gpkg)", crs, params.CRS, params.CRS)
	}
	out := make([]*Feature, len(f.Features))
	lim := land.Limits{CRS: params.CRS, MinX: params.MinX, MinY: params.MinY, MaxX: params.MaxX, MaxY: params.MaxY, MaxVertices: params.MaxVertices}
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(f.Features); i += workers {
				out[i] = convert(i, &f.Features[i], m, params, lim, document)
			}
		})
	}
	wg.Wait()
	return out, nil
}

// fileCRS reads the (GeoJSON 2008) "crs" member ogr2ogr writes:
// {"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::32633"}}.
func fileCRS(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var c struct {
		Type       string `json:"type"`
		Properties struct {
			Name string `json:"name"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(raw, &c); err != nil || c.Type != "name" || c.Properties.Name == "" {
		return "", fmt.Errorf("the file's crs member is not a named coordinate system: %s", raw)
	}
	name := c.Properties.Name
	if code, ok := strings.CutPrefix(name, "urn:ogc:def:crs:EPSG::"); ok {
		return "EPSG:" + code, nil
	}
	if strings.HasSuffix(name, "CRS84") {
		return "", fmt.Errorf("the file is in longitude/latitude (%s); reproject it to the registry's projected system first (ogr2ogr -t_srs EPSG:…)", name)
	}
	return name, nil
}

func convert(i int, f *featureJSON, m Mapping, params land.Params, lim land.Limits, document string) *Feature {
	ft := &Feature{Index: i}
	var err error
	if ft.Ref, err = textProperty(f.Properties, m.Ref); err != nil {
		ft.Err = err
		return ft
	}
	if ft.Ref == "" {
		ft.Err = fmt.Errorf("no cadastral reference (property %q)", m.Ref)
		return ft
	}
	addr, err := textProperty(f.Properties, m.Address)
	if err != nil {
		ft.Err = err
		return ft
	}
	doc, err := textProperty(f.Properties, m.Document)
	if err != nil {
		ft.Err = err
		return ft
	}
	if doc == "" {
		doc = document
	}
	if f.Type != "Feature" {
		ft.Err = fmt.Errorf("not a Feature (%q)", f.Type)
		return ft
	}
	if f.Geometry == nil {
		ft.Err = errors.New("missing geometry")
		return ft
	}
	coords, err := convertGeometry(f.Geometry, params.UnitsPerMetre)
	if err != nil {
		ft.Err = fmt.Errorf("%s: %w", land.ErrBadGeometry.Desc, err)
		return ft
	}
	ft.Msg = land.MsgRegisterParcel{CadastralRef: ft.Ref, Address: addr, Document: doc,
		Geometry: land.Geometry{Type: f.Geometry.Type, CRS: params.CRS, Coordinates: coords}}
	if err := ft.Msg.ValidateBasic(); err != nil {
		ft.Err = err
		return ft
	}
	r, err := land.ParseGeometry(&ft.Msg.Geometry, lim)
	if err != nil {
		ft.Err = land.ErrBadGeometry.Wrap(err)
		return ft
	}
	ft.region = r
	body, _ := json.Marshal(&ft.Msg)
	ft.size = len(body)
	return ft
}

// textProperty is a string property, or a number's decimal text (ogr2ogr
// writes integer fields as numbers); "" when absent or null.
func textProperty(props map[string]json.RawMessage, name string) (string, error) {
	raw, ok := props[name]
	if !ok || string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		return n.String(), nil
	}
	return "", fmt.Errorf("property %q is neither text nor a number: %s", name, raw)
}

// convertGeometry turns a Polygon or MultiPolygon in metres into the
// registry's integer units, as the JSON of its coordinates.
func convertGeometry(g *geometryJSON, units int64) (json.RawMessage, error) {
	switch g.Type {
	case "Polygon":
		var p [][][]json.Number
		if err := json.Unmarshal(g.Coordinates, &p); err != nil {
			return nil, fmt.Errorf("Polygon coordinates: %v", err)
		}
		out, err := convertPolygon(p, units)
		if err != nil {
			return nil, err
		}
		return json.Marshal(out)
	case "MultiPolygon":
		var mp [][][][]json.Number
		if err := json.Unmarshal(g.Coordinates, &mp); err != nil {
			return nil, fmt.Errorf("MultiPolygon coordinates: %v", err)
		}
		out := make([][][][2]int64, len(mp))
		for i, p := range mp {
			var err error
			if out[i], err = convertPolygon(p, units); err != nil {
				return nil, fmt.Errorf("polygon %d: %w", i, err)
			}
		}
		return json.Marshal(out)
	}
	return nil, fmt.Errorf("geometry type %q is not Polygon or MultiPolygon", g.Type)
}

func convertPolygon(p [][][]json.Number, units int64) ([][][2]int64, error) {
	out := make([][][2]int64, len(p))
	for ri, r := range p {
		ring := make([][2]int64, 0, len(r))
		for pi, pos := range r {
			if len(pos) < 2 {
				return nil, fmt.Errorf("ring %d position %d has %d numbers", ri, pi, len(pos))
			}
			// A third number (height) is dropped: parcels are planar.
			x, err := toUnits(pos[0].String(), units)
			if err != nil {
				return nil, fmt.Errorf("ring %d position %d: %v", ri, pi, err)
			}
			y, err := toUnits(pos[1].String(), units)
			if err != nil {
				return nil, fmt.Errorf("ring %d position %d: %v", ri, pi, err)
			}
			q := [2]int64{x, y}
			// Rounding may join neighbouring vertices: keep one.
			if len(ring) > 0 && ring[len(ring)-1] == q {
				continue
			}
			ring = append(ring, q)
		}
		wind(ring, ri == 0)
		out[ri] = ring
	}
	return out, nil
}

// wind reverses a closed ring if it turns the wrong way: exteriors
// counter-clockwise, holes clockwise (shapefiles wind the other way, and
// ogr2ogr keeps their order unless asked for RFC 7946 output).
func wind(ring [][2]int64, exterior bool) {
	if len(ring) < 4 {
		return
	}
	a2 := new(big.Int)
	var t, u big.Int
	for i := 0; i+1 < len(ring); i++ {
		t.Mul(big.NewInt(ring[i][0]), big.NewInt(ring[i+1][1]))
		u.Mul(big.NewInt(ring[i+1][0]), big.NewInt(ring[i][1]))
		a2.Add(a2, t.Sub(&t, &u))
	}
	if (a2.Sign() < 0 && exterior) || (a2.Sign() > 0 && !exterior) {
		for i, j := 0, len(ring)-1; i < j; i, j = i+1, j-1 {
			ring[i], ring[j] = ring[j], ring[i]
		}
	}
}

// toUnits converts a decimal number of metres (JSON number text) to the
// nearest integer number of 1/units metres, halves away from zero, with
// exact arithmetic: the same text always gives the same integer.
func toUnits(s string, units int64) (int64, error) {
	if v, ok := toUnitsFast(s, units); ok {
		return v, nil
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	r.Mul(r, new(big.Rat).SetInt64(units))
	num, den := new(big.Int).Set(r.Num()), r.Denom()
	neg := num.Sign() < 0
	num.Abs(num)
	q, rem := new(big.Int).QuoRem(num, den, new(big.Int))
	if rem.Lsh(rem, 1).Cmp(den) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if neg {
		q.Neg(q)
	}
	if !q.IsInt64() || q.Int64() > land.MaxCoordinate || q.Int64() < -land.MaxCoordinate {
		return 0, fmt.Errorf("%s m is out of range", s)
	}
	return q.Int64(), nil
}

// toUnitsFast handles plain decimals ("-123.4567") in 64-bit integers; ok
// is false for anything else (exponents, very long digits), which the
// exact path takes.
func toUnitsFast(s string, units int64) (int64, bool) {
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	ip, fp, _ := strings.Cut(s, ".")
	if ip == "" || len(ip) > 10 || len(fp) > 8 {
		return 0, false
	}
	var num int64
	for _, c := range ip + fp {
		if c < '0' || c > '9' {
			return 0, false
		}
		num = num*10 + int64(c-'0')
	}
	scale := int64(1)
	for range len(fp) {
		scale *= 10
	}
	// num ≤ 10^18 / units keeps num*units in range.
	if units > 0 && num > (1<<62)/units {
		return 0, false
	}
	q, r := num*units/scale, num*units%scale
	if 2*r >= scale {
		q++
	}
	if q > land.MaxCoordinate {
		return 0, false
	}
	if neg {
		q = -q
	}
	return q, true
}
