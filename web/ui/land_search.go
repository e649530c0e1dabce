package ui

import (
	"fmt"

	"github.com/publica/publica/x/land"
)

// SearchView is the parcel search page: by cadastral reference prefix or
// by a bounding box, read at one height.
type SearchView struct {
	Ref, BBox string
	Searched  bool
	Height    int64
	Hits      []land.BBoxHit
	Truncated bool // more hits than the page shows
	Errors    []FormError
}

func (v SearchView) fields() []Field {
	return []Field{
		{Name: "ref", Label: "Cadastral reference", Hint: "The whole reference or its beginning, such as VIL-12.", Value: v.Ref},
		{Name: "bbox", Label: "Or an area", Hint: "Four whole numbers: west, south, east, north (min x, min y, max x, max y), such as 0,0,1000,1000.", Value: v.BBox, Wide: true},
	}
}

// SearchLimit is how many hits a search page lists.
const SearchLimit = 200

// hitsMap draws the hits' bounding boxes in the searched box (or their
// union) as SVG rectangles, y flipped so north is up.
type hitsMapView struct {
	ViewBox string
	Rects   []hitRect
}

type hitRect struct {
	ID         string
	X, Y, W, H int64
}

func hitsMap(hits []land.BBoxHit) (hitsMapView, bool) {
	if len(hits) == 0 {
		return hitsMapView{}, false
	}
	bb := hits[0].BBox
	for _, h := range hits[1:] {
		bb[0], bb[1] = min(bb[0], h.BBox[0]), min(bb[1], h.BBox[1])
		bb[2], bb[3] = max(bb[2], h.BBox[2]), max(bb[3], h.BBox[3])
	}
	w, hgt := max(bb[2]-bb[0], 1), max(bb[3]-bb[1], 1)
	pad := max(w, hgt) / 20
	v := hitsMapView{ViewBox: fmt.Sprintf("%d %d %d %d", bb[0]-pad, -bb[3]-pad, w+2*pad, hgt+2*pad)}
	for _, h := range hits {
		v.Rects = append(v.Rects, hitRect{ID: h.ID, X: h.BBox[0], Y: -h.BBox[3], W: max(h.BBox[2]-h.BBox[0], 1), H: max(h.BBox[3]-h.BBox[1], 1)})
	}
	return v, true
}

func bboxText(b [4]int64) string { return fmt.Sprintf("%d, %d – %d, %d", b[0], b[1], b[2], b[3]) }
