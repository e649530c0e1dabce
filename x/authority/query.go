package authority

import (
	"encoding/json"
	"fmt"

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
