// Package home serves the portal's front page (docs/portal.md "Home"):
// what citizens come to do — find a property, their own property, vote,
// their credentials, check a certificate. The chain's status page is in
// the explorer (/status).
package home

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/publica/publica/web/portal"
	"github.com/publica/publica/web/ui"
)

// Register declares the front page on e.
func Register(e *echo.Echo, p *portal.Server) {
	e.GET("/", func(c echo.Context) error { return portal.Render(c, http.StatusOK, ui.HomePage()) })
}
