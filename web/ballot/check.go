package ballot

import (
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/publica/publica/audit/election"
	"github.com/publica/publica/web/i18n"
	"github.com/publica/publica/web/portal"
	"github.com/publica/publica/web/ui"
)

// The check page of a challenged ballot (Benaloh): the voter brings the
// challenge file from the voting device and types the tracker that device
// showed before the challenge. The election record is read with a proof;
// the check itself is audit/election.CheckChallenge, the CLI's "publica
// audit ballot". The page needs no JavaScript.

// maxChallenge bounds a challenge file (a ballot of the largest election
// shape is far smaller than the portal's 64 KiB request limit).
const maxChallenge = 60 << 10

// checkPage serves GET /elections/:id/check: the form.
func (s *handlers) checkPage(c echo.Context) error {
	_, e, err := s.electionOr404(c)
	if err != nil {
		return err
	}
	return portal.Render(c, http.StatusOK, ui.ChallengeCheckPage(ui.ChallengeCheck{ID: e.ID, Title: e.Title}))
}

// checkChallenge serves POST /elections/:id/check: the verdict.
func (s *handlers) checkChallenge(c echo.Context) error {
	_, e, err := s.electionOr404(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	v := ui.ChallengeCheck{ID: e.ID, Title: e.Title, Tracker: strings.TrimSpace(c.FormValue("tracker")), Challenge: strings.TrimSpace(c.FormValue("challenge"))}
	file := v.Challenge
	if fh, err := c.FormFile("challenge_file"); err == nil {
		f, err := fh.Open()
		if err != nil {
			return err
		}
		b, err := io.ReadAll(io.LimitReader(f, maxChallenge+1))
		f.Close()
		if err != nil {
			return err
		}
		if len(b) > 0 {
			file = strings.TrimSpace(string(b))
		}
	}
	switch {
	case v.Tracker == "":
		v.Errors = append(v.Errors, ui.FormError{Field: "tracker", Message: i18n.T(ctx, "ballot.check.err.tracker")})
	case election.NormalTracker(v.Tracker) == "":
		v.Errors = append(v.Errors, ui.FormError{Field: "tracker", Message: i18n.T(ctx, "ballot.tracker.bad")})
	}
	switch {
	case file == "":
		v.Errors = append(v.Errors, ui.FormError{Field: "challenge", Message: i18n.T(ctx, "ballot.check.err.file")})
	case len(file) > maxChallenge:
		v.Errors = append(v.Errors, ui.FormError{Field: "challenge", Message: i18n.T(ctx, "ballot.check.err.large")})
	}
	if len(v.Errors) > 0 {
		return portal.Render(c, http.StatusUnprocessableEntity, ui.ChallengeCheckPage(v))
	}
	r, err := s.Reader(c)
	if err != nil {
		return err
	}
	p, err := r.Proven("/ballot/election/"+e.ID, nil)
	if err != nil {
		return err
	}
	if p.Value == nil {
		return echo.NewHTTPError(http.StatusNotFound, i18n.T(ctx, "ballot.notfound"))
	}
	rep := election.CheckChallenge(p.Value, []byte(file), v.Tracker)
	res := &ui.ChallengeResult{OK: rep.OK, Problem: rep.Problem, Tracker: rep.Tracker, Voter: rep.Voter, Proven: p.Height}
	for qi, q := range rep.Questions {
		picked := i18n.T(ctx, "ballot.check.nochoice")
		if len(rep.Choices[qi]) > 0 {
			words := make([]string, len(rep.Choices[qi]))
			for i, o := range rep.Choices[qi] {
				words[i] = o
				if o == "yes" || o == "no" { // a yes/no question's options, kept in English on the chain
					words[i] = i18n.T(ctx, "ballot."+o)
				}
			}
			picked = strings.Join(words, ui.ListSep(ctx))
		}
		res.Choices = append(res.Choices, ui.Fact{Label: q, Value: picked})
	}
	v.Result = res
	c.Response().Header().Set("Cache-Control", "no-store")
	return portal.Render(c, http.StatusOK, ui.ChallengeCheckPage(v))
}
