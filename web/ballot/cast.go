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
	Title:   "Cast your ballot",
	Lead:    "Cast a ballot already encrypted for the election key. The vote page of each open election encrypts it for you in this browser.",
	Nav:     "elections",
	// The check page says "Cast my vote", shows the voter's own choices
	// (kept by the vote page in this browser) and "Change your answers"
	// goes back to the ballot with them kept.
	SignLabel: "Cast my vote",
	Change:    func(t *tx.Tx) string { return "/elections/" + castMsg(t).Election + "/vote" },
	Preview: func(t *tx.Tx) templ.Component {
		m := castMsg(t)
		enc, _ := hex.DecodeString(m.Ballot)
		return ui.CastChoices(m.Election, ballot.TrackerOf(enc))
	},
	Fields: []ui.Field{
		{Name: "election", Label: "Election id", Hint: "Lowercase letters, digits and dashes, e.g. city-2026."},
		{Name: "ballot", Label: "Encrypted ballot", Hint: "The encoded ballot in hexadecimal.", Kind: "textarea"},
	},
	Message: func(ctx context.Context, cl *client.Client, a portal.Answers) (any, []ui.FormError, error) {
		id := strings.TrimSpace(a.Values.Get("election"))
		raw := strings.ToLower(strings.TrimSpace(a.Values.Get("ballot")))
		var errs []ui.FormError
		refuse := func(field, msg string) (any, []ui.FormError, error) {
			return nil, append(errs, ui.FormError{Field: field, Message: msg}), nil
		}
		if a.Account == nil {
			errs = append(errs, ui.FormError{Field: portal.SignerField, Message: "This key has no account yet: register it first (Your key page)"})
		}
		if !ballot.ValidElectionID(id) {
			return refuse("election", "Enter the election id: lowercase letters, digits and dashes")
		}
		e, err := fetchElection(ctx, cl, id)
		if err != nil {
			return nil, nil, err
		}
		if e == nil {
			return refuse("election", "There is no election "+id)
		}
		now, err := blockTime(ctx, cl)
		if err != nil {
			return nil, nil, err
		}
		if !electionOpen(e, now) {
			return refuse("election", "This election is not taking ballots: "+electionStatus(e, now))
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
				return refuse(portal.SignerField, "Account "+a.Account.ID+" is not on this election's voter roll")
			}
		}
		enc, err := hex.DecodeString(raw)
		if raw == "" || err != nil {
			return refuse("ballot", "The encrypted ballot must be hexadecimal: encrypt it on the election's vote page")
		}
		params, err := e.Params()
		if err != nil {
			return nil, nil, err
		}
		if _, err := ballot.VerifyBallot(params, a.Account.ID, enc); err != nil {
			return refuse("ballot", "This ballot does not verify for this election and your account: "+err.Error())
		}
		return &ballot.MsgCast{Election: id, Ballot: raw}, nil, nil
	},
	Describe: func(t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
		m := castMsg(t)
		enc, _ := hex.DecodeString(m.Ballot)
		return []ui.Fact{
			{Label: "What happens", Value: "Your encrypted ballot is cast in election " + m.Election + ". If you voted before, this ballot replaces the earlier one."},
			{Label: "Election", Value: m.Election, Href: "/elections/" + m.Election},
			{Label: "Your ballot's tracker", Value: ballot.TrackerOf(enc), Mono: true},
			{Label: "Who can read it", Value: "Nobody: only the sum of all ballots is ever decrypted, by the trustees together after the close."},
		}
	},
	Done: func(t *tx.Tx, _ *client.Result) (string, []ui.Fact, []ui.Link) {
		m := castMsg(t)
		enc, _ := hex.DecodeString(m.Ballot)
		tr := ballot.TrackerOf(enc)
		find := "/elections/" + m.Election + "/ballots?tracker=" + tr
		return "Your ballot was cast", []ui.Fact{
				{Label: "Election", Value: m.Election, Href: "/elections/" + m.Election},
				{Label: "Your ballot's tracker", Value: tr, Mono: true, Href: find, Copy: true},
				{Label: "Keep your tracker", Value: "Write it down or copy it now: with it you can find your ballot on the bulletin board and check that it was counted, without anyone learning how you voted. If you vote again, only your last ballot counts."},
			}, []ui.Link{
				{Label: "Find your ballot on the bulletin board", Href: find},
				{Label: "Back to the election", Href: "/elections/" + m.Election},
			}
	},
}

func castMsg(t *tx.Tx) ballot.MsgCast {
	var m ballot.MsgCast
	_ = json.Unmarshal(t.Msg, &m)
	return m
}
