package app

import (
	"bytes"
	"context"
	"strings"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cometbft/cometbft/crypto/merkle"
	cmtcrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"

	"github.com/publica/publica/errs"
	"github.com/publica/publica/module"
	"github.com/publica/publica/proof"
	"github.com/publica/publica/store"
)

// ProofOpType names the single proof operation attached to proven queries:
// an ICS23 IAVL commitment proof whose root is the app hash.
const ProofOpType = proof.OpType

// Query answers reads at a committed height (0 = latest).
//
//	/key              data = raw state key; the value at that key
//	/store/<name>/key data = raw state key; the same, in the path shape
//	                  CometBFT's light/rpc client and proxy expect (see
//	                  storeQuery and package proofop)
//	/<module>/<...>   a module's query, see the module's query.go
//
// With prove=true and an answer read from a single key, the response holds
// an ICS23 proof (membership, or non-membership if the key is absent) that
// verifies against the app hash in the header of height+1.
func (a *App) Query(ctx context.Context, req *abci.RequestQuery) (*abci.ResponseQuery, error) {
	if req.Path == AdmissionQueryPath {
		return a.admissionQuery(ctx, req), nil
	}
	height := req.Height
	if height == 0 {
		height = a.store.Version()
	}
	if height == 0 {
		return queryError(errs.InvalidMsg.Wrapf("no block has been committed yet; try again after the first block"), 0), nil
	}
	if height < 0 || !a.store.HasVersion(height) {
		return queryError(errs.InvalidMsg.Wrapf("no state at height %d (latest %d)", req.Height, a.store.Version()), height), nil
	}
	view, err := a.store.At(height)
	if err != nil {
		return queryError(errs.InvalidMsg.Wrap(err), height), nil
	}
	res, err := a.route(view, req)
	if err != nil {
		return queryError(err, height), nil
	}
	out := &abci.ResponseQuery{Code: abci.CodeTypeOK, Key: res.Key, Value: res.Value, Height: height}
	if req.Prove {
		if res.Key == nil {
			return queryError(errs.InvalidMsg.Wrapf("query %s returns a list and cannot be proven as one key", req.Path), height), nil
		}
		proof, err := view.Proof(res.Key)
		if err != nil {
			return queryError(err, height), nil
		}
		bz, err := proof.Marshal()
		if err != nil {
			return queryError(err, height), nil
		}
		out.ProofOps = &cmtcrypto.ProofOps{Ops: []cmtcrypto.ProofOp{{Type: ProofOpType, Key: res.Key, Data: bz}}}
	}
	if out.Value == nil {
		out.Log = "not found"
		if isStorePath(req.Path) {
			// CometBFT's light/rpc client checks an absence proof against
			// string(Key) read as a key path ("/" and the URL-escaped key),
			// not against the key: give it the key in that form. The proof
			// operation still names the raw key.
			out.Key = []byte(merkle.KeyPath{}.AppendKey(res.Key, merkle.KeyEncodingURL).String())
		}
	}
	return out, nil
}

// StoreState is the /store/<name>/key name that takes any key. The other
// names are the first segments of keys ("land", "identity", "app", …),
// and take only keys that start with them. The state is one IAVL-shaped
// tree (package store), so every name proves its key against the same
// root, the app hash, with one ics23:iavl operation.
const StoreState = "state"

func isStorePath(path string) bool {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	return len(parts) == 3 && parts[0] == "store" && parts[2] == "key"
}

// storeQuery answers /store/<name>/key: the value at the raw key in data.
func (a *App) storeQuery(view *store.View, name string, key []byte) (module.QueryResult, error) {
	if len(key) == 0 {
		return module.QueryResult{}, errs.InvalidMsg.Wrapf("/store/%s/key needs the key in data", name)
	}
	if name != StoreState {
		known := name == "app"
		for _, m := range a.modules {
			known = known || m.Name() == name
		}
		if !known {
			return module.QueryResult{}, errs.InvalidMsg.Wrapf("unknown store %q: use %q for any key, or a key's first segment (app or a module's name)", name, StoreState)
		}
		if !bytes.HasPrefix(key, []byte(name+"/")) {
			return module.QueryResult{}, errs.InvalidMsg.Wrapf("key %q is not in store %q (its keys start with %q)", key, name, name+"/")
		}
	}
	return module.QueryResult{Key: key, Value: view.Get(key)}, nil
}

func (a *App) route(view *store.View, req *abci.RequestQuery) (module.QueryResult, error) {
	parts := strings.Split(strings.Trim(req.Path, "/"), "/")
	if len(parts) == 1 && parts[0] == "key" {
		if len(req.Data) == 0 {
			return module.QueryResult{}, errs.InvalidMsg.Wrapf("/key needs the key in data")
		}
		return module.QueryResult{Key: req.Data, Value: view.Get(req.Data)}, nil
	}
	if isStorePath(req.Path) {
		return a.storeQuery(view, parts[1], req.Data)
	}
	for _, m := range a.modules {
		if parts[0] == m.Name() {
			return m.Query(view, parts[1:])
		}
	}
	return module.QueryResult{}, errs.InvalidMsg.Wrapf("unknown query path %q", req.Path)
}

func queryError(err error, height int64) *abci.ResponseQuery {
	space, code, log := errs.ABCIInfo(err)
	return &abci.ResponseQuery{Codespace: space, Code: code, Log: log, Height: height}
}
