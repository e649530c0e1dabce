package identity

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/publica/publica/errs"
	"github.com/publica/publica/web/portal"
	"github.com/publica/publica/web/ui"
	"github.com/publica/publica/x/authority"
	"github.com/publica/publica/x/identity"
	"github.com/publica/publica/x/identity/vc"
)

// Presenting selected claims: the browser builds the presentation itself
// (static/credentials.js with cmd/presentwasm, present.wasm) from the
// holder's file in its store, and posts only the presentation — the
// credential, the chosen disclosures and the predicate proofs, with a
// placeholder for the holder's signature — never the file's other claims,
// salts or commitment openings. The server checks that it is the
// presentation asked for (holder, current key, challenge, domain, terms,
// disclosed claims), shows what the key signs; the browser signs it with
// the holder's key; the server puts the signature in place, checks it, and
// hands the presentation back (or, for eligibility, verifies it as the
// chain will and builds the transaction). Nothing is stored: between the
// two steps the presentation travels sealed in the page.

const sealPresent = "identity/present"

// presentState is a presentation waiting for the holder's signature.
type presentState struct {
	PubKey       string          `json:"pubkey"`
	Presentation json.RawMessage `json:"presentation"` // placeholder signature
	Prove        []string        `json:"prove,omitempty"`
	Expires      time.Time       `json:"expires"`
	// Eligibility is the predicate registered on chain with this
	// presentation; "" for a presentation handed to a verifier.
	Eligibility string `json:"eligibility,omitempty"`
}

func (st *presentState) prepare() (*vc.PendingDocument, []byte, error) {
	return vc.Reprepare(st.Presentation)
}

// PresentCSP is the policy of the present and eligibility pages: the
// site's, plus 'wasm-unsafe-eval' so that the page may compile the
// presentation builder (WebAssembly, and nothing else: no eval of
// JavaScript).
var PresentCSP = strings.Replace(portal.ContentSecurityPolicy, "script-src 'self'", "script-src 'self' 'wasm-unsafe-eval'", 1)

// renderPresentForm renders the present or eligibility page.
func renderPresentForm(c echo.Context, code int, v ui.PresentForm) error {
	c.Response().Header().Set("Content-Security-Policy", PresentCSP)
	return portal.Render(c, code, ui.PresentPage(v))
}

// createdSkew is how far the presentation's creation time, the browser's
// clock, may be from the portal's.
const createdSkew = 10 * time.Minute

func (s *handlers) eligibilityForm(c echo.Context) error {
	chainID, err := s.chainID(c)
	if err != nil {
		return portal.Unavailable(err)
	}
	return renderPresentForm(c, http.StatusOK, ui.PresentForm{Eligibility: true, ChainID: chainID,
		Credential: c.QueryParam("credential"), Predicate: c.QueryParam("predicate")})
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
	return renderPresentForm(c, http.StatusOK, ui.PresentForm{Credential: c.QueryParam("credential"),
		Challenge: c.QueryParam("challenge"), Domain: c.QueryParam("domain")})
}

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
		if v.Eligibility {
			v.ChainID, _ = s.chainID(c)
		}
		return renderPresentForm(c, http.StatusUnprocessableEntity, v)
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
	if len(fe) > 0 {
		return refuse()
	}
	termField := "prove"
	if v.Eligibility {
		termField = "predicate"
	}
	// The browser could not build the presentation: its reason, on the
	// field it concerns (it names no claim value).
	if msg := strings.TrimSpace(form.Get("build_error")); msg != "" {
		field := form.Get("build_field")
		switch field {
		case "credential", "disclose":
		case "terms":
			field = termField
		default:
			field = ""
		}
		fe = append(fe, ui.FormError{Field: field, Message: upperFirst(shortText(msg))})
		return refuse()
	}
	raw := []byte(form.Get("presentation"))
	if len(raw) == 0 {
		fe = append(fe, ui.FormError{Field: "credential", Message: "Choose a credential: import one on the My credentials page first"})
		return refuse()
	}
	var pp *vc.ParsedPresentation
	if len(raw) <= maxPresentation {
		pp, err = vc.ParsePresentation(raw)
	}
	if pp == nil {
		msg := "The presentation this browser built is damaged"
		if err != nil {
			msg += ": " + shortText(err.Error())
		}
		fe = append(fe, ui.FormError{Field: "credential", Message: msg})
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
	case acct.ID != pp.Credential.Holder:
		fe = append(fe, ui.FormError{Field: "credential", Message: "This credential was issued to " + vc.DID(pp.Credential.Holder) + ", not to the account of the key in this browser (" + acct.ID + ")"})
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
	challenge, domain := v.Challenge, v.Domain
	if v.Eligibility {
		chainID, err := cl.ChainID(ctx)
		if err != nil {
			return portal.Unavailable(err)
		}
		pred, _ := identity.ParsePredicate(v.Predicate)
		challenge, domain = identity.EligibilityChallenge(chainID, acct.ID, pred.String()), chainID
	}
	// It must be exactly the presentation asked for.
	proof := pp.Secured.Proof
	created, cerr := time.Parse(time.RFC3339, proof.Created)
	var proven []string
	for _, p := range pp.Presentation.PredicateProofs {
		proven = append(proven, p.Term)
	}
	disclosed := make([]string, 0, len(pp.Disclosed))
	for name := range pp.Disclosed {
		disclosed = append(disclosed, name)
	}
	slices.Sort(disclosed)
	wantNames := slices.Clone(names)
	slices.Sort(wantNames)
	wantNames = slices.Compact(wantNames)
	var wrong string
	switch {
	case pp.Holder != acct.ID || pp.HolderKey != n:
		wrong = "it is signed for " + proof.VerificationMethod + ", not " + vc.KeyRef(acct.ID, n)
	case proof.ProofPurpose != "authentication" || proof.Challenge != challenge || proof.Domain != domain:
		wrong = "it is for another challenge or domain"
	case cerr != nil || time.Since(created).Abs() > createdSkew:
		wrong = "its creation time is not now: check this device’s clock"
	case !slices.Equal(proven, terms):
		wrong = "it proves " + strings.Join(proven, ",") + " instead of " + strings.Join(terms, ",")
	case !slices.Equal(disclosed, wantNames) || len(pp.Presentation.Disclosures) != len(wantNames):
		wrong = "it discloses other claims than those ticked"
	}
	if wrong != "" {
		fe = append(fe, ui.FormError{Field: "credential", Message: "The presentation this browser built is not the one asked for: " + wrong})
		return refuse()
	}
	st := presentState{PubKey: hex.EncodeToString(pub), Presentation: raw, Prove: terms, Expires: time.Now().Add(sealedFor)}
	if v.Eligibility {
		pred, _ := identity.ParsePredicate(v.Predicate)
		st.Eligibility = pred.String()
	}
	if _, _, err := st.prepare(); err != nil {
		fe = append(fe, ui.FormError{Field: "credential", Message: "The presentation this browser built is damaged: " + shortText(err.Error())})
		return refuse()
	}
	return s.renderPresentCheck(c, http.StatusOK, &st, pp, nil)
}

// upperFirst capitalises a message's first letter.
func upperFirst(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	return strings.ToUpper(string(r[0])) + string(r[1:])
}

// chainID is the chain's id, for the eligibility page's browser code.
func (s *handlers) chainID(c echo.Context) (string, error) {
	cl, err := s.Client(c)
	if err != nil {
		return "", err
	}
	return cl.ChainID(c.Request().Context())
}

func (s *handlers) renderPresentCheck(c echo.Context, code int, st *presentState, pp *vc.ParsedPresentation, fe []ui.FormError) error {
	_, signBytes, err := st.prepare()
	if err != nil {
		return err
	}
	di, err := diCheckOf(st.Presentation, signBytes, "authentication", st.PubKey)
	if err != nil {
		return err
	}
	sealed, err := s.SealState(sealPresent, st)
	if err != nil {
		return err
	}
	proof, cred := pp.Secured.Proof, pp.Credential
	domain := proof.Domain
	if domain == "" {
		domain = "none given"
	}
	v := ui.PresentCheck{DI: di, Sealed: sealed, Errors: fe, Eligibility: st.Eligibility != "", Facts: []ui.Fact{
		{Label: "What", Value: "Sign a presentation of your credential for one verifier"},
		{Label: "Verifier’s challenge", Value: proof.Challenge, Mono: true},
		{Label: "Verifier’s domain", Value: domain},
		{Label: "Credential", Value: cred.SchemaID + ", version " + strconv.FormatUint(uint64(cred.Version), 10) + ", from " + vc.DID(cred.Issuer)},
		{Label: "Claims kept hidden", Value: strconv.Itoa(len(cred.Credential.CredentialSubject.ClaimDigests) - len(pp.Disclosed))},
		{Label: "Signed with", Value: proof.VerificationMethod, Mono: true},
		{Label: "Built by", Value: "this browser, from the credential held here: the portal received only the presentation"},
	}}
	if st.Eligibility != "" {
		v.Facts[0].Value = "Sign a presentation proving " + st.Eligibility + " for the chain, disclosing no claim; you then sign the transaction that records the result"
		v.Facts = append(v.Facts[:1], v.Facts[3:]...)
	}
	for _, term := range st.Prove {
		v.Proven = append(v.Proven, ui.Fact{Label: term, Value: "proven in zero knowledge, the value not disclosed"})
	}
	for _, enc := range pp.Presentation.Disclosures {
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
	placeholder, err := vc.ParsePresentation(st.Presentation)
	if err != nil {
		return sealedGone()
	}
	badSig := []ui.FormError{{Message: "The signature does not match this presentation and key, so nothing was signed. Sign it again with the key it names."}}
	sig, ok := signatureField(c)
	if !ok {
		return s.renderPresentCheck(c, http.StatusUnprocessableEntity, &st, placeholder, badSig)
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
		return s.renderPresentCheck(c, http.StatusUnprocessableEntity, &st, placeholder, badSig)
	}
	cred := pp.Credential
	if st.Eligibility != "" {
		// The presentation goes on chain: checked here as the chain
		// will check it (proofs included), then the holder signs the
		// transaction on the common check page (/tx/send).
		cl, err := s.Client(c)
		if err != nil {
			return err
		}
		ctx := c.Request().Context()
		chainID, err := cl.ChainID(ctx)
		if err != nil {
			return portal.Unavailable(err)
		}
		pred, err := identity.ParsePredicate(st.Eligibility)
		if err != nil {
			return sealedGone()
		}
		_, verr := identity.VerifyPresentation(portal.NewReader(ctx, cl, 0), out, identity.VerifyOptions{
			Challenge: identity.EligibilityChallenge(chainID, pp.Holder, st.Eligibility), Domain: chainID,
			Now: time.Now(), Predicate: pred, ProofsOnly: true})
		var code *errs.Error
		switch {
		case verr == nil:
		case errors.As(verr, &code) && code.Codespace == identity.Codespace:
			return s.renderPresentCheck(c, http.StatusUnprocessableEntity, &st, placeholder, []ui.FormError{{
				Message: fmt.Sprintf("The chain would refuse this presentation (%s/%d): %s", code.Codespace, code.Code, shortText(verr.Error()))}})
		default:
			return portal.Unavailable(verr)
		}
		t, err := cl.Build(ctx, pub, identity.TypeRegisterEligibility,
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
			{Label: "Verifier’s challenge", Value: pp.Secured.Proof.Challenge, Mono: true},
		}}))
}
