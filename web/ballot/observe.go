package ballot

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/publica/publica/web/i18n"
	"github.com/publica/publica/web/portal"
	"github.com/publica/publica/web/ui"
	"github.com/publica/publica/x/authority"
	"github.com/publica/publica/x/ballot"
)

// Observing elections (docs/ballot.md "Observers"): GET /observe lists the
// elections for an accredited observer, GET /elections/:id/observe shows
// one election's progress — roll, ballots over time, trackers by status,
// the key ceremony, the tally against its threshold and the result — every
// chain record read with a proof at one height. Only an account holding
// the observer role (x/authority) sees them; others get a 403 page saying
// why and where the public parts are. Nothing on them is secret: no ballot
// content, no key share, no trustee secret.

// ObserveCountLimit bounds the roll entries and the trackers the
// observation page counts, each with its proof (a longer roll or board is
// shown as "more than" this; publica audit election counts all).
var ObserveCountLimit = 2000

// observer returns the signed-in observer's account, or renders the
// refusal page (403) and returns "".
func (s *handlers) observer(c echo.Context, id, title string) (string, error) {
	account, holds, err := s.ViewerHolds(c, authority.RoleObserver)
	if err != nil {
		return "", err
	}
	if holds {
		return account, nil
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return "", portal.Render(c, http.StatusForbidden, ui.ObserveRefusedPage(ui.ObserveRefused{ID: id, Title: title, Account: account}))
}

// observeListPage serves GET /observe: every election with its status and
// a link to its observation page.
func (s *handlers) observeListPage(c echo.Context) error {
	account, err := s.observer(c, "", "")
	if account == "" {
		return err
	}
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
	v := ui.ObserveList{Account: account}
	for _, id := range ids {
		e, err := fetchElection(ctx, cl, id)
		if err != nil {
			return err
		}
		if e == nil {
			continue
		}
		v.Rows = append(v.Rows, ui.ElectionRow{ID: e.ID, Title: e.Title, Status: electionStatusIn(ctx, e, now),
			Opens: unixIn(ctx, e.OpensAt), Closes: unixIn(ctx, e.ClosesAt), Open: electionOpen(e, now)})
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return portal.Render(c, http.StatusOK, ui.ObserveListPage(v))
}

// observePage serves GET /elections/:id/observe.
func (s *handlers) observePage(c echo.Context) error {
	ctx := c.Request().Context()
	id := c.Param("id")
	if !ballot.ValidElectionID(id) {
		return echo.NewHTTPError(http.StatusNotFound, i18n.T(ctx, "ballot.notfound"))
	}
	r, err := s.Reader(c)
	if err != nil {
		return err
	}
	// The election record fixes the height every record is proven at.
	ep, err := r.Proven("/key", ballot.ElectionKey(id))
	if err != nil {
		return err
	}
	if ep.Value == nil {
		return echo.NewHTTPError(http.StatusNotFound, i18n.T(ctx, "ballot.notfound"))
	}
	var e ballot.Election
	if err := json.Unmarshal(ep.Value, &e); err != nil {
		return fmt.Errorf("election record %s: %w", id, err)
	}
	account, err := s.observer(c, e.ID, e.Title)
	if account == "" {
		return err
	}
	cl, height := r.Client(), ep.Height
	now, err := blockTime(ctx, cl)
	if err != nil {
		return err
	}
	s.Log().Info("observation page", "observer", account, "election", e.ID, "height", height)

	v := ui.ObserveView{ID: e.ID, Title: e.Title, Observer: account, Status: electionStatusIn(ctx, &e, now),
		Opens: unixIn(ctx, e.OpensAt), Closes: unixIn(ctx, e.ClosesAt), Official: e.Official, PublicKey: e.PublicKey,
		Eligibility: eligibilityIn(ctx, e.Eligibility), Threshold: int(e.Threshold),
		KeyPublished: e.Phase != ballot.PhaseKeyCeremony, Tallied: e.Phase == ballot.PhaseTallied,
		Closed: e.Phase == ballot.PhaseTallied || now.Unix() >= e.ClosesAt, Open: electionOpen(&e, now),
		Roll: -1, Limit: ObserveCountLimit, Height: height, AppHash: r.Proof().AppHash}

	// One proven record: nil when its absence is proven.
	record := func(key []byte, into any) (bool, error) {
		p, err := r.Proven("/key", key)
		if err != nil || p.Value == nil {
			return false, err
		}
		return true, json.Unmarshal(p.Value, into)
	}
	// Proven walk over a prefix at the height, at most limit records
	// (complete is false when more follow).
	walk := func(prefix []byte, limit int, each func(key, value []byte) error) (complete bool, err error) {
		return provenWalk(ctx, cl, prefix, prefix, height, limit, each)
	}

	// The roll, counted record by record.
	if e.Eligibility.Kind == ballot.RuleRoll {
		n := 0
		complete, err := walk(ballot.RollPrefix(e.ID), ObserveCountLimit, func([]byte, []byte) error { n++; return nil })
		if err != nil {
			return err
		}
		v.Roll, v.RollComplete = n, complete
	}
	// Ballots counted (the aggregate) and the board's trackers by status.
	var agg ballot.Aggregate
	if _, err := record(ballot.AggregateKey(e.ID), &agg); err != nil {
		return err
	}
	v.Ballots = agg.Ballots
	if v.TrackersComplete, err = walk(ballot.TrackerPrefix(e.ID), ObserveCountLimit, func(_, value []byte) error {
		var t ballot.Tracker
		if err := json.Unmarshal(value, &t); err != nil {
			return err
		}
		switch t.Status {
		case ballot.TrackerCounted:
			v.Counted++
		case ballot.TrackerSuperseded:
			v.Superseded++
		default:
			v.Withdrawn++
		}
		return nil
	}); err != nil {
		return err
	}
	if v.Hours, v.HoursNote, err = ballotsPerHour(ctx, cl, e.ID); err != nil {
		return err
	}

	// The key ceremony and the tally, trustee by trustee.
	var complaints []ballot.Complaint
	if _, err := walk(ballot.ComplaintPrefix(e.ID), 10_000, func(_, value []byte) error {
		var cp ballot.Complaint
		if err := json.Unmarshal(value, &cp); err != nil {
			return err
		}
		complaints = append(complaints, cp)
		return nil
	}); err != nil {
		return err
	}
	for j, acct := range e.Trustees {
		idx := uint32(j + 1)
		row := ui.ObserveTrustee{Index: int(idx), Account: acct, Qualified: slices.Contains(e.Qualified, idx)}
		var t ballot.Trustee
		if row.Key, err = record(ballot.TrusteeKey(e.ID, idx), &t); err != nil {
			return err
		}
		row.Dealt, row.Disqualified = t.Dealing != "", t.Disqualified
		p, err := r.Proven("/key", ballot.PartialKey(e.ID, idx))
		if err != nil {
			return err
		}
		row.Decrypted = p.Value != nil
		for _, cp := range complaints {
			if cp.Dealer == idx {
				row.Complaints = append(row.Complaints, complaintText(ctx, cp))
			}
		}
		if row.Key {
			v.KeysDone++
		}
		if row.Dealt {
			v.Dealt++
		}
		if row.Decrypted {
			v.Decrypted++
		}
		v.Trustees = append(v.Trustees, row)
	}
	v.StillNeeded = max(0, v.Threshold-v.Decrypted)

	// The result, once published.
	var counts [][]uint64
	if v.Tallied {
		var res ballot.Result
		ok, err := record(ballot.ResultKey(e.ID), &res)
		if err != nil {
			return err
		}
		if ok {
			counts, v.ResultHeight = res.Counts, res.Height
			for _, j := range res.Trustees {
				v.ResultTrustees = append(v.ResultTrustees, int(j))
			}
			if t, err := heightTime(ctx, cl, res.Height); err == nil {
				v.ResultAt = i18n.DateTime(i18n.Lang(ctx), t)
			}
		}
	}
	v.Questions = questionViews(ctx, &e, counts)
	c.Response().Header().Set("Cache-Control", "no-store")
	return portal.Render(c, http.StatusOK, ui.ObservePage(v))
}
