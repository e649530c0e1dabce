package ballot

import "github.com/publica/publica/errs"

// Codespace of this module's errors. Codes are stable; see docs/errors.md
// and docs/ballot.md.
const Codespace = ModuleName

var (
	ErrInvalidElection     = errs.Register(Codespace, 2, "invalid election definition")
	ErrElectionExists      = errs.Register(Codespace, 3, "election already exists")
	ErrUnknownElection     = errs.Register(Codespace, 4, "no such election")
	ErrNotOfficial         = errs.Register(Codespace, 5, "signer is not the election's official")
	ErrNotTrustee          = errs.Register(Codespace, 6, "signer is not a trustee of the election")
	ErrWrongPhase          = errs.Register(Codespace, 7, "not allowed in the election's current phase")
	ErrDuplicate           = errs.Register(Codespace, 8, "already submitted")
	ErrInvalidDealing      = errs.Register(Codespace, 9, "invalid key-ceremony dealing")
	ErrNoComplaint         = errs.Register(Codespace, 10, "no open complaint")
	ErrTooFewDealers       = errs.Register(Codespace, 11, "fewer qualified dealers than the threshold")
	ErrNotOpen             = errs.Register(Codespace, 12, "election is not open yet")
	ErrClosed              = errs.Register(Codespace, 13, "election is closed")
	ErrNotEligible         = errs.Register(Codespace, 14, "voter is not eligible")
	ErrMalformedBallot     = errs.Register(Codespace, 15, "ballot does not decode")
	ErrInvalidPoint        = errs.Register(Codespace, 16, "ballot holds a malformed group element")
	ErrWrongElection       = errs.Register(Codespace, 17, "ballot is bound to another election")
	ErrWrongVoter          = errs.Register(Codespace, 18, "ballot is bound to another voter")
	ErrBallotShape         = errs.Register(Codespace, 19, "ballot does not match the election's questions")
	ErrSelectionProof      = errs.Register(Codespace, 20, "a selection proof does not verify (not an encryption of 0 or 1)")
	ErrRangeProof          = errs.Register(Codespace, 21, "a question-total proof does not verify (too many or too few selections)")
	ErrInvalidPartial      = errs.Register(Codespace, 22, "invalid partial decryption")
	ErrNotClosed           = errs.Register(Codespace, 23, "election has not closed yet")
	ErrAlreadyTallied      = errs.Register(Codespace, 24, "election is already tallied")
	ErrTallyFailed         = errs.Register(Codespace, 25, "tally does not decrypt to a count")
	ErrUnsupportedRule     = errs.Register(Codespace, 26, "eligibility rule not supported by this chain")
	ErrInvalidGenesis      = errs.Register(Codespace, 27, "invalid ballot genesis")
	ErrCorrupt             = errs.Register(Codespace, 28, "corrupt ballot record")
	ErrInvalidRoll         = errs.Register(Codespace, 29, "invalid voter roll change")
	ErrComplaintNotAllowed = errs.Register(Codespace, 30, "complaint not allowed")
)
