package land

import (
	"context"
	"crypto/ed25519"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/publica/publica/client"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/web/portal"
	"github.com/publica/publica/web/ui"
	"github.com/publica/publica/x/authority"
	"github.com/publica/publica/x/land"
)

// Dealings on a registered title that one key signs: caveats (lodge,
// examine, withdraw, remove), discharging a mortgage, ending a lease or an
// easement, transmission, and withdrawing a transfer offer. Each refuses,
// before anything is signed, what x/land would refuse: a record that is
// not on the title, a signer who is not the lodger, lender, lessee or a
// clerk, or a title frozen by a caveat for a dealing that needs it free.
// Dealings that several parties sign (mortgage, lease, easement) are in
// cosign_journeys.go; subdivision in subdivide.go.

func titleField() ui.Field {
	return ui.Field{Name: "title", Label: "land.f.title", Hint: "land.h.title"}
}

// titleFor reads the "title" field and loads an active title. With
// dealable, a standing caveat is refused too, as x/land refuses it.
func titleFor(ctx context.Context, cl *client.Client, a portal.Answers, dealable bool, errs []ui.FormError) (*land.Title, []ui.FormError, error) {
	tid := strings.ToUpper(strings.TrimSpace(a.Values.Get("title")))
	if !validID(tid, 'T') {
		return nil, append(errs, ui.FormError{Field: "title", Message: tr(ctx, "land.e.titleid")}), nil
	}
	t, err := portal.Record[land.Title](ctx, cl, "/land/title/"+tid, 0)
	switch {
	case err != nil:
		return nil, nil, err
	case t == nil:
		return nil, append(errs, ui.FormError{Field: "title", Message: tr(ctx, "land.e.notitle", tid)}), nil
	case t.Status != land.StatusActive:
		return nil, append(errs, ui.FormError{Field: "title", Message: tr(ctx, "land.e.cancelled", tid, strings.Join(t.Children, ", "))}), nil
	case dealable && len(t.Caveats) > 0:
		cv := t.Caveats[0]
		return nil, append(errs, ui.FormError{Field: "title", Message: tr(ctx, "land.e.frozen", tid, cv.ID, cv.Reason)}), nil
	}
	return t, errs, nil
}

// recordOn reads an id field (prefix M, L, E, C) and checks the title
// carries that record.
func recordOn(ctx context.Context, a portal.Answers, field string, prefix byte, what string, t *land.Title, ids []string, errs []ui.FormError) (string, []ui.FormError) {
	id := strings.ToUpper(strings.TrimSpace(a.Values.Get(field)))
	switch {
	case !validID(id, prefix):
		return id, append(errs, ui.FormError{Field: field, Message: tr(ctx, "land.e.recid", recordWord(ctx, what, false), string(prefix))})
	case t != nil && !contains(ids, id):
		return id, append(errs, ui.FormError{Field: field, Message: tr(ctx, "land.e.notontitle", recordWord(ctx, what, true), id, t.ID) + onTitle(ctx, ids)})
	}
	return id, errs
}

func onTitle(ctx context.Context, ids []string) string {
	if len(ids) == 0 {
		return tr(ctx, "land.e.hasnone")
	}
	return tr(ctx, "land.e.has", strings.Join(ids, ", "))
}

func contains(ids []string, id string) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

func idsOf[T any](list []T, id func(T) string) []string {
	out := make([]string, len(list))
	for i, x := range list {
		out[i] = id(x)
	}
	return out
}

// requireAccount refuses a key with no account.
func requireAccount(ctx context.Context, a portal.Answers, errs []ui.FormError) []ui.FormError {
	if a.Account == nil {
		return append(errs, ui.FormError{Field: portal.SignerField, Message: tr(ctx, "land.e.noaccount")})
	}
	return errs
}

func checkReason(ctx context.Context, a portal.Answers, field string, max int, errs []ui.FormError) (string, []ui.FormError) {
	r := strings.TrimSpace(a.Values.Get(field))
	switch {
	case r == "":
		errs = append(errs, ui.FormError{Field: field, Message: tr(ctx, "land.e.reason")})
	case len(r) > max || !utf8.ValidString(r):
		errs = append(errs, ui.FormError{Field: field, Message: tr(ctx, "land.e.reasonlong", strconv.Itoa(max))})
	}
	return r, errs
}

func titleLinks(ctx context.Context, ids ...string) []ui.Link {
	var out []ui.Link
	for _, id := range ids {
		if id != "" {
			out = append(out, ui.Link{Label: tr(ctx, "land.l.seetitle", id), Href: "/land/titles/" + id})
		}
	}
	return out
}

func titleFact(id string) ui.Fact {
	return ui.Fact{Label: "land.f.title", Value: id, Mono: true, Href: "/land/titles/" + id}
}

var landLodgeCaveat = &portal.Journey{
	Path:    "/land/caveats/lodge",
	MsgType: land.TypeLodgeCaveat,
	Title:   "land.j.lodge",
	Lead:    "land.j.lodge.lead",
	Nav:     "land",
	Fields: []ui.Field{titleField(),
		{Name: "reason", Label: "land.f.claim", Hint: "land.h.claim", Kind: "textarea"},
		documentField()},
	Message: func(ctx context.Context, cl *client.Client, a portal.Answers) (any, []ui.FormError, error) {
		errs := requireAccount(ctx, a, nil)
		t, errs, err := titleFor(ctx, cl, a, false, errs)
		if err != nil {
			return nil, nil, err
		}
		reason, errs := checkReason(ctx, a, "reason", 512, errs)
		doc, errs := checkDocument(ctx, a, errs)
		if len(errs) > 0 {
			return nil, errs, nil
		}
		return land.MsgLodgeCaveat{Title: t.ID, Reason: reason, Document: doc}, nil, nil
	},
	DescribeIn: func(ctx context.Context, t *tx.Tx, signer ed25519.PublicKey) []ui.Fact {
		var m land.MsgLodgeCaveat
		_ = tx.DecodeMsg(t.Msg, &m)
		return []ui.Fact{
			{Label: "land.f.what", Value: tr(ctx, "land.d.lodge", m.Title)},
			{Label: "land.f.lodgedby", Value: tx.AccountID(signer), Mono: true},
			{Label: "land.f.claimfact", Value: m.Reason},
			{Label: "land.f.effect", Value: tr(ctx, "land.d.lodge.effect", m.Title)},
			{Label: "land.f.document", Value: m.Document, Mono: true},
		}
	},
	DoneIn: func(ctx context.Context, t *tx.Tx, r *client.Result) (string, []ui.Fact, []ui.Link) {
		var m land.MsgLodgeCaveat
		_ = tx.DecodeMsg(t.Msg, &m)
		id := string(r.Data)
		if caveatApplied(r) {
			return tr(ctx, "land.r.applied", id, m.Title),
				[]ui.Fact{{Label: "land.f.caveat", Value: id, Mono: true}, titleFact(m.Title),
					{Label: "land.f.status", Value: tr(ctx, "land.r.applied.status")}},
				append(titleLinks(ctx, m.Title), ui.Link{Label: "land.l.withdrawapp", Href: "/land/caveats/withdraw?title=" + m.Title + "&caveat=" + id})
		}
		return tr(ctx, "land.r.lodged", id, m.Title),
			[]ui.Fact{{Label: "land.f.caveat", Value: id, Mono: true}, titleFact(m.Title), {Label: "land.f.status", Value: tr(ctx, "land.r.lodged.status")}},
			append(titleLinks(ctx, m.Title), ui.Link{Label: "land.l.withdrawlater", Href: "/land/caveats/withdraw?title=" + m.Title + "&caveat=" + id})
	},
}

// caveatApplied says whether the lodged caveat became an application
// (x/land's land.caveat_applied event) rather than a caveat in force.
func caveatApplied(r *client.Result) bool {
	for _, e := range r.Events {
		if e.Type == "land.caveat_applied" {
			return true
		}
	}
	return false
}

// caveatIDs lists the caveats in force and the applications on a title:
// the lodger withdraws either, a clerk removes either.
func caveatIDs(t *land.Title) []string {
	if t == nil {
		return nil
	}
	return idsOf(slices.Concat(t.Caveats, t.Applications), func(c land.Caveat) string { return c.ID })
}

func caveatOn(t *land.Title, id string) *land.Caveat {
	if t == nil {
		return nil
	}
	for _, list := range [][]land.Caveat{t.Caveats, t.Applications} {
		for i := range list {
			if list[i].ID == id {
				return &list[i]
			}
		}
	}
	return nil
}

func applicationIDs(t *land.Title) []string {
	if t == nil {
		return nil
	}
	return idsOf(t.Applications, func(c land.Caveat) string { return c.ID })
}

// landExamineCaveat: a clerk accepts a caveat application (it then
// freezes the title) or rejects it, with a reason either way. The title
// page offers it to clerks beside each application.
var landExamineCaveat = &portal.Journey{
	Path:    "/land/caveats/examine",
	MsgType: land.TypeExamineCaveat,
	Title:   "land.j.examine",
	Lead:    "land.j.examine.lead",
	Nav:     "land",
	Fields: []ui.Field{titleField(), {Name: "caveat", Label: "land.f.application", Hint: "land.h.caveat"},
		{Name: "decision", Label: "land.f.decision", Hint: "land.h.decision"},
		{Name: "reason", Label: "land.f.decisionreason", Hint: "land.h.decisionreason", Kind: "textarea"}},
	Message: func(ctx context.Context, cl *client.Client, a portal.Answers) (any, []ui.FormError, error) {
		errs := requireClerk(ctx, a, nil)
		t, errs, err := titleFor(ctx, cl, a, false, errs)
		if err != nil {
			return nil, nil, err
		}
		cid, errs := recordOn(ctx, a, "caveat", 'C', "caveat application", t, applicationIDs(t), errs)
		decision := strings.ToLower(strings.TrimSpace(a.Values.Get("decision")))
		if decision != land.DecisionAccept && decision != land.DecisionReject {
			errs = append(errs, ui.FormError{Field: "decision", Message: tr(ctx, "land.e.decision")})
		}
		reason, errs := checkReason(ctx, a, "reason", 512, errs)
		if len(errs) > 0 {
			return nil, errs, nil
		}
		return land.MsgExamineCaveat{Title: t.ID, Caveat: cid, Decision: decision, Reason: reason}, nil, nil
	},
	DescribeIn: func(ctx context.Context, t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
		var m land.MsgExamineCaveat
		_ = tx.DecodeMsg(t.Msg, &m)
		what, effect := tr(ctx, "land.d.accept", m.Caveat, m.Title), tr(ctx, "land.d.accept.effect", m.Title)
		if m.Decision == land.DecisionReject {
			what, effect = tr(ctx, "land.d.reject", m.Caveat, m.Title), tr(ctx, "land.d.reject.effect")
		}
		return []ui.Fact{{Label: "land.f.what", Value: what}, {Label: "land.f.reason", Value: m.Reason}, {Label: "land.f.effect", Value: effect}}
	},
	DoneIn: func(ctx context.Context, t *tx.Tx, _ *client.Result) (string, []ui.Fact, []ui.Link) {
		var m land.MsgExamineCaveat
		_ = tx.DecodeMsg(t.Msg, &m)
		if m.Decision == land.DecisionReject {
			return tr(ctx, "land.r.rejected", m.Caveat), []ui.Fact{titleFact(m.Title)}, titleLinks(ctx, m.Title)
		}
		return tr(ctx, "land.r.inforce", m.Caveat, m.Title), []ui.Fact{titleFact(m.Title)}, titleLinks(ctx, m.Title)
	},
}

var landWithdrawCaveat = &portal.Journey{
	Path:    "/land/caveats/withdraw",
	MsgType: land.TypeWithdrawCaveat,
	Title:   "land.j.withdrawcaveat",
	Lead:    "land.j.withdrawcaveat.lead",
	Nav:     "land",
	Fields:  []ui.Field{titleField(), {Name: "caveat", Label: "land.f.caveat", Hint: "land.h.caveat"}},
	Message: func(ctx context.Context, cl *client.Client, a portal.Answers) (any, []ui.FormError, error) {
		errs := requireAccount(ctx, a, nil)
		t, errs, err := titleFor(ctx, cl, a, false, errs)
		if err != nil {
			return nil, nil, err
		}
		cid, errs := recordOn(ctx, a, "caveat", 'C', "caveat", t, caveatIDs(t), errs)
		if cv := caveatOn(t, cid); cv != nil && cv.LodgedBy != tx.AccountID(a.Signer) {
			errs = append(errs, ui.FormError{Field: portal.SignerField, Message: tr(ctx, "land.e.notlodger", cid, cv.LodgedBy)})
		}
		if len(errs) > 0 {
			return nil, errs, nil
		}
		return land.MsgWithdrawCaveat{Title: t.ID, Caveat: cid}, nil, nil
	},
	DescribeIn: func(ctx context.Context, t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
		var m land.MsgWithdrawCaveat
		_ = tx.DecodeMsg(t.Msg, &m)
		return []ui.Fact{{Label: "land.f.what", Value: tr(ctx, "land.d.withdrawcaveat", m.Caveat, m.Title)},
			{Label: "land.f.effect", Value: tr(ctx, "land.d.withdrawcaveat.effect", m.Title)}}
	},
	DoneIn: func(ctx context.Context, t *tx.Tx, _ *client.Result) (string, []ui.Fact, []ui.Link) {
		var m land.MsgWithdrawCaveat
		_ = tx.DecodeMsg(t.Msg, &m)
		return tr(ctx, "land.r.withdrawn", m.Caveat), []ui.Fact{titleFact(m.Title)}, titleLinks(ctx, m.Title)
	},
}

var landRemoveCaveat = &portal.Journey{
	Path:    "/land/caveats/remove",
	MsgType: land.TypeRemoveCaveat,
	Title:   "land.j.removecaveat",
	Lead:    "land.j.removecaveat.lead",
	Nav:     "land",
	Fields: []ui.Field{titleField(), {Name: "caveat", Label: "land.f.caveat", Hint: "land.h.caveat"},
		{Name: "reason", Label: "land.f.removalreason", Hint: "land.h.removalreason", Kind: "textarea"},
		documentField()},
	Message: func(ctx context.Context, cl *client.Client, a portal.Answers) (any, []ui.FormError, error) {
		errs := requireClerk(ctx, a, nil)
		t, errs, err := titleFor(ctx, cl, a, false, errs)
		if err != nil {
			return nil, nil, err
		}
		cid, errs := recordOn(ctx, a, "caveat", 'C', "caveat", t, caveatIDs(t), errs)
		reason, errs := checkReason(ctx, a, "reason", 512, errs)
		doc, errs := checkDocument(ctx, a, errs)
		if len(errs) > 0 {
			return nil, errs, nil
		}
		return land.MsgRemoveCaveat{Title: t.ID, Caveat: cid, Reason: reason, Document: doc}, nil, nil
	},
	DescribeIn: func(ctx context.Context, t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
		var m land.MsgRemoveCaveat
		_ = tx.DecodeMsg(t.Msg, &m)
		return []ui.Fact{{Label: "land.f.what", Value: tr(ctx, "land.d.removecaveat", m.Caveat, m.Title)},
			{Label: "land.f.reason", Value: m.Reason}, {Label: "land.f.document", Value: m.Document, Mono: true}}
	},
	DoneIn: func(ctx context.Context, t *tx.Tx, _ *client.Result) (string, []ui.Fact, []ui.Link) {
		var m land.MsgRemoveCaveat
		_ = tx.DecodeMsg(t.Msg, &m)
		return tr(ctx, "land.r.removed", m.Caveat), []ui.Fact{titleFact(m.Title)}, titleLinks(ctx, m.Title)
	},
}

var landDischargeMortgage = &portal.Journey{
	Path:    "/land/mortgages/discharge",
	MsgType: land.TypeDischarge,
	Title:   "land.j.discharge",
	Lead:    "land.j.discharge.lead",
	Nav:     "land",
	Fields:  []ui.Field{titleField(), {Name: "mortgage", Label: "land.f.mortgage", Hint: "land.h.mortgage"}, documentField()},
	Message: func(ctx context.Context, cl *client.Client, a portal.Answers) (any, []ui.FormError, error) {
		errs := requireAccount(ctx, a, nil)
		t, errs, err := titleFor(ctx, cl, a, true, errs)
		if err != nil {
			return nil, nil, err
		}
		var ids []string
		if t != nil {
			ids = idsOf(t.Mortgages, func(m land.Mortgage) string { return m.ID })
		}
		mid, errs := recordOn(ctx, a, "mortgage", 'M', "mortgage", t, ids, errs)
		if t != nil {
			for _, mo := range t.Mortgages {
				if mo.ID == mid && mo.Lender != tx.AccountID(a.Signer) {
					errs = append(errs, ui.FormError{Field: portal.SignerField, Message: tr(ctx, "land.e.notlender", mid, mo.Lender)})
				}
			}
		}
		doc, errs := checkDocument(ctx, a, errs)
		if len(errs) > 0 {
			return nil, errs, nil
		}
		return land.MsgDischargeMortgage{Title: t.ID, Mortgage: mid, Document: doc}, nil, nil
	},
	DescribeIn: func(ctx context.Context, t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
		var m land.MsgDischargeMortgage
		_ = tx.DecodeMsg(t.Msg, &m)
		return []ui.Fact{{Label: "land.f.what", Value: tr(ctx, "land.d.discharge", m.Mortgage, m.Title)},
			{Label: "land.f.effect", Value: tr(ctx, "land.d.discharge.effect")}, {Label: "land.f.document", Value: m.Document, Mono: true}}
	},
	DoneIn: func(ctx context.Context, t *tx.Tx, _ *client.Result) (string, []ui.Fact, []ui.Link) {
		var m land.MsgDischargeMortgage
		_ = tx.DecodeMsg(t.Msg, &m)
		return tr(ctx, "land.r.discharged", m.Mortgage), []ui.Fact{titleFact(m.Title)}, titleLinks(ctx, m.Title)
	},
}

var landEndLease = &portal.Journey{
	Path:    "/land/leases/end",
	MsgType: land.TypeEndLease,
	Title:   "land.j.endlease",
	Lead:    "land.j.endlease.lead",
	Nav:     "land",
	Fields:  []ui.Field{titleField(), {Name: "lease", Label: "land.f.lease", Hint: "land.h.lease"}, documentField()},
	Message: func(ctx context.Context, cl *client.Client, a portal.Answers) (any, []ui.FormError, error) {
		errs := requireAccount(ctx, a, nil)
		t, errs, err := titleFor(ctx, cl, a, true, errs)
		if err != nil {
			return nil, nil, err
		}
		var ids []string
		if t != nil {
			ids = idsOf(t.Leases, func(l land.Lease) string { return l.ID })
		}
		lid, errs := recordOn(ctx, a, "lease", 'L', "lease", t, ids, errs)
		if t != nil && a.Account != nil && !a.Account.HasRole(authority.RoleClerk) {
			for _, l := range t.Leases {
				if l.ID == lid && l.Lessee != a.Account.ID {
					errs = append(errs, ui.FormError{Field: portal.SignerField, Message: tr(ctx, "land.e.notlessee", lid, l.Lessee)})
				}
			}
		}
		doc, errs := checkDocument(ctx, a, errs)
		if len(errs) > 0 {
			return nil, errs, nil
		}
		return land.MsgEndLease{Title: t.ID, Lease: lid, Document: doc}, nil, nil
	},
	DescribeIn: func(ctx context.Context, t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
		var m land.MsgEndLease
		_ = tx.DecodeMsg(t.Msg, &m)
		return []ui.Fact{{Label: "land.f.what", Value: tr(ctx, "land.d.endlease", m.Lease, m.Title)}, {Label: "land.f.document", Value: m.Document, Mono: true}}
	},
	DoneIn: func(ctx context.Context, t *tx.Tx, _ *client.Result) (string, []ui.Fact, []ui.Link) {
		var m land.MsgEndLease
		_ = tx.DecodeMsg(t.Msg, &m)
		return tr(ctx, "land.r.leaseended", m.Lease), []ui.Fact{titleFact(m.Title)}, titleLinks(ctx, m.Title)
	},
}

var landEndEasement = &portal.Journey{
	Path:    "/land/easements/end",
	MsgType: land.TypeEndEasement,
	Title:   "land.j.endeasement",
	Lead:    "land.j.endeasement.lead",
	Nav:     "land",
	Fields:  []ui.Field{titleField(), {Name: "easement", Label: "land.f.easement", Hint: "land.h.easement"}, documentField()},
	Message: func(ctx context.Context, cl *client.Client, a portal.Answers) (any, []ui.FormError, error) {
		errs := requireClerk(ctx, a, nil)
		t, errs, err := titleFor(ctx, cl, a, true, errs)
		if err != nil {
			return nil, nil, err
		}
		var ids []string
		if t != nil {
			ids = idsOf(t.Easements, func(e land.Easement) string { return e.ID })
		}
		eid, errs := recordOn(ctx, a, "easement", 'E', "easement", t, ids, errs)
		doc, errs := checkDocument(ctx, a, errs)
		if len(errs) > 0 {
			return nil, errs, nil
		}
		return land.MsgEndEasement{Title: t.ID, Easement: eid, Document: doc}, nil, nil
	},
	DescribeIn: func(ctx context.Context, t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
		var m land.MsgEndEasement
		_ = tx.DecodeMsg(t.Msg, &m)
		return []ui.Fact{{Label: "land.f.what", Value: tr(ctx, "land.d.endeasement", m.Easement, m.Title)}, {Label: "land.f.document", Value: m.Document, Mono: true}}
	},
	DoneIn: func(ctx context.Context, t *tx.Tx, _ *client.Result) (string, []ui.Fact, []ui.Link) {
		var m land.MsgEndEasement
		_ = tx.DecodeMsg(t.Msg, &m)
		return tr(ctx, "land.r.easementended", m.Easement), []ui.Fact{titleFact(m.Title)}, titleLinks(ctx, m.Title)
	},
}

var landTransmit = &portal.Journey{
	Path:    "/land/titles/transmit",
	MsgType: land.TypeTransmit,
	Title:   "land.j.transmit",
	Lead:    "land.j.transmit.lead",
	Nav:     "land",
	Fields: []ui.Field{titleField(),
		{Name: "owner", Label: "land.f.newowner", Hint: "land.h.newowner", Wide: true},
		{Name: "reason", Label: "land.f.ground", Hint: "land.h.ground"},
		documentField()},
	Message: func(ctx context.Context, cl *client.Client, a portal.Answers) (any, []ui.FormError, error) {
		errs := requireClerk(ctx, a, nil)
		t, errs, err := titleFor(ctx, cl, a, true, errs)
		if err != nil {
			return nil, nil, err
		}
		owner, errs, err := checkParty(ctx, cl, a, "owner", "new owner", errs)
		if err != nil {
			return nil, nil, err
		}
		reason := strings.ToLower(strings.TrimSpace(a.Values.Get("reason")))
		if reason != "death" && reason != "court-order" {
			errs = append(errs, ui.FormError{Field: "reason", Message: tr(ctx, "land.e.ground")})
		}
		doc, errs := checkDocument(ctx, a, errs)
		if len(errs) > 0 {
			return nil, errs, nil
		}
		return land.MsgTransmit{Title: t.ID, Owners: []land.Share{{Party: owner, Share: "1"}}, Reason: reason, Document: doc}, nil, nil
	},
	DescribeIn: func(ctx context.Context, t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
		var m land.MsgTransmit
		_ = tx.DecodeMsg(t.Msg, &m)
		return []ui.Fact{{Label: "land.f.what", Value: tr(ctx, "land.d.transmit", m.Title, recordWord(ctx, m.Reason, false))},
			{Label: "land.f.newowners", Value: sharesText(m.Owners), Mono: true}, {Label: "land.f.document", Value: m.Document, Mono: true}}
	},
	DoneIn: func(ctx context.Context, t *tx.Tx, _ *client.Result) (string, []ui.Fact, []ui.Link) {
		var m land.MsgTransmit
		_ = tx.DecodeMsg(t.Msg, &m)
		return tr(ctx, "land.r.transmitted", m.Title), []ui.Fact{titleFact(m.Title)}, titleLinks(ctx, m.Title)
	},
}

var landWithdrawOffer = &portal.Journey{
	Path:    "/land/transfers/withdraw",
	MsgType: land.TypeWithdrawOffer,
	Title:   "land.j.withdrawoffer",
	Lead:    "land.j.withdrawoffer.lead",
	Nav:     "land",
	Fields:  []ui.Field{{Name: "offer", Label: "land.f.offer", Hint: "land.h.offer"}},
	Message: func(ctx context.Context, cl *client.Client, a portal.Answers) (any, []ui.FormError, error) {
		o, errs, err := offerFor(ctx, cl, a, requireAccount(ctx, a, nil))
		if err != nil {
			return nil, nil, err
		}
		if o != nil {
			me := tx.AccountID(a.Signer)
			switch {
			case o.Status != land.OfferOpen && o.Status != land.OfferAccepted:
				errs = append(errs, ui.FormError{Field: "offer", Message: tr(ctx, "land.e.offerclosed", o.ID, recordWord(ctx, o.Status, false))})
			case !contains(idsOf(o.Sellers, func(s land.Share) string { return s.Party }), me):
				errs = append(errs, ui.FormError{Field: portal.SignerField, Message: tr(ctx, "land.e.notseller", me, o.ID)})
			}
		}
		if len(errs) > 0 {
			return nil, errs, nil
		}
		return land.MsgWithdrawOffer{Offer: o.ID}, nil, nil
	},
	DescribeIn: func(ctx context.Context, t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
		var m land.MsgWithdrawOffer
		_ = tx.DecodeMsg(t.Msg, &m)
		return []ui.Fact{{Label: "land.f.what", Value: tr(ctx, "land.d.withdrawoffer", m.Offer)}, {Label: "land.f.effect", Value: tr(ctx, "land.d.withdrawoffer.effect")}}
	},
	DoneIn: func(ctx context.Context, t *tx.Tx, _ *client.Result) (string, []ui.Fact, []ui.Link) {
		var m land.MsgWithdrawOffer
		_ = tx.DecodeMsg(t.Msg, &m)
		return tr(ctx, "land.r.offerwithdrawn", m.Offer), []ui.Fact{{Label: "land.f.offer", Value: m.Offer, Mono: true}},
			[]ui.Link{{Label: "land.l.registry", Href: "/land"}}
	},
}
