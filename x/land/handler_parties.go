package land

import (
	"fmt"
	"slices"
	"strings"

	"github.com/publica/publica/errs"
	"github.com/publica/publica/module"
	"github.com/publica/publica/x/authority"
)

// Parties: a clerk registers and amends party records; every dealing
// checks the signatures of the parties it names through the accounts
// linked to them (signsFor).

func (m *Module) registerParty(ctx *module.Context, msg *MsgRegisterParty) ([]byte, error) {
	if err := m.requireClerk(ctx); err != nil {
		return nil, err
	}
	if err := m.requireMembers(ctx, msg.Members); err != nil {
		return nil, err
	}
	p := &Party{ID: m.Keeper.next(ctx.KV, "N"), Kind: msg.Kind, Name: msg.Name, NameSince: ctx.Height,
		RegistrationNumber: msg.RegistrationNumber, AddressForService: msg.AddressForService,
		Accounts: sorted(msg.Accounts), Members: sortedOrNil(msg.Members), IDCommitment: msg.IDCommitment,
		Document: msg.Document, Registered: ctx.Height}
	m.Keeper.SetParty(ctx.KV, p, nil)
	ctx.Emit("land.party_registered", "party", p.ID, "kind", p.Kind)
	emitDocument(ctx, msg.Document)
	return []byte(p.ID), nil
}

func (m *Module) amendParty(ctx *module.Context, msg *MsgAmendParty) ([]byte, error) {
	if err := m.requireClerk(ctx); err != nil {
		return nil, err
	}
	p, err := m.loadParty(ctx, msg.Party)
	if err != nil {
		return nil, err
	}
	old := p.Accounts
	if msg.Name != nil && *msg.Name != p.Name {
		if len(p.FormerNames) >= MaxPartyFormerNames {
			return nil, errs.InvalidMsg.Wrapf("party %s has had %d names, the most a record keeps; register a new party", p.ID, MaxPartyFormerNames)
		}
		p.FormerNames = append(p.FormerNames, FormerName{Name: p.Name, From: p.NameSince, Until: ctx.Height, Reason: msg.Reason, Document: msg.Document})
		p.Name, p.NameSince = *msg.Name, ctx.Height
	}
	if msg.RegistrationNumber != nil {
		if err := validRegNumber(p.Kind, *msg.RegistrationNumber); err != nil {
			return nil, err
		}
		p.RegistrationNumber = *msg.RegistrationNumber
	}
	if msg.AddressForService != nil {
		p.AddressForService = *msg.AddressForService
	}
	if msg.Accounts != nil {
		p.Accounts = sorted(*msg.Accounts)
	}
	if msg.Members != nil {
		if err := validMembers(p.Kind, *msg.Members); err != nil {
			return nil, err
		}
		if slices.Contains(*msg.Members, p.ID) {
			return nil, errs.InvalidMsg.Wrapf("group %s cannot be its own member", p.ID)
		}
		if err := m.requireMembers(ctx, *msg.Members); err != nil {
			return nil, err
		}
		p.Members = sortedOrNil(*msg.Members)
	}
	if msg.IDCommitment != nil {
		p.IDCommitment = *msg.IDCommitment
	}
	p.Amended = ctx.Height
	m.Keeper.SetParty(ctx.KV, p, old)
	ctx.Emit("land.party_amended", "party", p.ID)
	emitDocument(ctx, msg.Document)
	return nil, nil
}

func (m *Module) requireMembers(ctx *module.Context, members []string) error {
	for _, id := range members {
		if _, err := m.loadParty(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

func (m *Module) loadParty(ctx *module.Context, id string) (*Party, error) {
	p, err := m.Keeper.Party(ctx.KV, id)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, ErrUnknownParty.Wrapf("%s is not a registered party", id)
	}
	return p, nil
}

// requireParties checks that every party id named is registered (a bare
// account id names itself and needs no record).
func (m *Module) requireParties(ctx *module.Context, what string, ids ...string) error {
	for _, id := range ids {
		if !IsPartyID(id) {
			continue
		}
		if _, err := m.loadParty(ctx, id); err != nil {
			return ErrUnknownParty.Wrapf("%s %s is not a registered party", what, id)
		}
	}
	return nil
}

func requirePartiesIn(m *Module, ctx *module.Context, what string, list []Share) error {
	ids := make([]string, len(list))
	for i, s := range list {
		ids[i] = s.Party
	}
	return m.requireParties(ctx, what, ids...)
}

// signsFor reports whether the transaction is signed for party: a bare
// account by its own key; a party record by any one of its accounts, or,
// when it has none (it deals through a conveyancer), by a land clerk
// among the signers, who registers the deed.
func (m *Module) signsFor(ctx *module.Context, party string) (bool, *Party, error) {
	if !IsPartyID(party) {
		return signedBy(ctx, party), nil, nil
	}
	p, err := m.loadParty(ctx, party)
	if err != nil {
		return false, nil, err
	}
	if len(p.Accounts) == 0 {
		for _, s := range ctx.Signers {
			if m.roles.HasRole(ctx.KV, s.Account, authority.RoleClerk) {
				return true, p, nil
			}
		}
		return false, p, nil
	}
	for _, a := range p.Accounts {
		if signedBy(ctx, a) {
			return true, p, nil
		}
	}
	return false, p, nil
}

// requireSigned checks every party is signed for (signsFor), naming the
// first that is not and who may sign for it.
func (m *Module) requireSigned(ctx *module.Context, what string, parties ...string) error {
	for _, party := range parties {
		ok, p, err := m.signsFor(ctx, party)
		if err != nil {
			return err
		}
		if ok {
			continue
		}
		if p == nil {
			return ErrMissingSignature.Wrapf("%s %s must sign the transaction", what, party)
		}
		if len(p.Accounts) == 0 {
			return ErrMissingSignature.Wrapf("%s %s (%s) has no account of its own: a land clerk must sign for it on the deed", what, p.ID, p.Name)
		}
		return ErrMissingSignature.Wrapf("%s %s (%s) must sign the transaction through one of its accounts %s", what, p.ID, p.Name, strings.Join(p.Accounts, ", "))
	}
	return nil
}

// actsFor reports whether account may act for party on its own: it is the
// party's account (a bare account party) or one of its accounts.
func (m *Module) actsFor(ctx *module.Context, account, party string) bool {
	if !IsPartyID(party) {
		return account == party
	}
	return m.Keeper.MaySign(ctx.KV, account, party)
}

// describeParty is "N2 (Nordbank plc)" for a party record, the account
// id for a bare account; for messages.
func (m *Module) describeParty(ctx *module.Context, party string) string {
	if !IsPartyID(party) {
		return party
	}
	if p, err := m.Keeper.Party(ctx.KV, party); err == nil && p != nil {
		return fmt.Sprintf("%s (%s)", p.ID, p.Name)
	}
	return party
}

func sorted(list []string) []string {
	out := slices.Clone(list)
	if out == nil {
		out = []string{}
	}
	slices.Sort(out)
	return out
}

func sortedOrNil(list []string) []string {
	if len(list) == 0 {
		return nil
	}
	return sorted(list)
}
