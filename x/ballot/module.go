package ballot

import (
	"github.com/publica/publica/crypto/elgamal"
	"github.com/publica/publica/internal/batch"
	"github.com/publica/publica/module"
)

// Module is the ballot module.
type Module struct {
	Keeper      Keeper
	roles       RoleChecker
	credentials CredentialChecker                  // nil: credential rules are refused
	proofs      *proofCache                        // ballots verified by this process (proofcache.go)
	batcher     *batch.Batcher[elgamal.BatchEntry] // Preverify's batches (proofbatch.go)
}

var _ module.Module = (*Module)(nil)

// New returns the module. credentials may be nil until the identity module
// provides a checker; elections then use voter rolls only.
func New(roles RoleChecker, credentials CredentialChecker) *Module {
	return &Module{roles: roles, credentials: credentials, proofs: &proofCache{}, batcher: newProofBatcher()}
}

// Name is the module name.
func (*Module) Name() string { return ModuleName }

// Messages declares the module's message types. Casting and tallying also
// run in CheckTx against the committed state, so a ballot whose proofs fail
// never enters the mempool; FinalizeBlock verifies everything again. A
// cast's proofs are verified once per process, when the node first receives
// it (Preverify) or else in FinalizeBlock's parallel pre-check, and
// remembered (proofcache.go).
func (m *Module) Messages() []module.MsgSpec {
	return []module.MsgSpec{
		module.Handle(TypeCreateElection, m.createElection), // handler_elections.go
		module.Handle(TypeRegisterVoters, m.registerVoters),
		module.Handle(TypeRemoveVoters, m.removeVoters),
		module.Handle(TypeTrusteeKey, m.trusteeKey), // handler_trustees.go
		module.Handle(TypeDeal, m.deal),
		module.Handle(TypeComplain, m.complain),
		module.Handle(TypeReveal, m.reveal),
		module.Handle(TypePublishKey, m.publishKey),
		m.castSpec(), // handler_cast.go
		module.Handle(TypeTally, m.tally).CheckedInCheckTx(), // handler_tally.go
	}
}

// castSpec declares ballot/cast: CheckTx runs every check of the handler
// but the count (checkCast), and the proofs are verified once per process
// (proofcache.go).
func (m *Module) castSpec() module.MsgSpec {
	s := module.WithPrepareBatch(module.Handle(TypeCast, m.cast), m.prepareCasts)
	s.Check = func(ctx *module.Context, msg module.Msg) error { return m.checkCast(ctx, msg.(*MsgCast)) }
	return s
}

// WantsPreverify reports the messages with work before CheckTx: a cast's
// proofs (proofcache.go).
func (*Module) WantsPreverify(msgType string) bool { return msgType == TypeCast }

// Preverify verifies a cast's proofs when the node first receives it,
// outside CometBFT's ABCI lock, and remembers the result (proofcache.go).
func (m *Module) Preverify(msgType string, msg module.Msg) {
	if c, ok := msg.(*MsgCast); ok && msgType == TypeCast {
		m.preverifyCast(c)
	}
}
