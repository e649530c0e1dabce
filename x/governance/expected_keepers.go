package governance

import (
	"github.com/publica/publica/module"
	"github.com/publica/publica/store"
)

// AuthorityKeeper is what this module needs from x/authority: the k-of-n
// rule every governance change passes.
type AuthorityKeeper interface {
	Quorum(kv store.KV, signers []module.Signer) ([]string, error)
}
