package authority

import (
	"strings"

	"github.com/publica/publica/module"
)

// Message types of this module.
const (
	TypeRegisterAccount = "authority/register-account"
	TypeGrantRole       = "authority/grant-role"
	TypeRevokeRole      = "authority/revoke-role"
)

// Messages declares the module's message types.
func (m *Module) Messages() []module.MsgSpec {
	return []module.MsgSpec{
		module.Handle(TypeRegisterAccount, m.registerAccount),
		module.Handle(TypeGrantRole, m.grantRole),
		module.Handle(TypeRevokeRole, m.revokeRole),
	}
}

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

func (m *Module) grantRole(ctx *module.Context, g *MsgGrantRole) ([]byte, error) {
	approvers, err := m.Keeper.Quorum(ctx.KV, ctx.Signers)
	if err != nil {
		return nil, err
	}
	if err := m.Keeper.GrantRole(ctx.KV, g.Account, g.Role); err != nil {
		return nil, err
	}
	ctx.Emit("authority.role_granted", "account", g.Account, "role", g.Role, "approvers", strings.Join(approvers, ","))
	return nil, nil
}

func (m *Module) revokeRole(ctx *module.Context, r *MsgRevokeRole) ([]byte, error) {
	approvers, err := m.Keeper.Quorum(ctx.KV, ctx.Signers)
	if err != nil {
		return nil, err
	}
	if err := m.Keeper.RevokeRole(ctx.KV, r.Account, r.Role); err != nil {
		return nil, err
	}
	ctx.Emit("authority.role_revoked", "account", r.Account, "role", r.Role, "approvers", strings.Join(approvers, ","))
	return nil, nil
}
