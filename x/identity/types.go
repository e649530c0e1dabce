// Package identity keeps what the chain needs to know about identity
// credentials, and nothing about the people they describe: credential
// schemas, issuers accredited by the authority set, credential anchors
// (digests), W3C Bitstring status lists, did:publica DID documents with key
// history, key recovery with a waiting period, and the results of
// eligibility proofs. Credentials themselves are held off chain (package
// vc). See docs/identity.md.
package identity

import (
	"encoding/hex"
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/publica/publica/errs"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/x/identity/vc"
)

const ModuleName = "identity"

// Status list purposes.
const (
	PurposeRevocation = vc.PurposeRevoke
	PurposeSuspension = vc.PurposeSuspend
)

// Issuer statuses.
const (
	IssuerActive    = "active"
	IssuerSuspended = "suspended"
	IssuerWithdrawn = "withdrawn"
)

// Claim types of schemas.
var ClaimTypes = []string{"string", "integer", "boolean", "date"}

// Params are genesis parameters.
type Params struct {
	// RecoveryDelay is the number of blocks between a recovery request
	// and the earliest height it can be completed; the old key can cancel
	// it meanwhile.
	RecoveryDelay int64 `json:"recovery_delay"`
	// StatusListSize is the number of entries (bits) of every status list.
	StatusListSize uint64 `json:"status_list_size"`
}

// DefaultParams: a day of 5-second blocks; the W3C minimum list size of
// 131072 entries, for herd privacy.
func DefaultParams() Params { return Params{RecoveryDelay: 17280, StatusListSize: 131072} }

// Validate checks the parameters.
func (p Params) Validate() error {
	if p.RecoveryDelay < 1 {
		return errs.InvalidMsg.Wrapf("recovery_delay must be ≥ 1 block")
	}
	if p.StatusListSize < 8 || p.StatusListSize%8 != 0 || p.StatusListSize > 1<<24 {
		return errs.InvalidMsg.Wrapf("status_list_size must be a multiple of 8 in 8..16777216")
	}
	return nil
}

// ClaimDef is one claim of a schema.
type ClaimDef struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// Schema is a credential schema version.
type Schema struct {
	ID             string     `json:"id"`
	Version        uint32     `json:"version"`
	Claims         []ClaimDef `json:"claims"`
	JSONSchemaHash string     `json:"json_schema_hash"` // hex SHA-256 of the JSON Schema document
	Height         int64      `json:"height"`
}

// Claim returns the claim definition named n.
func (s *Schema) Claim(n string) (ClaimDef, bool) {
	for _, c := range s.Claims {
		if c.Name == n {
			return c, true
		}
	}
	return ClaimDef{}, false
}

// IssuerEvent is one entry of an issuer's accreditation history.
type IssuerEvent struct {
	Height  int64    `json:"height"`
	Status  string   `json:"status"`
	Schemas []string `json:"schemas"`
}

// Issuer is an accredited issuer. History records every change, so
// accreditation can be judged as of any height.
type Issuer struct {
	Account string        `json:"account"`
	Status  string        `json:"status"`
	Schemas []string      `json:"schemas"` // schema ids, sorted
	History []IssuerEvent `json:"history"`
}

// AccreditedAt reports whether the issuer was active and accredited for
// schema at height.
func (i *Issuer) AccreditedAt(schema string, height int64) bool {
	var cur *IssuerEvent
	for k := range i.History {
		if i.History[k].Height <= height {
			cur = &i.History[k]
		}
	}
	return cur != nil && cur.Status == IssuerActive && slices.Contains(cur.Schemas, schema)
}

// everAccredited reports whether the issuer was ever active and
// accredited for schema.
func (i *Issuer) everAccredited(schema string) bool {
	for _, e := range i.History {
		if e.Status == IssuerActive && slices.Contains(e.Schemas, schema) {
			return true
		}
	}
	return false
}

// KeyEntry is one key of a DID's history. Until is 0 for the current key;
// otherwise the key verified signatures at heights From ≤ h < Until.
type KeyEntry struct {
	N      int    `json:"n"`
	PubKey string `json:"pubkey"`
	From   int64  `json:"from"`
	Until  int64  `json:"until"`
	Reason string `json:"reason"`
}

// ValidAt reports whether the key was in force at height h.
func (k *KeyEntry) ValidAt(h int64) bool { return k.From <= h && (k.Until == 0 || h < k.Until) }

// Service is a DID document service entry.
type Service struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	Endpoint string `json:"endpoint"`
}

// DIDRecord is the chain's record of did:publica:<account>. An account
// without one has a single key, its current account key, since height 0.
type DIDRecord struct {
	Account           string     `json:"account"`
	Keys              []KeyEntry `json:"keys"`
	Services          []Service  `json:"services"`
	Deactivated       bool       `json:"deactivated"`
	DeactivatedHeight int64      `json:"deactivated_height,omitempty"`
}

// Current is the key in force, or nil if deactivated.
func (d *DIDRecord) Current() *KeyEntry {
	if d.Deactivated || len(d.Keys) == 0 {
		return nil
	}
	return &d.Keys[len(d.Keys)-1]
}

// Key returns key number n.
func (d *DIDRecord) Key(n int) *KeyEntry {
	for i := range d.Keys {
		if d.Keys[i].N == n {
			return &d.Keys[i]
		}
	}
	return nil
}

// Anchor is the chain's record of an issued credential: its digest and
// status index, never its claims.
type Anchor struct {
	Digest      string `json:"digest"` // hex SHA-256 of the canonical credential without proof
	Issuer      string `json:"issuer"`
	SchemaID    string `json:"schema_id"`
	Version     uint32 `json:"version"`
	StatusIndex uint64 `json:"status_index"`
	IssuerKey   int    `json:"issuer_key"`
	Height      int64  `json:"height"`
}

// Recovery is a pending re-binding of an account to a new key.
type Recovery struct {
	Account         string `json:"account"`
	NewPubKey       string `json:"new_pubkey"`
	Registrar       string `json:"registrar"`
	RequestedHeight int64  `json:"requested_height"`
	EffectiveHeight int64  `json:"effective_height"`
}

// Eligibility is the result of an eligibility proof: which credential (by
// issuer, status index and digest) satisfied which predicate. No claim.
type Eligibility struct {
	Account     string `json:"account"`
	SchemaID    string `json:"schema_id"`
	Version     uint32 `json:"version"`
	Predicate   string `json:"predicate"`
	Issuer      string `json:"issuer"`
	StatusIndex uint64 `json:"status_index"`
	Digest      string `json:"digest"`
	ValidUntil  int64  `json:"valid_until"` // unix seconds, 0 = none
	Height      int64  `json:"height"`
}

var idRE = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,63}$`)

// ValidSchemaID: lower-case letters, digits, '-' and '_', ≤ 64.
func ValidSchemaID(s string) bool { return idRE.MatchString(s) }

func validHex32(s string) bool {
	b, err := hex.DecodeString(s)
	return err == nil && len(b) == 32 && hex.EncodeToString(b) == s
}

func checkAccount(field, id string) error {
	if !tx.ValidAccountID(id) {
		return errs.InvalidMsg.Wrapf("%s %q is not a 40-hex-digit account id", field, id)
	}
	return nil
}

func checkPurpose(p string) error {
	if p != PurposeRevocation && p != PurposeSuspension {
		return errs.InvalidMsg.Wrapf("purpose %q: want %s or %s", p, PurposeRevocation, PurposeSuspension)
	}
	return nil
}

// MsgRegisterSchema registers a schema version (k-of-n authority).
type MsgRegisterSchema struct {
	ID             string     `json:"id"`
	Version        uint32     `json:"version"`
	Claims         []ClaimDef `json:"claims"`
	JSONSchemaHash string     `json:"json_schema_hash"`
}

func (m *MsgRegisterSchema) ValidateBasic() error {
	if !ValidSchemaID(m.ID) {
		return errs.InvalidMsg.Wrapf("schema id %q: lower-case letters, digits, - and _, at most 64", m.ID)
	}
	if m.Version == 0 {
		return errs.InvalidMsg.Wrapf("schema version starts at 1")
	}
	if len(m.Claims) == 0 || len(m.Claims) > vc.MaxClaims {
		return errs.InvalidMsg.Wrapf("a schema has 1 to %d claims", vc.MaxClaims)
	}
	for i, c := range m.Claims {
		if !vc.ValidClaimName(c.Name) {
			return errs.InvalidMsg.Wrapf("claim %q: lower-case letters, digits and _, at most 32", c.Name)
		}
		if !slices.Contains(ClaimTypes, c.Type) {
			return errs.InvalidMsg.Wrapf("claim %s: type %q not one of %v", c.Name, c.Type, ClaimTypes)
		}
		if i > 0 && m.Claims[i-1].Name >= c.Name {
			return errs.InvalidMsg.Wrapf("claims must be sorted by name and distinct")
		}
	}
	if !validHex32(m.JSONSchemaHash) {
		return errs.InvalidMsg.Wrapf("json_schema_hash must be 64 lower-case hex digits")
	}
	return nil
}

// MsgAccreditIssuer accredits Issuer for Schemas (k-of-n authority); on an
// existing issuer it adds the schemas.
type MsgAccreditIssuer struct {
	Issuer  string   `json:"issuer"`
	Schemas []string `json:"schemas"`
}

func (m *MsgAccreditIssuer) ValidateBasic() error {
	if err := checkAccount("issuer", m.Issuer); err != nil {
		return err
	}
	if len(m.Schemas) == 0 || len(m.Schemas) > 64 {
		return errs.InvalidMsg.Wrapf("name 1 to 64 schemas")
	}
	for i, s := range m.Schemas {
		if !ValidSchemaID(s) {
			return errs.InvalidMsg.Wrapf("schema id %q", s)
		}
		if i > 0 && m.Schemas[i-1] >= s {
			return errs.InvalidMsg.Wrapf("schemas must be sorted and distinct")
		}
	}
	return nil
}

// MsgSetIssuerStatus suspends, reinstates (active) or withdraws an issuer
// (k-of-n authority). Withdrawal is final.
type MsgSetIssuerStatus struct {
	Issuer string `json:"issuer"`
	Status string `json:"status"`
}

func (m *MsgSetIssuerStatus) ValidateBasic() error {
	if err := checkAccount("issuer", m.Issuer); err != nil {
		return err
	}
	if m.Status != IssuerActive && m.Status != IssuerSuspended && m.Status != IssuerWithdrawn {
		return errs.InvalidMsg.Wrapf("status %q: want active, suspended or withdrawn", m.Status)
	}
	return nil
}

// MsgAnchorCredential records an issued credential (by its issuer).
type MsgAnchorCredential struct {
	Digest      string `json:"digest"`
	SchemaID    string `json:"schema_id"`
	Version     uint32 `json:"version"`
	StatusIndex uint64 `json:"status_index"`
}

func (m *MsgAnchorCredential) ValidateBasic() error {
	if !validHex32(m.Digest) {
		return errs.InvalidMsg.Wrapf("digest must be 64 lower-case hex digits")
	}
	if !ValidSchemaID(m.SchemaID) || m.Version == 0 {
		return errs.InvalidMsg.Wrapf("schema %q version %d", m.SchemaID, m.Version)
	}
	return nil
}

// MsgSetStatus sets or clears a bit of the issuer's status list. List,
// if given, is the issuer's signed BitstringStatusListCredential of the
// list as it will stand (checked and stored); without it the stored
// signed list is removed, so none is ever out of date.
type MsgSetStatus struct {
	Purpose string          `json:"purpose"`
	Index   uint64          `json:"index"`
	Set     bool            `json:"set"`
	List    json.RawMessage `json:"list,omitempty"`
}

func (m *MsgSetStatus) ValidateBasic() error {
	if err := checkPurpose(m.Purpose); err != nil {
		return err
	}
	return checkListSize(m.List, false)
}

// MsgPublishStatusList stores the issuer's signed
// BitstringStatusListCredential of its purpose list as it stands.
type MsgPublishStatusList struct {
	Purpose string          `json:"purpose"`
	List    json.RawMessage `json:"list"`
}

func (m *MsgPublishStatusList) ValidateBasic() error {
	if err := checkPurpose(m.Purpose); err != nil {
		return err
	}
	return checkListSize(m.List, true)
}

func checkListSize(l json.RawMessage, required bool) error {
	switch {
	case string(l) == "null":
		return errs.InvalidMsg.Wrapf("list: give the signed status list credential, or leave list out")
	case len(l) == 0 && required:
		return errs.InvalidMsg.Wrapf("list: the signed status list credential is required")
	case len(l) > vc.MaxDocumentBytes:
		return errs.InvalidMsg.Wrapf("list: %d bytes, at most %d", len(l), vc.MaxDocumentBytes)
	}
	return nil
}

// MsgRotateKey replaces the signer's account key by NewPubKey, which must
// co-sign the transaction.
type MsgRotateKey struct {
	NewPubKey string `json:"new_pubkey"`
}

func (m *MsgRotateKey) ValidateBasic() error { return checkPubKey(m.NewPubKey) }

func checkPubKey(s string) error {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 || hex.EncodeToString(b) != s {
		return errs.InvalidMsg.Wrapf("public key must be 64 lower-case hex digits")
	}
	return nil
}

// MsgUpdateDID replaces the services of the signer's DID document.
type MsgUpdateDID struct {
	Services []Service `json:"services"`
}

func (m *MsgUpdateDID) ValidateBasic() error {
	if len(m.Services) > 16 {
		return errs.InvalidMsg.Wrapf("at most 16 services")
	}
	for i, s := range m.Services {
		if !idRE.MatchString(s.ID) || s.Type == "" || len(s.Type) > 64 || s.Endpoint == "" || len(s.Endpoint) > 256 {
			return errs.InvalidMsg.Wrapf("service %d: id [a-z0-9_-], type ≤ 64 and endpoint ≤ 256 characters", i)
		}
		// DID Core: serviceEndpoint is a URI (a relative one would not
		// survive JSON-LD processing).
		if u, err := url.Parse(s.Endpoint); err != nil || u.Scheme == "" || strings.ContainsAny(s.Endpoint, " \t\r\n") {
			return errs.InvalidMsg.Wrapf("service %d: endpoint %q is not an absolute URI (e.g. https://example.org/inbox)", i, s.Endpoint)
		}
		if i > 0 && m.Services[i-1].ID >= s.ID {
			return errs.InvalidMsg.Wrapf("services must be sorted by id and distinct")
		}
	}
	return nil
}

// MsgDeactivateDID deactivates the signer's DID (final).
type MsgDeactivateDID struct{}

func (*MsgDeactivateDID) ValidateBasic() error { return nil }

// MsgRequestRecovery (registrar) announces re-binding Account to NewPubKey
// after the recovery delay.
type MsgRequestRecovery struct {
	Account   string `json:"account"`
	NewPubKey string `json:"new_pubkey"`
}

func (m *MsgRequestRecovery) ValidateBasic() error {
	if err := checkAccount("account", m.Account); err != nil {
		return err
	}
	return checkPubKey(m.NewPubKey)
}

// MsgCancelRecovery (the account's current key) cancels a pending recovery.
type MsgCancelRecovery struct {
	Account string `json:"account"`
}

func (m *MsgCancelRecovery) ValidateBasic() error { return checkAccount("account", m.Account) }

// MsgCompleteRecovery (anyone) applies a due recovery.
type MsgCompleteRecovery struct {
	Account string `json:"account"`
}

func (m *MsgCompleteRecovery) ValidateBasic() error { return checkAccount("account", m.Account) }

// MsgRegisterEligibility (the holder) proves with a presentation that its
// credential satisfies Predicate. The presentation's challenge must be
// EligibilityChallenge(chain id, holder, predicate).
type MsgRegisterEligibility struct {
	Predicate    string `json:"predicate"`
	Presentation string `json:"presentation"` // the presentation JSON

	// prepared caches a successful verification of the presentation's
	// predicate proofs done in FinalizeBlock's parallel pre-check.
	prepared *preparedProofs
}

// preparedProofs: every predicate proof of the presentation verified for
// these claim types (one per proof, in order).
type preparedProofs struct {
	types []string
}

func (m *MsgRegisterEligibility) ValidateBasic() error {
	if _, err := ParsePredicate(m.Predicate); err != nil {
		return err
	}
	if len(m.Presentation) == 0 || len(m.Presentation) > vc.MaxDocumentBytes {
		return errs.InvalidMsg.Wrapf("presentation must be 1 to %d bytes", vc.MaxDocumentBytes)
	}
	return nil
}

// EligibilityChallenge is the challenge a presentation for
// identity/register-eligibility must carry; its domain is the chain id.
func EligibilityChallenge(chainID, holder, predicate string) string {
	return "publica-eligibility:" + chainID + ":" + holder + ":" + predicate
}
