package web

import (
	"github.com/labstack/echo/v4"

	"github.com/publica/publica/node"
	"github.com/publica/publica/web/api"
	apiv1 "github.com/publica/publica/web/api/v1"
	"github.com/publica/publica/web/audit"
	"github.com/publica/publica/web/ballot"
	"github.com/publica/publica/web/demo"
	"github.com/publica/publica/web/documents"
	"github.com/publica/publica/web/explorer"
	"github.com/publica/publica/web/features"
	"github.com/publica/publica/web/home"
	"github.com/publica/publica/web/identity"
	"github.com/publica/publica/web/land"
	"github.com/publica/publica/web/portal"

	rpcclient "github.com/cometbft/cometbft/rpc/client"
)

// Options tune the portal (see portal.Options).
type Options = portal.Options

// RateLimit bounds requests per client address (see portal.RateLimit).
type RateLimit = portal.RateLimit

// New builds the portal reading the chain through rpc, with every route.
func New(rpc rpcclient.Client, opts Options) (*portal.Server, error) {
	return portal.New(rpc, opts, Routes)
}

// NewForNode builds the portal for an in-process node, with every route.
func NewForNode(n *node.Node, opts Options) (*portal.Server, error) {
	return portal.NewForNode(n, opts, Routes)
}

// Routes declares every route of the portal: the core's, then each
// area's, registered by the area's Register (its pages, then its
// journeys). This is the one place to look for "which code serves this
// URL"; no package registers anything by itself.
func Routes(e *echo.Echo, p *portal.Server) {
	// Core (web/portal/routes.go): /healthz, /static/*, /lang/:code, /keys, /signin,
	// /signout, /tx/send and /account/register.
	portal.RegisterCore(e, p)

	// The front page: what citizens come to do.
	home.Register(e, p)
	// Status page, blocks, transactions, accounts.
	explorer.Register(e, p)
	// Elections: pages, voting, officials' and trustees' journeys,
	// observers' pages (/observe, /elections/<id>/observe).
	ballot.Register(e, p)
	// Land registry: titles, parcels, search, certificates, dealings.
	land.Register(e, p)
	// Credentials: issuers, holders, verifiers.
	identity.Register(e, p)
	// OGC API – Features: the parcels as a GIS layer (/features).
	features.Register(e, p)
	// The machine API's OpenAPI document (/api/openapi.yaml).
	api.Register(e, p)
	// The versioned machine read API (/api/v1/…): titles, parcels,
	// owners (at a date, proven), history, parties, documents, elections,
	// credential status; JSON with proofs on request.
	apiv1.Register(e, p)
	// Documents records rest on: uploads and checked downloads at
	// /documents/<sha256> (and /api/documents/<sha256> for the CLI).
	documents.Register(e, p)
	// Full replays started by auditors.
	audit.Register(e, p)
	// The development chain's guided first visit with demo keys.
	demo.Register(e, p)
}
