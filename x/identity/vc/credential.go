package vc

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/publica/publica/crypto/zkpred"
)

// Identifiers used in Publica credentials.
const (
	ContextV2      = "https://www.w3.org/ns/credentials/v2"
	ContextPublica = "https://publica.example/ns/identity/v1"
	CredentialType = "PublicaCredential"
	// SchemaRefType is the credentialSchema type of W3C VC JSON Schema:
	// its id is the URL of a JSON Schema the credential conforms to.
	SchemaRefType = "JsonSchema"
	// LegacySchemaRefType is the type of credentials issued before the
	// schema and status list URLs (id urn:publica:schema:…); they still
	// parse and verify against the chain.
	LegacySchemaRefType = "PublicaClaimSchema"
	StatusEntryType     = "BitstringStatusListEntry"
	PurposeRevoke       = "revocation"
	PurposeSuspend      = "suspension"
	DIDPrefix           = "did:publica:"
	SchemaURNPrefix     = "urn:publica:schema:"
	StatusURNPrefix     = "urn:publica:status:"
	// DefaultBaseURL is the public URL of a development portal (make run):
	// the base of the status list and schema URLs a credential names when
	// its issuer gives none.
	DefaultBaseURL = "http://127.0.0.1:8080"
	// StatusListPath and SchemaPath follow the portal's public URL:
	// <base>/identity/status-lists/<issuer>/<purpose> and
	// <base>/identity/schemas/<id>/<version>.
	StatusListPath = "/identity/status-lists/"
	SchemaPath     = "/identity/schemas/"
	// MaxBaseURLLen bounds the public URL a credential names.
	MaxBaseURLLen    = 200
	MaxClaims        = 32
	MaxDisclosureLen = 1024
)

var accountRE = regexp.MustCompile(`^[0-9a-f]{40}$`)

// DID returns did:publica:<account>.
func DID(account string) string { return DIDPrefix + account }

// AccountOfDID parses did:publica:<account>.
func AccountOfDID(did string) (string, bool) {
	acct, ok := strings.CutPrefix(did, DIDPrefix)
	return acct, ok && accountRE.MatchString(acct)
}

// KeyRef is the verification method id of key number n of an account's DID.
func KeyRef(account string, n int) string { return fmt.Sprintf("%s#key-%d", DID(account), n) }

// ParseKeyRef parses did:publica:<account>#key-<n>.
func ParseKeyRef(vm string) (account string, n int, ok bool) {
	did, frag, found := strings.Cut(vm, "#key-")
	if !found {
		return "", 0, false
	}
	acct, ok := AccountOfDID(did)
	n, err := strconv.Atoi(frag)
	if !ok || err != nil || n < 1 || strconv.Itoa(n) != frag {
		return "", 0, false
	}
	return acct, n, true
}

// SchemaRef is a credential's credentialSchema.
type SchemaRef struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

// SchemaURN is urn:publica:schema:<id>:<version>.
func SchemaURN(id string, version uint32) string {
	return fmt.Sprintf("%s%s:%d", SchemaURNPrefix, id, version)
}

// ParseSchemaURN splits a schema URN.
func ParseSchemaURN(s string) (id string, version uint32, ok bool) {
	rest, found := strings.CutPrefix(s, SchemaURNPrefix)
	i := strings.LastIndexByte(rest, ':')
	if !found || i <= 0 {
		return "", 0, false
	}
	v, err := strconv.ParseUint(rest[i+1:], 10, 32)
	if err != nil || v == 0 || strconv.FormatUint(v, 10) != rest[i+1:] {
		return "", 0, false
	}
	return rest[:i], uint32(v), true
}

// StatusListURN names an issuer's status list for a purpose.
func StatusListURN(issuer, purpose string) string {
	return StatusURNPrefix + issuer + ":" + purpose
}

// CheckBaseURL reports whether base can be the public URL of a portal in
// credentials: http or https, a host, an optional path, no query, no
// fragment, no trailing slash, printable ASCII.
func CheckBaseURL(base string) error {
	if base == "" || len(base) > MaxBaseURLLen {
		return fmt.Errorf("public URL %q: 1 to %d characters", base, MaxBaseURLLen)
	}
	for i := 0; i < len(base); i++ {
		if base[i] <= ' ' || base[i] >= 0x7f || base[i] == '#' || base[i] == '?' || base[i] == '%' {
			return fmt.Errorf("public URL %q: printable ASCII without spaces, #, ? or %%", base)
		}
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil ||
		strings.HasSuffix(base, "/") || u.String() != base {
		return fmt.Errorf("public URL %q: want http(s)://host[:port][/path], no trailing slash (e.g. https://registry.example.gov)", base)
	}
	return nil
}

// StatusListURL is the portal URL of an issuer's status list credential.
func StatusListURL(base, issuer, purpose string) string {
	return base + StatusListPath + issuer + "/" + purpose
}

// SchemaURL is the portal URL of the JSON Schema of a credential schema.
func SchemaURL(base, id string, version uint32) string {
	return fmt.Sprintf("%s%s%s/%d", base, SchemaPath, id, version)
}

// cutBase splits u at its last occurrence of path: the base (a valid
// public URL) and what follows.
func cutBase(u, path string) (base, rest string, ok bool) {
	i := strings.LastIndex(u, path)
	if i <= 0 || CheckBaseURL(u[:i]) != nil {
		return "", "", false
	}
	return u[:i], u[i+len(path):], true
}

// ParseStatusListURL splits a status list credential URL made by
// StatusListURL.
func ParseStatusListURL(u string) (base, issuer, purpose string, ok bool) {
	base, rest, ok := cutBase(u, StatusListPath)
	issuer, purpose, found := strings.Cut(rest, "/")
	if !ok || !found || !accountRE.MatchString(issuer) || (purpose != PurposeRevoke && purpose != PurposeSuspend) {
		return "", "", "", false
	}
	return base, issuer, purpose, true
}

// ParseSchemaRef reads a credentialSchema: a JsonSchema at
// <base>/identity/schemas/<id>/<version> (base "" for the legacy
// PublicaClaimSchema URN).
func ParseSchemaRef(r SchemaRef) (base, id string, version uint32, ok bool) {
	switch r.Type {
	case LegacySchemaRefType:
		id, version, ok = ParseSchemaURN(r.ID)
		return "", id, version, ok
	case SchemaRefType:
		base, rest, found := cutBase(r.ID, SchemaPath)
		if !found {
			return "", "", 0, false
		}
		id, version, ok = ParseSchemaURN(SchemaURNPrefix + strings.Replace(rest, "/", ":", 1))
		if !ok || SchemaURL(base, id, version) != r.ID {
			return "", "", 0, false
		}
		return base, id, version, true
	}
	return "", "", 0, false
}

// StatusEntry is one BitstringStatusListEntry.
type StatusEntry struct {
	ID                   string `json:"id"`
	Type                 string `json:"type"`
	StatusPurpose        string `json:"statusPurpose"`
	StatusListIndex      string `json:"statusListIndex"`
	StatusListCredential string `json:"statusListCredential"`
}

// Subject is the credentialSubject: the holder's DID, the digests of the
// claims' value disclosures and of their commitment disclosures. Claim
// names, values and commitments are only in the disclosures.
type Subject struct {
	ID                string   `json:"id"`
	ClaimDigests      []string `json:"claimDigests"`
	CommitmentDigests []string `json:"commitmentDigests,omitempty"`
}

// Credential is a Publica verifiable credential (W3C VC 2.0 data model).
type Credential struct {
	Context           []string      `json:"@context"`
	ID                string        `json:"id"`
	Type              []string      `json:"type"`
	Issuer            string        `json:"issuer"`
	ValidFrom         string        `json:"validFrom"`
	ValidUntil        string        `json:"validUntil,omitempty"`
	CredentialSchema  SchemaRef     `json:"credentialSchema"`
	CredentialSubject Subject       `json:"credentialSubject"`
	CredentialStatus  []StatusEntry `json:"credentialStatus"`
	Proof             *Proof        `json:"proof,omitempty"`
}

// Claim is one attribute: Value is a JSON string, integer or boolean.
type Claim struct {
	Name  string
	Value any
}

// Disclosure is one salted claim, encoded as in SD-JWT (RFC 9901 §4.2.1):
// base64url (no padding) of the JSON array [salt, name, value]. Its digest
// is base64url(SHA-256(ASCII of the encoded disclosure)).
type Disclosure struct {
	Salt    string
	Name    string
	Value   json.RawMessage
	Encoded string
}

// Digest is the disclosure's digest as listed in the credential.
func (d *Disclosure) Digest() string { return DisclosureDigest(d.Encoded) }

// DisclosureDigest hashes an encoded disclosure.
func DisclosureDigest(encoded string) string {
	h := sha256.Sum256([]byte(encoded))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

var claimNameRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

// ValidClaimName reports whether n is a claim name (lower case, digits, _).
func ValidClaimName(n string) bool { return claimNameRE.MatchString(n) }

// NewDisclosure salts a claim with 128 random bits from r.
func NewDisclosure(r io.Reader, c Claim) (*Disclosure, error) {
	if !ValidClaimName(c.Name) {
		return nil, fmt.Errorf("claim name %q: lower-case letters, digits and _, at most 32", c.Name)
	}
	switch c.Value.(type) {
	case string, int64, int, bool:
	default:
		return nil, fmt.Errorf("claim %s: value must be a string, integer or boolean", c.Name)
	}
	salt := make([]byte, 16)
	if _, err := io.ReadFull(r, salt); err != nil {
		return nil, err
	}
	arr, err := json.Marshal([]any{base64.RawURLEncoding.EncodeToString(salt), c.Name, c.Value})
	if err != nil {
		return nil, err
	}
	return ParseDisclosure(base64.RawURLEncoding.EncodeToString(arr))
}

// ParseDisclosure decodes an encoded disclosure strictly.
func ParseDisclosure(enc string) (*Disclosure, error) {
	if len(enc) > MaxDisclosureLen {
		return nil, fmt.Errorf("%w: disclosure longer than %d", ErrMalformed, MaxDisclosureLen)
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(enc)
	if err != nil {
		return nil, fmt.Errorf("%w: disclosure is not base64url: %v", ErrMalformed, err)
	}
	if _, err := Canonicalize(raw); err != nil {
		return nil, fmt.Errorf("%w: disclosure: %v", ErrMalformed, err)
	}
	var arr []json.RawMessage
	if err := json.Unmarshal(raw, &arr); err != nil || len(arr) != 3 {
		return nil, fmt.Errorf("%w: disclosure is not [salt, name, value]", ErrMalformed)
	}
	d := &Disclosure{Encoded: enc, Value: arr[2]}
	if json.Unmarshal(arr[0], &d.Salt) != nil || len(d.Salt) < 16 {
		return nil, fmt.Errorf("%w: disclosure salt must be a string of at least 16 characters", ErrMalformed)
	}
	if json.Unmarshal(arr[1], &d.Name) != nil || !ValidClaimName(d.Name) {
		return nil, fmt.Errorf("%w: disclosure claim name invalid", ErrMalformed)
	}
	switch d.Value[0] {
	case '"', 't', 'f':
	default:
		if _, err := strconv.ParseInt(string(d.Value), 10, 64); err != nil {
			return nil, fmt.Errorf("%w: claim %s: value must be a string, integer or boolean", ErrMalformed, d.Name)
		}
	}
	return d, nil
}

// IssueRequest is what an issuer puts into a credential.
type IssuerParams struct {
	Issuer      string // issuer account id
	KeyNumber   int    // n in did:publica:<issuer>#key-n
	Holder      string // holder account id
	SchemaID    string
	Version     uint32
	StatusIndex uint64
	Claims      []Claim
	ValidFrom   time.Time
	ValidUntil  time.Time // zero: no expiry
	Rand        io.Reader // salts and credential id; nil: crypto/rand
	// BaseURL is the public URL of the portal that serves the issuer's
	// status lists and the schema (""; DefaultBaseURL).
	BaseURL string
}

// Held is what the holder keeps: the signed credential, every value
// disclosure, and per claim the commitment disclosure with its opening.
// It is private to the holder.
type Held struct {
	Credential  json.RawMessage  `json:"credential"`
	Disclosures []string         `json:"disclosures"`
	Commitments []HeldCommitment `json:"commitments,omitempty"`
}

// Issue builds and signs a credential. The signed document holds only the
// sorted digests of the claims' value and commitment disclosures; the
// claims travel in the returned Held.
func Issue(p IssuerParams, key ed25519.PrivateKey) (*Held, *Secured, error) {
	pend, signBytes, err := PrepareIssue(p, nil)
	if err != nil {
		return nil, nil, err
	}
	return pend.Finish(ed25519.Sign(key, signBytes))
}

// PendingIssue is a credential built but not yet signed, for an issuer
// whose key is held elsewhere (a browser, a hardware token).
type PendingIssue struct {
	doc         *unsignedDoc
	disclosures []string
	commitments []HeldCommitment
}

// PrepareIssue builds the credential of p and returns the bytes the
// issuer's Ed25519 key (did:publica:<issuer>#key-<n>) must sign; Finish
// attaches that signature. rnd supplies salts and the credential id: nil
// means p.Rand, and if that is nil too, crypto/rand.
func PrepareIssue(p IssuerParams, rnd io.Reader) (*PendingIssue, []byte, error) {
	r := rnd
	if r == nil {
		r = p.Rand
	}
	if r == nil {
		r = rand.Reader
	}
	if len(p.Claims) == 0 || len(p.Claims) > MaxClaims {
		return nil, nil, fmt.Errorf("a credential has 1 to %d claims", MaxClaims)
	}
	base := p.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	if err := CheckBaseURL(base); err != nil {
		return nil, nil, err
	}
	var discs []string
	var digests, commitDigests []string
	var held []HeldCommitment
	seen := map[string]bool{}
	for _, c := range p.Claims {
		if seen[c.Name] {
			return nil, nil, fmt.Errorf("claim %s given twice", c.Name)
		}
		seen[c.Name] = true
		d, err := NewDisclosure(r, c)
		if err != nil {
			return nil, nil, err
		}
		discs = append(discs, d.Encoded)
		digests = append(digests, d.Digest())
		v, err := ClaimValue(d.Value)
		if err != nil {
			return nil, nil, fmt.Errorf("claim %s: %w", c.Name, err)
		}
		com, opening, err := zkpred.Commit(v, r)
		if err != nil {
			return nil, nil, err
		}
		cd, err := NewCommitmentDisclosure(r, c.Name, com)
		if err != nil {
			return nil, nil, err
		}
		commitDigests = append(commitDigests, cd.Digest())
		held = append(held, HeldCommitment{Disclosure: cd.Encoded, Value: d.Value, Blinding: hex.EncodeToString(opening.RBytes())})
	}
	slices.Sort(digests)
	slices.Sort(commitDigests)
	idb := make([]byte, 16)
	if _, err := io.ReadFull(r, idb); err != nil {
		return nil, nil, err
	}
	idb[6] = idb[6]&0x0f | 0x40
	idb[8] = idb[8]&0x3f | 0x80
	idx := strconv.FormatUint(p.StatusIndex, 10)
	c := Credential{
		Context:   []string{ContextV2, ContextPublica},
		ID:        fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", idb[0:4], idb[4:6], idb[6:8], idb[8:10], idb[10:]),
		Type:      []string{"VerifiableCredential", CredentialType},
		Issuer:    DID(p.Issuer),
		ValidFrom: p.ValidFrom.UTC().Format(time.RFC3339),
		CredentialSchema: SchemaRef{
			ID: SchemaURL(base, p.SchemaID, p.Version), Type: SchemaRefType,
		},
		CredentialSubject: Subject{ID: DID(p.Holder), ClaimDigests: digests, CommitmentDigests: commitDigests},
	}
	if !p.ValidUntil.IsZero() {
		c.ValidUntil = p.ValidUntil.UTC().Format(time.RFC3339)
	}
	for _, purpose := range []string{PurposeRevoke, PurposeSuspend} {
		list := StatusListURL(base, p.Issuer, purpose)
		c.CredentialStatus = append(c.CredentialStatus, StatusEntry{
			ID: list + "#" + idx, Type: StatusEntryType, StatusPurpose: purpose,
			StatusListIndex: idx, StatusListCredential: list,
		})
	}
	unsigned, err := json.Marshal(c)
	if err != nil {
		return nil, nil, err
	}
	doc, err := prepareSign(unsigned, Proof{
		Created:            c.ValidFrom,
		VerificationMethod: KeyRef(p.Issuer, p.KeyNumber),
		ProofPurpose:       "assertionMethod",
	})
	if err != nil {
		return nil, nil, err
	}
	return &PendingIssue{doc: doc, disclosures: discs, commitments: held}, slices.Clone(doc.signBytes), nil
}

// Finish attaches the issuer's signature of the sign bytes. It does not
// check the signature (it has no key to check it with): anchoring the
// credential on chain, or Secured.Verify, does.
func (pi *PendingIssue) Finish(signature []byte) (*Held, *Secured, error) {
	signed, err := pi.doc.finish(signature)
	if err != nil {
		return nil, nil, err
	}
	sec, err := ParseSecured(signed)
	if err != nil {
		return nil, nil, err
	}
	return &Held{Credential: signed, Disclosures: slices.Clone(pi.disclosures), Commitments: slices.Clone(pi.commitments)}, sec, nil
}

// Parsed is a credential whose structure has been checked (not its proof's
// signature, nor anything on chain).
type Parsed struct {
	Raw         []byte
	Credential  Credential
	Secured     *Secured
	Issuer      string // account
	IssuerKey   int    // n of the issuer's #key-n
	Holder      string // account
	SchemaID    string
	Version     uint32
	StatusIndex uint64
	ValidFrom   time.Time
	ValidUntil  time.Time // zero: none
	// BaseURL is the public URL the credential's status list and schema
	// URLs start with ("" for a legacy credential naming URNs).
	BaseURL string
}

// ParseCredential checks a credential's structure strictly.
func ParseCredential(raw []byte) (*Parsed, error) {
	sec, err := ParseSecured(raw)
	if err != nil {
		return nil, err
	}
	return parseCredential(raw, sec)
}

// parseCredential checks the structure of a credential whose proof has
// been parsed.
func parseCredential(raw []byte, sec *Secured) (*Parsed, error) {
	var err error
	var c Credential
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("%w: credential: %v", ErrMalformed, err)
	}
	bad := func(f string, a ...any) error {
		return fmt.Errorf("%w: credential: %s", ErrMalformed, fmt.Sprintf(f, a...))
	}
	p := &Parsed{Raw: raw, Credential: c, Secured: sec}
	if len(c.Context) < 1 || c.Context[0] != ContextV2 {
		return nil, bad("@context must start with %s", ContextV2)
	}
	if !slices.Contains(c.Type, "VerifiableCredential") || !slices.Contains(c.Type, CredentialType) {
		return nil, bad("type must include VerifiableCredential and %s", CredentialType)
	}
	var ok bool
	if p.Issuer, ok = AccountOfDID(c.Issuer); !ok {
		return nil, bad("issuer %q is not a did:publica DID", c.Issuer)
	}
	if p.Holder, ok = AccountOfDID(c.CredentialSubject.ID); !ok {
		return nil, bad("credentialSubject.id %q is not a did:publica DID", c.CredentialSubject.ID)
	}
	var vmAcct string
	if vmAcct, p.IssuerKey, ok = ParseKeyRef(sec.Proof.VerificationMethod); !ok {
		return nil, bad("verificationMethod %q is not did:publica:<account>#key-<n>", sec.Proof.VerificationMethod)
	}
	if vmAcct != p.Issuer {
		return nil, fmt.Errorf("%w: signed by %s, which is not the issuer %s", ErrWrongIssuer, sec.Proof.VerificationMethod, c.Issuer)
	}
	if sec.Proof.ProofPurpose != "assertionMethod" {
		return nil, bad("proofPurpose %q, want assertionMethod", sec.Proof.ProofPurpose)
	}
	if p.BaseURL, p.SchemaID, p.Version, ok = ParseSchemaRef(c.CredentialSchema); !ok {
		return nil, bad("credentialSchema %q of type %q is not a JsonSchema at <public URL>%s<id>/<version>", c.CredentialSchema.ID, c.CredentialSchema.Type, SchemaPath)
	}
	if p.ValidFrom, err = time.Parse(time.RFC3339, c.ValidFrom); err != nil {
		return nil, bad("validFrom: %v", err)
	}
	if c.ValidUntil != "" {
		if p.ValidUntil, err = time.Parse(time.RFC3339, c.ValidUntil); err != nil {
			return nil, bad("validUntil: %v", err)
		}
	}
	ds := c.CredentialSubject.ClaimDigests
	if len(ds) == 0 || len(ds) > MaxClaims || !slices.IsSorted(ds) || len(slices.Compact(slices.Clone(ds))) != len(ds) {
		return nil, bad("claimDigests must be 1 to %d sorted distinct digests", MaxClaims)
	}
	// Credentials issued before commitments have none; they can still
	// disclose values off chain.
	cs := c.CredentialSubject.CommitmentDigests
	if len(cs) > MaxClaims || !slices.IsSorted(cs) || len(slices.Compact(slices.Clone(cs))) != len(cs) {
		return nil, bad("commitmentDigests must be at most %d sorted distinct digests", MaxClaims)
	}
	if len(c.CredentialStatus) != 2 {
		return nil, bad("credentialStatus must hold a revocation and a suspension entry")
	}
	for i, purpose := range []string{PurposeRevoke, PurposeSuspend} {
		e := c.CredentialStatus[i]
		list := StatusListURN(p.Issuer, purpose)
		if p.BaseURL != "" {
			list = StatusListURL(p.BaseURL, p.Issuer, purpose)
		}
		idx, err := strconv.ParseUint(e.StatusListIndex, 10, 64)
		if err != nil || strconv.FormatUint(idx, 10) != e.StatusListIndex || e.Type != StatusEntryType ||
			e.StatusPurpose != purpose || e.StatusListCredential != list || e.ID != list+"#"+e.StatusListIndex {
			return nil, bad("credentialStatus[%d] is not the issuer's %s list entry (%s#<index>)", i, purpose, list)
		}
		if i == 1 && idx != p.StatusIndex {
			return nil, bad("revocation and suspension entries must share one index")
		}
		p.StatusIndex = idx
	}
	return p, nil
}

// ErrWrongIssuer: the credential was signed by someone other than its issuer.
var ErrWrongIssuer = fmt.Errorf("credential signed by a key of another DID than its issuer")

// Disclose returns the disclosures of the named claims.
func (h *Held) Disclose(names ...string) ([]string, error) {
	var out []string
	for _, n := range names {
		found := false
		for _, enc := range h.Disclosures {
			d, err := ParseDisclosure(enc)
			if err != nil {
				return nil, err
			}
			if d.Name == n {
				out = append(out, enc)
				found = true
				break
			}
		}
		if !found {
			return nil, fmt.Errorf("the credential has no claim %q", n)
		}
	}
	return out, nil
}

// Presentation is a W3C verifiable presentation carrying one credential,
// the disclosures the holder chose to reveal, zero-knowledge proofs of
// predicate terms over claims it does not reveal, and the holder's proof
// (authentication, bound to the verifier's challenge and domain), which
// signs all of it.
type Presentation struct {
	Context              []string          `json:"@context"`
	Type                 []string          `json:"type"`
	Holder               string            `json:"holder"`
	VerifiableCredential []json.RawMessage `json:"verifiableCredential"`
	Disclosures          []string          `json:"disclosures"`
	PredicateProofs      []PredicateProof  `json:"predicateProofs,omitempty"`
	Proof                *Proof            `json:"proof,omitempty"`
}

// Present builds and signs a presentation of cred revealing disclosures.
func Present(holder string, keyNumber int, cred json.RawMessage, disclosures []string, challenge, domain string, created time.Time, key ed25519.PrivateKey) ([]byte, error) {
	pend, signBytes, err := PreparePresentation(PresentationParams{
		Holder: holder, KeyNumber: keyNumber, Credential: cred, Disclosures: disclosures,
		Challenge: challenge, Domain: domain, Created: created,
	})
	if err != nil {
		return nil, err
	}
	return pend.Finish(ed25519.Sign(key, signBytes))
}

// PresentationParams is what a holder puts into a presentation.
type PresentationParams struct {
	Holder      string // holder account id
	KeyNumber   int    // n in did:publica:<holder>#key-n
	Credential  json.RawMessage
	Disclosures []string // encoded disclosures to reveal
	Challenge   string   // the verifier's challenge (required)
	Domain      string
	Created     time.Time
	// Prove lists predicate terms ("district=7", "age_band>=18") proven
	// in zero knowledge over the claims' commitments instead of
	// disclosing them; Openings (Held.Commitments) open the commitments.
	Prove    []string
	Openings []HeldCommitment
	Rand     io.Reader // proof randomness; nil: crypto/rand
}

// PendingPresentation is a presentation built but not yet signed by the
// holder, whose key may be held elsewhere (the portal's browser).
type PendingPresentation struct {
	doc *unsignedDoc
}

// PreparePresentation builds the presentation of p and returns the bytes
// the holder's Ed25519 key must sign; Finish attaches that signature.
func PreparePresentation(p PresentationParams) (*PendingPresentation, []byte, error) {
	if p.Challenge == "" {
		return nil, nil, fmt.Errorf("a presentation needs the verifier's challenge")
	}
	pr := Presentation{
		Context: []string{ContextV2, ContextPublica}, Type: []string{"VerifiablePresentation"},
		Holder: DID(p.Holder), VerifiableCredential: []json.RawMessage{p.Credential}, Disclosures: p.Disclosures,
	}
	if pr.Disclosures == nil {
		pr.Disclosures = []string{}
	}
	if len(p.Prove) > 0 {
		sec, err := ParseSecured(p.Credential)
		if err != nil {
			return nil, nil, err
		}
		rnd := p.Rand
		if rnd == nil {
			rnd = rand.Reader
		}
		if pr.PredicateProofs, err = proveTerms(p, sec.DocHash, rnd); err != nil {
			return nil, nil, err
		}
	}
	b, err := json.Marshal(pr)
	if err != nil {
		return nil, nil, err
	}
	doc, err := prepareSign(b, Proof{
		Created: p.Created.UTC().Format(time.RFC3339), VerificationMethod: KeyRef(p.Holder, p.KeyNumber),
		ProofPurpose: "authentication", Challenge: p.Challenge, Domain: p.Domain,
	})
	if err != nil {
		return nil, nil, err
	}
	return &PendingPresentation{doc: doc}, slices.Clone(doc.signBytes), nil
}

// Finish attaches the holder's signature of the sign bytes and returns the
// presentation. The signature is checked by whoever verifies it.
func (pp *PendingPresentation) Finish(signature []byte) ([]byte, error) {
	return pp.doc.finish(signature)
}

// ParsedPresentation is a structurally checked presentation.
type ParsedPresentation struct {
	Presentation Presentation
	Secured      *Secured
	Holder       string // account
	HolderKey    int
	Credential   *Parsed
	// Disclosed maps claim name to its JSON value, for disclosures whose
	// digest is in the credential.
	Disclosed map[string]json.RawMessage
	// Proofs are the predicate proofs, their commitments in the
	// credential; each must still be verified (ParsedProof.Verify).
	Proofs []ParsedProof
}

// ErrUnknownDisclosure: a disclosure's digest is not in the credential.
var ErrUnknownDisclosure = fmt.Errorf("disclosure not covered by the credential")

// ParsePresentation checks a presentation's structure, its credential's
// structure and that every disclosure belongs to the credential. It checks
// no signature.
//
// The document is checked strictly once, and each part canonicalized once:
// the credential's canonical form serves both its own proof and, inside
// the presentation, the holder's.
func ParsePresentation(raw []byte) (*ParsedPresentation, error) {
	m, err := objectOf(raw)
	if err != nil {
		return nil, err
	}
	var p Presentation
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("%w: presentation: %v", ErrMalformed, err)
	}
	if len(p.VerifiableCredential) != 1 {
		return nil, fmt.Errorf("%w: a presentation carries exactly one credential", ErrMalformed)
	}
	// The credential's proof and its fields come from the same bytes.
	credRaw := p.VerifiableCredential[0]
	var cm map[string]json.RawMessage
	if json.Unmarshal(credRaw, &cm) != nil || cm == nil {
		if _, err := ParseCredential(credRaw); err != nil {
			return nil, err // not an object: say why
		}
		return nil, fmt.Errorf("%w: the credential is not a JSON object", ErrMalformed)
	}
	credSec, co, err := securedOf(cm, nil)
	if err != nil {
		return nil, err
	}
	// Its canonical form is reused in the presentation's only if the
	// member hashed is exactly [those bytes] (not, say, another-cased key).
	pre := map[string][]byte{}
	if arr := bytes.TrimSpace(m["verifiableCredential"]); len(arr) >= 2 && arr[0] == '[' && arr[len(arr)-1] == ']' &&
		bytes.Equal(bytes.TrimSpace(arr[1:len(arr)-1]), credRaw) {
		pre["verifiableCredential"] = append(append([]byte{'['}, co.bytes()...), ']')
	}
	sec, _, err := securedOf(m, pre)
	if err != nil {
		return nil, err
	}
	out := &ParsedPresentation{Presentation: p, Secured: sec, Disclosed: map[string]json.RawMessage{}}
	if len(p.Context) < 1 || p.Context[0] != ContextV2 || !slices.Contains(p.Type, "VerifiablePresentation") {
		return nil, fmt.Errorf("%w: not a VC 2.0 VerifiablePresentation", ErrMalformed)
	}
	var ok bool
	if out.Holder, ok = AccountOfDID(p.Holder); !ok {
		return nil, fmt.Errorf("%w: holder %q is not a did:publica DID", ErrMalformed, p.Holder)
	}
	var vmAcct string
	if vmAcct, out.HolderKey, ok = ParseKeyRef(sec.Proof.VerificationMethod); !ok || vmAcct != out.Holder {
		return nil, fmt.Errorf("%w: presentation proof's verificationMethod %q is not a key of the holder", ErrMalformed, sec.Proof.VerificationMethod)
	}
	if sec.Proof.ProofPurpose != "authentication" {
		return nil, fmt.Errorf("%w: presentation proofPurpose %q, want authentication", ErrMalformed, sec.Proof.ProofPurpose)
	}
	if out.Credential, err = parseCredential(credRaw, credSec); err != nil {
		return nil, err
	}
	if len(p.Disclosures) > MaxClaims {
		return nil, fmt.Errorf("%w: more than %d disclosures", ErrMalformed, MaxClaims)
	}
	digests := out.Credential.Credential.CredentialSubject.ClaimDigests
	for _, enc := range p.Disclosures {
		d, err := ParseDisclosure(enc)
		if err != nil {
			return nil, err
		}
		if _, found := slices.BinarySearch(digests, d.Digest()); !found {
			return nil, fmt.Errorf("%w: claim %s", ErrUnknownDisclosure, d.Name)
		}
		if _, dup := out.Disclosed[d.Name]; dup {
			return nil, fmt.Errorf("%w: claim %s disclosed twice", ErrMalformed, d.Name)
		}
		out.Disclosed[d.Name] = d.Value
	}
	if err := parsePredicateProofs(out); err != nil {
		return nil, err
	}
	return out, nil
}
