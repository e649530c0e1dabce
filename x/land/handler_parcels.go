package land

import (
	"encoding/json"
	"math/big"
	"slices"
	"strings"

	"github.com/publica/publica/module"
)

// Parcels: registration, subdivision, merge, and corrections of a
// parcel or title record.

func (m *Module) registerParcel(ctx *module.Context, msg *MsgRegisterParcel) ([]byte, error) {
	if err := m.requireClerk(ctx); err != nil {
		return nil, err
	}
	p, err := m.params(ctx)
	if err != nil {
		return nil, err
	}
	parcel, err := m.registerOne(ctx, p, msg)
	if err != nil {
		return nil, err
	}
	return []byte(parcel.ID), nil
}

// registerParcels registers each parcel of the batch exactly as
// registerParcel would, in order: the overlap and reference checks see
// the parcels registered earlier in the batch. The first refusal refuses
// the transaction (the app then discards every write of the message) and
// names the parcel's index and reference. Data: the new parcel ids,
// comma separated.
func (m *Module) registerParcels(ctx *module.Context, msg *MsgRegisterParcels) ([]byte, error) {
	if err := m.requireClerk(ctx); err != nil {
		return nil, err
	}
	p, err := m.params(ctx)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(msg.Parcels))
	for i := range msg.Parcels {
		parcel, err := m.registerOne(ctx, p, &msg.Parcels[i])
		if err != nil {
			return nil, AtParcel(i, msg.Parcels[i].CadastralRef, err)
		}
		ids[i] = parcel.ID
	}
	return []byte(strings.Join(ids, ",")), nil
}

// registerOne is the registration of one parcel, shared by
// land/register-parcel and land/register-parcels: geometry, overlap,
// reference, the record and its first history event (a
// land/register-parcel event carrying the parcel's own message, however
// it arrived), and the event.
func (m *Module) registerOne(ctx *module.Context, p *Params, msg *MsgRegisterParcel) (*Parcel, error) {
	r, err := parseRegion(p, &msg.Geometry)
	if err != nil {
		return nil, err
	}
	if err := m.checkNoOverlap(ctx, p, r, nil); err != nil {
		return nil, err
	}
	parcel, err := m.newParcel(ctx, p, msg.CadastralRef, msg.Address, msg.Document, msg.Geometry, r, nil)
	if err != nil {
		return nil, err
	}
	m.Keeper.record(ctx, []*Parcel{parcel}, TypeRegisterParcel, msg.Document, "", nil, msg, "")
	ctx.Emit("land.parcel_registered", "parcel", parcel.ID, "cadastral_ref", parcel.CadastralRef, "area_m2", parcel.AreaM2)
	return parcel, nil
}

// parseRegion validates a geometry against the registry's params.
func parseRegion(p *Params, g *Geometry) (*Region, error) {
	r, err := ParseGeometry(g, p.limits())
	if err != nil {
		return nil, ErrBadGeometry.Wrap(err)
	}
	return r, nil
}

// checkNoOverlap refuses r if it overlaps an active parcel other than
// those in except.
func (m *Module) checkNoOverlap(ctx *module.Context, p *Params, r *Region, except []string) error {
	ids, err := m.Keeper.OverlapCandidates(ctx.KV, p, r.BBox)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if slices.Contains(except, id) {
			continue
		}
		other, err := m.Keeper.Parcel(ctx.KV, id)
		if err != nil {
			return err
		}
		if other == nil || other.Status != StatusActive {
			continue
		}
		if other.BBox[2] <= r.BBox[0] || r.BBox[2] <= other.BBox[0] || other.BBox[3] <= r.BBox[1] || r.BBox[3] <= other.BBox[1] {
			continue // bounding boxes at most touch: no shared area
		}
		or, err := m.Keeper.region(p, other)
		if err != nil {
			return err
		}
		if Overlaps(r, or) {
			return ErrOverlap.Wrapf("overlaps active parcel %s (%s)", other.ID, other.CadastralRef)
		}
	}
	return nil
}

// newParcel creates, indexes and returns a parcel record.
func (m *Module) newParcel(ctx *module.Context, p *Params, ref, addr, doc string, g Geometry, r *Region, parents []string) (*Parcel, error) {
	if other, taken := m.Keeper.ParcelByRef(ctx.KV, ref); taken {
		return nil, ErrDuplicateRef.Wrapf("%q is parcel %s", ref, other)
	}
	a2 := r.Area2()
	parcel := &Parcel{
		ID: m.Keeper.next(ctx.KV, "P"), CadastralRef: ref, Geometry: g.Stored(), BBox: r.BBox,
		Area2: a2.String(), AreaM2: areaM2(a2, p.UnitsPerMetre), Address: addr, Status: StatusActive,
		Parents: parents, Children: []string{}, Document: doc, Registered: ctx.Height,
	}
	if parents == nil {
		parcel.Parents = []string{}
	}
	if err := m.Keeper.addParcel(ctx.KV, p, parcel); err != nil {
		return nil, err
	}
	return parcel, nil
}

func (m *Module) subdivide(ctx *module.Context, msg *MsgSubdivide) ([]byte, error) {
	if err := m.requireClerk(ctx); err != nil {
		return nil, err
	}
	p, err := m.params(ctx)
	if err != nil {
		return nil, err
	}
	parent, err := m.activeParcel(ctx, msg.Parcel)
	if err != nil {
		return nil, err
	}
	var title *Title
	if parent.Title != "" {
		if title, err = m.dealable(ctx, parent.Title); err != nil {
			return nil, err
		}
	}
	pr, err := m.Keeper.region(p, parent)
	if err != nil {
		return nil, err
	}
	regions := make([]*Region, len(msg.Children))
	covered := new(big.Int)
	for i, c := range msg.Children {
		r, err := ParseGeometry(&c.Geometry, p.limits())
		if err != nil {
			return nil, ErrBadGeometry.Wrapf("child %d: %v", i, err)
		}
		if !Contains(pr, r) {
			return nil, ErrSubdivision.Wrapf("child %d (%s) extends outside parent %s", i, c.CadastralRef, parent.ID)
		}
		for j := range i {
			if Overlaps(regions[j], r) {
				return nil, ErrSubdivision.Wrapf("children %d and %d overlap", j, i)
			}
		}
		regions[i] = r
		covered.Add(covered, r.Area2())
	}
	tol, _ := new(big.Int).SetString(msg.Tolerance, 10)
	gap := new(big.Int).Sub(pr.Area2(), covered)
	if gap.Cmp(tol) > 0 {
		return nil, ErrSubdivision.Wrapf("children leave %s (twice-area units) of the parent uncovered; tolerance is %s", gap, msg.Tolerance)
	}
	// Retire the parent first so that its index entries are gone.
	m.Keeper.retireParcel(ctx.KV, p, parent, nil, ctx.Height)
	children := make([]*Parcel, len(msg.Children))
	childIDs := make([]string, len(msg.Children))
	for i, c := range msg.Children {
		cp, err := m.newParcel(ctx, p, c.CadastralRef, c.Address, msg.Document, c.Geometry, regions[i], []string{parent.ID})
		if err != nil {
			return nil, err
		}
		children[i], childIDs[i] = cp, cp.ID
	}
	parent.Children = childIDs
	var newTitles []string
	var others []*Parcel // the title's other parcels, carried to its successor
	if title != nil && len(title.Parcels) == 1 {
		// A parcel alone on its title: one new title per child.
		for _, cp := range children {
			nt, err := m.successorTitle(ctx, []*Title{title}, []*Parcel{cp}, msg.Document)
			if err != nil {
				return nil, err
			}
			newTitles = append(newTitles, nt.ID)
		}
		m.Keeper.cancelTitle(ctx.KV, ctx.Height, title, newTitles)
	} else if title != nil {
		// A title over several parcels is re-issued once, over its other
		// parcels and the children (SOLA: a new title cancels its parent).
		keep := slices.Clone(children)
		for _, pid := range title.Parcels {
			if pid == parent.ID {
				continue
			}
			op, err := m.Keeper.Parcel(ctx.KV, pid)
			if err != nil || op == nil {
				return nil, ErrUnknownParcel.Wrapf("title %s names missing parcel %s", title.ID, pid)
			}
			others = append(others, op)
			keep = append(keep, op)
		}
		nt, err := m.successorTitle(ctx, []*Title{title}, keep, msg.Document)
		if err != nil {
			return nil, err
		}
		newTitles = []string{nt.ID}
		m.Keeper.cancelTitle(ctx.KV, ctx.Height, title, newTitles)
		m.Keeper.record(ctx, others, TypeSubdivide, msg.Document, nt.ID, nt.Owners, msg, "")
	}
	m.Keeper.record(ctx, []*Parcel{parent}, TypeSubdivide, msg.Document, parent.Title, nil, msg, "")
	if err := m.repointEasements(ctx, parent.ID, childIDs, TypeSubdivide, msg.Document, msg); err != nil {
		return nil, err
	}
	for _, cp := range children {
		var own []Share
		if cp.Title != "" {
			t, _ := m.Keeper.Title(ctx.KV, cp.Title)
			own = t.Owners
		}
		m.Keeper.record(ctx, []*Parcel{cp}, TypeSubdivide, msg.Document, cp.Title, own, msg, "")
	}
	ctx.Emit("land.parcel_subdivided", "parcel", parent.ID, "children", strings.Join(childIDs, ","), "titles", strings.Join(newTitles, ","))
	return []byte(strings.Join(childIDs, ",")), nil
}

func (m *Module) merge(ctx *module.Context, msg *MsgMerge) ([]byte, error) {
	if err := m.requireClerk(ctx); err != nil {
		return nil, err
	}
	p, err := m.params(ctx)
	if err != nil {
		return nil, err
	}
	nr, err := parseRegion(p, &msg.Geometry)
	if err != nil {
		return nil, err
	}
	parcels := make([]*Parcel, len(msg.Parcels))
	regions := make([]*Region, len(msg.Parcels))
	var titles []*Title
	sum := new(big.Int)
	for i, id := range msg.Parcels {
		if parcels[i], err = m.activeParcel(ctx, id); err != nil {
			return nil, err
		}
		if (parcels[i].Title == "") != (parcels[0].Title == "") {
			return nil, ErrMerge.Wrapf("%s and %s: one has a title and the other not", msg.Parcels[0], id)
		}
		if t := parcels[i].Title; t != "" && !slices.ContainsFunc(titles, func(x *Title) bool { return x.ID == t }) {
			tt, err := m.dealable(ctx, t)
			if err != nil {
				return nil, err
			}
			if len(titles) > 0 && (!slices.Equal(tt.Owners, titles[0].Owners) || tt.Tenure != titles[0].Tenure) {
				return nil, ErrMerge.Wrapf("titles %s and %s differ in owners or tenure", titles[0].ID, tt.ID)
			}
			titles = append(titles, tt)
		}
		if regions[i], err = m.Keeper.region(p, parcels[i]); err != nil {
			return nil, err
		}
		if !Contains(nr, regions[i]) {
			return nil, ErrMerge.Wrapf("the new geometry does not contain parcel %s", id)
		}
		sum.Add(sum, regions[i].Area2())
	}
	if sum.Cmp(nr.Area2()) != 0 {
		return nil, ErrMerge.Wrapf("the new geometry's area (%s) is not the parcels' total (%s)", nr.Area2(), sum)
	}
	// Adjacency: the parcels form one connected group along shared edges.
	reached := []int{0}
	for k := 0; k < len(reached); k++ {
		for j := range parcels {
			if !slices.Contains(reached, j) && Adjacent(regions[reached[k]], regions[j]) {
				reached = append(reached, j)
			}
		}
	}
	if len(reached) != len(parcels) {
		return nil, ErrMerge.Wrapf("the parcels are not all adjacent to one another")
	}
	ids := slices.Clone(msg.Parcels)
	merged, err := m.newParcel(ctx, p, msg.CadastralRef, msg.Address, msg.Document, msg.Geometry, nr, ids)
	if err != nil {
		return nil, err
	}
	for _, old := range parcels {
		m.Keeper.retireParcel(ctx.KV, p, old, []string{merged.ID}, ctx.Height)
	}
	var newTitle string
	if len(titles) > 0 {
		// The new title holds the merged parcel and any other parcels of
		// the cancelled titles.
		keep := []*Parcel{merged}
		for _, t := range titles {
			for _, pid := range t.Parcels {
				if !slices.Contains(msg.Parcels, pid) {
					op, err := m.Keeper.Parcel(ctx.KV, pid)
					if err != nil || op == nil {
						return nil, ErrUnknownParcel.Wrapf("%s", pid)
					}
					keep = append(keep, op)
				}
			}
		}
		nt, err := m.successorTitle(ctx, titles, keep, msg.Document)
		if err != nil {
			return nil, err
		}
		for _, t := range titles {
			m.Keeper.cancelTitle(ctx.KV, ctx.Height, t, []string{nt.ID})
		}
		newTitle = nt.ID
		m.Keeper.record(ctx, keep[1:], TypeMerge, msg.Document, nt.ID, nt.Owners, msg, "")
		m.Keeper.record(ctx, []*Parcel{merged}, TypeMerge, msg.Document, nt.ID, nt.Owners, msg, "")
	} else {
		m.Keeper.record(ctx, []*Parcel{merged}, TypeMerge, msg.Document, "", nil, msg, "")
	}
	m.Keeper.record(ctx, parcels, TypeMerge, msg.Document, newTitle, nil, msg, "")
	for _, old := range parcels {
		if err := m.repointEasements(ctx, old.ID, []string{merged.ID}, TypeMerge, msg.Document, msg); err != nil {
			return nil, err
		}
	}
	ctx.Emit("land.parcels_merged", "parcels", strings.Join(ids, ","), "parcel", merged.ID, "title", newTitle)
	return []byte(merged.ID), nil
}

// successorTitle issues a title for parcels carrying over ownership,
// tenure and encumbrances (mortgages, leases, easements) of the parents,
// and their caveat applications awaiting examination.
func (m *Module) successorTitle(ctx *module.Context, parents []*Title, parcels []*Parcel, doc string) (*Title, error) {
	ids := make([]string, len(parcels))
	for i, p := range parcels {
		ids[i] = p.ID
	}
	parentIDs := make([]string, len(parents))
	for i, t := range parents {
		parentIDs[i] = t.ID
	}
	t := m.issueTitle(ctx, ids, parents[0].Tenure, doc, parentIDs)
	for _, pt := range parents {
		for _, mo := range pt.Mortgages {
			if slices.ContainsFunc(t.Mortgages, func(x Mortgage) bool { return x.Rank == mo.Rank && x.ID != mo.ID }) {
				return nil, ErrMerge.Wrapf("mortgages of %v share rank %d; discharge or re-rank first", parentIDs, mo.Rank)
			}
			if !slices.ContainsFunc(t.Mortgages, func(x Mortgage) bool { return x.ID == mo.ID }) {
				t.Mortgages = append(t.Mortgages, mo)
			}
		}
		for _, l := range pt.Leases {
			if !slices.ContainsFunc(t.Leases, func(x Lease) bool { return x.ID == l.ID }) {
				t.Leases = append(t.Leases, l)
			}
		}
		for _, e := range pt.Easements {
			if !slices.ContainsFunc(t.Easements, func(x Easement) bool { return x.ID == e.ID }) {
				t.Easements = append(t.Easements, e)
			}
		}
		// Caveat applications still await examination on the successor.
		for _, c := range pt.Applications {
			if !slices.ContainsFunc(t.Applications, func(x Caveat) bool { return x.ID == c.ID }) {
				t.Applications = append(t.Applications, c)
			}
		}
	}
	slices.SortFunc(t.Mortgages, func(a, b Mortgage) int { return int(a.Rank - b.Rank) })
	for _, p := range parcels {
		p.Title = t.ID
	}
	m.Keeper.setOwners(ctx.KV, ctx.Height, t, parcels, parents[0].Owners)
	m.Keeper.indexEasements(ctx.KV, t, true)
	m.Keeper.indexApplications(ctx.KV, t, true)
	m.Keeper.SetTitle(ctx.KV, t)
	return t, nil
}

// repointEasements moves every easement benefiting the retired parcel
// old onto its successors: after a subdivision the benefit passes to every
// child (the benefit of an easement runs with each part of the dominant
// land); after a merge, to the merged parcel. An easement whose benefiting
// parcels all lie on the burdened title itself is extinguished (dominant
// and servient land in one title). The burdened title is saved and an
// event recorded on its parcels.
func (m *Module) repointEasements(ctx *module.Context, old string, successors []string, typ, doc string, msg any) error {
	for _, be := range m.Keeper.Benefiting(ctx.KV, old) {
		t, err := m.Keeper.Title(ctx.KV, be.title)
		if err != nil {
			return err
		}
		if t == nil {
			return ErrUnknownTitle.Wrapf("easement %s names missing title %s", be.easement, be.title)
		}
		i := slices.IndexFunc(t.Easements, func(x Easement) bool { return x.ID == be.easement })
		if i < 0 {
			m.Keeper.setBenefit(ctx.KV, old, be.title, be.easement, false) // stale entry
			continue
		}
		e := &t.Easements[i]
		var now []string
		for _, p := range e.benefits() {
			if p != old {
				now = append(now, p)
				continue
			}
			m.Keeper.setBenefit(ctx.KV, old, t.ID, e.ID, false)
			for _, s := range successors {
				if !slices.Contains(now, s) && !slices.Contains(e.benefits(), s) {
					now = append(now, s)
				}
			}
		}
		sortIDs(now)
		if !slices.ContainsFunc(now, func(p string) bool { return !slices.Contains(t.Parcels, p) }) {
			for _, p := range now {
				m.Keeper.setBenefit(ctx.KV, p, t.ID, e.ID, false)
			}
			t.Easements = slices.Delete(t.Easements, i, i+1)
		} else {
			e.Benefits = now
			for _, p := range now {
				m.Keeper.setBenefit(ctx.KV, p, t.ID, e.ID, true)
			}
		}
		if err := m.recordTitle(ctx, t, typ, doc, msg); err != nil {
			return err
		}
	}
	return nil
}

func (m *Module) correct(ctx *module.Context, msg *MsgCorrect) ([]byte, error) {
	if err := m.requireClerk(ctx); err != nil {
		return nil, err
	}
	if msg.Parcel != "" {
		parcel, err := m.Keeper.Parcel(ctx.KV, msg.Parcel)
		if err != nil {
			return nil, err
		}
		if parcel == nil {
			return nil, ErrUnknownParcel.Wrapf("%s", msg.Parcel)
		}
		before, _ := json.Marshal(parcel)
		if msg.CadastralRef != nil && *msg.CadastralRef != parcel.CadastralRef {
			if other, taken := m.Keeper.ParcelByRef(ctx.KV, *msg.CadastralRef); taken {
				return nil, ErrDuplicateRef.Wrapf("%q is parcel %s", *msg.CadastralRef, other)
			}
			m.Keeper.deleteCadRef(ctx.KV, parcel.CadastralRef)
			m.Keeper.setCadRef(ctx.KV, *msg.CadastralRef, parcel.ID)
			parcel.CadastralRef = *msg.CadastralRef
		}
		if msg.Address != nil {
			if parcel.Status == StatusActive {
				m.Keeper.indexAddress(ctx.KV, parcel.ID, parcel.Address, false)
				m.Keeper.indexAddress(ctx.KV, parcel.ID, *msg.Address, true)
			}
			parcel.Address = *msg.Address
		}
		m.Keeper.record(ctx, []*Parcel{parcel}, TypeCorrect, msg.Document, parcel.Title, nil, msg, string(before))
		ctx.Emit("land.parcel_corrected", "parcel", parcel.ID)
		return nil, nil
	}
	t, err := m.activeTitle(ctx, msg.Title)
	if err != nil {
		return nil, err
	}
	before, _ := json.Marshal(t)
	parcels, err := m.titleParcels(ctx, t)
	if err != nil {
		return nil, err
	}
	if msg.Tenure != nil {
		t.Tenure = *msg.Tenure
	}
	if msg.Owners != nil {
		if err := requirePartiesIn(m, ctx, "owner", msg.Owners); err != nil {
			return nil, err
		}
		m.Keeper.setOwners(ctx.KV, ctx.Height, t, parcels, msg.Owners)
	}
	m.Keeper.SetTitle(ctx.KV, t)
	m.Keeper.record(ctx, parcels, TypeCorrect, msg.Document, t.ID, t.Owners, msg, string(before))
	ctx.Emit("land.title_corrected", "title", t.ID)
	return nil, nil
}
