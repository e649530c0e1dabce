package ballot

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/publica/publica/web/i18n"
	"github.com/publica/publica/web/portal"
	"github.com/publica/publica/web/ui"
	"github.com/publica/publica/x/ballot"
)

// RollImportBatch is how many voters a batch of the portal's roll import
// carries: the portal's request body limit (64 KiB) bounds the journey's
// form and the prepared transaction sealed in the check page, so a batch
// holds fewer than a message may (publica ballot roll import sends the
// most, ballot.MaxRollChange).
const RollImportBatch = 500

// rollImportPage serves GET /elections/:id/roll/import: the official's
// roll import from a CSV list, run in the browser (static/roll_import.js)
// through the register-voters journey, RollImportBatch voters a
// transaction.
func (s *handlers) rollImportPage(c echo.Context) error {
	cl, e, err := s.electionOr404(c)
	if err != nil {
		return err
	}
	v := ui.RollImportView{ID: e.ID, Title: e.Title, Batch: RollImportBatch, AddPath: registerVoters.Path, Open: true}
	now, err := blockTime(c.Request().Context(), cl)
	if err != nil {
		return err
	}
	switch {
	case e.Eligibility.Kind != ballot.RuleRoll:
		v.Open, v.Reason = false, i18n.T(c.Request().Context(), "ballot.roll.norule")
	case e.Phase == ballot.PhaseTallied || now.Unix() >= e.ClosesAt:
		v.Open, v.Reason = false, i18n.T(c.Request().Context(), "ballot.roll.closed")
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return portal.Render(c, http.StatusOK, ui.RollImportPage(v))
}
