package ballot

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/publica/publica/client"
	"github.com/publica/publica/crypto/elgamal"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/web/i18n"
	"github.com/publica/publica/web/portal"
	"github.com/publica/publica/web/ui"
	"github.com/publica/publica/x/ballot"
)

// The trustee's journeys. The trustee page (/elections/:id/trustees,
// static/trustee.js) computes each message in the browser with the
// WebAssembly from the trustee's derived secret, which never leaves the
// browser, and posts the message here as the "message" field. The server
// treats it as any other answer: it decodes it strictly, checks it as the
// chain will (proofs included), shows it in plain words and only then
// prepares the transaction for the browser to sign. A message made with
// the CLI can be pasted into the same form.

func messageField() ui.Field {
	return ui.Field{Name: "message", Label: "ballot.t.message", Kind: "textarea", Wide: true, Hint: "ballot.t.message.hint"}
}

// decodeStrict reads the browser's message: one JSON object with only the
// message's fields.
func decodeStrict(s string, v any) error {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("more than one JSON value")
	}
	return nil
}

// trusteeCtx is what every trustee journey checks first: the election
// exists, the signer has an account and is one of its trustees.
type trusteeCtx struct {
	e     *ballot.Election
	index uint32
	st    *ceremonyState
}

func trusteeOf(ctx context.Context, cl *client.Client, a portal.Answers, electionID string) (*trusteeCtx, []ui.FormError, error) {
	if !ballot.ValidElectionID(electionID) {
		return nil, []ui.FormError{formError("election", i18n.T(ctx, "ballot.err.election.bad"))}, nil
	}
	e, err := fetchElection(ctx, cl, electionID)
	if err != nil {
		return nil, nil, err
	}
	if e == nil {
		return nil, []ui.FormError{formError("election", i18n.T(ctx, "ballot.err.election.none", electionID))}, nil
	}
	if a.Account == nil {
		return nil, []ui.FormError{formError(portal.SignerField, i18n.T(ctx, "ballot.err.noaccount"))}, nil
	}
	idx := e.TrusteeIndex(a.Account.ID)
	if idx == 0 {
		return nil, []ui.FormError{formError(portal.SignerField, i18n.T(ctx, "ballot.err.nottrustee", a.Account.ID, e.ID))}, nil
	}
	st, err := loadCeremony(ctx, cl, e)
	if err != nil {
		return nil, nil, err
	}
	return &trusteeCtx{e: e, index: idx, st: st}, nil, nil
}

// inCeremony refuses when the key ceremony is over.
func (tc *trusteeCtx) inCeremony(ctx context.Context) []ui.FormError {
	if tc.e.Phase != ballot.PhaseKeyCeremony {
		return []ui.FormError{formError("election", i18n.T(ctx, "ballot.err.ceremonyover", tc.e.ID))}
	}
	return nil
}

// browserMessage reads the "message" answer into m, checks it names the
// election field's election, and returns its election id.
func browserMessage(ctx context.Context, a portal.Answers, m interface{ ValidateBasic() error }, electionOf func() string) (string, []ui.FormError) {
	raw := strings.TrimSpace(a.Values.Get("message"))
	if raw == "" {
		return "", []ui.FormError{formError("message", i18n.T(ctx, "ballot.err.nomessage"))}
	}
	if err := decodeStrict(raw, m); err != nil {
		return "", []ui.FormError{formError("message", i18n.T(ctx, "ballot.err.message.json", err.Error()))}
	}
	if err := m.ValidateBasic(); err != nil {
		return "", []ui.FormError{formError("message", i18n.T(ctx, "ballot.err.message.chain", err.Error()))}
	}
	id := strings.TrimSpace(a.Values.Get("election"))
	if id != "" && electionOf() != id {
		return "", []ui.FormError{formError("message", i18n.T(ctx, "ballot.err.message.election", electionOf(), id))}
	}
	return electionOf(), nil
}

func msgOf[T any](t *tx.Tx) *T {
	m := new(T)
	_ = json.Unmarshal(t.Msg, m)
	return m
}

// trusteeDone titles a trustee journey's confirmation (title is a
// catalog key) and leads back to the ceremony page.
func trusteeDone(title string) func(context.Context, *tx.Tx, *client.Result) (string, []ui.Fact, []ui.Link) {
	return func(ctx context.Context, t *tx.Tx, r *client.Result) (string, []ui.Fact, []ui.Link) {
		var facts []ui.Fact
		if len(r.Data) > 0 {
			facts = append(facts, ui.Fact{Label: i18n.T(ctx, "ballot.t.chainsays"), Value: string(r.Data)})
		}
		var m struct {
			Election string `json:"election"`
		}
		_ = json.Unmarshal(t.Msg, &m)
		return i18n.T(ctx, title), facts, []ui.Link{{Label: i18n.T(ctx, "ballot.t.back"), Href: "/elections/" + m.Election + "/trustees"}}
	}
}

var trusteeKeyJourney = &portal.Journey{
	Path:    "/ballot/trustee-key",
	MsgType: ballot.TypeTrusteeKey,
	Title:   "ballot.t.key.title",
	Lead:    "ballot.t.key.lead",
	Nav:     "elections",
	Fields:  []ui.Field{electionField(), messageField()},
	Message: func(ctx context.Context, cl *client.Client, a portal.Answers) (any, []ui.FormError, error) {
		m := &ballot.MsgTrusteeKey{}
		id, errs := browserMessage(ctx, a, m, func() string { return m.Election })
		if errs != nil {
			return nil, errs, nil
		}
		tc, errs, err := trusteeOf(ctx, cl, a, id)
		if err != nil || errs != nil {
			return nil, errs, err
		}
		if errs := tc.inCeremony(ctx); errs != nil {
			return nil, errs, nil
		}
		if tc.st.Trustees[tc.index-1] != nil {
			return nil, []ui.FormError{formError("message", i18n.T(ctx, "ballot.err.t.keyagain", tc.index))}, nil
		}
		return m, nil, nil
	},
	DescribeIn: func(ctx context.Context, t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
		m := msgOf[ballot.MsgTrusteeKey](t)
		return []ui.Fact{
			{Label: i18n.T(ctx, "ballot.what"), Value: i18n.T(ctx, "ballot.t.key.what", m.Election)},
			{Label: i18n.T(ctx, "ballot.election"), Value: m.Election, Href: "/elections/" + m.Election + "/trustees"},
			{Label: i18n.T(ctx, "ballot.t.commkey"), Value: m.CommKey, Mono: true},
		}
	},
	DoneIn: trusteeDone("ballot.t.key.done"),
}

var dealJourney = &portal.Journey{
	Path:    "/ballot/deal",
	MsgType: ballot.TypeDeal,
	Title:   "ballot.t.deal.title",
	Lead:    "ballot.t.deal.lead",
	Nav:     "elections",
	Fields:  []ui.Field{electionField(), messageField()},
	Message: func(ctx context.Context, cl *client.Client, a portal.Answers) (any, []ui.FormError, error) {
		m := &ballot.MsgDeal{}
		id, errs := browserMessage(ctx, a, m, func() string { return m.Election })
		if errs != nil {
			return nil, errs, nil
		}
		tc, errs, err := trusteeOf(ctx, cl, a, id)
		if err != nil || errs != nil {
			return nil, errs, err
		}
		if errs := tc.inCeremony(ctx); errs != nil {
			return nil, errs, nil
		}
		n := uint32(len(tc.e.Trustees))
		for j, t := range tc.st.Trustees {
			if t == nil {
				return nil, []ui.FormError{formError("election", i18n.T(ctx, "ballot.err.t.nokeyyet", j+1))}, nil
			}
		}
		if tc.st.Trustees[tc.index-1].Dealing != "" {
			return nil, []ui.FormError{formError("message", i18n.T(ctx, "ballot.err.t.dealt", tc.index))}, nil
		}
		if uint32(len(m.Shares)) != n {
			return nil, []ui.FormError{formError("message", i18n.T(ctx, "ballot.err.t.shares", len(m.Shares), n))}, nil
		}
		raw, _ := hex.DecodeString(m.Commitments)
		dc, err := elgamal.DecodeDealerCommitments(raw)
		if err == nil && dc.Dealer != tc.index {
			err = fmt.Errorf("they name dealer %d, you are trustee %d", dc.Dealer, tc.index)
		}
		if err == nil {
			err = elgamal.VerifyDealerCommitments(tc.e.ID, tc.e.Threshold, n, dc)
		}
		if err != nil {
			return nil, []ui.FormError{formError("message", i18n.T(ctx, "ballot.err.t.commitments", err.Error()))}, nil
		}
		return m, nil, nil
	},
	DescribeIn: func(ctx context.Context, t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
		m := msgOf[ballot.MsgDeal](t)
		raw, _ := hex.DecodeString(m.Commitments)
		facts := []ui.Fact{
			{Label: i18n.T(ctx, "ballot.what"), Value: i18n.T(ctx, "ballot.t.deal.what", m.Election)},
			{Label: i18n.T(ctx, "ballot.election"), Value: m.Election, Href: "/elections/" + m.Election + "/trustees"},
		}
		if dc, err := elgamal.DecodeDealerCommitments(raw); err == nil {
			facts = append(facts, ui.Fact{Label: i18n.T(ctx, "ballot.t.poly"), Value: i18n.T(ctx, "ballot.t.poly.value", len(dc.Commitments)-1, len(dc.Commitments), dc.Dealer)})
		}
		return append(facts, ui.Fact{Label: i18n.T(ctx, "ballot.t.shares"), Value: i18n.T(ctx, "ballot.t.shares.value", len(m.Shares))})
	},
	DoneIn: trusteeDone("ballot.t.deal.done"),
}

var complainJourney = &portal.Journey{
	Path:    "/ballot/complain",
	MsgType: ballot.TypeComplain,
	Title:   "ballot.t.complain.title",
	Lead:    "ballot.t.complain.lead",
	Nav:     "elections",
	Fields: []ui.Field{electionField(),
		{Name: "dealer", Label: "ballot.t.dealer", Hint: "ballot.t.dealer.hint"}},
	Message: func(ctx context.Context, cl *client.Client, a portal.Answers) (any, []ui.FormError, error) {
		tc, errs, err := trusteeOf(ctx, cl, a, strings.TrimSpace(a.Values.Get("election")))
		if err != nil || errs != nil {
			return nil, errs, err
		}
		if errs := tc.inCeremony(ctx); errs != nil {
			return nil, errs, nil
		}
		n := len(tc.e.Trustees)
		d, err := strconv.ParseUint(strings.TrimSpace(a.Values.Get("dealer")), 10, 32)
		if err != nil || d < 1 || int(d) > n || uint32(d) == tc.index {
			return nil, []ui.FormError{formError("dealer", i18n.T(ctx, "ballot.err.t.dealer", n, tc.index))}, nil
		}
		if t := tc.st.Trustees[d-1]; t == nil || t.Dealing == "" {
			return nil, []ui.FormError{formError("dealer", i18n.T(ctx, "ballot.err.t.notdealt", d))}, nil
		}
		for _, c := range tc.st.Complaints {
			if c.Dealer == uint32(d) && c.Complainer == tc.index {
				return nil, []ui.FormError{formError("dealer", i18n.T(ctx, "ballot.err.t.complained", d))}, nil
			}
		}
		return &ballot.MsgComplain{Election: tc.e.ID, Dealer: uint32(d)}, nil, nil
	},
	DescribeIn: func(ctx context.Context, t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
		m := msgOf[ballot.MsgComplain](t)
		return []ui.Fact{
			{Label: i18n.T(ctx, "ballot.what"), Value: i18n.T(ctx, "ballot.t.complain.what", m.Dealer)},
			{Label: i18n.T(ctx, "ballot.election"), Value: m.Election, Href: "/elections/" + m.Election + "/trustees"},
		}
	},
	DoneIn: trusteeDone("ballot.t.complain.done"),
}

var revealJourney = &portal.Journey{
	Path:    "/ballot/reveal",
	MsgType: ballot.TypeReveal,
	Title:   "ballot.t.reveal.title",
	Lead:    "ballot.t.reveal.lead",
	Nav:     "elections",
	Fields:  []ui.Field{electionField(), messageField()},
	Message: func(ctx context.Context, cl *client.Client, a portal.Answers) (any, []ui.FormError, error) {
		m := &ballot.MsgReveal{}
		id, errs := browserMessage(ctx, a, m, func() string { return m.Election })
		if errs != nil {
			return nil, errs, nil
		}
		tc, errs, err := trusteeOf(ctx, cl, a, id)
		if err != nil || errs != nil {
			return nil, errs, err
		}
		if errs := tc.inCeremony(ctx); errs != nil {
			return nil, errs, nil
		}
		for _, c := range tc.st.Complaints {
			if c.Dealer == tc.index && c.Complainer == m.Complainer && c.Status == ballot.ComplaintOpen {
				return m, nil, nil
			}
		}
		return nil, []ui.FormError{formError("message", i18n.T(ctx, "ballot.err.t.nocomplaint", m.Complainer))}, nil
	},
	DescribeIn: func(ctx context.Context, t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
		m := msgOf[ballot.MsgReveal](t)
		return []ui.Fact{
			{Label: i18n.T(ctx, "ballot.what"), Value: i18n.T(ctx, "ballot.t.reveal.what", m.Complainer)},
			{Label: i18n.T(ctx, "ballot.election"), Value: m.Election, Href: "/elections/" + m.Election + "/trustees"},
			{Label: i18n.T(ctx, "ballot.t.revealed"), Value: m.Share, Mono: true},
		}
	},
	DoneIn: trusteeDone("ballot.t.reveal.done"),
}

var tallyJourney = &portal.Journey{
	Path:    "/ballot/tally",
	MsgType: ballot.TypeTally,
	Title:   "ballot.t.tally.title",
	Lead:    "ballot.t.tally.lead",
	Nav:     "elections",
	Fields:  []ui.Field{electionField(), messageField()},
	Message: func(ctx context.Context, cl *client.Client, a portal.Answers) (any, []ui.FormError, error) {
		m := &ballot.MsgTally{}
		id, errs := browserMessage(ctx, a, m, func() string { return m.Election })
		if errs != nil {
			return nil, errs, nil
		}
		tc, errs, err := trusteeOf(ctx, cl, a, id)
		if err != nil || errs != nil {
			return nil, errs, err
		}
		e, st := tc.e, tc.st
		switch {
		case e.Phase == ballot.PhaseTallied:
			return nil, []ui.FormError{formError("election", i18n.T(ctx, "ballot.err.t.tallied", e.ID))}, nil
		case e.Phase != ballot.PhaseReady:
			return nil, []ui.FormError{formError("election", i18n.T(ctx, "ballot.err.t.nokey", e.ID))}, nil
		case st.Now.Unix() < e.ClosesAt:
			return nil, []ui.FormError{formError("election", i18n.T(ctx, "ballot.err.t.notclosed", e.ID, unixIn(ctx, e.ClosesAt)))}, nil
		}
		for _, p := range st.Partials {
			if p == tc.index {
				return nil, []ui.FormError{formError("message", i18n.T(ctx, "ballot.err.t.posted", tc.index))}, nil
			}
		}
		if err := checkPartials(e, st.Aggregate, tc.index, m.Partials); err != nil {
			return nil, []ui.FormError{formError("message", i18n.T(ctx, "ballot.err.t.partial", err.Error()))}, nil
		}
		return m, nil, nil
	},
	DescribeIn: func(ctx context.Context, t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
		m := msgOf[ballot.MsgTally](t)
		return []ui.Fact{
			{Label: i18n.T(ctx, "ballot.what"), Value: i18n.T(ctx, "ballot.t.tally.what", m.Election)},
			{Label: i18n.T(ctx, "ballot.election"), Value: m.Election, Href: "/elections/" + m.Election + "/trustees"},
			{Label: i18n.T(ctx, "ballot.t.partials"), Value: i18n.T(ctx, "ballot.t.partials.value", len(m.Partials))},
		}
	},
	DoneIn: trusteeDone("ballot.t.tally.done"),
}

// checkPartials is the chain's tally check: one partial decryption per
// option of the aggregate, each naming trustee idx and proven against its
// verification key.
func checkPartials(e *ballot.Election, agg *ballot.Aggregate, idx uint32, partials []string) error {
	if err := ballot.CheckAggregateShape(e, agg); err != nil {
		return err
	}
	if len(partials) != e.Options() {
		return fmt.Errorf("%d partial decryptions, the election has %d options", len(partials), e.Options())
	}
	cts, err := ballot.DecodeAggregate(agg)
	if err != nil {
		return err
	}
	vkRaw, _ := hex.DecodeString(e.VerificationKeys[idx-1])
	vk, err := elgamal.DecodePublicKey(vkRaw)
	if err != nil {
		return err
	}
	i := 0
	for qi := range cts {
		for oi := range cts[qi] {
			raw, _ := hex.DecodeString(partials[i])
			i++
			pd, err := elgamal.DecodePartialDecryption(raw)
			if err != nil {
				return fmt.Errorf("question %d option %d: %v", qi+1, oi+1, err)
			}
			if pd.Trustee != idx {
				return fmt.Errorf("question %d option %d names trustee %d", qi+1, oi+1, pd.Trustee)
			}
			if err := elgamal.VerifyPartialDecryption(vk, elgamal.DecryptionContext{ElectionID: e.ID, Question: uint32(qi), Option: uint32(oi)}, cts[qi][oi], pd); err != nil {
				return fmt.Errorf("question %d option %d: %v", qi+1, oi+1, err)
			}
		}
	}
	return nil
}
