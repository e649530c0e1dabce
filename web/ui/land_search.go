package ui

import (
	"context"
	"fmt"
	"strings"

	"github.com/publica/publica/x/land"
)

// SearchView is the property search page: by address or cadastral
// reference (Q), by a cadastral reference prefix alone (Ref, the older
// form of the link) or by an area (BBox), read at one height.
type SearchView struct {
	Q, Ref, BBox string
	Searched     bool
	Height       int64
	Hits         []SearchHit
	Parties      Parties // the owners the hits name
	Truncated    bool    // more hits than the page shows
	Errors       []FormError
}

// SearchHit is one parcel found, with its title as read at the search's
// height (Title nil: none, or the parcel is retired).
type SearchHit struct {
	Parcel *land.Parcel
	Title  *land.Title
}

func (v SearchView) fields(ctx context.Context) []Field {
	return []Field{
		{Name: "q", Label: tr(ctx, "home.q.label"), Hint: tr(ctx, "search.q.hint"),
			Value: v.Q, Autocomplete: "street-address"},
	}
}

func (v SearchView) areaField(ctx context.Context) Field {
	return Field{Name: "bbox", Label: tr(ctx, "search.bbox"), Hint: tr(ctx, "search.area.hint"),
		Value: v.BBox, Wide: true}
}

// areaOpen keeps the area search open when it was used or refused.
func (v SearchView) areaOpen() bool {
	if v.BBox != "" {
		return true
	}
	for _, e := range v.Errors {
		if e.Field == "bbox" {
			return true
		}
	}
	return false
}

// SearchLimit is how many hits a search page lists (each read with its
// title and owners).
const SearchLimit = 50

// hitsMap draws the parcels found, outlined, in the box around them
// (y flipped so north is up), numbered as in the list.
type hitsMapView struct {
	ViewBox  string
	FontSize int64
	Layers   []layer
}

func hitsMap(hits []SearchHit) (hitsMapView, bool) {
	var v hitsMapView
	bb := [4]int64{1 << 62, 1 << 62, -1 << 62, -1 << 62}
	for i, h := range hits {
		m, ok := mapOf(h.Parcel.Geometry)
		if !ok {
			continue
		}
		bb = [4]int64{min(bb[0], m.bbox[0]), min(bb[1], m.bbox[1]), max(bb[2], m.bbox[2]), max(bb[3], m.bbox[3])}
		v.Layers = append(v.Layers, layer{Paths: m.Paths, Label: itoa(i + 1),
			LabelX: (m.bbox[0] + m.bbox[2]) / 2, LabelY: -(m.bbox[1] + m.bbox[3]) / 2})
	}
	if len(v.Layers) == 0 {
		return v, false
	}
	w, hgt := max(bb[2]-bb[0], 1), max(bb[3]-bb[1], 1)
	pad := max(w, hgt) / 20
	v.ViewBox = fmt.Sprintf("%d %d %d %d", bb[0]-pad, -bb[3]-pad, w+2*pad, hgt+2*pad)
	v.FontSize = max(max(w, hgt)/25, 1)
	return v, true
}

// ownerNames lists a title's owners by name, with their shares when
// there are several.
func ownerNames(t *land.Title, ps Parties) string {
	if t == nil {
		return "–"
	}
	var names []string
	for _, o := range t.Owners {
		n := ps.Name(o.Party)
		if !land.IsPartyID(o.Party) || ps[o.Party] == nil {
			n = "account " + shortID(o.Party)
		}
		if len(t.Owners) > 1 {
			n += " (" + shareText(o.Share) + ")"
		}
		names = append(names, n)
	}
	return strings.Join(names, ", ")
}

// hitPlace is how a hit is named: its address, or its reference.
func hitPlace(ctx context.Context, p *land.Parcel) string {
	if p.Address != "" {
		return p.Address
	}
	return tr(ctx, "search.parcel", p.CadastralRef)
}

func frozen(t *land.Title) bool { return t != nil && len(t.Caveats) > 0 }
