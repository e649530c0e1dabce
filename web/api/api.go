// Package api is the portal's machine API description: the OpenAPI 3.1
// document of every JSON (and GeoJSON, JSON-LD, PDF) answer the portal
// gives software, kept in docs/openapi.yaml and served at
// /api/openapi.yaml, and the same document as JSON at /api/openapi.json.
// The answers themselves are served by their areas (web/features,
// web/identity, web/land, web/explorer).
package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"

	"github.com/labstack/echo/v4"
	"gopkg.in/yaml.v3"

	"github.com/publica/publica/docs"
	"github.com/publica/publica/web/portal"
)

// Paths where the document is served.
const (
	PathYAML = "/api/openapi.yaml"
	PathJSON = "/api/openapi.json"
	// PathV1JSON is the same JSON document where the versioned read API
	// (/api/v1) names it.
	PathV1JSON = "/api/v1/openapi.json"
)

// mediaJSON is the OpenAPI Initiative's registered media type for the
// JSON form (the OGC service's own document at /features/api uses it too).
const mediaJSON = "application/vnd.oai.openapi+json;version=3.1"

// Register declares the API description's routes on e.
func Register(e *echo.Echo, _ *portal.Server) {
	e.GET(PathYAML, openAPIYAML)
	e.GET(PathJSON, openAPIJSON)
	e.GET(PathV1JSON, openAPIJSON)
}

// headers mark the document public: any origin may fetch it, and it
// changes only with the software, so it may be cached for an hour.
func headers(c echo.Context) {
	h := c.Response().Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	h.Set("Cache-Control", "public, max-age=3600")
}

// openAPIYAML serves docs/openapi.yaml as written (RFC 9512 media type).
func openAPIYAML(c echo.Context) error {
	headers(c)
	return c.Blob(http.StatusOK, "application/yaml", docs.OpenAPI)
}

// documentJSON is docs/openapi.yaml converted to JSON once.
var documentJSON = sync.OnceValues(func() ([]byte, error) {
	var doc any
	if err := yaml.Unmarshal(docs.OpenAPI, &doc); err != nil {
		return nil, fmt.Errorf("docs/openapi.yaml: %w", err)
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("docs/openapi.yaml as JSON: %w", err)
	}
	return append(b, '\n'), nil
})

// openAPIJSON serves the same document as JSON, for tools that read only
// JSON.
func openAPIJSON(c echo.Context) error {
	b, err := documentJSON()
	if err != nil {
		return err
	}
	headers(c)
	return c.Blob(http.StatusOK, mediaJSON, b)
}
