// Package demo serves the development chain's guided first visit (/demo):
// one button per role puts that role's public demo key in the browser and
// signs in with it, and the page suggests one thing to try as each. On any
// other chain the page does not exist.
package demo

import (
	"crypto/ed25519"
	"crypto/x509"
	"encoding/hex"
	"net/http"
	"os"
	"path/filepath"

	"github.com/labstack/echo/v4"

	"github.com/publica/publica/genesis"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/web/i18n"
	"github.com/publica/publica/web/portal"
	"github.com/publica/publica/web/ui"
)

// Register adds the guided visit's page.
func Register(e *echo.Echo, p *portal.Server) {
	e.GET("/demo", func(c echo.Context) error { return page(c, p) })
}

// role is one demo key offered, with one thing to try: who, about and
// try are message keys of web/i18n's catalog ("demo.clerk" is "Clara the
// clerk"). The election ids are the demo town's (cmd/publica/demo.go).
type role struct {
	id, who, about, key, try, tryURL string
	// seeded: the key's account is made by the demo town's seeding (the
	// observer), so the role is offered only once the town is seeded.
	seeded bool
}

var roles = []role{
	{"clerk", "demo.clerk", "demo.clerk.about", "clerk", "demo.clerk.try", "/land/parcels/register", false},
	{"citizen", "demo.citizen", "demo.citizen.about", "citizen-alice", "demo.citizen.try", "/elections/millbrook-budget-2027/vote", false},
	{"registrar", "demo.registrar", "demo.registrar.about", "registrar", "demo.registrar.try", "/identity/issue", false},
	{"official", "demo.official", "demo.official.about", "election-official", "demo.official.try", "/ballot/create", false},
	{"trustee", "demo.trustee", "demo.trustee.about", "trustee-1", "demo.trustee.try", "/elections/millbrook-library-2026/trustees", false},
	{"auditor", "demo.auditor", "demo.auditor.about", "auditor", "demo.auditor.try", "/audit/replay", false},
	{"observer", "demo.observer", "demo.observer.about", "observer", "demo.observer.try", "/elections/millbrook-library-2026/observe", true},
}

// seededMarker is the file `publica start` writes in the node's home once
// it has seeded the demo town (cmd/publica/demo.go).
const seededMarker = "demo.done"

func page(c echo.Context, p *portal.Server) error {
	cl, err := p.Client(c)
	if err != nil {
		return err
	}
	chainID, err := cl.ChainID(c.Request().Context())
	if err != nil {
		return err
	}
	if chainID != genesis.DevChainID {
		return echo.NewHTTPError(http.StatusNotFound, "The guided visit with demo keys exists only on the development chain.")
	}
	ctx := c.Request().Context()
	var out ui.DemoPage
	if home := p.Home(); home != "" {
		_, err := os.Stat(filepath.Join(home, seededMarker))
		out.Seeded = err == nil
	}
	for _, r := range roles {
		if r.seeded && !out.Seeded {
			continue
		}
		priv := genesis.DemoKey{Name: r.key}.PrivateKey()
		pkcs8, err := x509.MarshalPKCS8PrivateKey(priv)
		if err != nil {
			return err
		}
		pub := priv.Public().(ed25519.PublicKey)
		ch, err := p.SignInChallenge(c)
		if err != nil {
			return err
		}
		out.Roles = append(out.Roles, ui.DemoRole{ID: r.id, Who: i18n.T(ctx, r.who), About: i18n.T(ctx, r.about), KeyName: r.key,
			Account: tx.AccountID(pub), PubKey: hex.EncodeToString(pub), PKCS8: hex.EncodeToString(pkcs8),
			Try: i18n.T(ctx, r.try), TryURL: r.tryURL, SignIn: ch})
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return portal.Render(c, http.StatusOK, ui.Demo(out))
}
