package portal

import (
	"context"
	"crypto/ed25519"
	"crypto/hmac"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/publica/publica/client"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/web/chain"
	"github.com/publica/publica/web/i18n"
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
	notes   *[]string
}

// Note records something the portal changed in the answers on the way
// to the message (e.g. a ring it re-oriented); the check page shows it
// above the facts.
func (a Answers) Note(s string) {
	if a.notes != nil {
		*a.notes = append(*a.notes, s)
	}
}

// Journey is one form that ends in a signed transaction. Each area
// declares its journeys and registers them with Server.HandleJourney (or
// HandleCosign, for dealings that several accounts sign) from web.Routes.
//
// Title, Lead and the Fields' labels and hints may be message keys of
// web/i18n's catalog (shown in the page's language) or plain English.
type Journey struct {
	Path    string // GET shows the form, POST prepares the transaction
	MsgType string
	Title   string // the form's heading, e.g. "Register your account"
	Lead    string
	Nav     string
	// Fields are the questions besides the signer's key, which every
	// journey asks first.
	Fields []ui.Field
	// FieldsFor, if set, gives the questions instead of Fields, from the
	// answers so far: a form whose number of questions grows (e.g. one
	// slot more each time More is pressed). Its labels may already be in
	// the page's language, which ctx carries.
	FieldsFor func(ctx context.Context, values url.Values) []ui.Field
	// More, if set, is the name of a submit button among the fields (a
	// ui.Field of Kind "more"): posting with it shows the form again with
	// every answer kept, instead of preparing the transaction (the GOV.UK
	// "add another" pattern, which needs no JavaScript).
	More string
	// Message turns the answers into the message, or returns the refused
	// answers (shown with status 422). err is for failures that are not the
	// user's (the node is down).
	Message func(ctx context.Context, cl *client.Client, a Answers) (msg any, refused []ui.FormError, err error)
	// Describe says in plain words what the prepared (unsigned)
	// transaction does when signer signs it.
	Describe func(t *tx.Tx, signer ed25519.PublicKey) []ui.Fact
	// Done titles the confirmation and says what to do next.
	Done func(t *tx.Tx, r *client.Result) (title string, facts []ui.Fact, next []ui.Link)
	// DescribeIn and DoneIn, when set, are used instead of Describe and
	// Done: they write in the page's language, which ctx carries.
	DescribeIn func(ctx context.Context, t *tx.Tx, signer ed25519.PublicKey) []ui.Fact
	DoneIn     func(ctx context.Context, t *tx.Tx, r *client.Result) (title string, facts []ui.Fact, next []ui.Link)
	// Preview, if set, is shown on the check page under the facts (e.g. a
	// parcel's outline drawn from the message).
	Preview func(t *tx.Tx) templ.Component
	// SignLabel names the check page's sign button ("Sign and send"
	// when empty), e.g. "Cast my vote".
	SignLabel string
	// Change, if set, is where "Change your answers" leads for t (the
	// journey's form when nil), e.g. back to the vote page.
	Change func(t *tx.Tx) string
	// Scripts are extra static scripts for the form page (web/static).
	Scripts []string
	// Parties, if set, makes the journey co-signed (cosign.go): they are
	// the accounts the chain requires to sign t, with their roles.
	Parties func(ctx context.Context, cl *client.Client, t *tx.Tx) ([]ui.CosignSigner, error)
}

// HandleJourney serves j: GET j.Path shows the form, POST prepares the
// transaction, and /tx/send relays it once signed.
func (s *Server) HandleJourney(e *echo.Echo, j *Journey) {
	s.journeys[j.MsgType] = j
	e.GET(j.Path, s.journeyForm(j))
	e.POST(j.Path, s.journeyPrepare(j))
}

func signerField() ui.Field {
	return ui.Field{Name: SignerField, Label: "land.flow.pubkey",
		Hint: "land.flow.pubkey.hint", Fill: "pubkey", Wide: true}
}

// describe is what the prepared transaction does, in the page's language
// when the journey can say it so.
func (j *Journey) describe(ctx context.Context, t *tx.Tx, signer ed25519.PublicKey) []ui.Fact {
	if j.DescribeIn != nil {
		return j.DescribeIn(ctx, t, signer)
	}
	return j.Describe(t, signer)
}

func (j *Journey) done(ctx context.Context, t *tx.Tx, r *client.Result) (string, []ui.Fact, []ui.Link) {
	if j.DoneIn != nil {
		return j.DoneIn(ctx, t, r)
	}
	return j.Done(t, r)
}

// titleIn is the journey's title in the page's language.
func (j *Journey) titleIn(ctx context.Context) string { return i18n.Text(ctx, j.Title) }

// checkTitle is the check page's heading: "Check and sign: " and the title.
func checkTitle(ctx context.Context, key, title string) string {
	if i18n.Lang(ctx) == i18n.English && title != "" {
		title = strings.ToLower(title[:1]) + title[1:]
	}
	return i18n.T(ctx, key, title)
}

// FormFields are the journey's questions, the signer's key first, with the
// answers in values (if any) filled in.
func (j *Journey) FormFields(values url.Values) []ui.Field {
	return j.formFields(context.Background(), values)
}

func (j *Journey) formFields(ctx context.Context, values url.Values) []ui.Field {
	qs := j.Fields
	if j.FieldsFor != nil {
		qs = j.FieldsFor(ctx, values)
	}
	fs := append([]ui.Field{signerField()}, qs...)
	if values != nil {
		for i := range fs {
			fs[i].Value = strings.TrimSpace(values.Get(fs[i].Name))
		}
	}
	return fs
}

func (s *Server) journeyForm(j *Journey) echo.HandlerFunc {
	return func(c echo.Context) error {
		fs := j.formFields(c.Request().Context(), c.QueryParams()) // links may fill in answers (?offer=O1)
		if pk := ui.ViewerFrom(c.Request().Context()).PubKey; pk != "" {
			fs[0].Value = pk
		}
		return Render(c, http.StatusOK, ui.JourneyForm(s.formPage(c.Request().Context(), j, fs, nil)))
	}
}

func (s *Server) formPage(ctx context.Context, j *Journey, fs []ui.Field, errs []ui.FormError) ui.FormPage {
	shown := make([]ui.Field, len(fs))
	for i, f := range fs {
		f.Label, f.Hint = i18n.Text(ctx, f.Label), i18n.Text(ctx, f.Hint)
		shown[i] = f
	}
	return ui.FormPage{Title: j.titleIn(ctx), Lead: i18n.Text(ctx, j.Lead), Action: j.Path, Submit: i18n.T(ctx, "land.flow.continue"),
		Fields: ui.WithErrors(shown, errs), Errors: errs, Nav: j.Nav, Scripts: formScripts(j.Scripts, fs)}
}

// formScripts adds documents.js (choose a file: the browser hashes and
// uploads it) to a form with a document hash field (Fill "document").
func formScripts(scripts []string, fs []ui.Field) []string {
	for _, f := range fs {
		if f.Fill == "document" {
			return append(scripts[:len(scripts):len(scripts)], "i18n.js", "documents.js")
		}
	}
	return scripts
}

// journeyPrepare checks the answers and shows the unsigned transaction
// (to its first signer, for a co-signed journey).
func (s *Server) journeyPrepare(j *Journey) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		form, err := c.FormParams()
		if err != nil {
			return echo.NewHTTPError(http.StatusBadRequest, "The form could not be read.")
		}
		fs := j.formFields(ctx, form)
		refuse := func(errs []ui.FormError) error {
			return Render(c, http.StatusUnprocessableEntity, ui.JourneyForm(s.formPage(ctx, j, fs, errs)))
		}
		if j.More != "" && form.Get(j.More) != "" { // "add another": the same form, one slot more, nothing checked yet
			return Render(c, http.StatusOK, ui.JourneyForm(s.formPage(ctx, j, fs, nil)))
		}
		pkHex := strings.ToLower(fs[0].Value)
		if pkHex == "" {
			return refuse([]ui.FormError{{Field: SignerField,
				Message: i18n.T(ctx, "land.flow.pubkey.missing")}})
		}
		pub, err := authority.ParsePubKey(pkHex)
		if err != nil {
			return refuse([]ui.FormError{{Field: SignerField,
				Message: i18n.T(ctx, "land.flow.pubkey.bad")}})
		}
		cl, err := s.Client(c)
		if err != nil {
			return err
		}
		acct, err := cl.AccountByKey(ctx, pub)
		if err != nil {
			return Unavailable(err)
		}
		var notes []string
		msg, errs, err := j.Message(ctx, cl, Answers{Values: form, Signer: pub, Account: acct, notes: &notes})
		if err != nil {
			return err
		}
		if len(errs) > 0 {
			return refuse(errs)
		}
		validFor := uint64(ValidFor)
		if j.Parties != nil {
			validFor = CosignValidFor
		}
		t, err := cl.Build(ctx, pub, j.MsgType, msg, validFor)
		if err != nil {
			return Unavailable(err)
		}
		c.Response().Header().Set("Cache-Control", "no-store")
		if j.Parties != nil {
			// The first signer signs on the co-signing page, which then
			// gives the link the others open (cosign.go).
			t.Signatures = []tx.Signature{{PubKey: pub, Sig: make([]byte, ed25519.SignatureSize)}}
			parties, err := j.Parties(ctx, cl, t)
			if err != nil {
				return err
			}
			return Render(c, http.StatusOK, ui.CosignCheck(s.cosignPage(ctx, j, t, parties, nil)))
		}
		p := s.CheckPageIn(ctx, j, t, pub, nil)
		p.Extra = withNotes(notes, p.Extra)
		return Render(c, http.StatusOK, ui.CheckAnswers(p))
	}
}

// withNotes shows the answers' notes (Answers.Note), each in an inset
// paragraph, before then.
func withNotes(notes []string, then templ.Component) templ.Component {
	if len(notes) == 0 {
		return then
	}
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		for _, n := range notes {
			if _, err := io.WriteString(w, `<p class="notice" data-answer-note role="note">`+html.EscapeString(n)+`</p>`); err != nil {
				return err
			}
		}
		if then == nil {
			return nil
		}
		return then.Render(ctx, w)
	})
}

// CheckPage is the page where the signer checks the prepared transaction
// in plain words and signs it.
func (s *Server) CheckPage(j *Journey, t *tx.Tx, pub ed25519.PublicKey, errs []ui.FormError) ui.CheckPage {
	return s.CheckPageIn(context.Background(), j, t, pub, errs)
}

// CheckPageIn is CheckPage in the language ctx carries.
func (s *Server) CheckPageIn(ctx context.Context, j *Journey, t *tx.Tx, pub ed25519.PublicKey, errs []ui.FormError) ui.CheckPage {
	return ui.CheckPage{
		Title: checkTitle(ctx, "land.flow.check", j.titleIn(ctx)),
		Facts: j.describe(ctx, t, pub),
		Technical: []ui.Fact{
			{Label: i18n.T(ctx, "land.flow.chain"), Value: t.ChainID, Mono: true},
			{Label: i18n.T(ctx, "land.flow.signedby"), Value: hex.EncodeToString(pub), Mono: true},
			{Label: i18n.T(ctx, "land.flow.signeraccount"), Value: tx.AccountID(pub), Mono: true},
			{Label: i18n.T(ctx, "land.flow.sequence"), Value: fmt.Sprint(t.Sequence)},
			{Label: i18n.T(ctx, "land.flow.validuntil"), Value: fmt.Sprint(t.ValidUntil)},
			{Label: i18n.T(ctx, "land.flow.msgtype"), Value: t.MsgType, Mono: true},
		},
		MsgJSON:    chain.PrettyJSON(t.Msg),
		SignBytes:  hex.EncodeToString(t.SignBytes(pub)),
		PubKey:     hex.EncodeToString(pub),
		Prepared:   s.Seal(t, pub),
		ChangeHref: changeHref(j, t),
		SignLabel:  j.SignLabel,
		Errors:     errs,
		Nav:        j.Nav,
		Extra:      preview(j, t),
	}
}

func changeHref(j *Journey, t *tx.Tx) string {
	if j.Change != nil {
		return j.Change(t)
	}
	return j.Path
}

func preview(j *Journey, t *tx.Tx) templ.Component {
	if j.Preview == nil {
		return nil
	}
	return j.Preview(t)
}

// Seal encodes the unsigned transaction (with an all-zero placeholder
// signature, so the envelope codec can carry it) and MACs it.
func (s *Server) Seal(t *tx.Tx, pub ed25519.PublicKey) string {
	u := *t
	u.Signatures = []tx.Signature{{PubKey: pub, Sig: make([]byte, ed25519.SignatureSize)}}
	raw := u.Encode()
	return base64.RawURLEncoding.EncodeToString(raw) + "." + s.MAC("prepared-tx/v1", string(raw))
}

// Unseal checks the MAC and decodes the prepared transaction.
func (s *Server) Unseal(token string) (*tx.Tx, error) {
	enc, mac, ok := strings.Cut(token, ".")
	if !ok {
		return nil, errors.New("malformed")
	}
	raw, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		return nil, err
	}
	if !hmac.Equal([]byte(mac), []byte(s.MAC("prepared-tx/v1", string(raw)))) {
		return nil, errors.New("bad seal")
	}
	t, err := tx.Decode(raw)
	if err != nil || len(t.Signatures) != 1 {
		return nil, errors.New("bad transaction")
	}
	return t, nil
}

// TxSend serves POST /tx/send: signature + sealed transaction → relayed,
// committed transaction.
func (s *Server) TxSend(c echo.Context) error {
	t, err := s.Unseal(c.FormValue("prepared"))
	if err != nil {
		return echo.NewHTTPError(http.StatusUnprocessableEntity,
			i18n.T(c.Request().Context(), "land.flow.badseal")).SetInternal(err)
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
		return Render(c, http.StatusUnprocessableEntity, ui.CheckAnswers(s.CheckPageIn(c.Request().Context(), j, t, pub, []ui.FormError{{
			Message: i18n.T(c.Request().Context(), "land.flow.badsig"),
		}})))
	}
	return s.Relay(c, j, t)
}

// Relay sends a fully signed transaction of journey j and shows its
// result: j.Done's confirmation, or the chain's refusal.
func (s *Server) Relay(c echo.Context, j *Journey, t *tx.Tx) error {
	res, hash, refused, err := s.Broadcast(c, t, j.Nav, j.Path)
	if refused || err != nil {
		return err
	}
	ctx := c.Request().Context()
	title, facts, next := j.done(ctx, t, res)
	p := ui.ResultPage{OK: true, Title: title, Hash: hash, Height: res.Height, Nav: j.Nav,
		Facts: append(facts,
			ui.Fact{Label: i18n.T(ctx, "land.flow.txhash"), Value: hash, Mono: true, Href: "/tx/" + hash},
			ui.Fact{Label: i18n.T(ctx, "land.flow.block"), Value: i18n.NumberIn(ctx, res.Height), Href: fmt.Sprintf("/blocks/%d", res.Height)}),
		Next: next}
	return Render(c, http.StatusOK, ui.TxResult(p))
}

// Broadcast relays a fully signed transaction and waits for its block. If
// the chain refuses it, the refusal page (422, with a link to restart) is
// rendered and refused is true; err is a failure to render or to reach
// the node. On success the viewer's seen height is remembered, so the
// pages that follow show the transaction's effect (readHeight).
func (s *Server) Broadcast(c echo.Context, t *tx.Tx, nav, restart string) (res *client.Result, hash string, refused bool, err error) {
	cl, err := s.Client(c)
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
		p := ui.ResultPage{Title: i18n.T(ctx, "land.flow.refused"), Stage: te.Stage,
			Codespace: te.Codespace, Code: te.Code, Log: te.Log, Nav: nav,
			Facts: []ui.Fact{{Label: i18n.T(ctx, "land.flow.txhash"), Value: hash, Mono: true}}}
		if res != nil {
			p.Height = res.Height
			p.Facts = append(p.Facts, ui.Fact{Label: i18n.T(ctx, "land.flow.block"), Value: i18n.NumberIn(ctx, res.Height), Href: fmt.Sprintf("/blocks/%d", res.Height)})
		}
		p.Next = []ui.Link{{Label: i18n.T(ctx, "land.flow.again"), Href: restart}}
		return nil, hash, true, Render(c, http.StatusUnprocessableEntity, ui.TxResult(p))
	case err != nil && ctx.Err() != nil:
		return nil, hash, false, echo.NewHTTPError(http.StatusGatewayTimeout,
			"The transaction was sent but was not seen in a block in time. Look it up later at /tx/"+hash+".").SetInternal(err)
	case err != nil:
		return nil, hash, false, Unavailable(err)
	}
	s.RememberSeen(c, res.Height)
	return res, hash, false, nil
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
