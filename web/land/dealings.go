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
		return nil, append(errs, ui.FormError{Field: "title", Message: "Enter a title id: T followed by its number, such as T1"}), nil
	}
	t, err := portal.Record[land.Title](ctx, cl, "/land/title/"+tid, 0)
	switch {
	case err != nil:
		return nil, nil, err
	case t == nil:
		return nil, append(errs, ui.FormError{Field: "title", Message: "There is no title " + tid}), nil
	case t.Status != land.StatusActive:
		return nil, append(errs, ui.FormError{Field: "title", Message: "Title " + tid + " was cancelled and replaced by " + strings.Join(t.Children, ", ")}), nil
	case dealable && len(t.Caveats) > 0:
		cv := t.Caveats[0]
		return nil, append(errs, ui.FormError{Field: "title", Message: "Title " + tid + " is frozen by caveat " + cv.ID +
			" (" + cv.Reason + "): it must be withdrawn or removed first"}), nil
	}
	return t, errs, nil
}

// recordOn reads an id field (prefix M, L, E, C) and checks the title
// carries that record.
func recordOn(a portal.Answers, field string, prefix byte, what string, t *land.Title, ids []string, errs []ui.FormError) (string, []ui.FormError) {
	id := strings.ToUpper(strings.TrimSpace(a.Values.Get(field)))
	switch {
	case !validID(id, prefix):
		return id, append(errs, ui.FormError{Field: field, Message: "Enter the " + what + " id: " + string(prefix) + " followed by its number, such as " + string(prefix) + "1"})
	case t != nil && !contains(ids, id):
		return id, append(errs, ui.FormError{Field: field, Message: strings.ToUpper(what[:1]) + what[1:] + " " + id + " is not on title " + t.ID + onTitle(what, ids)})
	}
	return id, errs
}

func onTitle(what string, ids []string) string {
	if len(ids) == 0 {
		return " (it has none)"
	}
	return " (it has " + strings.Join(ids, ", ") + ")"
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
func requireAccount(a portal.Answers, errs []ui.FormError) []ui.FormError {
	if a.Account == nil {
		return append(errs, ui.FormError{Field: portal.SignerField, Message: "This key has no account: register it first"})
	}
	return errs
}

func checkReason(a portal.Answers, field string, max int, errs []ui.FormError) (string, []ui.FormError) {
	r := strings.TrimSpace(a.Values.Get(field))
	switch {
	case r == "":
		errs = append(errs, ui.FormError{Field: field, Message: "Enter the reason"})
	case len(r) > max || !utf8.ValidString(r):
		errs = append(errs, ui.FormError{Field: field, Message: "The reason must be at most " + strconv.Itoa(max) + " characters"})
	}
	return r, errs
}

func titleLinks(ids ...string) []ui.Link {
	var out []ui.Link
	for _, id := range ids {
		if id != "" {
			out = append(out, ui.Link{Label: "See title " + id, Href: "/land/titles/" + id})
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
		errs := requireAccount(a, nil)
		t, errs, err := titleFor(ctx, cl, a, false, errs)
		if err != nil {
			return nil, nil, err
		}
		reason, errs := checkReason(a, "reason", 512, errs)
		doc, errs := checkDocument(a, errs)
		if len(errs) > 0 {
			return nil, errs, nil
		}
		return land.MsgLodgeCaveat{Title: t.ID, Reason: reason, Document: doc}, nil, nil
	},
	Describe: func(t *tx.Tx, signer ed25519.PublicKey) []ui.Fact {
		var m land.MsgLodgeCaveat
		_ = tx.DecodeMsg(t.Msg, &m)
		return []ui.Fact{
			{Label: "land.f.what", Value: "Lodge a caveat on title " + m.Title},
			{Label: "land.f.lodgedby", Value: tx.AccountID(signer), Mono: true},
			{Label: "land.f.claimfact", Value: m.Reason},
			{Label: "land.f.effect", Value: "Lodged by a clerk, the caveat is in force at once; lodged by anyone else, it is an application that a clerk examines. " +
				"While it is in force no transfer, mortgage, lease, easement, subdivision or merge of title " + m.Title +
				" can be registered, until the caveat is withdrawn by you or removed by a clerk"},
			{Label: "land.f.document", Value: m.Document, Mono: true},
		}
	},
	Done: func(t *tx.Tx, r *client.Result) (string, []ui.Fact, []ui.Link) {
		var m land.MsgLodgeCaveat
		_ = tx.DecodeMsg(t.Msg, &m)
		id := string(r.Data)
		if caveatApplied(r) {
			return "Your caveat application " + id + " on title " + m.Title + " awaits a clerk",
				[]ui.Fact{{Label: "land.f.caveat", Value: id, Mono: true}, titleFact(m.Title),
					{Label: "land.f.status", Value: "Application: a clerk examines it and accepts or rejects it with a reason. Until accepted it freezes nothing."}},
				append(titleLinks(m.Title), ui.Link{Label: "land.l.withdrawapp", Href: "/land/caveats/withdraw?title=" + m.Title + "&caveat=" + id})
		}
		return "Caveat " + id + " is lodged on title " + m.Title,
			[]ui.Fact{{Label: "land.f.caveat", Value: id, Mono: true}, titleFact(m.Title), {Label: "land.f.status", Value: "In force: dealings on the title are frozen"}},
			append(titleLinks(m.Title), ui.Link{Label: "land.l.withdrawlater", Href: "/land/caveats/withdraw?title=" + m.Title + "&caveat=" + id})
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
		errs := requireClerk(a, nil)
		t, errs, err := titleFor(ctx, cl, a, false, errs)
		if err != nil {
			return nil, nil, err
		}
		cid, errs := recordOn(a, "caveat", 'C', "caveat application", t, applicationIDs(t), errs)
		decision := strings.ToLower(strings.TrimSpace(a.Values.Get("decision")))
		if decision != land.DecisionAccept && decision != land.DecisionReject {
			errs = append(errs, ui.FormError{Field: "decision", Message: "Choose whether to accept or reject the application"})
		}
		reason, errs := checkReason(a, "reason", 512, errs)
		if len(errs) > 0 {
			return nil, errs, nil
		}
		return land.MsgExamineCaveat{Title: t.ID, Caveat: cid, Decision: decision, Reason: reason}, nil, nil
	},
	Describe: func(t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
		var m land.MsgExamineCaveat
		_ = tx.DecodeMsg(t.Msg, &m)
		what, effect := "Accept caveat application "+m.Caveat+" on title "+m.Title,
			"The caveat is in force from this block: no dealing on title "+m.Title+" can be registered until it is withdrawn or removed"
		if m.Decision == land.DecisionReject {
			what, effect = "Reject caveat application "+m.Caveat+" on title "+m.Title,
				"The application leaves the title and is kept in its history with your reason; dealings are not affected"
		}
		return []ui.Fact{{Label: "land.f.what", Value: what}, {Label: "land.f.reason", Value: m.Reason}, {Label: "land.f.effect", Value: effect}}
	},
	Done: func(t *tx.Tx, _ *client.Result) (string, []ui.Fact, []ui.Link) {
		var m land.MsgExamineCaveat
		_ = tx.DecodeMsg(t.Msg, &m)
		if m.Decision == land.DecisionReject {
			return "Caveat application " + m.Caveat + " is rejected", []ui.Fact{titleFact(m.Title)}, titleLinks(m.Title)
		}
		return "Caveat " + m.Caveat + " is in force on title " + m.Title, []ui.Fact{titleFact(m.Title)}, titleLinks(m.Title)
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
		errs := requireAccount(a, nil)
		t, errs, err := titleFor(ctx, cl, a, false, errs)
		if err != nil {
			return nil, nil, err
		}
		cid, errs := recordOn(a, "caveat", 'C', "caveat", t, caveatIDs(t), errs)
		if cv := caveatOn(t, cid); cv != nil && cv.LodgedBy != tx.AccountID(a.Signer) {
			errs = append(errs, ui.FormError{Field: portal.SignerField, Message: "Caveat " + cid + " was lodged by " + cv.LodgedBy +
				": only that account withdraws it (a clerk may remove it)"})
		}
		if len(errs) > 0 {
			return nil, errs, nil
		}
		return land.MsgWithdrawCaveat{Title: t.ID, Caveat: cid}, nil, nil
	},
	Describe: func(t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
		var m land.MsgWithdrawCaveat
		_ = tx.DecodeMsg(t.Msg, &m)
		return []ui.Fact{{Label: "land.f.what", Value: "Withdraw caveat " + m.Caveat + " from title " + m.Title},
			{Label: "land.f.effect", Value: "Dealings on title " + m.Title + " are no longer frozen by this caveat"}}
	},
	Done: func(t *tx.Tx, _ *client.Result) (string, []ui.Fact, []ui.Link) {
		var m land.MsgWithdrawCaveat
		_ = tx.DecodeMsg(t.Msg, &m)
		return "Caveat " + m.Caveat + " is withdrawn", []ui.Fact{titleFact(m.Title)}, titleLinks(m.Title)
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
		errs := requireClerk(a, nil)
		t, errs, err := titleFor(ctx, cl, a, false, errs)
		if err != nil {
			return nil, nil, err
		}
		cid, errs := recordOn(a, "caveat", 'C', "caveat", t, caveatIDs(t), errs)
		reason, errs := checkReason(a, "reason", 512, errs)
		doc, errs := checkDocument(a, errs)
		if len(errs) > 0 {
			return nil, errs, nil
		}
		return land.MsgRemoveCaveat{Title: t.ID, Caveat: cid, Reason: reason, Document: doc}, nil, nil
	},
	Describe: func(t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
		var m land.MsgRemoveCaveat
		_ = tx.DecodeMsg(t.Msg, &m)
		return []ui.Fact{{Label: "land.f.what", Value: "Remove caveat " + m.Caveat + " from title " + m.Title},
			{Label: "land.f.reason", Value: m.Reason}, {Label: "land.f.document", Value: m.Document, Mono: true}}
	},
	Done: func(t *tx.Tx, _ *client.Result) (string, []ui.Fact, []ui.Link) {
		var m land.MsgRemoveCaveat
		_ = tx.DecodeMsg(t.Msg, &m)
		return "Caveat " + m.Caveat + " is removed", []ui.Fact{titleFact(m.Title)}, titleLinks(m.Title)
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
		errs := requireAccount(a, nil)
		t, errs, err := titleFor(ctx, cl, a, true, errs)
		if err != nil {
			return nil, nil, err
		}
		var ids []string
		if t != nil {
			ids = idsOf(t.Mortgages, func(m land.Mortgage) string { return m.ID })
		}
		mid, errs := recordOn(a, "mortgage", 'M', "mortgage", t, ids, errs)
		if t != nil {
			for _, mo := range t.Mortgages {
				if mo.ID == mid && mo.Lender != tx.AccountID(a.Signer) {
					errs = append(errs, ui.FormError{Field: portal.SignerField, Message: "Mortgage " + mid + " is held by lender " + mo.Lender + ": only the lender discharges it"})
				}
			}
		}
		doc, errs := checkDocument(a, errs)
		if len(errs) > 0 {
			return nil, errs, nil
		}
		return land.MsgDischargeMortgage{Title: t.ID, Mortgage: mid, Document: doc}, nil, nil
	},
	Describe: func(t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
		var m land.MsgDischargeMortgage
		_ = tx.DecodeMsg(t.Msg, &m)
		return []ui.Fact{{Label: "land.f.what", Value: "Discharge mortgage " + m.Mortgage + " on title " + m.Title},
			{Label: "land.f.effect", Value: "The mortgage no longer burdens the title"}, {Label: "land.f.document", Value: m.Document, Mono: true}}
	},
	Done: func(t *tx.Tx, _ *client.Result) (string, []ui.Fact, []ui.Link) {
		var m land.MsgDischargeMortgage
		_ = tx.DecodeMsg(t.Msg, &m)
		return "Mortgage " + m.Mortgage + " is discharged", []ui.Fact{titleFact(m.Title)}, titleLinks(m.Title)
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
		errs := requireAccount(a, nil)
		t, errs, err := titleFor(ctx, cl, a, true, errs)
		if err != nil {
			return nil, nil, err
		}
		var ids []string
		if t != nil {
			ids = idsOf(t.Leases, func(l land.Lease) string { return l.ID })
		}
		lid, errs := recordOn(a, "lease", 'L', "lease", t, ids, errs)
		if t != nil && a.Account != nil && !a.Account.HasRole(authority.RoleClerk) {
			for _, l := range t.Leases {
				if l.ID == lid && l.Lessee != a.Account.ID {
					errs = append(errs, ui.FormError{Field: portal.SignerField, Message: "Lease " + lid + " is held by " + l.Lessee + ": only the lessee or a clerk ends it"})
				}
			}
		}
		doc, errs := checkDocument(a, errs)
		if len(errs) > 0 {
			return nil, errs, nil
		}
		return land.MsgEndLease{Title: t.ID, Lease: lid, Document: doc}, nil, nil
	},
	Describe: func(t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
		var m land.MsgEndLease
		_ = tx.DecodeMsg(t.Msg, &m)
		return []ui.Fact{{Label: "land.f.what", Value: "End lease " + m.Lease + " on title " + m.Title}, {Label: "land.f.document", Value: m.Document, Mono: true}}
	},
	Done: func(t *tx.Tx, _ *client.Result) (string, []ui.Fact, []ui.Link) {
		var m land.MsgEndLease
		_ = tx.DecodeMsg(t.Msg, &m)
		return "Lease " + m.Lease + " is ended", []ui.Fact{titleFact(m.Title)}, titleLinks(m.Title)
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
		errs := requireClerk(a, nil)
		t, errs, err := titleFor(ctx, cl, a, true, errs)
		if err != nil {
			return nil, nil, err
		}
		var ids []string
		if t != nil {
			ids = idsOf(t.Easements, func(e land.Easement) string { return e.ID })
		}
		eid, errs := recordOn(a, "easement", 'E', "easement", t, ids, errs)
		doc, errs := checkDocument(a, errs)
		if len(errs) > 0 {
			return nil, errs, nil
		}
		return land.MsgEndEasement{Title: t.ID, Easement: eid, Document: doc}, nil, nil
	},
	Describe: func(t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
		var m land.MsgEndEasement
		_ = tx.DecodeMsg(t.Msg, &m)
		return []ui.Fact{{Label: "land.f.what", Value: "End easement " + m.Easement + " on title " + m.Title}, {Label: "land.f.document", Value: m.Document, Mono: true}}
	},
	Done: func(t *tx.Tx, _ *client.Result) (string, []ui.Fact, []ui.Link) {
		var m land.MsgEndEasement
		_ = tx.DecodeMsg(t.Msg, &m)
		return "Easement " + m.Easement + " is ended", []ui.Fact{titleFact(m.Title)}, titleLinks(m.Title)
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
		errs := requireClerk(a, nil)
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
			errs = append(errs, ui.FormError{Field: "reason", Message: "Enter the ground: death or court-order"})
		}
		doc, errs := checkDocument(a, errs)
		if len(errs) > 0 {
			return nil, errs, nil
		}
		return land.MsgTransmit{Title: t.ID, Owners: []land.Share{{Party: owner, Share: "1"}}, Reason: reason, Document: doc}, nil, nil
	},
	Describe: func(t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
		var m land.MsgTransmit
		_ = tx.DecodeMsg(t.Msg, &m)
		return []ui.Fact{{Label: "land.f.what", Value: "Transmit title " + m.Title + " (" + m.Reason + ")"},
			{Label: "land.f.newowners", Value: sharesText(m.Owners), Mono: true}, {Label: "land.f.document", Value: m.Document, Mono: true}}
	},
	Done: func(t *tx.Tx, _ *client.Result) (string, []ui.Fact, []ui.Link) {
		var m land.MsgTransmit
		_ = tx.DecodeMsg(t.Msg, &m)
		return "Title " + m.Title + " is transmitted", []ui.Fact{titleFact(m.Title)}, titleLinks(m.Title)
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
		o, errs, err := offerFor(ctx, cl, a, requireAccount(a, nil))
		if err != nil {
			return nil, nil, err
		}
		if o != nil {
			me := tx.AccountID(a.Signer)
			switch {
			case o.Status != land.OfferOpen && o.Status != land.OfferAccepted:
				errs = append(errs, ui.FormError{Field: "offer", Message: "Offer " + o.ID + " is " + o.Status + ": there is nothing to withdraw"})
			case !contains(idsOf(o.Sellers, func(s land.Share) string { return s.Party }), me):
				errs = append(errs, ui.FormError{Field: portal.SignerField, Message: "Account " + me + " is not a seller in offer " + o.ID})
			}
		}
		if len(errs) > 0 {
			return nil, errs, nil
		}
		return land.MsgWithdrawOffer{Offer: o.ID}, nil, nil
	},
	Describe: func(t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
		var m land.MsgWithdrawOffer
		_ = tx.DecodeMsg(t.Msg, &m)
		return []ui.Fact{{Label: "land.f.what", Value: "Withdraw transfer offer " + m.Offer}, {Label: "land.f.effect", Value: "The offer can no longer be accepted or registered"}}
	},
	Done: func(t *tx.Tx, _ *client.Result) (string, []ui.Fact, []ui.Link) {
		var m land.MsgWithdrawOffer
		_ = tx.DecodeMsg(t.Msg, &m)
		return "Offer " + m.Offer + " is withdrawn", []ui.Fact{{Label: "land.f.offer", Value: m.Offer, Mono: true}},
			[]ui.Link{{Label: "land.l.registry", Href: "/land"}}
	},
}
