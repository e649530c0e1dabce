package land

import (
	"context"
	"crypto/ed25519"
	"strconv"
	"strings"

	"golang.org/x/text/language"

	"github.com/publica/publica/client"
	"github.com/publica/publica/tx"
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
		return id, append(errs, ui.FormError{Field: field, Message: "Enter the " + who + "’s account id: 40 hexadecimal characters"}), nil
	}
	acct, err := cl.Account(ctx, id)
	if err != nil {
		return "", nil, portal.Unavailable(err)
	}
	if acct == nil {
		return id, append(errs, ui.FormError{Field: field, Message: "There is no account " + id + ": the " + who + " must register a key as an account first, to sign"}), nil
	}
	return id, errs, nil
}

var landRegisterMortgage = &portal.Journey{
	Path:    "/land/mortgages/register",
	MsgType: land.TypeRegisterMortgage,
	Parties: mortgageParties,
	Title:   "Register a mortgage",
	Lead:    "A clerk (or one of the parties) prepares the mortgage from the deed and signs first; every owner of the title and the lender then sign it with their own keys, and it is registered.",
	Nav:     "land",
	Fields: []ui.Field{titleField(),
		{Name: "lender", Label: "Lender", Hint: partyHint + " The lender signs too.", Wide: true},
		{Name: "currency", Label: "Currency", Hint: "The ISO 4217 code, such as EUR, USD or JPY."},
		{Name: "amount", Label: "Amount secured", Hint: "In the currency, without its sign: 250000.00 (or 250,000.00) for two hundred and fifty thousand euros; JPY has no decimals."},
		{Name: "rank", Label: "Rank", Hint: "1 for a first charge, 2 for a second… Leave empty for the next free rank."},
		documentField()},
	Message: func(ctx context.Context, cl *client.Client, a portal.Answers) (any, []ui.FormError, error) {
		errs := requireAccount(a, nil)
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
			errs = append(errs, ui.FormError{Field: "currency", Message: "Enter the currency as a three-letter ISO 4217 code, such as EUR"})
		} else if amount, err = money.Parse(a.Values.Get("amount"), currency); err != nil {
			errs = append(errs, ui.FormError{Field: "amount", Message: "Amount: " + err.Error()})
		}
		var rank int64
		if r := strings.TrimSpace(a.Values.Get("rank")); r != "" {
			n, err := strconv.ParseInt(r, 10, 64)
			if err != nil || n < 1 || n > 1000 {
				errs = append(errs, ui.FormError{Field: "rank", Message: "The rank must be a whole number from 1 to 1000"})
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
					errs = append(errs, ui.FormError{Field: "rank", Message: "Rank " + strconv.FormatInt(rank, 10) + " of title " + t.ID + " is taken by mortgage " + m.ID + " (lender " + m.Lender + ")"})
				}
			}
		}
		doc, errs := checkDocument(a, errs)
		if len(errs) > 0 {
			return nil, errs, nil
		}
		return land.MsgRegisterMortgage{Title: t.ID, Lender: lender, Amount: amount, Currency: currency, Rank: rank, Document: doc}, nil, nil
	},
	Describe: func(t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
		var m land.MsgRegisterMortgage
		_ = tx.DecodeMsg(t.Msg, &m)
		return []ui.Fact{
			{Label: "What", Value: "Register a mortgage on title " + m.Title},
			{Label: "Lender", Value: m.Lender, Mono: true},
			{Label: "Amount secured", Value: money.Format(m.Amount, m.Currency, language.English)},
			{Label: "Rank", Value: strconv.FormatInt(m.Rank, 10)},
			{Label: "Effect", Value: "The title is charged in the lender’s favour until the lender discharges the mortgage; it passes to any new titles on subdivision"},
			{Label: "Document hash", Value: m.Document, Mono: true},
		}
	},
	Done: func(t *tx.Tx, r *client.Result) (string, []ui.Fact, []ui.Link) {
		var m land.MsgRegisterMortgage
		_ = tx.DecodeMsg(t.Msg, &m)
		id := string(r.Data)
		return "Mortgage " + id + " is registered on title " + m.Title,
			[]ui.Fact{{Label: "Mortgage", Value: id, Mono: true}, titleFact(m.Title)},
			append(titleLinks(m.Title), ui.Link{Label: "Title certificate", Href: "/land/titles/" + m.Title + "/certificate"})
	},
}

var landRegisterLease = &portal.Journey{
	Path:    "/land/leases/register",
	MsgType: land.TypeRegisterLease,
	Parties: leaseParties,
	Title:   "Register a lease",
	Lead:    "One party prepares the lease and signs first; every owner of the title and the lessee then sign it with their own keys.",
	Nav:     "land",
	Fields: []ui.Field{titleField(),
		{Name: "lessee", Label: "Lessee", Hint: partyHint + " The lessee signs too.", Wide: true},
		{Name: "start", Label: "Start date", Hint: "YYYY-MM-DD, for example 2027-01-01."},
		{Name: "end", Label: "End date", Hint: "YYYY-MM-DD, after the start."},
		documentField()},
	Message: func(ctx context.Context, cl *client.Client, a portal.Answers) (any, []ui.FormError, error) {
		errs := requireAccount(a, nil)
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
			errs = append(errs, ui.FormError{Field: "start", Message: "Enter the start date as YYYY-MM-DD"})
		}
		if !okE {
			errs = append(errs, ui.FormError{Field: "end", Message: "Enter the end date as YYYY-MM-DD"})
		}
		if okS && okE && end <= start {
			errs = append(errs, ui.FormError{Field: "end", Message: "The lease must end after it starts (" + start + ")"})
		}
		doc, errs := checkDocument(a, errs)
		if len(errs) > 0 {
			return nil, errs, nil
		}
		return land.MsgRegisterLease{Title: t.ID, Lessee: lessee, Start: start, End: end, Document: doc}, nil, nil
	},
	Describe: func(t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
		var m land.MsgRegisterLease
		_ = tx.DecodeMsg(t.Msg, &m)
		return []ui.Fact{{Label: "What", Value: "Register a lease of title " + m.Title},
			{Label: "Lessee", Value: m.Lessee, Mono: true}, {Label: "Term", Value: m.Start + " to " + m.End},
			{Label: "Document hash", Value: m.Document, Mono: true}}
	},
	Done: func(t *tx.Tx, r *client.Result) (string, []ui.Fact, []ui.Link) {
		var m land.MsgRegisterLease
		_ = tx.DecodeMsg(t.Msg, &m)
		return "Lease " + string(r.Data) + " is registered on title " + m.Title,
			[]ui.Fact{{Label: "Lease", Value: string(r.Data), Mono: true}, titleFact(m.Title)}, titleLinks(m.Title)
	},
}

var landRegisterEasement = &portal.Journey{
	Path:    "/land/easements/register",
	MsgType: land.TypeRegisterEasement,
	Parties: easementParties,
	Title:   "Register an easement",
	Lead:    "Burden a title for the benefit of another parcel (a right of way, a drain). Every owner of the burdened title signs.",
	Nav:     "land",
	Fields: []ui.Field{titleField(),
		{Name: "benefiting", Label: "Benefiting parcel", Hint: "The parcel that gains the right, for example P2. It must not be on the burdened title."},
		{Name: "purpose", Label: "Purpose", Hint: "Up to 256 characters, for example: right of way on foot and by vehicle along the east boundary.", Kind: "textarea"},
		documentField()},
	Message: func(ctx context.Context, cl *client.Client, a portal.Answers) (any, []ui.FormError, error) {
		errs := requireAccount(a, nil)
		t, errs, err := titleFor(ctx, cl, a, true, errs)
		if err != nil {
			return nil, nil, err
		}
		pid := strings.ToUpper(strings.TrimSpace(a.Values.Get("benefiting")))
		if !validID(pid, 'P') {
			errs = append(errs, ui.FormError{Field: "benefiting", Message: "Enter the benefiting parcel id: P followed by its number, such as P2"})
		} else {
			p, err := portal.Record[land.Parcel](ctx, cl, "/land/parcel/"+pid, 0)
			switch {
			case err != nil:
				return nil, nil, err
			case p == nil:
				errs = append(errs, ui.FormError{Field: "benefiting", Message: "There is no parcel " + pid})
			case p.Status != land.StatusActive:
				errs = append(errs, ui.FormError{Field: "benefiting", Message: "Parcel " + pid + " is retired"})
			case t != nil && contains(t.Parcels, pid):
				errs = append(errs, ui.FormError{Field: "benefiting", Message: "Parcel " + pid + " is on title " + t.ID + " itself"})
			}
		}
		purpose, errs := checkReason(a, "purpose", 256, errs)
		doc, errs := checkDocument(a, errs)
		if len(errs) > 0 {
			return nil, errs, nil
		}
		return land.MsgRegisterEasement{Title: t.ID, Benefiting: pid, Purpose: purpose, Document: doc}, nil, nil
	},
	Describe: func(t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
		var m land.MsgRegisterEasement
		_ = tx.DecodeMsg(t.Msg, &m)
		return []ui.Fact{{Label: "What", Value: "Register an easement on title " + m.Title},
			{Label: "Benefiting parcel", Value: m.Benefiting, Href: "/land/parcels/" + m.Benefiting}, {Label: "Purpose", Value: m.Purpose},
			{Label: "Document hash", Value: m.Document, Mono: true}}
	},
	Done: func(t *tx.Tx, r *client.Result) (string, []ui.Fact, []ui.Link) {
		var m land.MsgRegisterEasement
		_ = tx.DecodeMsg(t.Msg, &m)
		return "Easement " + string(r.Data) + " is registered on title " + m.Title,
			[]ui.Fact{{Label: "Easement", Value: string(r.Data), Mono: true}, titleFact(m.Title)}, titleLinks(m.Title)
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
	Title:   "Register a sale signed at settlement",
	Lead:    "When seller and buyer sign together, the whole transfer is one transaction: a clerk prepares it from the deed and signs first, then the seller and the buyer sign it with their own keys, and it is registered. (Parties who sign at different times use an offer instead.)",
	Nav:     "land",
	Fields: []ui.Field{titleField(),
		{Name: "seller", Label: "Seller", Hint: "An owner of the title. " + partyHint + " The seller signs too.", Wide: true},
		{Name: "buyer", Label: "Buyer", Hint: partyHint + " The buyer signs too.", Wide: true},
		{Name: "share", Label: "Share of the title sold", Hint: "A fraction such as 1 (the whole title, if the seller holds it all) or 1/2. Leave empty for 1."},
		documentField()},
	Message: func(ctx context.Context, cl *client.Client, a portal.Answers) (any, []ui.FormError, error) {
		errs := requireClerk(a, nil)
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
			errs = append(errs, ui.FormError{Field: "buyer", Message: "The buyer must be someone other than the seller"})
		}
		share, errs := checkShare("share", a.Values.Get("share"), errs)
		if t != nil && sellerKnown {
			errs = checkHolds(t, seller, share, "seller", "The seller holds", errs)
		}
		doc, errs := checkDocument(a, errs)
		if len(errs) > 0 {
			return nil, errs, nil
		}
		return land.MsgTransfer{Title: t.ID, Sellers: []land.Share{{Party: seller, Share: share}},
			Buyers: []land.Share{{Party: buyer, Share: share}}, Document: doc}, nil, nil
	},
	Describe: func(t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
		var m land.MsgTransfer
		_ = tx.DecodeMsg(t.Msg, &m)
		return []ui.Fact{
			{Label: "What", Value: "Transfer a share of title " + m.Title + ", registered at once"},
			{Label: "Sellers", Value: sharesText(m.Sellers), Mono: true},
			{Label: "Buyers", Value: sharesText(m.Buyers), Mono: true},
			{Label: "Effect", Value: "The sellers’ shares pass to the buyers as soon as everyone has signed; mortgages and easements stay on the title"},
			{Label: "Document hash", Value: m.Document, Mono: true},
		}
	},
	Done: func(t *tx.Tx, _ *client.Result) (string, []ui.Fact, []ui.Link) {
		var m land.MsgTransfer
		_ = tx.DecodeMsg(t.Msg, &m)
		return "The transfer of title " + m.Title + " is registered",
			[]ui.Fact{titleFact(m.Title), {Label: "Bought", Value: sharesText(m.Buyers), Mono: true}},
			append(titleLinks(m.Title), ui.Link{Label: "Title certificate", Href: "/land/titles/" + m.Title + "/certificate"})
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
		if ps, err = withPartySigners(ctx, cl, ps, s.Party, "seller ("+s.Share+")"); err != nil {
			return nil, err
		}
	}
	for _, b := range m.Buyers {
		if ps, err = withPartySigners(ctx, cl, ps, b.Party, "buyer ("+b.Share+")"); err != nil {
			return nil, err
		}
	}
	return ps, nil
}
