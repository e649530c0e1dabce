package portal

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/hmac"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/publica/publica/tx"
	"github.com/publica/publica/web/i18n"
	"github.com/publica/publica/web/ui"
	"github.com/publica/publica/x/authority"
)

// Dealings that several accounts sign (x/land registers a mortgage only
// when every owner of the title and the lender have signed it). One
// person prepares it with the journey's form and signs first — the same
// prepare step as every journey (journey.go) — and the page then gives a
// link that the others open with their own keys, each checking it in
// plain words and adding a signature over the same sign bytes. When the
// last required account has signed, the portal sends it. The link carries
// the transaction and the signatures so far under the server's MAC, so
// nothing is stored and nothing can be changed on the way; the keys never
// leave the browsers.

// HandleCosign serves the co-signed journeys js (each with Parties) and
// the co-signing page at path, which their links open.
func (s *Server) HandleCosign(e *echo.Echo, path string, js ...*Journey) {
	s.cosignAt = path
	for _, j := range js {
		s.cosigned[j.MsgType] = j
		e.GET(j.Path, s.journeyForm(j))
		e.POST(j.Path, s.journeyPrepare(j))
	}
	e.GET(path, s.cosignOpen)
	e.POST(path, s.cosignSign)
}

// CosignValidFor is how many blocks a co-signed transaction stays valid:
// long enough for people to pass a link around.
const CosignValidFor = 20_000

// sealCosign encodes the transaction with the signatures so far (an
// all-zero signature marks one still to come) and MACs it.
func (s *Server) sealCosign(t *tx.Tx) string {
	raw := t.Encode()
	return base64.RawURLEncoding.EncodeToString(raw) + "." + s.MAC("cosign-tx/v1", string(raw))
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
	if !hmac.Equal([]byte(mac), []byte(s.MAC("cosign-tx/v1", string(raw)))) {
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
		out = append([]ui.CosignSigner{{Account: first, Role: "land.flow.preparedit"}}, out...)
	}
	for i := range out {
		out[i].Signed = signed[out[i].Account] || slices.ContainsFunc(out[i].Also, func(a string) bool { return signed[a] })
	}
	return out
}

func (s *Server) cosignPage(ctx context.Context, j *Journey, t *tx.Tx, parties []ui.CosignSigner, errs []ui.FormError) ui.CosignPage {
	cp := s.CheckPageIn(ctx, j, t, t.Primary(), errs)
	cp.Prepared = s.sealCosign(t)
	cp.ChangeHref = ""
	if signedSig(t.Signatures[0].Sig) {
		cp.PubKey = "" // any party's key may sign now
	} else {
		cp.ChangeHref = j.Path
	}
	return ui.CosignPage{Check: cp, Signers: cosignState(parties, t), ValidUntil: int64(t.ValidUntil), Action: s.cosignAt}
}

// cosignLoad reads the sealed transaction of a co-signing link or form.
func (s *Server) cosignLoad(c echo.Context, token string) (*Journey, *tx.Tx, []ui.CosignSigner, error) {
	t, err := s.unsealCosign(token)
	if err != nil {
		return nil, nil, nil, echo.NewHTTPError(http.StatusUnprocessableEntity,
			i18n.T(c.Request().Context(), "land.flow.cosign.badlink")).SetInternal(err)
	}
	j := s.cosigned[t.MsgType]
	if j == nil {
		return nil, nil, nil, echo.NewHTTPError(http.StatusUnprocessableEntity, "This portal does not co-sign "+t.MsgType+" transactions.")
	}
	cl, err := s.Client(c)
	if err != nil {
		return nil, nil, nil, err
	}
	parties, err := j.Parties(c.Request().Context(), cl, t)
	if err != nil {
		return nil, nil, nil, err
	}
	return j, t, parties, nil
}

// cosignOpen serves GET <cosign path>?t=…: a co-signer checks and signs.
func (s *Server) cosignOpen(c echo.Context) error {
	j, t, parties, err := s.cosignLoad(c, c.QueryParam("t"))
	if err != nil {
		return err
	}
	if !signedSig(t.Signatures[0].Sig) {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, i18n.T(c.Request().Context(), "land.flow.cosign.notyet"))
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return Render(c, http.StatusOK, ui.CosignCheck(s.cosignPage(c.Request().Context(), j, t, parties, nil)))
}

// cosignSign serves POST <cosign path>: adds the signature, then waits for
// the others or sends the transaction.
func (s *Server) cosignSign(c echo.Context) error {
	j, t, parties, err := s.cosignLoad(c, c.FormValue("prepared"))
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	refuse := func(msg string) error {
		return Render(c, http.StatusUnprocessableEntity, ui.CosignCheck(s.cosignPage(c.Request().Context(), j, t, parties, []ui.FormError{{Message: msg}})))
	}
	pub, err := authority.ParsePubKey(strings.ToLower(strings.TrimSpace(c.FormValue("pubkey"))))
	if err != nil {
		return refuse(i18n.T(ctx, "land.flow.cosign.nokey"))
	}
	me := tx.AccountID(pub)
	state := cosignState(parties, t)
	i := slices.IndexFunc(state, func(p ui.CosignSigner) bool { return p.SignsAs(me) })
	switch {
	case !signedSig(t.Signatures[0].Sig) && !bytes.Equal(pub, t.Primary()):
		return refuse(i18n.T(ctx, "land.flow.cosign.first", tx.AccountID(t.Primary())))
	case i < 0:
		return refuse(i18n.T(ctx, "land.flow.cosign.notparty", me))
	case state[i].Signed:
		return refuse(i18n.T(ctx, "land.flow.cosign.already", me))
	}
	sig, err := hex.DecodeString(strings.TrimSpace(c.FormValue("signature")))
	if err != nil || len(sig) != ed25519.SignatureSize || !tx.VerifySignature(pub, t.SignBytes(t.Primary()), sig) {
		return refuse(i18n.T(ctx, "land.flow.cosign.badsig"))
	}
	if bytes.Equal(pub, t.Primary()) {
		t.Signatures[0].Sig = sig
	} else {
		t.Signatures = append(t.Signatures, tx.Signature{PubKey: pub, Sig: sig})
	}
	state = cosignState(parties, t)
	missing := slices.ContainsFunc(state, func(p ui.CosignSigner) bool { return !p.Signed })
	if missing {
		p := s.cosignPage(c.Request().Context(), j, t, parties, nil)
		p.Waiting, p.Notice = true, i18n.T(ctx, "land.flow.signedas", me)
		p.Check.Title = checkTitle(ctx, "land.flow.waiting", j.titleIn(ctx))
		p.ShareURL = s.Origin(c) + s.cosignAt + "?t=" + p.Check.Prepared
		c.Response().Header().Set("Cache-Control", "no-store")
		return Render(c, http.StatusOK, ui.CosignCheck(p))
	}
	return s.Relay(c, j, t)
}
