package ballot

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/publica/publica/audit/election"
	"github.com/publica/publica/client"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/web/i18n"
	"github.com/publica/publica/web/portal"
	"github.com/publica/publica/web/static"
	"github.com/publica/publica/web/ui"
	"github.com/publica/publica/x/ballot"
)

// Elections: the list, an election's page (questions, times, status,
// bulletin board, result with the independent verifier's verdict), the
// vote page (encryption in the browser by cmd/ballotwasm compiled to
// WebAssembly, optional Benaloh audit) and "find my ballot" by tracker.
// Casting goes through the generic signing flow (castBallot, cast.go).

// VoteCSP is the policy of the vote page: the site's, plus
// 'wasm-unsafe-eval' so the page may compile WebAssembly (and nothing else:
// no eval, no inline script).
var VoteCSP = strings.Replace(portal.ContentSecurityPolicy, "script-src 'self'", "script-src 'self' 'wasm-unsafe-eval'", 1)

// ---- reading elections over RPC ----

func fetchElection(ctx context.Context, cl *client.Client, id string) (*ballot.Election, error) {
	if !ballot.ValidElectionID(id) {
		return nil, nil
	}
	var e ballot.Election
	ok, err := portal.ReadJSON(ctx, cl, "/ballot/election/"+id, 0, &e)
	if err != nil || !ok {
		return nil, err
	}
	return &e, nil
}

// blockTime is the latest block's time: elections open and close by it.
func blockTime(ctx context.Context, cl *client.Client) (time.Time, error) {
	st, err := cl.RPC.Status(ctx)
	if err != nil {
		return time.Time{}, portal.Unavailable(err)
	}
	return st.SyncInfo.LatestBlockTime, nil
}

func electionOpen(e *ballot.Election, now time.Time) bool {
	return e.Phase == ballot.PhaseReady && now.Unix() >= e.OpensAt && now.Unix() < e.ClosesAt
}

func electionStatus(e *ballot.Election, now time.Time) string {
	return electionStatusIn(context.Background(), e, now)
}

// unixIn is a block time (Unix seconds) written in the page's language.
func unixIn(ctx context.Context, t int64) string {
	return i18n.DateTime(i18n.Lang(ctx), time.Unix(t, 0))
}

// electionStatusIn is electionStatus in the page's language (web/i18n).
func electionStatusIn(ctx context.Context, e *ballot.Election, now time.Time) string {
	switch {
	case e.Phase == ballot.PhaseTallied:
		return i18n.T(ctx, "ballot.status.tallied")
	case now.Unix() >= e.ClosesAt:
		return i18n.T(ctx, "ballot.status.closed")
	case e.Phase != ballot.PhaseReady:
		return i18n.T(ctx, "ballot.status.preparing")
	case now.Unix() < e.OpensAt:
		return i18n.T(ctx, "ballot.status.notyet", unixIn(ctx, e.OpensAt))
	}
	return i18n.T(ctx, "ballot.status.open", unixIn(ctx, e.ClosesAt))
}

func unixUTC(t int64) string { return time.Unix(t, 0).UTC().Format("2006-01-02 15:04 UTC") }

// electionIDs finds the elections defined on the chain: the successful
// ballot/create-election transactions, from the node's transaction index.
func electionIDs(ctx context.Context, cl *client.Client) ([]string, error) {
	page, per := 1, 100
	res, err := cl.RPC.TxSearch(ctx, "tx.msg_type='"+ballot.TypeCreateElection+"'", false, &page, &per, "desc")
	if err != nil {
		return nil, portal.Unavailable(err)
	}
	var ids []string
	seen := map[string]bool{}
	for _, r := range res.Txs {
		if r.TxResult.Code != 0 {
			continue
		}
		t, err := tx.Decode(r.Tx)
		if err != nil {
			continue
		}
		var m ballot.MsgCreateElection
		if json.Unmarshal(t.Msg, &m) != nil || seen[m.ID] {
			continue
		}
		seen[m.ID] = true
		ids = append(ids, m.ID)
	}
	return ids, nil
}

func (s *handlers) electionsPage(c echo.Context) error {
	ctx := c.Request().Context()
	cl, err := s.Client(c)
	if err != nil {
		return err
	}
	now, err := blockTime(ctx, cl)
	if err != nil {
		return err
	}
	ids, err := electionIDs(ctx, cl)
	if err != nil {
		return err
	}
	var rows []ui.ElectionRow
	for _, id := range ids {
		e, err := fetchElection(ctx, cl, id)
		if err != nil {
			return err
		}
		if e == nil {
			continue
		}
		rows = append(rows, ui.ElectionRow{ID: e.ID, Title: e.Title, Status: electionStatusIn(ctx, e, now),
			Opens: unixIn(ctx, e.OpensAt), Closes: unixIn(ctx, e.ClosesAt), Open: electionOpen(e, now)})
	}
	return portal.Render(c, http.StatusOK, ui.ElectionsPage(rows))
}

func ruleText(q ballot.Question) string { return ruleTextIn(context.Background(), q) }

// ruleTextIn says how many options a voter may choose, in the page's language.
func ruleTextIn(ctx context.Context, q ballot.Question) string {
	spec := q.Spec()
	if spec.Min == 1 && spec.Max == 1 {
		return i18n.T(ctx, "ballot.rule.one")
	}
	return i18n.T(ctx, "ballot.rule.upto", i18n.NumberIn(ctx, int64(spec.Max)))
}

// optionsIn are a question's options as voters read them: a yes/no
// question's "yes" and "no" in the page's language (the chain keeps
// them in English).
func optionsIn(ctx context.Context, q ballot.Question) []string {
	if q.Kind != ballot.KindYesNo {
		return q.Options
	}
	out := make([]string, len(q.Options))
	for i, o := range q.Options {
		switch o {
		case "yes", "no":
			out[i] = i18n.T(ctx, "ballot."+o)
		default:
			out[i] = o
		}
	}
	return out
}

func questionViews(ctx context.Context, e *ballot.Election, counts [][]uint64) []ui.QuestionView {
	out := make([]ui.QuestionView, len(e.Questions))
	for i, q := range e.Questions {
		spec := q.Spec()
		out[i] = ui.QuestionView{Index: i, Text: q.Text, Kind: q.Kind, Rule: ruleTextIn(ctx, q), Options: optionsIn(ctx, q), Min: spec.Min, Max: spec.Max}
		if i < len(counts) {
			out[i].Counts = counts[i]
		}
	}
	return out
}

// eligibilityIn says who may vote, in the page's language.
func eligibilityIn(ctx context.Context, el ballot.Eligibility) string {
	switch {
	case el.Kind != ballot.RuleCredential:
		return i18n.T(ctx, "ballot.eligible.roll")
	case el.Predicate != "":
		return i18n.T(ctx, "ballot.eligible.credential.with", el.Schema, el.Predicate)
	}
	return i18n.T(ctx, "ballot.eligible.credential", el.Schema)
}

// electionOr404 reads the election named in the path.
func (s *handlers) electionOr404(c echo.Context) (*client.Client, *ballot.Election, error) {
	cl, err := s.Client(c)
	if err != nil {
		return nil, nil, err
	}
	e, err := fetchElection(c.Request().Context(), cl, c.Param("id"))
	if err != nil {
		return nil, nil, err
	}
	if e == nil {
		return nil, nil, echo.NewHTTPError(http.StatusNotFound, i18n.T(c.Request().Context(), "ballot.notfound"))
	}
	return cl, e, nil
}

// verdictJobs run the independent verifier on tallied elections, one run
// per election and result (a tallied election's records never change), in
// the background: a large election takes longer than a request may (about
// 3,000 ballots/s). A page waits up to VerdictWait for it, then says the
// check is under way.
var verdictJobs sync.Map // "id@resultHeight" → *verdictJob

type verdictJob struct {
	done chan struct{}
	v    *ui.Verdict
}

// VerdictWait is how long an election page waits for the verifier.
var VerdictWait = 3 * time.Second

func (s *handlers) verdict(ctx context.Context, cl *client.Client, e *ballot.Election, resultHeight int64) *ui.Verdict {
	key := e.ID + "@" + fmt.Sprint(resultHeight)
	job := &verdictJob{done: make(chan struct{})}
	if j, loaded := verdictJobs.LoadOrStore(key, job); loaded {
		job = j.(*verdictJob)
	} else {
		go func() {
			defer close(job.done)
			vctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
			defer cancel()
			job.v = runVerifier(vctx, cl, e.ID)
			if job.v.Error != "" {
				verdictJobs.Delete(key) // try again on the next visit
			}
		}()
	}
	select {
	case <-job.done:
		return job.v
	case <-time.After(VerdictWait):
	case <-ctx.Done():
	}
	return &ui.Verdict{Pending: true}
}

func runVerifier(ctx context.Context, cl *client.Client, id string) *ui.Verdict {
	// The application's last committed height: the newest block may still
	// be executing, and its state not yet queryable.
	info, err := cl.RPC.ABCIInfo(ctx)
	if err != nil {
		return &ui.Verdict{Error: "the node did not answer: " + err.Error()}
	}
	rep, err := election.Verify(election.RPCSource{Ctx: ctx, Client: cl, Height: info.Response.LastBlockHeight}, id)
	if err != nil {
		return &ui.Verdict{Error: err.Error()}
	}
	return &ui.Verdict{OK: rep.OK, Summary: rep.Summary(), Failures: rep.Failures}
}

func (s *handlers) electionPage(c echo.Context) error {
	ctx := c.Request().Context()
	cl, e, err := s.electionOr404(c)
	if err != nil {
		return err
	}
	now, err := blockTime(ctx, cl)
	if err != nil {
		return err
	}
	v := ui.ElectionView{ID: e.ID, Title: e.Title, Status: electionStatusIn(ctx, e, now), Open: electionOpen(e, now),
		Opens: unixIn(ctx, e.OpensAt), Closes: unixIn(ctx, e.ClosesAt), Official: e.Official, Trustees: e.Trustees,
		Threshold: e.Threshold, PublicKey: e.PublicKey, Eligibility: eligibilityIn(ctx, e.Eligibility)}
	var agg ballot.Aggregate
	if _, err := portal.ReadJSON(ctx, cl, "/ballot/aggregate/"+e.ID, 0, &agg); err != nil {
		return err
	}
	v.Ballots = agg.Ballots
	var counts [][]uint64
	if e.Phase == ballot.PhaseTallied {
		var res ballot.Result
		if _, err := portal.ReadJSON(ctx, cl, "/ballot/result/"+e.ID, 0, &res); err != nil {
			return err
		}
		counts, v.Tallied, v.TallyHeight = res.Counts, true, res.Height
		v.Verdict = s.verdict(ctx, cl, e, res.Height)
	}
	v.Questions = questionViews(ctx, e, counts)
	if e.Eligibility.Kind == ballot.RuleRoll {
		if v.Roll, v.RollKnown, err = rollSize(ctx, cl, e.ID); err != nil {
			return err
		}
	}
	// The bulletin board, a page at a time.
	path := "/ballot/list/tracker/" + e.ID
	if after := c.QueryParam("after"); after != "" {
		if !validTracker(after) {
			return echo.NewHTTPError(http.StatusNotFound, i18n.T(ctx, "ballot.after.bad"))
		}
		path += "/" + strings.ToLower(after)
	}
	var page ballot.Page
	if _, err := portal.ReadJSON(ctx, cl, path, 0, &page); err != nil {
		return err
	}
	prefix := "ballot/tracker/" + e.ID + "/"
	for _, en := range page.Entries {
		var t ballot.Tracker
		if json.Unmarshal(en.Value, &t) != nil {
			continue
		}
		v.Board = append(v.Board, ui.TrackerRow{Tracker: strings.TrimPrefix(en.Key, prefix), Status: t.Status, Height: t.Height, Tx: strings.ToUpper(t.Tx)})
	}
	sort.SliceStable(v.Board, func(i, j int) bool { return v.Board[i].Height > v.Board[j].Height })
	v.BoardNext = page.Next
	c.Response().Header().Set("Cache-Control", "no-store")
	return portal.Render(c, http.StatusOK, ui.ElectionPage(v))
}

func validTracker(s string) bool {
	return len(s) == 64 && strings.Trim(strings.ToLower(s), "0123456789abcdef") == ""
}

// trackerPage serves "find my ballot": GET /elections/:id/ballots?tracker=.
func (s *handlers) trackerPage(c echo.Context) error {
	_, e, err := s.electionOr404(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	q := strings.TrimSpace(c.QueryParam("tracker"))
	v := ui.TrackerLookup{ID: e.ID, Title: e.Title, Query: q}
	switch {
	case q == "":
		if c.QueryParams().Has("tracker") {
			v.Errors = []ui.FormError{{Field: "tracker", Message: i18n.T(ctx, "ballot.tracker.empty")}}
			return portal.Render(c, http.StatusUnprocessableEntity, ui.TrackerPage(v))
		}
		return portal.Render(c, http.StatusOK, ui.TrackerPage(v))
	case !validTracker(q):
		v.Errors = []ui.FormError{{Field: "tracker", Message: i18n.T(ctx, "ballot.tracker.bad")}}
		return portal.Render(c, http.StatusUnprocessableEntity, ui.TrackerPage(v))
	}
	tr := strings.ToLower(q)
	r, err := s.Reader(c)
	if err != nil {
		return err
	}
	p, err := r.Proven("/ballot/tracker/"+e.ID+"/"+tr, nil)
	if err != nil {
		return err
	}
	if p.Value == nil {
		v.NotFound = true
		return portal.Render(c, http.StatusNotFound, ui.TrackerPage(v))
	}
	var t ballot.Tracker
	if err := json.Unmarshal(p.Value, &t); err != nil {
		return err
	}
	v.Found = &ui.TrackerRow{Tracker: tr, Status: t.Status, Height: t.Height, Tx: strings.ToUpper(t.Tx)}
	v.Proven = p.Height
	return portal.Render(c, http.StatusOK, ui.TrackerPage(v))
}

// votePage serves the page where the browser encrypts the ballot.
func (s *handlers) votePage(c echo.Context) error {
	ctx := c.Request().Context()
	cl, e, err := s.electionOr404(c)
	if err != nil {
		return err
	}
	now, err := blockTime(ctx, cl)
	if err != nil {
		return err
	}
	v := ui.VoteView{ID: e.ID, Title: e.Title, Closes: unixIn(ctx, e.ClosesAt), PublicKey: e.PublicKey,
		Questions: questionViews(ctx, e, nil), Action: castBallot.Path, Open: electionOpen(e, now), Status: electionStatusIn(ctx, e, now),
		Official: e.Official, Voter: ui.ViewerFrom(ctx).Account}
	// Eligibility first: a signed-in voter who is not on the roll is told
	// so, and whom to ask, before filling in the ballot.
	if v.Open && v.Voter != "" && e.Eligibility.Kind == ballot.RuleRoll {
		on, err := portal.Query(ctx, cl, "/ballot/roll/"+e.ID+"/"+v.Voter, nil, 0)
		if err != nil {
			return err
		}
		v.NotOnRoll = on == nil
	}
	type qspec struct {
		Options uint32 `json:"options"`
		Min     uint32 `json:"min"`
		Max     uint32 `json:"max"`
	}
	var specs []qspec
	for _, q := range e.Questions {
		sp := q.Spec()
		specs = append(specs, qspec{sp.Options, sp.Min, sp.Max})
	}
	b, _ := json.Marshal(specs)
	v.QuestionsJSON = string(b)
	c.Response().Header().Set("Content-Security-Policy", VoteCSP)
	c.Response().Header().Set("Cache-Control", "no-store")
	return portal.Render(c, http.StatusOK, ui.VotePage(v))
}

// ---- the WebAssembly, gzipped once ----

var wasmGz = sync.OnceValues(func() ([]byte, error) {
	raw, err := static.FS.(interface{ ReadFile(string) ([]byte, error) }).ReadFile("ballot.wasm")
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(raw)
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
})

// ballotWasm serves ballot.wasm gzip-compressed to clients that accept it
// (3.8 MB → about 1 MB), with the same caching as the other assets.
func ballotWasm(c echo.Context) error {
	h := c.Response().Header()
	if v := c.QueryParam("v"); v != "" && v == static.Version("ballot.wasm") {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	h.Set("Vary", "Accept-Encoding")
	if !strings.Contains(c.Request().Header.Get("Accept-Encoding"), "gzip") {
		return portal.Static()(c)
	}
	gz, err := wasmGz()
	if err != nil {
		return err
	}
	h.Set("Content-Encoding", "gzip")
	return c.Blob(http.StatusOK, "application/wasm", gz)
}

// rollPages bounds the roll pages read to count the voters for the
// turnout (MaxPage voters each).
const rollPages = 10

// rollSize counts the voters on an election's roll; known is false for a
// roll longer than rollPages pages.
func rollSize(ctx context.Context, cl *client.Client, id string) (n int, known bool, err error) {
	path := "/ballot/list/roll/" + id
	for i := 0; i < rollPages; i++ {
		var page ballot.Page
		if _, err := portal.ReadJSON(ctx, cl, path, 0, &page); err != nil {
			return 0, false, err
		}
		n += len(page.Entries)
		if page.Next == "" {
			return n, true, nil
		}
		path = "/ballot/list/roll/" + id + "/" + page.Next
	}
	return n, false, nil
}
