// Package features is the portal's OGC API – Features service for the
// land register: the parcels as one collection, in GeoJSON, with the
// CRS extension (Part 2). GIS software opens it as a layer:
//
//	ogrinfo OAPIF:https://portal.example/features parcels
//
// Routes (all GET; JSON answers, errors as OGC exceptions):
//
//	/features                                  landing page
//	/features/conformance                      conformance classes
//	/features/api                              OpenAPI 3.0 description
//	/features/collections                      the one collection, parcels
//	/features/collections/parcels              its metadata, CRSs and extent
//	/features/collections/parcels/items        a page of active parcels (bbox, bbox-crs, crs, limit, datetime, height)
//	/features/collections/parcels/items/{id}   one parcel, read with its proof
//	/features/collections/parcels/download     the whole register as one FeatureCollection, streamed
//
// Every answer reads one state height, named in the Publica-Height header
// and carried by paging links, so a client paging through the register
// sees one consistent register. datetime=<RFC 3339 instant> reads the
// register as it stood then (the last block at or before it).
package features

import (
	"github.com/labstack/echo/v4"

	"github.com/publica/publica/web/portal"
)

// Base is the path of the landing page.
const Base = "/features"

// Register declares the area's routes (web.Routes calls it).
func Register(e *echo.Echo, p *portal.Server) {
	s := &service{p: p}
	e.GET(Base, s.landing)
	e.GET(Base+"/", s.landing)
	e.GET(Base+"/conformance", s.conformance)
	e.GET(Base+"/api", s.openAPI)
	e.GET(Base+"/collections", s.collections)
	e.GET(Base+"/collections/parcels", s.collection)
	e.GET(Base+"/collections/parcels/items", s.items)
	e.GET(Base+"/collections/parcels/items/:id", s.item)
	e.GET(Base+"/collections/parcels/download", s.download)
	e.GET(Base+"/*", s.notFound)
}
