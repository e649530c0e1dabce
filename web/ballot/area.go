// Package ballot serves the elections of x/ballot (docs/portal.md
// "Elections"): the list, an election with its result and verdict, the
// vote page (ballots encrypted in the browser, in WebAssembly), the
// ballot tracker, the trustees' ceremony page, the observers' pages
// (observe.go), and the journeys of officials (admin.go), voters
// (cast.go) and trustees (trustee.go).
package ballot

import (
	"github.com/labstack/echo/v4"

	"github.com/publica/publica/web/portal"
	"github.com/publica/publica/web/static"
)

// handlers serve the election pages.
type handlers struct{ *portal.Server }

// Register declares the election pages and journeys on e.
func Register(e *echo.Echo, p *portal.Server) {
	s := &handlers{p}
	e.GET("/elections", s.electionsPage)
	e.GET("/elections/:id", s.electionPage)
	e.GET("/elections/:id/vote", s.votePage)
	e.GET("/elections/:id/ballots", s.trackerPage)
	e.GET("/elections/:id/board", s.boardPage)            // board.go
	e.GET("/elections/:id/roll/import", s.rollImportPage) // rollimport.go
	e.GET("/elections/:id/check", s.checkPage)            // check.go
	e.POST("/elections/:id/check", s.checkChallenge)
	e.GET("/elections/:id/trustees", s.ceremonyPage)
	e.GET("/observe", s.observeListPage)           // observe.go: accredited observers only
	e.GET("/elections/:id/observe", s.observePage) // (others: 403 with the reason)
	e.GET(static.Prefix+"ballot.wasm", ballotWasm)

	for _, j := range []*portal.Journey{
		createElection, registerVoters, removeVoters, publishElectionKey, // admin.go
		castBallot,                                                                   // cast.go
		trusteeKeyJourney, dealJourney, complainJourney, revealJourney, tallyJourney, // trustee.go
	} {
		p.HandleJourney(e, j)
	}
}
