package identity

import (
	"slices"
	"strconv"

	"github.com/publica/publica/module"
)

// Credential anchors and status lists: by the issuer.

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

func (m *Module) anchorCredential(ctx *module.Context, r *MsgAnchorCredential) ([]byte, error) {
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
	if m.Keeper.HasAnchor(ctx.KV, r.Digest) {
		return nil, ErrCredentialExists.Wrapf("%s", r.Digest)
	}
	if m.Keeper.SlotTaken(ctx.KV, is.Account, r.StatusIndex) {
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
	m.Keeper.SetAnchor(ctx.KV, &Anchor{Digest: r.Digest, Issuer: is.Account, SchemaID: r.SchemaID, Version: r.Version,
		StatusIndex: r.StatusIndex, IssuerKey: cur.N, Height: ctx.Height})
	ctx.Emit("identity.credential_anchored", "issuer", is.Account, "digest", r.Digest,
		"status_index", strconv.FormatUint(r.StatusIndex, 10))
	return nil, nil
}

func (m *Module) setStatus(ctx *module.Context, r *MsgSetStatus) ([]byte, error) {
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
	if !m.Keeper.SlotTaken(ctx.KV, is.Account, r.Index) {
		return nil, ErrUnknownIndex.Wrapf("%d", r.Index)
	}
	cur := m.Keeper.StatusBitSet(ctx.KV, is.Account, r.Purpose, r.Index)
	if cur == r.Set {
		return nil, ErrStatusUnchanged.Wrapf("%s bit %d is already %v", r.Purpose, r.Index, cur)
	}
	if cur && r.Purpose == PurposeRevocation {
		return nil, ErrRevocationFinal.Wrapf("index %d", r.Index)
	}
	if r.List != nil {
		bits := m.Keeper.StatusListBits(ctx.KV, is.Account, r.Purpose)
		bits[r.Index/8] ^= 0x80 >> (r.Index % 8)
		if err := m.checkList(ctx, is.Account, r.Purpose, r.List, bits); err != nil {
			return nil, err
		}
	}
	m.Keeper.SetStatusBit(ctx.KV, is.Account, r.Purpose, r.Index, r.Set)
	if r.List != nil {
		m.Keeper.SetSignedStatusList(ctx.KV, is.Account, r.Purpose, r.List)
	} else {
		m.Keeper.DeleteSignedStatusList(ctx.KV, is.Account, r.Purpose)
	}
	ctx.Emit("identity.status_changed", "issuer", is.Account, "purpose", r.Purpose,
		"index", strconv.FormatUint(r.Index, 10), "set", strconv.FormatBool(r.Set))
	return nil, nil
}

// checkList checks a signed status list of the signer's purpose list
// against bits, the list as it will stand.
func (m *Module) checkList(ctx *module.Context, issuer, purpose string, raw []byte, bits []byte) error {
	d, err := m.Keeper.DID(ctx.KV, issuer)
	if err != nil {
		return err
	}
	cur := d.Current()
	if cur == nil {
		return ErrDIDDeactivated.Wrapf("issuer %s", issuer)
	}
	if err := CheckSignedStatusList(raw, issuer, purpose, cur.N, keyBytes(cur), bits); err != nil {
		return ErrStatusListDoc.Wrapf("%v", err)
	}
	return nil
}

func (m *Module) publishStatusList(ctx *module.Context, r *MsgPublishStatusList) ([]byte, error) {
	is, err := m.Keeper.Issuer(ctx.KV, ctx.Primary())
	if err != nil {
		return nil, err
	}
	if is == nil {
		return nil, ErrNotIssuer.Wrapf("%s", ctx.Primary())
	}
	if err := m.checkList(ctx, is.Account, r.Purpose, r.List, m.Keeper.StatusListBits(ctx.KV, is.Account, r.Purpose)); err != nil {
		return nil, err
	}
	m.Keeper.SetSignedStatusList(ctx.KV, is.Account, r.Purpose, r.List)
	ctx.Emit("identity.status_list_published", "issuer", is.Account, "purpose", r.Purpose)
	return nil, nil
}
