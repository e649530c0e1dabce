package identity

import "github.com/publica/publica/module"

// Module is the identity module.
type Module struct {
	Keeper Keeper
	auth   AuthorityKeeper
}

var _ module.Module = (*Module)(nil)

// New returns the module over the authority keeper.
func New(auth AuthorityKeeper) *Module { return &Module{Keeper: Keeper{auth: auth}, auth: auth} }

// Name is the module name, codespace and key prefix.
func (*Module) Name() string { return ModuleName }

// Message types of this module.
const (
	TypeRegisterSchema      = "identity/register-schema"
	TypeAccreditIssuer      = "identity/accredit-issuer"
	TypeSetIssuerStatus     = "identity/set-issuer-status"
	TypeAnchorCredential    = "identity/anchor-credential"
	TypeSetStatus           = "identity/set-status"
	TypePublishStatusList   = "identity/publish-status-list"
	TypeRotateKey           = "identity/rotate-key"
	TypeUpdateDID           = "identity/update-did"
	TypeDeactivateDID       = "identity/deactivate-did"
	TypeRequestRecovery     = "identity/request-recovery"
	TypeCancelRecovery      = "identity/cancel-recovery"
	TypeCompleteRecovery    = "identity/complete-recovery"
	TypeRegisterEligibility = "identity/register-eligibility"
)

// Messages declares the module's message types; each handler lives in the
// file of its dealing: handler_issuers.go, handler_credentials.go,
// handler_dids.go, handler_eligibility.go.
func (m *Module) Messages() []module.MsgSpec {
	return []module.MsgSpec{
		module.Handle(TypeRegisterSchema, m.registerSchema),
		module.Handle(TypeAccreditIssuer, m.accreditIssuer),
		module.Handle(TypeSetIssuerStatus, m.setIssuerStatus),
		module.Handle(TypeAnchorCredential, m.anchorCredential),
		module.Handle(TypeSetStatus, m.setStatus),
		module.Handle(TypePublishStatusList, m.publishStatusList),
		module.Handle(TypeRotateKey, m.rotateKey),
		module.Handle(TypeUpdateDID, m.updateDID),
		module.Handle(TypeDeactivateDID, m.deactivateDID),
		module.Handle(TypeRequestRecovery, m.requestRecovery),
		module.Handle(TypeCancelRecovery, m.cancelRecovery),
		module.Handle(TypeCompleteRecovery, m.completeRecovery),
		// The presentation (signatures, proofs) is verified in CheckTx too,
		// so a bad one never reaches a block.
		module.WithPrepare(module.Handle(TypeRegisterEligibility, m.registerEligibility).CheckedInCheckTx(),
			m.prepareEligibility),
	}
}
