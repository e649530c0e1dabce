package ballot

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/publica/publica/client"
	"github.com/publica/publica/web/i18n"
	"github.com/publica/publica/web/portal"
	"github.com/publica/publica/web/static"
	"github.com/publica/publica/web/ui"
	"github.com/publica/publica/x/ballot"
)

// The key ceremony and tally page, GET /elections/:id/trustees: each
// trustee's rounds, the partial decryptions against the threshold, the
// official's next step, ballots per hour, and the trustee's panel where
// the browser computes its messages (static/trustee.js, WebAssembly).

// trusteeState is what the trustee panel's WebAssembly reads: the chain's
// records, as the chain's JSON.
type trusteeState struct {
	Election   *ballot.Election    `json:"election"`
	Trustees   []*ballot.Trustee   `json:"trustees"`
	Complaints []*ballot.Complaint `json:"complaints"`
	Aggregate  *ballot.Aggregate   `json:"aggregate,omitempty"`
	Partials   []uint32            `json:"partials"`
	Now        int64               `json:"now"`
}

func (s *handlers) ceremonyPage(c echo.Context) error {
	ctx := c.Request().Context()
	cl, e, err := s.electionOr404(c)
	if err != nil {
		return err
	}
	st, err := loadCeremony(ctx, cl, e)
	if err != nil {
		return err
	}
	v := ui.CeremonyView{ID: e.ID, Title: e.Title, Status: electionStatusIn(ctx, e, st.Now), Official: e.Official,
		Threshold: e.Threshold, KeyPublished: e.Phase != ballot.PhaseKeyCeremony, Tallied: e.Phase == ballot.PhaseTallied,
		Closed: e.Phase == ballot.PhaseTallied || st.Now.Unix() >= e.ClosesAt, Decrypted: len(st.Partials),
		Wasm: static.URL("ballot.wasm"), Refresh: s.Refresh(),
		Paths: ui.CeremonyPaths{TrusteeKey: trusteeKeyJourney.Path, Deal: dealJourney.Path, Complain: complainJourney.Path,
			Reveal: revealJourney.Path, Tally: tallyJourney.Path, PublishKey: publishElectionKey.Path, RegisterVoters: registerVoters.Path}}
	for j, acct := range e.Trustees {
		idx := uint32(j + 1)
		row := ui.TrusteeRow{Index: idx, Account: acct, Qualified: slices.Contains(e.Qualified, idx), Decrypted: slices.Contains(st.Partials, idx)}
		if t := st.Trustees[j]; t != nil {
			row.Key, row.Dealt, row.Disqualified = true, t.Dealing != "", t.Disqualified
		}
		for _, cp := range st.Complaints {
			if cp.Dealer == idx {
				if row.Complaints != "" {
					row.Complaints += "; "
				}
				row.Complaints += complaintText(ctx, *cp)
			}
		}
		if row.Key {
			v.KeysDone++
		}
		if row.Dealt {
			v.Dealt++
		}
		v.Trustees = append(v.Trustees, row)
	}
	switch {
	case v.Tallied:
		v.Stage = 5
	case v.Closed && v.KeyPublished:
		v.Stage = 4
	case v.KeyPublished:
		v.Stage = 3
	case v.KeysDone == len(e.Trustees):
		v.Stage = 2
	default:
		v.Stage = 1
	}
	if st.Aggregate != nil {
		v.Ballots = st.Aggregate.Ballots
	}
	state, _ := json.Marshal(trusteeState{Election: e, Trustees: st.Trustees, Complaints: st.Complaints, Aggregate: st.Aggregate,
		Partials: st.Partials, Now: st.Now.Unix()})
	v.State = string(state)
	if v.Hours, v.HoursNote, err = ballotsPerHour(ctx, cl, e.ID); err != nil {
		return err
	}
	c.Response().Header().Set("Content-Security-Policy", VoteCSP) // the trustee panel runs WebAssembly
	c.Response().Header().Set("Cache-Control", "no-store")
	return portal.Render(c, http.StatusOK, ui.CeremonyPage(v))
}

// MaxChartBallots bounds the cast transactions the ballots-per-hour chart
// reads (in pages of 100, oldest first).
const MaxChartBallots = 1000

// blockTimes caches block times by height: they never change.
var blockTimes struct {
	sync.Mutex
	m map[int64]time.Time
}

func heightTime(ctx context.Context, cl *client.Client, h int64) (time.Time, error) {
	blockTimes.Lock()
	t, ok := blockTimes.m[h]
	blockTimes.Unlock()
	if ok {
		return t, nil
	}
	hdr, err := cl.RPC.Header(ctx, &h)
	if err != nil {
		return time.Time{}, portal.Unavailable(err)
	}
	blockTimes.Lock()
	if blockTimes.m == nil || len(blockTimes.m) > 100_000 {
		blockTimes.m = map[int64]time.Time{}
	}
	blockTimes.m[h] = hdr.Header.Time
	blockTimes.Unlock()
	return hdr.Header.Time, nil
}

// ballotsPerHour counts the election's successful cast transactions (a
// re-vote counts as a ballot cast) by the hour of their block.
func ballotsPerHour(ctx context.Context, cl *client.Client, id string) ([]ui.HourCount, string, error) {
	var heights []int64
	per, note := 100, ""
	for page := 1; ; page++ {
		res, err := cl.RPC.TxSearch(ctx, "ballot.cast.election='"+id+"'", false, &page, &per, "asc")
		if err != nil {
			return nil, "", portal.Unavailable(err)
		}
		for _, r := range res.Txs {
			if r.TxResult.Code == 0 {
				heights = append(heights, r.Height)
			}
		}
		if page*per >= res.TotalCount {
			break
		}
		if page*per >= MaxChartBallots {
			note = i18n.T(ctx, "ballot.chart.note", i18n.NumberIn(ctx, int64(page*per)), i18n.NumberIn(ctx, int64(res.TotalCount)))
			break
		}
	}
	var hours []ui.HourCount
	for _, h := range heights {
		t, err := heightTime(ctx, cl, h)
		if err != nil {
			return nil, "", err
		}
		start := t.UTC().Truncate(time.Hour)
		for len(hours) > 0 && hours[len(hours)-1].Start.Before(start) && len(hours) < 24*31 {
			hours = append(hours, ui.HourCount{Start: hours[len(hours)-1].Start.Add(time.Hour)}) // hours without ballots show as zero
		}
		if len(hours) == 0 || !hours[len(hours)-1].Start.Equal(start) { // the first, or past the month of filled hours
			hours = append(hours, ui.HourCount{Start: start})
		}
		hours[len(hours)-1].Ballots++
	}
	return hours, note, nil
}

// complaintText says, in the page's language, which trustee complained of
// a dealing and where the complaint stands.
func complaintText(ctx context.Context, cp ballot.Complaint) string {
	return i18n.T(ctx, "ballot.cer.complaint", i18n.NumberIn(ctx, int64(cp.Complainer)), i18n.T(ctx, "ballot.cer.complaint."+cp.Status))
}
