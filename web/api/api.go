// Package api is the portal's machine API description: the OpenAPI 3.1
// document of every JSON (and GeoJSON, JSON-LD, PDF) answer the portal
// gives software, kept in docs/openapi.yaml and served at
// /api/openapi.yaml. The answers themselves are served by their areas
// (web/features, web/identity, web/land, web/explorer).
package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/publica/publica/docs"
	"github.com/publica/publica/web/portal"
)

// Path is where the document is served.
const Path = "/api/openapi.yaml"

// Register declares the API description's route on e.
func Register(e *echo.Echo, _ *portal.Server) {
	e.GET(Path, openAPI)
}

// openAPI serves docs/openapi.yaml (RFC 9512 media type). It changes only
// with the software, so it may be cached for an hour.
func openAPI(c echo.Context) error {
	h := c.Response().Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	h.Set("Cache-Control", "public, max-age=3600")
	return c.Blob(http.StatusOK, "application/yaml", docs.OpenAPI)
}
