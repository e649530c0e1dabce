// Package governance keeps the network's governance records: the validator
// set with the history of every change, the protocol version the chain
// runs and scheduled upgrades. The authority set (k of n, x/authority)
// makes every change; the application turns the records into CometBFT
// validator updates and halts a node whose software is too old for an
// upgrade (see app/governance.go and docs/network.md).
package governance

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"strconv"

	"github.com/cometbft/cometbft/crypto/ed25519"

	"github.com/publica/publica/errs"
)

const ModuleName = "governance"

// Message types of this module.
const (
	TypeSetValidator    = "governance/set-validator"
	TypeScheduleUpgrade = "governance/schedule-upgrade"
	TypeCancelUpgrade   = "governance/cancel-upgrade"
)

// Limits.
const (
	// MaxPower is the largest voting power of one validator.
	MaxPower = int64(1) << 40
	// MaxValidators is the largest validator set.
	MaxValidators = 100
	// MaxNameLen bounds a validator's or an upgrade's name; MaxInfoLen an
	// upgrade's info.
	MaxNameLen = 64
	MaxInfoLen = 512
	// UpgradeMinDelay is how many blocks ahead an upgrade must be
	// scheduled at least (operators need time to install the software).
	UpgradeMinDelay = 2
)

// Protocol versions whose rules this module distinguishes.
const (
	// ProtocolGovernance (2) is the first version with governance: the
	// validator set is recorded in state and changed by the authority.
	ProtocolGovernance = 2
	// ProtocolPowerLimit (3): one block's validator changes move less
	// than a third of the voting power (light clients that skip heights
	// trust a third of the old set).
	ProtocolPowerLimit = 3
)

// Validator is one member of the validator set: a CometBFT consensus key
// (ed25519) and its voting power.
type Validator struct {
	Address string `json:"address"` // CometBFT address (hex, upper case)
	PubKey  string `json:"pubkey"`  // base64 ed25519 key, as in priv_validator_key.json
	Power   int64  `json:"power"`
	Name    string `json:"name,omitempty"`
}

// ValidatorChange is the record of one validator's change at one height
// (several messages changing the same validator in one block make one
// record). CometBFT applies it from EffectiveHeight = Height + 2.
type ValidatorChange struct {
	Height          int64    `json:"height"` // 0: genesis
	EffectiveHeight int64    `json:"effective_height"`
	Address         string   `json:"address"`
	PubKey          string   `json:"pubkey"`
	Name            string   `json:"name,omitempty"`
	OldPower        int64    `json:"old_power"`
	Power           int64    `json:"power"`
	Approvers       []string `json:"approvers,omitempty"` // authority members who signed
}

// Plan is a scheduled upgrade: from block Height the chain runs protocol
// Version; a node whose software does not know that version stops at
// Height and says so.
type Plan struct {
	Name    string `json:"name"`
	Height  int64  `json:"height"`
	Version uint64 `json:"version"`
	// Info tells operators what to run, e.g. "publica v0.3.0 (protocol 3)".
	Info string `json:"info,omitempty"`
}

// AppliedUpgrade is the record of an upgrade that took effect.
type AppliedUpgrade struct {
	Plan
	FromVersion uint64 `json:"from_version"`
}

// VersionRecord is the protocol version the chain runs and the height from
// which it does.
type VersionRecord struct {
	Version uint64 `json:"version"`
	Since   int64  `json:"since"`
}

// MsgSetValidator adds, re-weights (Power > 0) or removes (Power 0) the
// validator with consensus key PubKey; it needs the authority's quorum.
type MsgSetValidator struct {
	PubKey string `json:"pubkey"` // base64 ed25519 consensus key
	Power  int64  `json:"power"`
	Name   string `json:"name,omitempty"`
}

func (m *MsgSetValidator) ValidateBasic() error {
	if _, err := ParseConsensusKey(m.PubKey); err != nil {
		return errs.InvalidMsg.Wrap(err)
	}
	if m.Power < 0 || m.Power > MaxPower {
		return errs.InvalidMsg.Wrapf("power %d outside 0..%d (0 removes the validator)", m.Power, MaxPower)
	}
	if len(m.Name) > MaxNameLen {
		return errs.InvalidMsg.Wrapf("name longer than %d bytes", MaxNameLen)
	}
	return nil
}

var upgradeName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// MsgScheduleUpgrade schedules Plan; it needs the authority's quorum.
type MsgScheduleUpgrade struct {
	Plan
}

func (m *MsgScheduleUpgrade) ValidateBasic() error {
	if !upgradeName.MatchString(m.Name) {
		return errs.InvalidMsg.Wrapf("upgrade name %q: want 1-64 of a-z 0-9 . _ - starting with a letter or digit", m.Name)
	}
	if m.Height < 1 {
		return errs.InvalidMsg.Wrapf("upgrade height %d must be positive", m.Height)
	}
	if m.Version < 1 {
		return errs.InvalidMsg.Wrapf("protocol version must be positive")
	}
	if len(m.Info) > MaxInfoLen {
		return errs.InvalidMsg.Wrapf("info longer than %d bytes", MaxInfoLen)
	}
	return nil
}

// MsgCancelUpgrade cancels the scheduled upgrade Name before its height;
// it needs the authority's quorum.
type MsgCancelUpgrade struct {
	Name string `json:"name"`
}

func (m *MsgCancelUpgrade) ValidateBasic() error {
	if !upgradeName.MatchString(m.Name) {
		return errs.InvalidMsg.Wrapf("upgrade name %q is not valid", m.Name)
	}
	return nil
}

// ParseConsensusKey decodes a base64 ed25519 consensus public key.
func ParseConsensusKey(s string) (ed25519.PubKey, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) != ed25519.PubKeySize {
		return nil, fmt.Errorf("consensus key %q is not a base64 ed25519 public key (32 bytes)", s)
	}
	return ed25519.PubKey(b), nil
}

// Genesis is the module's genesis state: nothing (the validators come from
// genesis.json's "validators", the protocol version from its
// consensus_params.version.app). It exists so that exported state names
// the module.
type Genesis struct{}

// FormatHeight is a height as query paths spell it.
func FormatHeight(h int64) string { return strconv.FormatInt(h, 10) }
