package land

import (
	"slices"

	"github.com/publica/publica/module"
	"github.com/publica/publica/x/authority"
)

// Checks and steps shared by the handler files: who signed, which
// records are active and dealable, and recording a dealing on a title.

func (m *Module) isClerk(ctx *module.Context) bool {
	return m.roles.HasRole(ctx.KV, ctx.Primary(), authority.RoleClerk)
}

func (m *Module) requireClerk(ctx *module.Context) error {
	if !m.isClerk(ctx) {
		return ErrNotClerk.Wrapf("%s does not hold the %s role", ctx.Primary(), authority.RoleClerk)
	}
	return nil
}

// signedBy reports whether account signed the transaction; parties sign
// through their accounts (signsFor, handler_parties.go).
func signedBy(ctx *module.Context, account string) bool {
	for _, s := range ctx.Signers {
		if s.Account == account {
			return true
		}
	}
	return false
}

// activeTitle loads a title that exists and is not cancelled.
func (m *Module) activeTitle(ctx *module.Context, id string) (*Title, error) {
	t, err := m.Keeper.Title(ctx.KV, id)
	if err != nil {
		return nil, err
	}
	if t == nil {
		return nil, ErrUnknownTitle.Wrapf("%s", id)
	}
	if t.Status != StatusActive {
		return nil, ErrTitleCancelled.Wrapf("%s was cancelled at height %d (replaced by %v)", id, t.Cancelled, t.Children)
	}
	return t, nil
}

// dealable: an active title with no caveat standing.
func (m *Module) dealable(ctx *module.Context, id string) (*Title, error) {
	t, err := m.activeTitle(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := noCaveat(t); err != nil {
		return nil, err
	}
	return t, nil
}

func noCaveat(t *Title) error {
	if len(t.Caveats) > 0 {
		c := t.Caveats[0]
		return ErrCaveat.Wrapf("title %s: caveat %s lodged by %s at height %d (%q) must be withdrawn or removed first",
			t.ID, c.ID, c.LodgedBy, c.Lodged, c.Reason)
	}
	return nil
}

func (m *Module) activeParcel(ctx *module.Context, id string) (*Parcel, error) {
	p, err := m.Keeper.Parcel(ctx.KV, id)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, ErrUnknownParcel.Wrapf("%s", id)
	}
	if p.Status != StatusActive {
		return nil, ErrParcelRetired.Wrapf("%s was replaced by %v", id, p.Children)
	}
	return p, nil
}

func (m *Module) titleParcels(ctx *module.Context, t *Title) ([]*Parcel, error) {
	out := make([]*Parcel, 0, len(t.Parcels))
	for _, id := range t.Parcels {
		p, err := m.Keeper.Parcel(ctx.KV, id)
		if err != nil {
			return nil, err
		}
		if p == nil {
			return nil, ErrUnknownParcel.Wrapf("title %s names missing parcel %s", t.ID, id)
		}
		out = append(out, p)
	}
	return out, nil
}

func (m *Module) params(ctx *module.Context) (*Params, error) { return m.Keeper.Params(ctx.KV) }

func (m *Module) issueTitle(ctx *module.Context, parcels []string, tenure, doc string, parents []string) *Title {
	return &Title{
		ID: m.Keeper.next(ctx.KV, "T"), Parcels: slices.Clone(parcels), Owners: []Share{}, Tenure: tenure,
		Status: StatusActive, Mortgages: []Mortgage{}, Leases: []Lease{}, Easements: []Easement{}, Caveats: []Caveat{},
		Parents: parents, Children: []string{}, Document: doc, Registered: ctx.Height,
	}
}

// recordTitle saves the title and appends an event to its parcels.
func (m *Module) recordTitle(ctx *module.Context, t *Title, typ, doc string, msg any) error {
	m.Keeper.SetTitle(ctx.KV, t)
	parcels, err := m.titleParcels(ctx, t)
	if err != nil {
		return err
	}
	m.Keeper.record(ctx, parcels, typ, doc, t.ID, t.Owners, msg, "")
	return nil
}
