package governance

import (
	"encoding/json"

	"github.com/publica/publica/module"
	"github.com/publica/publica/store"
)

// Module is the network governance module.
type Module struct {
	Keeper Keeper
	auth   AuthorityKeeper
}

var _ module.Module = (*Module)(nil)

// New returns the module; auth supplies the authority's quorum rule.
func New(auth AuthorityKeeper) *Module { return &Module{auth: auth} }

// Name is the module name, its codespace and its query/key prefix.
func (*Module) Name() string { return ModuleName }

// Messages declares the module's message types. CheckTx runs each handler
// against the committed state, so a change the state would refuse stays
// out of the mempool.
func (m *Module) Messages() []module.MsgSpec {
	return []module.MsgSpec{
		module.Handle(TypeSetValidator, m.setValidator).CheckedInCheckTx(),
		module.Handle(TypeScheduleUpgrade, m.scheduleUpgrade).CheckedInCheckTx(),
		module.Handle(TypeCancelUpgrade, m.cancelUpgrade).CheckedInCheckTx(),
	}
}

// InitGenesis accepts an empty or {} genesis: the validators and the
// protocol version come from InitChain (see app/governance.go).
func (m *Module) InitGenesis(_ store.KV, raw json.RawMessage) error {
	if len(raw) == 0 {
		return nil
	}
	var g Genesis
	return json.Unmarshal(raw, &g)
}

// ExportGenesis writes nothing: an exported chain starts a new history.
func (m *Module) ExportGenesis(store.KV) (json.RawMessage, error) { return json.RawMessage(`{}`), nil }
