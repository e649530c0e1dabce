package web

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/hmac"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/publica/publica/client"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/web/chain"
	"github.com/publica/publica/web/ui"
	"github.com/publica/publica/x/authority"
	"github.com/publica/publica/x/land"
)

// Dealings that several accounts sign. x/land registers a mortgage only
// when every owner of the title and the lender have signed it (a lease:
// the owners and the lessee; an easement: the owners). On the portal one
// person (a clerk working from the deed, or one of the parties) prepares
// it and signs first; the page then gives a link that the others open
// with their own keys, each checking it in plain words and adding a
// signature over the same sign bytes. When the last required account
// has signed, the portal sends it. The link carries the transaction and
// the signatures so far under the server's MAC, so nothing is stored and
// nothing can be changed on the way; the keys never leave the browsers.

// CosignValidFor is how many blocks a co-signed transaction stays valid:
// long enough for people to pass a link around.
const CosignValidFor = 20_000

// cosignJourney is a Journey whose transaction several accounts sign.
type cosignJourney struct {
	*Journey
	// Parties are the accounts x/land requires to sign t, with their roles.
	Parties func(ctx context.Context, cl *client.Client, t *tx.Tx) ([]ui.CosignSigner, error)
}

var cosignJourneys = []*cosignJourney{
	{landRegisterMortgage, mortgageParties},
	{landRegisterLease, leaseParties},
	{landRegisterEasement, easementParties},
	{landSettleTransfer, transferParties},
}

func cosignJourneyFor(msgType string) *cosignJourney {
	for _, j := range cosignJourneys {
		if j.MsgType == msgType {
			return j
		}
	}
	return nil
}

func (s *Server) cosignRoutes(e *echo.Echo) {
	for _, j := range cosignJourneys {
		e.GET(j.Path, s.journeyForm(j.Journey))
		e.POST(j.Path, s.cosignPrepare(j))
	}
	e.GET("/land/cosign", s.cosignOpen)
	e.POST("/land/cosign", s.cosignSign)
}

// sealCosign encodes the transaction with the signatures so far (an
// all-zero signature marks one still to come) and MACs it.
func (s *Server) sealCosign(t *tx.Tx) string {
	raw := t.Encode()
	return base64.RawURLEncoding.EncodeToString(raw) + "." + s.mac("cosign-tx/v1", string(raw))
}

func (s *Server) unsealCosign(token string) (*tx.Tx, error) {
	enc, mac, ok := strings.Cut(strings.TrimSpace(token), ".")
	if !ok {
		return nil, errors.New("malformed")
	}
	raw, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		return nil, err
	}
	if !hmac.Equal([]byte(mac), []byte(s.mac("cosign-tx/v1", string(raw)))) {
		return nil, errors.New("bad seal")
	}
	return tx.Decode(raw)
}

func signedSig(sig []byte) bool { return !bytes.Equal(sig, make([]byte, ed25519.SignatureSize)) }

// cosignState lists the required parties with whether each has signed;
// the first signer, if not a party, is listed as "prepared it".
func cosignState(parties []ui.CosignSigner, t *tx.Tx) []ui.CosignSigner {
	signed := map[string]bool{}
	for _, sg := range t.Signatures {
		if signedSig(sg.Sig) {
			signed[tx.AccountID(sg.PubKey)] = true
		}
	}
	out := slices.Clone(parties)
	first := tx.AccountID(t.Primary())
	if !slices.ContainsFunc(out, func(p ui.CosignSigner) bool { return p.Account == first }) {
		out = append([]ui.CosignSigner{{Account: first, Role: "prepared it (sends it)"}}, out...)
	}
	for i := range out {
		out[i].Signed = signed[out[i].Account]
	}
	return out
}

func (s *Server) cosignPage(j *cosignJourney, t *tx.Tx, parties []ui.CosignSigner, errs []ui.FormError) ui.CosignPage {
	cp := s.checkPage(j.Journey, t, t.Primary(), errs)
	cp.Prepared = s.sealCosign(t)
	cp.ChangeHref = ""
	if signedSig(t.Signatures[0].Sig) {
		cp.PubKey = "" // any party's key may sign now
	} else {
		cp.ChangeHref = j.Path
	}
	return ui.CosignPage{Check: cp, Signers: cosignState(parties, t), ValidUntil: int64(t.ValidUntil)}
}

// cosignPrepare checks the answers (as journeyPrepare does) and shows the
// transaction to its first signer.
func (s *Server) cosignPrepare(j *cosignJourney) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		form, err := c.FormParams()
		if err != nil {
			return echo.NewHTTPError(http.StatusBadRequest, "The form could not be read.")
		}
		fs := j.fields(form)
		refuse := func(errs []ui.FormError) error {
			return render(c, http.StatusUnprocessableEntity, ui.JourneyForm(s.formPage(j.Journey, fs, errs)))
		}
		pkHex := strings.ToLower(fs[0].Value)
		if pkHex == "" {
			return refuse([]ui.FormError{{Field: SignerField,
				Message: "Enter your public key: create or import a key on the Your key page and it is filled in for you"}})
		}
		pub, err := authority.ParsePubKey(pkHex)
		if err != nil {
			return refuse([]ui.FormError{{Field: SignerField, Message: "The public key must be 64 hexadecimal characters (0–9, a–f)"}})
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
		t, err := cl.Build(ctx, pub, j.MsgType, msg, CosignValidFor)
		if err != nil {
			return fmt.Errorf("%w: %v", chain.ErrUnavailable, err)
		}
		t.Signatures = []tx.Signature{{PubKey: pub, Sig: make([]byte, ed25519.SignatureSize)}}
		parties, err := j.Parties(ctx, cl, t)
		if err != nil {
			return err
		}
		c.Response().Header().Set("Cache-Control", "no-store")
		return render(c, http.StatusOK, ui.CosignCheck(s.cosignPage(j, t, parties, nil)))
	}
}

// cosignLoad reads the sealed transaction of a co-signing link or form.
func (s *Server) cosignLoad(c echo.Context, token string) (*cosignJourney, *tx.Tx, []ui.CosignSigner, error) {
	t, err := s.unsealCosign(token)
	if err != nil {
		return nil, nil, nil, echo.NewHTTPError(http.StatusUnprocessableEntity,
			"This signing link was not made by this portal, or it was changed or cut short. Nothing was sent; ask for the link again.").SetInternal(err)
	}
	j := cosignJourneyFor(t.MsgType)
	if j == nil {
		return nil, nil, nil, echo.NewHTTPError(http.StatusUnprocessableEntity, "This portal does not co-sign "+t.MsgType+" transactions.")
	}
	cl, err := s.client(c)
	if err != nil {
		return nil, nil, nil, err
	}
	parties, err := j.Parties(c.Request().Context(), cl, t)
	if err != nil {
		return nil, nil, nil, err
	}
	return j, t, parties, nil
}

// cosignOpen serves GET /land/cosign?t=…: a co-signer checks and signs.
func (s *Server) cosignOpen(c echo.Context) error {
	j, t, parties, err := s.cosignLoad(c, c.QueryParam("t"))
	if err != nil {
		return err
	}
	if !signedSig(t.Signatures[0].Sig) {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "The first signer has not signed this transaction yet.")
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return render(c, http.StatusOK, ui.CosignCheck(s.cosignPage(j, t, parties, nil)))
}

// cosignSign serves POST /land/cosign: adds the signature, then waits for
// the others or sends the transaction.
func (s *Server) cosignSign(c echo.Context) error {
	j, t, parties, err := s.cosignLoad(c, c.FormValue("prepared"))
	if err != nil {
		return err
	}
	refuse := func(msg string) error {
		return render(c, http.StatusUnprocessableEntity, ui.CosignCheck(s.cosignPage(j, t, parties, []ui.FormError{{Message: msg}})))
	}
	pub, err := authority.ParsePubKey(strings.ToLower(strings.TrimSpace(c.FormValue("pubkey"))))
	if err != nil {
		return refuse("There is no key in this browser to sign with: create or import yours on the Your key page, then open the link again.")
	}
	me := tx.AccountID(pub)
	state := cosignState(parties, t)
	i := slices.IndexFunc(state, func(p ui.CosignSigner) bool { return p.Account == me })
	switch {
	case !signedSig(t.Signatures[0].Sig) && !bytes.Equal(pub, t.Primary()):
		return refuse("The first signature must come from the key that prepared it (" + tx.AccountID(t.Primary()) + ").")
	case i < 0:
		return refuse("Account " + me + " is not one of the accounts that sign this transaction. Open the link in the browser holding one of their keys.")
	case state[i].Signed:
		return refuse("Account " + me + " has already signed. The others still need to sign: send them the link.")
	}
	sig, err := hex.DecodeString(strings.TrimSpace(c.FormValue("signature")))
	if err != nil || len(sig) != ed25519.SignatureSize || !tx.VerifySignature(pub, t.SignBytes(t.Primary()), sig) {
		return refuse("The signature does not match this transaction and key, so it was not added. Sign it again.")
	}
	if bytes.Equal(pub, t.Primary()) {
		t.Signatures[0].Sig = sig
	} else {
		t.Signatures = append(t.Signatures, tx.Signature{PubKey: pub, Sig: sig})
	}
	state = cosignState(parties, t)
	missing := slices.ContainsFunc(state, func(p ui.CosignSigner) bool { return !p.Signed })
	if missing {
		p := s.cosignPage(j, t, parties, nil)
		p.Waiting, p.Notice = true, "Signed by account "+me
		p.Check.Title = "Waiting for signatures: " + strings.ToLower(j.Title[:1]) + j.Title[1:]
		p.ShareURL = s.originOf(c) + "/land/cosign?t=" + p.Check.Prepared
		c.Response().Header().Set("Cache-Control", "no-store")
		return render(c, http.StatusOK, ui.CosignCheck(p))
	}
	return s.relay(c, j.Journey, t)
}

// ---- the parties of each dealing ----

func titleParties(ctx context.Context, cl *client.Client, id string) ([]ui.CosignSigner, error) {
	t, err := landRecord[land.Title](ctx, cl, "title/"+id)
	if err != nil {
		return nil, err
	}
	if t == nil {
		return nil, echo.NewHTTPError(http.StatusNotFound, "There is no title "+id+".")
	}
	out := make([]ui.CosignSigner, len(t.Owners))
	for i, o := range t.Owners {
		out[i] = ui.CosignSigner{Account: o.Party, Role: "owner (" + o.Share + ")"}
	}
	return out, nil
}

func withParty(ps []ui.CosignSigner, account, role string) []ui.CosignSigner {
	for i := range ps {
		if ps[i].Account == account {
			ps[i].Role += " and " + role
			return ps
		}
	}
	return append(ps, ui.CosignSigner{Account: account, Role: role})
}

func mortgageParties(ctx context.Context, cl *client.Client, t *tx.Tx) ([]ui.CosignSigner, error) {
	var m land.MsgRegisterMortgage
	if err := tx.DecodeMsg(t.Msg, &m); err != nil {
		return nil, err
	}
	ps, err := titleParties(ctx, cl, m.Title)
	if err != nil {
		return nil, err
	}
	return withParty(ps, m.Lender, "lender"), nil
}

func leaseParties(ctx context.Context, cl *client.Client, t *tx.Tx) ([]ui.CosignSigner, error) {
	var m land.MsgRegisterLease
	if err := tx.DecodeMsg(t.Msg, &m); err != nil {
		return nil, err
	}
	ps, err := titleParties(ctx, cl, m.Title)
	if err != nil {
		return nil, err
	}
	return withParty(ps, m.Lessee, "lessee"), nil
}

func easementParties(ctx context.Context, cl *client.Client, t *tx.Tx) ([]ui.CosignSigner, error) {
	var m land.MsgRegisterEasement
	if err := tx.DecodeMsg(t.Msg, &m); err != nil {
		return nil, err
	}
	return titleParties(ctx, cl, m.Title)
}
