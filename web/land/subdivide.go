package land

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/a-h/templ"

	"github.com/publica/publica/client"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/web/portal"
	"github.com/publica/publica/web/ui"
	"github.com/publica/publica/x/land"
)

// Subdivision: a clerk replaces a parcel by children that partition it.
// The children come as one GeoJSON FeatureCollection (the usual export of
// a survey plan), each feature naming its cadastral_ref (and optionally
// address) in its properties. The answers are checked as x/land checks
// them: every child valid, inside the parent, no two overlapping, the
// parent covered to within the tolerance, references unused, the parent's
// title free of caveats.

// childrenExample is the hint's example: P1 of the portal's examples split
// in two halves.
const childrenExample = `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"cadastral_ref":"LOT-1-A"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[5000,0],[5000,10000],[0,10000],[0,0]]]}},{"type":"Feature","properties":{"cadastral_ref":"LOT-1-B"},"geometry":{"type":"Polygon","coordinates":[[[5000,0],[10000,0],[10000,10000],[5000,10000],[5000,0]]]}}]}`

// parseChildren reads the FeatureCollection of children.
func parseChildren(s, crs string) ([]land.ChildParcel, []string) {
	var fc struct {
		Type     string `json:"type"`
		Features []struct {
			Type       string          `json:"type"`
			Properties json.RawMessage `json:"properties"`
			Geometry   json.RawMessage `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal([]byte(s), &fc); err != nil {
		return nil, []string{"The children are not valid JSON: paste a GeoJSON FeatureCollection"}
	}
	if fc.Type != "FeatureCollection" {
		return nil, []string{fmt.Sprintf("The children must be a GeoJSON FeatureCollection, not %q", fc.Type)}
	}
	if len(fc.Features) < 2 || len(fc.Features) > 64 {
		return nil, []string{fmt.Sprintf("A subdivision makes 2 to 64 children; the collection has %d", len(fc.Features))}
	}
	var out []land.ChildParcel
	var bad []string
	for i, f := range fc.Features {
		n := i + 1
		var props struct {
			Ref     string `json:"cadastral_ref"`
			Address string `json:"address"`
		}
		if len(f.Properties) > 0 && string(f.Properties) != "null" {
			if err := json.Unmarshal(f.Properties, &props); err != nil {
				bad = append(bad, fmt.Sprintf("Child %d: its properties must be an object with cadastral_ref and address strings", n))
				continue
			}
		}
		props.Ref, props.Address = strings.TrimSpace(props.Ref), strings.TrimSpace(props.Address)
		before := len(bad)
		switch {
		case props.Ref == "":
			bad = append(bad, fmt.Sprintf("Child %d has no cadastral_ref in its properties", n))
		case !cadRefRe.MatchString(props.Ref):
			bad = append(bad, fmt.Sprintf("Child %d: cadastral reference %q may use only letters, digits and . _ : - (up to 64)", n, props.Ref))
		}
		if len(props.Address) > 256 || !utf8.ValidString(props.Address) {
			bad = append(bad, fmt.Sprintf("Child %d: the address must be at most 256 characters", n))
		}
		if f.Type != "Feature" || len(f.Geometry) == 0 || string(f.Geometry) == "null" {
			bad = append(bad, fmt.Sprintf("Child %d is not a Feature with a geometry", n))
			continue
		}
		g, err := parseGeoJSON(string(f.Geometry), crs)
		if err != nil {
			bad = append(bad, fmt.Sprintf("Child %d (%s) is not a GeoJSON polygon: %v", n, props.Ref, err))
			continue
		}
		if len(bad) > before {
			continue // only well-formed children are returned
		}
		out = append(out, land.ChildParcel{CadastralRef: props.Ref, Geometry: g, Address: props.Address})
	}
	return out, bad
}

// toleranceArea2 turns square metres into twice-square-units, rounding
// down (the registry's exact unit).
func toleranceArea2(m2 string, unitsPerMetre int64) (string, bool) {
	if m2 == "" {
		return "0", true
	}
	r, ok := new(big.Rat).SetString(m2)
	if !ok || r.Sign() < 0 || len(m2) > 20 {
		return "", false
	}
	u := big.NewRat(unitsPerMetre*unitsPerMetre*2, 1)
	r.Mul(r, u)
	return new(big.Int).Quo(r.Num(), r.Denom()).String(), true
}

// parentOutlines remembers the parent outline of subdivisions prepared
// lately, by message hash, for their check page's map (the message names
// the parent but does not carry its outline).
var parentOutlines = struct {
	sync.Mutex
	m map[[32]byte]land.Geometry
}{m: map[[32]byte]land.Geometry{}}

func rememberParent(msg any, g land.Geometry) {
	b, err := tx.EncodeMsg(msg)
	if err != nil {
		return
	}
	parentOutlines.Lock()
	defer parentOutlines.Unlock()
	if len(parentOutlines.m) >= 256 {
		clear(parentOutlines.m)
	}
	parentOutlines.m[sha256.Sum256(b)] = g
}

func parentOutline(msg []byte) (land.Geometry, bool) {
	parentOutlines.Lock()
	defer parentOutlines.Unlock()
	g, ok := parentOutlines.m[sha256.Sum256(msg)]
	return g, ok
}

var landSubdivide = &portal.Journey{
	Path:    "/land/parcels/subdivide",
	MsgType: land.TypeSubdivide,
	Title:   "land.j.subdivide",
	Lead:    "land.j.subdivide.lead",
	Nav:     "land",
	Fields: []ui.Field{
		{Name: "parcel", Label: "land.f.subdivideparcel", Hint: "land.h.parcel"},
		{Name: "children", Label: "land.f.children", Kind: "textarea",
			Hint: "land.h.children"},
		{Name: "tolerance", Label: "land.f.tolerance", Hint: "land.h.tolerance"},
		documentField(),
	},
	Scripts: []string{"land.js"},
	Message: func(ctx context.Context, cl *client.Client, a portal.Answers) (any, []ui.FormError, error) {
		errs := requireClerk(ctx, a, nil)
		params, err := landParams(ctx, cl)
		if err != nil {
			return nil, nil, err
		}
		lim := limitsOf(params)
		pid := strings.ToUpper(strings.TrimSpace(a.Values.Get("parcel")))
		var parent *land.Parcel
		if !validID(pid, 'P') {
			errs = append(errs, ui.FormError{Field: "parcel", Message: tr(ctx, "land.e.parcelid")})
		} else {
			if parent, err = portal.Record[land.Parcel](ctx, cl, "/land/parcel/"+pid, 0); err != nil {
				return nil, nil, err
			}
			switch {
			case parent == nil:
				errs = append(errs, ui.FormError{Field: "parcel", Message: tr(ctx, "land.e.noparcel", pid)})
			case parent.Status != land.StatusActive:
				errs = append(errs, ui.FormError{Field: "parcel", Message: tr(ctx, "land.e.retiredby", pid, strings.Join(parent.Children, ", "))})
				parent = nil
			case parent.Title != "":
				t, err := portal.Record[land.Title](ctx, cl, "/land/title/"+parent.Title, 0)
				if err != nil {
					return nil, nil, err
				}
				if t != nil && len(t.Caveats) > 0 {
					errs = append(errs, ui.FormError{Field: "parcel", Message: tr(ctx, "land.e.subdividefrozen", pid, t.ID, t.Caveats[0].ID, t.Caveats[0].Reason)})
				}
			}
		}
		var children []land.ChildParcel
		raw := strings.TrimSpace(a.Values.Get("children"))
		if raw == "" {
			errs = append(errs, ui.FormError{Field: "children", Message: tr(ctx, "land.e.children")})
		} else {
			var bad []string
			children, bad = parseChildren(raw, params.CRS)
			for _, b := range bad {
				errs = append(errs, ui.FormError{Field: "children", Message: b})
			}
			if len(bad) > 0 {
				children = nil
			}
		}
		tol, ok := toleranceArea2(strings.TrimSpace(a.Values.Get("tolerance")), params.UnitsPerMetre)
		if !ok {
			errs = append(errs, ui.FormError{Field: "tolerance", Message: tr(ctx, "land.e.tolerance")})
		}
		if children != nil {
			cerrs, err := checkChildren(ctx, cl, lim, parent, children, tol, params.UnitsPerMetre)
			if err != nil {
				return nil, nil, err
			}
			errs = append(errs, cerrs...)
		}
		doc, errs := checkDocument(ctx, a, errs)
		if len(errs) > 0 {
			return nil, errs, nil
		}
		msg := land.MsgSubdivide{Parcel: parent.ID, Children: children, Tolerance: tol, Document: doc}
		rememberParent(msg, parent.Geometry)
		return msg, nil, nil
	},
	DescribeIn: func(ctx context.Context, t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
		var m land.MsgSubdivide
		_ = tx.DecodeMsg(t.Msg, &m)
		fs := []ui.Fact{{Label: "land.f.what", Value: tr(ctx, "land.d.subdivide", m.Parcel, strconv.Itoa(len(m.Children)))},
			{Label: "land.f.then", Value: tr(ctx, "land.d.subdivide.then", m.Parcel)}}
		for i, c := range m.Children {
			v := c.CadastralRef
			if r, err := land.ParseGeometry(&c.Geometry, limitsOf(land.DefaultParams())); err == nil {
				v = tr(ctx, "land.d.childarea", v, tr(ctx, "search.m2", ui.AreaM2(r.Area2(), 100)))
			}
			if c.Address != "" {
				v = tr(ctx, "land.d.childaddr", v, c.Address)
			}
			fs = append(fs, ui.Fact{Label: tr(ctx, "land.d.child", strconv.Itoa(i+1)), Value: v})
		}
		tol, _ := new(big.Int).SetString(m.Tolerance, 10)
		if tol == nil {
			tol = new(big.Int)
		}
		return append(fs, ui.Fact{Label: "land.f.uncovered", Value: tr(ctx, "search.m2", ui.AreaM2(tol, 100))},
			ui.Fact{Label: "land.f.document", Value: m.Document, Mono: true})
	},
	Preview: func(t *tx.Tx) templ.Component {
		var m land.MsgSubdivide
		if tx.DecodeMsg(t.Msg, &m) != nil {
			return nil
		}
		g, ok := parentOutline(t.Msg)
		if !ok {
			return nil
		}
		return ui.SubdivisionMap(ui.SubdivisionView{ID: "subdivision-preview", Parent: m.Parcel, ParentG: g, Children: m.Children})
	},
	DoneIn: func(ctx context.Context, t *tx.Tx, r *client.Result) (string, []ui.Fact, []ui.Link) {
		var m land.MsgSubdivide
		_ = tx.DecodeMsg(t.Msg, &m)
		ids := strings.Split(string(r.Data), ",")
		facts := []ui.Fact{{Label: "land.f.parent", Value: m.Parcel, Mono: true, Href: "/land/parcels/" + m.Parcel}}
		links := []ui.Link{{Label: tr(ctx, "land.l.children", m.Parcel), Href: "/land/parcels/" + m.Parcel}}
		for i, id := range ids {
			facts = append(facts, ui.Fact{Label: tr(ctx, "land.d.child", strconv.Itoa(i+1)), Value: id, Mono: true, Href: "/land/parcels/" + id})
			links = append(links, ui.Link{Label: tr(ctx, "land.l.seeparcel", id), Href: "/land/parcels/" + id})
		}
		return tr(ctx, "land.r.subdivided", m.Parcel), facts, links
	},
}

// checkChildren applies x/land's subdivision rules to the parsed children.
func checkChildren(ctx context.Context, cl *client.Client, lim land.Limits, parent *land.Parcel, children []land.ChildParcel, tol string, upm int64) ([]ui.FormError, error) {
	var errs []ui.FormError
	bad := func(format string, args ...any) {
		errs = append(errs, ui.FormError{Field: "children", Message: fmt.Sprintf(format, args...)})
	}
	var pr *land.Region
	if parent != nil {
		var err error
		if pr, err = land.ParseGeometry(&parent.Geometry, lim); err != nil {
			return nil, fmt.Errorf("parent %s outline: %w", parent.ID, err)
		}
	}
	regions := make([]*land.Region, len(children))
	covered := new(big.Int)
	for i, c := range children {
		for j := range i {
			if children[j].CadastralRef == c.CadastralRef {
				bad("Children %d and %d both have cadastral reference %s", j+1, i+1, c.CadastralRef)
			}
		}
		used, err := portal.Query(ctx, cl, "/land/cadref/"+c.CadastralRef, nil, 0)
		if err != nil {
			return nil, err
		}
		if used != nil {
			bad("Child %d: cadastral reference %s is already registered (parcel %s)", i+1, c.CadastralRef, used)
		}
		r, gerr := land.ParseGeometry(&c.Geometry, lim)
		if gerr != nil {
			bad("Child %d (%s): the geometry is not valid: %v", i+1, c.CadastralRef, gerr)
			continue
		}
		if pr != nil && !land.Contains(pr, r) {
			bad("Child %d (%s) is not inside parcel %s: children must lie within the parent", i+1, c.CadastralRef, parent.ID)
		}
		for j := range i {
			if regions[j] != nil && land.Overlaps(regions[j], r) {
				bad("Children %d (%s) and %d (%s) overlap: children may share edges but not area", j+1, children[j].CadastralRef, i+1, c.CadastralRef)
			}
		}
		regions[i] = r
		covered.Add(covered, r.Area2())
	}
	if pr != nil && len(errs) == 0 {
		t, _ := new(big.Int).SetString(tol, 10)
		gap := new(big.Int).Sub(pr.Area2(), covered)
		if t != nil && gap.Cmp(t) > 0 {
			bad("The children leave %s m² of parcel %s uncovered, more than the %s m² allowed", ui.AreaM2(gap, upm), parent.ID, ui.AreaM2(t, upm))
		}
	}
	return errs, nil
}
