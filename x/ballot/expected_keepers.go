package ballot

import "github.com/publica/publica/store"

// RoleChecker is what the module needs from the authority module: whether
// an account holds a role.
type RoleChecker interface {
	HasRole(kv store.KV, account, role string) bool
}

// CredentialChecker is what the module needs from the identity module for
// elections whose eligibility rule is a credential: whether account holds,
// at height, an unrevoked credential of schemaID satisfying predicate;
// reason explains a refusal.
type CredentialChecker interface {
	Eligible(kv store.KV, account, schemaID, predicate string, height int64) (ok bool, reason string)
}

// Role names (the authority module's; repeated here so the module does not
// import another module's package beyond these interfaces).
const (
	roleElectionOfficial = "election_official"
	roleTrustee          = "trustee"
)
