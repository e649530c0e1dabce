package ballot

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"strings"

	"github.com/a-h/templ"

	"github.com/publica/publica/client"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/web/i18n"
	"github.com/publica/publica/web/portal"
	"github.com/publica/publica/web/ui"
	"github.com/publica/publica/x/ballot"
)

// castBallot relays a ballot the browser encrypted (the vote page) or one
// pasted from another tool: checked here exactly as the chain will check it
// (open, eligible, bound to this election and signer, every proof), then
// signed in the browser.
var castBallot = &portal.Journey{
	Path:    "/ballot/cast",
	MsgType: ballot.TypeCast,
	Title:   "ballot.cast.title",
	Lead:    "ballot.cast.lead",
	Nav:     "elections",
	// The check page says "Cast my vote", shows the voter's own choices
	// (kept by the vote page in this browser) and "Change your answers"
	// goes back to the ballot with them kept.
	SignLabel: "ballot.vote.cast",
	Change:    func(t *tx.Tx) string { return "/elections/" + castMsg(t).Election + "/vote" },
	Preview: func(t *tx.Tx) templ.Component {
		m := castMsg(t)
		enc, _ := hex.DecodeString(m.Ballot)
		return ui.CastChoices(m.Election, ballot.TrackerOf(enc))
	},
	Fields: []ui.Field{
		{Name: "election", Label: "ballot.create.id", Hint: "ballot.election.hint"},
		{Name: "ballot", Label: "ballot.cast.ballot", Hint: "ballot.cast.ballot.hint", Kind: "textarea"},
	},
	Message: func(ctx context.Context, cl *client.Client, a portal.Answers) (any, []ui.FormError, error) {
		id := strings.TrimSpace(a.Values.Get("election"))
		raw := strings.ToLower(strings.TrimSpace(a.Values.Get("ballot")))
		var errs []ui.FormError
		refuse := func(field, msg string) (any, []ui.FormError, error) {
			return nil, append(errs, ui.FormError{Field: field, Message: msg}), nil
		}
		if a.Account == nil {
			errs = append(errs, ui.FormError{Field: portal.SignerField, Message: i18n.T(ctx, "ballot.err.noaccount.yet")})
		}
		if !ballot.ValidElectionID(id) {
			return refuse("election", i18n.T(ctx, "ballot.err.election.bad"))
		}
		e, err := fetchElection(ctx, cl, id)
		if err != nil {
			return nil, nil, err
		}
		if e == nil {
			return refuse("election", i18n.T(ctx, "ballot.err.election.none", id))
		}
		now, err := blockTime(ctx, cl)
		if err != nil {
			return nil, nil, err
		}
		if !electionOpen(e, now) {
			return refuse("election", i18n.T(ctx, "ballot.err.notopen", electionStatusIn(ctx, e, now)))
		}
		if len(errs) > 0 {
			return nil, errs, nil
		}
		if e.Eligibility.Kind == ballot.RuleRoll {
			on, err := portal.Query(ctx, cl, "/ballot/roll/"+id+"/"+a.Account.ID, nil, 0)
			if err != nil {
				return nil, nil, err
			}
			if on == nil {
				return refuse(portal.SignerField, i18n.T(ctx, "ballot.err.notonroll", a.Account.ID))
			}
		}
		enc, err := hex.DecodeString(raw)
		if raw == "" || err != nil {
			return refuse("ballot", i18n.T(ctx, "ballot.err.ballot.hex"))
		}
		params, err := e.Params()
		if err != nil {
			return nil, nil, err
		}
		if _, err := ballot.VerifyBallot(params, a.Account.ID, enc); err != nil {
			return refuse("ballot", i18n.T(ctx, "ballot.err.ballot.verify", err.Error()))
		}
		return &ballot.MsgCast{Election: id, Ballot: raw}, nil, nil
	},
	DescribeIn: func(ctx context.Context, t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
		m := castMsg(t)
		enc, _ := hex.DecodeString(m.Ballot)
		return []ui.Fact{
			{Label: i18n.T(ctx, "ballot.what"), Value: i18n.T(ctx, "ballot.cast.what", m.Election)},
			{Label: i18n.T(ctx, "ballot.election"), Value: m.Election, Href: "/elections/" + m.Election},
			{Label: i18n.T(ctx, "ballot.tracker.label"), Value: ballot.TrackerOf(enc), Mono: true},
			{Label: i18n.T(ctx, "ballot.cast.whoreads"), Value: i18n.T(ctx, "ballot.cast.nobody")},
		}
	},
	DoneIn: func(ctx context.Context, t *tx.Tx, _ *client.Result) (string, []ui.Fact, []ui.Link) {
		m := castMsg(t)
		enc, _ := hex.DecodeString(m.Ballot)
		tr := ballot.TrackerOf(enc)
		find := "/elections/" + m.Election + "/ballots?tracker=" + tr
		return i18n.T(ctx, "ballot.cast.done"), []ui.Fact{
				{Label: i18n.T(ctx, "ballot.election"), Value: m.Election, Href: "/elections/" + m.Election},
				{Label: i18n.T(ctx, "ballot.tracker.label"), Value: tr, Mono: true, Href: find, Copy: true},
				{Label: i18n.T(ctx, "ballot.cast.keep"), Value: i18n.T(ctx, "ballot.cast.keep.text")},
			}, []ui.Link{
				{Label: i18n.T(ctx, "ballot.cast.find"), Href: find},
				{Label: i18n.T(ctx, "ballot.back"), Href: "/elections/" + m.Election},
			}
	},
}

func castMsg(t *tx.Tx) ballot.MsgCast {
	var m ballot.MsgCast
	_ = json.Unmarshal(t.Msg, &m)
	return m
}
