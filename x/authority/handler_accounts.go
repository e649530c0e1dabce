package authority

import "github.com/publica/publica/module"

// registerAccount creates the account of the primary signer. The
// application lets a key without an account through only for this message
// and only with sequence 0, which the registration consumes.
func (m *Module) registerAccount(ctx *module.Context, _ *MsgRegisterAccount) ([]byte, error) {
	a, err := m.Keeper.CreateAccount(ctx.KV, ctx.Signers[0].PubKey)
	if err != nil {
		return nil, err
	}
	a.Sequence = 1
	m.Keeper.SetAccount(ctx.KV, a)
	ctx.Emit("authority.account_registered", "account", a.ID, "pubkey", a.PubKey)
	return []byte(a.ID), nil
}
