package audit

import (
	"bytes"
	"errors"
	"fmt"
	"sync"

	"github.com/cometbft/cometbft/crypto"
	"github.com/cometbft/cometbft/crypto/ed25519"
	"github.com/cometbft/cometbft/types"
)

// A replay checks every commit as types.VerifyCommitLight does (the same
// validator set, height and block id, +2/3 of the voting power signing,
// stopping once +2/3 is reached), but the ed25519 signatures of many
// blocks are verified together, in one curve25519-voi batch (as CometBFT's
// crypto/ed25519 batch verifier does within one commit), on another core,
// while execution goes on. A batch that fails is checked signature by
// signature, and the replay stops at the first block whose commit holds a
// bad one, exactly where checking block by block would have stopped.

// signature is one commit signature waiting for verification.
type signature struct {
	height int64  // the block it signs
	source string // where the commit came from, for the message
	index  int
	key    crypto.PubKey
	msg    []byte
	sig    []byte
}

// sigBatch is the size at which waiting signatures are sent for
// verification: large enough for the batch to pay, small enough that a
// bad signature stops a replay soon after it.
const sigBatch = 128

// commitVerifier collects signatures and verifies them in batches on a
// goroutine. Its methods are called from one goroutine.
type commitVerifier struct {
	chainID string
	waiting []signature
	jobs    chan []signature
	done    sync.WaitGroup
	closed  bool

	mu       sync.Mutex
	failure  *MismatchError // the first bad signature's, once found
	verified int64          // every signature of blocks up to here is good
}

func newCommitVerifier(chainID string) *commitVerifier {
	v := &commitVerifier{chainID: chainID, jobs: make(chan []signature, 4)}
	v.done.Add(1)
	go v.work()
	return v
}

// add checks commit's structure and voting power for block h (with id
// blockID) against vals now and queues its signatures; an error is the
// commit signature mismatch of h, and no signature of h is queued.
func (v *commitVerifier) add(vals *types.ValidatorSet, blockID types.BlockID, h int64, commit *types.Commit, source string) error {
	sigs, err := commitSignatures(v.chainID, vals, blockID, h, commit, source)
	if err != nil {
		return err
	}
	v.waiting = append(v.waiting, sigs...)
	if len(v.waiting) >= sigBatch {
		v.send()
	}
	return nil
}

func (v *commitVerifier) send() {
	if len(v.waiting) > 0 {
		v.jobs <- v.waiting
		v.waiting = nil
	}
}

// failed is the first bad signature found so far, nil if none.
func (v *commitVerifier) failed() *MismatchError {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.failure
}

// verifiedThrough is the height up to which every queued signature is
// known to be good.
func (v *commitVerifier) verifiedThrough() int64 {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.verified
}

// finish verifies every signature still waiting and returns the first
// bad one's mismatch, nil if all are good. The verifier is then done;
// finishing again returns the same.
func (v *commitVerifier) finish() *MismatchError {
	if !v.closed {
		v.closed = true
		v.send()
		close(v.jobs)
		v.done.Wait()
	}
	return v.failed()
}

func (v *commitVerifier) work() {
	defer v.done.Done()
	for sigs := range v.jobs {
		if v.failed() != nil {
			continue // drain: the replay stops at the first failure
		}
		if bad := firstBad(sigs); bad != nil {
			v.mu.Lock()
			v.failure = &MismatchError{Height: bad.height, Check: "commit signatures",
				Reason: fmt.Sprintf("commit signatures (from %s): wrong signature (#%d): %X", bad.source, bad.index, bad.sig)}
			v.mu.Unlock()
			continue
		}
		v.mu.Lock()
		v.verified = sigs[len(sigs)-1].height
		v.mu.Unlock()
	}
}

// firstBad verifies sigs, in one batch when every key is ed25519, and
// returns the first invalid one (in order), nil if all are valid.
func firstBad(sigs []signature) *signature {
	bv := ed25519.NewBatchVerifier()
	for i := range sigs {
		if err := bv.Add(sigs[i].key, sigs[i].msg, sigs[i].sig); err != nil {
			return firstBadOneByOne(sigs) // another key type, or malformed
		}
	}
	if ok, valid := bv.Verify(); !ok {
		for i, good := range valid {
			if !good {
				return &sigs[i]
			}
		}
		return firstBadOneByOne(sigs)
	}
	return nil
}

func firstBadOneByOne(sigs []signature) *signature {
	for i := range sigs {
		if !sigs[i].key.VerifySignature(sigs[i].msg, sigs[i].sig) {
			return &sigs[i]
		}
	}
	return nil
}

// commitSignatures runs VerifyCommitLight's checks on commit except the
// signatures' validity, and returns the signatures it would have
// verified: those for the block, in order, until they carry more than
// two thirds of the voting power.
func commitSignatures(chainID string, vals *types.ValidatorSet, blockID types.BlockID, h int64, commit *types.Commit, source string) ([]signature, error) {
	fail := func(err error) error {
		return &MismatchError{Height: h, Check: "commit signatures", Reason: fmt.Sprintf("commit signatures (from %s): %v", source, err)}
	}
	switch {
	case vals == nil:
		return nil, fail(errors.New("nil validator set"))
	case commit == nil:
		return nil, fail(errors.New("nil commit"))
	case vals.Size() != len(commit.Signatures):
		return nil, fail(types.NewErrInvalidCommitSignatures(vals.Size(), len(commit.Signatures)))
	case h != commit.Height:
		return nil, fail(types.NewErrInvalidCommitHeight(h, commit.Height))
	case !blockID.Equals(commit.BlockID):
		return nil, fail(fmt.Errorf("invalid commit -- wrong block ID: want %v, got %v", blockID, commit.BlockID))
	}
	needed := vals.TotalVotingPower() * 2 / 3
	var tallied int64
	var sigs []signature
	for idx, cs := range commit.Signatures {
		if cs.BlockIDFlag != types.BlockIDFlagCommit {
			continue
		}
		val := vals.Validators[idx]
		if cs.ValidateBasic() != nil {
			return nil, fail(fmt.Errorf("invalid signatures from %v at index %d", val, idx))
		}
		if !bytes.Equal(val.Address, cs.ValidatorAddress) {
			return nil, fail(fmt.Errorf("validator address mismatch at index %d: expected %X, got %X", idx, val.Address, cs.ValidatorAddress))
		}
		if val.PubKey == nil {
			return nil, fail(fmt.Errorf("validator %v has a nil PubKey at index %d", val, idx))
		}
		sigs = append(sigs, signature{height: h, source: source, index: idx, key: val.PubKey,
			msg: commit.VoteSignBytes(chainID, int32(idx)), sig: cs.Signature})
		tallied += val.VotingPower
		if tallied > needed {
			return sigs, nil
		}
	}
	// Not enough power: say so after any bad signature, as CometBFT would.
	if bad := firstBadOneByOne(sigs); bad != nil {
		return nil, fail(fmt.Errorf("wrong signature (#%d): %X", bad.index, bad.sig))
	}
	return nil, fail(types.ErrNotEnoughVotingPowerSigned{Got: tallied, Needed: needed})
}
