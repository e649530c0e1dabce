// Package module is the contract between the application and its modules
// (x/...): how messages are declared, what a handler sees, how genesis and
// queries are wired. Modules never import each other's keepers.
package module

import (
	"crypto/ed25519"
	"encoding/json"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/publica/publica/store"
)

// Msg is a decoded message body. ValidateBasic performs the checks that need
// no state; it runs in CheckTx, ProcessProposal and FinalizeBlock.
type Msg interface {
	ValidateBasic() error
}

// Signer is one signer of the transaction. Account is empty when the key
// belongs to no account yet.
type Signer struct {
	PubKey  ed25519.PublicKey
	Account string
}

// Context is what a handler sees while executing one message.
type Context struct {
	Height  int64
	Time    time.Time // block time from the header: never the wall clock
	ChainID string
	TxHash  []byte
	KV      store.KV
	// Signers[0] is the primary signer; its account always exists when a
	// handler runs.
	Signers []Signer
	events  []abci.Event
}

// Primary is the account of the primary signer.
func (c *Context) Primary() string { return c.Signers[0].Account }

// Emit records an ABCI event; attrs are key, value pairs.
func (c *Context) Emit(typ string, attrs ...string) {
	ev := abci.Event{Type: typ}
	for i := 0; i+1 < len(attrs); i += 2 {
		ev.Attributes = append(ev.Attributes, abci.EventAttribute{Key: attrs[i], Value: attrs[i+1], Index: true})
	}
	c.events = append(c.events, ev)
}

// Events returns the events emitted so far.
func (c *Context) Events() []abci.Event { return c.events }

// MsgSpec declares one message type.
type MsgSpec struct {
	// Type is "module/action", the msg_type of the envelope.
	Type string
	// New returns a pointer to a zero message to decode into.
	New func() Msg
	// Handle runs the stateful checks and applies the message. Data is
	// returned in the deterministic ABCI result.
	Handle func(ctx *Context, msg Msg) (data []byte, err error)
	// Check, if set, runs in CheckTx after authentication against the last
	// committed state, so a message that would fail for a reason only the
	// state reveals (e.g. a ballot's proofs checked against the election
	// key) stays out of the mempool. ctx.KV is a throwaway cache (writes
	// are discarded), ctx.Height is the next height and ctx.Time the last
	// block's time. FinalizeBlock never calls it: Handle re-checks
	// everything. Usually Check is Handle with its result ignored.
	Check func(ctx *Context, msg Msg) error
	// Prepare, if set, runs in FinalizeBlock's parallel pre-check, before
	// any transaction of the block executes, on a read-only view of the
	// last committed state. It may cache the result of expensive pure work
	// (e.g. ballot proof verification) inside msg; Handle must use the
	// cache only if it is still valid for the state it sees, and otherwise
	// redo the work, so the outcome never depends on Prepare. Its failures
	// are silent: Handle decides.
	Prepare func(view store.KV, msg Msg)
	// PrepareBatch, if set, is Prepare for the messages of this type in a
	// run of the block's transactions pre-checked together (in block
	// order), for work that is cheaper done together (a ballot's proofs).
	// The pre-check calls it instead of Prepare; the same rules hold, and
	// whatever it caches must be a function of the messages and the view
	// alone (no randomness, no clock), since Handle may use it.
	PrepareBatch func(view store.KV, msgs []Msg)
	// ReadAhead says Handle is cheap enough to run twice: FinalizeBlock may
	// run it ahead of the block on a throwaway cache, so that the records
	// it reads are in memory when the block runs it (app/readahead.go).
	// When nothing that run read has changed by the time the block
	// reaches the message, the block keeps its writes, result and events
	// instead of running Handle again (app/speculation.go): Handle must
	// depend on its message, its Context and what it reads through
	// Context.KV alone, as determinism already asks.
	ReadAhead bool
}

// QueryResult is a module's answer. Key, when set, is the state key the
// value was read from, so the application can attach an ICS23 proof.
type QueryResult struct {
	Key   []byte
	Value []byte
}

// Module is one x/ module.
type Module interface {
	Name() string
	Messages() []MsgSpec
	// InitGenesis writes the module's genesis state; raw may be empty.
	InitGenesis(kv store.KV, raw json.RawMessage) error
	ExportGenesis(kv store.KV) (json.RawMessage, error)
	// Query answers path segments after "/<module>/", reading view only.
	Query(view store.KV, path []string) (QueryResult, error)
}

// Handle declares message type typ: the body is decoded into a fresh *T
// and handled by h. Every module registers its messages this way.
func Handle[T any, PT interface {
	*T
	Msg
}](typ string, h func(ctx *Context, msg PT) ([]byte, error)) MsgSpec {
	return MsgSpec{
		Type: typ,
		New:  func() Msg { return PT(new(T)) },
		Handle: func(ctx *Context, m Msg) ([]byte, error) {
			return h(ctx, m.(PT))
		},
	}
}

// CheckedInCheckTx makes CheckTx run the whole handler against the last
// committed state (its writes discarded), so a message that the state
// would refuse stays out of the mempool.
func (s MsgSpec) CheckedInCheckTx() MsgSpec {
	h := s.Handle
	s.Check = func(ctx *Context, m Msg) error {
		_, err := h(ctx, m)
		return err
	}
	return s
}

// ReadsAhead marks the message's handler cheap to run twice (see
// MsgSpec.ReadAhead).
func (s MsgSpec) ReadsAhead() MsgSpec {
	s.ReadAhead = true
	return s
}

// WithPrepareBatch sets the message's batched parallel pre-check (see
// MsgSpec.PrepareBatch).
func WithPrepareBatch[T any, PT interface {
	*T
	Msg
}](s MsgSpec, prepare func(view store.KV, msgs []PT)) MsgSpec {
	s.PrepareBatch = func(view store.KV, ms []Msg) {
		typed := make([]PT, len(ms))
		for i, m := range ms {
			typed[i] = m.(PT)
		}
		prepare(view, typed)
	}
	return s
}

// WithPrepare sets the message's parallel pre-check (see MsgSpec.Prepare).
func WithPrepare[T any, PT interface {
	*T
	Msg
}](s MsgSpec, prepare func(view store.KV, msg PT)) MsgSpec {
	s.Prepare = func(view store.KV, m Msg) { prepare(view, m.(PT)) }
	return s
}
