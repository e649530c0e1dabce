package land

import "github.com/publica/publica/errs"

// Codespace of this module's errors. Codes are stable; see docs/land.md.
const Codespace = ModuleName

var (
	ErrBadGeometry      = errs.Register(Codespace, 2, "invalid geometry")
	ErrOverlap          = errs.Register(Codespace, 3, "parcel overlaps an active parcel")
	ErrUnknownParcel    = errs.Register(Codespace, 4, "no such parcel")
	ErrParcelRetired    = errs.Register(Codespace, 5, "parcel is retired")
	ErrDuplicateRef     = errs.Register(Codespace, 6, "cadastral reference already registered")
	ErrParcelTitled     = errs.Register(Codespace, 7, "parcel already belongs to a title")
	ErrUnknownTitle     = errs.Register(Codespace, 8, "no such title")
	ErrTitleCancelled   = errs.Register(Codespace, 9, "title is cancelled")
	ErrBadShares        = errs.Register(Codespace, 10, "invalid shares")
	ErrNotOwner         = errs.Register(Codespace, 11, "party does not hold the share")
	ErrMissingSignature = errs.Register(Codespace, 12, "a required party has not signed")
	ErrNotClerk         = errs.Register(Codespace, 13, "signer is not a land clerk")
	ErrUnknownOffer     = errs.Register(Codespace, 14, "no such offer")
	ErrOfferExpired     = errs.Register(Codespace, 15, "offer has expired")
	ErrOfferState       = errs.Register(Codespace, 16, "offer is not in the required state")
	ErrCaveat           = errs.Register(Codespace, 17, "title is frozen by a caveat")
	ErrRankTaken        = errs.Register(Codespace, 18, "mortgage rank already taken")
	ErrUnknownRight     = errs.Register(Codespace, 19, "no such right or restriction on the title")
	ErrNotLodger        = errs.Register(Codespace, 20, "only the lodging party may withdraw the caveat")
	ErrNotLender        = errs.Register(Codespace, 21, "only the lender may discharge the mortgage")
	ErrBadDocument      = errs.Register(Codespace, 22, "document hash is not 64 hex digits of SHA-256")
	ErrSubdivision      = errs.Register(Codespace, 23, "children do not partition the parent parcel")
	ErrMerge            = errs.Register(Codespace, 24, "parcels cannot be merged")
	ErrParcelTooLarge   = errs.Register(Codespace, 25, "parcel spans too many spatial index cells")
	ErrInvalidGenesis   = errs.Register(Codespace, 26, "invalid land genesis")
	ErrBadQuery         = errs.Register(Codespace, 27, "invalid land query")
	ErrNotLessee        = errs.Register(Codespace, 28, "only the lessee or a clerk may end the lease")
	ErrUnknownParty     = errs.Register(Codespace, 29, "no such party")
)
