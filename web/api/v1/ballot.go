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

// trackerHex is a ballot tracker (hex SHA-512/256 of the encrypted ballot).
var trackerHex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// BoardEntry is one ballot on the bulletin board: its tracker, the block
// it was cast in, the casting transaction and its status (the voter is in
// the stored record the proof carries, as the chain holds it).
type BoardEntry struct {
	Tracker string `json:"tracker"`
	Height  int64  `json:"height"`
	Tx      string `json:"tx"`
	Status  string `json:"status"`
}

// board answers GET /api/v1/elections/{id}/board: the election's ballot
// trackers in key order, every ballot ever cast, proven complete page by
// page (as the portal's /elections/{id}/board).
func (a *api) board(c echo.Context) error {
	id, err := id(c, "id", "election", electionID)
	if err != nil {
		return fail(c, err)
	}
	after, limit, err := page(c, trackerHex)
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
	prefix := ballot.TrackerPrefix(id)
	items, more, err := r.list(prefix, after, limit)
	if err != nil {
		return fail(c, err)
	}
	data := make([]BoardEntry, len(items))
	for i, it := range items {
		var tr ballot.Tracker
		if err := json.Unmarshal(it.value, &tr); err != nil {
			return fail(c, err)
		}
		data[i] = BoardEntry{Tracker: string(it.key[len(prefix):]), Height: tr.Height, Tx: tr.Tx, Status: tr.Status}
	}
	next := ""
	if more {
		next = cursor(string(items[len(items)-1].key[len(prefix):]))
	}
	return r.answer(c, data, next)
}
