package portal

import (
	"github.com/labstack/echo/v4"

	"github.com/publica/publica/web/ui"
)

// ViewerHolds says whether the signed-in viewer holds role; account is
// "" when no one is signed in.
func (s *Server) ViewerHolds(c echo.Context, role string) (account string, holds bool, err error) {
	account = ui.ViewerFrom(c.Request().Context()).Account
	if account == "" {
		return "", false, nil
	}
	cl, err := s.Client(c)
	if err != nil {
		return account, false, err
	}
	a, err := cl.Account(c.Request().Context(), account)
	if err != nil {
		return account, false, Unavailable(err, "account", account)
	}
	return account, a != nil && a.HasRole(role), nil
}
