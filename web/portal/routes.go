package portal

import "github.com/labstack/echo/v4"

// RegisterCore declares the core's own routes on e: health, embedded
// assets, keys and sign-in, relaying signed transactions, and the first
// journey (a key becomes an account). web.Routes calls it with every
// area's Register.
func RegisterCore(e *echo.Echo, s *Server) {
	e.GET("/healthz", s.Health)
	e.HEAD("/healthz", s.Health)
	e.GET("/static/*", Static())
	e.GET("/keys", s.KeysPage)
	e.GET("/signin", s.SignInPage)
	e.POST("/signin", s.SignIn)
	e.POST("/signout", s.SignOut)
	e.POST("/tx/send", s.TxSend)
	s.HandleJourney(e, RegisterAccount)
}
