package authority

import (
	"slices"
	"strconv"
	"strings"

	"github.com/publica/publica/errs"
	"github.com/publica/publica/module"
	"github.com/publica/publica/tx"
)

// TypeSetAuthority replaces the authority set and its threshold.
const TypeSetAuthority = "authority/set-authority"

// MaxMembers bounds the authority set.
const MaxMembers = 64

// MsgSetAuthority makes Members (account ids) the authority set with
// Threshold; the current set's quorum must sign it. Roles are untouched:
// they belong to accounts, not to the set.
type MsgSetAuthority struct {
	Threshold int      `json:"threshold"`
	Members   []string `json:"members"`
}

func (m *MsgSetAuthority) ValidateBasic() error {
	if len(m.Members) == 0 || len(m.Members) > MaxMembers {
		return errs.InvalidMsg.Wrapf("the authority set needs 1 to %d members, got %d", MaxMembers, len(m.Members))
	}
	if m.Threshold < 1 || m.Threshold > len(m.Members) {
		return errs.InvalidMsg.Wrapf("threshold %d outside 1..%d", m.Threshold, len(m.Members))
	}
	seen := map[string]bool{}
	for _, id := range m.Members {
		if !tx.ValidAccountID(id) {
			return errs.InvalidMsg.Wrapf("member %q is not a 40-hex-digit account id", id)
		}
		if seen[id] {
			return errs.InvalidMsg.Wrapf("member %s named twice", id)
		}
		seen[id] = true
	}
	return nil
}

// ParamsChange is the record of one change of the authority set.
type ParamsChange struct {
	Height    int64    `json:"height"`
	Old       Params   `json:"old"`
	New       Params   `json:"new"`
	Approvers []string `json:"approvers"` // members of the old set who signed
}

func (m *Module) setAuthority(ctx *module.Context, msg *MsgSetAuthority) ([]byte, error) {
	approvers, err := m.Keeper.Quorum(ctx.KV, ctx.Signers)
	if err != nil {
		return nil, err
	}
	old, err := m.Keeper.Params(ctx.KV)
	if err != nil {
		return nil, err
	}
	members := slices.Clone(msg.Members)
	slices.Sort(members)
	for _, id := range members {
		a, err := m.Keeper.Account(ctx.KV, id)
		if err != nil {
			return nil, err
		}
		if a == nil {
			return nil, ErrUnknownAccount.Wrapf("member %s has no account", id)
		}
	}
	p := &Params{Threshold: msg.Threshold, Members: members}
	if p.Threshold == old.Threshold && slices.Equal(p.Members, old.Members) {
		return nil, ErrSameAuthority.Wrapf("%d of %d, same members", p.Threshold, len(p.Members))
	}
	m.Keeper.SetParams(ctx.KV, p)
	m.Keeper.RecordParamsChange(ctx.KV, &ParamsChange{Height: ctx.Height, Old: *old, New: *p, Approvers: approvers})
	ctx.Emit("authority.set_changed", "threshold", strconv.Itoa(p.Threshold), "members", strings.Join(p.Members, ","),
		"approvers", strings.Join(approvers, ","))
	return nil, nil
}
