package ballot

import (
	"encoding/hex"
	"strconv"

	"github.com/publica/publica/crypto/elgamal"
	"github.com/publica/publica/module"
)

// The key ceremony: each trustee registers a communication key, deals
// shares with commitments, complains about a bad share or answers a
// complaint by revealing the share; the official publishes the joint key.

// trusteeOf loads the election in its key ceremony and the signer's index.
func (m *Module) trusteeOf(ctx *module.Context, id string) (*Election, uint32, error) {
	e, err := m.Keeper.MustElection(ctx.KV, id)
	if err != nil {
		return nil, 0, err
	}
	idx := e.TrusteeIndex(ctx.Primary())
	if idx == 0 {
		return nil, 0, ErrNotTrustee.Wrapf("%s is not a trustee of %s", ctx.Primary(), id)
	}
	return e, idx, nil
}

func (m *Module) ceremony(ctx *module.Context, id string) (*Election, uint32, error) {
	e, idx, err := m.trusteeOf(ctx, id)
	if err != nil {
		return nil, 0, err
	}
	if e.Phase != PhaseKeyCeremony {
		return nil, 0, ErrWrongPhase.Wrapf("election %s is past its key ceremony (%s)", id, e.Phase)
	}
	return e, idx, nil
}

func (m *Module) trusteeKey(ctx *module.Context, k *MsgTrusteeKey) ([]byte, error) {
	_, idx, err := m.ceremony(ctx, k.Election)
	if err != nil {
		return nil, err
	}
	if m.Keeper.HasTrustee(ctx.KV, k.Election, idx) {
		return nil, ErrDuplicate.Wrapf("trustee %d already registered its key", idx)
	}
	m.Keeper.SetTrustee(ctx.KV, k.Election, &Trustee{Index: idx, Account: ctx.Primary(), CommKey: k.CommKey})
	ctx.Emit("ballot.trustee_key", "election", k.Election, "trustee", strconv.Itoa(int(idx)))
	return nil, nil
}

func (m *Module) deal(ctx *module.Context, d *MsgDeal) ([]byte, error) {
	e, idx, err := m.ceremony(ctx, d.Election)
	if err != nil {
		return nil, err
	}
	n := uint32(len(e.Trustees))
	for j := uint32(1); j <= n; j++ {
		if !m.Keeper.HasTrustee(ctx.KV, e.ID, j) {
			return nil, ErrWrongPhase.Wrapf("trustee %d has not registered its key yet: deal after every trustee has", j)
		}
	}
	t, err := m.Keeper.Trustee(ctx.KV, e.ID, idx)
	if err != nil {
		return nil, err
	}
	if t.Dealing != "" {
		return nil, ErrDuplicate.Wrapf("trustee %d already dealt", idx)
	}
	if uint32(len(d.Shares)) != n {
		return nil, ErrInvalidDealing.Wrapf("%d shares for %d trustees", len(d.Shares), n)
	}
	raw, _ := hex.DecodeString(d.Commitments)
	dc, err := elgamal.DecodeDealerCommitments(raw)
	if err != nil {
		return nil, ErrInvalidDealing.Wrap(err)
	}
	if dc.Dealer != idx {
		return nil, ErrInvalidDealing.Wrapf("commitments name dealer %d, the signer is trustee %d", dc.Dealer, idx)
	}
	if err := elgamal.VerifyDealerCommitments(e.ID, e.Threshold, n, dc); err != nil {
		return nil, ErrInvalidDealing.Wrap(err)
	}
	t.Dealing = d.Commitments
	t.Shares = d.Shares
	m.Keeper.SetTrustee(ctx.KV, e.ID, t)
	ctx.Emit("ballot.dealt", "election", e.ID, "trustee", strconv.Itoa(int(idx)))
	return nil, nil
}

func (m *Module) complain(ctx *module.Context, c *MsgComplain) ([]byte, error) {
	e, idx, err := m.ceremony(ctx, c.Election)
	if err != nil {
		return nil, err
	}
	if c.Dealer > uint32(len(e.Trustees)) || c.Dealer == idx {
		return nil, ErrComplaintNotAllowed.Wrapf("dealer %d (trustees 1..%d, not yourself)", c.Dealer, len(e.Trustees))
	}
	dt, err := m.Keeper.Trustee(ctx.KV, e.ID, c.Dealer)
	if err != nil {
		return nil, err
	}
	if dt == nil || dt.Dealing == "" {
		return nil, ErrComplaintNotAllowed.Wrapf("trustee %d has not dealt", c.Dealer)
	}
	if m.Keeper.HasComplaint(ctx.KV, e.ID, c.Dealer, idx) {
		return nil, ErrDuplicate.Wrapf("trustee %d already complained about dealer %d", idx, c.Dealer)
	}
	m.Keeper.SetComplaint(ctx.KV, e.ID, &Complaint{Dealer: c.Dealer, Complainer: idx, Status: ComplaintOpen})
	ctx.Emit("ballot.complaint", "election", e.ID, "dealer", strconv.Itoa(int(c.Dealer)), "complainer", strconv.Itoa(int(idx)))
	return nil, nil
}

func (m *Module) reveal(ctx *module.Context, r *MsgReveal) ([]byte, error) {
	e, idx, err := m.ceremony(ctx, r.Election)
	if err != nil {
		return nil, err
	}
	c, err := m.Keeper.Complaint(ctx.KV, e.ID, idx, r.Complainer)
	if err != nil {
		return nil, err
	}
	if c == nil || c.Status != ComplaintOpen {
		return nil, ErrNoComplaint.Wrapf("no open complaint by trustee %d against dealer %d", r.Complainer, idx)
	}
	t, err := m.Keeper.Trustee(ctx.KV, e.ID, idx)
	if err != nil {
		return nil, err
	}
	raw, _ := hex.DecodeString(t.Dealing)
	dc, err := elgamal.DecodeDealerCommitments(raw)
	if err != nil {
		return nil, ErrCorrupt.Wrap(err)
	}
	sb, _ := hex.DecodeString(r.Share)
	s, err := elgamal.DecodeScalar(sb)
	if err != nil {
		return nil, ErrInvalidDealing.Wrap(err)
	}
	c.Revealed = r.Share
	if elgamal.ResolveComplaint(dc, r.Complainer, s) == nil {
		c.Status = ComplaintRejected
	} else {
		c.Status = ComplaintUpheld
		t.Disqualified = true
		m.Keeper.SetTrustee(ctx.KV, e.ID, t)
	}
	m.Keeper.SetComplaint(ctx.KV, e.ID, c)
	ctx.Emit("ballot.complaint_resolved", "election", e.ID, "dealer", strconv.Itoa(int(idx)),
		"complainer", strconv.Itoa(int(r.Complainer)), "status", c.Status)
	return []byte(c.Status), nil
}

// QualifiedDealings returns the dealings that form the key, in dealer
// order: dealers that dealt, are not disqualified and have no complaint
// left open. It is what publish-key computes and what a verifier
// recomputes.
func QualifiedDealings(trustees []*Trustee, complaints []*Complaint) ([]elgamal.DealerCommitments, []uint32, error) {
	open := map[uint32]bool{}
	for _, c := range complaints {
		if c.Status == ComplaintOpen || c.Status == ComplaintUpheld {
			open[c.Dealer] = true // map used for lookups only
		}
	}
	var dcs []elgamal.DealerCommitments
	var idx []uint32
	for _, t := range trustees {
		if t == nil || t.Dealing == "" || t.Disqualified || open[t.Index] {
			continue
		}
		raw, err := hex.DecodeString(t.Dealing)
		if err != nil {
			return nil, nil, ErrCorrupt.Wrapf("dealing of trustee %d: %v", t.Index, err)
		}
		dc, err := elgamal.DecodeDealerCommitments(raw)
		if err != nil {
			return nil, nil, ErrCorrupt.Wrapf("dealing of trustee %d: %v", t.Index, err)
		}
		dcs = append(dcs, *dc)
		idx = append(idx, t.Index)
	}
	return dcs, idx, nil
}

func (m *Module) publishKey(ctx *module.Context, p *MsgPublishKey) ([]byte, error) {
	e, err := m.officialElection(ctx, p.Election)
	if err != nil {
		return nil, err
	}
	if e.Phase != PhaseKeyCeremony {
		return nil, ErrWrongPhase.Wrapf("election %s's key is already published", e.ID)
	}
	if ctx.Time.Unix() >= e.ClosesAt {
		return nil, ErrClosed.Wrapf("election %s closed before its key ceremony ended", e.ID)
	}
	n := uint32(len(e.Trustees))
	trustees := make([]*Trustee, n)
	for j := uint32(1); j <= n; j++ {
		if trustees[j-1], err = m.Keeper.Trustee(ctx.KV, e.ID, j); err != nil {
			return nil, err
		}
	}
	complaints, err := m.Keeper.Complaints(ctx.KV, e.ID)
	if err != nil {
		return nil, err
	}
	// An unanswered complaint disqualifies its dealer.
	for _, c := range complaints {
		if c.Status == ComplaintOpen {
			c.Status = ComplaintUpheld
			m.Keeper.SetComplaint(ctx.KV, e.ID, c)
			if t := trustees[c.Dealer-1]; t != nil && !t.Disqualified {
				t.Disqualified = true
				m.Keeper.SetTrustee(ctx.KV, e.ID, t)
			}
		}
	}
	dcs, qualified, err := QualifiedDealings(trustees, complaints)
	if err != nil {
		return nil, err
	}
	if uint32(len(dcs)) < e.Threshold {
		return nil, ErrTooFewDealers.Wrapf("%d qualified dealers, threshold %d", len(dcs), e.Threshold)
	}
	pk, err := elgamal.JointPublicKey(dcs)
	if err != nil {
		return nil, ErrInvalidDealing.Wrap(err)
	}
	e.PublicKey = pk.String()
	e.Qualified = qualified
	e.VerificationKeys = make([]string, n)
	for j := uint32(1); j <= n; j++ {
		vk, err := elgamal.VerificationKey(dcs, j)
		if err != nil {
			return nil, ErrInvalidDealing.Wrap(err)
		}
		e.VerificationKeys[j-1] = vk.String()
	}
	e.Phase = PhaseReady
	m.Keeper.SetElection(ctx.KV, e)
	m.Keeper.StartAggregate(ctx.KV, e)
	ctx.Emit("ballot.key_published", "election", e.ID, "public_key", e.PublicKey)
	return []byte(e.PublicKey), nil
}
