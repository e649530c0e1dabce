package identity

import (
	"slices"
	"strconv"
	"strings"

	"github.com/publica/publica/module"
)

// Schemas, issuer accreditation and issuer status: k of n authority.

func (m *Module) registerSchema(ctx *module.Context, r *MsgRegisterSchema) ([]byte, error) {
	approvers, err := m.auth.Quorum(ctx.KV, ctx.Signers)
	if err != nil {
		return nil, err
	}
	if m.Keeper.SchemaExists(ctx.KV, r.ID, r.Version) {
		return nil, ErrSchemaExists.Wrapf("%s version %d", r.ID, r.Version)
	}
	m.Keeper.SetSchema(ctx.KV, &Schema{ID: r.ID, Version: r.Version, Claims: r.Claims, JSONSchemaHash: r.JSONSchemaHash, Height: ctx.Height})
	ctx.Emit("identity.schema_registered", "schema", r.ID, "version", strconv.FormatUint(uint64(r.Version), 10),
		"approvers", strings.Join(approvers, ","))
	return nil, nil
}

func (m *Module) accreditIssuer(ctx *module.Context, r *MsgAccreditIssuer) ([]byte, error) {
	approvers, err := m.auth.Quorum(ctx.KV, ctx.Signers)
	if err != nil {
		return nil, err
	}
	if a, err := m.auth.Account(ctx.KV, r.Issuer); err != nil {
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
	m.Keeper.LogIssuer(ctx.KV, is, ctx.Height)
	ctx.Emit("identity.issuer_accredited", "issuer", r.Issuer, "schemas", strings.Join(is.Schemas, ","),
		"approvers", strings.Join(approvers, ","))
	return nil, nil
}

func (m *Module) setIssuerStatus(ctx *module.Context, r *MsgSetIssuerStatus) ([]byte, error) {
	approvers, err := m.auth.Quorum(ctx.KV, ctx.Signers)
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
	m.Keeper.LogIssuer(ctx.KV, is, ctx.Height)
	ctx.Emit("identity.issuer_status", "issuer", r.Issuer, "status", r.Status, "approvers", strings.Join(approvers, ","))
	return nil, nil
}
