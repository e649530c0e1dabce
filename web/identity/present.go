package identity

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	mrand "math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/publica/publica/web/portal"
	"github.com/publica/publica/web/ui"
	"github.com/publica/publica/x/authority"
	"github.com/publica/publica/x/identity"
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
// vc.PreparePresentation rebuilds it byte for byte (Seed drives the
// randomness of its predicate proofs).
type presentState struct {
	Holder      string              `json:"holder"`
	PubKey      string              `json:"pubkey"`
	KeyNumber   int                 `json:"key_number"`
	Credential  json.RawMessage     `json:"credential"`
	Disclosures []string            `json:"disclosures"`
	Claims      int                 `json:"claims"` // how many claims the holder's file has
	Prove       []string            `json:"prove,omitempty"`
	Openings    []vc.HeldCommitment `json:"openings,omitempty"`
	Seed        []byte              `json:"seed"`
	Challenge   string              `json:"challenge"`
	Domain      string              `json:"domain"`
	Created     time.Time           `json:"created"`
	Expires     time.Time           `json:"expires"`
	// Eligibility is the predicate registered on chain with this
	// presentation; "" for a presentation handed to a verifier.
	Eligibility string `json:"eligibility,omitempty"`
}

func (st *presentState) prepare() (*vc.PendingPresentation, []byte, error) {
	var seed [32]byte
	copy(seed[:], st.Seed)
	return vc.PreparePresentation(vc.PresentationParams{Holder: st.Holder, KeyNumber: st.KeyNumber,
		Credential: st.Credential, Disclosures: st.Disclosures, Challenge: st.Challenge, Domain: st.Domain, Created: st.Created,
		Prove: st.Prove, Openings: st.Openings, Rand: mrand.NewChaCha8(seed)})
}

func (s *handlers) eligibilityForm(c echo.Context) error {
	return portal.Render(c, http.StatusOK, ui.PresentPage(ui.PresentForm{Eligibility: true,
		Credential: c.QueryParam("credential"), Predicate: c.QueryParam("predicate")}))
}

// splitTerms splits "district=7,age_band>=18" into its terms, each checked
// as a predicate.
func splitTerms(s string) ([]string, error) {
	pred, err := identity.ParsePredicate(s)
	if err != nil {
		return nil, err
	}
	terms := make([]string, len(pred))
	for i, c := range pred {
		terms[i] = c.String()
	}
	return terms, nil
}

func (s *handlers) presentForm(c echo.Context) error {
	return portal.Render(c, http.StatusOK, ui.PresentPage(ui.PresentForm{Credential: c.QueryParam("credential"),
		Challenge: c.QueryParam("challenge"), Domain: c.QueryParam("domain")}))
}

// maxHeld bounds the holder's file the browser posts.
const maxHeld = 48 << 10

func (s *handlers) presentPrepare(c echo.Context) error {
	ctx := c.Request().Context()
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "The form could not be read.")
	}
	names := form["disclose"]
	v := ui.PresentForm{Credential: form.Get("credential"), Chosen: strings.Join(names, ","),
		Challenge: strings.TrimSpace(form.Get("challenge")), Domain: strings.TrimSpace(form.Get("domain")),
		Prove: strings.TrimSpace(form.Get("prove")), Predicate: strings.TrimSpace(form.Get("predicate")),
		Eligibility: c.Path() == "/identity/eligibility"}
	var fe []ui.FormError
	refuse := func() error {
		v.Errors = fe
		return portal.Render(c, http.StatusUnprocessableEntity, ui.PresentPage(v))
	}
	var terms []string
	if v.Eligibility {
		names = nil
		var err error
		switch terms, err = splitTerms(v.Predicate); {
		case v.Predicate == "":
			fe = append(fe, ui.FormError{Field: "predicate", Message: "Enter what to prove, such as age_band>=18"})
		case err != nil:
			fe = append(fe, ui.FormError{Field: "predicate", Message: "Write the predicate as terms claim OP value joined by commas, OP one of = != >= <= > < (for example age_band>=18,district=7): " + err.Error()})
		}
	} else {
		switch {
		case v.Challenge == "":
			fe = append(fe, ui.FormError{Field: "challenge", Message: "Enter the verifier’s challenge"})
		case len(v.Challenge) > 256:
			fe = append(fe, ui.FormError{Field: "challenge", Message: "The challenge must be at most 256 characters"})
		}
		if len(v.Domain) > 253 || strings.ContainsAny(v.Domain, " /") {
			fe = append(fe, ui.FormError{Field: "domain", Message: "The domain must be a host name such as verifier.example"})
		}
		if v.Prove != "" {
			var err error
			if terms, err = splitTerms(v.Prove); err != nil {
				fe = append(fe, ui.FormError{Field: "prove", Message: "Write the terms as claim OP value joined by commas, OP one of = != >= <= > < (for example age_band>=18): " + err.Error()})
			}
		}
	}
	pub, err := authority.ParsePubKey(strings.ToLower(strings.TrimSpace(form.Get("pubkey"))))
	if err != nil {
		fe = append(fe, ui.FormError{Message: "There is no key in this browser: import your key on the Your key page first"})
		return refuse()
	}
	raw := []byte(form.Get("held"))
	var held vc.Held
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if len(raw) == 0 {
		fe = append(fe, ui.FormError{Field: "credential", Message: "Choose a credential: import one on the My credentials page first"})
		return refuse()
	}
	if len(raw) > maxHeld || dec.Decode(&held) != nil {
		fe = append(fe, ui.FormError{Field: "credential", Message: "This is not a credential file: remove it and import the file your registrar gave you"})
		return refuse()
	}
	cred, err := vc.ParseCredential(held.Credential)
	if err != nil {
		fe = append(fe, ui.FormError{Field: "credential", Message: "The credential is damaged: " + shortText(err.Error())})
		return refuse()
	}
	cl, err := s.Client(c)
	if err != nil {
		return err
	}
	acct, err := cl.AccountByKey(ctx, pub)
	if err != nil {
		return portal.Unavailable(err)
	}
	switch {
	case acct == nil:
		fe = append(fe, ui.FormError{Message: "The key in this browser has no account: it cannot present credentials"})
		return refuse()
	case acct.ID != cred.Holder:
		fe = append(fe, ui.FormError{Field: "credential", Message: "This credential was issued to " + vc.DID(cred.Holder) + ", not to the account of the key in this browser (" + acct.ID + ")"})
		return refuse()
	}
	if len(names) == 0 {
		names = nil
	}
	discs, err := held.Disclose(names...)
	if err != nil {
		fe = append(fe, ui.FormError{Field: "disclose", Message: "Choose only claims of this credential: " + err.Error()})
	}
	if len(fe) > 0 {
		return refuse()
	}
	n, err := currentKey(ctx, cl, acct.ID, hex.EncodeToString(pub))
	if err != nil {
		return err
	}
	if n == 0 {
		fe = append(fe, ui.FormError{Message: "The key in this browser is not the current key of your account"})
		return refuse()
	}
	termField := "prove"
	if v.Eligibility {
		termField = "predicate"
	}
	if len(terms) > 0 && len(held.Commitments) == 0 {
		fe = append(fe, ui.FormError{Field: termField, Message: "This credential has no commitments to prove anything over (it was issued before they existed): ask your registrar for a new one"})
		return refuse()
	}
	now := time.Now().UTC().Truncate(time.Second)
	st := presentState{Holder: acct.ID, PubKey: hex.EncodeToString(pub), KeyNumber: n, Credential: held.Credential,
		Disclosures: discs, Claims: len(held.Disclosures), Challenge: v.Challenge, Domain: v.Domain, Created: now, Expires: now.Add(sealedFor),
		Seed: make([]byte, 32)}
	if _, err := rand.Read(st.Seed); err != nil {
		return err
	}
	if len(terms) > 0 {
		st.Prove, st.Openings = terms, held.Commitments
	}
	if v.Eligibility {
		chainID, err := cl.ChainID(ctx)
		if err != nil {
			return portal.Unavailable(err)
		}
		pred, _ := identity.ParsePredicate(v.Predicate)
		st.Eligibility = pred.String()
		st.Challenge, st.Domain = identity.EligibilityChallenge(chainID, acct.ID, st.Eligibility), chainID
	}
	if _, _, err := st.prepare(); err != nil {
		// A term that does not hold, or names no claim, cannot be proven.
		fe = append(fe, ui.FormError{Field: termField, Message: "Your credential cannot prove this: " + shortText(err.Error())})
		return refuse()
	}
	return s.renderPresentCheck(c, http.StatusOK, &st, cred, nil)
}

func (s *handlers) renderPresentCheck(c echo.Context, code int, st *presentState, cred *vc.Parsed, fe []ui.FormError) error {
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
	sealed, err := s.SealState(sealPresent, st)
	if err != nil {
		return err
	}
	domain := st.Domain
	if domain == "" {
		domain = "none given"
	}
	v := ui.PresentCheck{DI: di, Sealed: sealed, Errors: fe, Eligibility: st.Eligibility != "", Facts: []ui.Fact{
		{Label: "What", Value: "Sign a presentation of your credential for one verifier"},
		{Label: "Verifier’s challenge", Value: st.Challenge, Mono: true},
		{Label: "Verifier’s domain", Value: domain},
		{Label: "Credential", Value: cred.SchemaID + ", version " + strconv.FormatUint(uint64(cred.Version), 10) + ", from " + vc.DID(cred.Issuer)},
		{Label: "Claims kept hidden", Value: strconv.Itoa(st.Claims - len(st.Disclosures))},
		{Label: "Signed with", Value: vc.KeyRef(st.Holder, st.KeyNumber), Mono: true},
	}}
	if st.Eligibility != "" {
		v.Facts[0].Value = "Sign a presentation proving " + st.Eligibility + " for the chain, disclosing no claim; you then sign the transaction that records the result"
		v.Facts = append(v.Facts[:1], v.Facts[3:]...)
	}
	for _, term := range st.Prove {
		v.Proven = append(v.Proven, ui.Fact{Label: term, Value: "proven in zero knowledge, the value not disclosed"})
	}
	for _, enc := range st.Disclosures {
		d, err := vc.ParseDisclosure(enc)
		if err != nil {
			return err
		}
		v.Disclosed = append(v.Disclosed, ui.Fact{Label: d.Name, Value: claimText(d.Value)})
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return portal.Render(c, code, ui.PresentCheckPage(v))
}

func (s *handlers) presentSign(c echo.Context) error {
	var st presentState
	if err := s.OpenState(sealPresent, c.FormValue("sealed"), &st); err != nil || time.Now().After(st.Expires) {
		return sealedGone()
	}
	cred, err := vc.ParseCredential(st.Credential)
	if err != nil {
		return sealedGone()
	}
	badSig := []ui.FormError{{Message: "The signature does not match this presentation and key, so nothing was signed. Sign it again with the key it names."}}
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
	if st.Eligibility != "" {
		// The presentation goes on chain: the holder signs the
		// transaction next, on the common check page (/tx/send).
		cl, err := s.Client(c)
		if err != nil {
			return err
		}
		t, err := cl.Build(c.Request().Context(), pub, identity.TypeRegisterEligibility,
			identity.MsgRegisterEligibility{Predicate: st.Eligibility, Presentation: string(out)}, portal.ValidFor)
		if err != nil {
			return portal.Unavailable(err)
		}
		c.Response().Header().Set("Cache-Control", "no-store")
		return portal.Render(c, http.StatusOK, ui.CheckAnswers(s.CheckPage(eligibilityRegister, t, pub, nil)))
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
	disclosed, proven := "none", "none"
	if len(names) > 0 {
		disclosed = strings.Join(names, ", ")
	}
	if len(st.Prove) > 0 {
		proven = strings.Join(st.Prove, ", ")
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return portal.Render(c, http.StatusOK, ui.PresentDonePage(ui.PresentDone{
		Presentation: pretty.String(), FileName: "presentation-" + cred.SchemaID + ".json",
		Facts: []ui.Fact{
			{Label: "Disclosed claims", Value: disclosed},
			{Label: "Proven without disclosure", Value: proven},
			{Label: "Verifier’s challenge", Value: st.Challenge, Mono: true},
		}}))
}
