package v1

import (
	"encoding/json"
	"regexp"

	"github.com/labstack/echo/v4"

	"github.com/publica/publica/x/ballot"
)

// electionID is ballot's election id (x/ballot ValidElectionID).
var electionID = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

var electionPrefix = ballot.ElectionKey("")

// elections answers GET /api/v1/elections: elections in key order, as
// stored (questions, trustees, phase, opening and closing times).
func (a *api) elections(c echo.Context) error {
	return a.listRecords(c, electionPrefix, electionID)
}

// election answers GET /api/v1/elections/{id}.
func (a *api) election(c echo.Context) error {
	e, err := id(c, "id", "election", electionID)
	if err != nil {
		return fail(c, err)
	}
	return a.one(c, ballot.ElectionKey(e), "election "+e)
}

// Results is the data of an election's results: the election's questions
// and the tally the trustees decrypted, as stored.
type Results struct {
	Election  string            `json:"election"`
	Title     string            `json:"title"`
	Phase     string            `json:"phase"`
	Questions []ballot.Question `json:"questions"`
	Result    json.RawMessage   `json:"result"` // ballot.Result: ballots, counts per question and option
}

// results answers GET /api/v1/elections/{id}/results, 404 until the tally
// is published.
func (a *api) results(c echo.Context) error {
	id, err := id(c, "id", "election", electionID)
	if err != nil {
		return fail(c, err)
	}
	r, err := a.open(c)
	if err != nil {
		return fail(c, err)
	}
	ev, err := r.get(ballot.ElectionKey(id))
	if err != nil {
		return fail(c, err)
	}
	if ev == nil {
		return fail(c, notFound("there is no election %s at height %d", id, r.height))
	}
	var e ballot.Election
	if err := json.Unmarshal(ev, &e); err != nil {
		return fail(c, err)
	}
	rv, err := r.get(ballot.ResultKey(id))
	if err != nil {
		return fail(c, err)
	}
	if rv == nil {
		return fail(c, notFound("election %s has no published results at height %d (it is in phase %q)", id, r.height, e.Phase))
	}
	return r.answer(c, Results{Election: id, Title: e.Title, Phase: e.Phase, Questions: e.Questions, Result: record(rv)}, "")
}
