package ballot

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/publica/publica/client"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/web/portal"
	"github.com/publica/publica/web/ui"
	"github.com/publica/publica/x/authority"
	"github.com/publica/publica/x/ballot"
)

// The election official's journeys (docs/ballot.md): define an election,
// keep its voter roll and publish the key the trustees' ceremony made.
// Each answer is checked here with x/ballot's own rules, so a mistake is a
// 422 on the form, not a refused transaction. Closing needs no message: an
// election closes at its closing block time; the trustees' partial
// decryptions (trustee.go) then publish the result.

func formError(field, msg string) ui.FormError {
	return ui.FormError{Field: field, Message: msg}
}

// requireRole refuses a signer without an account or without role.
func requireRole(a portal.Answers, role, who string, errs []ui.FormError) []ui.FormError {
	switch {
	case a.Account == nil:
		return append(errs, formError(portal.SignerField, "This key has no account: register it first, and have the authority grant it the "+role+" role"))
	case !a.Account.HasRole(role):
		return append(errs, formError(portal.SignerField, "Account "+a.Account.ID+" does not hold the "+role+" role: only "+who))
	}
	return errs
}

// checkQuestion applies x/ballot's rules to one question alone: the chain's
// ValidateBasic on an election that is valid but for it.
func checkQuestion(q ballot.Question) error {
	probe := ballot.MsgCreateElection{ID: "probe", Title: "probe", Questions: []ballot.Question{q},
		Eligibility: ballot.Eligibility{Kind: ballot.RuleRoll}, Trustees: []string{strings.Repeat("0", 40)},
		Threshold: 1, OpensAt: 1, ClosesAt: 2}
	err := probe.ValidateBasic()
	if err == nil {
		return nil
	}
	msg := err.Error()
	if i := strings.Index(msg, "question 0"); i >= 0 {
		msg = strings.TrimPrefix(strings.TrimPrefix(msg[i+len("question 0"):], ":"), " ")
	}
	return errors.New(msg)
}

// splitList reads accounts (or lines) separated by new lines, commas or
// spaces.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' })
}

// whenLayouts are the accepted forms of an opening or closing time (UTC).
var whenLayouts = []string{"2006-01-02 15:04", "2006-01-02 15:04:05", time.RFC3339}

// parseWhen reads a block time: a UTC date and time, RFC 3339, or
// +DURATION after the latest block's time (now).
func parseWhen(s string, now time.Time) (int64, error) {
	s = strings.TrimSpace(s)
	if d, ok := strings.CutPrefix(s, "+"); ok {
		dur, err := time.ParseDuration(d)
		if err != nil || dur <= 0 {
			return 0, errors.New("after + write a duration such as 10m, 2h or 90s")
		}
		return now.Add(dur).Unix(), nil
	}
	for _, l := range whenLayouts {
		if t, err := time.ParseInLocation(l, s, time.UTC); err == nil {
			return t.Unix(), nil
		}
	}
	return 0, errors.New("write a UTC time as 2026-05-01 08:00, or +DURATION such as +2h")
}

// questionSlots is how many questions the create form offers; those left
// empty are not asked.
const questionSlots = 5

// questionFields are the create form's fields for question i (1-based):
// its text, its options one a line (none: a yes/no question) and how many
// options a voter may choose.
func questionFields(i int) []ui.Field {
	n := strconv.Itoa(i)
	hint := "As voters will see it, e.g. Extend the park?"
	if i > 1 {
		hint = "Optional: leave question " + n + " and its options empty if you do not need it."
	}
	return []ui.Field{
		{Name: "q" + n, Label: "Question " + n, Hint: hint, Wide: true},
		{Name: "q" + n + "_options", Label: "Options for question " + n, Kind: "textarea",
			Hint: "One option a line. Leave empty for a yes or no question."},
		{Name: "q" + n + "_max", Label: "How many options voters may choose in question " + n,
			Hint: "Leave empty for exactly one. A number from 2 lets voters tick any number of options up to it (approval)."},
	}
}

// readQuestion reads question i of the create form: ok is false when its
// fields are all empty.
func readQuestion(a portal.Answers, i int) (q ballot.Question, ok bool, errs []ui.FormError) {
	n := strconv.Itoa(i)
	text := strings.TrimSpace(a.Values.Get("q" + n))
	var opts []string
	for _, l := range strings.Split(a.Values.Get("q"+n+"_options"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			opts = append(opts, l)
		}
	}
	maxRaw := strings.TrimSpace(a.Values.Get("q" + n + "_max"))
	if text == "" && len(opts) == 0 && maxRaw == "" {
		return q, false, nil
	}
	if text == "" {
		errs = append(errs, formError("q"+n, "Enter the text of question "+n+", or clear its options"))
	}
	q.Text = text
	switch {
	case len(opts) == 0:
		q.Kind, q.Options = ballot.KindYesNo, []string{"yes", "no"}
		if maxRaw != "" {
			errs = append(errs, formError("q"+n+"_max", "Question "+n+" is a yes or no question: leave how many voters may choose empty, or give its options"))
		}
	case len(opts) == 1:
		errs = append(errs, formError("q"+n+"_options", "Give question "+n+" at least two options, one a line, or none for a yes or no question"))
	default:
		q.Kind, q.Options = ballot.KindSingle, opts
		if maxRaw != "" {
			k, err := strconv.ParseUint(maxRaw, 10, 32)
			switch {
			case err != nil || k == 0:
				errs = append(errs, formError("q"+n+"_max", "How many options voters may choose in question "+n+" must be a whole number from 1, or empty"))
			case k > uint64(len(opts)):
				errs = append(errs, formError("q"+n+"_max", fmt.Sprintf("Question %s has %d options: voters may choose at most %d", n, len(opts), len(opts))))
			case k > 1:
				q.Kind, q.MaxChoices = ballot.KindApproval, uint32(k)
			}
		}
	}
	if len(errs) == 0 {
		if err := checkQuestion(q); err != nil {
			errs = append(errs, formError("q"+n+"_options", fmt.Sprintf("Question %s: %v", n, err)))
		}
	}
	return q, true, errs
}

// changeElectionHref leads back to the create form with every answer of
// the prepared election filled in (times as UTC dates).
func changeElectionHref(t *tx.Tx) string {
	var m ballot.MsgCreateElection
	if json.Unmarshal(t.Msg, &m) != nil {
		return "/ballot/create"
	}
	v := url.Values{}
	v.Set("id", m.ID)
	v.Set("title", m.Title)
	for i, q := range m.Questions {
		n := strconv.Itoa(i + 1)
		v.Set("q"+n, q.Text)
		if q.Kind != ballot.KindYesNo {
			v.Set("q"+n+"_options", strings.Join(q.Options, "\n"))
		}
		if q.Kind == ballot.KindApproval {
			v.Set("q"+n+"_max", strconv.FormatUint(uint64(q.MaxChoices), 10))
		}
	}
	v.Set("trustees", strings.Join(m.Trustees, "\n"))
	v.Set("threshold", strconv.FormatUint(uint64(m.Threshold), 10))
	v.Set("opens", time.Unix(m.OpensAt, 0).UTC().Format(whenLayouts[1]))
	v.Set("closes", time.Unix(m.ClosesAt, 0).UTC().Format(whenLayouts[1]))
	if m.Eligibility.Kind == ballot.RuleCredential {
		v.Set("credential", m.Eligibility.Schema)
		v.Set("predicate", m.Eligibility.Predicate)
	}
	return "/ballot/create?" + v.Encode()
}

// The create form asks its questions after the title.
func init() {
	i := slices.IndexFunc(createElection.Fields, func(f ui.Field) bool { return f.Name == "title" }) + 1
	var qs []ui.Field
	for n := 1; n <= questionSlots; n++ {
		qs = append(qs, questionFields(n)...)
	}
	createElection.Fields = slices.Insert(createElection.Fields, i, qs...)
}

var createElection = &portal.Journey{
	Path:    "/ballot/create",
	MsgType: ballot.TypeCreateElection,
	Change:  changeElectionHref,
	Title:   "Create an election",
	Lead:    "Define the questions, who may vote, the trustees who will hold the election key, and when voting opens and closes. Election officials only.",
	Nav:     "elections",
	Fields: []ui.Field{
		{Name: "id", Label: "Election id", Hint: "1 to 63 lowercase letters, digits and dashes, e.g. city-2026. It names the election for good."},
		{Name: "title", Label: "Title", Hint: "As voters will see it, e.g. City vote 2026."},
		{Name: "trustees", Label: "Trustees", Kind: "textarea", Wide: true,
			Hint: "Their account ids (40 hexadecimal characters), one a line, in trustee order. Each must hold the trustee role."},
		{Name: "threshold", Label: "Trustees needed to decrypt", Hint: "A number from 1 to the number of trustees, e.g. 2 of 3."},
		{Name: "opens", Label: "Voting opens (block time, UTC)", Hint: "For example 2026-05-01 08:00, or +10m for ten minutes after the latest block."},
		{Name: "closes", Label: "Voting closes (block time, UTC)", Hint: "After the opening, e.g. 2026-05-01 20:00 or +2h. The trustees must finish the key ceremony before it."},
		{Name: "credential", Label: "Credential schema (optional)", Hint: "Leave empty to vote by a voter roll you keep. Or the identity schema id whose holders may vote."},
		{Name: "predicate", Label: "Credential predicate (optional)", Hint: "With a schema only: the condition on the credential's attributes, e.g. age >= 18."},
	},
	Message: func(ctx context.Context, cl *client.Client, a portal.Answers) (any, []ui.FormError, error) {
		v := func(k string) string { return strings.TrimSpace(a.Values.Get(k)) }
		errs := requireRole(a, authority.RoleElectionOfficial, "election officials create elections", nil)
		m := &ballot.MsgCreateElection{ID: v("id"), Title: v("title"), Eligibility: ballot.Eligibility{Kind: ballot.RuleRoll}}
		switch {
		case m.ID == "":
			errs = append(errs, formError("id", "Enter the election id"))
		case !ballot.ValidElectionID(m.ID):
			errs = append(errs, formError("id", "The election id must be 1 to 63 lowercase letters, digits and dashes, not starting with a dash"))
		default:
			e, err := fetchElection(ctx, cl, m.ID)
			if err != nil {
				return nil, nil, err
			}
			if e != nil {
				errs = append(errs, formError("id", "There is already an election "+m.ID+": choose another id"))
			}
		}
		if m.Title == "" || len(m.Title) > ballot.MaxTitle {
			errs = append(errs, formError("title", fmt.Sprintf("Enter a title of at most %d bytes", ballot.MaxTitle)))
		}
		for i := 1; i <= questionSlots; i++ {
			q, ok, qerrs := readQuestion(a, i)
			errs = append(errs, qerrs...)
			if ok && len(qerrs) == 0 {
				m.Questions = append(m.Questions, q)
			}
		}
		if len(m.Questions) == 0 && !slices.ContainsFunc(errs, func(e ui.FormError) bool { return strings.HasPrefix(e.Field, "q") }) {
			errs = append(errs, formError("q1", "Enter at least one question"))
		}
		m.Trustees = splitList(strings.ToLower(a.Values.Get("trustees")))
		if len(m.Trustees) == 0 {
			errs = append(errs, formError("trustees", "Enter the trustees' account ids"))
		}
		for i, t := range m.Trustees {
			if !tx.ValidAccountID(t) {
				errs = append(errs, formError("trustees", fmt.Sprintf("Trustee %d (%s) is not an account id: 40 hexadecimal characters", i+1, t)))
				continue
			}
			if slices.Index(m.Trustees, t) != i {
				errs = append(errs, formError("trustees", fmt.Sprintf("Trustee %s is named twice", t)))
				continue
			}
			acct, err := cl.Account(ctx, t)
			if err != nil {
				return nil, nil, err
			}
			if acct == nil || !acct.HasRole(authority.RoleTrustee) {
				errs = append(errs, formError("trustees", fmt.Sprintf("Account %s does not hold the trustee role", t)))
			}
		}
		th, err := strconv.ParseUint(v("threshold"), 10, 32)
		if err != nil || th < 1 || (len(m.Trustees) > 0 && th > uint64(len(m.Trustees))) {
			errs = append(errs, formError("threshold", fmt.Sprintf("Enter how many trustees must take part in decrypting: a number from 1 to %d", max(len(m.Trustees), 1))))
		}
		m.Threshold = uint32(th)
		now, err := blockTime(ctx, cl)
		if err != nil {
			return nil, nil, err
		}
		var whenErr bool
		if m.OpensAt, err = parseWhen(v("opens"), now); err != nil {
			errs, whenErr = append(errs, formError("opens", "Opening time: "+err.Error())), true
		}
		if m.ClosesAt, err = parseWhen(v("closes"), now); err != nil {
			errs, whenErr = append(errs, formError("closes", "Closing time: "+err.Error())), true
		}
		if !whenErr {
			switch {
			case m.ClosesAt <= m.OpensAt:
				errs = append(errs, formError("closes", "Voting must close after it opens"))
			case m.ClosesAt <= now.Unix():
				errs = append(errs, formError("closes", "The closing time has passed: the latest block is from "+unixUTC(now.Unix())))
			}
		}
		if s := v("credential"); s != "" {
			m.Eligibility = ballot.Eligibility{Kind: ballot.RuleCredential, Schema: s, Predicate: v("predicate")}
		} else if v("predicate") != "" {
			errs = append(errs, formError("predicate", "A predicate needs a credential schema: enter the schema, or leave both empty for a voter roll"))
		}
		if len(errs) > 0 {
			return nil, errs, nil
		}
		if err := m.ValidateBasic(); err != nil { // the chain's own check, in case one above missed
			return nil, []ui.FormError{formError("", "The chain would refuse this election: "+err.Error())}, nil
		}
		return m, nil, nil
	},
	Describe: func(t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
		var m ballot.MsgCreateElection
		_ = json.Unmarshal(t.Msg, &m)
		facts := []ui.Fact{
			{Label: "What happens", Value: "Election " + m.ID + " is defined, with you as its official. Its trustees then run the key ceremony; nobody can vote before you publish the key they make."},
			{Label: "Election id", Value: m.ID, Mono: true},
			{Label: "Title", Value: m.Title},
		}
		for i, q := range m.Questions {
			facts = append(facts, ui.Fact{Label: fmt.Sprintf("Question %d", i+1), Value: q.Text + " (" + ruleText(q) + "): " + strings.Join(q.Options, ", ")})
		}
		who := "Voters on a roll you keep (register them next)"
		if m.Eligibility.Kind == ballot.RuleCredential {
			who = "Holders of a valid credential of schema " + m.Eligibility.Schema
			if m.Eligibility.Predicate != "" {
				who += " with " + m.Eligibility.Predicate
			}
		}
		return append(facts,
			ui.Fact{Label: "Who may vote", Value: who},
			ui.Fact{Label: "Trustees", Value: strings.Join(m.Trustees, ", "), Mono: true},
			ui.Fact{Label: "Needed to decrypt", Value: fmt.Sprintf("any %d of the %d trustees", m.Threshold, len(m.Trustees))},
			ui.Fact{Label: "Opens (block time)", Value: unixUTC(m.OpensAt)},
			ui.Fact{Label: "Closes (block time)", Value: unixUTC(m.ClosesAt)},
		)
	},
	Done: func(t *tx.Tx, _ *client.Result) (string, []ui.Fact, []ui.Link) {
		var m ballot.MsgCreateElection
		_ = json.Unmarshal(t.Msg, &m)
		next := []ui.Link{{Label: "Follow the key ceremony", Href: "/elections/" + m.ID + "/trustees"}}
		if m.Eligibility.Kind == ballot.RuleRoll {
			next = append(next, ui.Link{Label: "Register voters", Href: registerVoters.Path + "?election=" + m.ID})
		}
		return "Election " + m.ID + " is created",
			[]ui.Fact{{Label: "Election", Value: m.Title, Href: "/elections/" + m.ID}},
			next
	},
}

// officialOf loads the election named in the answers and checks the signer
// is its official; refusals name the field.
func officialOf(ctx context.Context, cl *client.Client, a portal.Answers, errs []ui.FormError) (*ballot.Election, []ui.FormError, error) {
	id := strings.TrimSpace(a.Values.Get("election"))
	if !ballot.ValidElectionID(id) {
		return nil, append(errs, formError("election", "Enter the election id: lowercase letters, digits and dashes")), nil
	}
	e, err := fetchElection(ctx, cl, id)
	if err != nil || e == nil {
		if e == nil && err == nil {
			errs = append(errs, formError("election", "There is no election "+id))
		}
		return nil, errs, err
	}
	if a.Account == nil {
		return e, append(errs, formError(portal.SignerField, "This key has no account: register it first")), nil
	}
	if e.Official != a.Account.ID {
		return e, append(errs, formError(portal.SignerField, "Account "+a.Account.ID+" is not the official of "+id+" (its official is "+e.Official+")")), nil
	}
	return e, errs, nil
}

func electionField() ui.Field {
	return ui.Field{Name: "election", Label: "Election id", Hint: "Lowercase letters, digits and dashes, e.g. city-2026."}
}

func rollJourney(path, msgType, title, lead string, remove bool) *portal.Journey {
	return &portal.Journey{
		Path: path, MsgType: msgType, Title: title, Lead: lead, Nav: "elections",
		Fields: []ui.Field{electionField(),
			{Name: "voters", Label: "Voters' account ids", Kind: "textarea", Wide: true,
				Hint: fmt.Sprintf("40 hexadecimal characters each, one a line (or separated by commas); at most %d at a time.", ballot.MaxRollChange)}},
		Message: func(ctx context.Context, cl *client.Client, a portal.Answers) (any, []ui.FormError, error) {
			e, errs, err := officialOf(ctx, cl, a, nil)
			if err != nil {
				return nil, nil, err
			}
			if e != nil {
				now, err := blockTime(ctx, cl)
				if err != nil {
					return nil, nil, err
				}
				switch {
				case e.Eligibility.Kind != ballot.RuleRoll:
					errs = append(errs, formError("election", "Election "+e.ID+" has no roll: who may vote is a credential rule"))
				case e.Phase == ballot.PhaseTallied || now.Unix() >= e.ClosesAt:
					errs = append(errs, formError("election", "Election "+e.ID+" has closed: its roll is final"))
				}
			}
			voters := splitList(strings.ToLower(a.Values.Get("voters")))
			slices.Sort(voters)
			voters = slices.Compact(voters)
			if len(voters) == 0 || len(voters) > ballot.MaxRollChange {
				errs = append(errs, formError("voters", fmt.Sprintf("Enter from 1 to %d account ids", ballot.MaxRollChange)))
			}
			for _, v := range voters {
				if !tx.ValidAccountID(v) {
					errs = append(errs, formError("voters", v+" is not an account id: 40 hexadecimal characters"))
					break
				}
			}
			if len(errs) > 0 {
				return nil, errs, nil
			}
			if remove {
				for _, v := range voters {
					on, err := portal.Query(ctx, cl, "/ballot/roll/"+e.ID+"/"+v, nil, 0)
					if err != nil {
						return nil, nil, err
					}
					if on == nil {
						errs = append(errs, formError("voters", v+" is not on the roll of "+e.ID))
					}
				}
				if len(errs) > 0 {
					return nil, errs, nil
				}
				return &ballot.MsgRemoveVoters{Election: e.ID, Voters: voters}, nil, nil
			}
			return &ballot.MsgRegisterVoters{Election: e.ID, Voters: voters}, nil, nil
		},
		Describe: func(t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
			var m ballot.MsgRegisterVoters // same fields as MsgRemoveVoters
			_ = json.Unmarshal(t.Msg, &m)
			what := fmt.Sprintf("%d accounts are added to the voter roll of %s; those already on it stay.", len(m.Voters), m.Election)
			if remove {
				what = fmt.Sprintf("%d accounts are removed from the voter roll of %s. A ballot one of them cast is withdrawn from the count.", len(m.Voters), m.Election)
			}
			return []ui.Fact{
				{Label: "What happens", Value: what},
				{Label: "Election", Value: m.Election, Href: "/elections/" + m.Election},
				{Label: "Accounts", Value: strings.Join(m.Voters, ", "), Mono: true},
			}
		},
		Done: func(t *tx.Tx, r *client.Result) (string, []ui.Fact, []ui.Link) {
			var m ballot.MsgRegisterVoters
			_ = json.Unmarshal(t.Msg, &m)
			title, label := "Voters registered", "Accounts added"
			if remove {
				title, label = "Voters removed", "Ballots withdrawn"
			}
			return title, []ui.Fact{{Label: label, Value: string(r.Data)}},
				[]ui.Link{{Label: "Back to the election", Href: "/elections/" + m.Election}, {Label: "Change the roll again", Href: path + "?election=" + m.Election}}
		},
	}
}

var (
	registerVoters = rollJourney("/ballot/voters/add", ballot.TypeRegisterVoters, "Register voters",
		"Add accounts to an election's voter roll, until it closes. Only the election's official can.", false)
	removeVoters = rollJourney("/ballot/voters/remove", ballot.TypeRemoveVoters, "Remove voters",
		"Take accounts off an election's voter roll; a ballot they cast is withdrawn from the count.", true)
)

// ceremonyState is everything the chain holds about an election's key
// ceremony and tally.
type ceremonyState struct {
	Election   *ballot.Election
	Trustees   []*ballot.Trustee // [j-1]: trustee j, nil before its key
	Complaints []*ballot.Complaint
	Partials   []uint32 // trustees whose partial decryptions are posted
	Aggregate  *ballot.Aggregate
	Now        time.Time
}

func loadCeremony(ctx context.Context, cl *client.Client, e *ballot.Election) (*ceremonyState, error) {
	st := &ceremonyState{Election: e, Trustees: make([]*ballot.Trustee, len(e.Trustees))}
	var err error
	if st.Now, err = blockTime(ctx, cl); err != nil {
		return nil, err
	}
	for j := range st.Trustees {
		var t ballot.Trustee
		ok, err := portal.ReadJSON(ctx, cl, fmt.Sprintf("/ballot/trustee/%s/%d", e.ID, j+1), 0, &t)
		if err != nil {
			return nil, err
		}
		if ok {
			st.Trustees[j] = &t
		}
	}
	var page ballot.Page
	if _, err := portal.ReadJSON(ctx, cl, "/ballot/list/complaint/"+e.ID, 0, &page); err != nil {
		return nil, err
	}
	for _, en := range page.Entries {
		var c ballot.Complaint
		if err := json.Unmarshal(en.Value, &c); err != nil {
			return nil, err
		}
		st.Complaints = append(st.Complaints, &c)
	}
	if e.Phase != ballot.PhaseKeyCeremony {
		for j := range e.Trustees {
			partial, err := portal.Query(ctx, cl, fmt.Sprintf("/ballot/partial/%s/%d", e.ID, j+1), nil, 0)
			if err != nil {
				return nil, err
			}
			if partial != nil {
				st.Partials = append(st.Partials, uint32(j+1))
			}
		}
		st.Aggregate = new(ballot.Aggregate)
		if _, err := portal.ReadJSON(ctx, cl, "/ballot/aggregate/"+e.ID, 0, st.Aggregate); err != nil {
			return nil, err
		}
	}
	return st, nil
}

var publishElectionKey = &portal.Journey{
	Path:    "/ballot/publish-key",
	MsgType: ballot.TypePublishKey,
	Title:   "Publish the election key",
	Lead:    "End the key ceremony: the dealings of the qualified trustees make the election key, and voting can start at the opening time. Only the election's official can.",
	Nav:     "elections",
	Fields:  []ui.Field{electionField()},
	Message: func(ctx context.Context, cl *client.Client, a portal.Answers) (any, []ui.FormError, error) {
		e, errs, err := officialOf(ctx, cl, a, nil)
		if err != nil || e == nil {
			return nil, errs, err
		}
		st, err := loadCeremony(ctx, cl, e)
		if err != nil {
			return nil, nil, err
		}
		switch {
		case e.Phase != ballot.PhaseKeyCeremony:
			errs = append(errs, formError("election", "The key of "+e.ID+" is already published"))
		case st.Now.Unix() >= e.ClosesAt:
			errs = append(errs, formError("election", "Election "+e.ID+" closed before its key ceremony ended"))
		default:
			_, q, err := ballot.QualifiedDealings(st.Trustees, st.Complaints)
			if err != nil {
				return nil, nil, err
			}
			if uint32(len(q)) < e.Threshold {
				errs = append(errs, formError("election", fmt.Sprintf("Only %d trustees have dealt without an open complaint; the key needs %d. Wait for the trustees", len(q), e.Threshold)))
			}
		}
		if len(errs) > 0 {
			return nil, errs, nil
		}
		return &ballot.MsgPublishKey{Election: e.ID}, nil, nil
	},
	Describe: func(t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
		var m ballot.MsgPublishKey
		_ = json.Unmarshal(t.Msg, &m)
		return []ui.Fact{
			{Label: "What happens", Value: "The key ceremony of " + m.Election + " ends. The chain combines the dealings of the trustees who dealt and have no complaint left open into the election key; an unanswered complaint disqualifies its dealer."},
			{Label: "Election", Value: m.Election, Href: "/elections/" + m.Election + "/trustees"},
		}
	},
	Done: func(t *tx.Tx, r *client.Result) (string, []ui.Fact, []ui.Link) {
		var m ballot.MsgPublishKey
		_ = json.Unmarshal(t.Msg, &m)
		return "The election key is published", []ui.Fact{{Label: "Election key", Value: string(r.Data), Mono: true}},
			[]ui.Link{{Label: "Back to the election", Href: "/elections/" + m.Election}, {Label: "The ceremony and tally", Href: "/elections/" + m.Election + "/trustees"}}
	},
}
