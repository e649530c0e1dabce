package governance

import "github.com/publica/publica/errs"

// Codespace of this module's errors. Codes are stable; see docs/errors.md.
const Codespace = ModuleName

var (
	ErrNotValidator     = errs.Register(Codespace, 2, "no such validator")
	ErrNoChange         = errs.Register(Codespace, 3, "the validator already has that power and name")
	ErrEmptySet         = errs.Register(Codespace, 4, "the change would leave no validator")
	ErrTooManyPower     = errs.Register(Codespace, 5, "the change exceeds the validator set's limits")
	ErrPowerShift       = errs.Register(Codespace, 6, "one block's validator changes would move a third or more of the voting power")
	ErrUpgradeScheduled = errs.Register(Codespace, 7, "an upgrade is already scheduled")
	ErrNoUpgrade        = errs.Register(Codespace, 8, "no such scheduled upgrade")
	ErrUpgradeHeight    = errs.Register(Codespace, 9, "upgrade height too soon")
	ErrUpgradeVersion   = errs.Register(Codespace, 10, "upgrade must raise the protocol version")
	ErrUpgradeName      = errs.Register(Codespace, 11, "an upgrade with that name was already applied")
)
