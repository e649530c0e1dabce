package web

import (
	"context"
	"crypto/ed25519"
	"crypto/hmac"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/publica/publica/client"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/web/chain"
	"github.com/publica/publica/web/ui"
	"github.com/publica/publica/x/authority"
)

// The signing flow, the same for every form that changes the chain:
//
//  1. GET Journey.Path shows the questions (and the signer's public key,
//     filled in from the key held in the browser).
//  2. POST Journey.Path: the server checks the answers (422 with an error
//     summary when they are wrong), builds the unsigned transaction as the
//     client package does (chain id, the account's next sequence, valid
//     until the latest height + ValidFor, the canonical message) and shows
//     it in plain words, with its exact sign bytes in data-sign-bytes.
//  3. The browser signs those bytes with its key (static/sign.js) and posts
//     the signature to /tx/send with the server's sealed copy of the
//     unsigned transaction. The server puts them together, verifies the
//     signature, relays the transaction, waits for its block and shows the
//     result.
//
// The server never sees a private key, and only relays what it prepared
// and described: the sealed copy carries an HMAC under the server's secret.

// ValidFor is how many blocks a prepared transaction stays valid.
const ValidFor = 100

// SignerField is the form field holding the signer's public key (hex).
const SignerField = "pubkey"

// Answers are a journey's submitted form.
type Answers struct {
	Values  url.Values
	Signer  ed25519.PublicKey
	Account *authority.Account // the signer's account; nil if the key has none
}

// Journey is one form that ends in a signed transaction. Pages for land,
// identity and ballots add theirs to Journeys.
type Journey struct {
	Path    string // GET shows the form, POST prepares the transaction
	MsgType string
	Title   string // the form's heading, e.g. "Register your account"
	Lead    string
	Nav     string
	// Fields are the questions besides the signer's key, which every
	// journey asks first.
	Fields []ui.Field
	// Message turns the answers into the message, or returns the refused
	// answers (shown with status 422). err is for failures that are not the
	// user's (the node is down).
	Message func(ctx context.Context, cl *client.Client, a Answers) (msg any, refused []ui.FormError, err error)
	// Describe says in plain words what the prepared (unsigned)
	// transaction does when signer signs it.
	Describe func(t *tx.Tx, signer ed25519.PublicKey) []ui.Fact
	// Done titles the confirmation and says what to do next.
	Done func(t *tx.Tx, r *client.Result) (title string, facts []ui.Fact, next []ui.Link)
	// Preview, if set, is shown on the check page under the facts (e.g. a
	// parcel's outline drawn from the message).
	Preview func(t *tx.Tx) templ.Component
	// Scripts are extra static scripts for the form page (web/static).
	Scripts []string
}

// Journeys are every signed-transaction form the portal offers.
var Journeys = []*Journey{registerAccount}

func signerField() ui.Field {
	return ui.Field{Name: SignerField, Label: "Your public key",
		Hint: "Filled in from the key held in this browser: 64 hexadecimal characters.", Fill: "pubkey", Wide: true}
}

func (j *Journey) fields(values url.Values) []ui.Field {
	fs := append([]ui.Field{signerField()}, j.Fields...)
	if values != nil {
		for i := range fs {
			fs[i].Value = strings.TrimSpace(values.Get(fs[i].Name))
		}
	}
	return fs
}

// client returns the chain client, having fetched the chain id once under
// a lock (client.Client caches it without one).
func (s *Server) client(c echo.Context) (*client.Client, error) {
	s.clMu.Lock()
	defer s.clMu.Unlock()
	if !s.clReady {
		if _, err := s.cl.ChainID(c.Request().Context()); err != nil {
			return nil, fmt.Errorf("%w: %v", chain.ErrUnavailable, err)
		}
		s.clReady = true
	}
	return s.cl, nil
}

func (s *Server) journeyForm(j *Journey) echo.HandlerFunc {
	return func(c echo.Context) error {
		fs := j.fields(c.QueryParams()) // links may fill in answers (?offer=O1)
		if pk := ui.ViewerFrom(c.Request().Context()).PubKey; pk != "" {
			fs[0].Value = pk
		}
		return render(c, http.StatusOK, ui.JourneyForm(s.formPage(j, fs, nil)))
	}
}

func (s *Server) formPage(j *Journey, fs []ui.Field, errs []ui.FormError) ui.FormPage {
	return ui.FormPage{Title: j.Title, Lead: j.Lead, Action: j.Path, Submit: "Continue",
		Fields: ui.WithErrors(fs, errs), Errors: errs, Nav: j.Nav, Scripts: j.Scripts}
}

// journeyPrepare checks the answers and shows the unsigned transaction.
func (s *Server) journeyPrepare(j *Journey) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		form, err := c.FormParams()
		if err != nil {
			return echo.NewHTTPError(http.StatusBadRequest, "The form could not be read.")
		}
		fs := j.fields(form)
		refuse := func(errs []ui.FormError) error {
			return render(c, http.StatusUnprocessableEntity, ui.JourneyForm(s.formPage(j, fs, errs)))
		}
		pkHex := strings.ToLower(fs[0].Value)
		if pkHex == "" {
			return refuse([]ui.FormError{{Field: SignerField,
				Message: "Enter your public key: create or import a key on the Your key page and it is filled in for you"}})
		}
		pub, err := authority.ParsePubKey(pkHex)
		if err != nil {
			return refuse([]ui.FormError{{Field: SignerField,
				Message: "The public key must be 64 hexadecimal characters (0–9, a–f)"}})
		}
		cl, err := s.client(c)
		if err != nil {
			return err
		}
		acct, err := cl.AccountByKey(ctx, pub)
		if err != nil {
			return fmt.Errorf("%w: %v", chain.ErrUnavailable, err)
		}
		msg, errs, err := j.Message(ctx, cl, Answers{Values: form, Signer: pub, Account: acct})
		if err != nil {
			return err
		}
		if len(errs) > 0 {
			return refuse(errs)
		}
		t, err := cl.Build(ctx, pub, j.MsgType, msg, ValidFor)
		if err != nil {
			return fmt.Errorf("%w: %v", chain.ErrUnavailable, err)
		}
		c.Response().Header().Set("Cache-Control", "no-store")
		return render(c, http.StatusOK, ui.CheckAnswers(s.checkPage(j, t, pub, nil)))
	}
}

func (s *Server) checkPage(j *Journey, t *tx.Tx, pub ed25519.PublicKey, errs []ui.FormError) ui.CheckPage {
	return ui.CheckPage{
		Title: "Check and sign: " + strings.ToLower(j.Title[:1]) + j.Title[1:],
		Facts: j.Describe(t, pub),
		Technical: []ui.Fact{
			{Label: "Chain", Value: t.ChainID, Mono: true},
			{Label: "Signed by (public key)", Value: hex.EncodeToString(pub), Mono: true},
			{Label: "Signer’s account id", Value: tx.AccountID(pub), Mono: true},
			{Label: "Sequence", Value: fmt.Sprint(t.Sequence)},
			{Label: "Valid until block", Value: fmt.Sprint(t.ValidUntil)},
			{Label: "Message type", Value: t.MsgType, Mono: true},
		},
		MsgJSON:    chain.PrettyJSON(t.Msg),
		SignBytes:  hex.EncodeToString(t.SignBytes(pub)),
		PubKey:     hex.EncodeToString(pub),
		Prepared:   s.seal(t, pub),
		ChangeHref: j.Path,
		Errors:     errs,
		Nav:        j.Nav,
		Extra:      preview(j, t),
	}
}

func preview(j *Journey, t *tx.Tx) templ.Component {
	if j.Preview == nil {
		return nil
	}
	return j.Preview(t)
}

// seal encodes the unsigned transaction (with an all-zero placeholder
// signature, so the envelope codec can carry it) and MACs it.
func (s *Server) seal(t *tx.Tx, pub ed25519.PublicKey) string {
	u := *t
	u.Signatures = []tx.Signature{{PubKey: pub, Sig: make([]byte, ed25519.SignatureSize)}}
	raw := u.Encode()
	return base64.RawURLEncoding.EncodeToString(raw) + "." + s.mac("prepared-tx/v1", string(raw))
}

// unseal checks the MAC and decodes the prepared transaction.
func (s *Server) unseal(token string) (*tx.Tx, error) {
	enc, mac, ok := strings.Cut(token, ".")
	if !ok {
		return nil, errors.New("malformed")
	}
	raw, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		return nil, err
	}
	if !hmac.Equal([]byte(mac), []byte(s.mac("prepared-tx/v1", string(raw)))) {
		return nil, errors.New("bad seal")
	}
	t, err := tx.Decode(raw)
	if err != nil || len(t.Signatures) != 1 {
		return nil, errors.New("bad transaction")
	}
	return t, nil
}

// txSend serves POST /tx/send: signature + sealed transaction → relayed,
// committed transaction.
func (s *Server) txSend(c echo.Context) error {
	t, err := s.unseal(c.FormValue("prepared"))
	if err != nil {
		return echo.NewHTTPError(http.StatusUnprocessableEntity,
			"This transaction was not prepared by this portal, or it was changed. Nothing was sent; start again.").SetInternal(err)
	}
	j := s.journeys[t.MsgType]
	if j == nil {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "This portal does not send "+t.MsgType+" transactions.")
	}
	pub := t.Primary()
	sig, err := hex.DecodeString(strings.TrimSpace(c.FormValue("signature")))
	if err == nil && len(sig) != ed25519.SignatureSize {
		err = errors.New("wrong length")
	}
	if err == nil {
		t.Signatures[0].Sig = sig
		err = t.VerifySignatures()
	}
	if err != nil {
		t.Signatures[0].Sig = make([]byte, ed25519.SignatureSize)
		return render(c, http.StatusUnprocessableEntity, ui.CheckAnswers(s.checkPage(j, t, pub, []ui.FormError{{
			Message: "The signature does not match this transaction and key, so nothing was sent. Sign it again with the key it names.",
		}})))
	}
	return s.relay(c, j, t)
}

// relay sends a fully signed transaction of journey j and shows its
// result: j.Done's confirmation, or the chain's refusal.
func (s *Server) relay(c echo.Context, j *Journey, t *tx.Tx) error {
	res, hash, refused, err := s.broadcast(c, t, j.Nav, j.Path)
	if refused || err != nil {
		return err
	}
	title, facts, next := j.Done(t, res)
	p := ui.ResultPage{OK: true, Title: title, Hash: hash, Height: res.Height, Nav: j.Nav,
		Facts: append(facts,
			ui.Fact{Label: "Transaction hash", Value: hash, Mono: true, Href: "/tx/" + hash},
			ui.Fact{Label: "Block", Value: fmt.Sprint(res.Height), Href: fmt.Sprintf("/blocks/%d", res.Height)}),
		Next: next}
	return render(c, http.StatusOK, ui.TxResult(p))
}

// broadcast relays a fully signed transaction and waits for its block. If
// the chain refuses it, the refusal page (422, with a link to restart) is
// rendered and refused is true; err is a failure to render or to reach
// the node. On success the viewer's seen height is remembered, so the
// pages that follow show the transaction's effect (readHeight).
func (s *Server) broadcast(c echo.Context, t *tx.Tx, nav, restart string) (res *client.Result, hash string, refused bool, err error) {
	cl, err := s.client(c)
	if err != nil {
		return nil, "", false, err
	}
	raw := t.Encode()
	hash = strings.ToUpper(hex.EncodeToString(tx.Hash(raw)))
	ctx := c.Request().Context()
	res, err = cl.BroadcastCommit(ctx, raw)
	if err != nil && strings.Contains(err.Error(), "tx already exists in cache") {
		// The same signed transaction was sent before (a double click, a
		// reload): show what became of it.
		res, err = awaitTx(ctx, cl, tx.Hash(raw))
	}
	var te *client.TxError
	switch {
	case errors.As(err, &te):
		p := ui.ResultPage{Title: "The chain refused this transaction", Stage: te.Stage,
			Codespace: te.Codespace, Code: te.Code, Log: te.Log, Nav: nav,
			Facts: []ui.Fact{{Label: "Transaction hash", Value: hash, Mono: true}}}
		if res != nil {
			p.Height = res.Height
			p.Facts = append(p.Facts, ui.Fact{Label: "Block", Value: fmt.Sprint(res.Height), Href: fmt.Sprintf("/blocks/%d", res.Height)})
		}
		p.Next = []ui.Link{{Label: "Start again", Href: restart}}
		return nil, hash, true, render(c, http.StatusUnprocessableEntity, ui.TxResult(p))
	case err != nil && ctx.Err() != nil:
		return nil, hash, false, echo.NewHTTPError(http.StatusGatewayTimeout,
			"The transaction was sent but was not seen in a block in time. Look it up later at /tx/"+hash+".").SetInternal(err)
	case err != nil:
		return nil, hash, false, fmt.Errorf("%w: %v", chain.ErrUnavailable, err)
	}
	s.rememberSeen(c, res.Height)
	return res, hash, false, nil
}

// registerAccount is the first journey: a key held in the browser becomes
// an account (authority/register-account, sequence 0, signed by that key).
var registerAccount = &Journey{
	Path:    "/account/register",
	MsgType: authority.TypeRegisterAccount,
	Title:   "Register your account",
	Lead:    "Your key becomes an account on the chain. Nobody else signs: your key alone creates it.",
	Nav:     "keys",
	Message: func(_ context.Context, _ *client.Client, a Answers) (any, []ui.FormError, error) {
		if a.Account != nil {
			return nil, []ui.FormError{{Field: SignerField,
				Message: "This key already has account " + a.Account.ID + ": there is nothing to register"}}, nil
		}
		return authority.MsgRegisterAccount{}, nil, nil
	},
	Describe: func(_ *tx.Tx, signer ed25519.PublicKey) []ui.Fact {
		return []ui.Fact{
			{Label: "What", Value: "Create a new account controlled by your key"},
			{Label: "Your account id", Value: tx.AccountID(signer), Mono: true},
			{Label: "Your public key", Value: hex.EncodeToString(signer), Mono: true},
			{Label: "Roles", Value: "None: roles are granted later by the authority set"},
		}
	},
	Done: func(t *tx.Tx, r *client.Result) (string, []ui.Fact, []ui.Link) {
		id := string(r.Data)
		if !tx.ValidAccountID(id) {
			id = tx.AccountID(t.Primary())
		}
		return "Your account is registered",
			[]ui.Fact{{Label: "Account id", Value: id, Mono: true, Href: "/accounts/" + id}},
			[]ui.Link{{Label: "Sign in with your key", Href: "/signin"}, {Label: "See your account on the chain", Href: "/accounts/" + id}}
	},
}

// awaitTx waits until the transaction with hash is in a block and returns
// its result as BroadcastCommit does.
func awaitTx(ctx context.Context, cl *client.Client, hash []byte) (*client.Result, error) {
	for {
		res, err := cl.RPC.Tx(ctx, hash, false)
		if err == nil {
			r := &client.Result{Hash: res.Hash, Height: res.Height, Code: res.TxResult.Code, Codespace: res.TxResult.Codespace,
				Log: res.TxResult.Log, Data: res.TxResult.Data, Events: res.TxResult.Events}
			if !r.OK() {
				return r, &client.TxError{Stage: "deliver", Codespace: r.Codespace, Code: r.Code, Log: r.Log}
			}
			return r, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("transaction %X not committed: %w", hash, errors.Join(ctx.Err(), err))
		case <-time.After(50 * time.Millisecond):
		}
	}
}
