package authority

import "github.com/publica/publica/module"

// Message types of this module.
const (
	TypeRegisterAccount = "authority/register-account"
	TypeGrantRole       = "authority/grant-role"
	TypeRevokeRole      = "authority/revoke-role"
)

// Module is the authority module.
type Module struct{ Keeper Keeper }

var _ module.Module = (*Module)(nil)

// New returns the module.
func New() *Module { return &Module{} }

// Name is the module name, its codespace and its query/key prefix.
func (*Module) Name() string { return ModuleName }

// Messages declares the module's message types.
func (m *Module) Messages() []module.MsgSpec {
	return []module.MsgSpec{
		module.Handle(TypeRegisterAccount, m.registerAccount),
		module.Handle(TypeGrantRole, m.grantRole),
		module.Handle(TypeRevokeRole, m.revokeRole),
		module.Handle(TypeSetAuthority, m.setAuthority).CheckedInCheckTx(),
	}
}
