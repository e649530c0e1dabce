package portal

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"

	"github.com/publica/publica/client"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/web/i18n"
	"github.com/publica/publica/web/ui"
	"github.com/publica/publica/x/authority"
)

// RegisterAccount is the first journey: a key held in the browser becomes
// an account (authority/register-account, sequence 0, signed by that key).
var RegisterAccount = &Journey{
	Path:    "/account/register",
	MsgType: authority.TypeRegisterAccount,
	Title:   "account.reg.title", // keys of web/i18n's catalog
	Lead:    "account.reg.lead",
	Nav:     "keys",
	Message: func(ctx context.Context, _ *client.Client, a Answers) (any, []ui.FormError, error) {
		if a.Account != nil {
			return nil, []ui.FormError{{Field: SignerField, Message: i18n.T(ctx, "account.reg.exists", a.Account.ID)}}, nil
		}
		return authority.MsgRegisterAccount{}, nil, nil
	},
	DescribeIn: func(ctx context.Context, _ *tx.Tx, signer ed25519.PublicKey) []ui.Fact {
		return []ui.Fact{
			{Label: i18n.T(ctx, "account.reg.what"), Value: i18n.T(ctx, "account.reg.what.value")},
			{Label: i18n.T(ctx, "account.reg.id"), Value: tx.AccountID(signer), Mono: true},
			{Label: i18n.T(ctx, "account.reg.pubkey"), Value: hex.EncodeToString(signer), Mono: true},
			{Label: i18n.T(ctx, "account.roles"), Value: i18n.T(ctx, "account.reg.roles.value")},
		}
	},
	DoneIn: func(ctx context.Context, t *tx.Tx, r *client.Result) (string, []ui.Fact, []ui.Link) {
		id := string(r.Data)
		if !tx.ValidAccountID(id) {
			id = tx.AccountID(t.Primary())
		}
		return i18n.T(ctx, "account.reg.done"),
			[]ui.Fact{{Label: i18n.T(ctx, "account.id"), Value: id, Mono: true, Href: "/accounts/" + id}},
			[]ui.Link{{Label: i18n.T(ctx, "account.reg.signin"), Href: "/signin"}, {Label: i18n.T(ctx, "account.reg.see"), Href: "/accounts/" + id}}
	},
}
