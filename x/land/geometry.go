package land

// Exact planar geometry for parcels. Coordinates are integers in the
// chain's declared projected coordinate system (see Params); nothing here
// uses floating point. Internally every coordinate is doubled so that the
// midpoint of two vertices is again an integer point; all predicates are
// signs of 128-bit products, so they are exact for |coordinate| ≤ 2^30.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"math/bits"
	"slices"
)

// MaxCoordinate bounds |x| and |y| of every vertex: with doubled
// coordinates all differences fit in 33 bits and all products in 128.
const MaxCoordinate = 1 << 30

// Geometry is a GeoJSON Polygon or MultiPolygon whose positions are
// integer [x, y] pairs in the registry's coordinate system: the projected
// CRS that Params.CRS names by EPSG code, in 1/Params.UnitsPerMetre
// metres (centimetres on the development chain, EPSG:32633). The CRS is
// declared once, in the chain's parameters, never inside a geometry: a
// string "crs" member is valid in neither RFC 7946 nor the 2008 GeoJSON
// specification, and GDAL ignores it. Standard GeoJSON (RFC 7946
// longitude/latitude, or metres with a CRS that GDAL reads) is made from
// stored geometries by package x/land/geojson.
type Geometry struct {
	Type string `json:"type"`
	// CRS may be given in messages (older clients named the registry's
	// CRS in every geometry): when present it must equal Params.CRS. A
	// parcel record never keeps it (Stored), so stored and served
	// geometries carry no "crs" member.
	CRS         string          `json:"crs,omitempty"`
	Coordinates json.RawMessage `json:"coordinates"`
}

// Stored is the geometry as a parcel record keeps it: type and
// coordinates, without a "crs" member.
func (g Geometry) Stored() Geometry { return Geometry{Type: g.Type, Coordinates: g.Coordinates} }

type pt struct{ X, Y int64 }

type ring []pt // closed: the last vertex connects back to the first; stored without the repeat

type polygon struct {
	outer ring
	holes []ring
}

type seg struct{ a, b pt }

// Region is a validated geometry: disjoint polygons whose rings are simple,
// pairwise disjoint, exteriors counter-clockwise and holes clockwise, so
// the interior always lies to the left of every edge.
type Region struct {
	polys []polygon
	edges []seg
	// BBox is [minX, minY, maxX, maxY] in original (undoubled) units.
	BBox  [4]int64
	area2 *big.Int // twice the area, original units squared
}

// Area2 is twice the area in square units (an exact integer).
func (r *Region) Area2() *big.Int { return new(big.Int).Set(r.area2) }

// Vertices counts the region's distinct vertices.
func (r *Region) Vertices() int { return len(r.edges) }

// GeometryError is a specific reason a geometry is refused.
type GeometryError struct{ Reason string }

func (e *GeometryError) Error() string { return e.Reason }

func geomErr(format string, args ...any) error {
	return &GeometryError{Reason: fmt.Sprintf(format, args...)}
}

// Limits bound what ParseGeometry accepts.
type Limits struct {
	CRS                    string
	MinX, MinY, MaxX, MaxY int64
	MaxVertices            int
}

// ParseGeometry validates g against lim and returns its region. Every
// refusal is a *GeometryError naming the first problem found.
func ParseGeometry(g *Geometry, lim Limits) (*Region, error) {
	if g.CRS != "" && g.CRS != lim.CRS {
		return nil, geomErr("coordinate system %q is not the registry's %q (leave \"crs\" out: coordinates are always in the registry's system)", g.CRS, lim.CRS)
	}
	var raw [][][][]int64
	switch g.Type {
	case "Polygon":
		var p [][][]int64
		if err := strictJSON(g.Coordinates, &p); err != nil {
			return nil, geomErr("Polygon coordinates must be an array of rings of integer [x, y] positions: %v", err)
		}
		raw = [][][][]int64{p}
	case "MultiPolygon":
		if err := strictJSON(g.Coordinates, &raw); err != nil {
			return nil, geomErr("MultiPolygon coordinates must be an array of polygons of rings of integer [x, y] positions: %v", err)
		}
	default:
		return nil, geomErr("geometry type %q is not Polygon or MultiPolygon", g.Type)
	}
	if len(raw) == 0 {
		return nil, geomErr("geometry has no polygons")
	}
	r := &Region{area2: new(big.Int)}
	total := 0
	for pi, rp := range raw {
		if len(rp) == 0 {
			return nil, geomErr("polygon %d has no rings", pi)
		}
		var poly polygon
		for ri, rr := range rp {
			where := fmt.Sprintf("polygon %d ring %d", pi, ri)
			total += len(rr)
			if lim.MaxVertices > 0 && total > lim.MaxVertices {
				return nil, geomErr("more than %d vertices", lim.MaxVertices)
			}
			rg, err := parseRing(rr, lim, where)
			if err != nil {
				return nil, err
			}
			if ri == 0 {
				poly.outer = rg
			} else {
				poly.holes = append(poly.holes, rg)
			}
		}
		r.polys = append(r.polys, poly)
	}
	if err := r.checkSimple(); err != nil {
		return nil, err
	}
	for pi, poly := range r.polys {
		for ri, rg := range append([]ring{poly.outer}, poly.holes...) {
			where := fmt.Sprintf("polygon %d ring %d", pi, ri)
			a2 := rg.area2()
			switch {
			case a2.Sign() == 0:
				return nil, geomErr("%s has zero area (its points are collinear)", where)
			case ri == 0 && a2.Sign() < 0:
				return nil, geomErr("%s is an exterior ring wound clockwise; exterior rings must be counter-clockwise (RFC 7946 right-hand rule)", where)
			case ri > 0 && a2.Sign() > 0:
				return nil, geomErr("%s is a hole wound counter-clockwise; holes must be clockwise (RFC 7946 right-hand rule)", where)
			}
			r.area2.Add(r.area2, a2)
		}
	}
	if err := r.checkNesting(); err != nil {
		return nil, err
	}
	if r.area2.Sign() <= 0 {
		return nil, geomErr("geometry has no positive area")
	}
	r.BBox = [4]int64{1 << 62, 1 << 62, -1 << 62, -1 << 62}
	for _, e := range r.edges {
		r.BBox[0] = min(r.BBox[0], e.a.X/2)
		r.BBox[1] = min(r.BBox[1], e.a.Y/2)
		r.BBox[2] = max(r.BBox[2], e.a.X/2)
		r.BBox[3] = max(r.BBox[3], e.a.Y/2)
	}
	return r, nil
}

func strictJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data")
	}
	return nil
}

func parseRing(rr [][]int64, lim Limits, where string) (ring, error) {
	if len(rr) < 4 {
		return nil, geomErr("%s has %d positions; a ring needs at least 4 (3 distinct points and the closing repeat)", where, len(rr))
	}
	for i, p := range rr {
		if len(p) != 2 {
			return nil, geomErr("%s position %d has %d numbers; positions are [x, y]", where, i, len(p))
		}
		if p[0] < lim.MinX || p[0] > lim.MaxX || p[1] < lim.MinY || p[1] > lim.MaxY {
			return nil, geomErr("%s position %d (%d, %d) is outside the registry's extent [%d..%d] × [%d..%d]",
				where, i, p[0], p[1], lim.MinX, lim.MaxX, lim.MinY, lim.MaxY)
		}
	}
	first, last := rr[0], rr[len(rr)-1]
	if first[0] != last[0] || first[1] != last[1] {
		return nil, geomErr("%s is not closed: its last position (%d, %d) differs from its first (%d, %d)", where, last[0], last[1], first[0], first[1])
	}
	out := make(ring, 0, len(rr)-1)
	for i, p := range rr[:len(rr)-1] {
		q := pt{2 * p[0], 2 * p[1]}
		if len(out) > 0 && out[len(out)-1] == q {
			return nil, geomErr("%s repeats position %d (%d, %d) consecutively", where, i, p[0], p[1])
		}
		out = append(out, q)
	}
	if out[len(out)-1] == out[0] {
		return nil, geomErr("%s repeats its first position before closing", where)
	}
	distinct := slices.Clone(out)
	slices.SortFunc(distinct, func(a, b pt) int {
		if a.X != b.X {
			return cmpInt(a.X, b.X)
		}
		return cmpInt(a.Y, b.Y)
	})
	if n := len(slices.Compact(distinct)); n < 3 {
		return nil, geomErr("%s has %d distinct points; at least 3 are needed", where, n)
	}
	return out, nil
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// area2 is the shoelace sum in original units (twice the signed area).
func (r ring) area2() *big.Int {
	sum := new(big.Int)
	var t1, t2 big.Int
	for i, p := range r {
		q := r[(i+1)%len(r)]
		t1.Mul(big.NewInt(p.X/2), big.NewInt(q.Y/2))
		t2.Mul(big.NewInt(q.X/2), big.NewInt(p.Y/2))
		sum.Add(sum, t1.Sub(&t1, &t2))
	}
	return sum
}

// checkSimple fills r.edges and refuses any intersection between edges
// other than the shared endpoint of consecutive edges of one ring.
func (r *Region) checkSimple() error {
	type tagged struct {
		s         seg
		ring, idx int
		ringLen   int
		pi, ri    int
	}
	var all []tagged
	ringNo := 0
	for pi, p := range r.polys {
		rings := append([]ring{p.outer}, p.holes...)
		for ri, rg := range rings {
			for i := range rg {
				all = append(all, tagged{s: seg{rg[i], rg[(i+1)%len(rg)]}, ring: ringNo, idx: i, ringLen: len(rg), pi: pi, ri: ri})
			}
			ringNo++
		}
	}
	for i := range all {
		for j := i + 1; j < len(all); j++ {
			e, f := all[i], all[j]
			if !bboxTouch(e.s, f.s) {
				continue
			}
			if e.ring == f.ring {
				next := (e.idx+1)%e.ringLen == f.idx
				prev := (f.idx+1)%f.ringLen == e.idx
				if next || prev {
					// consecutive edges share one vertex; they must not fold back
					x, y := e.s, f.s
					if prev {
						x, y = f.s, e.s
					}
					// x.b == y.a; a fold-back puts x.a on y or y.b on x
					if orient(x.a, x.b, y.b) == 0 && (onSegment(y.b, x.a, x.b) || onSegment(x.a, y.a, y.b)) {
						return geomErr("polygon %d ring %d folds back on itself at (%d, %d)", e.pi, e.ri, x.b.X/2, x.b.Y/2)
					}
					continue
				}
			}
			if segmentsIntersect(e.s, f.s) {
				if e.ring == f.ring {
					return geomErr("polygon %d ring %d intersects itself (edges %d and %d)", e.pi, e.ri, e.idx, f.idx)
				}
				return geomErr("rings intersect: polygon %d ring %d edge %d meets polygon %d ring %d edge %d", e.pi, e.ri, e.idx, f.pi, f.ri, f.idx)
			}
		}
		r.edges = append(r.edges, all[i].s)
	}
	return nil
}

// checkNesting: holes lie inside their exterior and outside each other;
// the polygons of a MultiPolygon lie outside each other. Rings are
// disjoint (checkSimple), so one vertex decides each question.
func (r *Region) checkNesting() error {
	for pi, p := range r.polys {
		for hi, h := range p.holes {
			if p.outer.classify(h[0]) <= 0 {
				return geomErr("polygon %d hole %d lies outside its exterior ring", pi, hi+1)
			}
			for hj, h2 := range p.holes {
				if hj != hi && h2.classify(h[0]) > 0 {
					return geomErr("polygon %d hole %d lies inside hole %d", pi, hi+1, hj+1)
				}
			}
		}
		for pj, q := range r.polys {
			if pj != pi && q.outer.classify(p.outer[0]) > 0 {
				return geomErr("polygon %d lies inside polygon %d; a MultiPolygon's polygons must be apart", pi, pj)
			}
		}
	}
	return nil
}

// mulSigned returns a*b as a two's-complement 128-bit (hi, lo).
func mulSigned(a, b int64) (int64, uint64) {
	neg := (a < 0) != (b < 0)
	ua, ub := uint64(a), uint64(b)
	if a < 0 {
		ua = uint64(-a)
	}
	if b < 0 {
		ub = uint64(-b)
	}
	hi, lo := bits.Mul64(ua, ub)
	if neg {
		lo = ^lo + 1
		hi = ^hi
		if lo == 0 {
			hi++
		}
	}
	return int64(hi), lo
}

// cmpProd is the sign of p*q - r*s, exactly.
func cmpProd(p, q, r, s int64) int {
	h1, l1 := mulSigned(p, q)
	h2, l2 := mulSigned(r, s)
	if h1 != h2 {
		return cmpInt(h1, h2)
	}
	switch {
	case l1 < l2:
		return -1
	case l1 > l2:
		return 1
	}
	return 0
}

// orient is the sign of the cross product (b-a)×(c-a): positive when c is
// left of a→b.
func orient(a, b, c pt) int { return cmpProd(b.X-a.X, c.Y-a.Y, b.Y-a.Y, c.X-a.X) }

func onSegment(p, a, b pt) bool {
	return orient(a, b, p) == 0 &&
		min(a.X, b.X) <= p.X && p.X <= max(a.X, b.X) &&
		min(a.Y, b.Y) <= p.Y && p.Y <= max(a.Y, b.Y)
}

func bboxTouch(e, f seg) bool {
	return max(e.a.X, e.b.X) >= min(f.a.X, f.b.X) && max(f.a.X, f.b.X) >= min(e.a.X, e.b.X) &&
		max(e.a.Y, e.b.Y) >= min(f.a.Y, f.b.Y) && max(f.a.Y, f.b.Y) >= min(e.a.Y, e.b.Y)
}

// properCross: the segments cross at one point interior to both.
func properCross(e, f seg) bool {
	d1, d2 := orient(f.a, f.b, e.a), orient(f.a, f.b, e.b)
	d3, d4 := orient(e.a, e.b, f.a), orient(e.a, e.b, f.b)
	return d1*d2 < 0 && d3*d4 < 0
}

// segmentsIntersect: the closed segments share at least one point.
func segmentsIntersect(e, f seg) bool {
	if properCross(e, f) {
		return true
	}
	return onSegment(e.a, f.a, f.b) || onSegment(e.b, f.a, f.b) || onSegment(f.a, e.a, e.b) || onSegment(f.b, e.a, e.b)
}

// classify: 1 strictly inside the ring, 0 on it, -1 outside.
func (r ring) classify(p pt) int {
	inside := false
	for i, a := range r {
		b := r[(i+1)%len(r)]
		if onSegment(p, a, b) {
			return 0
		}
		if (a.Y > p.Y) != (b.Y > p.Y) {
			o := orient(a, b, p)
			if (b.Y > a.Y && o > 0) || (b.Y < a.Y && o < 0) {
				inside = !inside
			}
		}
	}
	if inside {
		return 1
	}
	return -1
}

// classify: 1 in the region's interior, 0 on its boundary, -1 outside.
func (r *Region) classify(p pt) int {
	for _, poly := range r.polys {
		c := poly.outer.classify(p)
		if c < 0 {
			continue
		}
		if c == 0 {
			return 0
		}
		for _, h := range poly.holes {
			switch h.classify(p) {
			case 0:
				return 0
			case 1:
				return -1
			}
		}
		return 1
	}
	return -1
}

// relation between two regions' boundaries, from which overlap and
// containment follow exactly.
type relation struct {
	cross     bool // some edges cross properly
	bIn, bOut bool // some boundary piece of B lies inside / outside A
	aIn, aOut bool // some boundary piece of A lies inside / outside B
	same, opp bool // some boundary pieces coincide, same / opposite direction
}

func relate(A, B *Region) relation {
	var r relation
	if A.BBox[2] < B.BBox[0] || B.BBox[2] < A.BBox[0] || A.BBox[3] < B.BBox[1] || B.BBox[3] < A.BBox[1] {
		r.bOut, r.aOut = true, true
		return r
	}
	for _, e := range A.edges {
		for _, f := range B.edges {
			if bboxTouch(e, f) && properCross(e, f) {
				r.cross = true
				return r
			}
		}
	}
	walk(B, A, &r.bIn, &r.bOut, &r.same, &r.opp)
	var s, o bool
	walk(A, B, &r.aIn, &r.aOut, &s, &o)
	return r
}

// walk splits every edge of X at the vertices of Y lying on it and
// classifies each piece's midpoint against Y.
func walk(X, Y *Region, in, out, same, opp *bool) {
	for _, e := range X.edges {
		pts := []pt{e.a, e.b}
		for _, f := range Y.edges {
			if onSegment(f.a, e.a, e.b) {
				pts = append(pts, f.a)
			}
		}
		if e.a.X != e.b.X {
			asc := e.a.X < e.b.X
			slices.SortFunc(pts, func(p, q pt) int {
				if asc {
					return cmpInt(p.X, q.X)
				}
				return cmpInt(q.X, p.X)
			})
		} else {
			asc := e.a.Y < e.b.Y
			slices.SortFunc(pts, func(p, q pt) int {
				if asc {
					return cmpInt(p.Y, q.Y)
				}
				return cmpInt(q.Y, p.Y)
			})
		}
		pts = slices.Compact(pts)
		for i := 0; i+1 < len(pts); i++ {
			m := pt{(pts[i].X + pts[i+1].X) / 2, (pts[i].Y + pts[i+1].Y) / 2}
			switch Y.classify(m) {
			case 1:
				*in = true
			case -1:
				*out = true
			case 0:
				for _, f := range Y.edges {
					if onSegment(m, f.a, f.b) {
						if sign(e.b.X-e.a.X) == sign(f.b.X-f.a.X) && sign(e.b.Y-e.a.Y) == sign(f.b.Y-f.a.Y) {
							*same = true
						} else {
							*opp = true
						}
						break
					}
				}
			}
		}
	}
}

func sign(x int64) int { return cmpInt(x, 0) }

// Overlaps reports whether the interiors of a and b share positive area.
// Regions that only share boundary (neighbouring parcels) do not overlap.
func Overlaps(a, b *Region) bool {
	r := relate(a, b)
	return r.cross || r.bIn || r.aIn || r.same
}

// Contains reports whether b lies within a (b's interior has no point
// outside a).
func Contains(a, b *Region) bool {
	r := relate(a, b)
	return !r.cross && !r.bOut && !r.aIn && !r.opp
}

// Adjacent reports whether a and b share a stretch of boundary without
// overlapping.
func Adjacent(a, b *Region) bool {
	r := relate(a, b)
	return !(r.cross || r.bIn || r.aIn || r.same) && r.opp
}

// areaM2 renders twice-area units² as exact square metres: a terminating
// decimal when there is one, otherwise "n/d".
func areaM2(area2 *big.Int, unitsPerMetre int64) string {
	den := new(big.Int).Mul(big.NewInt(2*unitsPerMetre), big.NewInt(unitsPerMetre))
	r := new(big.Rat).SetFrac(area2, den)
	// Terminating iff the reduced denominator has only factors 2 and 5.
	d := new(big.Int).Set(r.Denom())
	digits := 0
	for _, f := range []int64{2, 5} {
		bf := big.NewInt(f)
		n := 0
		for new(big.Int).Mod(d, bf).Sign() == 0 {
			d.Div(d, bf)
			n++
		}
		digits = max(digits, n)
	}
	if d.Cmp(big.NewInt(1)) != 0 {
		return r.RatString()
	}
	return r.FloatString(digits)
}
