// Package proofop lets CometBFT's own light client (light/rpc, and a
// light proxy built on it) verify Publica's abci_query proofs.
//
// Ask for path /store/<name>/key with the raw state key as data (name is
// "state", or the key's first segment: "land", "identity", "app", …). The
// answer carries one proof operation of type "ics23:iavl" (the Cosmos
// SDK's CommitmentOp: an ICS23 commitment proof under IavlSpec, the op's
// key the raw key), whose root is the app hash in the header of
// height+1. Publica's state is one IAVL-shaped tree (package store), not
// the SDK's multistore, so there is no second "ics23:simple" operation
// from a store root to the app hash: the merkle key path is the raw key
// alone, which KeyPath builds. An absent key is answered with a
// non-membership proof and the response's Key in key-path form, which is
// what light/rpc checks absence against.
//
// Module queries answered from one key (/land/title/T1, …) carry the
// same proof operation and verify the same way when the key is present;
// their absence answers name the raw key, which light/rpc cannot read as
// a key path, so it refuses them: read an absence with /store/<name>/key.
//
//	c := lrpc.NewClient(next, lightClient, lrpc.KeyPathFn(proofop.KeyPath))
//	proofop.Register(c) // c.RegisterOpDecoder("ics23:iavl", storetypes.CommitmentOpDecoder), …
//	res, err := c.ABCIQueryWithOptions(ctx, "/store/land/key", []byte("land/title/T1"), rpcclient.ABCIQueryOptions{Prove: true})
//
// A light proxy (light/proxy.NewProxy) takes the same KeyPathFn option
// and Register(proxy.Client).
package proofop

import (
	"errors"

	storetypes "cosmossdk.io/store/types"
	"github.com/cometbft/cometbft/crypto/merkle"
)

// KeyPath is a light/rpc KeyPathFunc for Publica: every provable answer
// (a /store/<name>/key read, or a module query answered from one key,
// such as /land/title/T1) names in its Key the state key its proof is
// for, and the merkle key path is that key alone (one proof operation).
// light/rpc then proves that Key holds Value at the answer's height; the
// caller checks that Key is the key it asked for (a module query names
// it in its doc, e.g. /land/title/T1 answers land/title/T1).
func KeyPath(_ string, key []byte) (merkle.KeyPath, error) {
	if len(key) == 0 {
		return nil, errors.New("the answer names no key")
	}
	return merkle.KeyPath{}.AppendKey(key, merkle.KeyEncodingHex), nil
}

// Registerer is what takes proof operation decoders: light/rpc's Client
// (and so a light proxy's Client) and merkle.ProofRuntime.
type Registerer interface {
	RegisterOpDecoder(typ string, dec merkle.OpDecoder)
}

// Register gives r the Cosmos SDK's ICS23 operators, as the SDK's own
// rootmulti.DefaultProofRuntime has them: ics23:iavl, ics23:simple and
// ics23:smt, all decoded by storetypes.CommitmentOpDecoder.
func Register(r Registerer) {
	r.RegisterOpDecoder(storetypes.ProofOpIAVLCommitment, storetypes.CommitmentOpDecoder)
	r.RegisterOpDecoder(storetypes.ProofOpSimpleMerkleCommitment, storetypes.CommitmentOpDecoder)
	r.RegisterOpDecoder(storetypes.ProofOpSMTCommitment, storetypes.CommitmentOpDecoder)
}

// Runtime is CometBFT's default proof runtime (simple:v) with Register's
// operators.
func Runtime() *merkle.ProofRuntime {
	prt := merkle.DefaultProofRuntime()
	Register(prt)
	return prt
}
