// Package identity serves the pages of x/identity (docs/portal.md
// "Credentials"): an issuer's record with proofs, one credential's status
// bits, a pending recovery, the citizen's credentials held in the
// browser, issuing (issue.go) and presenting (present.go) credentials,
// the presentation verifier, and the status, recovery and eligibility
// journeys (journeys.go).
package identity

import (
	"github.com/labstack/echo/v4"

	"github.com/publica/publica/web/portal"
	"github.com/publica/publica/web/static"
	"github.com/publica/publica/x/identity/vc"
)

// handlers serve the identity pages.
type handlers struct{ *portal.Server }

// Register declares the identity pages and journeys on e.
func Register(e *echo.Echo, p *portal.Server) {
	s := &handlers{p}
	e.GET("/identity", s.identityHome)
	e.GET("/identity/issuers/:account", s.issuerPage)
	e.GET("/identity/issuers/:account/credentials", s.credentialLookup)
	e.GET("/identity/issuers/:account/credentials/:index", s.credentialStatusPage)
	e.GET("/identity/status-lists/:account/:purpose", s.statusListDoc)
	e.GET("/identity/status-lists/:account/:purpose/chain", s.statusListEvidenceDoc)
	e.GET("/identity/schemas/:id/:version", s.schemaDoc)
	// The issuer signs and publishes a status list (publish.go).
	e.POST("/identity/status-lists/publish", s.publishList)
	e.POST("/identity/status-lists/publish/sign", s.publishListSign)
	e.POST("/identity/status-lists/publish/send", s.publishListSend)
	// JSON-LD context and DID resolution (interop.go).
	e.GET(vc.ContextPath, s.contextDoc)
	e.GET("/1.0/identifiers/:did", s.resolveDID)
	e.GET("/identity/recovery", s.recoveryLookup)
	e.GET("/identity/recovery/:account", s.recoveryPage)
	e.GET("/identity/credentials", s.myCredentials)
	e.GET("/identity/verify", s.verifyPresentationForm)
	e.POST("/identity/verify", s.verifyPresentation)

	// Issuing a credential (issue.go).
	e.GET("/identity/issue", s.issueForm)
	e.POST("/identity/issue", s.issueAnswers)
	e.POST("/identity/issue/sign", s.issueSign)
	e.POST("/identity/issue/send", s.issueSend)
	e.POST("/identity/issue/held.json", s.issueDownload)

	// Presenting one (present.go).
	e.GET("/identity/present", s.presentForm)
	e.POST("/identity/present", s.presentPrepare)
	e.POST("/identity/present/sign", s.presentSign)
	e.GET("/identity/eligibility", s.eligibilityForm)
	e.POST("/identity/eligibility", s.presentPrepare)
	// The presentation builder those pages run (cmd/presentwasm).
	e.GET(static.Prefix+"present.wasm", portal.GzipAsset("present.wasm", "application/wasm"))

	// Journeys (journeys.go). The three status journeys share a message
	// type; /tx/send answers with the last one's confirmation, as before.
	for _, j := range []*portal.Journey{credentialRevoke, credentialSuspend, credentialReinstate,
		recoveryRequest, recoveryCancel, eligibilityRegister} {
		p.HandleJourney(e, j)
	}
}
