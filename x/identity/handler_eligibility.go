package identity

import (
	"github.com/publica/publica/module"
	"github.com/publica/publica/store"
	"github.com/publica/publica/x/identity/vc"
)

// Eligibility: the holder proves in zero knowledge that its credential
// satisfies a predicate; the chain keeps only the result.

func (m *Module) registerEligibility(ctx *module.Context, r *MsgRegisterEligibility) ([]byte, error) {
	pred, _ := ParsePredicate(r.Predicate)
	v, err := m.Keeper.VerifyPresentation(KVReader{KV: ctx.KV}, []byte(r.Presentation), VerifyOptions{
		Challenge:  EligibilityChallenge(ctx.ChainID, ctx.Primary(), r.Predicate),
		Domain:     ctx.ChainID,
		Now:        ctx.Time,
		Predicate:  pred,
		ProofsOnly: true,
		prepared:   r.prepared,
	})
	if err != nil {
		return nil, err
	}
	if v.Holder != ctx.Primary() {
		return nil, ErrWrongHolder.Wrapf("presented by %s for %s", ctx.Primary(), v.Holder)
	}
	e := &Eligibility{Account: v.Holder, SchemaID: v.SchemaID, Version: v.Version, Predicate: r.Predicate,
		Issuer: v.Issuer, StatusIndex: v.StatusIndex, Digest: v.Digest, Height: ctx.Height}
	if !v.ValidUntil.IsZero() {
		e.ValidUntil = v.ValidUntil.Unix()
	}
	key := m.Keeper.SetEligibility(ctx.KV, e)
	ctx.Emit("identity.eligibility_registered", "account", v.Holder, "schema", v.SchemaID, "predicate", r.Predicate)
	return key, nil
}

// prepareEligibility verifies the presentation's predicate proofs in
// FinalizeBlock's parallel pre-check, so that Handle, which runs one
// transaction at a time, need not. The proofs depend only on the
// presentation's bytes and the claim types of its schema version (which
// never changes once registered); Handle trusts the cache only for the
// same types, so the outcome never depends on this hook.
func (m *Module) prepareEligibility(view store.KV, r *MsgRegisterEligibility) {
	pp, err := vc.ParsePresentation([]byte(r.Presentation))
	if err != nil || len(pp.Proofs) == 0 {
		return
	}
	schema, err := m.Keeper.Schema(view, pp.Credential.SchemaID, pp.Credential.Version)
	if err != nil || schema == nil {
		return
	}
	types, err := proofClaimTypes(pp, schema)
	if err != nil {
		return
	}
	for i := range pp.Proofs {
		if pp.Proofs[i].Verify(types[i]) != nil {
			return
		}
	}
	r.prepared = &preparedProofs{types: types}
}
