package land

import (
	"context"
	"crypto/ed25519"
	"strings"

	"github.com/publica/publica/client"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/web/portal"
	"github.com/publica/publica/web/ui"
	"github.com/publica/publica/x/land"
)

// Clerks register and amend party records (land/register-party,
// land/amend-party; docs/land.md "Parties").

const partyKindHint = "natural-person, organisation or public-body (a group is registered with the CLI, naming its members)."

// parseAccountList reads account ids separated by commas or spaces; "none"
// or an empty answer is no account.
func parseAccountList(ctx context.Context, field, v string, errs []ui.FormError) ([]string, []ui.FormError) {
	out := []string{}
	v = strings.TrimSpace(v)
	if strings.EqualFold(v, "none") {
		return out, errs
	}
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' || r == '\r' }) {
		id, ok := parseAccount(f)
		if !ok {
			return out, append(errs, ui.FormError{Field: field, Message: tr(ctx, "land.e.accountlist")})
		}
		out = append(out, id)
	}
	if len(out) > land.MaxPartyAccounts {
		errs = append(errs, ui.FormError{Field: field, Message: tr(ctx, "land.e.accountsmax", land.MaxPartyAccounts)})
	}
	return out, errs
}

// optionalDocument reads an optional document hash.
func optionalDocument(ctx context.Context, a portal.Answers, errs []ui.FormError) (string, []ui.FormError) {
	if strings.TrimSpace(a.Values.Get("document")) == "" {
		return "", errs
	}
	return checkDocument(ctx, a, errs)
}

// invalidAs turns a message's stateless refusal into a form error on field.
func invalidAs(err error, field string, errs []ui.FormError) []ui.FormError {
	if err == nil {
		return errs
	}
	msg := err.Error()
	if i := strings.Index(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	return append(errs, ui.FormError{Field: field, Message: strings.ToUpper(msg[:1]) + msg[1:]})
}

var landRegisterParty = &portal.Journey{
	Path:    "/land/parties/register",
	MsgType: land.TypeRegisterParty,
	Title:   "land.j.party",
	Lead:    "land.j.party.lead",
	Nav:     "land",
	Fields: []ui.Field{
		{Name: "kind", Label: "land.f.kind", Hint: "land.h.kind"},
		{Name: "name", Label: "land.f.name", Hint: "land.h.name", Wide: true},
		{Name: "registration_number", Label: "land.f.regno", Hint: "land.h.regno"},
		{Name: "address_for_service", Label: "land.f.service", Wide: true},
		{Name: "accounts", Label: "land.f.accounts", Hint: "land.h.accounts", Kind: "textarea", Wide: true},
		{Name: "document", Label: "land.f.documentopt", Hint: "land.h.partydoc", Wide: true, Fill: "document"},
	},
	Message: func(ctx context.Context, cl *client.Client, a portal.Answers) (any, []ui.FormError, error) {
		errs := requireClerk(ctx, a, nil)
		m := land.MsgRegisterParty{Kind: strings.ToLower(strings.TrimSpace(a.Values.Get("kind"))), Name: strings.TrimSpace(a.Values.Get("name")),
			RegistrationNumber: strings.TrimSpace(a.Values.Get("registration_number")), AddressForService: strings.TrimSpace(a.Values.Get("address_for_service"))}
		var err error
		m.Accounts, errs = parseAccountList(ctx, "accounts", a.Values.Get("accounts"), errs)
		m.Document, errs = optionalDocument(ctx, a, errs)
		if len(errs) > 0 {
			return nil, errs, nil
		}
		switch err = m.ValidateBasic(); {
		case err == nil:
		case strings.Contains(err.Error(), "kind"):
			errs = invalidAs(err, "kind", errs)
		case strings.Contains(err.Error(), "name"):
			errs = invalidAs(err, "name", errs)
		case strings.Contains(err.Error(), "registration number"):
			errs = invalidAs(err, "registration_number", errs)
		case strings.Contains(err.Error(), "address"):
			errs = invalidAs(err, "address_for_service", errs)
		default:
			errs = invalidAs(err, "", errs)
		}
		if len(errs) > 0 {
			return nil, errs, nil
		}
		return m, nil, nil
	},
	DescribeIn: func(ctx context.Context, t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
		var m land.MsgRegisterParty
		_ = tx.DecodeMsg(t.Msg, &m)
		accounts := tr(ctx, "land.d.noaccounts")
		if len(m.Accounts) > 0 {
			accounts = strings.Join(m.Accounts, ", ")
		}
		return []ui.Fact{
			{Label: "land.f.what", Value: tr(ctx, "land.d.party", m.Name, tr(ctx, "land.kind."+m.Kind))},
			{Label: "land.f.regnofact", Value: orNone(ctx, m.RegistrationNumber)},
			{Label: "land.f.servicefact", Value: orNone(ctx, m.AddressForService)},
			{Label: "land.f.accountsfact", Value: accounts, Mono: len(m.Accounts) > 0},
		}
	},
	DoneIn: func(ctx context.Context, _ *tx.Tx, r *client.Result) (string, []ui.Fact, []ui.Link) {
		id := string(r.Data)
		return tr(ctx, "land.r.party", id),
			[]ui.Fact{{Label: "land.f.party", Value: id, Mono: true, Href: "/land/parties/" + id}},
			[]ui.Link{{Label: "land.l.partyentry", Href: "/land/parties/" + id}}
	},
}

var landAmendParty = &portal.Journey{
	Path:    "/land/parties/amend",
	MsgType: land.TypeAmendParty,
	Title:   "land.j.amendparty",
	Lead:    "land.j.amendparty.lead",
	Nav:     "land",
	Fields: []ui.Field{
		{Name: "party", Label: "land.f.party", Hint: "land.h.party"},
		{Name: "name", Label: "land.f.newname", Wide: true},
		{Name: "address_for_service", Label: "land.f.newservice", Wide: true},
		{Name: "accounts", Label: "land.f.newaccounts", Hint: "land.h.newaccounts", Kind: "textarea", Wide: true},
		{Name: "reason", Label: "land.f.reason", Hint: "land.h.amendreason", Wide: true},
		{Name: "document", Label: "land.f.documentopt", Hint: "land.h.amenddoc", Wide: true, Fill: "document"},
	},
	Message: func(ctx context.Context, cl *client.Client, a portal.Answers) (any, []ui.FormError, error) {
		errs := requireClerk(ctx, a, nil)
		id := strings.ToUpper(strings.TrimSpace(a.Values.Get("party")))
		m := land.MsgAmendParty{Party: id, Reason: strings.TrimSpace(a.Values.Get("reason"))}
		var p *land.Party
		if !land.IsPartyID(id) {
			errs = append(errs, ui.FormError{Field: "party", Message: tr(ctx, "land.e.partyid")})
		} else {
			var err error
			if p, err = portal.Record[land.Party](ctx, cl, "/land/party-record/"+id, 0); err != nil {
				return nil, nil, err
			}
			if p == nil {
				errs = append(errs, ui.FormError{Field: "party", Message: tr(ctx, "land.e.nopartyid", id)})
			}
		}
		if v := strings.TrimSpace(a.Values.Get("name")); v != "" {
			m.Name = &v
		}
		if v := strings.TrimSpace(a.Values.Get("address_for_service")); v != "" {
			m.AddressForService = &v
		}
		if strings.TrimSpace(a.Values.Get("accounts")) != "" {
			var accounts []string
			accounts, errs = parseAccountList(ctx, "accounts", a.Values.Get("accounts"), errs)
			m.Accounts = &accounts
		}
		if m.Reason == "" {
			errs = append(errs, ui.FormError{Field: "reason", Message: tr(ctx, "land.e.amendreason")})
		}
		if m.Name == nil && m.AddressForService == nil && m.Accounts == nil {
			errs = append(errs, ui.FormError{Field: "name", Message: tr(ctx, "land.e.amendnothing")})
		}
		m.Document, errs = optionalDocument(ctx, a, errs)
		if len(errs) > 0 {
			return nil, errs, nil
		}
		if err := m.ValidateBasic(); err != nil {
			field := ""
			if strings.Contains(err.Error(), "name") {
				field = "name"
			}
			return nil, invalidAs(err, field, errs), nil
		}
		return m, nil, nil
	},
	DescribeIn: func(ctx context.Context, t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
		var m land.MsgAmendParty
		_ = tx.DecodeMsg(t.Msg, &m)
		fs := []ui.Fact{{Label: "land.f.what", Value: tr(ctx, "land.d.amend", m.Party)}}
		if m.Name != nil {
			fs = append(fs, ui.Fact{Label: "land.f.newnamefact", Value: *m.Name})
		}
		if m.AddressForService != nil {
			fs = append(fs, ui.Fact{Label: "land.f.newservicefact", Value: *m.AddressForService})
		}
		if m.Accounts != nil {
			fs = append(fs, ui.Fact{Label: "land.f.newaccountsfact", Value: orNone(ctx, strings.Join(*m.Accounts, ", ")), Mono: true})
		}
		return append(fs, ui.Fact{Label: "land.f.reason", Value: m.Reason})
	},
	DoneIn: func(ctx context.Context, t *tx.Tx, _ *client.Result) (string, []ui.Fact, []ui.Link) {
		var m land.MsgAmendParty
		_ = tx.DecodeMsg(t.Msg, &m)
		return tr(ctx, "land.r.amended", m.Party),
			[]ui.Fact{{Label: "land.f.party", Value: m.Party, Mono: true, Href: "/land/parties/" + m.Party}},
			[]ui.Link{{Label: "land.l.partyentry", Href: "/land/parties/" + m.Party}}
	},
}
