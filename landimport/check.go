package landimport

import (
	"fmt"

	"github.com/publica/publica/x/land"
)

// CheckFile refuses, in file order, what the chain would refuse because of
// an earlier feature of the same file: a cadastral reference used before,
// or an outline overlapping an earlier feature's (shared edges and corners
// are fine, as on chain). The earlier feature wins. Features already
// refused take no part.
func CheckFile(features []*Feature) {
	seen := make(map[string]int, len(features))
	idx := newGridIndex(features)
	for _, f := range features {
		if f.Err != nil {
			continue
		}
		if j, dup := seen[f.Ref]; dup {
			f.Err = fmt.Errorf("%s: %q is also feature %d of the file", land.ErrDuplicateRef.Desc, f.Ref, j)
			continue
		}
		if j := idx.overlapping(f); j >= 0 {
			f.Err = fmt.Errorf("%s: overlaps feature %d (%s) of the file", land.ErrOverlap.Desc, j, features[j].Ref)
			continue
		}
		seen[f.Ref] = f.Index
		idx.add(f)
	}
}

// gridIndex finds the accepted features whose bounding boxes meet a box:
// a hash of square cells sized to the file's typical parcel, so a search
// looks at a handful of neighbours.
type gridIndex struct {
	cell  int64
	cells map[[2]int64][]*Feature
	large []*Feature // features spanning too many cells to list in each
}

func newGridIndex(features []*Feature) *gridIndex {
	// Cell side: the largest bounding-box side of a sample of features,
	// so most features touch at most four cells.
	var side int64 = 1
	n := 0
	for _, f := range features {
		if f.region == nil {
			continue
		}
		bb := f.region.BBox
		side = max(side, bb[2]-bb[0], bb[3]-bb[1])
		if n++; n == 1000 {
			break
		}
	}
	return &gridIndex{cell: side, cells: map[[2]int64][]*Feature{}}
}

func (g *gridIndex) span(bb [4]int64) (x0, y0, x1, y1 int64) {
	return floorDiv(bb[0], g.cell), floorDiv(bb[1], g.cell), floorDiv(bb[2], g.cell), floorDiv(bb[3], g.cell)
}

func (g *gridIndex) add(f *Feature) {
	x0, y0, x1, y1 := g.span(f.region.BBox)
	if (x1-x0+1)*(y1-y0+1) > 64 {
		g.large = append(g.large, f)
		return
	}
	for x := x0; x <= x1; x++ {
		for y := y0; y <= y1; y++ {
			g.cells[[2]int64{x, y}] = append(g.cells[[2]int64{x, y}], f)
		}
	}
}

// overlapping is the index of the earliest accepted feature whose outline
// overlaps f's, or -1.
func (g *gridIndex) overlapping(f *Feature) int {
	bb := f.region.BBox
	best := -1
	check := func(o *Feature) {
		ob := o.region.BBox
		if (best >= 0 && o.Index >= best) || ob[2] <= bb[0] || bb[2] <= ob[0] || ob[3] <= bb[1] || bb[3] <= ob[1] {
			return
		}
		if land.Overlaps(f.region, o.region) {
			best = o.Index
		}
	}
	for _, o := range g.large {
		check(o)
	}
	x0, y0, x1, y1 := g.span(bb)
	if (x1-x0+1)*(y1-y0+1) > 64 {
		for _, list := range g.cells {
			for _, o := range list {
				check(o)
			}
		}
		return best
	}
	for x := x0; x <= x1; x++ {
		for y := y0; y <= y1; y++ {
			for _, o := range g.cells[[2]int64{x, y}] {
				check(o)
			}
		}
	}
	return best
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// CellLoad is the mean number of the file's parcels per index cell they
// occupy (land.Params.GridCell): registering a parcel reads every entry
// of its cells, so a high load (hundreds) makes registration slow, and a
// registry that dense wants a smaller grid_cell (docs/land.md).
func CellLoad(features []*Feature, p land.Params) float64 {
	if p.GridCell <= 0 {
		return 0
	}
	cells := map[[2]int64]int{}
	n := 0
	for _, f := range features {
		if f.region == nil || f.Err != nil {
			continue
		}
		bb := f.region.BBox
		x0, y0 := floorDiv(bb[0]-p.MinX, p.GridCell), floorDiv(bb[1]-p.MinY, p.GridCell)
		x1, y1 := floorDiv(bb[2]-p.MinX, p.GridCell), floorDiv(bb[3]-p.MinY, p.GridCell)
		if (x1-x0+1)*(y1-y0+1) > 16 {
			continue
		}
		n++
		for x := x0; x <= x1; x++ {
			for y := y0; y <= y1; y++ {
				cells[[2]int64{x, y}]++
			}
		}
	}
	if len(cells) == 0 {
		return 0
	}
	total := 0
	for _, c := range cells {
		total += c
	}
	return float64(total) / float64(len(cells))
}
