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
	"github.com/publica/publica/web/portal"
	"github.com/publica/publica/web/ui"
)

// Register adds the guided visit's page.
func Register(e *echo.Echo, p *portal.Server) {
	e.GET("/demo", func(c echo.Context) error { return page(c, p) })
}

// role is one demo key offered, with one thing to try. The election ids
// are the demo town's (cmd/publica/demo.go).
type role struct {
	id, who, about, key, try, tryURL string
}

var roles = []role{
	{"clerk", "Clara the clerk", "A land registry clerk: registers parcels, first titles and dealings, examines caveats.",
		"clerk", "Register a new parcel in Millbrook", "/land/parcels/register"},
	{"citizen", "Alice the citizen", "A resident of Millbrook: owns land there, holds a residence credential and is on the voter roll.",
		"citizen-alice", "Vote in the Millbrook budget 2027 election", "/elections/millbrook-budget-2027/vote"},
	{"registrar", "The registrar", "An accredited issuer of residence credentials.",
		"registrar", "Issue a residence credential", "/identity/issue"},
	{"official", "An election official", "Runs elections: defines them, keeps the voter roll, publishes the election key.",
		"election-official", "Create an election", "/ballot/create"},
	{"trustee", "A trustee", "Holds a share of an election's decryption key: takes part in the key ceremony and the tally.",
		"trustee-1", "See the key ceremony and tally of the library referendum", "/elections/millbrook-library-2026/trustees"},
	{"auditor", "The auditor", "Checks the chain independently: replays every block from genesis.",
		"auditor", "Run a full replay of the chain", "/audit/replay"},
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
	var out ui.DemoPage
	if home := p.Home(); home != "" {
		_, err := os.Stat(filepath.Join(home, seededMarker))
		out.Seeded = err == nil
	}
	for _, r := range roles {
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
		out.Roles = append(out.Roles, ui.DemoRole{ID: r.id, Who: r.who, About: r.about, KeyName: r.key,
			Account: tx.AccountID(pub), PubKey: hex.EncodeToString(pub), PKCS8: hex.EncodeToString(pkcs8),
			Try: r.try, TryURL: r.tryURL, SignIn: ch})
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return portal.Render(c, http.StatusOK, ui.Demo(out))
}
