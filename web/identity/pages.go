package identity

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
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

// Identity pages (docs/portal.md "Credentials"): an issuer's record with
// proofs, one credential's status bits, a pending recovery, the citizen's
// credentials held in the browser, and the presentation verifier. Issuing
// and presenting are in issue.go and present.go; the status and recovery
// journeys in journeys.go.
func (s *handlers) identityHome(c echo.Context) error {
	return portal.Render(c, http.StatusOK, ui.IdentityHome(ui.IdentityHomeView{
		Account: ui.ViewerFrom(c.Request().Context()).Account}))
}

func accountParam(c echo.Context) (string, error) {
	acct := strings.ToLower(c.Param("account"))
	if _, ok := accountField(acct); !ok || strings.HasPrefix(acct, "did:") {
		return "", echo.NewHTTPError(http.StatusNotFound, "An account id is 40 hexadecimal characters (0–9, a–f).")
	}
	return acct, nil
}

// schemaVersions reads every registered version of a schema.
func schemaVersions(r *portal.Reader, id string) ([]*identity.Schema, error) {
	var out []*identity.Schema
	for v := 1; v < 1000; v++ {
		s, err := portal.ProvenRecord[identity.Schema](r, fmt.Sprintf("/identity/schema/%s/%d", id, v))
		if err != nil {
			return nil, err
		}
		if s == nil {
			break
		}
		out = append(out, s)
	}
	return out, nil
}

// didKeys is the key history of an account's DID (one key, the account's,
// when no DID record is stored).
func didKeys(r *portal.Reader, acct string) ([]identity.KeyEntry, error) {
	d, err := portal.ProvenRecord[identity.DIDRecord](r, "/identity/didrecord/"+acct)
	if err != nil {
		return nil, err
	}
	if d != nil {
		return d.Keys, nil
	}
	b, err := r.Get(authority.AccountKey(acct))
	if err != nil || b == nil {
		return nil, err
	}
	var a authority.Account
	if err := json.Unmarshal(b, &a); err != nil {
		return nil, fmt.Errorf("decode account %s: %w", acct, err)
	}
	return []identity.KeyEntry{{N: 1, PubKey: a.PubKey, Reason: "account created"}}, nil
}

func (s *handlers) issuerPage(c echo.Context) error {
	acct, err := accountParam(c)
	if err != nil {
		return err
	}
	r, err := s.Reader(c)
	if err != nil {
		return err
	}
	v := ui.IssuerView{Account: acct, Own: ui.ViewerFrom(c.Request().Context()).Account == acct}
	if v.Issuer, err = portal.ProvenRecord[identity.Issuer](r, "/identity/issuer/"+acct); err != nil {
		return err
	}
	if v.Keys, err = didKeys(r, acct); err != nil {
		return err
	}
	if v.Keys == nil {
		return echo.NewHTTPError(http.StatusNotFound, "There is no account "+acct+" (its absence is proven at height "+strconv.FormatInt(r.Height(), 10)+").")
	}
	if v.Issuer != nil {
		for _, id := range v.Issuer.Schemas {
			vs, err := schemaVersions(r, id)
			if err != nil {
				return err
			}
			v.Schemas = append(v.Schemas, vs...)
		}
	}
	v.Proof = r.Proof()
	c.Response().Header().Set("Cache-Control", "no-store")
	return portal.Render(c, http.StatusOK, ui.IssuerPage(v))
}

func (s *handlers) credentialLookup(c echo.Context) error {
	acct, err := accountParam(c)
	if err != nil {
		return err
	}
	i, err := strconv.ParseUint(strings.TrimSpace(c.QueryParam("index")), 10, 64)
	if err != nil {
		return echo.NewHTTPError(http.StatusNotFound, "A status index is a whole number, such as 12.")
	}
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/identity/issuers/%s/credentials/%d", acct, i))
}

func (s *handlers) credentialStatusPage(c echo.Context) error {
	acct, err := accountParam(c)
	if err != nil {
		return err
	}
	index, err := strconv.ParseUint(c.Param("index"), 10, 64)
	if err != nil {
		return echo.NewHTTPError(http.StatusNotFound, "A status index is a whole number, such as 12.")
	}
	r, err := s.Reader(c)
	if err != nil {
		return err
	}
	v := ui.CredentialStatusView{Issuer: acct, Index: index, Own: ui.ViewerFrom(c.Request().Context()).Account == acct}
	slot, err := r.Get(identity.SlotKey(acct, index))
	if err != nil {
		return err
	}
	if slot != nil {
		if v.Anchor, err = portal.ProvenRecord[identity.Anchor](r, "/identity/credential/"+string(slot)); err != nil {
			return err
		}
		for _, p := range []string{identity.PurposeRevocation, identity.PurposeSuspension} {
			page, err := r.Get(identity.StatusPageKey(acct, p, index))
			if err != nil {
				return err
			}
			if p == identity.PurposeRevocation {
				v.Revoked = identity.StatusBit(page, index)
			} else {
				v.Suspended = identity.StatusBit(page, index)
			}
		}
	}
	v.Proof = r.Proof()
	c.Response().Header().Set("Cache-Control", "no-store")
	return portal.Render(c, http.StatusOK, ui.CredentialStatusPage(v))
}

// recoveryLookup sends the home page's lookup form to the recovery page.
func (s *handlers) recoveryLookup(c echo.Context) error {
	acct, ok := accountField(c.QueryParam("account"))
	if !ok {
		return portal.Render(c, http.StatusUnprocessableEntity, ui.IdentityHome(ui.IdentityHomeView{
			Account: ui.ViewerFrom(c.Request().Context()).Account, Lookup: c.QueryParam("account"),
			Errors: []ui.FormError{{Field: "account", Message: "An account id is 40 hexadecimal characters (0–9, a–f), or a did:publica DID"}}}))
	}
	return c.Redirect(http.StatusSeeOther, "/identity/recovery/"+acct)
}

func (s *handlers) recoveryPage(c echo.Context) error {
	acct, err := accountParam(c)
	if err != nil {
		return err
	}
	r, err := s.Reader(c)
	if err != nil {
		return err
	}
	v := ui.RecoveryView{Account: acct, Own: ui.ViewerFrom(c.Request().Context()).Account == acct}
	if v.Recovery, err = portal.ProvenRecord[identity.Recovery](r, "/identity/recovery/"+acct); err != nil {
		return err
	}
	v.Proof = r.Proof()
	c.Response().Header().Set("Cache-Control", "no-store")
	return portal.Render(c, http.StatusOK, ui.RecoveryPage(v))
}

func (s *handlers) myCredentials(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	return portal.Render(c, http.StatusOK, ui.MyCredentialsPage())
}

func (s *handlers) verifyPresentationForm(c echo.Context) error {
	return portal.Render(c, http.StatusOK, ui.VerifyPresentationPage(ui.PresentationVerify{
		Challenge: c.QueryParam("challenge"), Domain: c.QueryParam("domain")}))
}

// maxPresentation bounds an uploaded or pasted presentation (the request
// body limit is 64 KiB).
const maxPresentation = 60 << 10

// verifySteps are the checks of identity.VerifyPresentation in its order,
// each with the result codes that mean it failed.
var verifySteps = []struct {
	label string
	codes []uint32
}{
	{"The presentation and its credential are well formed", []uint32{40}},
	{"The issuer’s signature on the credential verifies with the key it names", []uint32{41, 42, 43}},
	{"The credential is anchored on the chain, and its issuer was accredited for the schema, with that key, at the issue height", []uint32{9, 44, 45, 46}},
	{"The credential is within its validity period", []uint32{47, 48}},
	{"It is presented by its holder, signed with the holder’s current key", []uint32{22, 51, 52, 53}},
	{"The challenge (and domain) are the ones you gave", []uint32{54, 55}},
	{"Not revoked (proven status list bit)", []uint32{49}},
	{"Not suspended (proven status list bit)", []uint32{50}},
	{"Every disclosed claim belongs to the credential and its schema", []uint32{4, 57}},
	{"Every term of the predicate is proven without disclosure or holds on a disclosed claim", []uint32{56, 58, 59, 60, 61, 62}},
}

func (s *handlers) verifyPresentation(c echo.Context) error {
	v := ui.PresentationVerify{Pasted: strings.TrimSpace(c.FormValue("presentation")),
		Challenge: strings.TrimSpace(c.FormValue("challenge")), Domain: strings.TrimSpace(c.FormValue("domain")),
		Predicate: strings.TrimSpace(c.FormValue("predicate"))}
	refuse := func(fe ...ui.FormError) error {
		v.Errors = fe
		return portal.Render(c, http.StatusUnprocessableEntity, ui.VerifyPresentationPage(v))
	}
	text, field := v.Pasted, "presentation"
	if fh, err := c.FormFile("file"); err == nil && fh.Size > 0 {
		field = "file"
		f, err := fh.Open()
		if err != nil {
			return refuse(ui.FormError{Field: field, Message: "The file could not be read"})
		}
		b, err := io.ReadAll(io.LimitReader(f, maxPresentation+1))
		f.Close()
		if err != nil {
			return refuse(ui.FormError{Field: field, Message: "The file could not be read"})
		}
		if len(b) > maxPresentation {
			return refuse(ui.FormError{Field: field, Message: "The file is larger than 60 KB: it is not a presentation"})
		}
		text = string(b)
	}
	var fe []ui.FormError
	if strings.TrimSpace(text) == "" {
		fe = append(fe, ui.FormError{Field: "presentation", Message: "Choose a presentation file or paste the presentation"})
	}
	if v.Challenge == "" {
		fe = append(fe, ui.FormError{Field: "challenge", Message: "Enter the challenge you gave the holder"})
	}
	var pred identity.Predicate
	if v.Predicate != "" {
		var err error
		if pred, err = identity.ParsePredicate(v.Predicate); err != nil {
			fe = append(fe, ui.FormError{Field: "predicate", Message: "Write the predicate as terms claim OP value joined by commas (for example age_band>=18): " + err.Error()})
		}
	}
	if len(fe) > 0 {
		return refuse(fe...)
	}
	v.Checked = true
	v.Pasted = ""
	r, err := s.Reader(c)
	if err != nil {
		return err
	}
	res, verr := identity.VerifyPresentation(r, []byte(text), identity.VerifyOptions{Challenge: v.Challenge, Domain: v.Domain, Now: time.Now(), Predicate: pred})
	var code *errs.Error
	switch {
	case verr == nil:
		v.OK = true
	case errors.As(verr, &code) && code.Codespace == identity.Codespace:
		v.Code = fmt.Sprintf("%s/%d", code.Codespace, code.Code)
		v.Message = shortText(verr.Error())
	default:
		return verr // the node failed, not the presentation
	}
	failed := -1
	if !v.OK {
		// A document that does not parse fails the first check, whatever
		// its code (42 and 57 are also found while parsing).
		if _, perr := vc.ParsePresentation([]byte(text)); perr != nil {
			failed = 0
		}
	}
	if !v.OK && failed < 0 {
		for i, st := range verifySteps {
			for _, n := range st.codes {
				if n == code.Code {
					failed = i
				}
			}
		}
	}
	for i, st := range verifySteps {
		ch := ui.VerifyCheck{Label: st.label, Result: "passed"}
		switch {
		case v.OK || (failed >= 0 && i < failed):
		case i == failed:
			ch.Result, ch.Detail = "failed", v.Message
		default:
			ch.Result = "not checked"
		}
		v.Checks = append(v.Checks, ch)
	}
	v.Proof = r.Proof()
	if v.OK {
		v.Facts = []ui.Fact{
			{Label: "Holder", Value: vc.DID(res.Holder), Mono: true},
			{Label: "Issuer", Value: vc.DID(res.Issuer), Mono: true, Href: "/identity/issuers/" + res.Issuer},
			{Label: "Schema", Value: res.SchemaID + ", version " + strconv.FormatUint(uint64(res.Version), 10)},
			{Label: "Issued at block", Value: strconv.FormatInt(res.IssueHeight, 10)},
			{Label: "Status index", Value: strconv.FormatUint(res.StatusIndex, 10), Href: fmt.Sprintf("/identity/issuers/%s/credentials/%d", res.Issuer, res.StatusIndex)},
			{Label: "Valid until", Value: validUntilText(res.ValidUntil)},
			{Label: "Digest", Value: res.Digest, Mono: true},
		}
		names := make([]string, 0, len(res.Claims))
		for n := range res.Claims {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			v.Claims = append(v.Claims, ui.Fact{Label: n, Value: claimText(res.Claims[n])})
		}
		for _, term := range res.Proven {
			v.Claims = append(v.Claims, ui.Fact{Label: term, Value: "proven without disclosure"})
		}
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return portal.Render(c, http.StatusOK, ui.VerifyPresentationPage(v))
}

func validUntilText(t time.Time) string {
	if t.IsZero() {
		return "no expiry"
	}
	return t.UTC().Format("2 January 2006, 15:04 UTC")
}

// claimText shows a claim's JSON value: strings without their quotes.
func claimText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

func shortText(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}
