package identity

import (
	"context"
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
	"github.com/publica/publica/web/i18n"
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
		return "", echo.NewHTTPError(http.StatusNotFound, i18n.T(c.Request().Context(), "identity.account.bad"))
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
		return echo.NewHTTPError(http.StatusNotFound, i18n.T(c.Request().Context(), "identity.account.none", acct, i18n.NumberIn(c.Request().Context(), r.Height())))
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
			Errors: []ui.FormError{{Field: "account", Message: i18n.T(c.Request().Context(), "identity.account.baddid")}}}))
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
// Their labels are the catalog's identity.step.1 to .10.
var verifySteps = []struct {
	label string
	codes []uint32
}{
	{"identity.step.1", []uint32{40}},
	{"identity.step.2", []uint32{41, 42, 43}},
	{"identity.step.3", []uint32{9, 44, 45, 46}},
	{"identity.step.4", []uint32{47, 48}},
	{"identity.step.5", []uint32{22, 51, 52, 53}},
	{"identity.step.6", []uint32{54, 55}},
	{"identity.step.7", []uint32{49}},
	{"identity.step.8", []uint32{50}},
	{"identity.step.9", []uint32{4, 57}},
	{"identity.step.10", []uint32{56, 58, 59, 60, 61, 62}},
}

func (s *handlers) verifyPresentation(c echo.Context) error {
	ctx := c.Request().Context()
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
			return refuse(ui.FormError{Field: field, Message: i18n.T(ctx, "identity.verify.err.read")})
		}
		b, err := io.ReadAll(io.LimitReader(f, maxPresentation+1))
		f.Close()
		if err != nil {
			return refuse(ui.FormError{Field: field, Message: i18n.T(ctx, "identity.verify.err.read")})
		}
		if len(b) > maxPresentation {
			return refuse(ui.FormError{Field: field, Message: i18n.T(ctx, "identity.verify.err.large")})
		}
		text = string(b)
	}
	var fe []ui.FormError
	if strings.TrimSpace(text) == "" {
		fe = append(fe, ui.FormError{Field: "presentation", Message: i18n.T(ctx, "identity.verify.err.none")})
	}
	if v.Challenge == "" {
		fe = append(fe, ui.FormError{Field: "challenge", Message: i18n.T(ctx, "identity.verify.err.challenge")})
	}
	var pred identity.Predicate
	if v.Predicate != "" {
		var err error
		if pred, err = identity.ParsePredicate(v.Predicate); err != nil {
			fe = append(fe, ui.FormError{Field: "predicate", Message: i18n.T(ctx, "identity.verify.err.predicate", err.Error())})
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
		ch := ui.VerifyCheck{Label: i18n.T(ctx, st.label), Result: "passed"}
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
			{Label: i18n.T(ctx, "identity.holder"), Value: vc.DID(res.Holder), Mono: true},
			{Label: i18n.T(ctx, "identity.issuer"), Value: vc.DID(res.Issuer), Mono: true, Href: "/identity/issuers/" + res.Issuer},
			{Label: i18n.T(ctx, "identity.schema"), Value: schemaVersionIn(ctx, res.SchemaID, res.Version)},
			{Label: i18n.T(ctx, "identity.fact.issuedat"), Value: i18n.NumberIn(ctx, res.IssueHeight)},
			{Label: i18n.T(ctx, "identity.fact.index"), Value: strconv.FormatUint(res.StatusIndex, 10), Href: fmt.Sprintf("/identity/issuers/%s/credentials/%d", res.Issuer, res.StatusIndex)},
			{Label: i18n.T(ctx, "identity.validuntil.col"), Value: validUntilIn(ctx, res.ValidUntil)},
			{Label: i18n.T(ctx, "identity.digest"), Value: res.Digest, Mono: true},
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

// validUntilIn is validUntilText in the page's language.
func validUntilIn(ctx context.Context, t time.Time) string {
	if t.IsZero() {
		return i18n.T(ctx, "identity.noexpiry")
	}
	if i18n.Lang(ctx) == i18n.English {
		return validUntilText(t)
	}
	return i18n.DateTime(i18n.Lang(ctx), t)
}

// schemaVersionIn names a schema and its version in the page's language.
func schemaVersionIn(ctx context.Context, id string, version uint32) string {
	return i18n.T(ctx, "identity.schema.version", id, i18n.NumberIn(ctx, int64(version)))
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
