package authority

import "github.com/publica/publica/errs"

// Codespace of this module's errors. Codes are stable; see docs/errors.md.
const Codespace = ModuleName

var (
	ErrAccountExists  = errs.Register(Codespace, 2, "account already exists")
	ErrUnknownAccount = errs.Register(Codespace, 3, "no such account")
	ErrRoleHeld       = errs.Register(Codespace, 4, "account already holds the role")
	ErrRoleNotHeld    = errs.Register(Codespace, 5, "account does not hold the role")
	ErrNoQuorum       = errs.Register(Codespace, 6, "not enough authority signatures")
	ErrInvalidGenesis = errs.Register(Codespace, 7, "invalid authority genesis")
	ErrSameAuthority  = errs.Register(Codespace, 8, "the authority set already has those members and threshold")
)
