package land

import (
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"testing"
)

var testLimits = Limits{CRS: "EPSG:32633", MinX: 0, MinY: 0, MaxX: 1_000_000_000, MaxY: 1_000_000_000, MaxVertices: 1000}

func poly(coords string) *Geometry {
	return &Geometry{Type: "Polygon", CRS: "EPSG:32633", Coordinates: json.RawMessage(coords)}
}

// rect is a counter-clockwise rectangle.
func rect(x0, y0, x1, y1 int64) string {
	return fmt.Sprintf("[[[%d,%d],[%d,%d],[%d,%d],[%d,%d],[%d,%d]]]", x0, y0, x1, y0, x1, y1, x0, y1, x0, y0)
}

func mustRegion(t *testing.T, g *Geometry) *Region {
	t.Helper()
	r, err := ParseGeometry(g, testLimits)
	if err != nil {
		t.Fatalf("%s: %v", g.Coordinates, err)
	}
	return r
}

func TestGeometryArea(t *testing.T) {
	r := mustRegion(t, poly(rect(100, 200, 1100, 700)))
	if got := r.Area2().String(); got != "1000000" { // 1000 × 500 × 2
		t.Fatalf("area2 = %s", got)
	}
	if got := areaM2(r.Area2(), 100); got != "50" { // cm² → m²
		t.Fatalf("area m² = %s", got)
	}
	// A right triangle with odd legs has a half-unit area: exact, no rounding.
	tri := mustRegion(t, poly("[[[0,0],[3,0],[0,3],[0,0]]]"))
	if tri.Area2().String() != "9" || areaM2(tri.Area2(), 100) != "0.00045" {
		t.Fatalf("triangle area2 %s m² %s", tri.Area2(), areaM2(tri.Area2(), 100))
	}
	if got := areaM2(big.NewInt(1), 3); got != "1/18" {
		t.Fatalf("non-terminating area = %s", got)
	}
	// A hole subtracts.
	holed := mustRegion(t, poly("[[[0,0],[10,0],[10,10],[0,10],[0,0]],[[2,2],[2,4],[4,4],[4,2],[2,2]]]"))
	if holed.Area2().String() != "192" {
		t.Fatalf("holed area2 = %s", holed.Area2())
	}
	if holed.BBox != [4]int64{0, 0, 10, 10} {
		t.Fatalf("bbox %v", holed.BBox)
	}
}

// TestGeometryRejects: one case per kind of bad input, each with a
// specific reason.
func TestGeometryRejects(t *testing.T) {
	cases := []struct {
		name string
		g    *Geometry
		want string
	}{
		{"wrong type", &Geometry{Type: "Point", CRS: "EPSG:32633", Coordinates: json.RawMessage(`[1,2]`)}, "not Polygon or MultiPolygon"},
		{"wrong crs", &Geometry{Type: "Polygon", CRS: "EPSG:4326", Coordinates: json.RawMessage(rect(0, 0, 10, 10))}, "coordinate system"},
		{"float coordinates", poly("[[[0.5,0],[10,0],[10,10],[0,0]]]"), "integer"},
		{"not json", poly("[[[0,0],"), "coordinates must be"},
		{"3d position", poly("[[[0,0,1],[10,0,1],[10,10,1],[0,0,1]]]"), "positions are [x, y]"},
		{"unclosed ring", poly("[[[0,0],[10,0],[10,10],[0,10]]]"), "not closed"},
		{"too few positions", poly("[[[0,0],[10,0],[0,0]]]"), "at least 4"},
		{"fewer than 3 distinct points", poly("[[[0,0],[10,0],[0,0],[10,0],[0,0]]]"), "distinct points"},
		{"repeated vertex", poly("[[[0,0],[10,0],[10,0],[10,10],[0,0]]]"), "repeats position"},
		{"collinear", poly("[[[0,0],[5,0],[10,0],[0,0]]]"), "folds back"},
		{"self-intersection (bow tie)", poly("[[[0,0],[10,10],[10,0],[0,10],[0,0]]]"), "intersects itself"},
		{"clockwise exterior", poly("[[[0,0],[0,10],[10,10],[10,0],[0,0]]]"), "clockwise"},
		{"counter-clockwise hole", poly("[[[0,0],[10,0],[10,10],[0,10],[0,0]],[[2,2],[4,2],[4,4],[2,4],[2,2]]]"), "holes must be clockwise"},
		{"hole outside", poly("[[[0,0],[10,0],[10,10],[0,10],[0,0]],[[20,20],[20,24],[24,24],[24,20],[20,20]]]"), "outside its exterior"},
		{"hole touching exterior", poly("[[[0,0],[10,0],[10,10],[0,10],[0,0]],[[0,2],[2,4],[4,2],[0,2]]]"), "rings intersect"},
		{"out of range", poly(rect(0, 0, 10, 2_000_000_000)), "outside the registry's extent"},
		{"negative out of range", poly("[[[-1,0],[10,0],[10,10],[-1,0]]]"), "outside the registry's extent"},
		{"too many vertices", poly(manyVertices(1001)), "more than 1000 vertices"},
		{"empty multipolygon", &Geometry{Type: "MultiPolygon", CRS: "EPSG:32633", Coordinates: json.RawMessage(`[]`)}, "no polygons"},
		{"multipolygon parts overlap", &Geometry{Type: "MultiPolygon", CRS: "EPSG:32633",
			Coordinates: json.RawMessage("[" + rect(0, 0, 10, 10) + "," + rect(5, 5, 15, 15) + "]")}, "rings intersect"},
		{"multipolygon part inside another", &Geometry{Type: "MultiPolygon", CRS: "EPSG:32633",
			Coordinates: json.RawMessage("[" + rect(0, 0, 10, 10) + "," + rect(2, 2, 4, 4) + "]")}, "lies inside polygon"},
	}
	for _, tc := range cases {
		_, err := ParseGeometry(tc.g, testLimits)
		if err == nil {
			t.Errorf("%s: accepted", tc.name)
			continue
		}
		if _, ok := err.(*GeometryError); !ok || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %q, want it to mention %q", tc.name, err, tc.want)
		}
	}
}

func manyVertices(n int) string {
	var b strings.Builder
	b.WriteString("[[")
	for i := range n {
		fmt.Fprintf(&b, "[%d,%d],", i*10, i*i) // convex: on a parabola
	}
	b.WriteString("[0,0]]]")
	return b.String()
}

func TestGeometryMultiPolygon(t *testing.T) {
	g := &Geometry{Type: "MultiPolygon", CRS: "EPSG:32633", Coordinates: json.RawMessage("[" + rect(0, 0, 10, 10) + "," + rect(20, 0, 30, 10) + "]")}
	r := mustRegion(t, g)
	if r.Area2().String() != "400" {
		t.Fatalf("area2 %s", r.Area2())
	}
	between := mustRegion(t, poly(rect(10, 0, 20, 10)))
	if Overlaps(r, between) || !Adjacent(r, between) {
		t.Fatal("the gap between two parts is adjacent, not overlapping")
	}
	if !Overlaps(r, mustRegion(t, poly(rect(25, 5, 40, 8)))) {
		t.Fatal("overlap with the second part missed")
	}
}

func TestGeometryRelations(t *testing.T) {
	a := mustRegion(t, poly(rect(0, 0, 10, 10)))
	cases := []struct {
		name                        string
		b                           string
		overlap, contains, adjacent bool
	}{
		{"disjoint", rect(20, 20, 30, 30), false, false, false},
		{"shared edge", rect(10, 0, 20, 10), false, false, true},
		{"shared part of an edge", rect(10, 5, 20, 25), false, false, true},
		{"touching corner", rect(10, 10, 20, 20), false, false, false},
		{"partial overlap", rect(5, 5, 15, 15), true, false, false},
		{"identical", rect(0, 0, 10, 10), true, true, false},
		{"inside, sharing two edges", rect(0, 0, 5, 5), true, true, false},
		{"strictly inside", rect(2, 2, 4, 4), true, true, false},
		{"enclosing", rect(-0, 0, 20, 20), true, false, false},
		{"cross (plus sign)", rect(-0, 4, 20, 6), true, false, false},
		{"vertex touching edge from outside", "[[[15,0],[15,10],[10,5],[15,0]]]", false, false, false},
		{"vertex poking in", "[[[15,0],[15,10],[9,5],[15,0]]]", true, false, false},
		{"triangle inside touching edge", "[[[0,0],[10,0],[5,5],[0,0]]]", true, true, false},
	}
	for _, tc := range cases {
		b := mustRegion(t, poly(tc.b))
		if got := Overlaps(a, b); got != tc.overlap {
			t.Errorf("%s: Overlaps = %v", tc.name, got)
		}
		if got := Overlaps(b, a); got != tc.overlap {
			t.Errorf("%s: Overlaps reversed = %v", tc.name, got)
		}
		if got := Contains(a, b); got != tc.contains {
			t.Errorf("%s: Contains = %v", tc.name, got)
		}
		if got := Adjacent(a, b); got != tc.adjacent {
			t.Errorf("%s: Adjacent = %v", tc.name, got)
		}
	}
	// A parcel lying in another's hole does not overlap it.
	holed := mustRegion(t, poly("[[[0,0],[30,0],[30,30],[0,30],[0,0]],[[10,10],[10,20],[20,20],[20,10],[10,10]]]"))
	inHole := mustRegion(t, poly(rect(10, 10, 20, 20)))
	if Overlaps(holed, inHole) || !Adjacent(holed, inHole) || Contains(holed, inHole) {
		t.Fatal("a parcel filling a hole is adjacent, not overlapping or contained")
	}
	if !Overlaps(holed, mustRegion(t, poly(rect(5, 5, 25, 25)))) {
		t.Fatal("a parcel covering the hole and its rim overlaps")
	}
}

// TestGeometryLargeCoordinates: predicates stay exact at the coordinate
// limit, where 64-bit products would overflow.
func TestGeometryLargeCoordinates(t *testing.T) {
	lim := testLimits
	lim.MinX, lim.MinY, lim.MaxX, lim.MaxY = -MaxCoordinate, -MaxCoordinate, MaxCoordinate, MaxCoordinate
	M := int64(MaxCoordinate)
	a, err := ParseGeometry(poly(rect(-M, -M, M, M)), lim)
	if err != nil {
		t.Fatal(err)
	}
	b, err := ParseGeometry(poly(fmt.Sprintf("[[[%d,%d],[%d,%d],[%d,%d],[%d,%d]]]", M-1, M-1, M, M-1, M, M, M-1, M-1)), lim)
	if err != nil {
		t.Fatal(err)
	}
	if !Contains(a, b) || !Overlaps(a, b) {
		t.Fatal("corner triangle is inside the full extent")
	}
	if a.Area2().String() != "9223372036854775808" {
		t.Fatalf("area2 %s, want 2^63", a.Area2())
	}
}

func FuzzParseGeometry(f *testing.F) {
	f.Add([]byte(`{"type":"Polygon","crs":"EPSG:32633","coordinates":` + rect(0, 0, 10, 10) + `}`))
	f.Add([]byte(`{"type":"Polygon","crs":"EPSG:32633","coordinates":[[[0,0],[10,0],[10,10],[0,10],[0,0]],[[2,2],[2,4],[4,4],[4,2],[2,2]]]}`))
	f.Add([]byte(`{"type":"MultiPolygon","crs":"EPSG:32633","coordinates":[` + rect(0, 0, 10, 10) + `,` + rect(20, 0, 30, 10) + `]}`))
	f.Add([]byte(`{"type":"Polygon","crs":"EPSG:32633","coordinates":[[[0,0],[10,10],[10,0],[0,10],[0,0]]]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var g Geometry
		if json.Unmarshal(data, &g) != nil {
			return
		}
		r, err := ParseGeometry(&g, testLimits)
		if err != nil {
			if _, ok := err.(*GeometryError); !ok {
				t.Fatalf("untyped error %T %v", err, err)
			}
			return
		}
		if r.Area2().Sign() <= 0 {
			t.Fatalf("accepted geometry with area2 %s", r.Area2())
		}
		if r.BBox[0] > r.BBox[2] || r.BBox[1] > r.BBox[3] {
			t.Fatalf("bad bbox %v", r.BBox)
		}
		if !Overlaps(r, r) || !Contains(r, r) || Adjacent(r, r) {
			t.Fatal("a region must overlap and contain itself")
		}
		// Parsing is a function of the input.
		r2, err := ParseGeometry(&g, testLimits)
		if err != nil || r2.Area2().Cmp(r.Area2()) != 0 || r2.BBox != r.BBox {
			t.Fatal("second parse differs")
		}
	})
}
