package ballot

import (
	"strconv"

	"github.com/publica/publica/errs"
	"github.com/publica/publica/module"
)

// Elections and their rolls: the official defines an election and keeps
// the voter roll of a roll election.

func (m *Module) createElection(ctx *module.Context, c *MsgCreateElection) ([]byte, error) {
	official := ctx.Primary()
	if !m.roles.HasRole(ctx.KV, official, roleElectionOfficial) {
		return nil, errs.Unauthorized.Wrapf("account %s does not hold the %s role", official, roleElectionOfficial)
	}
	if m.Keeper.HasElection(ctx.KV, c.ID) {
		return nil, ErrElectionExists.Wrapf("%q", c.ID)
	}
	for i, t := range c.Trustees {
		if !m.roles.HasRole(ctx.KV, t, roleTrustee) {
			return nil, ErrInvalidElection.Wrapf("trustee %d (%s) does not hold the %s role", i+1, t, roleTrustee)
		}
	}
	if c.Eligibility.Kind == RuleCredential && m.credentials == nil {
		return nil, ErrUnsupportedRule.Wrapf("credential rules need the identity module; use a voter roll")
	}
	if c.ClosesAt <= ctx.Time.Unix() {
		return nil, ErrInvalidElection.Wrapf("closes_at %d is not after the block time %d", c.ClosesAt, ctx.Time.Unix())
	}
	e := &Election{
		ID: c.ID, Title: c.Title, Official: official, Questions: c.Questions, Eligibility: c.Eligibility,
		Trustees: c.Trustees, Threshold: c.Threshold, OpensAt: c.OpensAt, ClosesAt: c.ClosesAt,
		CreatedAt: ctx.Height, Phase: PhaseKeyCeremony,
	}
	m.Keeper.SetElection(ctx.KV, e)
	ctx.Emit("ballot.election_created", "election", e.ID, "official", official)
	return []byte(e.ID), nil
}

// officialElection loads the election and checks the signer is its official.
func (m *Module) officialElection(ctx *module.Context, id string) (*Election, error) {
	e, err := m.Keeper.MustElection(ctx.KV, id)
	if err != nil {
		return nil, err
	}
	if e.Official != ctx.Primary() {
		return nil, ErrNotOfficial.Wrapf("election %s's official is %s", id, e.Official)
	}
	return e, nil
}

// rollElection loads a roll election whose roll the signer may still change.
func (m *Module) rollElection(ctx *module.Context, id string) (*Election, error) {
	e, err := m.officialElection(ctx, id)
	if err != nil {
		return nil, err
	}
	if e.Eligibility.Kind != RuleRoll {
		return nil, ErrInvalidRoll.Wrapf("election %s's eligibility is a %s rule, not a roll", id, e.Eligibility.Kind)
	}
	if e.Phase == PhaseTallied || ctx.Time.Unix() >= e.ClosesAt {
		return nil, ErrClosed.Wrapf("the roll of election %s is final", id)
	}
	return e, nil
}

func (m *Module) registerVoters(ctx *module.Context, r *MsgRegisterVoters) ([]byte, error) {
	if _, err := m.rollElection(ctx, r.Election); err != nil {
		return nil, err
	}
	added := 0
	for _, v := range r.Voters {
		if m.Keeper.Enroll(ctx.KV, r.Election, v) {
			added++
		}
	}
	ctx.Emit("ballot.voters_registered", "election", r.Election, "added", strconv.Itoa(added))
	return []byte(strconv.Itoa(added)), nil
}

// removeVoters takes voters off the roll; a removed voter's counted ballot
// is withdrawn from the aggregate.
func (m *Module) removeVoters(ctx *module.Context, r *MsgRemoveVoters) ([]byte, error) {
	if _, err := m.rollElection(ctx, r.Election); err != nil {
		return nil, err
	}
	withdrawn := 0
	for _, v := range r.Voters {
		if !m.Keeper.OnRoll(ctx.KV, r.Election, v) {
			return nil, ErrInvalidRoll.Wrapf("%s is not on the roll of %s", v, r.Election)
		}
		m.Keeper.Unenroll(ctx.KV, r.Election, v)
		ok, err := m.Keeper.Withdraw(ctx.KV, r.Election, v)
		if err != nil {
			return nil, err
		}
		if ok {
			withdrawn++
		}
	}
	ctx.Emit("ballot.voters_removed", "election", r.Election, "removed", strconv.Itoa(len(r.Voters)), "withdrawn", strconv.Itoa(withdrawn))
	return []byte(strconv.Itoa(withdrawn)), nil
}
