package app

import (
	"context"
	"strings"

	abci "github.com/cometbft/cometbft/abci/types"
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
//	/<module>/<...>   a module's query, see the module's query.go
//
// With prove=true and an answer read from a single key, the response holds
// an ICS23 proof (membership, or non-membership if the key is absent) that
// verifies against the app hash in the header of height+1.
func (a *App) Query(_ context.Context, req *abci.RequestQuery) (*abci.ResponseQuery, error) {
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
	}
	return out, nil
}

func (a *App) route(view *store.View, req *abci.RequestQuery) (module.QueryResult, error) {
	parts := strings.Split(strings.Trim(req.Path, "/"), "/")
	if len(parts) == 1 && parts[0] == "key" {
		if len(req.Data) == 0 {
			return module.QueryResult{}, errs.InvalidMsg.Wrapf("/key needs the key in data")
		}
		return module.QueryResult{Key: req.Data, Value: view.Get(req.Data)}, nil
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
