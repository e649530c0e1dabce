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
	"github.com/publica/publica/crypto/elgamal"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/web/i18n"
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

// requireRole refuses a signer without an account or without role (who
// says, as a catalog key, who may).
func requireRole(ctx context.Context, a portal.Answers, role, who string, errs []ui.FormError) []ui.FormError {
	switch {
	case a.Account == nil:
		return append(errs, formError(portal.SignerField, i18n.T(ctx, "ballot.err.noaccount.role", role)))
	case !a.Account.HasRole(role):
		return append(errs, formError(portal.SignerField, i18n.T(ctx, "ballot.err.role", a.Account.ID, role, i18n.T(ctx, who))))
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
	return parseWhenIn(context.Background(), s, now)
}

// parseWhenIn is parseWhen with its refusal in the page's language.
func parseWhenIn(ctx context.Context, s string, now time.Time) (int64, error) {
	s = strings.TrimSpace(s)
	if d, ok := strings.CutPrefix(s, "+"); ok {
		dur, err := time.ParseDuration(d)
		if err != nil || dur <= 0 {
			return 0, errors.New(i18n.T(ctx, "ballot.err.duration"))
		}
		return now.Add(dur).Unix(), nil
	}
	for _, l := range whenLayouts {
		if t, err := time.ParseInLocation(l, s, time.UTC); err == nil {
			return t.Unix(), nil
		}
	}
	return 0, errors.New(i18n.T(ctx, "ballot.err.when"))
}

// The create form shows questionSlots question slots at first, and one
// more each time the official presses "Add another question" (addQuestion:
// a submit button, so it needs no JavaScript), up to the chain's limit.
// Slots left empty are not asked.
const (
	questionSlots = 3
	maxQuestions  = elgamal.MaxQuestions
	addQuestion   = "add_question"
)

// questionCount is how many question slots the create form shows for
// the answers so far: every slot the answers use (at least
// questionSlots), and one more when "Add another question" was pressed.
func questionCount(values url.Values) int {
	n := questionSlots
	for i := 1; i <= maxQuestions; i++ {
		k := "q" + strconv.Itoa(i)
		if values.Has(k) || values.Has(k+"_options") || values.Has(k+"_max") {
			n = max(n, i)
		}
	}
	if values.Get(addQuestion) != "" {
		n++
	}
	return min(n, maxQuestions)
}

// createFields are the create form's questions for the answers so far:
// the id and title, the question slots with the "Add another question"
// button under them (while the chain takes more), then the rest.
func createFields(ctx context.Context, values url.Values) []ui.Field {
	fs := slices.Clone(createElection.Fields[:2]) // id, title
	n := questionCount(values)
	for i := 1; i <= n; i++ {
		fs = append(fs, questionFields(ctx, i)...)
	}
	if n < maxQuestions {
		fs = append(fs, ui.Field{Name: addQuestion, Kind: "more", Label: i18n.T(ctx, "ballot.create.add"),
			Hint: i18n.T(ctx, "ballot.create.add.hint", maxQuestions)})
	}
	return append(fs, createElection.Fields[2:]...)
}

// questionFields are the create form's fields for question i (1-based):
// its text, its options one a line (none: a yes/no question) and how many
// options a voter may choose, in the page's language.
func questionFields(ctx context.Context, i int) []ui.Field {
	n := strconv.Itoa(i)
	hint := i18n.T(ctx, "ballot.create.q.hint")
	if i > 1 {
		hint = i18n.T(ctx, "ballot.create.q.optional", n)
	}
	return []ui.Field{
		{Name: "q" + n, Label: i18n.T(ctx, "ballot.create.q", n), Hint: hint, Wide: true},
		{Name: "q" + n + "_options", Label: i18n.T(ctx, "ballot.create.q.options", n), Kind: "textarea",
			Hint: i18n.T(ctx, "ballot.create.q.options.hint")},
		{Name: "q" + n + "_max", Label: i18n.T(ctx, "ballot.create.q.max", n),
			Hint: i18n.T(ctx, "ballot.create.q.max.hint")},
	}
}

// readQuestion reads question i of the create form: ok is false when its
// fields are all empty.
func readQuestion(a portal.Answers, i int) (q ballot.Question, ok bool, errs []ui.FormError) {
	return readQuestionIn(context.Background(), a, i)
}

// readQuestionIn is readQuestion with its refusals in the page's language.
func readQuestionIn(ctx context.Context, a portal.Answers, i int) (q ballot.Question, ok bool, errs []ui.FormError) {
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
		errs = append(errs, formError("q"+n, i18n.T(ctx, "ballot.err.q.text", n)))
	}
	q.Text = text
	switch {
	case len(opts) == 0:
		q.Kind, q.Options = ballot.KindYesNo, []string{"yes", "no"}
		if maxRaw != "" {
			errs = append(errs, formError("q"+n+"_max", i18n.T(ctx, "ballot.err.q.yesnomax", n)))
		}
	case len(opts) == 1:
		errs = append(errs, formError("q"+n+"_options", i18n.T(ctx, "ballot.err.q.two", n)))
	default:
		q.Kind, q.Options = ballot.KindSingle, opts
		if maxRaw != "" {
			k, err := strconv.ParseUint(maxRaw, 10, 32)
			switch {
			case err != nil || k == 0:
				errs = append(errs, formError("q"+n+"_max", i18n.T(ctx, "ballot.err.q.max", n)))
			case k > uint64(len(opts)):
				errs = append(errs, formError("q"+n+"_max", i18n.T(ctx, "ballot.err.q.toomany", n, len(opts))))
			case k > 1:
				q.Kind, q.MaxChoices = ballot.KindApproval, uint32(k)
			}
		}
	}
	if len(errs) == 0 {
		if err := checkQuestion(q); err != nil {
			errs = append(errs, formError("q"+n+"_options", i18n.T(ctx, "ballot.err.q.chain", n, err.Error())))
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

func init() { createElection.FieldsFor = createFields }

var createElection = &portal.Journey{
	Path:    "/ballot/create",
	MsgType: ballot.TypeCreateElection,
	Change:  changeElectionHref,
	More:    addQuestion,
	Title:   "ballot.create",
	Lead:    "ballot.create.lead",
	Nav:     "elections",
	Fields: []ui.Field{
		{Name: "id", Label: "ballot.create.id", Hint: "ballot.create.id.hint"},
		{Name: "title", Label: "ballot.create.title", Hint: "ballot.create.title.hint"},
		{Name: "trustees", Label: "ballot.trustees", Kind: "textarea", Wide: true, Hint: "ballot.create.trustees.hint"},
		{Name: "threshold", Label: "ballot.create.threshold", Hint: "ballot.create.threshold.hint"},
		{Name: "opens", Label: "ballot.create.opens", Hint: "ballot.create.opens.hint"},
		{Name: "closes", Label: "ballot.create.closes", Hint: "ballot.create.closes.hint"},
		{Name: "credential", Label: "ballot.create.credential", Hint: "ballot.create.credential.hint"},
		{Name: "predicate", Label: "ballot.create.predicate", Hint: "ballot.create.predicate.hint"},
	},
	Message: func(ctx context.Context, cl *client.Client, a portal.Answers) (any, []ui.FormError, error) {
		v := func(k string) string { return strings.TrimSpace(a.Values.Get(k)) }
		errs := requireRole(ctx, a, authority.RoleElectionOfficial, "ballot.who.create", nil)
		m := &ballot.MsgCreateElection{ID: v("id"), Title: v("title"), Eligibility: ballot.Eligibility{Kind: ballot.RuleRoll}}
		switch {
		case m.ID == "":
			errs = append(errs, formError("id", i18n.T(ctx, "ballot.err.id.empty")))
		case !ballot.ValidElectionID(m.ID):
			errs = append(errs, formError("id", i18n.T(ctx, "ballot.err.id.bad")))
		default:
			e, err := fetchElection(ctx, cl, m.ID)
			if err != nil {
				return nil, nil, err
			}
			if e != nil {
				errs = append(errs, formError("id", i18n.T(ctx, "ballot.err.id.taken", m.ID)))
			}
		}
		if m.Title == "" || len(m.Title) > ballot.MaxTitle {
			errs = append(errs, formError("title", i18n.T(ctx, "ballot.err.title", ballot.MaxTitle)))
		}
		for i := 1; i <= maxQuestions; i++ {
			q, ok, qerrs := readQuestionIn(ctx, a, i)
			errs = append(errs, qerrs...)
			if ok && len(qerrs) == 0 {
				m.Questions = append(m.Questions, q)
			}
		}
		if len(m.Questions) == 0 && !slices.ContainsFunc(errs, func(e ui.FormError) bool { return strings.HasPrefix(e.Field, "q") }) {
			errs = append(errs, formError("q1", i18n.T(ctx, "ballot.err.noquestion")))
		}
		m.Trustees = splitList(strings.ToLower(a.Values.Get("trustees")))
		if len(m.Trustees) == 0 {
			errs = append(errs, formError("trustees", i18n.T(ctx, "ballot.err.trustees.empty")))
		}
		for i, t := range m.Trustees {
			if !tx.ValidAccountID(t) {
				errs = append(errs, formError("trustees", i18n.T(ctx, "ballot.err.trustee.bad", i+1, t)))
				continue
			}
			if slices.Index(m.Trustees, t) != i {
				errs = append(errs, formError("trustees", i18n.T(ctx, "ballot.err.trustee.twice", t)))
				continue
			}
			acct, err := cl.Account(ctx, t)
			if err != nil {
				return nil, nil, err
			}
			if acct == nil || !acct.HasRole(authority.RoleTrustee) {
				errs = append(errs, formError("trustees", i18n.T(ctx, "ballot.err.trustee.role", t)))
			}
		}
		th, err := strconv.ParseUint(v("threshold"), 10, 32)
		if err != nil || th < 1 || (len(m.Trustees) > 0 && th > uint64(len(m.Trustees))) {
			errs = append(errs, formError("threshold", i18n.T(ctx, "ballot.err.threshold", max(len(m.Trustees), 1))))
		}
		m.Threshold = uint32(th)
		now, err := blockTime(ctx, cl)
		if err != nil {
			return nil, nil, err
		}
		var whenErr bool
		if m.OpensAt, err = parseWhenIn(ctx, v("opens"), now); err != nil {
			errs, whenErr = append(errs, formError("opens", i18n.T(ctx, "ballot.err.opens", err.Error()))), true
		}
		if m.ClosesAt, err = parseWhenIn(ctx, v("closes"), now); err != nil {
			errs, whenErr = append(errs, formError("closes", i18n.T(ctx, "ballot.err.closes", err.Error()))), true
		}
		if !whenErr {
			switch {
			case m.ClosesAt <= m.OpensAt:
				errs = append(errs, formError("closes", i18n.T(ctx, "ballot.err.closebeforeopen")))
			case m.ClosesAt <= now.Unix():
				errs = append(errs, formError("closes", i18n.T(ctx, "ballot.err.closed", unixIn(ctx, now.Unix()))))
			}
		}
		if s := v("credential"); s != "" {
			m.Eligibility = ballot.Eligibility{Kind: ballot.RuleCredential, Schema: s, Predicate: v("predicate")}
		} else if v("predicate") != "" {
			errs = append(errs, formError("predicate", i18n.T(ctx, "ballot.err.predicate")))
		}
		if len(errs) > 0 {
			return nil, errs, nil
		}
		if err := m.ValidateBasic(); err != nil { // the chain's own check, in case one above missed
			return nil, []ui.FormError{formError("", i18n.T(ctx, "ballot.err.chain", err.Error()))}, nil
		}
		return m, nil, nil
	},
	DescribeIn: func(ctx context.Context, t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
		var m ballot.MsgCreateElection
		_ = json.Unmarshal(t.Msg, &m)
		facts := []ui.Fact{
			{Label: i18n.T(ctx, "ballot.what"), Value: i18n.T(ctx, "ballot.create.what", m.ID)},
			{Label: i18n.T(ctx, "ballot.create.id"), Value: m.ID, Mono: true},
			{Label: i18n.T(ctx, "ballot.create.title"), Value: m.Title},
		}
		for i, q := range m.Questions {
			facts = append(facts, ui.Fact{Label: i18n.T(ctx, "ballot.create.q", strconv.Itoa(i+1)),
				Value: i18n.T(ctx, "ballot.create.q.fact", q.Text, ruleTextIn(ctx, q), strings.Join(optionsIn(ctx, q), ui.ListSep(ctx)))})
		}
		who := i18n.T(ctx, "ballot.create.who.roll")
		if m.Eligibility.Kind == ballot.RuleCredential {
			who = eligibilityIn(ctx, m.Eligibility)
		}
		return append(facts,
			ui.Fact{Label: i18n.T(ctx, "ballot.who"), Value: who},
			ui.Fact{Label: i18n.T(ctx, "ballot.trustees"), Value: strings.Join(m.Trustees, ", "), Mono: true},
			ui.Fact{Label: i18n.T(ctx, "ballot.create.needed"), Value: i18n.T(ctx, "ballot.create.anyof", m.Threshold, len(m.Trustees))},
			ui.Fact{Label: i18n.T(ctx, "ballot.opens.block"), Value: unixIn(ctx, m.OpensAt)},
			ui.Fact{Label: i18n.T(ctx, "ballot.closes.block"), Value: unixIn(ctx, m.ClosesAt)},
		)
	},
	DoneIn: func(ctx context.Context, t *tx.Tx, _ *client.Result) (string, []ui.Fact, []ui.Link) {
		var m ballot.MsgCreateElection
		_ = json.Unmarshal(t.Msg, &m)
		next := []ui.Link{{Label: i18n.T(ctx, "ballot.create.follow"), Href: "/elections/" + m.ID + "/trustees"}}
		if m.Eligibility.Kind == ballot.RuleRoll {
			next = append(next, ui.Link{Label: i18n.T(ctx, "ballot.cer.register"), Href: registerVoters.Path + "?election=" + m.ID})
		}
		return i18n.T(ctx, "ballot.create.done", m.ID),
			[]ui.Fact{{Label: i18n.T(ctx, "ballot.election"), Value: m.Title, Href: "/elections/" + m.ID}},
			next
	},
}

// officialOf loads the election named in the answers and checks the signer
// is its official; refusals name the field.
func officialOf(ctx context.Context, cl *client.Client, a portal.Answers, errs []ui.FormError) (*ballot.Election, []ui.FormError, error) {
	id := strings.TrimSpace(a.Values.Get("election"))
	if !ballot.ValidElectionID(id) {
		return nil, append(errs, formError("election", i18n.T(ctx, "ballot.err.election.bad"))), nil
	}
	e, err := fetchElection(ctx, cl, id)
	if err != nil || e == nil {
		if e == nil && err == nil {
			errs = append(errs, formError("election", i18n.T(ctx, "ballot.err.election.none", id)))
		}
		return nil, errs, err
	}
	if a.Account == nil {
		return e, append(errs, formError(portal.SignerField, i18n.T(ctx, "ballot.err.noaccount"))), nil
	}
	if e.Official != a.Account.ID {
		return e, append(errs, formError(portal.SignerField, i18n.T(ctx, "ballot.err.notofficial", a.Account.ID, id, e.Official))), nil
	}
	return e, errs, nil
}

func electionField() ui.Field {
	return ui.Field{Name: "election", Label: "ballot.create.id", Hint: "ballot.election.hint"}
}

func rollJourney(path, msgType, title, lead string, remove bool) *portal.Journey {
	return &portal.Journey{
		Path: path, MsgType: msgType, Title: title, Lead: lead, Nav: "elections",
		Fields: []ui.Field{electionField(),
			{Name: "voters", Label: "ballot.roll.voters", Kind: "textarea", Wide: true, Hint: "ballot.roll.voters.hint"}},
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
					errs = append(errs, formError("election", i18n.T(ctx, "ballot.err.norule", e.ID)))
				case e.Phase == ballot.PhaseTallied || now.Unix() >= e.ClosesAt:
					errs = append(errs, formError("election", i18n.T(ctx, "ballot.err.rollfinal", e.ID)))
				}
			}
			voters := splitList(strings.ToLower(a.Values.Get("voters")))
			slices.Sort(voters)
			voters = slices.Compact(voters)
			if len(voters) == 0 || len(voters) > ballot.MaxRollChange {
				errs = append(errs, formError("voters", i18n.T(ctx, "ballot.err.voters.count", ballot.MaxRollChange)))
			}
			for _, v := range voters {
				if !tx.ValidAccountID(v) {
					errs = append(errs, formError("voters", i18n.T(ctx, "ballot.err.voter.bad", v)))
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
						errs = append(errs, formError("voters", i18n.T(ctx, "ballot.err.voter.notonroll", v, e.ID)))
					}
				}
				if len(errs) > 0 {
					return nil, errs, nil
				}
				return &ballot.MsgRemoveVoters{Election: e.ID, Voters: voters}, nil, nil
			}
			return &ballot.MsgRegisterVoters{Election: e.ID, Voters: voters}, nil, nil
		},
		DescribeIn: func(ctx context.Context, t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
			var m ballot.MsgRegisterVoters // same fields as MsgRemoveVoters
			_ = json.Unmarshal(t.Msg, &m)
			what := i18n.T(ctx, "ballot.roll.add.what", len(m.Voters), m.Election)
			if remove {
				what = i18n.T(ctx, "ballot.roll.remove.what", len(m.Voters), m.Election)
			}
			return []ui.Fact{
				{Label: i18n.T(ctx, "ballot.what"), Value: what},
				{Label: i18n.T(ctx, "ballot.election"), Value: m.Election, Href: "/elections/" + m.Election},
				{Label: i18n.T(ctx, "ballot.roll.accounts"), Value: strings.Join(m.Voters, ", "), Mono: true},
			}
		},
		DoneIn: func(ctx context.Context, t *tx.Tx, r *client.Result) (string, []ui.Fact, []ui.Link) {
			var m ballot.MsgRegisterVoters
			_ = json.Unmarshal(t.Msg, &m)
			title, label := "ballot.roll.added", "ballot.roll.added.n"
			if remove {
				title, label = "ballot.roll.removed", "ballot.roll.withdrawn"
			}
			return i18n.T(ctx, title), []ui.Fact{{Label: i18n.T(ctx, label), Value: string(r.Data)}},
				[]ui.Link{{Label: i18n.T(ctx, "ballot.back"), Href: "/elections/" + m.Election}, {Label: i18n.T(ctx, "ballot.roll.again"), Href: path + "?election=" + m.Election}}
		},
	}
}

var (
	registerVoters = rollJourney("/ballot/voters/add", ballot.TypeRegisterVoters, "ballot.cer.register", "ballot.roll.add.lead", false)
	removeVoters   = rollJourney("/ballot/voters/remove", ballot.TypeRemoveVoters, "ballot.roll.remove", "ballot.roll.remove.lead", true)
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
	Title:   "ballot.cer.publish",
	Lead:    "ballot.publish.lead",
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
			errs = append(errs, formError("election", i18n.T(ctx, "ballot.err.published", e.ID)))
		case st.Now.Unix() >= e.ClosesAt:
			errs = append(errs, formError("election", i18n.T(ctx, "ballot.err.closedinceremony", e.ID)))
		default:
			_, q, err := ballot.QualifiedDealings(st.Trustees, st.Complaints)
			if err != nil {
				return nil, nil, err
			}
			if uint32(len(q)) < e.Threshold {
				errs = append(errs, formError("election", i18n.T(ctx, "ballot.err.fewdealt", len(q), e.Threshold)))
			}
		}
		if len(errs) > 0 {
			return nil, errs, nil
		}
		return &ballot.MsgPublishKey{Election: e.ID}, nil, nil
	},
	DescribeIn: func(ctx context.Context, t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
		var m ballot.MsgPublishKey
		_ = json.Unmarshal(t.Msg, &m)
		return []ui.Fact{
			{Label: i18n.T(ctx, "ballot.what"), Value: i18n.T(ctx, "ballot.publish.what", m.Election)},
			{Label: i18n.T(ctx, "ballot.election"), Value: m.Election, Href: "/elections/" + m.Election + "/trustees"},
		}
	},
	DoneIn: func(ctx context.Context, t *tx.Tx, r *client.Result) (string, []ui.Fact, []ui.Link) {
		var m ballot.MsgPublishKey
		_ = json.Unmarshal(t.Msg, &m)
		return i18n.T(ctx, "ballot.publish.done"), []ui.Fact{{Label: i18n.T(ctx, "ballot.key"), Value: string(r.Data), Mono: true}},
			[]ui.Link{{Label: i18n.T(ctx, "ballot.back"), Href: "/elections/" + m.Election}, {Label: i18n.T(ctx, "ballot.ceremony"), Href: "/elections/" + m.Election + "/trustees"}}
	},
}
