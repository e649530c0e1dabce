package land

import (
	"context"
	"strings"

	"github.com/publica/publica/client"
	"github.com/publica/publica/web/portal"
	"github.com/publica/publica/web/ui"
	"github.com/publica/publica/x/land"
)

// Party fields of the land forms: a party id ("N8", a party record of the
// register) or an account id, as x/land accepts (docs/land.md "Parties").

// partyHint is the hint of a party field.
const partyHint = "A party id such as N8 (see the party’s page in the register), or an account id: 40 hexadecimal characters."

// parseParty reads a party field: a party id (upper-cased) or an account id.
func parseParty(v string) (string, bool) {
	v = strings.TrimSpace(v)
	if up := strings.ToUpper(v); land.IsPartyID(up) {
		return up, true
	}
	return parseAccount(v)
}

// checkParty reads a party field and checks a party id names a registered
// party; who is "owner", "buyer"...
func checkParty(ctx context.Context, cl *client.Client, a portal.Answers, field, who string, errs []ui.FormError) (string, []ui.FormError, error) {
	id, ok := parseParty(a.Values.Get(field))
	if !ok {
		return id, append(errs, ui.FormError{Field: field, Message: tr(ctx, "land.e.party", recordWord(ctx, who, false))}), nil
	}
	if !land.IsPartyID(id) {
		return id, errs, nil
	}
	p, err := portal.Record[land.Party](ctx, cl, "/land/party-record/"+id, 0)
	if err != nil {
		return "", nil, err
	}
	if p == nil {
		return id, append(errs, ui.FormError{Field: field, Message: tr(ctx, "land.e.noparty", id)}), nil
	}
	return id, errs, nil
}

// partySigners is who signs for party in a co-signed dealing: any one of
// its accounts (the first, or one of Also), named with the party's name
// in the role (docs/land.md); nothing for a party without accounts, for
// which a land clerk among the signers signs.
func partySigners(ctx context.Context, cl *client.Client, party, role string) ([]ui.CosignSigner, error) {
	if !land.IsPartyID(party) {
		return []ui.CosignSigner{{Account: party, Role: role}}, nil
	}
	p, err := portal.Record[land.Party](ctx, cl, "/land/party-record/"+party, 0)
	if err != nil || p == nil {
		return nil, err
	}
	if len(p.Accounts) == 0 {
		return nil, nil
	}
	return []ui.CosignSigner{{Account: p.Accounts[0], Also: p.Accounts[1:], Role: tr(ctx, "land.role.for", role, p.Name)}}, nil
}

// withPartySigners adds the signers of party to ps.
func withPartySigners(ctx context.Context, cl *client.Client, ps []ui.CosignSigner, party, role string) ([]ui.CosignSigner, error) {
	ss, err := partySigners(ctx, cl, party, role)
	if err != nil {
		return nil, err
	}
	for _, s := range ss {
		n := len(ps)
		ps = withParty(ctx, ps, s.Account, s.Role)
		if len(ps) > n {
			ps[n].Also = s.Also
		}
	}
	return ps, nil
}
