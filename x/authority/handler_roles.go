package authority

import (
	"strings"

	"github.com/publica/publica/module"
)

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
