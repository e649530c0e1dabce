package land

import (
	"testing"

	"github.com/publica/publica/x/land"
)

func TestOrientRings(t *testing.T) {
	for _, c := range []struct {
		typ, in, want string
		ext, holes    int
	}{
		{"Polygon", `[[[0,0],[10,0],[10,10],[0,10],[0,0]]]`, `[[[0,0],[10,0],[10,10],[0,10],[0,0]]]`, 0, 0},
		{"Polygon", `[[[0,0],[0,10],[10,10],[10,0],[0,0]]]`, `[[[0,0],[10,0],[10,10],[0,10],[0,0]]]`, 1, 0},
		// a clockwise exterior with a counter-clockwise hole: both reversed
		{"Polygon", `[[[0,0],[0,10],[10,10],[10,0],[0,0]],[[2,2],[4,2],[4,4],[2,4],[2,2]]]`,
			`[[[0,0],[10,0],[10,10],[0,10],[0,0]],[[2,2],[2,4],[4,4],[4,2],[2,2]]]`, 1, 1},
		{"MultiPolygon", `[[[[0,0],[10,0],[10,10],[0,10],[0,0]]],[[[20,0],[20,10],[30,10],[30,0],[20,0]]]]`,
			`[[[[0,0],[10,0],[10,10],[0,10],[0,0]]],[[[20,0],[30,0],[30,10],[20,10],[20,0]]]]`, 1, 0},
		// large coordinates do not overflow
		{"Polygon", `[[[0,0],[0,4000000000],[4000000000,4000000000],[4000000000,0],[0,0]]]`,
			`[[[0,0],[4000000000,0],[4000000000,4000000000],[0,4000000000],[0,0]]]`, 1, 0},
		{"Polygon", `[[[0,0],"x"]]`, `[[[0,0],"x"]]`, 0, 0},
	} {
		got, ext, holes := orientRings(land.Geometry{Type: c.typ, Coordinates: []byte(c.in)})
		if string(got) != c.want || ext != c.ext || holes != c.holes {
			t.Errorf("%s %s: got %s (%d, %d), want %s (%d, %d)", c.typ, c.in, got, ext, holes, c.want, c.ext, c.holes)
		}
	}
}
