package features

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// openAPI serves the service's OpenAPI 3.0 description (the landing
// page's service-desc).
func (s *service) openAPI(c echo.Context) error {
	if err := allow(c); err != nil {
		return s.answerError(c, err)
	}
	str := map[string]any{"type": "string"}
	param := func(name, desc string, schema map[string]any) map[string]any {
		return map[string]any{"name": name, "in": "query", "required": false, "description": desc, "schema": schema, "style": "form", "explode": false}
	}
	height := param("height", "Read the register at this block height (paging links carry it).", map[string]any{"type": "integer", "minimum": 1})
	datetime := param("datetime", "Read the register as it stood at this RFC 3339 instant (the last block at or before it).", str)
	crs := param("crs", "CRS of the answer: http://www.opengis.net/def/crs/OGC/1.3/CRS84 (default) or the collection's storageCrs.", map[string]any{"type": "string", "format": "uri"})
	json := func(desc string) map[string]any {
		return map[string]any{"description": desc, "content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"type": "object"}}}}
	}
	geo := func(desc string) map[string]any {
		return map[string]any{"description": desc, "content": map[string]any{"application/geo+json": map[string]any{"schema": map[string]any{"type": "object"}}}}
	}
	errs := map[string]any{"400": json("Bad query parameter (OGC exception: code, description)"), "404": json("Not found"), "503": json("The node is unreachable")}
	op := func(id, summary string, ok map[string]any, params ...map[string]any) map[string]any {
		resp := map[string]any{"200": ok}
		for k, v := range errs {
			resp[k] = v
		}
		if params == nil {
			params = []map[string]any{}
		}
		return map[string]any{"get": map[string]any{"operationId": id, "summary": summary, "parameters": params, "responses": resp}}
	}
	doc := map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{"title": "Publica land register – OGC API – Features", "version": "1.0.0",
			"description": "Parcels of the land register (docs/portal.md, docs/land.md)."},
		"servers": []any{map[string]any{"url": s.p.Origin(c) + Base}},
		"paths": map[string]any{
			"/":                    op("getLandingPage", "Landing page", json("Links to the API definition, conformance and collections")),
			"/conformance":         op("getConformance", "Conformance classes", json("conformsTo")),
			"/api":                 op("getAPI", "This document", json("OpenAPI 3.0")),
			"/collections":         op("getCollections", "The collections", json("One collection, parcels"), height, datetime),
			"/collections/parcels": op("describeParcels", "The parcels collection", json("Metadata, CRSs, storageCrs, extent"), height, datetime),
			"/collections/parcels/items": op("getParcels", "A page of active parcels", geo("FeatureCollection with next/prev links"),
				param("bbox", "min x, min y, max x, max y (longitude/latitude unless bbox-crs)", map[string]any{"type": "array", "minItems": 4, "maxItems": 4, "items": map[string]any{"type": "number"}}),
				param("bbox-crs", "CRS of bbox: CRS84 (default) or the storageCrs", map[string]any{"type": "string", "format": "uri"}),
				crs, param("limit", "Features per page (default 100, at most 1000)", map[string]any{"type": "integer", "minimum": 1, "default": DefaultLimit}),
				datetime, height,
				param("cursor", "Continue after this parcel id (next links)", str), param("before", "The page before this parcel id (prev links)", str)),
			"/collections/parcels/items/{featureId}": map[string]any{"get": map[string]any{"operationId": "getParcel", "summary": "One parcel, read with its proof",
				"parameters": []any{map[string]any{"name": "featureId", "in": "path", "required": true, "schema": str}, crs, datetime, height},
				"responses":  map[string]any{"200": geo("Feature"), "400": errs["400"], "404": errs["404"], "503": errs["503"]}}},
			"/collections/parcels/download": op("downloadParcels", "The whole register as one FeatureCollection (streamed)", geo("FeatureCollection"), crs, datetime, height),
		},
	}
	cors(c)
	c.Response().Header().Set(echo.HeaderContentType, oasJSON)
	return c.JSON(http.StatusOK, doc)
}
