package identity

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/publica/publica/client"
	"github.com/publica/publica/proof"
	"github.com/publica/publica/web/portal"
	"github.com/publica/publica/x/identity"
	"github.com/publica/publica/x/identity/vc"
)

// The machine-readable identity documents other software fetches
// (docs/identity.md "Interoperability"): the JSON-LD context, the JSON
// Schema of each credential schema, the issuers' signed status lists (and
// the same lists with the chain's proof of every page), and DID
// resolution over HTTP as the DIF Universal Resolver answers it.

// Media types (W3C VC 2.0 §6.3, DID Core §6, DID Resolution §7).
const (
	mediaVC               = "application/vc"
	mediaDIDLD            = "application/did+ld+json"
	mediaDIDJSON          = "application/did+json"
	mediaDIDResolution    = `application/ld+json;profile="https://w3id.org/did-resolution"`
	mediaDIDResolutionNew = "application/did-resolution"
	mediaSchema           = "application/schema+json"
	mediaProblem          = "application/problem+json"
)

// public marks a response as a public document any origin may fetch.
func public(c echo.Context) {
	h := c.Response().Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
}

// problem answers a machine request with RFC 9457 problem details.
func problem(c echo.Context, code int, title, detail string) error {
	public(c)
	c.Response().Header().Set("Cache-Control", "no-store")
	b, _ := json.Marshal(map[string]any{"type": "about:blank", "title": title, "status": code, "detail": detail})
	return c.Blob(code, mediaProblem, b)
}

// contextDoc serves the identity/v1 JSON-LD context. It never changes, so
// it may be cached for a long time.
func (s *handlers) contextDoc(c echo.Context) error {
	public(c)
	c.Response().Header().Set("Cache-Control", "public, max-age=86400")
	return c.Blob(http.StatusOK, vc.ContextMediaType, vc.ContextDocument)
}

// schemaDoc serves the JSON Schema of a registered credential schema
// version, its URL as credentials name it (credentialSchema.id).
func (s *handlers) schemaDoc(c echo.Context) error {
	id := c.Param("id")
	v, err := strconv.ParseUint(c.Param("version"), 10, 32)
	if !identity.ValidSchemaID(id) || err != nil || v == 0 || strconv.FormatUint(v, 10) != c.Param("version") {
		return problem(c, http.StatusNotFound, "No such schema", "A schema URL is /identity/schemas/<id>/<version>, the version a whole number from 1.")
	}
	r, err := s.Reader(c)
	if err != nil {
		return err
	}
	sc, err := portal.ProvenRecord[identity.Schema](r, fmt.Sprintf("/identity/schema/%s/%d", id, v))
	if err != nil {
		return err
	}
	if sc == nil {
		return problem(c, http.StatusNotFound, "No such schema", fmt.Sprintf("Schema %s version %d is not registered on this chain (read at height %d).", id, v, r.Height()))
	}
	b, _ := json.MarshalIndent(identity.CredentialJSONSchema(sc, vc.SchemaURL(s.Origin(c), id, uint32(v))), "", "  ")
	public(c)
	c.Response().Header().Set("Cache-Control", "public, max-age=3600")
	return c.Blob(http.StatusOK, mediaSchema, b)
}

func listParams(c echo.Context) (string, string, error) {
	acct, err := accountParam(c)
	if err != nil {
		return "", "", err
	}
	purpose := c.Param("purpose")
	if purpose != identity.PurposeRevocation && purpose != identity.PurposeSuspension {
		return "", "", echo.NewHTTPError(http.StatusNotFound, "A status list is either revocation or suspension.")
	}
	return acct, purpose, nil
}

// statusListDoc serves an issuer's signed BitstringStatusListCredential,
// as the chain holds it (read with its proof; the proof's height and app
// hash are in the Publica-Height and Publica-App-Hash headers). It is the
// document every credential's statusListCredential names. The issuer
// signs a new one with each status change; until it has, there is none.
func (s *handlers) statusListDoc(c echo.Context) error {
	acct, purpose, err := listParams(c)
	if err != nil {
		return err
	}
	r, err := s.Reader(c)
	if err != nil {
		return err
	}
	p, err := r.Proven("/identity/signedstatuslist/"+acct+"/"+purpose, nil)
	if err != nil {
		return err
	}
	if p.Value == nil {
		return problem(c, http.StatusNotFound, "No signed status list",
			fmt.Sprintf("Issuer %s has not signed its %s list since the list last changed (height %d). The list with the chain's proof of every page is at %s/chain; the issuer publishes a signed one with `publica identity publish-status-list`.",
				vc.DID(acct), purpose, p.Height, c.Request().URL.Path))
	}
	public(c)
	h := c.Response().Header()
	h.Set("Cache-Control", "no-cache")
	h.Set("Publica-Height", strconv.FormatInt(p.Height, 10))
	h.Set("Publica-App-Hash", strings.ToUpper(fmt.Sprintf("%x", p.AppHash)))
	// The same list with the chain's proof of every page.
	h.Set("Link", "<"+c.Request().URL.Path+"/chain>; rel=\"describedby\"; type=\"application/ld+json\"")
	return c.Blob(http.StatusOK, mediaVC, p.Value)
}

// chainProver reads keys at one height with their ICS23 proofs, each
// checked against the app hash of the signed header of height+1 before it
// is used, and keeps them for the answer.
type chainProver struct {
	ctx     context.Context
	cl      *client.Client
	height  int64
	appHash []byte
	proofs  []identity.PageProof
}

// newChainProver fixes the height and verified app hash with a first
// proven read (at height h; 0: the latest).
func newChainProver(ctx context.Context, cl *client.Client, h int64) (*chainProver, error) {
	p, err := cl.QueryProven(ctx, "/key", identity.ParamsKey(), h)
	if err != nil {
		return nil, portal.Unavailable(err, "proven read")
	}
	return &chainProver{ctx: ctx, cl: cl, height: p.Height, appHash: p.AppHash}, nil
}

// read returns key's value (nil: absent) and its proof, checked.
func (p *chainProver) read(key []byte) ([]byte, []byte, error) {
	res, err := p.cl.Query(p.ctx, "/key", key, p.height, true)
	if err != nil {
		return nil, nil, portal.Unavailable(err, "proven read")
	}
	if res.ProofOps == nil || len(res.ProofOps.Ops) != 1 {
		return nil, nil, portal.Unavailable(errors.New("the node sent no proof"))
	}
	v := res.Value
	if len(v) == 0 {
		v = nil
	}
	if err := proof.Verify(p.appHash, res.ProofOps, key, v); err != nil {
		return nil, nil, portal.Unavailable(fmt.Errorf("proof of %s: %w", key, err))
	}
	return v, res.ProofOps.Ops[0].Data, nil
}

// Get is read for identity.Reader, keeping the proof.
func (p *chainProver) Get(key []byte) ([]byte, error) {
	v, pr, err := p.read(key)
	if err != nil {
		return nil, err
	}
	pp := identity.PageProof{Key: string(key), Stored: v != nil, Proof: base64.StdEncoding.EncodeToString(pr)}
	if v != nil {
		pp.Value = base64.StdEncoding.EncodeToString(v)
	}
	p.proofs = append(p.proofs, pp)
	return v, nil
}

// statusListEvidenceDoc serves the issuer's list built from the chain's
// pages, each with its ICS23 proof, in evidence (identity.PublicaStateProof):
// the same document `publica identity status-list` writes. It carries no
// signature; the chain vouches for it (CheckEvidence re-checks it).
func (s *handlers) statusListEvidenceDoc(c echo.Context) error {
	acct, purpose, err := listParams(c)
	if err != nil {
		return err
	}
	cl, err := s.Client(c)
	if err != nil {
		return err
	}
	h, err := s.ReadHeight(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	p, err := newChainProver(ctx, cl, h)
	if err != nil {
		return err
	}
	chainID, err := cl.ChainID(ctx)
	if err != nil {
		return portal.Unavailable(err)
	}
	doc, err := identity.StatusListFromChain(chainID, acct, purpose, p.height, p.appHash, p.read)
	if err != nil {
		return portal.Unavailable(err, "status list")
	}
	b, _ := json.Marshal(doc)
	public(c)
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, "application/ld+json", b)
}

// DIDProof is the chain's evidence for a resolved DID document, in its
// didDocumentMetadata: the state at Height (root AppHash, in the signed
// header of Height+1) and the proof of every key it was built from (the
// DID record, or its absence and the account).
type DIDProof struct {
	ChainID string               `json:"chainId"`
	Height  int64                `json:"height"`
	AppHash string               `json:"appHash"`
	Proofs  []identity.PageProof `json:"proofs"`
}

// resolveDID answers GET /1.0/identifiers/{did} as the DIF Universal
// Resolver does (W3C DID Resolution, HTTP binding): a DID resolution
// result, or the DID document alone if the Accept header asks for
// application/did+ld+json or application/did+json. Errors are results
// too, with didResolutionMetadata.error: invalidDid (400),
// methodNotSupported (501), notFound (404); a deactivated DID answers 410
// with its document.
func (s *handlers) resolveDID(c echo.Context) error {
	raw := c.Param("did")
	did, err := url.PathUnescape(raw)
	if err != nil {
		did = raw
	}
	accept := c.Request().Header.Get("Accept")
	fail := func(code int, e, msg string) error {
		public(c)
		c.Response().Header().Set("Cache-Control", "no-store")
		b, _ := json.Marshal(map[string]any{
			"@context":              "https://w3id.org/did-resolution/v1",
			"didDocument":           nil,
			"didResolutionMetadata": map[string]any{"error": e, "errorMessage": msg},
			"didDocumentMetadata":   map[string]any{},
		})
		return c.Blob(code, mediaDIDResolution, b)
	}
	if !strings.HasPrefix(did, "did:") {
		return fail(http.StatusBadRequest, "invalidDid", fmt.Sprintf("%q is not a DID", did))
	}
	if !strings.HasPrefix(did, vc.DIDPrefix) {
		return fail(http.StatusNotImplemented, "methodNotSupported", "this resolver resolves did:publica only")
	}
	acct, ok := vc.AccountOfDID(did)
	if !ok {
		return fail(http.StatusBadRequest, "invalidDid", "a did:publica DID is did:publica: followed by the 40 lower-case hexadecimal digits of an account id")
	}
	cl, err := s.Client(c)
	if err != nil {
		return err
	}
	// versionId (DID Resolution option) reads the document as it stood
	// after that block; ?height= does too.
	var h int64
	if v := c.QueryParam("versionId"); v != "" {
		latest, err := cl.LatestHeight(c.Request().Context())
		if err != nil {
			return portal.Unavailable(err)
		}
		if h, err = strconv.ParseInt(v, 10, 64); err != nil || h < 1 || strconv.FormatInt(h, 10) != v {
			return fail(http.StatusBadRequest, "invalidOptions", "versionId is a block height: a whole number from 1")
		}
		if h > latest {
			return fail(http.StatusNotFound, "notFound", fmt.Sprintf("block %d has not been made yet; the latest is %d", h, latest))
		}
	} else if h, err = s.ReadHeight(c); err != nil {
		return err
	}
	ctx := c.Request().Context()
	p, err := newChainProver(ctx, cl, h)
	if err != nil {
		return err
	}
	d, err := identity.ResolveDID(p, acct)
	if err != nil {
		return err
	}
	if d == nil {
		return fail(http.StatusNotFound, "notFound", fmt.Sprintf("no account %s on this chain at height %d", acct, p.height))
	}
	chainID, err := cl.ChainID(ctx)
	if err != nil {
		return portal.Unavailable(err)
	}
	doc := identity.DIDDocument(d)
	deactivated := d.Current() == nil
	code := http.StatusOK
	if deactivated {
		code = http.StatusGone
	}
	public(c)
	hd := c.Response().Header()
	hd.Set("Cache-Control", "no-cache")
	hd.Set("Vary", "Accept")
	if strings.Contains(accept, mediaDIDLD) || strings.Contains(accept, mediaDIDJSON) {
		b, _ := json.Marshal(doc)
		mt := mediaDIDLD
		if strings.Contains(accept, mediaDIDJSON) && !strings.Contains(accept, mediaDIDLD) {
			mt = mediaDIDJSON
		}
		return c.Blob(code, mt, b)
	}
	meta := map[string]any{
		"deactivated":  deactivated,
		"versionId":    strconv.FormatInt(p.height, 10),
		"publicaProof": DIDProof{ChainID: chainID, Height: p.height, AppHash: fmt.Sprintf("%x", p.appHash), Proofs: p.proofs},
	}
	if n := len(d.Keys); n > 0 && d.Keys[n-1].From > 0 {
		meta["updated"] = strconv.FormatInt(d.Keys[n-1].From, 10)
	}
	b, _ := json.Marshal(map[string]any{
		"@context":              "https://w3id.org/did-resolution/v1",
		"didDocument":           doc,
		"didResolutionMetadata": map[string]any{"contentType": mediaDIDLD},
		"didDocumentMetadata":   meta,
	})
	mt := mediaDIDResolution
	if strings.Contains(accept, mediaDIDResolutionNew) {
		mt = mediaDIDResolutionNew
	}
	return c.Blob(code, mt, b)
}
