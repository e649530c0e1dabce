package land

import (
	"encoding/json"
	"slices"

	"github.com/publica/publica/errs"
	"github.com/publica/publica/module"
)

// Rights and restrictions on a title: mortgages, leases, easements and
// caveats.

func (m *Module) registerMortgage(ctx *module.Context, msg *MsgRegisterMortgage) ([]byte, error) {
	t, err := m.dealable(ctx, msg.Title)
	if err != nil {
		return nil, err
	}
	if err := m.requireSigned(ctx, "owner", owners(t)...); err != nil {
		return nil, err
	}
	if err := m.requireSigned(ctx, "lender", msg.Lender); err != nil {
		return nil, err
	}
	for _, mo := range t.Mortgages {
		if mo.Rank == msg.Rank {
			return nil, ErrRankTaken.Wrapf("rank %d of %s is mortgage %s (lender %s)", msg.Rank, t.ID, mo.ID, m.describeParty(ctx, mo.Lender))
		}
	}
	mo := Mortgage{ID: m.Keeper.next(ctx.KV, "M"), Lender: msg.Lender, Amount: msg.Amount, Currency: msg.Currency,
		Rank: msg.Rank, Document: msg.Document, Registered: ctx.Height}
	t.Mortgages = append(t.Mortgages, mo)
	slices.SortFunc(t.Mortgages, func(a, b Mortgage) int { return int(a.Rank - b.Rank) })
	if err := m.recordTitle(ctx, t, TypeRegisterMortgage, msg.Document, struct {
		ID string `json:"id"`
		*MsgRegisterMortgage
	}{mo.ID, msg}); err != nil {
		return nil, err
	}
	ctx.Emit("land.mortgage_registered", "title", t.ID, "mortgage", mo.ID, "rank", formatInt(mo.Rank))
	return []byte(mo.ID), nil
}

func (m *Module) dischargeMortgage(ctx *module.Context, msg *MsgDischargeMortgage) ([]byte, error) {
	t, err := m.dealable(ctx, msg.Title)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(t.Mortgages, func(x Mortgage) bool { return x.ID == msg.Mortgage })
	if i < 0 {
		return nil, ErrUnknownRight.Wrapf("mortgage %s is not on %s", msg.Mortgage, t.ID)
	}
	if ok, _, err := m.signsFor(ctx, t.Mortgages[i].Lender); err != nil {
		return nil, err
	} else if !ok {
		return nil, ErrNotLender.Wrapf("mortgage %s is held by %s, whose account must sign", msg.Mortgage, m.describeParty(ctx, t.Mortgages[i].Lender))
	}
	t.Mortgages = slices.Delete(t.Mortgages, i, i+1)
	if err := m.recordTitle(ctx, t, TypeDischarge, msg.Document, msg); err != nil {
		return nil, err
	}
	ctx.Emit("land.mortgage_discharged", "title", t.ID, "mortgage", msg.Mortgage)
	return nil, nil
}

func (m *Module) registerLease(ctx *module.Context, msg *MsgRegisterLease) ([]byte, error) {
	t, err := m.dealable(ctx, msg.Title)
	if err != nil {
		return nil, err
	}
	if err := m.requireSigned(ctx, "owner", owners(t)...); err != nil {
		return nil, err
	}
	if err := m.requireSigned(ctx, "lessee", msg.Lessee); err != nil {
		return nil, err
	}
	l := Lease{ID: m.Keeper.next(ctx.KV, "L"), Lessee: msg.Lessee, Start: msg.Start, End: msg.End, Document: msg.Document, Registered: ctx.Height}
	t.Leases = append(t.Leases, l)
	if err := m.recordTitle(ctx, t, TypeRegisterLease, msg.Document, struct {
		ID string `json:"id"`
		*MsgRegisterLease
	}{l.ID, msg}); err != nil {
		return nil, err
	}
	ctx.Emit("land.lease_registered", "title", t.ID, "lease", l.ID)
	return []byte(l.ID), nil
}

func (m *Module) endLease(ctx *module.Context, msg *MsgEndLease) ([]byte, error) {
	t, err := m.dealable(ctx, msg.Title)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(t.Leases, func(x Lease) bool { return x.ID == msg.Lease })
	if i < 0 {
		return nil, ErrUnknownRight.Wrapf("lease %s is not on %s", msg.Lease, t.ID)
	}
	if ok, _, err := m.signsFor(ctx, t.Leases[i].Lessee); err != nil {
		return nil, err
	} else if !ok && !m.isClerk(ctx) {
		return nil, ErrNotLessee.Wrapf("lease %s is held by %s", msg.Lease, m.describeParty(ctx, t.Leases[i].Lessee))
	}
	t.Leases = slices.Delete(t.Leases, i, i+1)
	if err := m.recordTitle(ctx, t, TypeEndLease, msg.Document, msg); err != nil {
		return nil, err
	}
	ctx.Emit("land.lease_ended", "title", t.ID, "lease", msg.Lease)
	return nil, nil
}

func (m *Module) registerEasement(ctx *module.Context, msg *MsgRegisterEasement) ([]byte, error) {
	t, err := m.dealable(ctx, msg.Title)
	if err != nil {
		return nil, err
	}
	if err := m.requireSigned(ctx, "owner", owners(t)...); err != nil {
		return nil, err
	}
	if _, err := m.activeParcel(ctx, msg.Benefiting); err != nil {
		return nil, err
	}
	if slices.Contains(t.Parcels, msg.Benefiting) {
		return nil, errs.InvalidMsg.Wrapf("parcel %s is on the burdened title %s itself", msg.Benefiting, t.ID)
	}
	e := Easement{ID: m.Keeper.next(ctx.KV, "E"), Benefiting: msg.Benefiting, Benefits: []string{msg.Benefiting},
		Purpose: msg.Purpose, Document: msg.Document, Registered: ctx.Height}
	t.Easements = append(t.Easements, e)
	m.Keeper.indexEasement(ctx.KV, t.ID, &e, true)
	if err := m.recordTitle(ctx, t, TypeRegisterEasement, msg.Document, struct {
		ID string `json:"id"`
		*MsgRegisterEasement
	}{e.ID, msg}); err != nil {
		return nil, err
	}
	ctx.Emit("land.easement_registered", "title", t.ID, "easement", e.ID)
	return []byte(e.ID), nil
}

func (m *Module) endEasement(ctx *module.Context, msg *MsgEndEasement) ([]byte, error) {
	if err := m.requireClerk(ctx); err != nil {
		return nil, err
	}
	t, err := m.dealable(ctx, msg.Title)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(t.Easements, func(x Easement) bool { return x.ID == msg.Easement })
	if i < 0 {
		return nil, ErrUnknownRight.Wrapf("easement %s is not on %s", msg.Easement, t.ID)
	}
	m.Keeper.indexEasement(ctx.KV, t.ID, &t.Easements[i], false)
	t.Easements = slices.Delete(t.Easements, i, i+1)
	if err := m.recordTitle(ctx, t, TypeEndEasement, msg.Document, msg); err != nil {
		return nil, err
	}
	ctx.Emit("land.easement_ended", "title", t.ID, "easement", msg.Easement)
	return nil, nil
}

// lodgeCaveat: a clerk's caveat is in force at once; anyone else's is an
// application that freezes nothing until a clerk examines it, so no one
// can freeze a title (or the register) by lodging caveats.
func (m *Module) lodgeCaveat(ctx *module.Context, msg *MsgLodgeCaveat) ([]byte, error) {
	t, err := m.activeTitle(ctx, msg.Title)
	if err != nil {
		return nil, err
	}
	if msg.Party != "" {
		if err := m.requireSigned(ctx, "caveator", msg.Party); err != nil {
			return nil, err
		}
	}
	c := Caveat{ID: m.Keeper.next(ctx.KV, "C"), LodgedBy: ctx.Primary(), Party: msg.Party, Reason: msg.Reason, Document: msg.Document, Lodged: ctx.Height}
	status := CaveatInForce
	if m.isClerk(ctx) {
		t.Caveats = append(t.Caveats, c)
	} else {
		status = CaveatApplied
		t.Applications = append(t.Applications, c)
		m.Keeper.indexApplication(ctx.KV, t.ID, c.ID, true)
	}
	if err := m.recordTitle(ctx, t, TypeLodgeCaveat, msg.Document, struct {
		ID     string `json:"id"`
		Status string `json:"status"`
		*MsgLodgeCaveat
	}{c.ID, status, msg}); err != nil {
		return nil, err
	}
	if status == CaveatApplied {
		ctx.Emit("land.caveat_applied", "title", t.ID, "caveat", c.ID, "lodged_by", c.LodgedBy)
	} else {
		ctx.Emit("land.caveat_lodged", "title", t.ID, "caveat", c.ID, "lodged_by", c.LodgedBy)
	}
	return []byte(c.ID), nil
}

// Status of a lodged caveat in its history event.
const (
	CaveatInForce = "in-force"
	CaveatApplied = "application"
)

// examineCaveat (clerk) decides an application: accepted, it is in force
// from this block; rejected, it leaves the title, and the history event
// keeps the application and the clerk's reason.
func (m *Module) examineCaveat(ctx *module.Context, msg *MsgExamineCaveat) ([]byte, error) {
	if err := m.requireClerk(ctx); err != nil {
		return nil, err
	}
	t, err := m.activeTitle(ctx, msg.Title)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(t.Applications, func(x Caveat) bool { return x.ID == msg.Caveat })
	if i < 0 {
		if slices.ContainsFunc(t.Caveats, func(x Caveat) bool { return x.ID == msg.Caveat }) {
			return nil, ErrUnknownRight.Wrapf("caveat %s on %s is already in force, not an application awaiting examination", msg.Caveat, t.ID)
		}
		return nil, ErrUnknownRight.Wrapf("caveat application %s is not pending on %s", msg.Caveat, t.ID)
	}
	c := t.Applications[i]
	t.Applications = slices.Delete(t.Applications, i, i+1)
	m.Keeper.indexApplication(ctx.KV, t.ID, c.ID, false)
	if msg.Decision == DecisionAccept {
		c.Examined, c.ExaminedBy, c.Decision = ctx.Height, ctx.Primary(), msg.Reason
		t.Caveats = append(t.Caveats, c)
	}
	if err := m.recordTitle(ctx, t, TypeExamineCaveat, msg.Document, struct {
		*MsgExamineCaveat
		Application Caveat `json:"application"`
	}{msg, c}); err != nil {
		return nil, err
	}
	if msg.Decision == DecisionAccept {
		ctx.Emit("land.caveat_accepted", "title", t.ID, "caveat", c.ID, "lodged_by", c.LodgedBy)
	} else {
		ctx.Emit("land.caveat_rejected", "title", t.ID, "caveat", c.ID, "lodged_by", c.LodgedBy)
	}
	return nil, nil
}

// caveatOrApplication finds a caveat in force or an application on t and
// returns it with a function that takes it off the title.
func (m *Module) caveatOrApplication(ctx *module.Context, t *Title, id string) (*Caveat, func(), error) {
	if i := slices.IndexFunc(t.Caveats, func(x Caveat) bool { return x.ID == id }); i >= 0 {
		return &t.Caveats[i], func() { t.Caveats = slices.Delete(t.Caveats, i, i+1) }, nil
	}
	if i := slices.IndexFunc(t.Applications, func(x Caveat) bool { return x.ID == id }); i >= 0 {
		return &t.Applications[i], func() {
			t.Applications = slices.Delete(t.Applications, i, i+1)
			m.Keeper.indexApplication(ctx.KV, t.ID, id, false)
		}, nil
	}
	return nil, nil, ErrUnknownRight.Wrapf("caveat %s is not on %s", id, t.ID)
}

// withdrawCaveat: the lodger withdraws a caveat in force or an application.
func (m *Module) withdrawCaveat(ctx *module.Context, msg *MsgWithdrawCaveat) ([]byte, error) {
	t, err := m.activeTitle(ctx, msg.Title)
	if err != nil {
		return nil, err
	}
	c, drop, err := m.caveatOrApplication(ctx, t, msg.Caveat)
	if err != nil {
		return nil, err
	}
	if c.LodgedBy != ctx.Primary() && (c.Party == "" || !m.actsFor(ctx, ctx.Primary(), c.Party)) {
		if c.Party != "" {
			return nil, ErrNotLodger.Wrapf("caveat %s was lodged by %s for %s", msg.Caveat, c.LodgedBy, m.describeParty(ctx, c.Party))
		}
		return nil, ErrNotLodger.Wrapf("caveat %s was lodged by %s", msg.Caveat, c.LodgedBy)
	}
	drop()
	if err := m.recordTitle(ctx, t, TypeWithdrawCaveat, "", msg); err != nil {
		return nil, err
	}
	ctx.Emit("land.caveat_withdrawn", "title", t.ID, "caveat", msg.Caveat)
	return nil, nil
}

// removeCaveat (clerk) removes a caveat in force or an application (e.g.
// lapsed), with a reason.
func (m *Module) removeCaveat(ctx *module.Context, msg *MsgRemoveCaveat) ([]byte, error) {
	if err := m.requireClerk(ctx); err != nil {
		return nil, err
	}
	t, err := m.activeTitle(ctx, msg.Title)
	if err != nil {
		return nil, err
	}
	_, drop, err := m.caveatOrApplication(ctx, t, msg.Caveat)
	if err != nil {
		return nil, err
	}
	drop()
	if err := m.recordTitle(ctx, t, TypeRemoveCaveat, msg.Document, msg); err != nil {
		return nil, err
	}
	ctx.Emit("land.caveat_removed", "title", t.ID, "caveat", msg.Caveat)
	return nil, nil
}

func formatInt(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
