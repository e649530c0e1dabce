package land

import "github.com/publica/publica/module"

// Message types of this module.
const (
	TypeRegisterParcel   = "land/register-parcel"
	TypeRegisterParcels  = "land/register-parcels"
	TypeRegisterTitle    = "land/register-title"
	TypeRegisterTitles   = "land/register-titles"
	TypeOfferTransfer    = "land/offer-transfer"
	TypeAcceptTransfer   = "land/accept-transfer"
	TypeWithdrawOffer    = "land/withdraw-offer"
	TypeRegisterTransfer = "land/register-transfer"
	TypeTransfer         = "land/transfer"
	TypeTransmit         = "land/transmit"
	TypeRegisterMortgage = "land/register-mortgage"
	TypeDischarge        = "land/discharge-mortgage"
	TypeRegisterLease    = "land/register-lease"
	TypeEndLease         = "land/end-lease"
	TypeRegisterEasement = "land/register-easement"
	TypeEndEasement      = "land/end-easement"
	TypeLodgeCaveat      = "land/lodge-caveat"
	TypeWithdrawCaveat   = "land/withdraw-caveat"
	TypeRemoveCaveat     = "land/remove-caveat"
	TypeExamineCaveat    = "land/examine-caveat"
	TypeSubdivide        = "land/subdivide"
	TypeMerge            = "land/merge"
	TypeCorrect          = "land/correct"
	TypeRegisterParty    = "land/register-party"
	TypeAmendParty       = "land/amend-party"
)

// Module is the land registry module.
type Module struct {
	Keeper Keeper
	roles  RoleChecker
}

var _ module.Module = (*Module)(nil)

// New returns the module; roles answers whether an account is a clerk
// (the authority module's keeper; nil for a module that only decodes
// messages, such as the CLI's).
func New(roles RoleChecker) *Module { return &Module{roles: roles} }

// Name is the module name, its codespace and its key/query prefix.
func (*Module) Name() string { return ModuleName }

// Messages declares the module's message types. Each is handled in one
// file by kind of dealing: handler_parcels.go (register a parcel or a
// batch of them, subdivide, merge, correct), handler_titles.go (register title,
// transfers, transmission) and handler_rights.go (mortgages, leases,
// easements, caveats), handler_parties.go (party records and the
// signature rules through them).
func (m *Module) Messages() []module.MsgSpec {
	specs := []module.MsgSpec{
		module.Handle(TypeRegisterParcel, m.registerParcel),
		module.Handle(TypeRegisterParcels, m.registerParcels),
		module.Handle(TypeRegisterTitle, m.registerTitle),
		module.Handle(TypeRegisterTitles, m.registerTitles),
		module.Handle(TypeOfferTransfer, m.offerTransfer),
		module.Handle(TypeAcceptTransfer, m.acceptTransfer),
		module.Handle(TypeWithdrawOffer, m.withdrawOffer),
		module.Handle(TypeRegisterTransfer, m.registerTransfer),
		module.Handle(TypeTransfer, m.transfer),
		module.Handle(TypeTransmit, m.transmit),
		module.Handle(TypeRegisterMortgage, m.registerMortgage),
		module.Handle(TypeDischarge, m.dischargeMortgage),
		module.Handle(TypeRegisterLease, m.registerLease),
		module.Handle(TypeEndLease, m.endLease),
		module.Handle(TypeRegisterEasement, m.registerEasement),
		module.Handle(TypeEndEasement, m.endEasement),
		module.Handle(TypeLodgeCaveat, m.lodgeCaveat),
		module.Handle(TypeWithdrawCaveat, m.withdrawCaveat),
		module.Handle(TypeRemoveCaveat, m.removeCaveat),
		module.Handle(TypeExamineCaveat, m.examineCaveat),
		module.Handle(TypeSubdivide, m.subdivide),
		module.Handle(TypeMerge, m.merge),
		module.Handle(TypeCorrect, m.correct),
		module.Handle(TypeRegisterParty, m.registerParty),
		module.Handle(TypeAmendParty, m.amendParty),
	}
	// A dealing's handler reads a dozen records and is cheap: a block may
	// run it ahead to read them in (app/readahead.go). A batch of a
	// thousand parcels or titles is not cheap, and reads its records as it
	// goes.
	for i, s := range specs {
		if s.Type != TypeRegisterParcels && s.Type != TypeRegisterTitles {
			specs[i] = s.ReadsAhead()
		}
	}
	return specs
}
