package land

import (
	"math"
	"testing"
)

func TestGridValueRoundTrip(t *testing.T) {
	for _, bb := range [][4]int64{{0, 0, 1, 1}, {-5, -7, 3, 9}, {math.MinInt64, 0, math.MaxInt64, 1}} {
		got, ok := gridBBox(GridValue(bb))
		if !ok || got != bb {
			t.Errorf("GridValue(%v) read back as %v, %v", bb, got, ok)
		}
	}
	for _, v := range []string{"", "1,2,3", "1,2,3,x", "1,2,3,4,5"} {
		if _, ok := gridBBox([]byte(v)); ok {
			t.Errorf("gridBBox(%q) accepted", v)
		}
	}
}

func TestBBoxesMeet(t *testing.T) {
	a := [4]int64{0, 0, 10, 10}
	for b, want := range map[[4]int64]bool{
		{10, 10, 20, 20}: true, // a shared corner
		{11, 0, 20, 10}:  false,
		{2, 2, 3, 3}:     true, // inside
		{-5, 11, 5, 12}:  false,
		{-5, -5, 50, 50}: true, // around
	} {
		if bboxesMeet(a, b) != want || bboxesMeet(b, a) != want {
			t.Errorf("bboxesMeet(%v, %v) = %v", a, b, !want)
		}
	}
}
