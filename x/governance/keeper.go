package governance

import (
	"encoding/base64"
	"fmt"
	"strings"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cometbft/cometbft/crypto/ed25519"
	"github.com/cometbft/cometbft/types"

	"github.com/publica/publica/store"
)

// State keys (all provable):
//
//	governance/version                                  VersionRecord (absent: protocol 1)
//	governance/validator/<ADDRESS>                      Validator, while in the set
//	governance/validator-change/<height:20>/<ADDRESS>   ValidatorChange (height 0: genesis)
//	governance/upgrade/plan                             Plan, while one is scheduled
//	governance/upgrade/applied/<height:20>              AppliedUpgrade
var (
	keyVersion            = []byte("governance/version")
	keyPlan               = []byte("governance/upgrade/plan")
	prefixValidator       = "governance/validator/"
	prefixValidatorChange = "governance/validator-change/"
	prefixApplied         = "governance/upgrade/applied/"
	// ErrCorruptRecord is a stored record that does not decode.
	ErrCorruptRecord = fmt.Errorf("corrupt governance record")
)

// VersionKey is the state key of the protocol version record.
func VersionKey() []byte { return keyVersion }

// PlanKey is the state key of the scheduled upgrade.
func PlanKey() []byte { return keyPlan }

// ValidatorKey is the state key of a validator (address in upper-case hex).
func ValidatorKey(addr string) []byte { return []byte(prefixValidator + addr) }

// ValidatorChangeKey is the state key of a validator's change at height.
func ValidatorChangeKey(height int64, addr string) []byte {
	return []byte(fmt.Sprintf("%s%020d/%s", prefixValidatorChange, height, addr))
}

// AppliedKey is the state key of the upgrade applied at height.
func AppliedKey(height int64) []byte { return []byte(fmt.Sprintf("%s%020d", prefixApplied, height)) }

// Keeper reads and writes the module's keys; nothing else does.
type Keeper struct{}

func decode[T any](b []byte) (*T, error) {
	v, err := store.DecodeJSON[T](nil, b)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorruptRecord, err)
	}
	return v, nil
}

// Version is the protocol version the chain runs: 1 on a chain whose
// state has no version record (chains made before governance existed).
func (k Keeper) Version(kv store.KV) uint64 {
	r, err := k.VersionRecord(kv)
	if err != nil || r == nil {
		return 1
	}
	return r.Version
}

// VersionRecord is the stored version record, nil if none.
func (Keeper) VersionRecord(kv store.KV) (*VersionRecord, error) {
	b := kv.Get(keyVersion)
	if b == nil {
		return nil, nil
	}
	return decode[VersionRecord](b)
}

// SetVersion records that the chain runs version v from height since.
func (Keeper) SetVersion(kv store.KV, v uint64, since int64) {
	store.PutJSON(kv, keyVersion, VersionRecord{Version: v, Since: since})
}

// Validator is the validator with address addr, nil if none.
func (Keeper) Validator(kv store.KV, addr string) (*Validator, error) {
	b := kv.Get(ValidatorKey(addr))
	if b == nil {
		return nil, nil
	}
	return decode[Validator](b)
}

// Validators visits the validator set in address order.
func (Keeper) Validators(kv store.KV, fn func(*Validator) bool) error {
	return iterate(kv, prefixValidator, fn)
}

// Changes visits the validator changes of heights from..to (inclusive), in
// height then address order.
func (Keeper) Changes(kv store.KV, from, to int64, fn func(*ValidatorChange) bool) error {
	var err error
	start := []byte(fmt.Sprintf("%s%020d/", prefixValidatorChange, max(from, 0)))
	end := []byte(fmt.Sprintf("%s%020d/", prefixValidatorChange, to+1))
	kv.Iterate(start, end, false, func(_, v []byte) bool {
		var c *ValidatorChange
		if c, err = decode[ValidatorChange](v); err != nil {
			return false
		}
		return fn(c)
	})
	return err
}

func iterate[T any](kv store.KV, prefix string, fn func(*T) bool) error {
	p := []byte(prefix)
	var err error
	kv.Iterate(p, store.PrefixEnd(p), false, func(_, v []byte) bool {
		var x *T
		if x, err = decode[T](v); err != nil {
			return false
		}
		return fn(x)
	})
	return err
}

// Address is the CometBFT address of a consensus key, as stored.
func Address(pub ed25519.PubKey) string { return strings.ToUpper(pub.Address().String()) }

// InitValidators records the genesis validator set (InitChain's), each
// with a change record at height 0. Only ed25519 keys are accepted.
func (k Keeper) InitValidators(kv store.KV, vals []abci.ValidatorUpdate, effective int64) error {
	for _, u := range vals {
		raw := u.PubKey.GetEd25519()
		if len(raw) != ed25519.PubKeySize {
			return fmt.Errorf("genesis validator key %v is not ed25519", u.PubKey)
		}
		if u.Power <= 0 {
			continue
		}
		pub := ed25519.PubKey(raw)
		v := &Validator{Address: Address(pub), PubKey: base64.StdEncoding.EncodeToString(pub), Power: u.Power}
		if kv.Has(ValidatorKey(v.Address)) {
			return fmt.Errorf("genesis validator %s listed twice", v.Address)
		}
		store.PutJSON(kv, ValidatorKey(v.Address), v)
		store.PutJSON(kv, ValidatorChangeKey(0, v.Address), &ValidatorChange{
			EffectiveHeight: effective, Address: v.Address, PubKey: v.PubKey, Power: v.Power,
		})
	}
	return nil
}

// SetValidator adds, re-weights or removes (power 0) the validator with
// key pub at height, and records the change; version is the protocol
// version the chain runs (its rules decide the limits).
func (k Keeper) SetValidator(kv store.KV, height int64, version uint64, pub ed25519.PubKey, power int64, name string, approvers []string) (*ValidatorChange, error) {
	addr := Address(pub)
	cur, err := k.Validator(kv, addr)
	if err != nil {
		return nil, err
	}
	var oldPower int64
	if cur != nil {
		oldPower = cur.Power
		if name == "" {
			name = cur.Name
		}
	}
	if cur == nil && power == 0 {
		return nil, ErrNotValidator.Wrapf("%s is not a validator", addr)
	}
	if cur != nil && cur.Power == power && cur.Name == name {
		return nil, ErrNoChange.Wrapf("%s already has power %d", addr, power)
	}
	var total int64
	count := 0
	if err := k.Validators(kv, func(v *Validator) bool { total += v.Power; count++; return true }); err != nil {
		return nil, err
	}
	newTotal := total - oldPower + power
	switch {
	case cur == nil:
		count++
	case power == 0:
		count--
	}
	if count == 0 {
		return nil, ErrEmptySet.Wrapf("%s is the last validator", addr)
	}
	if count > MaxValidators {
		return nil, ErrTooManyPower.Wrapf("at most %d validators", MaxValidators)
	}
	if newTotal > types.MaxTotalVotingPower {
		return nil, ErrTooManyPower.Wrapf("total power %d above %d", newTotal, types.MaxTotalVotingPower)
	}
	ckey := ValidatorChangeKey(height, addr)
	rec := &ValidatorChange{OldPower: oldPower}
	if b := kv.Get(ckey); b != nil { // changed before in this block
		if rec, err = decode[ValidatorChange](b); err != nil {
			return nil, err
		}
	}
	rec.Height, rec.EffectiveHeight = height, height+2
	rec.Address, rec.PubKey, rec.Name, rec.Power = addr, base64.StdEncoding.EncodeToString(pub), name, power
	rec.Approvers = approvers
	if version >= ProtocolPowerLimit {
		// The block's changes so far with this one: the power they move
		// against the set's total before the block.
		var moved, net int64
		err := k.Changes(kv, height, height, func(c *ValidatorChange) bool {
			if c.Address != addr {
				moved += abs(c.Power - c.OldPower)
				net += c.Power - c.OldPower
			}
			return true
		})
		if err != nil {
			return nil, err
		}
		moved += abs(rec.Power - rec.OldPower)
		net += rec.Power - rec.OldPower
		if before := newTotal - net; 3*moved >= before {
			return nil, ErrPowerShift.Wrapf("this block's changes move %d of %d", moved, before)
		}
	}
	if power == 0 {
		kv.Delete(ValidatorKey(addr))
	} else {
		store.PutJSON(kv, ValidatorKey(addr), &Validator{Address: addr, PubKey: rec.PubKey, Power: power, Name: name})
	}
	store.PutJSON(kv, ckey, rec)
	return rec, nil
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// Updates are the CometBFT validator updates of the block at height: one
// per validator whose power the block changed, in address order (a
// validator added and removed in the same block is no update at all).
func (k Keeper) Updates(kv store.KV, height int64) ([]abci.ValidatorUpdate, error) {
	var out []abci.ValidatorUpdate
	var bad error
	err := k.Changes(kv, height, height, func(c *ValidatorChange) bool {
		if c.Power == c.OldPower {
			return true
		}
		pub, err := ParseConsensusKey(c.PubKey)
		if err != nil {
			bad = fmt.Errorf("%w: %v", ErrCorruptRecord, err)
			return false
		}
		out = append(out, abci.Ed25519ValidatorUpdate(pub, c.Power))
		return true
	})
	if err == nil {
		err = bad
	}
	return out, err
}

// Plan is the scheduled upgrade, nil if none.
func (Keeper) Plan(kv store.KV) (*Plan, error) {
	b := kv.Get(keyPlan)
	if b == nil {
		return nil, nil
	}
	return decode[Plan](b)
}

// SetPlan schedules p (replacing nothing: the handler checks).
func (Keeper) SetPlan(kv store.KV, p *Plan) { store.PutJSON(kv, keyPlan, p) }

// DeletePlan removes the scheduled upgrade.
func (Keeper) DeletePlan(kv store.KV) { kv.Delete(keyPlan) }

// RecordApplied records an upgrade that took effect.
func (Keeper) RecordApplied(kv store.KV, u *AppliedUpgrade) {
	store.PutJSON(kv, AppliedKey(u.Height), u)
}

// Applied visits the applied upgrades in height order.
func (Keeper) Applied(kv store.KV, fn func(*AppliedUpgrade) bool) error {
	return iterate(kv, prefixApplied, fn)
}
