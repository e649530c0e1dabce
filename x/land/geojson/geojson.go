// Package geojson writes the land register's parcels as standard GeoJSON,
// in one of two coordinate systems:
//
//   - RFC 7946: WGS 84 longitude/latitude (OGC CRS84), reprojected from the
//     registry's projected CRS with github.com/go-spatial/proj (a pure-Go
//     port of PROJ's extended transverse Mercator), to 9 decimal places
//     (0.1 mm);
//   - projected: the registry's own CRS (Params.CRS, e.g. EPSG:32633) in
//     metres, exactly (integer units divided by Params.UnitsPerMetre),
//     with the CRS declared the way GDAL reads it: a FeatureCollection
//     "crs" member {"type":"name","properties":{"name":
//     "urn:ogc:def:crs:EPSG::32633"}} (GeoJSON 2008), and an OGC API
//     Content-Crs header where served over HTTP.
//
// Areas are the chain's, exact in the projected CRS (property area_m2).
// Nothing here runs in consensus: floating point is fine.
package geojson

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"

	"github.com/go-spatial/proj"

	"github.com/publica/publica/x/land"
)

// CRS84 is the OGC URI of WGS 84 longitude/latitude, RFC 7946's only CRS.
const CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"

// CRSURI is the OGC URI of an EPSG system, as OGC API – Features Part 2
// names it.
func CRSURI(c land.ProjectedCRS) string {
	return "http://www.opengis.net/def/crs/EPSG/0/" + strconv.Itoa(c.Code)
}

// CRSMember is the GeoJSON 2008 "crs" member naming c, which GDAL reads.
func CRSMember(c land.ProjectedCRS) json.RawMessage {
	return json.RawMessage(`{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::` + strconv.Itoa(c.Code) + `"}}`)
}

// Encoder turns parcels into GeoJSON Features in one coordinate system.
type Encoder struct {
	CRS       land.ProjectedCRS // the registry's
	Projected bool              // metres in CRS; false: CRS84 longitude/latitude
	upm       int64
}

var registered sync.Map // EPSG code → error registering its projection

// NewEncoder is an encoder for the registry with params p.
func NewEncoder(p *land.Params, projected bool) (*Encoder, error) {
	c, err := land.LookupCRS(p.CRS)
	if err != nil {
		return nil, err
	}
	if p.UnitsPerMetre < 1 {
		return nil, fmt.Errorf("units_per_metre %d", p.UnitsPerMetre)
	}
	if err := register(c); err != nil {
		return nil, err
	}
	return &Encoder{CRS: c, Projected: projected, upm: p.UnitsPerMetre}, nil
}

func register(c land.ProjectedCRS) error {
	if v, ok := registered.Load(c.Code); ok {
		if v == nil {
			return nil
		}
		return v.(error)
	}
	proj.CustomProjection(proj.EPSGCode(c.Code), c.Proj)
	// Try it once, so a projection the library cannot build fails here.
	_, err := proj.Inverse(proj.EPSGCode(c.Code), []float64{500000, 0})
	if err != nil {
		err = fmt.Errorf("projection of %s: %w", c.EPSG(), err)
		registered.Store(c.Code, err)
		return err
	}
	registered.Store(c.Code, nil)
	return nil
}

// ToLonLat converts registry coordinates (integer units) to WGS 84
// longitude/latitude in degrees.
func (e *Encoder) ToLonLat(xy []int64) ([]float64, error) {
	in := make([]float64, len(xy))
	for i, v := range xy {
		in[i] = float64(v) / float64(e.upm)
	}
	out, err := proj.Inverse(proj.EPSGCode(e.CRS.Code), in)
	if err != nil {
		return nil, err
	}
	for _, v := range out {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("a point outside the domain of %s", e.CRS.EPSG())
		}
	}
	return out, nil
}

// FromLonLat converts WGS 84 longitude/latitude pairs to metres in the
// registry's CRS.
func (e *Encoder) FromLonLat(lonlat []float64) ([]float64, error) {
	out, err := proj.Convert(proj.EPSGCode(e.CRS.Code), lonlat)
	if err != nil {
		return nil, err
	}
	for _, v := range out {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("a point outside the domain of %s", e.CRS.EPSG())
		}
	}
	return out, nil
}

// Metres writes v registry units as metres, exactly when UnitsPerMetre
// is a power of ten.
func (e *Encoder) Metres(v int64) string {
	if digits, ok := powerOfTen(e.upm); ok {
		neg := v < 0
		u := uint64(v)
		if neg {
			u = -u
		}
		s := strconv.FormatUint(u, 10)
		if digits > 0 {
			if len(s) <= digits {
				s = strings.Repeat("0", digits-len(s)+1) + s
			}
			s = s[:len(s)-digits] + "." + s[len(s)-digits:]
			s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
		}
		if neg && s != "0" {
			s = "-" + s
		}
		return s
	}
	return strconv.FormatFloat(float64(v)/float64(e.upm), 'f', -1, 64)
}

func powerOfTen(n int64) (int, bool) {
	d := 0
	for n > 1 && n%10 == 0 {
		n /= 10
		d++
	}
	return d, n == 1
}

func degrees(v float64) string {
	s := strconv.FormatFloat(v, 'f', 9, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		s = "0"
	}
	return s
}

// Properties are a parcel feature's properties.
type Properties struct {
	CadastralRef string   `json:"cadastral_ref"`
	Address      string   `json:"address"`
	Status       string   `json:"status"`
	Title        string   `json:"title"`
	AreaM2       string   `json:"area_m2"` // exact, in the projected CRS
	Area         float64  `json:"area"`    // the same in square metres, as a number
	Registered   int64    `json:"registered"`
	Parents      []string `json:"parents"`
	Children     []string `json:"children"`
	Document     string   `json:"document"`
}

// Feature writes p as a GeoJSON Feature with its bbox.
func (e *Encoder) Feature(p *land.Parcel) ([]byte, error) {
	var polys [][][][]int64
	switch p.Geometry.Type {
	case "Polygon":
		var one [][][]int64
		if err := json.Unmarshal(p.Geometry.Coordinates, &one); err != nil {
			return nil, fmt.Errorf("parcel %s geometry: %w", p.ID, err)
		}
		polys = [][][][]int64{one}
	case "MultiPolygon":
		if err := json.Unmarshal(p.Geometry.Coordinates, &polys); err != nil {
			return nil, fmt.Errorf("parcel %s geometry: %w", p.ID, err)
		}
	default:
		return nil, fmt.Errorf("parcel %s geometry type %q", p.ID, p.Geometry.Type)
	}
	var flat []int64
	for _, poly := range polys {
		for _, ring := range poly {
			for _, pos := range ring {
				if len(pos) != 2 {
					return nil, fmt.Errorf("parcel %s: a position of %d numbers", p.ID, len(pos))
				}
				flat = append(flat, pos[0], pos[1])
			}
		}
	}
	var num []string
	bbox := [4]float64{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	var bboxText [4]string
	if e.Projected {
		num = make([]string, len(flat))
		for i, v := range flat {
			num[i] = e.Metres(v)
		}
		for i, v := range p.BBox {
			bboxText[i] = e.Metres(v)
		}
	} else {
		ll, err := e.ToLonLat(flat)
		if err != nil {
			return nil, fmt.Errorf("parcel %s: %w", p.ID, err)
		}
		num = make([]string, len(ll))
		for i, v := range ll {
			num[i] = degrees(v)
			bbox[i%2] = math.Min(bbox[i%2], v)
			bbox[2+i%2] = math.Max(bbox[2+i%2], v)
		}
		for i, v := range bbox {
			bboxText[i] = degrees(v)
		}
	}
	var b strings.Builder
	b.WriteString(`{"type":"Feature","id":`)
	writeJSON(&b, p.ID)
	b.WriteString(`,"geometry":{"type":`)
	writeJSON(&b, p.Geometry.Type)
	b.WriteString(`,"coordinates":`)
	k := 0
	if p.Geometry.Type == "MultiPolygon" {
		b.WriteByte('[')
	}
	for pi, poly := range polys {
		if pi > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('[')
		for ri, ring := range poly {
			if ri > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('[')
			for qi := range ring {
				if qi > 0 {
					b.WriteByte(',')
				}
				b.WriteString("[" + num[k] + "," + num[k+1] + "]")
				k += 2
			}
			b.WriteByte(']')
		}
		b.WriteByte(']')
	}
	if p.Geometry.Type == "MultiPolygon" {
		b.WriteByte(']')
	}
	b.WriteString(`},"bbox":[` + strings.Join(bboxText[:], ",") + `],"properties":`)
	area, _ := strconv.ParseFloat(p.AreaM2, 64)
	props := Properties{CadastralRef: p.CadastralRef, Address: p.Address, Status: p.Status, Title: p.Title, AreaM2: p.AreaM2,
		Area: area, Registered: p.Registered, Parents: nonNil(p.Parents), Children: nonNil(p.Children), Document: p.Document}
	writeJSON(&b, props)
	b.WriteByte('}')
	return []byte(b.String()), nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func writeJSON(b *strings.Builder, v any) {
	out, _ := json.Marshal(v) // strings and plain structs: cannot fail
	b.Write(out)
}

// BBox converts a bbox given in CRS84 longitude/latitude (projected
// false) or in metres of the registry's CRS into registry units, as the
// smallest integer box holding it. A longitude/latitude box becomes the
// box around its projected outline (the extremes lie at its corners or
// where it crosses the central meridian; sampled along each edge too, with
// a metre of margin), so it may reach a little beyond the original; whole reports a box that reaches
// 80° of longitude or more from the zone's central meridian (any
// practical register lies inside): it stands for the whole register.
func (e *Encoder) BBox(bb [4]float64, projected bool) (out [4]int64, whole bool, err error) {
	for _, v := range bb {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return out, false, fmt.Errorf("bbox holds a number that is not finite")
		}
	}
	clampUnits := func(m float64) float64 {
		return math.Max(-float64(land.MaxCoordinate)*4, math.Min(float64(land.MaxCoordinate)*4, m*float64(e.upm)))
	}
	if projected {
		return [4]int64{int64(math.Floor(clampUnits(bb[0]))), int64(math.Floor(clampUnits(bb[1]))),
			int64(math.Ceil(clampUnits(bb[2]))), int64(math.Ceil(clampUnits(bb[3])))}, false, nil
	}
	cm := e.centralMeridian()
	if bb[0] <= cm-80 && bb[2] >= cm+80 {
		return out, true, nil
	}
	lon0, lon1 := math.Max(bb[0], cm-80), math.Min(bb[2], cm+80)
	lat0, lat1 := math.Max(bb[1], -89.9), math.Min(bb[3], 89.9)
	if lon0 > lon1 || lat0 > lat1 {
		// Entirely beyond the projection's reach: nothing of the register.
		return [4]int64{1, 1, 0, 0}, false, nil
	}
	const steps = 16
	var pts []float64
	for i := 0; i <= steps; i++ {
		f := float64(i) / steps
		lon, lat := lon0+(lon1-lon0)*f, lat0+(lat1-lat0)*f
		pts = append(pts, lon, lat0, lon, lat1, lon0, lat, lon1, lat)
	}
	// Parallels bow towards the pole away from the central meridian:
	// a box's southernmost northing may lie there, between samples.
	if lon0 < cm && cm < lon1 {
		pts = append(pts, cm, lat0, cm, lat1)
	}
	xy, err := e.FromLonLat(pts)
	if err != nil {
		return out, true, nil
	}
	mn := [2]float64{math.Inf(1), math.Inf(1)}
	mx := [2]float64{math.Inf(-1), math.Inf(-1)}
	for i, v := range xy {
		mn[i%2], mx[i%2] = math.Min(mn[i%2], v), math.Max(mx[i%2], v)
	}
	return [4]int64{int64(math.Floor(clampUnits(mn[0] - 1))), int64(math.Floor(clampUnits(mn[1] - 1))),
		int64(math.Ceil(clampUnits(mx[0] + 1))), int64(math.Ceil(clampUnits(mx[1] + 1)))}, false, nil
}

// centralMeridian is the UTM zone's central meridian in degrees.
func (e *Encoder) centralMeridian() float64 {
	z := e.CRS.Code % 100
	return float64(6*z - 183)
}

// AreaOfUse is the CRS's area of use as a CRS84 box: its UTM zone's
// band of longitude, north or south of the equator.
func (e *Encoder) AreaOfUse() [4]float64 {
	cm := e.centralMeridian()
	if e.CRS.Code >= 32701 && e.CRS.Code <= 32760 {
		return [4]float64{cm - 3, -80, cm + 3, 0}
	}
	return [4]float64{cm - 3, 0, cm + 3, 84}
}
