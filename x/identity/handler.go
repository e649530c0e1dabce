package identity

import (
	"bytes"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"

	"github.com/publica/publica/errs"
	"github.com/publica/publica/module"
	"github.com/publica/publica/store"
	"github.com/publica/publica/x/authority"
	"github.com/publica/publica/x/identity/vc"
)

// Message types of this module.
const (
	TypeRegisterSchema      = "identity/register-schema"
	TypeAccreditIssuer      = "identity/accredit-issuer"
	TypeSetIssuerStatus     = "identity/set-issuer-status"
	TypeAnchorCredential    = "identity/anchor-credential"
	TypeSetStatus           = "identity/set-status"
	TypeRotateKey           = "identity/rotate-key"
	TypeUpdateDID           = "identity/update-did"
	TypeDeactivateDID       = "identity/deactivate-did"
	TypeRequestRecovery     = "identity/request-recovery"
	TypeCancelRecovery      = "identity/cancel-recovery"
	TypeCompleteRecovery    = "identity/complete-recovery"
	TypeRegisterEligibility = "identity/register-eligibility"
)

// Messages declares the module's message types.
func (m *Module) Messages() []module.MsgSpec {
	return []module.MsgSpec{
		{Type: TypeRegisterSchema, New: func() module.Msg { return &MsgRegisterSchema{} }, Handle: m.registerSchema},
		{Type: TypeAccreditIssuer, New: func() module.Msg { return &MsgAccreditIssuer{} }, Handle: m.accreditIssuer},
		{Type: TypeSetIssuerStatus, New: func() module.Msg { return &MsgSetIssuerStatus{} }, Handle: m.setIssuerStatus},
		{Type: TypeAnchorCredential, New: func() module.Msg { return &MsgAnchorCredential{} }, Handle: m.anchorCredential},
		{Type: TypeSetStatus, New: func() module.Msg { return &MsgSetStatus{} }, Handle: m.setStatus},
		{Type: TypeRotateKey, New: func() module.Msg { return &MsgRotateKey{} }, Handle: m.rotateKey},
		{Type: TypeUpdateDID, New: func() module.Msg { return &MsgUpdateDID{} }, Handle: m.updateDID},
		{Type: TypeDeactivateDID, New: func() module.Msg { return &MsgDeactivateDID{} }, Handle: m.deactivateDID},
		{Type: TypeRequestRecovery, New: func() module.Msg { return &MsgRequestRecovery{} }, Handle: m.requestRecovery},
		{Type: TypeCancelRecovery, New: func() module.Msg { return &MsgCancelRecovery{} }, Handle: m.cancelRecovery},
		{Type: TypeCompleteRecovery, New: func() module.Msg { return &MsgCompleteRecovery{} }, Handle: m.completeRecovery},
		// The presentation (signatures, proofs) is verified in CheckTx too,
		// so a bad one never reaches a block.
		{Type: TypeRegisterEligibility, New: func() module.Msg { return &MsgRegisterEligibility{} }, Handle: m.registerEligibility,
			Check:   func(ctx *module.Context, msg module.Msg) error { _, err := m.registerEligibility(ctx, msg); return err },
			Prepare: m.prepareEligibility},
	}
}

// quorum checks that Threshold distinct authority members signed.
func (m *Module) quorum(ctx *module.Context) ([]string, error) {
	p, err := m.Keeper.auth.Params(ctx.KV)
	if err != nil {
		return nil, err
	}
	var approvers []string
	for _, s := range ctx.Signers {
		if s.Account != "" && slices.Contains(p.Members, s.Account) {
			approvers = append(approvers, s.Account)
		}
	}
	if len(approvers) < p.Threshold {
		return nil, errs.Unauthorized.Wrapf("%s: %d of %d authority signatures, %d required",
			authority.ErrNoQuorum.Desc, len(approvers), len(p.Members), p.Threshold)
	}
	return approvers, nil
}

func (m *Module) registerSchema(ctx *module.Context, msg module.Msg) ([]byte, error) {
	r := msg.(*MsgRegisterSchema)
	approvers, err := m.quorum(ctx)
	if err != nil {
		return nil, err
	}
	key := SchemaKey(r.ID, r.Version)
	if ctx.KV.Has(key) {
		return nil, ErrSchemaExists.Wrapf("%s version %d", r.ID, r.Version)
	}
	put(ctx.KV, key, &Schema{ID: r.ID, Version: r.Version, Claims: r.Claims, JSONSchemaHash: r.JSONSchemaHash, Height: ctx.Height})
	ctx.Emit("identity.schema_registered", "schema", r.ID, "version", strconv.FormatUint(uint64(r.Version), 10),
		"approvers", strings.Join(approvers, ","))
	return nil, nil
}

func (m *Module) accreditIssuer(ctx *module.Context, msg module.Msg) ([]byte, error) {
	r := msg.(*MsgAccreditIssuer)
	approvers, err := m.quorum(ctx)
	if err != nil {
		return nil, err
	}
	if a, err := m.Keeper.auth.Account(ctx.KV, r.Issuer); err != nil {
		return nil, err
	} else if a == nil {
		return nil, ErrUnknownAccount.Wrapf("%s", r.Issuer)
	}
	for _, s := range r.Schemas {
		if !m.Keeper.HasSchema(ctx.KV, s) {
			return nil, ErrUnknownSchema.Wrapf("%s", s)
		}
	}
	is, err := m.Keeper.Issuer(ctx.KV, r.Issuer)
	if err != nil {
		return nil, err
	}
	if is == nil {
		is = &Issuer{Account: r.Issuer, Status: IssuerActive, Schemas: []string{}, History: []IssuerEvent{}}
	}
	if is.Status == IssuerWithdrawn {
		return nil, ErrIssuerWithdrawn.Wrapf("%s", r.Issuer)
	}
	is.Schemas = append(is.Schemas, r.Schemas...)
	slices.Sort(is.Schemas)
	is.Schemas = slices.Compact(is.Schemas)
	m.logIssuer(ctx, is)
	ctx.Emit("identity.issuer_accredited", "issuer", r.Issuer, "schemas", strings.Join(is.Schemas, ","),
		"approvers", strings.Join(approvers, ","))
	return nil, nil
}

// logIssuer appends the issuer's current state to its history (one entry
// per height) and stores it.
func (m *Module) logIssuer(ctx *module.Context, is *Issuer) {
	ev := IssuerEvent{Height: ctx.Height, Status: is.Status, Schemas: slices.Clone(is.Schemas)}
	if n := len(is.History); n > 0 && is.History[n-1].Height == ctx.Height {
		is.History[n-1] = ev
	} else {
		is.History = append(is.History, ev)
	}
	put(ctx.KV, IssuerKey(is.Account), is)
}

func (m *Module) setIssuerStatus(ctx *module.Context, msg module.Msg) ([]byte, error) {
	r := msg.(*MsgSetIssuerStatus)
	approvers, err := m.quorum(ctx)
	if err != nil {
		return nil, err
	}
	is, err := m.Keeper.Issuer(ctx.KV, r.Issuer)
	if err != nil {
		return nil, err
	}
	if is == nil {
		return nil, ErrNotIssuer.Wrapf("%s", r.Issuer)
	}
	if is.Status == IssuerWithdrawn {
		return nil, ErrIssuerWithdrawn.Wrapf("%s", r.Issuer)
	}
	if is.Status == r.Status {
		return nil, ErrStatusUnchanged.Wrapf("issuer %s is already %s", r.Issuer, r.Status)
	}
	is.Status = r.Status
	m.logIssuer(ctx, is)
	ctx.Emit("identity.issuer_status", "issuer", r.Issuer, "status", r.Status, "approvers", strings.Join(approvers, ","))
	return nil, nil
}

// activeIssuer returns the primary signer's issuer record if it is active.
func (m *Module) activeIssuer(ctx *module.Context) (*Issuer, error) {
	is, err := m.Keeper.Issuer(ctx.KV, ctx.Primary())
	if err != nil {
		return nil, err
	}
	switch {
	case is == nil:
		return nil, ErrNotIssuer.Wrapf("%s", ctx.Primary())
	case is.Status == IssuerWithdrawn:
		return nil, ErrIssuerWithdrawn.Wrapf("%s", ctx.Primary())
	case is.Status == IssuerSuspended:
		return nil, ErrIssuerSuspended.Wrapf("%s", ctx.Primary())
	}
	return is, nil
}

func (m *Module) anchorCredential(ctx *module.Context, msg module.Msg) ([]byte, error) {
	r := msg.(*MsgAnchorCredential)
	is, err := m.activeIssuer(ctx)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(is.Schemas, r.SchemaID) {
		return nil, ErrNotAccredited.Wrapf("%s for %s", is.Account, r.SchemaID)
	}
	if s, err := m.Keeper.Schema(ctx.KV, r.SchemaID, r.Version); err != nil {
		return nil, err
	} else if s == nil {
		return nil, ErrUnknownSchema.Wrapf("%s version %d", r.SchemaID, r.Version)
	}
	if size := m.Keeper.Params(ctx.KV).StatusListSize; r.StatusIndex >= size {
		return nil, ErrIndexOutOfRange.Wrapf("%d ≥ %d", r.StatusIndex, size)
	}
	if ctx.KV.Has(AnchorKey(r.Digest)) {
		return nil, ErrCredentialExists.Wrapf("%s", r.Digest)
	}
	slot := SlotKey(is.Account, r.StatusIndex)
	if ctx.KV.Has(slot) {
		return nil, ErrIndexUsed.Wrapf("%d", r.StatusIndex)
	}
	d, err := m.Keeper.DID(ctx.KV, is.Account)
	if err != nil {
		return nil, err
	}
	cur := d.Current()
	if cur == nil {
		return nil, ErrDIDDeactivated.Wrapf("issuer %s", is.Account)
	}
	ctx.KV.Set(slot, []byte(r.Digest))
	put(ctx.KV, AnchorKey(r.Digest), &Anchor{Digest: r.Digest, Issuer: is.Account, SchemaID: r.SchemaID, Version: r.Version,
		StatusIndex: r.StatusIndex, IssuerKey: cur.N, Height: ctx.Height})
	ctx.Emit("identity.credential_anchored", "issuer", is.Account, "digest", r.Digest,
		"status_index", strconv.FormatUint(r.StatusIndex, 10))
	return nil, nil
}

func (m *Module) setStatus(ctx *module.Context, msg module.Msg) ([]byte, error) {
	r := msg.(*MsgSetStatus)
	is, err := m.Keeper.Issuer(ctx.KV, ctx.Primary())
	if err != nil {
		return nil, err
	}
	// A suspended or withdrawn issuer may still revoke and suspend what it
	// issued: only the issuer can, and holders must not be left with
	// credentials nobody can revoke.
	if is == nil {
		return nil, ErrNotIssuer.Wrapf("%s", ctx.Primary())
	}
	if !ctx.KV.Has(SlotKey(is.Account, r.Index)) {
		return nil, ErrUnknownIndex.Wrapf("%d", r.Index)
	}
	key := StatusPageKey(is.Account, r.Purpose, r.Index)
	page := ctx.KV.Get(key)
	if page == nil {
		page = make([]byte, PageBytes)
	} else {
		page = bytes.Clone(page)
	}
	cur := StatusBit(page, r.Index)
	if cur == r.Set {
		return nil, ErrStatusUnchanged.Wrapf("%s bit %d is already %v", r.Purpose, r.Index, cur)
	}
	if cur && r.Purpose == PurposeRevocation {
		return nil, ErrRevocationFinal.Wrapf("index %d", r.Index)
	}
	off := r.Index % PageBits
	page[off/8] ^= 0x80 >> (off % 8)
	ctx.KV.Set(key, page)
	ctx.Emit("identity.status_changed", "issuer", is.Account, "purpose", r.Purpose,
		"index", strconv.FormatUint(r.Index, 10), "set", strconv.FormatBool(r.Set))
	return nil, nil
}

func (m *Module) rotateKey(ctx *module.Context, msg module.Msg) ([]byte, error) {
	r := msg.(*MsgRotateKey)
	newPub, _ := hex.DecodeString(r.NewPubKey)
	signed := false
	for _, s := range ctx.Signers[1:] {
		if bytes.Equal(s.PubKey, newPub) {
			signed = true
		}
	}
	if !signed {
		return nil, ErrNewKeyNotSigned.Wrapf("add a signature by %s", r.NewPubKey)
	}
	if err := m.Keeper.rotate(ctx.KV, ctx.Primary(), newPub, ctx.Height, "rotated by holder"); err != nil {
		return nil, err
	}
	ctx.Emit("identity.key_rotated", "account", ctx.Primary(), "pubkey", r.NewPubKey)
	return nil, nil
}

func (m *Module) ownDID(ctx *module.Context) (*DIDRecord, error) {
	d, err := m.Keeper.DID(ctx.KV, ctx.Primary())
	if err != nil {
		return nil, err
	}
	if d.Deactivated {
		return nil, ErrDIDDeactivated.Wrapf("%s", ctx.Primary())
	}
	return d, nil
}

func (m *Module) updateDID(ctx *module.Context, msg module.Msg) ([]byte, error) {
	r := msg.(*MsgUpdateDID)
	d, err := m.ownDID(ctx)
	if err != nil {
		return nil, err
	}
	d.Services = r.Services
	if d.Services == nil {
		d.Services = []Service{}
	}
	put(ctx.KV, DIDKey(d.Account), d)
	ctx.Emit("identity.did_updated", "account", d.Account)
	return nil, nil
}

func (m *Module) deactivateDID(ctx *module.Context, _ module.Msg) ([]byte, error) {
	d, err := m.ownDID(ctx)
	if err != nil {
		return nil, err
	}
	d.Keys[len(d.Keys)-1].Until = ctx.Height
	d.Deactivated, d.DeactivatedHeight = true, ctx.Height
	put(ctx.KV, DIDKey(d.Account), d)
	ctx.KV.Delete(RecoveryKey(d.Account))
	ctx.Emit("identity.did_deactivated", "account", d.Account)
	return nil, nil
}

func (m *Module) requestRecovery(ctx *module.Context, msg module.Msg) ([]byte, error) {
	r := msg.(*MsgRequestRecovery)
	if !m.Keeper.auth.HasRole(ctx.KV, ctx.Primary(), authority.RoleRegistrar) {
		return nil, ErrNotRegistrar.Wrapf("%s", ctx.Primary())
	}
	d, err := m.Keeper.DID(ctx.KV, r.Account)
	if err != nil {
		return nil, err
	}
	if d == nil {
		return nil, ErrUnknownAccount.Wrapf("%s", r.Account)
	}
	if d.Deactivated {
		return nil, ErrDIDDeactivated.Wrapf("%s", r.Account)
	}
	if ctx.KV.Has(RecoveryKey(r.Account)) {
		return nil, ErrRecoveryPending.Wrapf("%s", r.Account)
	}
	newPub, _ := hex.DecodeString(r.NewPubKey)
	if ctx.KV.Has(authority.PubKeyKey(newPub)) {
		return nil, ErrKeyInUse.Wrapf("%s", r.NewPubKey)
	}
	rec := &Recovery{Account: r.Account, NewPubKey: r.NewPubKey, Registrar: ctx.Primary(),
		RequestedHeight: ctx.Height, EffectiveHeight: ctx.Height + m.Keeper.Params(ctx.KV).RecoveryDelay}
	put(ctx.KV, RecoveryKey(r.Account), rec)
	ctx.Emit("identity.recovery_requested", "account", r.Account, "new_pubkey", r.NewPubKey,
		"registrar", ctx.Primary(), "effective_height", strconv.FormatInt(rec.EffectiveHeight, 10))
	return nil, nil
}

func (m *Module) cancelRecovery(ctx *module.Context, msg module.Msg) ([]byte, error) {
	r := msg.(*MsgCancelRecovery)
	if ctx.Primary() != r.Account {
		return nil, errs.Unauthorized.Wrapf("only the account's current key can cancel its recovery")
	}
	if !ctx.KV.Has(RecoveryKey(r.Account)) {
		return nil, ErrNoRecovery.Wrapf("%s", r.Account)
	}
	ctx.KV.Delete(RecoveryKey(r.Account))
	ctx.Emit("identity.recovery_cancelled", "account", r.Account)
	return nil, nil
}

func (m *Module) completeRecovery(ctx *module.Context, msg module.Msg) ([]byte, error) {
	r := msg.(*MsgCompleteRecovery)
	rec, err := m.Keeper.Recovery(ctx.KV, r.Account)
	if err != nil {
		return nil, err
	}
	if rec == nil {
		return nil, ErrNoRecovery.Wrapf("%s", r.Account)
	}
	if ctx.Height < rec.EffectiveHeight {
		return nil, ErrRecoveryNotDue.Wrapf("effective at height %d, now %d", rec.EffectiveHeight, ctx.Height)
	}
	newPub, _ := hex.DecodeString(rec.NewPubKey)
	if err := m.Keeper.rotate(ctx.KV, r.Account, newPub, ctx.Height, "recovered by registrar "+rec.Registrar); err != nil {
		return nil, err
	}
	ctx.KV.Delete(RecoveryKey(r.Account))
	ctx.Emit("identity.recovery_completed", "account", r.Account, "new_pubkey", rec.NewPubKey)
	return nil, nil
}

func (m *Module) registerEligibility(ctx *module.Context, msg module.Msg) ([]byte, error) {
	r := msg.(*MsgRegisterEligibility)
	pred, _ := ParsePredicate(r.Predicate)
	v, err := VerifyPresentation(KVReader{KV: ctx.KV}, []byte(r.Presentation), VerifyOptions{
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
	key := EligibilityKey(v.Holder, v.SchemaID, r.Predicate)
	put(ctx.KV, key, e)
	ctx.Emit("identity.eligibility_registered", "account", v.Holder, "schema", v.SchemaID, "predicate", r.Predicate)
	return key, nil
}

// prepareEligibility verifies the presentation's predicate proofs in
// FinalizeBlock's parallel pre-check, so that Handle, which runs one
// transaction at a time, need not. The proofs depend only on the
// presentation's bytes and the claim types of its schema version (which
// never changes once registered); Handle trusts the cache only for the
// same types, so the outcome never depends on this hook.
func (m *Module) prepareEligibility(view store.KV, msg module.Msg) {
	r := msg.(*MsgRegisterEligibility)
	pp, err := vc.ParsePresentation([]byte(r.Presentation))
	if err != nil || len(pp.Proofs) == 0 {
		return
	}
	schema, err := get[Schema](view, SchemaKey(pp.Credential.SchemaID, pp.Credential.Version))
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
