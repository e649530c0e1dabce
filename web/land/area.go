// Package land serves the land registry's pages (docs/portal.md "Land"):
// an account's titles, a title with its proof, extract and certificate,
// a parcel with its outline and history, search, the extract verifier,
// and the journeys of x/land's dealings — parcels and first titles,
// transfers, caveats, charges, leases, easements, subdivisions, merges
// and corrections — including those several accounts co-sign.
package land

import (
	"github.com/labstack/echo/v4"
	"net/http"

	"github.com/publica/publica/web/portal"
)

// handlers serve the land pages.
type handlers struct{ *portal.Server }

// Register declares the land pages and journeys on e.
func Register(e *echo.Echo, p *portal.Server) {
	s := &handlers{p}
	e.GET("/land", s.landHome)
	e.GET("/land/search", s.landSearch)
	e.GET("/land/map", s.landMap) // maps.go
	e.GET("/land/titles/:id", s.landTitle)
	e.GET("/land/titles/:id/extract.json", s.landExtract)
	e.GET("/land/titles/:id/certificate", s.landCertificatePage)
	e.GET("/land/titles/:id/certificate.pdf", s.landCertificatePDF)
	e.GET("/land/parcels/:id", s.landParcel)
	e.GET("/land/parties/:id", s.landParty)
	e.GET("/land/verify", s.landVerifyForm)
	e.POST("/land/verify", s.landVerify) // bounds its own body: a certificate PDF exceeds the portal's 64 KiB
	p.AllowLargeBody(func(r *http.Request) bool { return r.Method == http.MethodPost && r.URL.Path == "/land/verify" })

	for _, j := range []*portal.Journey{
		landLodgeCaveat, landExamineCaveat, landWithdrawCaveat, landRemoveCaveat, landDischargeMortgage, // dealings.go
		landEndLease, landEndEasement, landTransmit, landWithdrawOffer,
		landRegisterParcel, landRegisterTitle, landOfferTransfer, landAcceptTransfer, landRegisterTransfer, // journeys.go
		landMerge, landCorrect, // merge.go
		landSubdivide,                     // subdivide.go
		landRegisterParty, landAmendParty, // party_journeys.go
	} {
		p.HandleJourney(e, j)
	}
	// Dealings several accounts sign (cosign.go, cosign_journeys.go).
	p.HandleCosign(e, "/land/cosign", landRegisterMortgage, landRegisterLease, landRegisterEasement, landSettleTransfer)
}
