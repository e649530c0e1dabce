package ballot

import (
	"encoding/hex"
	"fmt"
	"strconv"

	"github.com/publica/publica/crypto/elgamal"
	"github.com/publica/publica/module"
)

// Tallying: after the close each trustee posts verified partial
// decryptions of the chain's aggregate; the threshold-th combines them
// into the result.

func (m *Module) tally(ctx *module.Context, t *MsgTally) ([]byte, error) {
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
	if m.Keeper.HasPartials(ctx.KV, e.ID, idx) {
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
	m.Keeper.SetPartials(ctx.KV, e.ID, idx, stored)
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
	m.Keeper.SetResult(ctx.KV, e.ID, res)
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
