package land

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/publica/publica/client"
	"github.com/publica/publica/web/portal"
	"github.com/publica/publica/web/ui"
	"github.com/publica/publica/x/authority"
	"github.com/publica/publica/x/land"
)

// Parties on pages: titles, histories and certificates name parties by
// their public-register names (x/land party records), with ids and
// accounts under "Technical details"; a party has its own page.

// maxNamedAccounts bounds the signers of one history whose party names a
// page looks up.
const maxNamedAccounts = 64

// readParties reads, at height, the party records among ids (bare
// accounts have none).
func readParties(ctx context.Context, cl *client.Client, ids []string, height int64) (ui.Parties, error) {
	ps := ui.Parties{}
	for _, id := range ids {
		if !land.IsPartyID(id) || ps[id] != nil {
			continue
		}
		var p land.Party
		ok, err := portal.ReadJSON(ctx, cl, "/land/party-record/"+id, height, &p)
		if err != nil {
			return nil, err
		}
		if ok {
			ps[id] = &p
		}
	}
	return ps, nil
}

// actorNames maps each signing account to the name of the (first, in id
// order) party it signs for, read at height; accounts that sign for no
// party are left out.
func actorNames(ctx context.Context, cl *client.Client, accounts []string, height int64, ps ui.Parties) (map[string]string, error) {
	out := map[string]string{}
	for _, a := range accounts {
		if _, done := out[a]; done || len(out) >= maxNamedAccounts {
			continue
		}
		var ids []string
		if _, err := portal.ReadJSON(ctx, cl, "/land/parties-of/"+a, height, &ids); err != nil {
			return nil, err
		}
		if len(ids) == 0 {
			// No party: a registry official acting in office is named by
			// the office ("a land clerk"); the account stays under
			// "Technical details".
			var acct authority.Account
			if ok, err := portal.ReadJSON(ctx, cl, "/authority/account/"+a, height, &acct); err != nil {
				return nil, err
			} else if ok && acct.HasRole(authority.RoleClerk) {
				out[a] = "A land clerk"
			}
			continue
		}
		if ps[ids[0]] == nil {
			more, err := readParties(ctx, cl, ids[:1], height)
			if err != nil {
				return nil, err
			}
			ps[ids[0]] = more[ids[0]]
		}
		if p := ps[ids[0]]; p != nil {
			out[a] = p.Name
		}
	}
	return out, nil
}

// historyNames reads the parties a parcel's history names (owners) and
// the names of its signers.
func historyNames(ctx context.Context, cl *client.Client, events []land.Event, height int64) (ui.Parties, map[string]string, error) {
	var ids, actors []string
	for _, e := range events {
		for _, o := range e.Owners {
			if !slices.Contains(ids, o.Party) {
				ids = append(ids, o.Party)
			}
		}
		if !slices.Contains(actors, e.Actor) {
			actors = append(actors, e.Actor)
		}
	}
	ps, err := readParties(ctx, cl, ids, height)
	if err != nil {
		return nil, nil, err
	}
	names, err := actorNames(ctx, cl, actors, height, ps)
	return ps, names, err
}

// landParty is a party's page: its public-register record, former
// names, and the titles it holds.
func (s *handlers) landParty(c echo.Context) error {
	id := strings.ToUpper(c.Param("id"))
	if !land.IsPartyID(id) {
		return echo.NewHTTPError(http.StatusNotFound, "A party is named N followed by its number, such as N1.")
	}
	p, err := s.provenLand(c, "party-record/"+id)
	if err != nil {
		return err
	}
	if p.Value == nil {
		return echo.NewHTTPError(http.StatusNotFound, "There is no party "+id+" (its absence is proven at height "+fmt.Sprint(p.Height)+").")
	}
	v := ui.PartyView{Height: p.Height, ProofHeight: p.Height + 1, AppHash: strings.ToUpper(fmt.Sprintf("%x", p.AppHash))}
	if err := json.Unmarshal(p.Value, &v.Party); err != nil {
		return fmt.Errorf("decode party %s: %w", id, err)
	}
	cl, err := s.Client(c)
	if err != nil {
		return err
	}
	if _, err := portal.ReadJSON(c.Request().Context(), cl, "/land/party/"+id, p.Height, &v.Holdings); err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return portal.Render(c, http.StatusOK, ui.PartyPage(v))
}

// partyHoldings lists the parties account signs for with their titles.
func partyHoldings(ctx context.Context, cl *client.Client, account string) ([]ui.PartyHoldings, error) {
	var ids []string
	if _, err := portal.ReadJSON(ctx, cl, "/land/parties-of/"+account, 0, &ids); err != nil {
		return nil, err
	}
	var out []ui.PartyHoldings
	for _, id := range ids {
		var ph ui.PartyHoldings
		ok, err := portal.ReadJSON(ctx, cl, "/land/party-record/"+id, 0, &ph.Party)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		if _, err := portal.ReadJSON(ctx, cl, "/land/party/"+id, 0, &ph.Holdings); err != nil {
			return nil, err
		}
		out = append(out, ph)
	}
	return out, nil
}
