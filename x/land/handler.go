package land

import (
	"encoding/json"
	"math/big"
	"slices"
	"strings"

	"github.com/publica/publica/errs"
	"github.com/publica/publica/module"
	"github.com/publica/publica/x/authority"
)

// Message types of this module.
const (
	TypeRegisterParcel   = "land/register-parcel"
	TypeRegisterTitle    = "land/register-title"
	TypeOfferTransfer    = "land/offer-transfer"
	TypeAcceptTransfer   = "land/accept-transfer"
	TypeWithdrawOffer    = "land/withdraw-offer"
	TypeRegisterTransfer = "land/register-transfer"
	TypeTransfer         = "land/transfer"
	TypeTransmit         = "land/transmit"
	TypeRegisterMortgage = "land/register-mortgage"
	TypeDischarge        = "land/discharge-mortgage"
	TypeRegisterLease    = "land/register-lease"
	TypeEndLease         = "land/end-lease"
	TypeRegisterEasement = "land/register-easement"
	TypeEndEasement      = "land/end-easement"
	TypeLodgeCaveat      = "land/lodge-caveat"
	TypeWithdrawCaveat   = "land/withdraw-caveat"
	TypeRemoveCaveat     = "land/remove-caveat"
	TypeSubdivide        = "land/subdivide"
	TypeMerge            = "land/merge"
	TypeCorrect          = "land/correct"
)

// Module is the land registry module.
type Module struct {
	Keeper Keeper
	roles  RoleChecker
}

var _ module.Module = (*Module)(nil)

// New returns the module; roles answers whether an account is a clerk.
func New(roles RoleChecker) *Module { return &Module{roles: roles} }

// Name is the module name, its codespace and its key/query prefix.
func (*Module) Name() string { return ModuleName }

func spec[T any, PT interface {
	*T
	module.Msg
}](typ string, h func(*module.Context, PT) ([]byte, error)) module.MsgSpec {
	return module.MsgSpec{
		Type: typ,
		New:  func() module.Msg { return PT(new(T)) },
		Handle: func(ctx *module.Context, m module.Msg) ([]byte, error) {
			return h(ctx, m.(PT))
		},
	}
}

// Messages declares the module's message types.
func (m *Module) Messages() []module.MsgSpec {
	return []module.MsgSpec{
		spec(TypeRegisterParcel, m.registerParcel),
		spec(TypeRegisterTitle, m.registerTitle),
		spec(TypeOfferTransfer, m.offerTransfer),
		spec(TypeAcceptTransfer, m.acceptTransfer),
		spec(TypeWithdrawOffer, m.withdrawOffer),
		spec(TypeRegisterTransfer, m.registerTransfer),
		spec(TypeTransfer, m.transfer),
		spec(TypeTransmit, m.transmit),
		spec(TypeRegisterMortgage, m.registerMortgage),
		spec(TypeDischarge, m.dischargeMortgage),
		spec(TypeRegisterLease, m.registerLease),
		spec(TypeEndLease, m.endLease),
		spec(TypeRegisterEasement, m.registerEasement),
		spec(TypeEndEasement, m.endEasement),
		spec(TypeLodgeCaveat, m.lodgeCaveat),
		spec(TypeWithdrawCaveat, m.withdrawCaveat),
		spec(TypeRemoveCaveat, m.removeCaveat),
		spec(TypeSubdivide, m.subdivide),
		spec(TypeMerge, m.merge),
		spec(TypeCorrect, m.correct),
	}
}

// ---- shared checks ----

func (m *Module) isClerk(ctx *module.Context) bool {
	return m.roles.HasRole(ctx.KV, ctx.Primary(), authority.RoleClerk)
}

func (m *Module) requireClerk(ctx *module.Context) error {
	if !m.isClerk(ctx) {
		return ErrNotClerk.Wrapf("%s does not hold the %s role", ctx.Primary(), authority.RoleClerk)
	}
	return nil
}

func signedBy(ctx *module.Context, party string) bool {
	for _, s := range ctx.Signers {
		if s.Account == party {
			return true
		}
	}
	return false
}

func requireSigned(ctx *module.Context, what string, parties ...string) error {
	for _, p := range parties {
		if !signedBy(ctx, p) {
			return ErrMissingSignature.Wrapf("%s %s must sign the transaction", what, p)
		}
	}
	return nil
}

func owners(t *Title) []string {
	out := make([]string, len(t.Owners))
	for i, o := range t.Owners {
		out[i] = o.Party
	}
	return out
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

func sortShares(list []Share) []Share {
	out := slices.Clone(list)
	slices.SortFunc(out, func(a, b Share) int { return strings.Compare(a.Party, b.Party) })
	return out
}

// setOwners replaces a title's owners and keeps the party index and the
// owner periods of its parcels in step.
func (m *Module) setOwners(ctx *module.Context, t *Title, parcels []*Parcel, now []Share) {
	old := t.Owners
	t.Owners = sortShares(now)
	m.Keeper.setOwnersIndex(ctx.KV, t.ID, old, t.Owners)
	for _, p := range parcels {
		m.Keeper.setPeriod(ctx.KV, p, t.ID, t.Owners, ctx.Height)
	}
}

func (m *Module) params(ctx *module.Context) (*Params, error) { return m.Keeper.Params(ctx.KV) }

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
	ids, err := m.Keeper.Candidates(ctx.KV, p, r.BBox)
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
	if ctx.KV.Has(CadRefKey(ref)) {
		return nil, ErrDuplicateRef.Wrapf("%q is parcel %s", ref, ctx.KV.Get(CadRefKey(ref)))
	}
	a2 := r.Area2()
	parcel := &Parcel{
		ID: m.Keeper.next(ctx.KV, "P"), CadastralRef: ref, Geometry: g, BBox: r.BBox,
		Area2: a2.String(), AreaM2: areaM2(a2, p.UnitsPerMetre), Address: addr, Status: StatusActive,
		Parents: parents, Children: []string{}, Document: doc, Registered: ctx.Height,
	}
	if parents == nil {
		parcel.Parents = []string{}
	}
	if err := m.Keeper.index(ctx.KV, p, parcel); err != nil {
		return nil, err
	}
	ctx.KV.Set(CadRefKey(ref), []byte(parcel.ID))
	return parcel, nil
}

// ---- parcels and first titles ----

func (m *Module) registerParcel(ctx *module.Context, msg *MsgRegisterParcel) ([]byte, error) {
	if err := m.requireClerk(ctx); err != nil {
		return nil, err
	}
	p, err := m.params(ctx)
	if err != nil {
		return nil, err
	}
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
	return []byte(parcel.ID), nil
}

func (m *Module) registerTitle(ctx *module.Context, msg *MsgRegisterTitle) ([]byte, error) {
	if err := m.requireClerk(ctx); err != nil {
		return nil, err
	}
	parcels := make([]*Parcel, 0, len(msg.Parcels))
	for _, id := range msg.Parcels {
		p, err := m.activeParcel(ctx, id)
		if err != nil {
			return nil, err
		}
		if p.Title != "" {
			return nil, ErrParcelTitled.Wrapf("%s is on title %s", id, p.Title)
		}
		parcels = append(parcels, p)
	}
	t := m.issueTitle(ctx, msg.Parcels, msg.Tenure, msg.Document, []string{})
	for _, p := range parcels {
		p.Title = t.ID
	}
	m.setOwners(ctx, t, parcels, msg.Owners)
	m.Keeper.SetTitle(ctx.KV, t)
	m.Keeper.record(ctx, parcels, TypeRegisterTitle, msg.Document, t.ID, t.Owners, msg, "")
	ctx.Emit("land.title_registered", "title", t.ID, "parcels", strings.Join(t.Parcels, ","))
	return []byte(t.ID), nil
}

func (m *Module) issueTitle(ctx *module.Context, parcels []string, tenure, doc string, parents []string) *Title {
	return &Title{
		ID: m.Keeper.next(ctx.KV, "T"), Parcels: slices.Clone(parcels), Owners: []Share{}, Tenure: tenure,
		Status: StatusActive, Mortgages: []Mortgage{}, Leases: []Lease{}, Easements: []Easement{}, Caveats: []Caveat{},
		Parents: parents, Children: []string{}, Document: doc, Registered: ctx.Height,
	}
}

// ---- transfers ----

func ratOf(s string) *big.Rat {
	r, _ := new(big.Rat).SetString(s)
	if r == nil {
		return new(big.Rat)
	}
	return r
}

func (m *Module) offerTransfer(ctx *module.Context, msg *MsgOfferTransfer) ([]byte, error) {
	t, err := m.dealable(ctx, msg.Title)
	if err != nil {
		return nil, err
	}
	if msg.Expires < ctx.Height {
		return nil, ErrOfferExpired.Wrapf("expires at height %d, already past (height %d)", msg.Expires, ctx.Height)
	}
	for _, s := range msg.Sellers {
		held := shareOf(t.Owners, s.Party)
		if held == "" {
			return nil, ErrNotOwner.Wrapf("seller %s holds no share of %s", s.Party, t.ID)
		}
		if ratOf(s.Share).Cmp(ratOf(held)) > 0 {
			return nil, ErrNotOwner.Wrapf("seller %s holds %s of %s and cannot sell %s", s.Party, held, t.ID, s.Share)
		}
		if err := requireSigned(ctx, "seller", s.Party); err != nil {
			return nil, err
		}
	}
	for _, b := range msg.Buyers {
		if shareOf(msg.Sellers, b.Party) != "" {
			return nil, ErrBadShares.Wrapf("%s is both seller and buyer", b.Party)
		}
	}
	o := &Offer{ID: m.Keeper.next(ctx.KV, "O"), Title: t.ID, Sellers: sortShares(msg.Sellers), Buyers: sortShares(msg.Buyers),
		Expires: msg.Expires, Status: OfferOpen, Created: ctx.Height}
	step(ctx, o, TypeOfferTransfer)
	m.Keeper.SetOffer(ctx.KV, o)
	for _, p := range t.Parcels {
		ctx.KV.Set(ParcelOfferKey(p, o.ID), []byte{})
	}
	ctx.Emit("land.transfer_offered", "offer", o.ID, "title", t.ID)
	return []byte(o.ID), nil
}

// offerEvent is the history event body of an offer: the message and the
// offer id it was given.
type offerEvent struct {
	Offer string `json:"offer"`
	*MsgOfferTransfer
}

func (m *Module) loadOffer(ctx *module.Context, id string) (*Offer, error) {
	o, err := m.Keeper.Offer(ctx.KV, id)
	if err != nil {
		return nil, err
	}
	if o == nil {
		return nil, ErrUnknownOffer.Wrapf("%s", id)
	}
	return o, nil
}

func (m *Module) acceptTransfer(ctx *module.Context, msg *MsgAcceptTransfer) ([]byte, error) {
	o, err := m.loadOffer(ctx, msg.Offer)
	if err != nil {
		return nil, err
	}
	if o.Status != OfferOpen {
		return nil, ErrOfferState.Wrapf("offer %s is %s, not open", o.ID, o.Status)
	}
	if ctx.Height > o.Expires {
		return nil, ErrOfferExpired.Wrapf("offer %s expired at height %d", o.ID, o.Expires)
	}
	if _, err := m.dealable(ctx, o.Title); err != nil {
		return nil, err
	}
	for _, b := range o.Buyers {
		if err := requireSigned(ctx, "buyer", b.Party); err != nil {
			return nil, err
		}
	}
	o.Status, o.Accepted = OfferAccepted, ctx.Height
	step(ctx, o, TypeAcceptTransfer)
	m.Keeper.SetOffer(ctx.KV, o)
	ctx.Emit("land.transfer_accepted", "offer", o.ID, "title", o.Title)
	return nil, nil
}

func (m *Module) withdrawOffer(ctx *module.Context, msg *MsgWithdrawOffer) ([]byte, error) {
	o, err := m.loadOffer(ctx, msg.Offer)
	if err != nil {
		return nil, err
	}
	if o.Status != OfferOpen && o.Status != OfferAccepted {
		return nil, ErrOfferState.Wrapf("offer %s is %s", o.ID, o.Status)
	}
	if shareOf(o.Sellers, ctx.Primary()) == "" {
		return nil, ErrMissingSignature.Wrapf("only a seller of offer %s may withdraw it", o.ID)
	}
	o.Status, o.Concluded = OfferWithdrawn, ctx.Height
	step(ctx, o, TypeWithdrawOffer)
	m.Keeper.SetOffer(ctx.KV, o)
	ctx.Emit("land.transfer_withdrawn", "offer", o.ID, "title", o.Title)
	return nil, nil
}

func (m *Module) registerTransfer(ctx *module.Context, msg *MsgRegisterTransfer) ([]byte, error) {
	if err := m.requireClerk(ctx); err != nil {
		return nil, err
	}
	o, err := m.loadOffer(ctx, msg.Offer)
	if err != nil {
		return nil, err
	}
	if o.Status != OfferAccepted {
		return nil, ErrOfferState.Wrapf("offer %s is %s, not accepted", o.ID, o.Status)
	}
	if ctx.Height > o.Expires {
		return nil, ErrOfferExpired.Wrapf("offer %s expired at height %d", o.ID, o.Expires)
	}
	t, err := m.dealable(ctx, o.Title)
	if err != nil {
		return nil, err
	}
	now, err := sharesAfter(t, o.Sellers, o.Buyers)
	if err != nil {
		return nil, err
	}
	if err := m.vest(ctx, t, now, TypeRegisterTransfer, msg.Document, struct {
		*MsgRegisterTransfer
		Sellers []Share `json:"sellers"`
		Buyers  []Share `json:"buyers"`
	}{msg, o.Sellers, o.Buyers}); err != nil {
		return nil, err
	}
	o.Status, o.Concluded = OfferRegistered, ctx.Height
	m.Keeper.SetOffer(ctx.KV, o)
	ctx.Emit("land.transfer_registered", "offer", o.ID, "title", t.ID)
	return nil, nil
}

// sharesAfter is the title's ownership once sellers have passed their
// shares to buyers; a seller who no longer holds what they sell is refused.
func sharesAfter(t *Title, sellers, buyers []Share) ([]Share, error) {
	holdings := make([]*big.Rat, len(t.Owners))
	for i, own := range t.Owners {
		holdings[i] = ratOf(own.Share)
	}
	next := slices.Clone(t.Owners)
	for _, s := range sellers {
		i := slices.IndexFunc(next, func(x Share) bool { return x.Party == s.Party })
		if i < 0 || holdings[i].Cmp(ratOf(s.Share)) < 0 {
			return nil, ErrNotOwner.Wrapf("seller %s does not hold %s of %s", s.Party, s.Share, t.ID)
		}
		holdings[i].Sub(holdings[i], ratOf(s.Share))
	}
	for _, b := range buyers {
		i := slices.IndexFunc(next, func(x Share) bool { return x.Party == b.Party })
		if i < 0 {
			next = append(next, Share{Party: b.Party})
			holdings = append(holdings, new(big.Rat))
			i = len(next) - 1
		}
		holdings[i].Add(holdings[i], ratOf(b.Share))
	}
	var now []Share
	sum := new(big.Rat)
	for i, s := range next {
		if holdings[i].Sign() > 0 {
			now = append(now, Share{Party: s.Party, Share: holdings[i].RatString()})
			sum.Add(sum, holdings[i])
		}
	}
	if sum.Cmp(big.NewRat(1, 1)) != 0 {
		return nil, ErrBadShares.Wrapf("shares after transfer sum to %s", sum.RatString()) // cannot happen: sales balance
	}
	return now, nil
}

// transfer is the whole three-party deal in one transaction: the clerk
// registers it (primary signer) and every seller and buyer co-signs the
// same bytes, so no offer record is kept. The history event carries the
// sellers and buyers like a registered offer's does.
func (m *Module) transfer(ctx *module.Context, msg *MsgTransfer) ([]byte, error) {
	if err := m.requireClerk(ctx); err != nil {
		return nil, err
	}
	t, err := m.dealable(ctx, msg.Title)
	if err != nil {
		return nil, err
	}
	for _, s := range msg.Sellers {
		if err := requireSigned(ctx, "seller", s.Party); err != nil {
			return nil, err
		}
		if shareOf(msg.Buyers, s.Party) != "" {
			return nil, ErrBadShares.Wrapf("%s is both seller and buyer", s.Party)
		}
	}
	for _, b := range msg.Buyers {
		if err := requireSigned(ctx, "buyer", b.Party); err != nil {
			return nil, err
		}
	}
	now, err := sharesAfter(t, msg.Sellers, msg.Buyers)
	if err != nil {
		return nil, err
	}
	if err := m.vest(ctx, t, now, TypeTransfer, msg.Document, msg); err != nil {
		return nil, err
	}
	ctx.Emit("land.transfer_registered", "title", t.ID)
	return nil, nil
}

func (m *Module) transmit(ctx *module.Context, msg *MsgTransmit) ([]byte, error) {
	if err := m.requireClerk(ctx); err != nil {
		return nil, err
	}
	t, err := m.dealable(ctx, msg.Title)
	if err != nil {
		return nil, err
	}
	if err := m.vest(ctx, t, msg.Owners, TypeTransmit, msg.Document, msg); err != nil {
		return nil, err
	}
	ctx.Emit("land.title_transmitted", "title", t.ID, "reason", msg.Reason)
	return nil, nil
}

// vest gives title t to owners (a sale, a transmission) and records the
// dealing, typ resting on document doc, in the history of its parcels.
func (m *Module) vest(ctx *module.Context, t *Title, owners []Share, typ, doc string, msg any) error {
	parcels, err := m.titleParcels(ctx, t)
	if err != nil {
		return err
	}
	m.setOwners(ctx, t, parcels, owners)
	m.Keeper.SetTitle(ctx.KV, t)
	m.Keeper.record(ctx, parcels, typ, doc, t.ID, t.Owners, msg, "")
	return nil
}

// ---- rights and restrictions ----

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

func (m *Module) registerMortgage(ctx *module.Context, msg *MsgRegisterMortgage) ([]byte, error) {
	t, err := m.dealable(ctx, msg.Title)
	if err != nil {
		return nil, err
	}
	if err := requireSigned(ctx, "owner", owners(t)...); err != nil {
		return nil, err
	}
	if err := requireSigned(ctx, "lender", msg.Lender); err != nil {
		return nil, err
	}
	for _, mo := range t.Mortgages {
		if mo.Rank == msg.Rank {
			return nil, ErrRankTaken.Wrapf("rank %d of %s is mortgage %s (lender %s)", msg.Rank, t.ID, mo.ID, mo.Lender)
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
	if !signedBy(ctx, t.Mortgages[i].Lender) {
		return nil, ErrNotLender.Wrapf("mortgage %s is held by %s", msg.Mortgage, t.Mortgages[i].Lender)
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
	if err := requireSigned(ctx, "owner", owners(t)...); err != nil {
		return nil, err
	}
	if err := requireSigned(ctx, "lessee", msg.Lessee); err != nil {
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
	if !signedBy(ctx, t.Leases[i].Lessee) && !m.isClerk(ctx) {
		return nil, ErrNotLessee.Wrapf("lease %s is held by %s", msg.Lease, t.Leases[i].Lessee)
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
	if err := requireSigned(ctx, "owner", owners(t)...); err != nil {
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
	ctx.KV.Set(BenefitKey(msg.Benefiting, t.ID, e.ID), []byte{})
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
	for _, p := range benefits(&t.Easements[i]) {
		ctx.KV.Delete(BenefitKey(p, t.ID, msg.Easement))
	}
	t.Easements = slices.Delete(t.Easements, i, i+1)
	if err := m.recordTitle(ctx, t, TypeEndEasement, msg.Document, msg); err != nil {
		return nil, err
	}
	ctx.Emit("land.easement_ended", "title", t.ID, "easement", msg.Easement)
	return nil, nil
}

// ---- caveats ----

func (m *Module) lodgeCaveat(ctx *module.Context, msg *MsgLodgeCaveat) ([]byte, error) {
	t, err := m.activeTitle(ctx, msg.Title)
	if err != nil {
		return nil, err
	}
	c := Caveat{ID: m.Keeper.next(ctx.KV, "C"), LodgedBy: ctx.Primary(), Reason: msg.Reason, Document: msg.Document, Lodged: ctx.Height}
	t.Caveats = append(t.Caveats, c)
	if err := m.recordTitle(ctx, t, TypeLodgeCaveat, msg.Document, struct {
		ID string `json:"id"`
		*MsgLodgeCaveat
	}{c.ID, msg}); err != nil {
		return nil, err
	}
	ctx.Emit("land.caveat_lodged", "title", t.ID, "caveat", c.ID, "lodged_by", c.LodgedBy)
	return []byte(c.ID), nil
}

func caveatIndex(t *Title, id string) (int, error) {
	i := slices.IndexFunc(t.Caveats, func(x Caveat) bool { return x.ID == id })
	if i < 0 {
		return 0, ErrUnknownRight.Wrapf("caveat %s is not on %s", id, t.ID)
	}
	return i, nil
}

func (m *Module) withdrawCaveat(ctx *module.Context, msg *MsgWithdrawCaveat) ([]byte, error) {
	t, err := m.activeTitle(ctx, msg.Title)
	if err != nil {
		return nil, err
	}
	i, err := caveatIndex(t, msg.Caveat)
	if err != nil {
		return nil, err
	}
	if t.Caveats[i].LodgedBy != ctx.Primary() {
		return nil, ErrNotLodger.Wrapf("caveat %s was lodged by %s", msg.Caveat, t.Caveats[i].LodgedBy)
	}
	t.Caveats = slices.Delete(t.Caveats, i, i+1)
	if err := m.recordTitle(ctx, t, TypeWithdrawCaveat, "", msg); err != nil {
		return nil, err
	}
	ctx.Emit("land.caveat_withdrawn", "title", t.ID, "caveat", msg.Caveat)
	return nil, nil
}

func (m *Module) removeCaveat(ctx *module.Context, msg *MsgRemoveCaveat) ([]byte, error) {
	if err := m.requireClerk(ctx); err != nil {
		return nil, err
	}
	t, err := m.activeTitle(ctx, msg.Title)
	if err != nil {
		return nil, err
	}
	i, err := caveatIndex(t, msg.Caveat)
	if err != nil {
		return nil, err
	}
	t.Caveats = slices.Delete(t.Caveats, i, i+1)
	if err := m.recordTitle(ctx, t, TypeRemoveCaveat, msg.Document, msg); err != nil {
		return nil, err
	}
	ctx.Emit("land.caveat_removed", "title", t.ID, "caveat", msg.Caveat)
	return nil, nil
}

// ---- subdivision and merge ----

// successorTitle issues a title for parcels carrying over ownership,
// tenure and encumbrances (mortgages, leases, easements) of the parents.
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
	}
	slices.SortFunc(t.Mortgages, func(a, b Mortgage) int { return int(a.Rank - b.Rank) })
	for _, p := range parcels {
		p.Title = t.ID
	}
	m.setOwners(ctx, t, parcels, parents[0].Owners)
	m.Keeper.indexEasements(ctx.KV, t, true)
	m.Keeper.SetTitle(ctx.KV, t)
	return t, nil
}

// cancelTitle marks a title cancelled in favour of children and drops its
// owners from the party index.
func (m *Module) cancelTitle(ctx *module.Context, t *Title, children []string) {
	t.Status, t.Cancelled, t.Children = StatusCancelled, ctx.Height, children
	m.Keeper.setOwnersIndex(ctx.KV, t.ID, t.Owners, nil)
	m.Keeper.indexEasements(ctx.KV, t, false)
	m.Keeper.SetTitle(ctx.KV, t)
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
			ctx.KV.Delete(BenefitKey(old, be.title, be.easement)) // stale entry
			continue
		}
		e := &t.Easements[i]
		var now []string
		for _, p := range benefits(e) {
			if p != old {
				now = append(now, p)
				continue
			}
			ctx.KV.Delete(BenefitKey(old, t.ID, e.ID))
			for _, s := range successors {
				if !slices.Contains(now, s) && !slices.Contains(benefits(e), s) {
					now = append(now, s)
				}
			}
		}
		sortIDs(now)
		if !slices.ContainsFunc(now, func(p string) bool { return !slices.Contains(t.Parcels, p) }) {
			for _, p := range now {
				ctx.KV.Delete(BenefitKey(p, t.ID, e.ID))
			}
			t.Easements = slices.Delete(t.Easements, i, i+1)
		} else {
			e.Benefits = now
			for _, p := range now {
				ctx.KV.Set(BenefitKey(p, t.ID, e.ID), []byte{})
			}
		}
		if err := m.recordTitle(ctx, t, typ, doc, msg); err != nil {
			return err
		}
	}
	return nil
}

func (m *Module) retireParcel(ctx *module.Context, p *Params, parcel *Parcel, children []string) {
	parcel.Status, parcel.Children = StatusRetired, children
	m.Keeper.unindex(ctx.KV, p, parcel)
	m.Keeper.setPeriod(ctx.KV, parcel, "", nil, ctx.Height)
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
	m.retireParcel(ctx, p, parent, nil)
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
		m.cancelTitle(ctx, title, newTitles)
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
		m.cancelTitle(ctx, title, newTitles)
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
		m.retireParcel(ctx, p, old, []string{merged.ID})
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
			m.cancelTitle(ctx, t, []string{nt.ID})
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

// ---- corrections ----

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
			if ctx.KV.Has(CadRefKey(*msg.CadastralRef)) {
				return nil, ErrDuplicateRef.Wrapf("%q is parcel %s", *msg.CadastralRef, ctx.KV.Get(CadRefKey(*msg.CadastralRef)))
			}
			ctx.KV.Delete(CadRefKey(parcel.CadastralRef))
			ctx.KV.Set(CadRefKey(*msg.CadastralRef), []byte(parcel.ID))
			parcel.CadastralRef = *msg.CadastralRef
		}
		if msg.Address != nil {
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
		m.setOwners(ctx, t, parcels, msg.Owners)
	}
	m.Keeper.SetTitle(ctx.KV, t)
	m.Keeper.record(ctx, parcels, TypeCorrect, msg.Document, t.ID, t.Owners, msg, string(before))
	ctx.Emit("land.title_corrected", "title", t.ID)
	return nil, nil
}

func formatInt(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
