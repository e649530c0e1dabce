package authority

import (
	"slices"
	"strings"

	"github.com/publica/publica/errs"
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
		{Type: TypeRegisterAccount, New: func() module.Msg { return &MsgRegisterAccount{} }, Handle: m.registerAccount},
		{Type: TypeGrantRole, New: func() module.Msg { return &MsgGrantRole{} }, Handle: m.grantRole},
		{Type: TypeRevokeRole, New: func() module.Msg { return &MsgRevokeRole{} }, Handle: m.revokeRole},
	}
}

// registerAccount creates the account of the primary signer. The
// application lets a key without an account through only for this message
// and only with sequence 0, which the registration consumes.
func (m *Module) registerAccount(ctx *module.Context, _ module.Msg) ([]byte, error) {
	a, err := m.Keeper.CreateAccount(ctx.KV, ctx.Signers[0].PubKey)
	if err != nil {
		return nil, err
	}
	a.Sequence = 1
	m.Keeper.SetAccount(ctx.KV, a)
	ctx.Emit("authority.account_registered", "account", a.ID, "pubkey", a.PubKey)
	return []byte(a.ID), nil
}

func (m *Module) grantRole(ctx *module.Context, msg module.Msg) ([]byte, error) {
	g := msg.(*MsgGrantRole)
	approvers, err := m.quorum(ctx)
	if err != nil {
		return nil, err
	}
	if err := m.Keeper.GrantRole(ctx.KV, g.Account, g.Role); err != nil {
		return nil, err
	}
	ctx.Emit("authority.role_granted", "account", g.Account, "role", g.Role, "approvers", strings.Join(approvers, ","))
	return nil, nil
}

func (m *Module) revokeRole(ctx *module.Context, msg module.Msg) ([]byte, error) {
	r := msg.(*MsgRevokeRole)
	approvers, err := m.quorum(ctx)
	if err != nil {
		return nil, err
	}
	if err := m.Keeper.RevokeRole(ctx.KV, r.Account, r.Role); err != nil {
		return nil, err
	}
	ctx.Emit("authority.role_revoked", "account", r.Account, "role", r.Role, "approvers", strings.Join(approvers, ","))
	return nil, nil
}

// quorum checks that at least Threshold distinct authority members signed
// the transaction and returns them in signing order.
func (m *Module) quorum(ctx *module.Context) ([]string, error) {
	p, err := m.Keeper.Params(ctx.KV)
	if err != nil {
		return nil, err
	}
	var approvers []string
	for _, s := range ctx.Signers {
		if s.Account != "" && slices.Contains(p.Members, s.Account) {
			approvers = append(approvers, s.Account)
		}
	}
	if len(approvers) < p.Threshold {
		return nil, errs.Unauthorized.Wrapf("%s: %d of %d authority signatures, %d required",
			ErrNoQuorum.Desc, len(approvers), len(p.Members), p.Threshold)
	}
	return approvers, nil
}
