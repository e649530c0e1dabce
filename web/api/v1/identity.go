package v1

import (
	"encoding/json"
	"net/url"
	"regexp"

	"github.com/labstack/echo/v4"

	"github.com/publica/publica/x/identity"
	"github.com/publica/publica/x/identity/vc"
)

// digestRe is a credential's digest (hex SHA-256 of the canonical
// credential without its proof), as its anchor is keyed.
var digestRe = regexp.MustCompile(`^[0-9a-f]{64}$`)

// CredentialStatus is the data of a credential's status.
type CredentialStatus struct {
	Digest      string `json:"digest"`
	Issuer      string `json:"issuer"`
	SchemaID    string `json:"schema_id"`
	Version     uint32 `json:"version"`
	StatusIndex uint64 `json:"status_index"`
	Revoked     bool   `json:"revoked"`
	Suspended   bool   `json:"suspended"`
	Anchored    int64  `json:"anchored_height"`
}

// credentialStatus answers GET /api/v1/credentials/{digest}/status: the
// credential's anchor and its bits in the issuer's revocation and
// suspension lists (a page never written is all zeros, proven absent).
func (a *api) credentialStatus(c echo.Context) error {
	d, err := id(c, "digest", "credential digest", digestRe)
	if err != nil {
		return fail(c, err)
	}
	r, err := a.open(c)
	if err != nil {
		return fail(c, err)
	}
	av, err := r.get(identity.AnchorKey(d))
	if err != nil {
		return fail(c, err)
	}
	if av == nil {
		return fail(c, notFound("no credential with digest %s is anchored at height %d", d, r.height))
	}
	var an identity.Anchor
	if err := json.Unmarshal(av, &an); err != nil {
		return fail(c, err)
	}
	out := CredentialStatus{Digest: d, Issuer: an.Issuer, SchemaID: an.SchemaID, Version: an.Version,
		StatusIndex: an.StatusIndex, Anchored: an.Height}
	for _, p := range []struct {
		purpose string
		bit     *bool
	}{{identity.PurposeRevocation, &out.Revoked}, {identity.PurposeSuspension, &out.Suspended}} {
		page, err := r.get(identity.StatusPageKey(an.Issuer, p.purpose, an.StatusIndex))
		if err != nil {
			return fail(c, err)
		}
		*p.bit = identity.StatusBit(page, an.StatusIndex)
	}
	return r.answer(c, out, "")
}

// stateReader lets identity's shared builders (ResolveDID) read through r,
// so every key they read is proven and kept for the answer.
type stateReader struct{ r *reader }

func (s stateReader) Get(key []byte) ([]byte, error) { return s.r.get(key) }

// did answers GET /api/v1/dids/{did}: the DID document of a did:publica
// DID, built as /1.0/identifiers/{did} builds it (identity.ResolveDID and
// identity.DIDDocument); a deactivated DID's document says so.
func (a *api) did(c echo.Context) error {
	raw := c.Param("did")
	d, err := url.PathUnescape(raw)
	if err != nil {
		d = raw
	}
	acct, ok := vc.AccountOfDID(d)
	if !ok {
		return fail(c, bad("%q is not a did:publica DID: did:publica: followed by the 40 lower-case hexadecimal digits of an account id", d))
	}
	r, err := a.open(c)
	if err != nil {
		return fail(c, err)
	}
	rec, err := identity.ResolveDID(stateReader{r}, acct)
	if err != nil {
		return fail(c, err)
	}
	if rec == nil {
		return fail(c, notFound("no account %s on this chain at height %d", acct, r.height))
	}
	return r.answer(c, identity.DIDDocument(rec), "")
}
