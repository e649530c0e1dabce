package land

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/a-h/templ"

	"github.com/publica/publica/client"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/web/portal"
	"github.com/publica/publica/web/ui"
	"github.com/publica/publica/x/land"
)

// The clerk's two remaining dealings: merging adjacent parcels into one,
// and correcting a record (a parcel's reference or address, a title's
// tenure or owners). As for every journey, the chain's rules are applied
// to the answers before anything is signed.

// parcelIDs reads a list of parcel ids ("P1, P2").
func parcelIDs(v string) ([]string, bool) {
	var out []string
	for _, f := range strings.FieldsFunc(strings.ToUpper(v), func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
		if !validID(f, 'P') || slices.Contains(out, f) {
			return nil, false
		}
		out = append(out, f)
	}
	return out, len(out) >= 2 && len(out) <= 64
}

var landMerge = &portal.Journey{
	Path:    "/land/parcels/merge",
	MsgType: land.TypeMerge,
	Title:   "land.j.merge",
	Lead:    "land.j.merge.lead",
	Nav:     "land",
	Fields: []ui.Field{
		{Name: "parcels", Label: "land.f.mergeparcels", Hint: "land.h.mergeparcels"},
		{Name: "cadastral_ref", Label: "land.f.mergedref", Hint: "land.h.mergedref"},
		{Name: "geometry", Label: "land.f.mergedoutline", Kind: "textarea",
			Hint: "land.h.mergedoutline"},
		{Name: "address", Label: "land.f.address", Hint: "land.h.address"},
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
		ids, ok := parcelIDs(a.Values.Get("parcels"))
		var parcels []*land.Parcel
		if !ok {
			errs = append(errs, ui.FormError{Field: "parcels", Message: tr(ctx, "land.e.mergeids")})
		} else {
			var title *land.Title
			for i, id := range ids {
				p, err := portal.Record[land.Parcel](ctx, cl, "/land/parcel/"+id, 0)
				if err != nil {
					return nil, nil, err
				}
				switch {
				case p == nil:
					errs = append(errs, ui.FormError{Field: "parcels", Message: tr(ctx, "land.e.noparcel", id)})
					continue
				case p.Status != land.StatusActive:
					errs = append(errs, ui.FormError{Field: "parcels", Message: tr(ctx, "land.e.retired", id)})
					continue
				case i > 0 && (p.Title == "") != (parcels[0].Title == ""):
					errs = append(errs, ui.FormError{Field: "parcels", Message: tr(ctx, "land.e.onetitled", parcels[0].ID, id)})
				case p.Title != "":
					t, err := portal.Record[land.Title](ctx, cl, "/land/title/"+p.Title, 0)
					if err != nil {
						return nil, nil, err
					}
					if t != nil && len(t.Caveats) > 0 {
						errs = append(errs, ui.FormError{Field: "parcels", Message: tr(ctx, "land.e.parcelfrozen", t.ID, id, t.Caveats[0].ID)})
					}
					if t != nil && title != nil && (!slices.Equal(t.Owners, title.Owners) || t.Tenure != title.Tenure) {
						errs = append(errs, ui.FormError{Field: "parcels", Message: tr(ctx, "land.e.titlesdiffer", title.ID, t.ID)})
					}
					if title == nil {
						title = t
					}
				}
				parcels = append(parcels, p)
			}
		}
		ref := strings.TrimSpace(a.Values.Get("cadastral_ref"))
		switch {
		case !cadRefRe.MatchString(ref):
			errs = append(errs, ui.FormError{Field: "cadastral_ref", Message: tr(ctx, "land.e.cadrefmerge")})
		default:
			used, err := portal.Query(ctx, cl, "/land/cadref/"+ref, nil, 0)
			if err != nil {
				return nil, nil, err
			}
			if used != nil {
				errs = append(errs, ui.FormError{Field: "cadastral_ref", Message: tr(ctx, "land.e.cadrefused", ref, string(used))})
			}
		}
		addr := strings.TrimSpace(a.Values.Get("address"))
		if len(addr) > 256 || !utf8.ValidString(addr) {
			errs = append(errs, ui.FormError{Field: "address", Message: tr(ctx, "land.e.address")})
		}
		var geom land.Geometry
		raw := strings.TrimSpace(a.Values.Get("geometry"))
		if raw == "" {
			errs = append(errs, ui.FormError{Field: "geometry", Message: tr(ctx, "land.e.mergeoutline")})
		} else if g, perr := parseGeoJSON(raw, params.CRS); perr != nil {
			errs = append(errs, ui.FormError{Field: "geometry", Message: tr(ctx, "land.e.outlinebad", perr.Error())})
		} else if nr, gerr := land.ParseGeometry(&g, lim); gerr != nil {
			errs = append(errs, ui.FormError{Field: "geometry", Message: tr(ctx, "land.e.geometry", gerr.Error())})
		} else {
			geom = g
			if len(parcels) == len(ids) && len(parcels) > 0 {
				errs = append(errs, checkMerge(nr, parcels, lim)...)
			}
		}
		doc, errs := checkDocument(ctx, a, errs)
		if len(errs) > 0 {
			return nil, errs, nil
		}
		return land.MsgMerge{Parcels: ids, CadastralRef: ref, Geometry: geom, Address: addr, Document: doc}, nil, nil
	},
	DescribeIn: func(ctx context.Context, t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
		var m land.MsgMerge
		_ = tx.DecodeMsg(t.Msg, &m)
		fs := []ui.Fact{{Label: "land.f.what", Value: tr(ctx, "land.d.merge", strings.Join(m.Parcels, ", "))},
			{Label: "land.f.then", Value: tr(ctx, "land.d.merge.then")},
			{Label: "land.f.cadref", Value: m.CadastralRef, Mono: true}, {Label: "land.f.address", Value: orNone(ctx, m.Address)}}
		if r, err := land.ParseGeometry(&m.Geometry, limitsOf(land.DefaultParams())); err == nil {
			fs = append(fs, ui.Fact{Label: "land.f.area", Value: tr(ctx, "search.m2", ui.AreaM2(r.Area2(), 100))})
		}
		return append(fs, ui.Fact{Label: "land.f.document", Value: m.Document, Mono: true})
	},
	Preview: func(t *tx.Tx) templ.Component {
		var m land.MsgMerge
		if tx.DecodeMsg(t.Msg, &m) != nil {
			return nil
		}
		return ui.ParcelMapAs("parcel-preview", "land.preview.merged", m.CadastralRef, m.Geometry)
	},
	DoneIn: func(ctx context.Context, t *tx.Tx, r *client.Result) (string, []ui.Fact, []ui.Link) {
		var m land.MsgMerge
		_ = tx.DecodeMsg(t.Msg, &m)
		id := string(r.Data)
		return tr(ctx, "land.r.merged", strings.Join(m.Parcels, ", "), id),
			[]ui.Fact{{Label: "land.f.merged", Value: id, Mono: true, Href: "/land/parcels/" + id}},
			[]ui.Link{{Label: tr(ctx, "land.l.lineage", id), Href: "/land/parcels/" + id}}
	},
}

// checkMerge applies x/land's merge rules to the new outline nr.
func checkMerge(nr *land.Region, parcels []*land.Parcel, lim land.Limits) []ui.FormError {
	var errs []ui.FormError
	regions := make([]*land.Region, len(parcels))
	sum := new(big.Int)
	for i, p := range parcels {
		r, err := land.ParseGeometry(&p.Geometry, lim)
		if err != nil {
			return []ui.FormError{{Field: "parcels", Message: "Parcel " + p.ID + "’s outline cannot be read: " + err.Error()}}
		}
		regions[i] = r
		sum.Add(sum, r.Area2())
		if !land.Contains(nr, r) {
			errs = append(errs, ui.FormError{Field: "geometry", Message: "The outline does not contain parcel " + p.ID})
		}
	}
	if sum.Cmp(nr.Area2()) != 0 {
		errs = append(errs, ui.FormError{Field: "geometry", Message: fmt.Sprintf("The outline’s area (%s m²) is not the parcels’ total (%s m²)",
			ui.AreaM2(nr.Area2(), 100), ui.AreaM2(sum, 100))})
	}
	reached := []int{0}
	for k := 0; k < len(reached); k++ {
		for j := range regions {
			if !slices.Contains(reached, j) && land.Adjacent(regions[reached[k]], regions[j]) {
				reached = append(reached, j)
			}
		}
	}
	if len(reached) != len(regions) {
		errs = append(errs, ui.FormError{Field: "parcels", Message: "The parcels are not all adjacent to one another"})
	}
	return errs
}

// parseOwners reads "ACCOUNT SHARE, ACCOUNT SHARE" (a single account id
// means the whole title).
func parseOwners(v string) ([]land.Share, string) {
	var out []land.Share
	sum := new(big.Rat)
	for _, part := range strings.Split(v, ",") {
		f := strings.Fields(part)
		if len(f) == 0 {
			continue
		}
		id, ok := parseParty(f[0])
		if !ok || len(f) > 2 {
			return nil, "Write each owner as a party id (such as N1) or an account id and a share, separated by commas, such as N1 1/2, N2 1/2"
		}
		share := "1"
		if len(f) == 2 {
			share = f[1]
		}
		r, err := land.ParseShare(share)
		if err != nil {
			return nil, "Share " + share + " must be a fraction in lowest terms, such as 1/2"
		}
		if slices.ContainsFunc(out, func(s land.Share) bool { return s.Party == id }) {
			return nil, "Account " + id + " is listed twice"
		}
		sum.Add(sum, r)
		out = append(out, land.Share{Party: id, Share: share})
	}
	if len(out) == 0 {
		return nil, ""
	}
	if sum.Cmp(big.NewRat(1, 1)) != 0 {
		return nil, "The shares add up to " + sum.RatString() + ", not exactly 1"
	}
	return out, ""
}

var landCorrect = &portal.Journey{
	Path:    "/land/corrections",
	MsgType: land.TypeCorrect,
	Title:   "land.j.correct",
	Lead:    "land.j.correct.lead",
	Nav:     "land",
	Fields: []ui.Field{
		{Name: "record", Label: "land.f.record", Hint: "land.h.record"},
		{Name: "cadastral_ref", Label: "land.f.newref", Hint: "land.h.parcelsonly"},
		{Name: "address", Label: "land.f.newaddress", Hint: "land.h.parcelsonly"},
		{Name: "tenure", Label: "land.f.newtenure", Hint: "land.h.newtenure"},
		{Name: "owners", Label: "land.f.newowners", Hint: "land.h.newowners", Wide: true},
		{Name: "reason", Label: "land.f.reason", Hint: "land.h.correctreason", Kind: "textarea"},
		documentField(),
	},
	Message: func(ctx context.Context, cl *client.Client, a portal.Answers) (any, []ui.FormError, error) {
		errs := requireClerk(ctx, a, nil)
		id := strings.ToUpper(strings.TrimSpace(a.Values.Get("record")))
		ref, addr := strings.TrimSpace(a.Values.Get("cadastral_ref")), strings.TrimSpace(a.Values.Get("address"))
		tenure, ownersText := strings.ToLower(strings.TrimSpace(a.Values.Get("tenure"))), strings.TrimSpace(a.Values.Get("owners"))
		msg := land.MsgCorrect{}
		switch {
		case validID(id, 'P'):
			p, err := portal.Record[land.Parcel](ctx, cl, "/land/parcel/"+id, 0)
			if err != nil {
				return nil, nil, err
			}
			if p == nil {
				errs = append(errs, ui.FormError{Field: "record", Message: tr(ctx, "land.e.noparcel", id)})
			}
			if tenure != "" || ownersText != "" {
				errs = append(errs, ui.FormError{Field: "record", Message: tr(ctx, "land.e.parcelcorrection")})
			}
			if ref != "" {
				if !cadRefRe.MatchString(ref) {
					errs = append(errs, ui.FormError{Field: "cadastral_ref", Message: tr(ctx, "land.e.cadrefchars")})
				} else if p == nil || ref != p.CadastralRef {
					used, err := portal.Query(ctx, cl, "/land/cadref/"+ref, nil, 0)
					if err != nil {
						return nil, nil, err
					}
					if used != nil {
						errs = append(errs, ui.FormError{Field: "cadastral_ref", Message: tr(ctx, "land.e.cadrefis", ref, string(used))})
					}
				}
				msg.CadastralRef = &ref
			}
			if addr != "" {
				if len(addr) > 256 || !utf8.ValidString(addr) {
					errs = append(errs, ui.FormError{Field: "address", Message: tr(ctx, "land.e.address")})
				}
				msg.Address = &addr
			}
			if ref == "" && addr == "" {
				errs = append(errs, ui.FormError{Field: "cadastral_ref", Message: tr(ctx, "land.e.nochangeparcel")})
			}
			msg.Parcel = id
		case validID(id, 'T'):
			t, err := portal.Record[land.Title](ctx, cl, "/land/title/"+id, 0)
			switch {
			case err != nil:
				return nil, nil, err
			case t == nil:
				errs = append(errs, ui.FormError{Field: "record", Message: tr(ctx, "land.e.notitle", id)})
			case t.Status != land.StatusActive:
				errs = append(errs, ui.FormError{Field: "record", Message: tr(ctx, "land.e.titlecancelled", id)})
			}
			if ref != "" || addr != "" {
				errs = append(errs, ui.FormError{Field: "record", Message: tr(ctx, "land.e.titlecorrection")})
			}
			if tenure != "" {
				if !slices.Contains(land.Tenures, tenure) {
					errs = append(errs, ui.FormError{Field: "tenure", Message: tr(ctx, "land.e.tenure")})
				}
				msg.Tenure = &tenure
			}
			if ownersText != "" {
				owners, bad := parseOwners(ownersText)
				if bad != "" {
					errs = append(errs, ui.FormError{Field: "owners", Message: bad})
				}
				msg.Owners = owners
			}
			if tenure == "" && ownersText == "" {
				errs = append(errs, ui.FormError{Field: "tenure", Message: tr(ctx, "land.e.nochangetitle")})
			}
			msg.Title = id
		default:
			errs = append(errs, ui.FormError{Field: "record", Message: tr(ctx, "land.e.recordid")})
		}
		var doc string
		msg.Reason, errs = checkReason(ctx, a, "reason", 512, errs)
		doc, errs = checkDocument(ctx, a, errs)
		if len(errs) > 0 {
			return nil, errs, nil
		}
		msg.Document = doc
		return msg, nil, nil
	},
	DescribeIn: func(ctx context.Context, t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
		var m land.MsgCorrect
		_ = tx.DecodeMsg(t.Msg, &m)
		what := tr(ctx, "land.d.correctparcel", m.Parcel)
		if m.Title != "" {
			what = tr(ctx, "land.d.correcttitle", m.Title)
		}
		fs := []ui.Fact{{Label: "land.f.what", Value: what}}
		if m.CadastralRef != nil {
			fs = append(fs, ui.Fact{Label: "land.f.newref", Value: *m.CadastralRef, Mono: true})
		}
		if m.Address != nil {
			fs = append(fs, ui.Fact{Label: "land.f.newaddress", Value: *m.Address})
		}
		if m.Tenure != nil {
			fs = append(fs, ui.Fact{Label: "land.f.newtenure", Value: tr(ctx, "land.tenure."+*m.Tenure)})
		}
		if m.Owners != nil {
			fs = append(fs, ui.Fact{Label: "land.f.newowners", Value: sharesText(m.Owners), Mono: true})
		}
		return append(fs, ui.Fact{Label: "land.f.reason", Value: m.Reason}, ui.Fact{Label: "land.f.document", Value: m.Document, Mono: true})
	},
	DoneIn: func(ctx context.Context, t *tx.Tx, _ *client.Result) (string, []ui.Fact, []ui.Link) {
		var m land.MsgCorrect
		_ = tx.DecodeMsg(t.Msg, &m)
		if m.Title != "" {
			return tr(ctx, "land.r.titlecorrected", m.Title), []ui.Fact{titleFact(m.Title)}, titleLinks(ctx, m.Title)
		}
		return tr(ctx, "land.r.parcelcorrected", m.Parcel), []ui.Fact{{Label: "land.f.parcel", Value: m.Parcel, Mono: true, Href: "/land/parcels/" + m.Parcel}},
			[]ui.Link{{Label: tr(ctx, "land.l.history", m.Parcel), Href: "/land/parcels/" + m.Parcel}}
	},
}
