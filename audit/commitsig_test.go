package audit

import (
	"errors"
	"testing"
	"time"

	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	"github.com/cometbft/cometbft/types"
)

// TestCommitSignaturesAgreeWithVerifyCommitLight: the deferred check
// accepts exactly the commits VerifyCommitLight accepts (structure,
// voting power and, once the batch runs, the signatures).
func TestCommitSignaturesAgreeWithVerifyCommitLight(t *testing.T) {
	const chainID, h = "test-chain", int64(7)
	vals, pvs := types.RandValidatorSet(4, 10)
	id := types.BlockID{Hash: make([]byte, 32), PartSetHeader: types.PartSetHeader{Total: 1, Hash: make([]byte, 32)}}
	id.Hash[0] = 1
	sign := func() *types.Commit {
		votes := types.NewVoteSet(chainID, h, 0, cmtproto.PrecommitType, vals)
		ext, err := types.MakeExtCommit(id, h, 0, votes, pvs, time.Unix(1_800_000_000, 0), false)
		if err != nil {
			t.Fatal(err)
		}
		return ext.ToCommit()
	}
	cases := map[string]func(c *types.Commit) (*types.ValidatorSet, types.BlockID, int64){
		"valid": func(c *types.Commit) (*types.ValidatorSet, types.BlockID, int64) { return vals, id, h },
		"forged first signature": func(c *types.Commit) (*types.ValidatorSet, types.BlockID, int64) {
			c.Signatures[0].Signature[0] ^= 1
			return vals, id, h
		},
		"forged last signature, not needed for +2/3": func(c *types.Commit) (*types.ValidatorSet, types.BlockID, int64) {
			c.Signatures[3].Signature[0] ^= 1
			return vals, id, h
		},
		"two absent: not enough power": func(c *types.Commit) (*types.ValidatorSet, types.BlockID, int64) {
			for _, i := range []int{1, 2} {
				c.Signatures[i] = types.NewCommitSigAbsent()
			}
			return vals, id, h
		},
		"one absent": func(c *types.Commit) (*types.ValidatorSet, types.BlockID, int64) {
			c.Signatures[0] = types.NewCommitSigAbsent()
			return vals, id, h
		},
		"other block id": func(c *types.Commit) (*types.ValidatorSet, types.BlockID, int64) {
			other := id
			other.Hash = make([]byte, 32)
			return vals, other, h
		},
		"other height": func(c *types.Commit) (*types.ValidatorSet, types.BlockID, int64) { return vals, id, h + 1 },
		"fewer signatures than validators": func(c *types.Commit) (*types.ValidatorSet, types.BlockID, int64) {
			c.Signatures = c.Signatures[:3]
			return vals, id, h
		},
		"wrong address": func(c *types.Commit) (*types.ValidatorSet, types.BlockID, int64) {
			c.Signatures[0].ValidatorAddress = c.Signatures[1].ValidatorAddress
			return vals, id, h
		},
	}
	for name, edit := range cases {
		c := sign()
		vs, bid, height := edit(c)
		want := vs.VerifyCommitLight(chainID, bid, height, c)
		sigs, err := commitSignatures(chainID, vs, bid, height, c, "block 8")
		if err == nil && firstBad(sigs) != nil {
			err = errors.New("bad signature")
		}
		if (err == nil) != (want == nil) {
			t.Errorf("%s: replay check says %v, VerifyCommitLight %v", name, err, want)
		}
		var mm *MismatchError
		if err != nil && errors.As(err, &mm) && (mm.Height != height || mm.Check != "commit signatures") {
			t.Errorf("%s: mismatch %+v", name, mm)
		}
	}
}

// TestCommitVerifierFindsTheFirstBadBlock: among many blocks' signatures
// verified together, the first forged one names its block.
func TestCommitVerifierFindsTheFirstBadBlock(t *testing.T) {
	const chainID = "test-chain"
	vals, pvs := types.RandValidatorSet(1, 10)
	v := newCommitVerifier(chainID)
	for h := int64(1); h <= 500; h++ {
		id := types.BlockID{Hash: make([]byte, 32), PartSetHeader: types.PartSetHeader{Total: 1, Hash: make([]byte, 32)}}
		id.Hash[0], id.Hash[1] = byte(h), byte(h>>8)
		votes := types.NewVoteSet(chainID, h, 0, cmtproto.PrecommitType, vals)
		ext, err := types.MakeExtCommit(id, h, 0, votes, pvs, time.Unix(1_800_000_000+h, 0), false)
		if err != nil {
			t.Fatal(err)
		}
		c := ext.ToCommit()
		if h == 321 || h == 400 {
			c.Signatures[0].Signature[5] ^= 0x80
		}
		if err := v.add(vals, id, h, c, "test"); err != nil {
			t.Fatal(err)
		}
	}
	mm := v.finish()
	if mm == nil || mm.Height != 321 || mm.Check != "commit signatures" {
		t.Fatalf("got %+v, want a commit signature mismatch at 321", mm)
	}
	if v.finish() != mm {
		t.Fatal("finishing again changed the answer")
	}
}
