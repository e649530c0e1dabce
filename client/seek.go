package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	ics23 "github.com/cosmos/ics23/go"

	"github.com/publica/publica/proof"
)

// QueryKeyAt reads one state key at exactly height with a proof verified
// against the signed header of height+1; value nil is a proven absence.
// Unlike QueryProven it refuses an answer for another height, so that many
// reads are sure to come from one state.
func (c *Client) QueryKeyAt(ctx context.Context, key []byte, height int64) ([]byte, error) {
	p, err := c.QueryProven(ctx, "/key", key, height)
	if err != nil {
		return nil, err
	}
	if p.Height != height {
		return nil, fmt.Errorf("the node answered for height %d, not %d", p.Height, height)
	}
	if !bytes.Equal(p.Key, key) {
		return nil, fmt.Errorf("the node answered for key %q, not %q", p.Key, key)
	}
	return p.Value, nil
}

// SeekProven returns the first state key ≥ from at height, with its value,
// or a nil key when there is none; both the key and the absence of any key
// between from and it are proven (a membership proof when from itself
// exists, otherwise the neighbours of an ICS23 non-membership proof)
// against the signed header of height+1. Walking a prefix with it —
// SeekProven(prefix), then SeekProven(key+"\x00") — lists the prefix
// completely: a node cannot leave a record out.
func (c *Client) SeekProven(ctx context.Context, from []byte, height int64) (key, value []byte, err error) {
	res, err := c.Query(ctx, "/key", from, height, true)
	if err != nil {
		return nil, nil, err
	}
	if res.Height != height {
		return nil, nil, fmt.Errorf("the node answered for height %d, not %d", res.Height, height)
	}
	if !bytes.Equal(res.Key, from) {
		return nil, nil, fmt.Errorf("the node answered for key %q, not %q", res.Key, from)
	}
	appHash, err := c.verifiedAppHash(ctx, height+1)
	if err != nil {
		return nil, nil, err
	}
	if err := proof.Verify(appHash, res.ProofOps, from, res.Value); err != nil {
		return nil, nil, err
	}
	if res.Value != nil {
		return from, res.Value, nil
	}
	// proof.Verify checked exactly one ics23 operation for from.
	var p ics23.CommitmentProof
	if err := p.Unmarshal(res.ProofOps.Ops[0].Data); err != nil {
		return nil, nil, fmt.Errorf("decode proof: %w", err)
	}
	ne := ics23.Decompress(&p).GetNonexist()
	if ne == nil {
		return nil, nil, errors.New("absence proven without a non-membership proof")
	}
	if ne.Right == nil {
		return nil, nil, nil
	}
	// VerifyNonMembership verified Right's membership under appHash and
	// that it is the next key after from.
	if bytes.Compare(ne.Right.Key, from) <= 0 {
		return nil, nil, fmt.Errorf("non-membership proof's right neighbour %q is not after %q", ne.Right.Key, from)
	}
	return bytes.Clone(ne.Right.Key), bytes.Clone(ne.Right.Value), nil
}
