package web

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/publica/publica/web/chain"
	"github.com/publica/publica/web/components"
	"github.com/publica/publica/x/authority"
	"github.com/publica/publica/x/identity/vc"
)

// Presenting selected claims: the browser posts the holder's file (from
// its store, static/credentials.js), the claims to disclose and the
// verifier's challenge; the server checks them and prepares the
// presentation (vc.PreparePresentation); the browser signs its Data
// Integrity proof input with the holder's key; the server attaches the
// signature, checks it, and hands the presentation back. Nothing is
// stored: between the two steps the prepared presentation travels
// encrypted in the page.

const sealPresent = "identity/present"

// presentState is a presentation waiting for the holder's signature;
// vc.PreparePresentation rebuilds it byte for byte.
type presentState struct {
	Holder      string          `json:"holder"`
	PubKey      string          `json:"pubkey"`
	KeyNumber   int             `json:"key_number"`
	Credential  json.RawMessage `json:"credential"`
	Disclosures []string        `json:"disclosures"`
	Challenge   string          `json:"challenge"`
	Domain      string          `json:"domain"`
	Created     time.Time       `json:"created"`
	Expires     time.Time       `json:"expires"`
}

func (st *presentState) prepare() (*vc.PendingPresentation, []byte, error) {
	return vc.PreparePresentation(vc.PresentationParams{Holder: st.Holder, KeyNumber: st.KeyNumber,
		Credential: st.Credential, Disclosures: st.Disclosures, Challenge: st.Challenge, Domain: st.Domain, Created: st.Created})
}

func (s *Server) presentRoutes(e *echo.Echo) {
	e.GET("/identity/present", s.presentForm)
	e.POST("/identity/present", s.presentPrepare)
	e.POST("/identity/present/sign", s.presentSign)
}

func (s *Server) presentForm(c echo.Context) error {
	return render(c, http.StatusOK, components.PresentPage(components.PresentForm{Credential: c.QueryParam("credential"),
		Challenge: c.QueryParam("challenge"), Domain: c.QueryParam("domain")}))
}

// maxHeld bounds the holder's file the browser posts.
const maxHeld = 48 << 10

func (s *Server) presentPrepare(c echo.Context) error {
	ctx := c.Request().Context()
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "The form could not be read.")
	}
	names := form["disclose"]
	v := components.PresentForm{Credential: form.Get("credential"), Chosen: strings.Join(names, ","),
		Challenge: strings.TrimSpace(form.Get("challenge")), Domain: strings.TrimSpace(form.Get("domain"))}
	var fe []components.FormError
	refuse := func() error {
		v.Errors = fe
		return render(c, http.StatusUnprocessableEntity, components.PresentPage(v))
	}
	switch {
	case v.Challenge == "":
		fe = append(fe, components.FormError{Field: "challenge", Message: "Enter the verifier’s challenge"})
	case len(v.Challenge) > 256:
		fe = append(fe, components.FormError{Field: "challenge", Message: "The challenge must be at most 256 characters"})
	}
	if len(v.Domain) > 253 || strings.ContainsAny(v.Domain, " /") {
		fe = append(fe, components.FormError{Field: "domain", Message: "The domain must be a host name such as verifier.example"})
	}
	pub, err := authority.ParsePubKey(strings.ToLower(strings.TrimSpace(form.Get("pubkey"))))
	if err != nil {
		fe = append(fe, components.FormError{Message: "There is no key in this browser: import your key on the Your key page first"})
		return refuse()
	}
	raw := []byte(form.Get("held"))
	var held vc.Held
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if len(raw) == 0 {
		fe = append(fe, components.FormError{Field: "credential", Message: "Choose a credential: import one on the My credentials page first"})
		return refuse()
	}
	if len(raw) > maxHeld || dec.Decode(&held) != nil {
		fe = append(fe, components.FormError{Field: "credential", Message: "This is not a credential file: remove it and import the file your registrar gave you"})
		return refuse()
	}
	cred, err := vc.ParseCredential(held.Credential)
	if err != nil {
		fe = append(fe, components.FormError{Field: "credential", Message: "The credential is damaged: " + shortText(err.Error())})
		return refuse()
	}
	cl, err := s.client(c)
	if err != nil {
		return err
	}
	acct, err := cl.AccountByKey(ctx, pub)
	if err != nil {
		return fmt.Errorf("%w: %v", chain.ErrUnavailable, err)
	}
	switch {
	case acct == nil:
		fe = append(fe, components.FormError{Message: "The key in this browser has no account: it cannot present credentials"})
		return refuse()
	case acct.ID != cred.Holder:
		fe = append(fe, components.FormError{Field: "credential", Message: "This credential was issued to " + vc.DID(cred.Holder) + ", not to the account of the key in this browser (" + acct.ID + ")"})
		return refuse()
	}
	if len(names) == 0 {
		names = nil
	}
	discs, err := held.Disclose(names...)
	if err != nil {
		fe = append(fe, components.FormError{Field: "disclose", Message: "Choose only claims of this credential: " + err.Error()})
	}
	if len(fe) > 0 {
		return refuse()
	}
	n, err := currentKey(ctx, cl, acct.ID, hex.EncodeToString(pub))
	if err != nil {
		return err
	}
	if n == 0 {
		fe = append(fe, components.FormError{Message: "The key in this browser is not the current key of your account"})
		return refuse()
	}
	now := time.Now().UTC().Truncate(time.Second)
	st := presentState{Holder: acct.ID, PubKey: hex.EncodeToString(pub), KeyNumber: n, Credential: held.Credential,
		Disclosures: discs, Challenge: v.Challenge, Domain: v.Domain, Created: now, Expires: now.Add(sealedFor)}
	return s.renderPresentCheck(c, http.StatusOK, &st, cred, nil)
}

func (s *Server) renderPresentCheck(c echo.Context, code int, st *presentState, cred *vc.Parsed, fe []components.FormError) error {
	pend, signBytes, err := st.prepare()
	if err != nil {
		return err
	}
	placeholder, err := pend.Finish(make([]byte, ed25519.SignatureSize))
	if err != nil {
		return err
	}
	di, err := diCheckOf(placeholder, signBytes, "authentication", st.PubKey)
	if err != nil {
		return err
	}
	sealed, err := s.sealState(sealPresent, st)
	if err != nil {
		return err
	}
	domain := st.Domain
	if domain == "" {
		domain = "none given"
	}
	v := components.PresentCheck{DI: di, Sealed: sealed, Errors: fe, Facts: []components.Fact{
		{Label: "What", Value: "Sign a presentation of your credential for one verifier"},
		{Label: "Verifier’s challenge", Value: st.Challenge, Mono: true},
		{Label: "Verifier’s domain", Value: domain},
		{Label: "Credential", Value: cred.SchemaID + ", version " + strconv.FormatUint(uint64(cred.Version), 10) + ", from " + vc.DID(cred.Issuer)},
		{Label: "Claims kept hidden", Value: strconv.Itoa(len(cred.Credential.CredentialSubject.ClaimDigests) - len(st.Disclosures))},
		{Label: "Signed with", Value: vc.KeyRef(st.Holder, st.KeyNumber), Mono: true},
	}}
	for _, enc := range st.Disclosures {
		d, err := vc.ParseDisclosure(enc)
		if err != nil {
			return err
		}
		v.Disclosed = append(v.Disclosed, components.Fact{Label: d.Name, Value: claimText(d.Value)})
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return render(c, code, components.PresentCheckPage(v))
}

func (s *Server) presentSign(c echo.Context) error {
	var st presentState
	if err := s.openState(sealPresent, c.FormValue("sealed"), &st); err != nil || time.Now().After(st.Expires) {
		return sealedGone()
	}
	cred, err := vc.ParseCredential(st.Credential)
	if err != nil {
		return sealedGone()
	}
	badSig := []components.FormError{{Message: "The signature does not match this presentation and key, so nothing was signed. Sign it again with the key it names."}}
	sig, ok := signatureField(c)
	if !ok {
		return s.renderPresentCheck(c, http.StatusUnprocessableEntity, &st, cred, badSig)
	}
	pend, _, err := st.prepare()
	if err != nil {
		return err
	}
	out, err := pend.Finish(sig)
	if err != nil {
		return err
	}
	pub, err := authority.ParsePubKey(st.PubKey)
	if err != nil {
		return sealedGone()
	}
	pp, err := vc.ParsePresentation(out)
	if err != nil {
		return err
	}
	if pp.Secured.Verify(pub) != nil {
		return s.renderPresentCheck(c, http.StatusUnprocessableEntity, &st, cred, badSig)
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, out, "", "  "); err != nil {
		return err
	}
	names := make([]string, 0, len(pp.Disclosed))
	for n := range pp.Disclosed {
		names = append(names, n)
	}
	slices.Sort(names)
	disclosed := "none"
	if len(names) > 0 {
		disclosed = strings.Join(names, ", ")
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return render(c, http.StatusOK, components.PresentDonePage(components.PresentDone{
		Presentation: pretty.String(), FileName: "presentation-" + cred.SchemaID + ".json",
		Facts: []components.Fact{
			{Label: "Disclosed claims", Value: disclosed},
			{Label: "Verifier’s challenge", Value: st.Challenge, Mono: true},
		}}))
}
