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
	return ui.Field{Name: "message", Label: "Message", Kind: "textarea", Wide: true,
		Hint: "The message as JSON. The trustee page computes it in this browser; you can also paste one made with the publica CLI."}
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
		return nil, []ui.FormError{formError("election", "Enter the election id: lowercase letters, digits and dashes")}, nil
	}
	e, err := fetchElection(ctx, cl, electionID)
	if err != nil {
		return nil, nil, err
	}
	if e == nil {
		return nil, []ui.FormError{formError("election", "There is no election "+electionID)}, nil
	}
	if a.Account == nil {
		return nil, []ui.FormError{formError(portal.SignerField, "This key has no account: register it first")}, nil
	}
	idx := e.TrusteeIndex(a.Account.ID)
	if idx == 0 {
		return nil, []ui.FormError{formError(portal.SignerField, "Account "+a.Account.ID+" is not a trustee of "+e.ID)}, nil
	}
	st, err := loadCeremony(ctx, cl, e)
	if err != nil {
		return nil, nil, err
	}
	return &trusteeCtx{e: e, index: idx, st: st}, nil, nil
}

// inCeremony refuses when the key ceremony is over.
func (tc *trusteeCtx) inCeremony() []ui.FormError {
	if tc.e.Phase != ballot.PhaseKeyCeremony {
		return []ui.FormError{formError("election", "The key ceremony of "+tc.e.ID+" is over: its key is published")}
	}
	return nil
}

// browserMessage reads the "message" answer into m, checks it names the
// election field's election, and returns its election id.
func browserMessage(a portal.Answers, m interface{ ValidateBasic() error }, electionOf func() string) (string, []ui.FormError) {
	raw := strings.TrimSpace(a.Values.Get("message"))
	if raw == "" {
		return "", []ui.FormError{formError("message", "There is no message: compute it on the election's trustee page")}
	}
	if err := decodeStrict(raw, m); err != nil {
		return "", []ui.FormError{formError("message", "The message is not this kind of message's JSON: "+err.Error())}
	}
	if err := m.ValidateBasic(); err != nil {
		return "", []ui.FormError{formError("message", "The chain would refuse this message: "+err.Error())}
	}
	id := strings.TrimSpace(a.Values.Get("election"))
	if id != "" && electionOf() != id {
		return "", []ui.FormError{formError("message", "The message is for election "+electionOf()+", not "+id)}
	}
	return electionOf(), nil
}

func msgOf[T any](t *tx.Tx) *T {
	m := new(T)
	_ = json.Unmarshal(t.Msg, m)
	return m
}

func trusteeDone(title string) func(*tx.Tx, *client.Result) (string, []ui.Fact, []ui.Link) {
	return func(t *tx.Tx, r *client.Result) (string, []ui.Fact, []ui.Link) {
		var facts []ui.Fact
		if len(r.Data) > 0 {
			facts = append(facts, ui.Fact{Label: "The chain says", Value: string(r.Data)})
		}
		var m struct {
			Election string `json:"election"`
		}
		_ = json.Unmarshal(t.Msg, &m)
		return title, facts, []ui.Link{{Label: "Back to the key ceremony and tally", Href: "/elections/" + m.Election + "/trustees"}}
	}
}

var trusteeKeyJourney = &portal.Journey{
	Path:    "/ballot/trustee-key",
	MsgType: ballot.TypeTrusteeKey,
	Title:   "Register your trustee key",
	Lead:    "Round 1 of the key ceremony: your communication key, on which the other trustees encrypt your shares of the election key.",
	Nav:     "elections",
	Fields:  []ui.Field{electionField(), messageField()},
	Message: func(ctx context.Context, cl *client.Client, a portal.Answers) (any, []ui.FormError, error) {
		m := &ballot.MsgTrusteeKey{}
		id, errs := browserMessage(a, m, func() string { return m.Election })
		if errs != nil {
			return nil, errs, nil
		}
		tc, errs, err := trusteeOf(ctx, cl, a, id)
		if err != nil || errs != nil {
			return nil, errs, err
		}
		if errs := tc.inCeremony(); errs != nil {
			return nil, errs, nil
		}
		if tc.st.Trustees[tc.index-1] != nil {
			return nil, []ui.FormError{formError("message", fmt.Sprintf("You (trustee %d) already registered your key", tc.index))}, nil
		}
		return m, nil, nil
	},
	Describe: func(t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
		m := msgOf[ballot.MsgTrusteeKey](t)
		return []ui.Fact{
			{Label: "What happens", Value: "Your communication key for election " + m.Election + " is registered (round 1 of the key ceremony). Its secret half was derived in this browser from your key and is not sent."},
			{Label: "Election", Value: m.Election, Href: "/elections/" + m.Election + "/trustees"},
			{Label: "Communication key", Value: m.CommKey, Mono: true},
		}
	},
	Done: trusteeDone("Your trustee key is registered"),
}

var dealJourney = &portal.Journey{
	Path:    "/ballot/deal",
	MsgType: ballot.TypeDeal,
	Title:   "Deal your shares",
	Lead:    "Round 2 of the key ceremony: commitments to your secret polynomial, with a proof, and one encrypted share for each trustee.",
	Nav:     "elections",
	Fields:  []ui.Field{electionField(), messageField()},
	Message: func(ctx context.Context, cl *client.Client, a portal.Answers) (any, []ui.FormError, error) {
		m := &ballot.MsgDeal{}
		id, errs := browserMessage(a, m, func() string { return m.Election })
		if errs != nil {
			return nil, errs, nil
		}
		tc, errs, err := trusteeOf(ctx, cl, a, id)
		if err != nil || errs != nil {
			return nil, errs, err
		}
		if errs := tc.inCeremony(); errs != nil {
			return nil, errs, nil
		}
		n := uint32(len(tc.e.Trustees))
		for j, t := range tc.st.Trustees {
			if t == nil {
				return nil, []ui.FormError{formError("election", fmt.Sprintf("Trustee %d has not registered its key yet: deal after every trustee has", j+1))}, nil
			}
		}
		if tc.st.Trustees[tc.index-1].Dealing != "" {
			return nil, []ui.FormError{formError("message", fmt.Sprintf("You (trustee %d) already dealt", tc.index))}, nil
		}
		if uint32(len(m.Shares)) != n {
			return nil, []ui.FormError{formError("message", fmt.Sprintf("The message has %d shares for %d trustees", len(m.Shares), n))}, nil
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
			return nil, []ui.FormError{formError("message", "The commitments do not verify: "+err.Error())}, nil
		}
		return m, nil, nil
	},
	Describe: func(t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
		m := msgOf[ballot.MsgDeal](t)
		raw, _ := hex.DecodeString(m.Commitments)
		facts := []ui.Fact{
			{Label: "What happens", Value: "Your dealing for election " + m.Election + " is posted (round 2). The commitments and their proof of knowledge were checked by this portal as the chain will check them."},
			{Label: "Election", Value: m.Election, Href: "/elections/" + m.Election + "/trustees"},
		}
		if dc, err := elgamal.DecodeDealerCommitments(raw); err == nil {
			facts = append(facts, ui.Fact{Label: "Your polynomial", Value: fmt.Sprintf("degree %d (any %d trustees can decrypt), as trustee %d", len(dc.Commitments)-1, len(dc.Commitments), dc.Dealer)})
		}
		return append(facts, ui.Fact{Label: "Encrypted shares", Value: fmt.Sprintf("%d, one for each trustee (yours included), each readable only with its trustee's communication key", len(m.Shares))})
	},
	Done: trusteeDone("Your shares are dealt"),
}

var complainJourney = &portal.Journey{
	Path:    "/ballot/complain",
	MsgType: ballot.TypeComplain,
	Title:   "Complain about a dealer",
	Lead:    "Say publicly that the share a trustee dealt you does not match its commitments. The trustee page checks your shares and offers this only for a bad one.",
	Nav:     "elections",
	Fields: []ui.Field{electionField(),
		{Name: "dealer", Label: "The dealer's trustee number", Hint: "1 for the first trustee of the election, 2 for the second, …"}},
	Message: func(ctx context.Context, cl *client.Client, a portal.Answers) (any, []ui.FormError, error) {
		tc, errs, err := trusteeOf(ctx, cl, a, strings.TrimSpace(a.Values.Get("election")))
		if err != nil || errs != nil {
			return nil, errs, err
		}
		if errs := tc.inCeremony(); errs != nil {
			return nil, errs, nil
		}
		n := len(tc.e.Trustees)
		d, err := strconv.ParseUint(strings.TrimSpace(a.Values.Get("dealer")), 10, 32)
		if err != nil || d < 1 || int(d) > n || uint32(d) == tc.index {
			return nil, []ui.FormError{formError("dealer", fmt.Sprintf("Enter the dealer's number: from 1 to %d, not your own (%d)", n, tc.index))}, nil
		}
		if t := tc.st.Trustees[d-1]; t == nil || t.Dealing == "" {
			return nil, []ui.FormError{formError("dealer", fmt.Sprintf("Trustee %d has not dealt", d))}, nil
		}
		for _, c := range tc.st.Complaints {
			if c.Dealer == uint32(d) && c.Complainer == tc.index {
				return nil, []ui.FormError{formError("dealer", fmt.Sprintf("You already complained about trustee %d", d))}, nil
			}
		}
		return &ballot.MsgComplain{Election: tc.e.ID, Dealer: uint32(d)}, nil, nil
	},
	Describe: func(t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
		m := msgOf[ballot.MsgComplain](t)
		return []ui.Fact{
			{Label: "What happens", Value: fmt.Sprintf("You complain that trustee %d's share for you does not match its commitments. It must reveal that share publicly before the key is published, or it is disqualified.", m.Dealer)},
			{Label: "Election", Value: m.Election, Href: "/elections/" + m.Election + "/trustees"},
		}
	},
	Done: trusteeDone("Your complaint is recorded"),
}

var revealJourney = &portal.Journey{
	Path:    "/ballot/reveal",
	MsgType: ballot.TypeReveal,
	Title:   "Answer a complaint",
	Lead:    "Reveal publicly the share you dealt to the trustee who complained; the chain checks it against your commitments.",
	Nav:     "elections",
	Fields:  []ui.Field{electionField(), messageField()},
	Message: func(ctx context.Context, cl *client.Client, a portal.Answers) (any, []ui.FormError, error) {
		m := &ballot.MsgReveal{}
		id, errs := browserMessage(a, m, func() string { return m.Election })
		if errs != nil {
			return nil, errs, nil
		}
		tc, errs, err := trusteeOf(ctx, cl, a, id)
		if err != nil || errs != nil {
			return nil, errs, err
		}
		if errs := tc.inCeremony(); errs != nil {
			return nil, errs, nil
		}
		for _, c := range tc.st.Complaints {
			if c.Dealer == tc.index && c.Complainer == m.Complainer && c.Status == ballot.ComplaintOpen {
				return m, nil, nil
			}
		}
		return nil, []ui.FormError{formError("message", fmt.Sprintf("There is no open complaint by trustee %d against you", m.Complainer))}, nil
	},
	Describe: func(t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
		m := msgOf[ballot.MsgReveal](t)
		return []ui.Fact{
			{Label: "What happens", Value: fmt.Sprintf("The share you dealt to trustee %d is revealed to everyone. If it matches your commitments the complaint is rejected; if not, you are disqualified.", m.Complainer)},
			{Label: "Election", Value: m.Election, Href: "/elections/" + m.Election + "/trustees"},
			{Label: "Revealed share", Value: m.Share, Mono: true},
		}
	},
	Done: trusteeDone("Your share is revealed"),
}

var tallyJourney = &portal.Journey{
	Path:    "/ballot/tally",
	MsgType: ballot.TypeTally,
	Title:   "Post your partial decryption",
	Lead:    "After the close: your share of the decryption of the chain's sum of the ballots, with a proof for each total. Once enough trustees have posted, the chain publishes the result.",
	Nav:     "elections",
	Fields:  []ui.Field{electionField(), messageField()},
	Message: func(ctx context.Context, cl *client.Client, a portal.Answers) (any, []ui.FormError, error) {
		m := &ballot.MsgTally{}
		id, errs := browserMessage(a, m, func() string { return m.Election })
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
			return nil, []ui.FormError{formError("election", "Election "+e.ID+" is tallied already: its result is published")}, nil
		case e.Phase != ballot.PhaseReady:
			return nil, []ui.FormError{formError("election", "Election "+e.ID+" has no key yet")}, nil
		case st.Now.Unix() < e.ClosesAt:
			return nil, []ui.FormError{formError("election", "Election "+e.ID+" closes at "+unixUTC(e.ClosesAt)+": decrypt after that")}, nil
		}
		for _, p := range st.Partials {
			if p == tc.index {
				return nil, []ui.FormError{formError("message", fmt.Sprintf("You (trustee %d) already posted your partial decryption", tc.index))}, nil
			}
		}
		if err := checkPartials(e, st.Aggregate, tc.index, m.Partials); err != nil {
			return nil, []ui.FormError{formError("message", "The partial decryption does not verify: "+err.Error())}, nil
		}
		return m, nil, nil
	},
	Describe: func(t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
		m := msgOf[ballot.MsgTally](t)
		return []ui.Fact{
			{Label: "What happens", Value: "Your partial decryption of election " + m.Election + "'s totals is posted. It decrypts only the chain's sum of all ballots, never a single ballot."},
			{Label: "Election", Value: m.Election, Href: "/elections/" + m.Election + "/trustees"},
			{Label: "Partial decryptions", Value: fmt.Sprintf("%d, one per option, each with a proof this portal checked against your verification key and the chain's sum", len(m.Partials))},
		}
	},
	Done: trusteeDone("Your partial decryption is posted"),
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
