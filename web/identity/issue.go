package identity

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/publica/publica/client"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/web/chain"
	"github.com/publica/publica/web/i18n"
	"github.com/publica/publica/web/portal"
	"github.com/publica/publica/web/ui"
	"github.com/publica/publica/x/authority"
	"github.com/publica/publica/x/identity"
	"github.com/publica/publica/x/identity/vc"
)

// Issuing a credential on the portal takes two signatures by the issuer's
// key in the browser:
//
//  1. The registrar (signed in) names the holder and the schema, then
//     fills in the claims, whose fields come from the schema's claim names
//     and types.
//  2. The server prepares the credential (vc.PrepareIssue: salts and id
//     from a 256-bit seed drawn from crypto/rand) and shows it; the browser
//     signs its Data Integrity proof input (static/credentials.js).
//  3. The server attaches the signature, checks it with the issuer's key,
//     and prepares the anchor transaction (identity/anchor-credential),
//     which the browser signs as any other transaction (static/sign.js).
//  4. Once the anchor is in a block, the registrar downloads the holder's
//     file.
//
// Between the steps the state travels in the page, encrypted under the
// server's secret (portal.Server.SealState): the server stores no claim, and a
// page older than sealedFor cannot be continued.

// sealedFor is how long a prepared credential or presentation can be
// signed and sent.
const sealedFor = time.Hour

// issueState is a credential being issued. The credential is rebuilt from
// it, byte for byte, at every step: Seed drives vc.PrepareIssue's salts.
type issueState struct {
	Issuer      string              `json:"issuer"`
	PubKey      string              `json:"pubkey"`
	KeyNumber   int                 `json:"key_number"`
	Holder      string              `json:"holder"`
	SchemaID    string              `json:"schema_id"`
	Version     uint32              `json:"version"`
	StatusIndex uint64              `json:"status_index"`
	Claims      []identity.ClaimDef `json:"claim_defs"`
	Answers     map[string]string   `json:"answers"`
	ValidFrom   time.Time           `json:"valid_from"`
	ValidUntil  time.Time           `json:"valid_until"`
	Seed        []byte              `json:"seed"`
	Expires     time.Time           `json:"expires"`
	// BaseURL is this portal's public URL: the credential's status lists
	// and schema are served here.
	BaseURL string `json:"base_url"`
}

// heldState is the holder's file waiting for its anchor (and then for its
// download).
type heldState struct {
	Held     vc.Held   `json:"held"`
	Digest   string    `json:"digest"`
	Holder   string    `json:"holder"`
	SchemaID string    `json:"schema_id"`
	Expires  time.Time `json:"expires"`
}

const (
	sealIssue = "identity/issue"
	sealHeld  = "identity/held"
)

// issuerOf is what the issue form needs to know about the signed-in
// account: its schemas, or why it cannot issue.
func (s *handlers) issuerOf(c echo.Context) (ui.IssueForm, map[string]*identity.Schema, error) {
	ctx := c.Request().Context()
	v := ui.IssueForm{Issuer: ui.ViewerFrom(ctx).Account}
	if v.Issuer == "" {
		v.Refusal = i18n.T(ctx, "identity.issue.signin")
		return v, nil, nil
	}
	cl, err := s.Client(c)
	if err != nil {
		return v, nil, err
	}
	is, err := portal.Record[identity.Issuer](ctx, cl, "/identity/issuer/"+v.Issuer, 0)
	if err != nil {
		return v, nil, err
	}
	switch {
	case is == nil:
		v.Refusal = i18n.T(ctx, "identity.issue.notissuer", v.Issuer)
		return v, nil, nil
	case is.Status != identity.IssuerActive:
		v.Refusal = i18n.T(ctx, "identity.issue.inactive", i18n.T(ctx, "identity.issuer."+is.Status))
		return v, nil, nil
	}
	schemas := map[string]*identity.Schema{}
	for _, id := range is.Schemas {
		for ver := 1; ver < 1000; ver++ {
			sc, err := portal.Record[identity.Schema](ctx, cl, fmt.Sprintf("/identity/schema/%s/%d", id, ver), 0)
			if err != nil {
				return v, nil, err
			}
			if sc == nil {
				break
			}
			key := fmt.Sprintf("%s:%d", id, ver)
			schemas[key] = sc
			names := make([]string, len(sc.Claims))
			for i, cd := range sc.Claims {
				names[i] = cd.Name
			}
			v.Schemas = append(v.Schemas, ui.SchemaOption{Value: key,
				Label: i18n.T(ctx, "identity.schema.option", id, i18n.NumberIn(ctx, int64(ver)), strings.Join(names, ", "))})
		}
	}
	if len(v.Schemas) == 0 {
		v.Refusal = i18n.T(ctx, "identity.issue.noschema")
	}
	return v, schemas, nil
}

func (s *handlers) issueForm(c echo.Context) error {
	v, _, err := s.issuerOf(c)
	if err != nil {
		return err
	}
	v.Holder = c.QueryParam("holder")
	return portal.Render(c, http.StatusOK, ui.IssuePage(v))
}

func claimInputs(sc *identity.Schema, answers map[string]string) []ui.ClaimInput {
	out := make([]ui.ClaimInput, len(sc.Claims))
	for i, cd := range sc.Claims {
		out[i] = ui.ClaimInput{Name: cd.Name, Type: cd.Type, Value: answers[cd.Name]}
	}
	return out
}

// parseClaimValue reads one claim answer by its schema type.
func parseClaimValue(cd identity.ClaimDef, s string) (any, string) {
	return parseClaimValueIn(context.Background(), cd, s)
}

// parseClaimValueIn is parseClaimValue with its refusal in the page's language.
func parseClaimValueIn(ctx context.Context, cd identity.ClaimDef, s string) (any, string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, i18n.T(ctx, "identity.claim.empty", cd.Name)
	}
	switch cd.Type {
	case "integer":
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, i18n.T(ctx, "identity.claim.integer", cd.Name)
		}
		return n, ""
	case "boolean":
		switch strings.ToLower(s) {
		case "yes", "true":
			return true, ""
		case "no", "false":
			return false, ""
		}
		return nil, i18n.T(ctx, "identity.claim.boolean", cd.Name)
	case "date":
		d, err := time.Parse("2006-01-02", s)
		if err != nil {
			return nil, i18n.T(ctx, "identity.claim.date", cd.Name)
		}
		return d.Format("2006-01-02"), ""
	}
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > 200 {
		return nil, i18n.T(ctx, "identity.claim.text", cd.Name)
	}
	return s, ""
}

func (s *handlers) issueAnswers(c echo.Context) error {
	ctx := c.Request().Context()
	v, schemas, err := s.issuerOf(c)
	if err != nil {
		return err
	}
	if v.Refusal != "" {
		return portal.Render(c, http.StatusUnprocessableEntity, ui.IssuePage(v))
	}
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, i18n.T(ctx, "identity.form.unread"))
	}
	cl, err := s.Client(c)
	if err != nil {
		return err
	}
	v.Holder, v.Schema = strings.TrimSpace(form.Get("holder")), form.Get("schema")
	var fe []ui.FormError
	holder, ok := accountField(v.Holder)
	switch {
	case v.Holder == "":
		fe = append(fe, ui.FormError{Field: "holder", Message: i18n.T(ctx, "identity.holder.empty")})
	case !ok:
		fe = append(fe, ui.FormError{Field: "holder", Message: i18n.T(ctx, "identity.holder.bad")})
	default:
		a, err := cl.Account(ctx, holder)
		if err != nil {
			return portal.Unavailable(err)
		}
		if a == nil {
			fe = append(fe, ui.FormError{Field: "holder", Message: i18n.T(ctx, "identity.holder.none", holder)})
		}
	}
	sc := schemas[v.Schema]
	if sc == nil {
		fe = append(fe, ui.FormError{Field: "schema", Message: i18n.T(ctx, "identity.schema.empty")})
	}
	if len(fe) > 0 {
		v.Errors = fe
		return portal.Render(c, http.StatusUnprocessableEntity, ui.IssuePage(v))
	}
	v.Holder, v.SchemaID, v.Version = holder, sc.ID, sc.Version
	answers := map[string]string{}
	for _, cd := range sc.Claims {
		answers[cd.Name] = form.Get("claim_" + cd.Name)
	}
	v.Claims = claimInputs(sc, answers)
	if form.Get("step") != "claims" {
		return portal.Render(c, http.StatusOK, ui.IssuePage(v))
	}

	// Step 2: the claims and validity.
	for i, cd := range sc.Claims {
		if _, msg := parseClaimValueIn(ctx, cd, answers[cd.Name]); msg != "" {
			v.Claims[i].Error = msg
			fe = append(fe, ui.FormError{Field: "claim-" + cd.Name, Message: msg})
		}
	}
	now := time.Now().UTC().Truncate(time.Second)
	var until time.Time
	v.ValidUntil = strings.TrimSpace(form.Get("valid_until"))
	if v.ValidUntil != "" {
		d, err := time.Parse("2006-01-02", v.ValidUntil)
		switch {
		case err != nil:
			fe = append(fe, ui.FormError{Field: "valid_until", Message: i18n.T(ctx, "identity.validuntil.bad")})
		case !d.AddDate(0, 0, 1).After(now):
			fe = append(fe, ui.FormError{Field: "valid_until", Message: i18n.T(ctx, "identity.validuntil.past")})
		default:
			until = d.AddDate(0, 0, 1) // valid through the whole day (UTC)
		}
	}
	if len(fe) > 0 {
		v.Errors = fe
		return portal.Render(c, http.StatusUnprocessableEntity, ui.IssuePage(v))
	}
	pub := ui.ViewerFrom(ctx).PubKey
	n, err := currentKey(ctx, cl, v.Issuer, pub)
	if err != nil {
		return err
	}
	if n == 0 {
		v.Errors = []ui.FormError{{Message: i18n.T(ctx, "identity.oldkey")}}
		return portal.Render(c, http.StatusUnprocessableEntity, ui.IssuePage(v))
	}
	index, err := freeStatusIndex(ctx, cl, v.Issuer)
	if err != nil {
		return err
	}
	st := issueState{Issuer: v.Issuer, PubKey: pub, KeyNumber: n, Holder: holder, SchemaID: sc.ID, Version: sc.Version,
		StatusIndex: index, Claims: sc.Claims, Answers: answers, ValidFrom: now, ValidUntil: until,
		Seed: make([]byte, 32), Expires: now.Add(sealedFor), BaseURL: s.Origin(c)}
	if _, err := rand.Read(st.Seed); err != nil {
		return err
	}
	return s.renderIssueCheck(c, http.StatusOK, &st, nil)
}

// currentKey is n of the account's current did:publica #key-n when pubHex
// is that key, and 0 when it is not.
func currentKey(ctx context.Context, cl *client.Client, account, pubHex string) (int, error) {
	b, err := portal.Query(ctx, cl, "/identity/did/"+account, nil, 0)
	if err != nil {
		return 0, err
	}
	var doc struct {
		VerificationMethod []struct{ ID, PublicKeyMultibase string }
		AssertionMethod    []string
	}
	if b == nil || json.Unmarshal(b, &doc) != nil || len(doc.AssertionMethod) == 0 {
		return 0, nil
	}
	pub, err := hex.DecodeString(pubHex)
	if err != nil {
		return 0, nil
	}
	for _, m := range doc.VerificationMethod {
		if m.ID == doc.AssertionMethod[0] && m.PublicKeyMultibase == vc.MultikeyFromPublic(pub) {
			_, n, _ := vc.ParseKeyRef(m.ID)
			return n, nil
		}
	}
	return 0, nil
}

// freeStatusIndex picks an unused index of the issuer's status lists at
// random, as W3C Bitstring Status List advises: neighbouring indices then
// say nothing about when or to whom credentials were issued.
func freeStatusIndex(ctx context.Context, cl *client.Client, issuer string) (uint64, error) {
	p, err := portal.Record[identity.Params](ctx, cl, "/identity/params", 0)
	if err != nil {
		return 0, err
	}
	size := identity.DefaultParams().StatusListSize
	if p != nil && p.StatusListSize > 0 {
		size = p.StatusListSize
	}
	var b [8]byte
	for range 32 {
		if _, err := rand.Read(b[:]); err != nil {
			return 0, err
		}
		i := binary.BigEndian.Uint64(b[:]) % size
		used, err := portal.Query(ctx, cl, "/key", identity.SlotKey(issuer, i), 0)
		if err != nil {
			return 0, err
		}
		if used == nil {
			return i, nil
		}
	}
	return 0, errors.New("no free status index found in 32 draws: the status list is nearly full")
}

// prepare rebuilds the pending credential from the state.
func (st *issueState) prepare() (*vc.PendingIssue, []byte, error) {
	var claims []vc.Claim
	for _, cd := range st.Claims {
		val, msg := parseClaimValue(cd, st.Answers[cd.Name])
		if msg != "" {
			return nil, nil, errors.New(msg)
		}
		claims = append(claims, vc.Claim{Name: cd.Name, Value: val})
	}
	var seed [32]byte
	copy(seed[:], st.Seed)
	return vc.PrepareIssue(vc.IssuerParams{Issuer: st.Issuer, KeyNumber: st.KeyNumber, Holder: st.Holder,
		SchemaID: st.SchemaID, Version: st.Version, StatusIndex: st.StatusIndex, Claims: claims,
		ValidFrom: st.ValidFrom, ValidUntil: st.ValidUntil, BaseURL: st.BaseURL}, mrand.NewChaCha8(seed))
}

// diCheckOf splits a document finished with a placeholder signature into
// the canonical proof options and document the browser hashes, and checks
// that their hashes are the sign bytes.
func diCheckOf(placeholder, signBytes []byte, purpose, pubHex string) (ui.DICheck, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(placeholder, &m); err != nil {
		return ui.DICheck{}, err
	}
	var proof map[string]json.RawMessage
	if err := json.Unmarshal(m["proof"], &proof); err != nil {
		return ui.DICheck{}, err
	}
	delete(proof, "proofValue")
	delete(m, "proof")
	canon := func(v any) ([]byte, error) {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		return vc.Canonicalize(b)
	}
	pc, err := canon(proof)
	if err != nil {
		return ui.DICheck{}, err
	}
	doc, err := canon(m)
	if err != nil {
		return ui.DICheck{}, err
	}
	h1, h2 := sha256.Sum256(pc), sha256.Sum256(doc)
	if want := append(h1[:], h2[:]...); !slices.Equal(want, signBytes) {
		return ui.DICheck{}, errors.New("canonical forms do not hash to the sign bytes")
	}
	return ui.DICheck{ProofConfig: string(pc), Document: string(doc), SignBytes: hex.EncodeToString(signBytes),
		Purpose: purpose, PubKey: pubHex}, nil
}

func (s *handlers) renderIssueCheck(c echo.Context, code int, st *issueState, fe []ui.FormError) error {
	pend, signBytes, err := st.prepare()
	if err != nil {
		return err
	}
	placeholder, _, err := pend.Finish(make([]byte, ed25519.SignatureSize))
	if err != nil {
		return err
	}
	di, err := diCheckOf(placeholder.Credential, signBytes, "assertionMethod", st.PubKey)
	if err != nil {
		return err
	}
	sealed, err := s.SealState(sealIssue, st)
	if err != nil {
		return err
	}
	v := ui.IssueCheck{DI: di, Sealed: sealed, Errors: fe, Facts: []ui.Fact{
		{Label: "What", Value: "Sign a credential for the holder below"},
		{Label: "Holder", Value: vc.DID(st.Holder), Mono: true},
		{Label: "Issuer (you)", Value: vc.DID(st.Issuer), Mono: true},
		{Label: "Schema", Value: st.SchemaID + ", version " + strconv.FormatUint(uint64(st.Version), 10)},
		{Label: "Valid from", Value: validUntilText(st.ValidFrom)},
		{Label: "Valid until", Value: validUntilText(st.ValidUntil)},
		{Label: "Status index", Value: strconv.FormatUint(st.StatusIndex, 10)},
		{Label: "Signed with", Value: vc.KeyRef(st.Issuer, st.KeyNumber), Mono: true},
	}}
	for _, cd := range st.Claims {
		val, _ := parseClaimValue(cd, st.Answers[cd.Name])
		v.Claims = append(v.Claims, ui.Fact{Label: cd.Name, Value: fmt.Sprint(val)})
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return portal.Render(c, code, ui.IssueCheckPage(v))
}

// sealedGone is the answer to a sealed page that is changed, expired or
// from another server process.
func sealedGone() error {
	return echo.NewHTTPError(http.StatusUnprocessableEntity,
		"This page was not prepared by this portal, was changed, or is more than an hour old. Nothing was signed or sent; start again.")
}

func signatureField(c echo.Context) ([]byte, bool) {
	sig, err := hex.DecodeString(strings.TrimSpace(c.FormValue("signature")))
	return sig, err == nil && len(sig) == ed25519.SignatureSize
}

// issueSign attaches the browser's signature to the credential and
// prepares its anchor transaction.
func (s *handlers) issueSign(c echo.Context) error {
	var st issueState
	if err := s.OpenState(sealIssue, c.FormValue("sealed"), &st); err != nil || time.Now().After(st.Expires) {
		return sealedGone()
	}
	badSig := []ui.FormError{{Message: "The signature does not match this credential and key, so nothing was signed. Sign it again with the key it names."}}
	sig, ok := signatureField(c)
	if !ok {
		return s.renderIssueCheck(c, http.StatusUnprocessableEntity, &st, badSig)
	}
	pend, _, err := st.prepare()
	if err != nil {
		return err
	}
	held, sec, err := pend.Finish(sig)
	if err != nil {
		return err
	}
	pub, err := authority.ParsePubKey(st.PubKey)
	if err != nil {
		return sealedGone()
	}
	if sec.Verify(pub) != nil {
		return s.renderIssueCheck(c, http.StatusUnprocessableEntity, &st, badSig)
	}
	cl, err := s.Client(c)
	if err != nil {
		return err
	}
	digest := hex.EncodeToString(sec.DocHash[:])
	t, err := cl.Build(c.Request().Context(), pub, identity.TypeAnchorCredential, identity.MsgAnchorCredential{
		Digest: digest, SchemaID: st.SchemaID, Version: st.Version, StatusIndex: st.StatusIndex}, portal.ValidFor)
	if err != nil {
		return portal.Unavailable(err)
	}
	hs := heldState{Held: *held, Digest: digest, Holder: st.Holder, SchemaID: st.SchemaID, Expires: st.Expires}
	return s.renderAnchorCheck(c, http.StatusOK, t, pub, &hs, nil)
}

func (s *handlers) renderAnchorCheck(c echo.Context, code int, t *tx.Tx, pub ed25519.PublicKey, hs *heldState, fe []ui.FormError) error {
	sealedHeld, err := s.SealState(sealHeld, hs)
	if err != nil {
		return err
	}
	var m identity.MsgAnchorCredential
	_ = tx.DecodeMsg(t.Msg, &m)
	c.Response().Header().Set("Cache-Control", "no-store")
	return portal.Render(c, code, ui.AnchorCheckPage(ui.AnchorCheck{
		Facts: []ui.Fact{
			{Label: "What", Value: "Record the credential you signed on the chain, so verifiers can check it and you can revoke it"},
			{Label: "Credential digest", Value: m.Digest, Mono: true},
			{Label: "Schema", Value: m.SchemaID + ", version " + strconv.FormatUint(uint64(m.Version), 10)},
			{Label: "Status index", Value: strconv.FormatUint(m.StatusIndex, 10)},
			{Label: "Holder", Value: vc.DID(hs.Holder) + " (not recorded on the chain)", Mono: true},
		},
		Technical: []ui.Fact{
			{Label: "Chain", Value: t.ChainID, Mono: true},
			{Label: "Signed by (public key)", Value: hex.EncodeToString(pub), Mono: true},
			{Label: "Sequence", Value: strconv.FormatUint(t.Sequence, 10)},
			{Label: "Valid until block", Value: strconv.FormatUint(t.ValidUntil, 10)},
			{Label: "Message type", Value: t.MsgType, Mono: true},
		},
		MsgJSON: chain.PrettyJSON(t.Msg), SignBytes: hex.EncodeToString(t.SignBytes(pub)), PubKey: hex.EncodeToString(pub),
		Prepared: s.Seal(t, pub), Held: sealedHeld, Errors: fe,
	}))
}

// issueSend relays the signed anchor transaction and, once it is in a
// block, offers the holder's file.
func (s *handlers) issueSend(c echo.Context) error {
	t, err := s.Unseal(c.FormValue("prepared"))
	var hs heldState
	if err != nil || t.MsgType != identity.TypeAnchorCredential ||
		s.OpenState(sealHeld, c.FormValue("held"), &hs) != nil || time.Now().After(hs.Expires) {
		return sealedGone()
	}
	var m identity.MsgAnchorCredential
	if tx.DecodeMsg(t.Msg, &m) != nil || m.Digest != hs.Digest {
		return sealedGone() // the transaction and the file were not prepared together
	}
	pub := t.Primary()
	sig, ok := signatureField(c)
	if ok {
		t.Signatures[0].Sig = sig
		ok = t.VerifySignatures() == nil
	}
	if !ok {
		t.Signatures[0].Sig = make([]byte, ed25519.SignatureSize)
		return s.renderAnchorCheck(c, http.StatusUnprocessableEntity, t, pub, &hs, []ui.FormError{{
			Message: "The signature does not match this transaction and key, so nothing was sent. Sign it again with the key it names."}})
	}
	res, hash, refused, err := s.Broadcast(c, t, "identity", "/identity/issue")
	if refused || err != nil {
		return err
	}
	hs.Expires = time.Now().Add(sealedFor)
	sealedHeld, err := s.SealState(sealHeld, &hs)
	if err != nil {
		return err
	}
	issuer := eventAttr(res, "identity.credential_anchored", "issuer")
	c.Response().Header().Set("Cache-Control", "no-store")
	return portal.Render(c, http.StatusOK, ui.IssueDonePage(ui.IssueDone{
		Hash: hash, Height: res.Height, Held: sealedHeld, FileName: heldFileName(&hs),
		Facts: []ui.Fact{
			{Label: "Holder", Value: vc.DID(hs.Holder), Mono: true},
			{Label: "Schema", Value: m.SchemaID + ", version " + strconv.FormatUint(uint64(m.Version), 10)},
			{Label: "Status index", Value: strconv.FormatUint(m.StatusIndex, 10), Href: fmt.Sprintf("/identity/issuers/%s/credentials/%d", issuer, m.StatusIndex)},
			{Label: "Credential digest", Value: m.Digest, Mono: true},
			{Label: "Transaction hash", Value: hash, Mono: true, Href: "/tx/" + hash},
			{Label: "Block", Value: strconv.FormatInt(res.Height, 10), Href: fmt.Sprintf("/blocks/%d", res.Height)},
		}}))
}

func heldFileName(hs *heldState) string {
	return fmt.Sprintf("credential-%s-%s.json", hs.SchemaID, hs.Holder[:8])
}

// issueDownload returns the holder's file from the sealed copy in the
// confirmation page; the server keeps none.
func (s *handlers) issueDownload(c echo.Context) error {
	var hs heldState
	if err := s.OpenState(sealHeld, c.FormValue("held"), &hs); err != nil || time.Now().After(hs.Expires) {
		return sealedGone()
	}
	b, err := json.MarshalIndent(hs.Held, "", "  ")
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+heldFileName(&hs)+`"`)
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, append(b, '\n'))
}
