package ballot

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"

	"github.com/publica/publica/crypto/elgamal"
	"github.com/publica/publica/module"
	"github.com/publica/publica/store"
)

// Casting: an eligible voter casts an encrypted ballot while the election
// is open; a later ballot of the same voter replaces it.

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
	if err := b.VerifyDecoded(params, enc); err != nil {
		return nil, classify(b, params, err)
	}
	return b, nil
}

// prepareCast verifies a ballot's proofs in FinalizeBlock's parallel
// pre-check, against the election as last committed, unless this process
// verified them already (proofcache.go), and caches success in the message.
// The handler uses the cache only if the election it sees has the
// parameters verified against (an election's id, questions and, once
// published, key never change), so the outcome is the same as verifying in
// the handler; the work just runs on every core.
func (m *Module) prepareCast(view store.KV, c *MsgCast) {
	e, err := m.Keeper.Election(view, c.Election)
	if err != nil || e == nil || e.PublicKey == "" {
		return
	}
	params, print, err := m.proofs.electionParams(e)
	if err != nil {
		return
	}
	enc, err := hex.DecodeString(c.Ballot)
	if err != nil {
		return
	}
	key := sha256.Sum256(enc)
	b := m.proofs.get(key, print)
	if b == nil {
		if b, err = elgamal.DecodeBallot(enc); err != nil || b.ElectionID != e.ID || b.VerifyDecoded(params, enc) != nil {
			return
		}
		m.proofs.put(key, print, b)
	}
	c.prepared = &preparedBallot{print: print, ballot: b}
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

func (m *Module) cast(ctx *module.Context, c *MsgCast) ([]byte, error) {
	e, b, enc, err := m.checkedCast(ctx, c)
	if err != nil {
		return nil, err
	}
	voter := ctx.Primary()
	revote, err := m.Keeper.Count(ctx.KV, e.ID, voter, b, enc,
		&Tracker{Voter: voter, Height: ctx.Height, Tx: hex.EncodeToString(ctx.TxHash), Status: TrackerCounted})
	if err != nil {
		return nil, err
	}
	tracker := TrackerOf(enc)
	ctx.Emit("ballot.cast", "election", e.ID, "tracker", tracker, "revote", strconv.FormatBool(revote))
	return []byte(tracker), nil
}

// checkCast is a cast's CheckTx: every check of the handler (the election
// open, the voter eligible, the ballot bound to both, every proof) but not
// the count, whose writes CheckTx would discard (re-encoding the running
// aggregate alone is ten point compressions a ballot). Counting fails only
// on a damaged store, which FinalizeBlock reports.
func (m *Module) checkCast(ctx *module.Context, c *MsgCast) error {
	_, _, _, err := m.checkedCast(ctx, c)
	return err
}

// checkedCast runs the checks of a cast and returns the election, the
// verified ballot and its bytes.
func (m *Module) checkedCast(ctx *module.Context, c *MsgCast) (*Election, *elgamal.Ballot, []byte, error) {
	e, err := m.openElection(ctx, c.Election)
	if err != nil {
		return nil, nil, nil, err
	}
	voter := ctx.Primary()
	if err := m.eligible(ctx, e, voter); err != nil {
		return nil, nil, nil, err
	}
	params, print, err := m.proofs.electionParams(e)
	if err != nil {
		return nil, nil, nil, err
	}
	enc, _ := hex.DecodeString(c.Ballot)
	key := sha256.Sum256(enc)
	var b *elgamal.Ballot
	if p := c.prepared; p != nil && p.print == print {
		b = p.ballot
	} else {
		b = m.proofs.get(key, print)
	}
	if b != nil {
		// Proofs already verified against these parameters (Preverify,
		// CheckTx or prepareCast); the fresh path would fail only on the
		// voter binding, checked here.
		if b.Voter != voter {
			return nil, nil, nil, ErrWrongVoter.Wrapf("ballot names voter %q, signed by %q", b.Voter, voter)
		}
	} else {
		if b, err = VerifyBallot(params, voter, enc); err != nil {
			return nil, nil, nil, err
		}
		m.proofs.put(key, print, b)
	}
	return e, b, enc, nil
}
