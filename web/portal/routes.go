package portal

import (
	"github.com/labstack/echo/v4"

	"github.com/publica/publica/web/i18n"
)

// RegisterCore declares the core's own routes on e: health, embedded
// assets, the language switcher, keys and sign-in, relaying signed transactions, and the first
// journey (a key becomes an account). web.Routes calls it with every
// area's Register.
func RegisterCore(e *echo.Echo, s *Server) {
	e.GET("/healthz", s.Health)
	e.HEAD("/healthz", s.Health)
	e.GET("/static/*", Static())
	e.GET("/lang/:code", i18n.Switch) // the language switcher: keeps the choice, returns to the page
	e.GET("/keys", s.KeysPage)
	e.GET("/signin", s.SignInPage)
	e.POST("/signin", s.SignIn)
	e.POST("/signout", s.SignOut)
	e.POST("/tx/send", s.TxSend)
	s.HandleJourney(e, RegisterAccount)
}
