package governance

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"

	"github.com/publica/publica/errs"
	"github.com/publica/publica/module"
	"github.com/publica/publica/store"
)

var hexAddress = regexp.MustCompile(`^[0-9A-F]{40}$`)

// Query paths (after "/governance/"):
//
//	version                    the protocol version record (provable)
//	validator/<ADDRESS>        one validator (provable)
//	validators                 the validator set (a list, not proven as a whole)
//	change/<height>/<ADDRESS>  one validator change (provable)
//	history[/<from>[/<to>]]    validator changes by height (a list)
//	plan                       the scheduled upgrade (provable; empty if none)
//	upgrades                   the applied upgrades (a list)
func (m *Module) Query(view store.KV, path []string) (module.QueryResult, error) {
	entry := func(key []byte) (module.QueryResult, error) {
		return module.QueryResult{Key: key, Value: view.Get(key)}, nil
	}
	list := func(v any, err error) (module.QueryResult, error) {
		if err != nil {
			return module.QueryResult{}, err
		}
		b, _ := json.Marshal(v)
		return module.QueryResult{Value: b}, nil
	}
	switch {
	case len(path) == 1 && path[0] == "version":
		return entry(keyVersion)
	case len(path) == 1 && path[0] == "plan":
		return entry(keyPlan)
	case len(path) == 2 && path[0] == "validator":
		if !hexAddress.MatchString(path[1]) {
			return module.QueryResult{}, errs.InvalidMsg.Wrapf("%q is not a validator address (40 upper-case hex digits)", path[1])
		}
		return entry(ValidatorKey(path[1]))
	case len(path) == 3 && path[0] == "change":
		h, err := strconv.ParseInt(path[1], 10, 64)
		if err != nil || h < 0 || !hexAddress.MatchString(path[2]) {
			return module.QueryResult{}, errs.InvalidMsg.Wrapf("want change/<height>/<ADDRESS>")
		}
		return entry(ValidatorChangeKey(h, path[2]))
	case len(path) == 1 && path[0] == "validators":
		vals := []*Validator{}
		err := m.Keeper.Validators(view, func(v *Validator) bool { vals = append(vals, v); return true })
		return list(vals, err)
	case len(path) >= 1 && len(path) <= 3 && path[0] == "history":
		from, to := int64(0), int64(1<<62)
		var err error
		if len(path) > 1 {
			if from, err = strconv.ParseInt(path[1], 10, 64); err != nil || from < 0 {
				return module.QueryResult{}, errs.InvalidMsg.Wrapf("history: bad from height %q", path[1])
			}
		}
		if len(path) > 2 {
			if to, err = strconv.ParseInt(path[2], 10, 64); err != nil || to < from {
				return module.QueryResult{}, errs.InvalidMsg.Wrapf("history: bad to height %q", path[2])
			}
		}
		changes := []*ValidatorChange{}
		err = m.Keeper.Changes(view, from, to, func(c *ValidatorChange) bool { changes = append(changes, c); return true })
		return list(changes, err)
	case len(path) == 1 && path[0] == "upgrades":
		ups := []*AppliedUpgrade{}
		err := m.Keeper.Applied(view, func(u *AppliedUpgrade) bool { ups = append(ups, u); return true })
		return list(ups, err)
	}
	return module.QueryResult{}, errs.InvalidMsg.Wrapf("unknown governance query %v", fmt.Sprint(path))
}
