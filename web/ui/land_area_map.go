package ui

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/publica/publica/x/land"
)

// AreaMap is a box of the register drawn as SVG from the parcels' own
// geometries (the spatial index finds them; no map tiles): each parcel
// is a link to its page, the Current one highlighted.
type AreaMap struct {
	ID, Label string
	Box       [4]int64 // west, south, east, north in register units
	ViewBox   string
	FontSize  int64
	Stroke    string
	Parcels   []MapParcel
	Current   string // the parcel the page is about ("" on the map page)
	More      bool   // the box holds more parcels than are drawn
}

// MapParcel is one parcel drawn on an AreaMap.
type MapParcel struct {
	ID, Ref, Address string
	Paths            []string
	LabelX, LabelY   int64
	Current          bool
}

// Name is how the map's link and list name a parcel.
func (p MapParcel) Name() string {
	if p.Address != "" {
		return p.Address + " (" + p.Ref + ")"
	}
	return "Parcel " + p.Ref
}

// NewAreaMap draws parcels in box (each at most once, in the order
// given). Coordinates are drawn relative to the box's north-west corner:
// browsers draw SVG in single precision, and a register's coordinates
// (hundreds of millions of centimetres) would lose the labels.
func NewAreaMap(id, label string, box [4]int64, parcels []land.Parcel, current string, more bool) AreaMap {
	w, h := max(box[2]-box[0], 1), max(box[3]-box[1], 1)
	m := AreaMap{ID: id, Label: label, Box: box, Current: current, More: more,
		ViewBox:  fmt.Sprintf("0 0 %d %d", w, h),
		FontSize: max(max(w, h)/28, 1)}
	var top []MapParcel
	for _, p := range parcels {
		paths, bb, ok := relativePaths(p.Geometry, box[0], box[3])
		if !ok {
			continue
		}
		mp := MapParcel{ID: p.ID, Ref: p.CadastralRef, Address: p.Address, Paths: paths, Current: p.ID == current,
			LabelX: (bb[0] + bb[2]) / 2, LabelY: (bb[1] + bb[3]) / 2}
		if mp.Current { // drawn last, on top
			top = append(top, mp)
			continue
		}
		m.Parcels = append(m.Parcels, mp)
	}
	m.Parcels = append(m.Parcels, top...)
	return m
}

// relativePaths are a geometry's SVG paths with x measured from ox and y
// downwards from oy, and their bounding box in those coordinates.
func relativePaths(g land.Geometry, ox, oy int64) (paths []string, bb [4]int64, ok bool) {
	var polys [][][][]int64
	switch g.Type {
	case "Polygon":
		var p [][][]int64
		if json.Unmarshal(g.Coordinates, &p) != nil {
			return nil, bb, false
		}
		polys = [][][][]int64{p}
	case "MultiPolygon":
		if json.Unmarshal(g.Coordinates, &polys) != nil {
			return nil, bb, false
		}
	default:
		return nil, bb, false
	}
	bb = [4]int64{1 << 62, 1 << 62, -1 << 62, -1 << 62}
	for _, poly := range polys {
		var d strings.Builder
		for _, ring := range poly {
			for i, pt := range ring {
				if len(pt) != 2 {
					return nil, bb, false
				}
				x, y := pt[0]-ox, oy-pt[1]
				bb = [4]int64{min(bb[0], x), min(bb[1], y), max(bb[2], x), max(bb[3], y)}
				if i == 0 {
					fmt.Fprintf(&d, "M%d %d", x, y)
				} else {
					fmt.Fprintf(&d, "L%d %d", x, y)
				}
			}
			d.WriteString("Z")
		}
		paths = append(paths, d.String())
	}
	return paths, bb, len(paths) > 0 && bb[0] <= bb[2]
}

// Neighbours are the parcels drawn beside the current one.
func (m AreaMap) Neighbours() []MapParcel {
	var out []MapParcel
	for _, p := range m.Parcels {
		if !p.Current {
			out = append(out, p)
		}
	}
	return out
}

// MapPageView is the "find a property on a map" page: a box of the
// register and the links that move it.
type MapPageView struct {
	Map                                       *AreaMap // nil: the register has no parcel yet
	Height                                    int64
	North, South, East, West, ZoomIn, ZoomOut string // links ("" when not offered)
	SideMetres                                int64
}
