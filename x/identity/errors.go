package identity

import "github.com/publica/publica/errs"

// Codespace of this module's errors. Codes are stable; see docs/identity.md.
const Codespace = ModuleName

// Errors of transactions.
var (
	ErrInvalidGenesis   = errs.Register(Codespace, 2, "invalid identity genesis")
	ErrSchemaExists     = errs.Register(Codespace, 3, "schema version already registered")
	ErrUnknownSchema    = errs.Register(Codespace, 4, "no such credential schema")
	ErrUnknownAccount   = errs.Register(Codespace, 5, "no such account")
	ErrNotIssuer        = errs.Register(Codespace, 6, "account is not an accredited issuer")
	ErrIssuerWithdrawn  = errs.Register(Codespace, 7, "issuer accreditation was withdrawn")
	ErrIssuerSuspended  = errs.Register(Codespace, 8, "issuer accreditation is suspended")
	ErrNotAccredited    = errs.Register(Codespace, 9, "issuer not accredited for the schema")
	ErrIndexOutOfRange  = errs.Register(Codespace, 10, "status index outside the status list")
	ErrIndexUsed        = errs.Register(Codespace, 11, "status index already allocated")
	ErrUnknownIndex     = errs.Register(Codespace, 12, "status index not allocated to a credential")
	ErrRevocationFinal  = errs.Register(Codespace, 13, "a revocation cannot be undone")
	ErrStatusUnchanged  = errs.Register(Codespace, 14, "status bit already has that value")
	ErrCredentialExists = errs.Register(Codespace, 15, "credential already anchored")
	ErrNotRegistrar     = errs.Register(Codespace, 16, "signer is not a registrar")
	ErrRecoveryPending  = errs.Register(Codespace, 17, "a recovery is already pending for the account")
	ErrNoRecovery       = errs.Register(Codespace, 18, "no recovery pending for the account")
	ErrRecoveryNotDue   = errs.Register(Codespace, 19, "the recovery waiting period has not elapsed")
	ErrKeyInUse         = errs.Register(Codespace, 20, "key already controls an account")
	ErrNewKeyNotSigned  = errs.Register(Codespace, 21, "the new key must co-sign a key rotation")
	ErrDIDDeactivated   = errs.Register(Codespace, 22, "DID is deactivated")
	ErrStatusListDoc    = errs.Register(Codespace, 23, "signed status list credential refused")
)

// Errors of credential verification (off chain in `publica credential
// verify`, and on chain in identity/register-eligibility).
var (
	ErrMalformedCredential = errs.Register(Codespace, 40, "malformed credential or presentation")
	ErrIssuerSignature     = errs.Register(Codespace, 41, "issuer signature does not verify (tampered credential)")
	ErrWrongIssuer         = errs.Register(Codespace, 42, "credential not signed by its issuer")
	ErrUnknownKey          = errs.Register(Codespace, 43, "verification method not in the DID's key history")
	ErrNotAnchored         = errs.Register(Codespace, 44, "credential not anchored on chain")
	ErrAnchorMismatch      = errs.Register(Codespace, 45, "credential differs from its on-chain anchor")
	ErrIssuerKeyNotValid   = errs.Register(Codespace, 46, "issuer key not valid at the issue height")
	ErrNotYetValid         = errs.Register(Codespace, 47, "credential not yet valid")
	ErrExpired             = errs.Register(Codespace, 48, "credential expired")
	ErrRevoked             = errs.Register(Codespace, 49, "credential revoked")
	ErrSuspended           = errs.Register(Codespace, 50, "credential suspended")
	ErrWrongHolder         = errs.Register(Codespace, 51, "presenter is not the credential's holder")
	ErrHolderKey           = errs.Register(Codespace, 52, "presentation not signed with the holder's current key")
	ErrHolderSignature     = errs.Register(Codespace, 53, "holder signature does not verify")
	ErrChallenge           = errs.Register(Codespace, 54, "presentation challenge does not match (replayed presentation?)")
	ErrDomain              = errs.Register(Codespace, 55, "presentation domain does not match")
	ErrMissingClaim        = errs.Register(Codespace, 56, "a required claim is not disclosed")
	ErrBadDisclosure       = errs.Register(Codespace, 57, "disclosure not covered by the credential or not in its schema")
	ErrBadPredicate        = errs.Register(Codespace, 58, "invalid predicate")
	ErrPredicateFalse      = errs.Register(Codespace, 59, "disclosed claims do not satisfy the predicate")
	ErrValueDisclosed      = errs.Register(Codespace, 60, "value disclosures are not allowed on chain: prove the predicate without disclosure")
	ErrPredicateProof      = errs.Register(Codespace, 61, "predicate proof does not verify")
	ErrMissingProof        = errs.Register(Codespace, 62, "a predicate term has no zero-knowledge proof")
)
