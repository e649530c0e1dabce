// Package proof verifies ICS23 proofs returned by proven queries against an
// app hash taken from a block header (the header of height H+1 commits to
// the state after block H).
package proof

import (
	"bytes"
	"errors"
	"fmt"

	cmtcrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"
	ics23 "github.com/cosmos/ics23/go"
)

// OpType is the proof operation type the application attaches.
const OpType = "ics23:iavl"

// Verify checks that ops prove key ↦ value (or, if value is nil, that key
// is absent) under appHash.
func Verify(appHash []byte, ops *cmtcrypto.ProofOps, key, value []byte) error {
	if ops == nil || len(ops.Ops) != 1 {
		return errors.New("expected exactly one proof operation")
	}
	op := ops.Ops[0]
	if op.Type != OpType {
		return fmt.Errorf("proof operation %q, want %q", op.Type, OpType)
	}
	if !bytes.Equal(op.Key, key) {
		return fmt.Errorf("proof is for key %q, not %q", op.Key, key)
	}
	var p ics23.CommitmentProof
	if err := p.Unmarshal(op.Data); err != nil {
		return fmt.Errorf("decode proof: %w", err)
	}
	return VerifyCommitment(appHash, &p, key, value)
}

// VerifyCommitment checks a decoded commitment proof.
func VerifyCommitment(appHash []byte, p *ics23.CommitmentProof, key, value []byte) error {
	if value == nil {
		if !ics23.VerifyNonMembership(ics23.IavlSpec, appHash, p, key) {
			return fmt.Errorf("non-membership proof of %q does not verify against app hash %X", key, appHash)
		}
		return nil
	}
	if !ics23.VerifyMembership(ics23.IavlSpec, appHash, p, key, value) {
		return fmt.Errorf("membership proof of %q does not verify against app hash %X", key, appHash)
	}
	return nil
}
