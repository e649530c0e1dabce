package governance

import (
	"strconv"
	"strings"

	"github.com/publica/publica/module"
)

// setValidator: the authority's quorum adds, re-weights or removes a
// validator; CometBFT applies the change two blocks later.
func (m *Module) setValidator(ctx *module.Context, msg *MsgSetValidator) ([]byte, error) {
	approvers, err := m.auth.Quorum(ctx.KV, ctx.Signers)
	if err != nil {
		return nil, err
	}
	pub, _ := ParseConsensusKey(msg.PubKey) // ValidateBasic checked it
	c, err := m.Keeper.SetValidator(ctx.KV, ctx.Height, m.Keeper.Version(ctx.KV), pub, msg.Power, msg.Name, approvers)
	if err != nil {
		return nil, err
	}
	ctx.Emit("governance.validator_changed", "address", c.Address, "power", strconv.FormatInt(msg.Power, 10),
		"old_power", strconv.FormatInt(c.OldPower, 10), "effective_height", strconv.FormatInt(c.EffectiveHeight, 10),
		"approvers", strings.Join(approvers, ","))
	return []byte(c.Address), nil
}
