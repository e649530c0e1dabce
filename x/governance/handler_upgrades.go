package governance

import (
	"strconv"
	"strings"

	"github.com/publica/publica/module"
)

// scheduleUpgrade: the authority's quorum names the height from which the
// chain runs a higher protocol version.
func (m *Module) scheduleUpgrade(ctx *module.Context, msg *MsgScheduleUpgrade) ([]byte, error) {
	approvers, err := m.auth.Quorum(ctx.KV, ctx.Signers)
	if err != nil {
		return nil, err
	}
	if p, err := m.Keeper.Plan(ctx.KV); err != nil {
		return nil, err
	} else if p != nil {
		return nil, ErrUpgradeScheduled.Wrapf("%q at height %d; cancel it first", p.Name, p.Height)
	}
	if msg.Height < ctx.Height+UpgradeMinDelay {
		return nil, ErrUpgradeHeight.Wrapf("height %d: the earliest is %d", msg.Height, ctx.Height+UpgradeMinDelay)
	}
	if cur := m.Keeper.Version(ctx.KV); msg.Version <= cur {
		return nil, ErrUpgradeVersion.Wrapf("the chain runs protocol %d, the upgrade names %d", cur, msg.Version)
	}
	var dup bool
	if err := m.Keeper.Applied(ctx.KV, func(u *AppliedUpgrade) bool { dup = u.Name == msg.Name; return !dup }); err != nil {
		return nil, err
	}
	if dup {
		return nil, ErrUpgradeName.Wrapf("%q", msg.Name)
	}
	p := msg.Plan
	m.Keeper.SetPlan(ctx.KV, &p)
	ctx.Emit("governance.upgrade_scheduled", "name", p.Name, "height", strconv.FormatInt(p.Height, 10),
		"version", strconv.FormatUint(p.Version, 10), "approvers", strings.Join(approvers, ","))
	return nil, nil
}

// cancelUpgrade: the authority's quorum withdraws the scheduled upgrade.
func (m *Module) cancelUpgrade(ctx *module.Context, msg *MsgCancelUpgrade) ([]byte, error) {
	approvers, err := m.auth.Quorum(ctx.KV, ctx.Signers)
	if err != nil {
		return nil, err
	}
	p, err := m.Keeper.Plan(ctx.KV)
	if err != nil {
		return nil, err
	}
	if p == nil || p.Name != msg.Name {
		return nil, ErrNoUpgrade.Wrapf("%q is not scheduled", msg.Name)
	}
	m.Keeper.DeletePlan(ctx.KV)
	ctx.Emit("governance.upgrade_cancelled", "name", p.Name, "approvers", strings.Join(approvers, ","))
	return nil, nil
}
