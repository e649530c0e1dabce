package portal

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"

	"github.com/publica/publica/client"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/web/ui"
	"github.com/publica/publica/x/authority"
)

// RegisterAccount is the first journey: a key held in the browser becomes
// an account (authority/register-account, sequence 0, signed by that key).
var RegisterAccount = &Journey{
	Path:    "/account/register",
	MsgType: authority.TypeRegisterAccount,
	Title:   "Register your account",
	Lead:    "Your key becomes an account on the chain. Nobody else signs: your key alone creates it.",
	Nav:     "keys",
	Message: func(_ context.Context, _ *client.Client, a Answers) (any, []ui.FormError, error) {
		if a.Account != nil {
			return nil, []ui.FormError{{Field: SignerField,
				Message: "This key already has account " + a.Account.ID + ": there is nothing to register"}}, nil
		}
		return authority.MsgRegisterAccount{}, nil, nil
	},
	Describe: func(_ *tx.Tx, signer ed25519.PublicKey) []ui.Fact {
		return []ui.Fact{
			{Label: "What", Value: "Create a new account controlled by your key"},
			{Label: "Your account id", Value: tx.AccountID(signer), Mono: true},
			{Label: "Your public key", Value: hex.EncodeToString(signer), Mono: true},
			{Label: "Roles", Value: "None: roles are granted later by the authority set"},
		}
	},
	Done: func(t *tx.Tx, r *client.Result) (string, []ui.Fact, []ui.Link) {
		id := string(r.Data)
		if !tx.ValidAccountID(id) {
			id = tx.AccountID(t.Primary())
		}
		return "Your account is registered",
			[]ui.Fact{{Label: "Account id", Value: id, Mono: true, Href: "/accounts/" + id}},
			[]ui.Link{{Label: "Sign in with your key", Href: "/signin"}, {Label: "See your account on the chain", Href: "/accounts/" + id}}
	},
}
