// Package home serves the portal's front page (docs/portal.md "Home"):
// what citizens come to do — find a property, their own property, vote,
// their credentials, check a certificate. The chain's status page is in
// the explorer (/status).
package home

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/publica/publica/genesis"
	"github.com/publica/publica/web/portal"
	"github.com/publica/publica/web/ui"
)

// Register declares the front page on e.
func Register(e *echo.Echo, p *portal.Server) {
	e.GET("/", func(c echo.Context) error { return portal.Render(c, http.StatusOK, ui.HomePage(devChain(c, p))) })
}

// devChain reports whether the portal reads the development chain, whose
// front page points to the guided first visit (/demo, web/demo). A chain
// that cannot be asked is not the development chain.
func devChain(c echo.Context, p *portal.Server) bool {
	cl, err := p.Client(c)
	if err != nil {
		return false
	}
	id, err := cl.ChainID(c.Request().Context())
	return err == nil && id == genesis.DevChainID
}
