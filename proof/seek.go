package proof

import (
	"bytes"
	"errors"
	"fmt"

	ics23 "github.com/cosmos/ics23/go"
)

// Next checks a proof that key is absent under appHash and returns the
// next key after it with its value, which the non-membership proof holds
// as its right neighbour (ICS23 checks the neighbours are adjacent in the
// tree, so no key lies between key and next). next is nil when no key
// follows key. This is how a list is proven complete: each record is the
// next key after the previous one's key + "\x00".
func Next(appHash []byte, key, proofData []byte) (next, value []byte, err error) {
	var p ics23.CommitmentProof
	if err := p.Unmarshal(proofData); err != nil {
		return nil, nil, fmt.Errorf("decode proof: %w", err)
	}
	if err := VerifyCommitment(appHash, &p, key, nil); err != nil {
		return nil, nil, err
	}
	ne := ics23.Decompress(&p).GetNonexist()
	if ne == nil {
		return nil, nil, errors.New("absence proven without a non-membership proof")
	}
	if ne.Right == nil {
		return nil, nil, nil
	}
	if bytes.Compare(ne.Right.Key, key) <= 0 {
		return nil, nil, fmt.Errorf("the proof's right neighbour %q is not after %q", ne.Right.Key, key)
	}
	return bytes.Clone(ne.Right.Key), bytes.Clone(ne.Right.Value), nil
}
