package land

import (
	"encoding/hex"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/publica/publica/module"
)

// Titles and their transfers: first registration, the three-step sale
// (offer, acceptance, registration), the one-transaction sale and
// transmission on death or court order.

func (m *Module) registerTitle(ctx *module.Context, msg *MsgRegisterTitle) ([]byte, error) {
	if err := m.requireClerk(ctx); err != nil {
		return nil, err
	}
	if err := requirePartiesIn(m, ctx, "owner", msg.Owners); err != nil {
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
	m.Keeper.setOwners(ctx.KV, ctx.Height, t, parcels, msg.Owners)
	m.Keeper.SetTitle(ctx.KV, t)
	m.Keeper.record(ctx, parcels, TypeRegisterTitle, msg.Document, t.ID, t.Owners, msg, "")
	ctx.Emit("land.title_registered", "title", t.ID, "parcels", strings.Join(t.Parcels, ","))
	return []byte(t.ID), nil
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
		if err := m.requireSigned(ctx, "seller", s.Party); err != nil {
			return nil, err
		}
	}
	for _, b := range msg.Buyers {
		if shareOf(msg.Sellers, b.Party) != "" {
			return nil, ErrBadShares.Wrapf("%s is both seller and buyer", b.Party)
		}
	}
	if err := requirePartiesIn(m, ctx, "buyer", msg.Buyers); err != nil {
		return nil, err
	}
	// The holdings the sale would leave, as the title stands now (checked
	// again at registration): refused early if one leaves the bound.
	if _, err := sharesAfter(t, msg.Sellers, msg.Buyers); err != nil {
		return nil, err
	}
	o := &Offer{ID: m.Keeper.next(ctx.KV, "O"), Title: t.ID, Sellers: sortShares(msg.Sellers), Buyers: sortShares(msg.Buyers),
		Expires: msg.Expires, Status: OfferOpen, Created: ctx.Height}
	step(ctx, o, TypeOfferTransfer)
	m.Keeper.SetOffer(ctx.KV, o)
	m.Keeper.indexOffer(ctx.KV, o, t.Parcels)
	ctx.Emit("land.transfer_offered", "offer", o.ID, "title", t.ID)
	return []byte(o.ID), nil
}

// step records a dealing on an offer in the offer itself (the caller
// saves it): the offer's steps are the history events of its parcels, so
// offering and accepting write no parcel record.
func step(ctx *module.Context, o *Offer, typ string) {
	o.Steps = append(o.Steps, OfferStep{Type: typ, Height: ctx.Height, Time: ctx.Time.UTC().Format(time.RFC3339Nano),
		TxHash: hex.EncodeToString(ctx.TxHash), Actor: ctx.Primary()})
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
		if err := m.requireSigned(ctx, "buyer", b.Party); err != nil {
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
	if !slices.ContainsFunc(o.Sellers, func(s Share) bool { return m.actsFor(ctx, ctx.Primary(), s.Party) }) {
		return nil, ErrMissingSignature.Wrapf("only a seller of offer %s (or an account of a selling party) may withdraw it", o.ID)
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
// shares to buyers; a seller who no longer holds what they sell is
// refused, and so is a sale that would leave a holding over a denominator
// above MaxShareDenominator.
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
			if !boundedShare(holdings[i]) {
				return nil, ErrBadShares.Wrapf("after this sale %s would hold %s of %s: its denominator exceeds 10^12 (shares stay on denominators of at most 10^12 so that they can be sold); choose shares over a common denominator",
					s.Party, holdings[i].RatString(), t.ID)
			}
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
		if err := m.requireSigned(ctx, "seller", s.Party); err != nil {
			return nil, err
		}
		if shareOf(msg.Buyers, s.Party) != "" {
			return nil, ErrBadShares.Wrapf("%s is both seller and buyer", s.Party)
		}
	}
	for _, b := range msg.Buyers {
		if err := m.requireSigned(ctx, "buyer", b.Party); err != nil {
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
	if err := requirePartiesIn(m, ctx, "owner", msg.Owners); err != nil {
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
	m.Keeper.setOwners(ctx.KV, ctx.Height, t, parcels, owners)
	m.Keeper.SetTitle(ctx.KV, t)
	m.Keeper.record(ctx, parcels, typ, doc, t.ID, t.Owners, msg, "")
	return nil
}
