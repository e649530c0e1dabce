package land

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/publica/publica/client"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/web/portal"
	"github.com/publica/publica/web/ui"
	"github.com/publica/publica/x/land"
)

// Dealings that several accounts sign. x/land registers a mortgage only
// when every owner of the title and the lender have signed it (a lease:
// the owners and the lessee; an easement: the owners). The signing itself
// is the portal's co-signing (web/portal/cosign.go): one person prepares
// the dealing and signs first, then passes a link to the others. Here are
// the parties each dealing needs: a journey's Parties.

func titleParties(ctx context.Context, cl *client.Client, id string) ([]ui.CosignSigner, error) {
	t, err := portal.Record[land.Title](ctx, cl, "/land/title/"+id, 0)
	if err != nil {
		return nil, err
	}
	if t == nil {
		return nil, echo.NewHTTPError(http.StatusNotFound, tr(ctx, "land.e.notitle", id)+".")
	}
	var out []ui.CosignSigner
	for _, o := range t.Owners {
		if out, err = withPartySigners(ctx, cl, out, o.Party, tr(ctx, "land.role.owner", o.Share)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func withParty(ctx context.Context, ps []ui.CosignSigner, account, role string) []ui.CosignSigner {
	for i := range ps {
		if ps[i].Account == account {
			ps[i].Role = tr(ctx, "land.role.and", ps[i].Role, role)
			return ps
		}
	}
	return append(ps, ui.CosignSigner{Account: account, Role: role})
}

func mortgageParties(ctx context.Context, cl *client.Client, t *tx.Tx) ([]ui.CosignSigner, error) {
	var m land.MsgRegisterMortgage
	if err := tx.DecodeMsg(t.Msg, &m); err != nil {
		return nil, err
	}
	ps, err := titleParties(ctx, cl, m.Title)
	if err != nil {
		return nil, err
	}
	return withPartySigners(ctx, cl, ps, m.Lender, tr(ctx, "land.role.lender"))
}

func leaseParties(ctx context.Context, cl *client.Client, t *tx.Tx) ([]ui.CosignSigner, error) {
	var m land.MsgRegisterLease
	if err := tx.DecodeMsg(t.Msg, &m); err != nil {
		return nil, err
	}
	ps, err := titleParties(ctx, cl, m.Title)
	if err != nil {
		return nil, err
	}
	return withPartySigners(ctx, cl, ps, m.Lessee, tr(ctx, "land.role.lessee"))
}

func easementParties(ctx context.Context, cl *client.Client, t *tx.Tx) ([]ui.CosignSigner, error) {
	var m land.MsgRegisterEasement
	if err := tx.DecodeMsg(t.Msg, &m); err != nil {
		return nil, err
	}
	return titleParties(ctx, cl, m.Title)
}
