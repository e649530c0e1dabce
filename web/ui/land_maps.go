package ui

import (
	"fmt"
	"strings"

	"github.com/publica/publica/x/land"
)

// SubdivisionView is a parent parcel with the children that will replace
// it, drawn together on one map.
type SubdivisionView struct {
	ID       string // the figure's id
	Parent   string // parent parcel id
	ParentG  land.Geometry
	Children []land.ChildParcel
}

// layer is one geometry's paths on a shared map.
type layer struct {
	Paths   []string
	LabelX  int64 // where its label goes (SVG coordinates)
	LabelY  int64
	Label   string
	Opacity string
}

type multiMap struct {
	ViewBox  string
	FontSize int64
	Parent   layer
	Children []layer
	Desc     string
}

func subdivisionMap(v SubdivisionView) (multiMap, bool) {
	pm, ok := mapOf(v.ParentG)
	if !ok {
		return multiMap{}, false
	}
	bb := pm.bbox
	mm := multiMap{Parent: layer{Paths: pm.Paths}}
	var names []string
	for i, c := range v.Children {
		cm, ok := mapOf(c.Geometry)
		if !ok {
			return multiMap{}, false
		}
		bb = [4]int64{min(bb[0], cm.bbox[0]), min(bb[1], cm.bbox[1]), max(bb[2], cm.bbox[2]), max(bb[3], cm.bbox[3])}
		n := itoa(i + 1)
		mm.Children = append(mm.Children, layer{Paths: cm.Paths, Label: n,
			LabelX: (cm.bbox[0] + cm.bbox[2]) / 2, LabelY: -(cm.bbox[1] + cm.bbox[3]) / 2,
			Opacity: []string{"0.16", "0.34", "0.52"}[i%3]})
		names = append(names, fmt.Sprintf("%s %s (%d positions)", n, c.CadastralRef, cm.n))
	}
	w, h := max(bb[2]-bb[0], 1), max(bb[3]-bb[1], 1)
	pad := max(w, h) / 20
	mm.ViewBox = fmt.Sprintf("%d %d %d %d", bb[0]-pad, -bb[3]-pad, w+2*pad, h+2*pad)
	mm.FontSize = max(max(w, h)/14, 1)
	mm.Desc = fmt.Sprintf("Parent parcel %s, dashed outline, with %d children drawn over it, numbered: %s. North at the top.",
		v.Parent, len(v.Children), strings.Join(names, "; "))
	return mm, true
}

func childAddress(c land.ChildParcel) string {
	if c.Address == "" {
		return ""
	}
	return ", " + c.Address
}
