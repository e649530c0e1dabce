// Package docs holds the documents the portal serves exactly as they are
// written here.
package docs

import _ "embed"

// OpenAPI is openapi.yaml: the portal's machine API (served at
// /api/openapi.yaml).
//
//go:embed openapi.yaml
var OpenAPI []byte
