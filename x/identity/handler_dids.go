package identity

import (
	"bytes"
	"encoding/hex"
	"strconv"

	"github.com/publica/publica/errs"
	"github.com/publica/publica/module"
	"github.com/publica/publica/x/authority"
)

// DID documents: service updates and deactivation by the holder, key
// rotation by the holder (the new key co-signs), and recovery of a lost
// key by a registrar after a waiting period the old key can cancel.

func (m *Module) rotateKey(ctx *module.Context, r *MsgRotateKey) ([]byte, error) {
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
	if err := m.Keeper.RotateKey(ctx.KV, ctx.Primary(), newPub, ctx.Height, "rotated by holder"); err != nil {
		return nil, err
	}
	ctx.Emit("identity.key_rotated", "account", ctx.Primary(), "pubkey", r.NewPubKey)
	return nil, nil
}

// ownDID is the primary signer's DID record, unless deactivated.
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

func (m *Module) updateDID(ctx *module.Context, r *MsgUpdateDID) ([]byte, error) {
	d, err := m.ownDID(ctx)
	if err != nil {
		return nil, err
	}
	d.Services = r.Services
	if d.Services == nil {
		d.Services = []Service{}
	}
	m.Keeper.SetDID(ctx.KV, d)
	ctx.Emit("identity.did_updated", "account", d.Account)
	return nil, nil
}

func (m *Module) deactivateDID(ctx *module.Context, _ *MsgDeactivateDID) ([]byte, error) {
	d, err := m.ownDID(ctx)
	if err != nil {
		return nil, err
	}
	d.Keys[len(d.Keys)-1].Until = ctx.Height
	d.Deactivated, d.DeactivatedHeight = true, ctx.Height
	m.Keeper.SetDID(ctx.KV, d)
	m.Keeper.DeleteRecovery(ctx.KV, d.Account)
	ctx.Emit("identity.did_deactivated", "account", d.Account)
	return nil, nil
}

func (m *Module) requestRecovery(ctx *module.Context, r *MsgRequestRecovery) ([]byte, error) {
	if !m.auth.HasRole(ctx.KV, ctx.Primary(), authority.RoleRegistrar) {
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
	if m.Keeper.HasRecovery(ctx.KV, r.Account) {
		return nil, ErrRecoveryPending.Wrapf("%s", r.Account)
	}
	newPub, _ := hex.DecodeString(r.NewPubKey)
	if m.Keeper.KeyInUse(ctx.KV, newPub) {
		return nil, ErrKeyInUse.Wrapf("%s", r.NewPubKey)
	}
	rec := &Recovery{Account: r.Account, NewPubKey: r.NewPubKey, Registrar: ctx.Primary(),
		RequestedHeight: ctx.Height, EffectiveHeight: ctx.Height + m.Keeper.Params(ctx.KV).RecoveryDelay}
	m.Keeper.SetRecovery(ctx.KV, rec)
	ctx.Emit("identity.recovery_requested", "account", r.Account, "new_pubkey", r.NewPubKey,
		"registrar", ctx.Primary(), "effective_height", strconv.FormatInt(rec.EffectiveHeight, 10))
	return nil, nil
}

func (m *Module) cancelRecovery(ctx *module.Context, r *MsgCancelRecovery) ([]byte, error) {
	if ctx.Primary() != r.Account {
		return nil, errs.Unauthorized.Wrapf("only the account's current key can cancel its recovery")
	}
	if !m.Keeper.HasRecovery(ctx.KV, r.Account) {
		return nil, ErrNoRecovery.Wrapf("%s", r.Account)
	}
	m.Keeper.DeleteRecovery(ctx.KV, r.Account)
	ctx.Emit("identity.recovery_cancelled", "account", r.Account)
	return nil, nil
}

func (m *Module) completeRecovery(ctx *module.Context, r *MsgCompleteRecovery) ([]byte, error) {
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
	if err := m.Keeper.RotateKey(ctx.KV, r.Account, newPub, ctx.Height, "recovered by registrar "+rec.Registrar); err != nil {
		return nil, err
	}
	m.Keeper.DeleteRecovery(ctx.KV, r.Account)
	ctx.Emit("identity.recovery_completed", "account", r.Account, "new_pubkey", rec.NewPubKey)
	return nil, nil
}
