package authority

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/publica/publica/errs"
	"github.com/publica/publica/module"
	"github.com/publica/publica/store"
	"github.com/publica/publica/tx"
)

// Query paths (after "/authority/"):
//
//	account/<id>     the account record (provable)
//	pubkey/<hex>     the account id a key controls (provable)
//	params           the authority set (provable)
//	role/<role>      the ids holding role (a list, not proven as a whole)
//	params-change/<height>  the authority set's change at height (provable)
//	params-history   every change of the authority set (a list)
func (m *Module) Query(view store.KV, path []string) (module.QueryResult, error) {
	switch {
	case len(path) == 2 && path[0] == "account":
		if !tx.ValidAccountID(path[1]) {
			return module.QueryResult{}, errs.InvalidMsg.Wrapf("%q is not an account id", path[1])
		}
		return m.Keeper.AccountEntry(view, path[1]), nil
	case len(path) == 2 && path[0] == "pubkey":
		pub, err := ParsePubKey(path[1])
		if err != nil {
			return module.QueryResult{}, errs.InvalidMsg.Wrap(err)
		}
		return m.Keeper.PubKeyEntry(view, pub), nil
	case len(path) == 1 && path[0] == "params":
		return m.Keeper.ParamsEntry(view), nil
	case len(path) == 2 && path[0] == "params-change":
		h, err := strconv.ParseInt(path[1], 10, 64)
		if err != nil || h < 0 {
			return module.QueryResult{}, errs.InvalidMsg.Wrapf("%q is not a height", path[1])
		}
		key := ParamsChangeKey(h)
		return module.QueryResult{Key: key, Value: view.Get(key)}, nil
	case len(path) == 1 && path[0] == "params-history":
		changes := []*ParamsChange{}
		if err := m.Keeper.ParamsHistory(view, func(c *ParamsChange) bool { changes = append(changes, c); return true }); err != nil {
			return module.QueryResult{}, err
		}
		b, _ := json.Marshal(changes)
		return module.QueryResult{Value: b}, nil
	case len(path) == 2 && path[0] == "role":
		if !ValidRole(path[1]) {
			return module.QueryResult{}, errs.InvalidMsg.Wrapf("unknown role %q", path[1])
		}
		ids := m.Keeper.Holders(view, path[1])
		if ids == nil {
			ids = []string{}
		}
		b, _ := json.Marshal(ids)
		return module.QueryResult{Value: b}, nil
	}
	return module.QueryResult{}, errs.InvalidMsg.Wrapf("unknown authority query %v", fmt.Sprint(path))
}
