package ballot

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/publica/publica/crypto/elgamal"
	"github.com/publica/publica/errs"
	"github.com/publica/publica/module"
	"github.com/publica/publica/store"
)

// RoleChecker is what the module expects from the authority keeper.
type RoleChecker interface {
	HasRole(kv store.KV, account, role string) bool
}

// CredentialChecker is what the module expects from the identity module
// for elections whose eligibility rule is a credential: whether account
// holds, at height, an unrevoked credential of schemaID satisfying
// predicate; reason explains a refusal.
type CredentialChecker interface {
	Eligible(kv store.KV, account, schemaID, predicate string, height int64) (ok bool, reason string)
}

// Role names (the authority module's; repeated here so the module does not
// import another module's package beyond its expected interface).
const (
	roleElectionOfficial = "election_official"
	roleTrustee          = "trustee"
)

// Module is the ballot module.
type Module struct {
	Keeper      Keeper
	roles       RoleChecker
	credentials CredentialChecker // nil: credential rules are refused
}

var _ module.Module = (*Module)(nil)

// New returns the module. credentials may be nil until the identity module
// provides a checker; elections then use voter rolls only.
func New(roles RoleChecker, credentials CredentialChecker) *Module {
	return &Module{roles: roles, credentials: credentials}
}

// Name is the module name.
func (*Module) Name() string { return ModuleName }

// Messages declares the module's message types. Casting and tallying also
// run in CheckTx against the committed state (module.MsgSpec.Check), so a
// ballot whose proofs fail never enters the mempool; FinalizeBlock verifies
// everything again.
func (m *Module) Messages() []module.MsgSpec {
	return []module.MsgSpec{
		{Type: TypeCreateElection, New: func() module.Msg { return &MsgCreateElection{} }, Handle: m.createElection},
		{Type: TypeRegisterVoters, New: func() module.Msg { return &MsgRegisterVoters{} }, Handle: m.registerVoters},
		{Type: TypeRemoveVoters, New: func() module.Msg { return &MsgRemoveVoters{} }, Handle: m.removeVoters},
		{Type: TypeTrusteeKey, New: func() module.Msg { return &MsgTrusteeKey{} }, Handle: m.trusteeKey},
		{Type: TypeDeal, New: func() module.Msg { return &MsgDeal{} }, Handle: m.deal},
		{Type: TypeComplain, New: func() module.Msg { return &MsgComplain{} }, Handle: m.complain},
		{Type: TypeReveal, New: func() module.Msg { return &MsgReveal{} }, Handle: m.reveal},
		{Type: TypePublishKey, New: func() module.Msg { return &MsgPublishKey{} }, Handle: m.publishKey},
		{Type: TypeCast, New: func() module.Msg { return &MsgCast{} }, Handle: m.cast, Check: checkOnly(m.cast), Prepare: m.prepareCast},
		{Type: TypeTally, New: func() module.Msg { return &MsgTally{} }, Handle: m.tally, Check: checkOnly(m.tally)},
	}
}

func checkOnly(h func(*module.Context, module.Msg) ([]byte, error)) func(*module.Context, module.Msg) error {
	return func(ctx *module.Context, msg module.Msg) error {
		_, err := h(ctx, msg)
		return err
	}
}

func (m *Module) createElection(ctx *module.Context, msg module.Msg) ([]byte, error) {
	c := msg.(*MsgCreateElection)
	official := ctx.Primary()
	if !m.roles.HasRole(ctx.KV, official, roleElectionOfficial) {
		return nil, errs.Unauthorized.Wrapf("account %s does not hold the %s role", official, roleElectionOfficial)
	}
	if ctx.KV.Has(ElectionKey(c.ID)) {
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

func (m *Module) registerVoters(ctx *module.Context, msg module.Msg) ([]byte, error) {
	r := msg.(*MsgRegisterVoters)
	if _, err := m.rollElection(ctx, r.Election); err != nil {
		return nil, err
	}
	added := 0
	for _, v := range r.Voters {
		if !ctx.KV.Has(RollKey(r.Election, v)) {
			ctx.KV.Set(RollKey(r.Election, v), rollMarker)
			added++
		}
	}
	ctx.Emit("ballot.voters_registered", "election", r.Election, "added", strconv.Itoa(added))
	return []byte(strconv.Itoa(added)), nil
}

func (m *Module) removeVoters(ctx *module.Context, msg module.Msg) ([]byte, error) {
	r := msg.(*MsgRemoveVoters)
	if _, err := m.rollElection(ctx, r.Election); err != nil {
		return nil, err
	}
	withdrawn := 0
	for _, v := range r.Voters {
		if !ctx.KV.Has(RollKey(r.Election, v)) {
			return nil, ErrInvalidRoll.Wrapf("%s is not on the roll of %s", v, r.Election)
		}
		ctx.KV.Delete(RollKey(r.Election, v))
		ok, err := m.withdraw(ctx.KV, r.Election, v)
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

// withdraw removes voter's counted ballot, if any, from the aggregate.
func (m *Module) withdraw(kv store.KV, id, voter string) (bool, error) {
	old := kv.Get(VoteKey(id, voter))
	if old == nil {
		return false, nil
	}
	ob, err := elgamal.DecodeBallot(old)
	if err != nil {
		return false, ErrCorrupt.Wrapf("stored ballot of %s: %v", voter, err)
	}
	if err := m.Keeper.updateAggregate(kv, id, nil, ob, -1); err != nil {
		return false, err
	}
	if err := m.setTrackerStatus(kv, id, old, TrackerWithdrawn); err != nil {
		return false, err
	}
	kv.Delete(VoteKey(id, voter))
	return true, nil
}

func (m *Module) setTrackerStatus(kv store.KV, id string, enc []byte, status string) error {
	h := TrackerOf(enc)
	t, err := m.Keeper.Tracker(kv, id, h)
	if err != nil {
		return err
	}
	if t == nil {
		return ErrCorrupt.Wrapf("tracker %s missing", h)
	}
	t.Status = status
	put(kv, TrackerKey(id, h), t)
	return nil
}

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

func (m *Module) trusteeKey(ctx *module.Context, msg module.Msg) ([]byte, error) {
	k := msg.(*MsgTrusteeKey)
	_, idx, err := m.ceremony(ctx, k.Election)
	if err != nil {
		return nil, err
	}
	if ctx.KV.Has(TrusteeKey(k.Election, idx)) {
		return nil, ErrDuplicate.Wrapf("trustee %d already registered its key", idx)
	}
	m.Keeper.SetTrustee(ctx.KV, k.Election, &Trustee{Index: idx, Account: ctx.Primary(), CommKey: k.CommKey})
	ctx.Emit("ballot.trustee_key", "election", k.Election, "trustee", strconv.Itoa(int(idx)))
	return nil, nil
}

func (m *Module) deal(ctx *module.Context, msg module.Msg) ([]byte, error) {
	d := msg.(*MsgDeal)
	e, idx, err := m.ceremony(ctx, d.Election)
	if err != nil {
		return nil, err
	}
	n := uint32(len(e.Trustees))
	for j := uint32(1); j <= n; j++ {
		if !ctx.KV.Has(TrusteeKey(e.ID, j)) {
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

func (m *Module) complain(ctx *module.Context, msg module.Msg) ([]byte, error) {
	c := msg.(*MsgComplain)
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
	if ctx.KV.Has(ComplaintKey(e.ID, c.Dealer, idx)) {
		return nil, ErrDuplicate.Wrapf("trustee %d already complained about dealer %d", idx, c.Dealer)
	}
	m.Keeper.SetComplaint(ctx.KV, e.ID, &Complaint{Dealer: c.Dealer, Complainer: idx, Status: ComplaintOpen})
	ctx.Emit("ballot.complaint", "election", e.ID, "dealer", strconv.Itoa(int(c.Dealer)), "complainer", strconv.Itoa(int(idx)))
	return nil, nil
}

func (m *Module) reveal(ctx *module.Context, msg module.Msg) ([]byte, error) {
	r := msg.(*MsgReveal)
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

func (m *Module) publishKey(ctx *module.Context, msg module.Msg) ([]byte, error) {
	p := msg.(*MsgPublishKey)
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
	put(ctx.KV, AggregateKey(e.ID), EmptyAggregate(e))
	ctx.Emit("ballot.key_published", "election", e.ID, "public_key", e.PublicKey)
	return []byte(e.PublicKey), nil
}

// eligible applies the election's rule to voter.
func (m *Module) eligible(ctx *module.Context, e *Election, voter string) error {
	switch e.Eligibility.Kind {
	case RuleRoll:
		if !m.Keeper.OnRoll(ctx.KV, e.ID, voter) {
			return ErrNotEligible.Wrapf("%s is not on the roll of %s", voter, e.ID)
		}
		return nil
	case RuleCredential:
		if m.credentials == nil {
			return ErrUnsupportedRule.Wrapf("no credential checker on this chain")
		}
		if ok, why := m.credentials.Eligible(ctx.KV, voter, e.Eligibility.Schema, e.Eligibility.Predicate, ctx.Height); !ok {
			return ErrNotEligible.Wrapf("%s: %s", voter, why)
		}
		return nil
	}
	return ErrUnsupportedRule.Wrapf("rule %q", e.Eligibility.Kind)
}

// openElection loads an election that accepts ballots at the block time.
func (m *Module) openElection(ctx *module.Context, id string) (*Election, error) {
	e, err := m.Keeper.MustElection(ctx.KV, id)
	if err != nil {
		return nil, err
	}
	now := ctx.Time.Unix()
	switch {
	case e.Phase == PhaseKeyCeremony:
		return nil, ErrNotOpen.Wrapf("election %s's key ceremony is not finished", id)
	case e.Phase == PhaseTallied || now >= e.ClosesAt:
		return nil, ErrClosed.Wrapf("election %s closed at %d (block time %d)", id, e.ClosesAt, now)
	case now < e.OpensAt:
		return nil, ErrNotOpen.Wrapf("election %s opens at %d (block time %d)", id, e.OpensAt, now)
	}
	return e, nil
}

// VerifyBallot decodes enc and checks it completely against the election
// for voter, mapping every failure to this module's codes. It is pure (no
// state), shared by the handler, the CLI and the verifier.
func VerifyBallot(params *elgamal.ElectionParams, voter string, enc []byte) (*elgamal.Ballot, error) {
	b, err := elgamal.DecodeBallot(enc)
	if err != nil {
		if errors.Is(err, elgamal.ErrInvalidPoint) || errors.Is(err, elgamal.ErrIdentity) {
			return nil, ErrInvalidPoint.Wrap(err)
		}
		return nil, ErrMalformedBallot.Wrap(err)
	}
	if b.ElectionID != params.ElectionID {
		return nil, ErrWrongElection.Wrapf("ballot names election %q, cast in %q", b.ElectionID, params.ElectionID)
	}
	if b.Voter != voter {
		return nil, ErrWrongVoter.Wrapf("ballot names voter %q, signed by %q", b.Voter, voter)
	}
	if err := b.Verify(params); err != nil {
		return nil, classify(b, params, err)
	}
	return b, nil
}

// prepareCast verifies a ballot's proofs in FinalizeBlock's parallel
// pre-check, against the election as last committed, and caches success
// in the message. The handler uses the cache only if the election key it
// sees is the one verified against (an election's id, questions and, once
// published, key never change), so the outcome is the same as verifying
// in the handler; the work just runs on every core.
func (m *Module) prepareCast(view store.KV, msg module.Msg) {
	c := msg.(*MsgCast)
	e, err := m.Keeper.Election(view, c.Election)
	if err != nil || e == nil || e.PublicKey == "" {
		return
	}
	params, err := e.Params()
	if err != nil {
		return
	}
	enc, err := hex.DecodeString(c.Ballot)
	if err != nil {
		return
	}
	b, err := elgamal.DecodeBallot(enc)
	if err != nil || b.ElectionID != e.ID || b.Verify(params) != nil {
		return
	}
	c.prepared = &preparedBallot{publicKey: e.PublicKey, ballot: b}
}

func classify(b *elgamal.Ballot, params *elgamal.ElectionParams, err error) error {
	switch {
	case errors.Is(err, elgamal.ErrIdentity), errors.Is(err, elgamal.ErrInvalidPoint):
		return ErrInvalidPoint.Wrap(err)
	case errors.Is(err, elgamal.ErrMismatch):
		return ErrBallotShape.Wrap(err)
	case errors.Is(err, elgamal.ErrMalformed):
		return ErrMalformedBallot.Wrap(err)
	}
	// The batched check says only that some equation fails; the unbatched
	// one names it (failing ballots only pay for this).
	if uerr := b.VerifyUnbatched(params); uerr != nil {
		err = uerr
	}
	if strings.Contains(err.Error(), " total: ") {
		return ErrRangeProof.Wrap(err)
	}
	return ErrSelectionProof.Wrap(err)
}

// TrackerOf is a ballot's tracker: hex SHA-512/256 of its canonical
// encoding.
func TrackerOf(enc []byte) string { return hex.EncodeToString(sha512_256(enc)) }

func (m *Module) cast(ctx *module.Context, msg module.Msg) ([]byte, error) {
	c := msg.(*MsgCast)
	e, err := m.openElection(ctx, c.Election)
	if err != nil {
		return nil, err
	}
	voter := ctx.Primary()
	if err := m.eligible(ctx, e, voter); err != nil {
		return nil, err
	}
	params, err := e.Params()
	if err != nil {
		return nil, err
	}
	enc, _ := hex.DecodeString(c.Ballot)
	var b *elgamal.Ballot
	if p := c.prepared; p != nil && p.publicKey == e.PublicKey {
		// Proofs already verified against this key (prepareCast); the
		// fresh path would fail only on the voter binding, checked here.
		if p.ballot.Voter != voter {
			return nil, ErrWrongVoter.Wrapf("ballot names voter %q, signed by %q", p.ballot.Voter, voter)
		}
		b = p.ballot
	} else if b, err = VerifyBallot(params, voter, enc); err != nil {
		return nil, err
	}
	var old *elgamal.Ballot
	delta := 1
	if prev := ctx.KV.Get(VoteKey(e.ID, voter)); prev != nil {
		if old, err = elgamal.DecodeBallot(prev); err != nil {
			return nil, ErrCorrupt.Wrapf("stored ballot of %s: %v", voter, err)
		}
		if err := m.setTrackerStatus(ctx.KV, e.ID, prev, TrackerSuperseded); err != nil {
			return nil, err
		}
		delta = 0
	}
	if err := m.Keeper.updateAggregate(ctx.KV, e.ID, b, old, delta); err != nil {
		return nil, err
	}
	tracker := TrackerOf(enc)
	ctx.KV.Set(VoteKey(e.ID, voter), enc)
	put(ctx.KV, TrackerKey(e.ID, tracker), &Tracker{Voter: voter, Height: ctx.Height, Tx: hex.EncodeToString(ctx.TxHash), Status: TrackerCounted})
	ctx.Emit("ballot.cast", "election", e.ID, "tracker", tracker, "revote", strconv.FormatBool(old != nil))
	return []byte(tracker), nil
}

func (m *Module) tally(ctx *module.Context, msg module.Msg) ([]byte, error) {
	t := msg.(*MsgTally)
	e, idx, err := m.trusteeOf(ctx, t.Election)
	if err != nil {
		return nil, err
	}
	switch {
	case e.Phase == PhaseTallied:
		return nil, ErrAlreadyTallied.Wrapf("election %s", e.ID)
	case e.Phase != PhaseReady:
		return nil, ErrWrongPhase.Wrapf("election %s has no key yet", e.ID)
	case ctx.Time.Unix() < e.ClosesAt:
		return nil, ErrNotClosed.Wrapf("election %s closes at %d (block time %d)", e.ID, e.ClosesAt, ctx.Time.Unix())
	}
	if ctx.KV.Has(PartialKey(e.ID, idx)) {
		return nil, ErrDuplicate.Wrapf("trustee %d already posted its partial decryptions", idx)
	}
	if len(t.Partials) != e.Options() {
		return nil, ErrInvalidPartial.Wrapf("trustee %d: %d partial decryptions, the aggregate has %d ciphertexts", idx, len(t.Partials), e.Options())
	}
	agg, err := m.Keeper.Aggregate(ctx.KV, e.ID)
	if err != nil {
		return nil, err
	}
	if agg == nil {
		return nil, ErrCorrupt.Wrapf("election %s has no aggregate", e.ID)
	}
	cts, err := DecodeAggregate(agg)
	if err != nil {
		return nil, err
	}
	vk, err := decodeKey(e.VerificationKeys[idx-1])
	if err != nil {
		return nil, ErrCorrupt.Wrapf("verification key %d: %v", idx, err)
	}
	var stored []byte
	i := 0
	for qi := range cts {
		for oi := range cts[qi] {
			raw, _ := hex.DecodeString(t.Partials[i])
			i++
			pd, err := elgamal.DecodePartialDecryption(raw)
			if err != nil {
				return nil, ErrInvalidPartial.Wrapf("trustee %d question %d option %d: %v", idx, qi, oi, err)
			}
			if pd.Trustee != idx {
				return nil, ErrInvalidPartial.Wrapf("trustee %d question %d option %d: names trustee %d", idx, qi, oi, pd.Trustee)
			}
			dctx := elgamal.DecryptionContext{ElectionID: e.ID, Question: uint32(qi), Option: uint32(oi)}
			if err := elgamal.VerifyPartialDecryption(vk, dctx, cts[qi][oi], pd); err != nil {
				return nil, ErrInvalidPartial.Wrapf("trustee %d (%s) question %d option %d: %v", idx, ctx.Primary(), qi, oi, err)
			}
			stored = append(stored, raw...)
		}
	}
	ctx.KV.Set(PartialKey(e.ID, idx), stored)
	ctx.Emit("ballot.partial_decryption", "election", e.ID, "trustee", strconv.Itoa(int(idx)))
	all, err := m.Keeper.Partials(ctx.KV, e.ID)
	if err != nil {
		return nil, err
	}
	if uint32(len(all)) < e.Threshold {
		return []byte(fmt.Sprintf("%d of %d partial decryptions", len(all), e.Threshold)), nil
	}
	res, err := CombineTally(cts, agg.Ballots, all[:e.Threshold], e.Threshold)
	if err != nil {
		return nil, err
	}
	res.Height = ctx.Height
	put(ctx.KV, ResultKey(e.ID), res)
	e.Phase = PhaseTallied
	m.Keeper.SetElection(ctx.KV, e)
	ctx.Emit("ballot.tallied", "election", e.ID, "ballots", strconv.FormatUint(res.Ballots, 10))
	return []byte("tallied"), nil
}

// CombineTally combines verified partial decryptions (one list per
// trustee, in increasing trustee order, each with one entry per option)
// and solves the discrete logarithms with bound ballots.
func CombineTally(cts [][]elgamal.Ciphertext, ballots uint64, partials [][]*elgamal.PartialDecryption, threshold uint32) (*Result, error) {
	table, err := elgamal.NewDLogTable(ballots)
	if err != nil {
		return nil, ErrTallyFailed.Wrap(err)
	}
	res := &Result{Ballots: ballots, Counts: make([][]uint64, len(cts))}
	for _, p := range partials {
		res.Trustees = append(res.Trustees, p[0].Trustee)
	}
	i := 0
	for qi := range cts {
		res.Counts[qi] = make([]uint64, len(cts[qi]))
		for oi := range cts[qi] {
			pds := make([]*elgamal.PartialDecryption, len(partials))
			for k := range partials {
				pds[k] = partials[k][i]
			}
			i++
			mg, err := elgamal.CombinePartialDecryptions(cts[qi][oi], pds, threshold)
			if err != nil {
				return nil, ErrTallyFailed.Wrapf("question %d option %d: %v", qi, oi, err)
			}
			if res.Counts[qi][oi], err = table.Solve(mg); err != nil {
				return nil, ErrTallyFailed.Wrapf("question %d option %d: %v", qi, oi, err)
			}
		}
	}
	return res, nil
}
