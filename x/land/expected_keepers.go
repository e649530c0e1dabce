package land

import "github.com/publica/publica/store"

// RoleChecker is what the module needs from the authority module: whether
// an account holds a role (land clerks register and correct records).
type RoleChecker interface {
	HasRole(kv store.KV, id, role string) bool
}
