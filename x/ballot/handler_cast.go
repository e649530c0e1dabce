package ballot

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
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

// blockBatchTag separates the seed of a block's batch weights.
const blockBatchTag = "publica/ballot/v1/block-batch"

// prepareCasts verifies ballots' proofs in FinalizeBlock's parallel
// pre-check, against the election as last committed, unless this process
// verified them already (proofcache.go), and caches success in each
// message. The handler uses the cache only if the election it sees has the
// parameters verified against (an election's id, questions and, once
// published, key never change), so the outcome is the same as verifying in
// the handler; the work just runs on every core.
//
// It is given the casts of a run of the block's transactions pre-checked
// together: the ballots not remembered are verified in one batch (elgamal.VerifyBallots) whose weights are seeded
// with SHA-512 of everything the batch holds — each ballot's parameters'
// fingerprint and bytes, in block order — so every validator that
// verifies the same ballots computes the same weights and verdicts (no
// randomness, no clock, no map order), and a false proof passes only if
// that hash falls in a set of density ≤ 2⁻¹²⁸ (the Fiat–Shamir argument of
// a single ballot's check). A failed batch is verified ballot by ballot.
func (m *Module) prepareCasts(view store.KV, casts []*MsgCast) {
	type pending struct {
		casts []*MsgCast // the same ballot may come in several casts
		enc   []byte
		key   [32]byte
		print paramsPrint
	}
	var todo []pending
	var entries []elgamal.BatchEntry
	index := map[[32]byte]int{} // lookups only; todo keeps the order
	seed := sha512.New()
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(blockBatchTag)))
	seed.Write(n[:])
	seed.Write([]byte(blockBatchTag))
	for _, c := range casts {
		e, err := m.Keeper.Election(view, c.Election)
		if err != nil || e == nil || e.PublicKey == "" {
			continue
		}
		params, print, err := m.proofs.electionParams(e)
		if err != nil {
			continue
		}
		enc, err := hex.DecodeString(c.Ballot)
		if err != nil {
			continue
		}
		key := sha256.Sum256(enc)
		if b := m.proofs.get(key, print); b != nil {
			c.prepared = &preparedBallot{print: print, ballot: b}
			continue
		}
		if i, ok := index[key]; ok && todo[i].print == print {
			todo[i].casts = append(todo[i].casts, c)
			continue
		}
		b, err := elgamal.DecodeBallot(enc)
		if err != nil || b.ElectionID != e.ID {
			continue
		}
		index[key] = len(todo)
		todo = append(todo, pending{[]*MsgCast{c}, enc, key, print})
		entries = append(entries, elgamal.BatchEntry{Params: params, Ballot: b})
		seed.Write(print[:])
		binary.BigEndian.PutUint32(n[:], uint32(len(enc)))
		seed.Write(n[:])
		seed.Write(enc)
	}
	if len(entries) == 0 {
		return
	}
	var errs []error
	if len(entries) == 1 {
		// One ballot: its own check, weights hashed from its bytes.
		errs = []error{entries[0].Ballot.VerifyDecoded(entries[0].Params, todo[0].enc)}
	} else {
		var err error
		if errs, err = elgamal.VerifyBallots(entries, bytes.NewReader(seed.Sum(nil))); err != nil {
			return
		}
	}
	for i, p := range todo {
		if errs[i] == nil {
			m.proofs.put(p.key, p.print, entries[i].Ballot)
			for _, c := range p.casts {
				c.prepared = &preparedBallot{print: p.print, ballot: entries[i].Ballot}
			}
		}
	}
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
		// CheckTx or prepareCasts); the fresh path would fail only on the
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
