package ui

import (
	"context"
	"io"
	"strings"
	"time"

	"github.com/a-h/templ"

	"github.com/publica/publica/web/i18n"
	"github.com/publica/publica/x/land"
)

// The land pages' words in the page's language (web/i18n, keys land.*):
// record values the chain stores in English (tenure, status, party kind,
// message type) are shown through the catalog when it knows them, and
// as stored otherwise.

// word is the catalog's text for key prefix+v, or v itself when the
// catalog has no such key.
func word(ctx context.Context, prefix, v string) string {
	if k := prefix + v; i18n.Has(k) {
		return i18n.T(ctx, k)
	}
	return v
}

// tenureIn says a title's tenure: freehold, leasehold, state.
func tenureIn(ctx context.Context, t string) string { return word(ctx, "land.tenure.", t) }

// titleStatusIn says a title's status: active, cancelled.
func titleStatusIn(ctx context.Context, s string) string { return word(ctx, "land.tstatus.", s) }

// shareTextIn is shareText in the page's language.
func shareTextIn(ctx context.Context, s string) string {
	if s == "1" {
		return tr(ctx, "land.share.whole")
	}
	return s
}

// partyKindIn is PartyKindText in the page's language.
func partyKindIn(ctx context.Context, kind string) string { return word(ctx, "land.kind.", kind) }

// partyTechIn is partyTech in the page's language.
func partyTechIn(ctx context.Context, p *land.Party) string {
	s := tr(ctx, "land.party.tech", p.ID, partyKindIn(ctx, p.Kind))
	if p.RegistrationNumber != "" {
		s = tr(ctx, "land.party.tech.regno", p.ID, partyKindIn(ctx, p.Kind), p.RegistrationNumber)
	}
	if len(p.Accounts) == 0 {
		return s + tr(ctx, "land.party.tech.noaccount")
	}
	return s + tr(ctx, "land.party.tech.accounts", strings.Join(p.Accounts, ", "))
}

// eventTitleIn is eventTitle in the page's language: a dealing's kind in
// words ("Mortgage registered").
func eventTitleIn(ctx context.Context, e land.Event) string {
	switch {
	case e.Type == land.TypeLodgeCaveat && strings.Contains(e.Msg, `"status":"`+land.CaveatApplied+`"`):
		return tr(ctx, "land.ev.caveatapplied")
	case e.Type == land.TypeExamineCaveat && strings.Contains(e.Msg, `"decision":"`+land.DecisionAccept+`"`):
		return tr(ctx, "land.ev.caveataccepted")
	case e.Type == land.TypeExamineCaveat:
		return tr(ctx, "land.ev.caveatrejected")
	}
	if k := "land.ev." + e.Type; i18n.Has(k) {
		return tr(ctx, k)
	}
	return eventLabel(e.Type)
}

// eventRefIn is eventRef in the page's language.
func eventRefIn(ctx context.Context, e land.Event) string {
	if e.Seq == 0 && e.Offer != "" {
		return tr(ctx, "land.ev.offer", e.Offer)
	}
	return tr(ctx, "land.ev.event", itoa64(int64(e.Seq)))
}

// eventFactsIn is eventFacts in the page's language.
func eventFactsIn(ctx context.Context, e land.Event, ps Parties, actors map[string]string) []Fact {
	fs := []Fact{
		{Label: tr(ctx, "land.ev.when"), Value: tr(ctx, "land.ev.whenblock", readableTimeIn(ctx, e.Time), num(ctx, e.Height)), Href: "/blocks/" + itoa64(e.Height)},
	}
	if name := actors[e.Actor]; name != "" {
		fs = append(fs, Fact{Label: tr(ctx, "land.ev.by"), Value: name})
	} else {
		fs = append(fs, Fact{Label: tr(ctx, "land.ev.by"), Value: tr(ctx, "land.ev.account", e.Actor), Mono: true})
	}
	if e.Title != "" {
		fs = append(fs, Fact{Label: tr(ctx, "land.f.title"), Value: e.Title, Href: "/land/titles/" + e.Title})
	}
	if len(e.Owners) > 0 {
		named := false
		for _, o := range e.Owners {
			named = named || ps[o.Party] != nil
		}
		fs = append(fs, Fact{Label: tr(ctx, "land.ev.ownersafter"), Value: ownersText(ps, e.Owners), Mono: !named})
	}
	return fs
}

// eventTechIn is eventTech in the page's language.
func eventTechIn(ctx context.Context, e land.Event) []Fact {
	fs := []Fact{
		{Label: tr(ctx, "land.ev.record"), Value: eventRefIn(ctx, e)},
		{Label: tr(ctx, "land.ev.tx"), Value: e.TxHash, Mono: true, Href: "/tx/" + e.TxHash},
		{Label: tr(ctx, "land.flow.msgtype"), Value: e.Type, Mono: true},
		{Label: tr(ctx, "land.ev.signer"), Value: e.Actor, Mono: true},
		{Label: tr(ctx, "land.ev.blocktime"), Value: e.Time, Mono: true},
	}
	if e.Document != "" {
		fs = append(fs, Fact{Label: tr(ctx, "land.f.document"), Value: e.Document, Mono: true})
	}
	return fs
}

// crsIn is crsOf in the page's language.
func crsIn(ctx context.Context, g land.Geometry) string {
	if g.CRS != "" {
		return g.CRS
	}
	return tr(ctx, "land.map.registercrs")
}

// sinceSummaryIn is sinceSummary in the page's language.
func (s *SinceView) sinceSummaryIn(ctx context.Context) string {
	switch {
	case s.Now == nil:
		return tr(ctx, "land.since.gone")
	case s.Now.Status != land.StatusActive:
		return tr(ctx, "land.since.replaced")
	case len(s.Now.Caveats) > 0:
		return tr(ctx, "land.since.frozen")
	case len(s.Events) > 0:
		return tr(ctx, "land.since.changed")
	}
	return ""
}

// mapDescIn is a parcel map's description (mapOf's Desc) in the page's
// language.
func mapDescIn(ctx context.Context, v mapView, g land.Geometry) string {
	return tr(ctx, "land.map.desc", num(ctx, int64(len(v.Paths))), num(ctx, int64(v.n)),
		itoa64(v.bbox[0]), itoa64(v.bbox[1]), itoa64(v.bbox[2]), itoa64(v.bbox[3]), crsIn(ctx, g))
}

// dayIn writes a date the register stores as YYYY-MM-DD (a lease's
// term) in the page's language; anything else as it is.
func dayIn(ctx context.Context, s string) string {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return s
	}
	return i18n.Date(i18n.Lang(ctx), t)
}

// certTimeIn is a certificate's block time ("2 January 2006, 15:04:05
// UTC", as the handler writes it) in the page's language.
func certTimeIn(ctx context.Context, s string) string {
	t, err := time.Parse("2 January 2006, 15:04:05 UTC", s)
	if err != nil || i18n.Lang(ctx) != i18n.Chinese {
		return s
	}
	return i18n.DateTime(i18n.Chinese, t)
}

// nameIn is Name in the page's language.
func (p MapParcel) nameIn(ctx context.Context) string {
	if p.Address != "" {
		return tr(ctx, "land.mapparcel.addr", p.Address, p.Ref)
	}
	return tr(ctx, "search.parcel", p.Ref)
}

// ParcelMapAs is ParcelMap labelled by the catalog's message key with
// ref, in the page's language.
func ParcelMapAs(id, key, ref string, g land.Geometry) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		return ParcelMap(id, tr(ctx, key, ref), g).Render(ctx, w)
	})
}
