// Package web assembles the Publica portal: Routes declares every route,
// of the core (web/portal) and of each area (web/explorer, web/land,
// web/identity, web/ballot, web/audit), and New / NewForNode build the
// server with them. The areas import the core and the shared components
// (web/ui), never each other; see docs/portal.md for the map.
package web
