package land

import (
	"context"
	"crypto/ed25519"
	"strconv"
	"strings"

	"github.com/publica/publica/client"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/web/i18n"
	"github.com/publica/publica/web/portal"
	"github.com/publica/publica/web/ui"
	"github.com/publica/publica/x/land"
	"github.com/publica/publica/x/land/money"
)

// The co-signed dealings' questions and rules (their parties are in
// cosign.go; the signing is web/portal's co-signing, portal/cosign.go).

// partyAccount reads an account id field and checks the account exists:
// x/land counts a signature only from a registered account.
func partyAccount(ctx context.Context, cl *client.Client, a portal.Answers, field, who string, errs []ui.FormError) (string, []ui.FormError, error) {
	if up := strings.ToUpper(strings.TrimSpace(a.Values.Get(field))); land.IsPartyID(up) {
		return checkParty(ctx, cl, a, field, who, errs) // a party signs through its accounts
	}
	id, ok := parseAccount(a.Values.Get(field))
	if !ok {
		return id, append(errs, ui.FormError{Field: field, Message: tr(ctx, "land.e.whoaccount", recordWord(ctx, who, false))}), nil
	}
	acct, err := cl.Account(ctx, id)
	if err != nil {
		return "", nil, portal.Unavailable(err)
	}
	if acct == nil {
		return id, append(errs, ui.FormError{Field: field, Message: tr(ctx, "land.e.noaccountfor", id, recordWord(ctx, who, false))}), nil
	}
	return id, errs, nil
}

var landRegisterMortgage = &portal.Journey{
	Path:    "/land/mortgages/register",
	MsgType: land.TypeRegisterMortgage,
	Parties: mortgageParties,
	Title:   "land.j.mortgage",
	Lead:    "land.j.mortgage.lead",
	Nav:     "land",
	Fields: []ui.Field{titleField(),
		{Name: "lender", Label: "land.f.lender", Hint: "land.h.lender", Wide: true},
		{Name: "currency", Label: "land.f.currency", Hint: "land.h.currency"},
		{Name: "amount", Label: "land.f.amount", Hint: "land.h.amount"},
		{Name: "rank", Label: "land.f.rank", Hint: "land.h.rank"},
		documentField()},
	Message: func(ctx context.Context, cl *client.Client, a portal.Answers) (any, []ui.FormError, error) {
		errs := requireAccount(ctx, a, nil)
		t, errs, err := titleFor(ctx, cl, a, true, errs)
		if err != nil {
			return nil, nil, err
		}
		lender, errs, err := partyAccount(ctx, cl, a, "lender", "lender", errs)
		if err != nil {
			return nil, nil, err
		}
		currency := strings.ToUpper(strings.TrimSpace(a.Values.Get("currency")))
		var amount string
		if !money.Known(currency) {
			errs = append(errs, ui.FormError{Field: "currency", Message: tr(ctx, "land.e.currency")})
		} else if amount, err = money.Parse(a.Values.Get("amount"), currency); err != nil {
			errs = append(errs, ui.FormError{Field: "amount", Message: tr(ctx, "land.e.amount", err.Error())})
		}
		var rank int64
		if r := strings.TrimSpace(a.Values.Get("rank")); r != "" {
			n, err := strconv.ParseInt(r, 10, 64)
			if err != nil || n < 1 || n > 1000 {
				errs = append(errs, ui.FormError{Field: "rank", Message: tr(ctx, "land.e.rank")})
			}
			rank = n
		} else if t != nil {
			rank = 1
			for _, m := range t.Mortgages {
				rank = max(rank, m.Rank+1)
			}
		}
		if t != nil {
			for _, m := range t.Mortgages {
				if m.Rank == rank {
					errs = append(errs, ui.FormError{Field: "rank", Message: tr(ctx, "land.e.ranktaken", strconv.FormatInt(rank, 10), t.ID, m.ID, m.Lender)})
				}
			}
		}
		doc, errs := checkDocument(ctx, a, errs)
		if len(errs) > 0 {
			return nil, errs, nil
		}
		return land.MsgRegisterMortgage{Title: t.ID, Lender: lender, Amount: amount, Currency: currency, Rank: rank, Document: doc}, nil, nil
	},
	DescribeIn: func(ctx context.Context, t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
		var m land.MsgRegisterMortgage
		_ = tx.DecodeMsg(t.Msg, &m)
		return []ui.Fact{
			{Label: "land.f.what", Value: tr(ctx, "land.d.mortgage", m.Title)},
			{Label: "land.f.lender", Value: m.Lender, Mono: true},
			{Label: "land.f.amount", Value: money.Format(m.Amount, m.Currency, i18n.Lang(ctx))},
			{Label: "land.f.rank", Value: i18n.NumberIn(ctx, m.Rank)},
			{Label: "land.f.effect", Value: tr(ctx, "land.d.mortgage.effect")},
			{Label: "land.f.document", Value: m.Document, Mono: true},
		}
	},
	DoneIn: func(ctx context.Context, t *tx.Tx, r *client.Result) (string, []ui.Fact, []ui.Link) {
		var m land.MsgRegisterMortgage
		_ = tx.DecodeMsg(t.Msg, &m)
		id := string(r.Data)
		return tr(ctx, "land.r.mortgage", id, m.Title),
			[]ui.Fact{{Label: "land.f.mortgage", Value: id, Mono: true}, titleFact(m.Title)},
			append(titleLinks(ctx, m.Title), ui.Link{Label: "land.l.certificate", Href: "/land/titles/" + m.Title + "/certificate"})
	},
}

var landRegisterLease = &portal.Journey{
	Path:    "/land/leases/register",
	MsgType: land.TypeRegisterLease,
	Parties: leaseParties,
	Title:   "land.j.lease",
	Lead:    "land.j.lease.lead",
	Nav:     "land",
	Fields: []ui.Field{titleField(),
		{Name: "lessee", Label: "land.f.lessee", Hint: "land.h.lessee", Wide: true},
		{Name: "start", Label: "land.f.start", Hint: "land.h.start"},
		{Name: "end", Label: "land.f.end", Hint: "land.h.end"},
		documentField()},
	Message: func(ctx context.Context, cl *client.Client, a portal.Answers) (any, []ui.FormError, error) {
		errs := requireAccount(ctx, a, nil)
		t, errs, err := titleFor(ctx, cl, a, true, errs)
		if err != nil {
			return nil, nil, err
		}
		lessee, errs, err := partyAccount(ctx, cl, a, "lessee", "lessee", errs)
		if err != nil {
			return nil, nil, err
		}
		start, end := strings.TrimSpace(a.Values.Get("start")), strings.TrimSpace(a.Values.Get("end"))
		okS, okE := validDate(start), validDate(end)
		if !okS {
			errs = append(errs, ui.FormError{Field: "start", Message: tr(ctx, "land.e.start")})
		}
		if !okE {
			errs = append(errs, ui.FormError{Field: "end", Message: tr(ctx, "land.e.end")})
		}
		if okS && okE && end <= start {
			errs = append(errs, ui.FormError{Field: "end", Message: tr(ctx, "land.e.endbefore", start)})
		}
		doc, errs := checkDocument(ctx, a, errs)
		if len(errs) > 0 {
			return nil, errs, nil
		}
		return land.MsgRegisterLease{Title: t.ID, Lessee: lessee, Start: start, End: end, Document: doc}, nil, nil
	},
	DescribeIn: func(ctx context.Context, t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
		var m land.MsgRegisterLease
		_ = tx.DecodeMsg(t.Msg, &m)
		return []ui.Fact{{Label: "land.f.what", Value: tr(ctx, "land.d.lease", m.Title)},
			{Label: "land.f.lessee", Value: m.Lessee, Mono: true}, {Label: "land.f.term", Value: tr(ctx, "land.d.term", m.Start, m.End)},
			{Label: "land.f.document", Value: m.Document, Mono: true}}
	},
	DoneIn: func(ctx context.Context, t *tx.Tx, r *client.Result) (string, []ui.Fact, []ui.Link) {
		var m land.MsgRegisterLease
		_ = tx.DecodeMsg(t.Msg, &m)
		return tr(ctx, "land.r.lease", string(r.Data), m.Title),
			[]ui.Fact{{Label: "land.f.lease", Value: string(r.Data), Mono: true}, titleFact(m.Title)}, titleLinks(ctx, m.Title)
	},
}

var landRegisterEasement = &portal.Journey{
	Path:    "/land/easements/register",
	MsgType: land.TypeRegisterEasement,
	Parties: easementParties,
	Title:   "land.j.easement",
	Lead:    "land.j.easement.lead",
	Nav:     "land",
	Fields: []ui.Field{titleField(),
		{Name: "benefiting", Label: "land.f.benefiting", Hint: "land.h.benefiting"},
		{Name: "purpose", Label: "land.f.purpose", Hint: "land.h.purpose", Kind: "textarea"},
		documentField()},
	Message: func(ctx context.Context, cl *client.Client, a portal.Answers) (any, []ui.FormError, error) {
		errs := requireAccount(ctx, a, nil)
		t, errs, err := titleFor(ctx, cl, a, true, errs)
		if err != nil {
			return nil, nil, err
		}
		pid := strings.ToUpper(strings.TrimSpace(a.Values.Get("benefiting")))
		if !validID(pid, 'P') {
			errs = append(errs, ui.FormError{Field: "benefiting", Message: tr(ctx, "land.e.benefitingid")})
		} else {
			p, err := portal.Record[land.Parcel](ctx, cl, "/land/parcel/"+pid, 0)
			switch {
			case err != nil:
				return nil, nil, err
			case p == nil:
				errs = append(errs, ui.FormError{Field: "benefiting", Message: tr(ctx, "land.e.noparcel", pid)})
			case p.Status != land.StatusActive:
				errs = append(errs, ui.FormError{Field: "benefiting", Message: tr(ctx, "land.e.retired", pid)})
			case t != nil && contains(t.Parcels, pid):
				errs = append(errs, ui.FormError{Field: "benefiting", Message: tr(ctx, "land.e.onitself", pid, t.ID)})
			}
		}
		purpose, errs := checkReason(ctx, a, "purpose", 256, errs)
		doc, errs := checkDocument(ctx, a, errs)
		if len(errs) > 0 {
			return nil, errs, nil
		}
		return land.MsgRegisterEasement{Title: t.ID, Benefiting: pid, Purpose: purpose, Document: doc}, nil, nil
	},
	DescribeIn: func(ctx context.Context, t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
		var m land.MsgRegisterEasement
		_ = tx.DecodeMsg(t.Msg, &m)
		return []ui.Fact{{Label: "land.f.what", Value: tr(ctx, "land.d.easement", m.Title)},
			{Label: "land.f.benefiting", Value: m.Benefiting, Href: "/land/parcels/" + m.Benefiting}, {Label: "land.f.purpose", Value: m.Purpose},
			{Label: "land.f.document", Value: m.Document, Mono: true}}
	},
	DoneIn: func(ctx context.Context, t *tx.Tx, r *client.Result) (string, []ui.Fact, []ui.Link) {
		var m land.MsgRegisterEasement
		_ = tx.DecodeMsg(t.Msg, &m)
		return tr(ctx, "land.r.easement", string(r.Data), m.Title),
			[]ui.Fact{{Label: "land.f.easement", Value: string(r.Data), Mono: true}, titleFact(m.Title)}, titleLinks(ctx, m.Title)
	},
}

// validDate: YYYY-MM-DD with a real month and day.
func validDate(d string) bool {
	if len(d) != 10 || d[4] != '-' || d[7] != '-' {
		return false
	}
	for i, c := range d {
		if i != 4 && i != 7 && (c < '0' || c > '9') {
			return false
		}
	}
	m, _ := strconv.Atoi(d[5:7])
	day, _ := strconv.Atoi(d[8:])
	return m >= 1 && m <= 12 && day >= 1 && day <= 31
}

var landSettleTransfer = &portal.Journey{
	Path:    "/land/transfers/settle",
	MsgType: land.TypeTransfer,
	Parties: transferParties,
	Title:   "land.j.settle",
	Lead:    "land.j.settle.lead",
	Nav:     "land",
	Fields: []ui.Field{titleField(),
		{Name: "seller", Label: "land.f.seller", Hint: "land.h.seller", Wide: true},
		{Name: "buyer", Label: "land.f.buyer", Hint: "land.h.buyer", Wide: true},
		{Name: "share", Label: "land.f.sharesold", Hint: "land.h.sharesold"},
		documentField()},
	Message: func(ctx context.Context, cl *client.Client, a portal.Answers) (any, []ui.FormError, error) {
		errs := requireClerk(ctx, a, nil)
		t, errs, err := titleFor(ctx, cl, a, true, errs)
		if err != nil {
			return nil, nil, err
		}
		before := len(errs)
		seller, errs, err := partyAccount(ctx, cl, a, "seller", "seller", errs)
		if err != nil {
			return nil, nil, err
		}
		sellerKnown := len(errs) == before
		buyer, errs, err := partyAccount(ctx, cl, a, "buyer", "buyer", errs)
		if err != nil {
			return nil, nil, err
		}
		if buyer != "" && buyer == seller {
			errs = append(errs, ui.FormError{Field: "buyer", Message: tr(ctx, "land.e.buyerseller")})
		}
		share, errs := checkShare(ctx, "share", a.Values.Get("share"), errs)
		if t != nil && sellerKnown {
			errs = checkHolds(ctx, t, seller, share, "seller", "land.holder.seller", errs)
		}
		doc, errs := checkDocument(ctx, a, errs)
		if len(errs) > 0 {
			return nil, errs, nil
		}
		return land.MsgTransfer{Title: t.ID, Sellers: []land.Share{{Party: seller, Share: share}},
			Buyers: []land.Share{{Party: buyer, Share: share}}, Document: doc}, nil, nil
	},
	DescribeIn: func(ctx context.Context, t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
		var m land.MsgTransfer
		_ = tx.DecodeMsg(t.Msg, &m)
		return []ui.Fact{
			{Label: "land.f.what", Value: tr(ctx, "land.d.settle", m.Title)},
			{Label: "land.f.sellers", Value: sharesText(m.Sellers), Mono: true},
			{Label: "land.f.buyers", Value: sharesText(m.Buyers), Mono: true},
			{Label: "land.f.effect", Value: tr(ctx, "land.d.settle.effect")},
			{Label: "land.f.document", Value: m.Document, Mono: true},
		}
	},
	DoneIn: func(ctx context.Context, t *tx.Tx, _ *client.Result) (string, []ui.Fact, []ui.Link) {
		var m land.MsgTransfer
		_ = tx.DecodeMsg(t.Msg, &m)
		return tr(ctx, "land.r.settle", m.Title),
			[]ui.Fact{titleFact(m.Title), {Label: "land.f.bought", Value: sharesText(m.Buyers), Mono: true}},
			append(titleLinks(ctx, m.Title), ui.Link{Label: "land.l.certificate", Href: "/land/titles/" + m.Title + "/certificate"})
	},
}

// transferParties: every seller and every buyer sign (the clerk who
// prepares it signs first).
func transferParties(ctx context.Context, cl *client.Client, t *tx.Tx) ([]ui.CosignSigner, error) {
	var m land.MsgTransfer
	if err := tx.DecodeMsg(t.Msg, &m); err != nil {
		return nil, err
	}
	var ps []ui.CosignSigner
	var err error
	for _, s := range m.Sellers {
		if ps, err = withPartySigners(ctx, cl, ps, s.Party, tr(ctx, "land.role.seller", s.Share)); err != nil {
			return nil, err
		}
	}
	for _, b := range m.Buyers {
		if ps, err = withPartySigners(ctx, cl, ps, b.Party, tr(ctx, "land.role.buyer", b.Share)); err != nil {
			return nil, err
		}
	}
	return ps, nil
}
