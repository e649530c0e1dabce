package identity

import (
	"encoding/json"
	"strconv"

	"github.com/publica/publica/module"
	"github.com/publica/publica/store"
)

// Module is the identity module.
type Module struct{ Keeper Keeper }

var _ module.Module = (*Module)(nil)

// New returns the module over the authority keeper.
func New(auth AuthorityKeeper) *Module { return &Module{Keeper: Keeper{auth: auth}} }

// Name is the module name, codespace and key prefix.
func (*Module) Name() string { return ModuleName }

// Genesis is the module's genesis state. Export writes every record, so a
// chain restarted from an export keeps schemas, issuers (with history),
// DIDs (with key history), anchors, status lists, pending recoveries and
// eligibility results.
type Genesis struct {
	Params      Params        `json:"params"`
	Schemas     []Schema      `json:"schemas,omitempty"`
	Issuers     []Issuer      `json:"issuers,omitempty"`
	DIDs        []DIDRecord   `json:"dids,omitempty"`
	Anchors     []Anchor      `json:"anchors,omitempty"`
	StatusPages []StatusPage  `json:"status_pages,omitempty"`
	Recoveries  []Recovery    `json:"recoveries,omitempty"`
	Eligibility []Eligibility `json:"eligibility,omitempty"`
}

// StatusPage is one stored page of a status list.
type StatusPage struct {
	Issuer  string `json:"issuer"`
	Purpose string `json:"purpose"`
	Page    uint64 `json:"page"`
	Bits    []byte `json:"bits"`
}

// InitGenesis writes the genesis state; empty raw means default params.
func (m *Module) InitGenesis(kv store.KV, raw json.RawMessage) error {
	g := Genesis{Params: DefaultParams()}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &g); err != nil {
			return ErrInvalidGenesis.Wrapf("decode: %v", err)
		}
	}
	if err := g.Params.Validate(); err != nil {
		return ErrInvalidGenesis.Wrap(err)
	}
	put(kv, ParamsKey(), g.Params)
	for _, s := range g.Schemas {
		msg := MsgRegisterSchema{ID: s.ID, Version: s.Version, Claims: s.Claims, JSONSchemaHash: s.JSONSchemaHash}
		if err := msg.ValidateBasic(); err != nil {
			return ErrInvalidGenesis.Wrap(err)
		}
		put(kv, SchemaKey(s.ID, s.Version), s)
	}
	for _, i := range g.Issuers {
		put(kv, IssuerKey(i.Account), i)
	}
	for _, d := range g.DIDs {
		put(kv, DIDKey(d.Account), d)
	}
	for _, a := range g.Anchors {
		put(kv, AnchorKey(a.Digest), a)
		kv.Set(SlotKey(a.Issuer, a.StatusIndex), []byte(a.Digest))
	}
	for _, p := range g.StatusPages {
		if len(p.Bits) != PageBytes {
			return ErrInvalidGenesis.Wrapf("status page of %d bytes", len(p.Bits))
		}
		kv.Set(StatusPageKey(p.Issuer, p.Purpose, p.Page*PageBits), p.Bits)
	}
	for _, r := range g.Recoveries {
		put(kv, RecoveryKey(r.Account), r)
	}
	for _, e := range g.Eligibility {
		put(kv, EligibilityKey(e.Account, e.SchemaID, e.Predicate), e)
	}
	return nil
}

func each[T any](kv store.KV, prefix string, fn func(key []byte, v *T)) error {
	p := []byte(prefix)
	var err error
	kv.Iterate(p, store.PrefixEnd(p), false, func(k, b []byte) bool {
		var v T
		if err = json.Unmarshal(b, &v); err != nil {
			return false
		}
		fn(k, &v)
		return true
	})
	return err
}

// ExportGenesis writes every record in key order.
func (m *Module) ExportGenesis(kv store.KV) (json.RawMessage, error) {
	g := Genesis{Params: m.Keeper.Params(kv)}
	errs := []error{
		each(kv, prefixSchema, func(_ []byte, v *Schema) { g.Schemas = append(g.Schemas, *v) }),
		each(kv, prefixIssuer, func(_ []byte, v *Issuer) { g.Issuers = append(g.Issuers, *v) }),
		each(kv, prefixDID, func(_ []byte, v *DIDRecord) { g.DIDs = append(g.DIDs, *v) }),
		each(kv, prefixAnchor, func(_ []byte, v *Anchor) { g.Anchors = append(g.Anchors, *v) }),
		each(kv, prefixRecovery, func(_ []byte, v *Recovery) { g.Recoveries = append(g.Recoveries, *v) }),
		each(kv, prefixEligible, func(_ []byte, v *Eligibility) { g.Eligibility = append(g.Eligibility, *v) }),
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	p := []byte(prefixStatus)
	kv.Iterate(p, store.PrefixEnd(p), false, func(k, b []byte) bool {
		var sp StatusPage
		// identity/status/<issuer>/<purpose>/<page>
		rest := string(k[len(p):])
		if len(rest) > 41 {
			sp.Issuer = rest[:40]
			tail := rest[41:]
			for i := len(tail) - 1; i >= 0; i-- {
				if tail[i] == '/' {
					sp.Purpose = tail[:i]
					n, _ := strconv.ParseUint(tail[i+1:], 10, 64)
					sp.Page = n
					break
				}
			}
		}
		sp.Bits = b
		g.StatusPages = append(g.StatusPages, sp)
		return true
	})
	return json.Marshal(g)
}
