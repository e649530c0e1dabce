package app

import (
	"fmt"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"

	"github.com/publica/publica/errs"
	"github.com/publica/publica/store"
	"github.com/publica/publica/x/authority"
	"github.com/publica/publica/x/governance"
)

// Protocol versions. A chain runs one protocol version at a time (recorded
// in state, governance/version, and in every header's version.app); this
// binary knows the rules of each version up to ProtocolVersion, so it can
// run or replay any chain that never went past it. Every change of the
// state machine's rules is a new version here, gated on the chain's
// version, and reaches a running chain only through a scheduled upgrade
// (docs/network.md).
//
//	1  the rules before governance: no validator or version records, no
//	   governance messages (chains made before they existed; a genesis
//	   whose consensus_params.version.app is 0 or 1).
//	2  governance: the authority set changes validators, itself and its
//	   threshold, and schedules upgrades (x/governance, authority/set-authority).
//	3  one block's validator changes move less than a third of the voting
//	   power (governance.ProtocolPowerLimit).
//	4  a key that controls the account its hash names has no
//	   authority/pubkey/ entry; the account record answers for it
//	   (authority.ProtocolSparseKeyIndex; the upgrade deletes the
//	   redundant entries).
const ProtocolVersion = authority.ProtocolSparseKeyIndex

// introducedIn is the first protocol version with each message type; on a
// chain at an earlier version the type is unknown, exactly as it was to the
// software of that version.
var introducedIn = map[string]uint64{
	authority.TypeSetAuthority:     governance.ProtocolGovernance,
	governance.TypeSetValidator:    governance.ProtocolGovernance,
	governance.TypeScheduleUpgrade: governance.ProtocolGovernance,
	governance.TypeCancelUpgrade:   governance.ProtocolGovernance,
}

// migrations run when a chain's version reaches the key, before the
// upgrade block's transactions; a chain born at a version runs those up to
// it on its empty state, before the modules' genesis (so its genesis
// records are written under that version's rules).
var migrations = map[uint64]func(kv store.KV) error{
	authority.ProtocolSparseKeyIndex: func(kv store.KV) error {
		_, err := authority.Keeper{}.MakeKeyIndexSparse(kv)
		return err
	},
}

// UpgradeNeededError is the halt of a node whose software does not know
// the protocol version an upgrade switches to at this height.
type UpgradeNeededError struct {
	Plan      governance.Plan
	Supported uint64 // the highest protocol version this software knows
}

func (e *UpgradeNeededError) Error() string {
	run := fmt.Sprintf("a publica release that supports protocol version %d", e.Plan.Version)
	if e.Plan.Info != "" {
		run += " (" + e.Plan.Info + ")"
	}
	return fmt.Sprintf("UPGRADE NEEDED at height %d: upgrade %q switches the chain to protocol version %d, "+
		"and this software (publica %s) supports protocol versions up to %d. Stop this node and start %s "+
		"on the same home: it continues from this node's state", e.Plan.Height, e.Plan.Name, e.Plan.Version,
		Version, e.Supported, run)
}

// UnsupportedVersionError is a chain already at a protocol version this
// software does not know.
type UnsupportedVersionError struct {
	Version, Supported uint64
	Since              int64
}

func (e *UnsupportedVersionError) Error() string {
	return fmt.Sprintf("this chain runs protocol version %d since height %d; this software (publica %s) supports up to %d: run a newer release",
		e.Version, e.Since, Version, e.Supported)
}

// LimitProtocol makes the application behave as a release that knows
// protocol versions up to v only (v ≥ 1). It exists to rehearse upgrades:
// the same binary plays the old software (publica start --max-protocol),
// and stops at an upgrade to a later version as an old release would.
func (a *App) LimitProtocol(v uint64) {
	if v >= 1 && v < ProtocolVersion {
		a.maxProtocol = v
	}
}

// SupportedProtocol is the highest protocol version this application runs.
func (a *App) SupportedProtocol() uint64 {
	if a.maxProtocol != 0 {
		return a.maxProtocol
	}
	return ProtocolVersion
}

// Protocol is the protocol version of the latest committed state.
func (a *App) Protocol() uint64 {
	if v := a.committedVersion.Load(); v != 0 {
		return v
	}
	return 1
}

// CheckSupported refuses a committed state whose protocol version this
// software does not know.
func (a *App) CheckSupported() error {
	r, err := a.net.Keeper.VersionRecord(a.store.Working())
	if err != nil || r == nil {
		return err
	}
	if r.Version > a.SupportedProtocol() {
		return &UnsupportedVersionError{Version: r.Version, Supported: a.SupportedProtocol(), Since: r.Since}
	}
	return nil
}

// ScheduledUpgrade is the upgrade scheduled in the committed state, nil if
// none.
func (a *App) ScheduledUpgrade() *governance.Plan {
	p, _ := a.net.Keeper.Plan(a.store.Working())
	return p
}

func (a *App) loadCommittedVersion() {
	a.committedVersion.Store(a.net.Keeper.Version(a.store.Working()))
}

// genesisVersion is the protocol version genesis.json's
// consensus_params.version.app asks for (0 when it names none).
func genesisVersion(req *abci.RequestInitChain) uint64 {
	if p := req.ConsensusParams; p != nil && p.Version != nil {
		return p.Version.App
	}
	return 0
}

// genesisMigrations runs, on the empty state of a chain born at a protocol
// version, the migrations up to that version, so the modules' genesis
// writes its records under that version's rules (a version this software
// does not know is refused by initGovernance).
func genesisMigrations(kv store.KV, req *abci.RequestInitChain) error {
	for v := uint64(2); v <= min(genesisVersion(req), ProtocolVersion); v++ {
		if m := migrations[v]; m != nil {
			if err := m(kv); err != nil {
				return fmt.Errorf("protocol version %d: %w", v, err)
			}
		}
	}
	return nil
}

// initGovernance records the genesis protocol version (genesis.json's
// consensus_params.version.app; 0 or 1 is version 1, which records
// nothing) and, from version 2, the genesis validator set. The params it
// returns make CometBFT's state and headers carry the version.
func (a *App) initGovernance(kv store.KV, req *abci.RequestInitChain) (*cmtproto.ConsensusParams, error) {
	v := genesisVersion(req)
	if v <= 1 {
		return nil, nil
	}
	if v > a.SupportedProtocol() {
		return nil, fmt.Errorf("genesis runs protocol version %d (consensus_params.version.app); this software supports up to %d", v, a.SupportedProtocol())
	}
	initial := max(req.InitialHeight, 1)
	a.net.Keeper.SetVersion(kv, v, initial)
	if err := a.net.Keeper.InitValidators(kv, req.Validators, initial); err != nil {
		return nil, err
	}
	return &cmtproto.ConsensusParams{Version: &cmtproto.VersionParams{App: v}}, nil
}

// beginBlock applies an upgrade scheduled for this height, before the
// block's transactions, and returns the version the block runs and the
// consensus params update that puts the new version in the headers from
// the next block on. Software that does not know the new version halts
// here (an error from FinalizeBlock stops consensus) with an
// UpgradeNeededError saying what to run.
func (a *App) beginBlock(kv store.KV, height int64) (uint64, *cmtproto.ConsensusParams, error) {
	cur := a.net.Keeper.Version(kv)
	if cur < governance.ProtocolGovernance {
		return cur, nil, nil
	}
	plan, err := a.net.Keeper.Plan(kv)
	if err != nil {
		return 0, nil, err
	}
	if plan == nil || plan.Height > height {
		return cur, nil, nil
	}
	if plan.Version > a.SupportedProtocol() {
		e := &UpgradeNeededError{Plan: *plan, Supported: a.SupportedProtocol()}
		a.upgradeNeeded.Store(e)
		return 0, nil, e
	}
	for v := cur + 1; v <= plan.Version; v++ {
		if m := migrations[v]; m != nil {
			if err := m(kv); err != nil {
				return 0, nil, fmt.Errorf("upgrade %q: migration to version %d: %w", plan.Name, v, err)
			}
		}
	}
	a.net.Keeper.SetVersion(kv, plan.Version, height)
	a.net.Keeper.RecordApplied(kv, &governance.AppliedUpgrade{Plan: *plan, FromVersion: cur})
	a.net.Keeper.DeletePlan(kv)
	return plan.Version, &cmtproto.ConsensusParams{Version: &cmtproto.VersionParams{App: plan.Version}}, nil
}

// UpgradeNeeded is the halt at an upgrade this software does not know,
// nil if none happened.
func (a *App) UpgradeNeeded() *UpgradeNeededError { return a.upgradeNeeded.Load() }

// msgAvailable refuses a message type the chain's version does not have
// yet, with the result the software of that version gave.
func msgAvailable(msgType string, version uint64) error {
	if v, ok := introducedIn[msgType]; ok && version < v {
		return errs.UnknownMsgType.Wrapf("%q", msgType)
	}
	return nil
}

// endBlock returns the block's validator updates, sorted by address.
func (a *App) endBlock(kv store.KV, height int64, version uint64) ([]abci.ValidatorUpdate, error) {
	if version < governance.ProtocolGovernance {
		return nil, nil
	}
	return a.net.Keeper.Updates(kv, height)
}

// RecordedValidators is the validator set recorded in the latest state
// (protocol 2 on), in address order; nil on a chain without records.
func (a *App) RecordedValidators() ([]governance.Validator, error) {
	var out []governance.Validator
	err := a.net.Keeper.Validators(a.store.Working(), func(v *governance.Validator) bool {
		out = append(out, *v)
		return true
	})
	return out, err
}
