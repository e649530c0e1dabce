package identity

import (
	"bytes"
	"compress/gzip"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	cmtcrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"

	"github.com/publica/publica/proof"
	"github.com/publica/publica/x/identity/vc"
)

// W3C Bitstring Status List v1.0 (§2.2, §3.1): an issuer's list for one
// purpose as a BitstringStatusListCredential. Its id is the
// statusListCredential every BitstringStatusListEntry of the issuer's
// credentials names (urn:publica:status:<issuer>:<purpose>).
const (
	StatusListCredentialType = "BitstringStatusListCredential"
	StatusListSubjectType    = "BitstringStatusList"
	StatusProofEvidenceType  = "PublicaStateProof"
	// MinStatusListBits is the specification's minimum list length (16 KB
	// uncompressed), for herd privacy; shorter chain lists are padded
	// with zeros.
	MinStatusListBits = 131072
	// maxStatusListBytes bounds decompression (the largest chain list).
	maxStatusListBytes = 1 << 24 / 8
)

// StatusListSubject is the credentialSubject of a status list credential.
type StatusListSubject struct {
	ID            string `json:"id"`
	Type          string `json:"type"`
	StatusPurpose string `json:"statusPurpose"`
	EncodedList   string `json:"encodedList"`
}

// PageProof is the ICS23 proof of one state key at the evidence height:
// membership if Stored, absence otherwise. For a status list page the
// value is the page of encodedList (absent: all zeros); for the params
// it is Value.
type PageProof struct {
	Key    string `json:"key"`
	Stored bool   `json:"stored"`
	Value  string `json:"value,omitempty"` // base64; params only
	Proof  string `json:"proof"`           // base64 of the ICS23 CommitmentProof
}

// StatusListEvidence says where the list comes from: the chain state at
// Height, whose root is AppHash (in the header of Height+1), and a proof
// of every page.
type StatusListEvidence struct {
	Type    []string `json:"type"`
	ChainID string   `json:"chainId,omitempty"`
	Height  int64    `json:"height"`
	AppHash string   `json:"appHash"`
	// Params proves the module parameters, whose status_list_size fixes
	// how many pages the list has: none can be left out.
	Params PageProof   `json:"params"`
	Pages  []PageProof `json:"pages"`
}

// StatusListCredential is the W3C document. It carries no Data Integrity
// proof: the chain, not a key, vouches for it, through Evidence.
type StatusListCredential struct {
	Context           []string              `json:"@context"`
	ID                string                `json:"id"`
	Type              []string              `json:"type"`
	Issuer            string                `json:"issuer"`
	CredentialSubject StatusListSubject     `json:"credentialSubject"`
	Evidence          []*StatusListEvidence `json:"evidence,omitempty"`
}

// StatusListPageCount is the number of pages of a list of size bits.
func StatusListPageCount(size uint64) uint64 { return (size + PageBits - 1) / PageBits }

// StatusListBits joins page values (nil = all zeros) into the bitstring,
// at least MinStatusListBits long.
func StatusListBits(size uint64, pages [][]byte) []byte {
	n := max(size, MinStatusListBits) / 8
	out := make([]byte, n)
	for i, p := range pages {
		copy(out[uint64(i)*PageBytes:], p)
	}
	return out
}

// EncodeStatusList is the spec's encodedList: multibase base64url ("u",
// no padding) of the GZIP-compressed bitstring. The GZIP header carries no
// name nor time, so equal bitstrings give equal strings.
func EncodeStatusList(bits []byte) string {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(bits)
	zw.Close()
	return "u" + base64.RawURLEncoding.EncodeToString(buf.Bytes())
}

// DecodeStatusList reverses EncodeStatusList.
func DecodeStatusList(enc string) ([]byte, error) {
	if len(enc) < 2 || enc[0] != 'u' {
		return nil, errors.New(`encodedList is not base64url multibase (must start with "u")`)
	}
	z, err := base64.RawURLEncoding.Strict().DecodeString(enc[1:])
	if err != nil {
		return nil, fmt.Errorf("encodedList: %w", err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(z))
	if err != nil {
		return nil, fmt.Errorf("encodedList is not GZIP: %w", err)
	}
	bits, err := io.ReadAll(io.LimitReader(zr, maxStatusListBytes+1))
	if err != nil {
		return nil, fmt.Errorf("encodedList: %w", err)
	}
	if len(bits) > maxStatusListBytes {
		return nil, fmt.Errorf("encodedList decompresses to more than %d bytes", maxStatusListBytes)
	}
	if len(bits) < MinStatusListBits/8 {
		return nil, fmt.Errorf("status list of %d bits is shorter than the minimum %d", len(bits)*8, MinStatusListBits)
	}
	return bits, nil
}

// NewStatusListCredential builds the document for an issuer's list of
// size bits from its pages (nil = absent, all zeros). ev may be nil.
func NewStatusListCredential(issuer, purpose string, size uint64, pages [][]byte, ev *StatusListEvidence) (*StatusListCredential, error) {
	if err := checkPurpose(purpose); err != nil {
		return nil, err
	}
	if uint64(len(pages)) != StatusListPageCount(size) {
		return nil, fmt.Errorf("%d pages for a list of %d bits, want %d", len(pages), size, StatusListPageCount(size))
	}
	for i, p := range pages {
		if p != nil && len(p) != PageBytes {
			return nil, fmt.Errorf("page %d has %d bytes, want %d", i, len(p), PageBytes)
		}
	}
	id := vc.StatusListURN(issuer, purpose)
	c := &StatusListCredential{
		Context: []string{vc.ContextV2},
		ID:      id,
		Type:    []string{"VerifiableCredential", StatusListCredentialType},
		Issuer:  vc.DID(issuer),
		CredentialSubject: StatusListSubject{ID: id + "#list", Type: StatusListSubjectType,
			StatusPurpose: purpose, EncodedList: EncodeStatusList(StatusListBits(size, pages))},
	}
	if ev != nil {
		// The evidence's terms are defined in Publica's context.
		c.Context = append(c.Context, vc.ContextPublica)
		c.Evidence = []*StatusListEvidence{ev}
	}
	return c, nil
}

// ParseStatusListCredential checks a status list document's structure and
// returns it with its decoded bitstring.
func ParseStatusListCredential(doc []byte) (*StatusListCredential, []byte, error) {
	var c StatusListCredential
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, nil, fmt.Errorf("not a status list credential: %w", err)
	}
	issuer, ok := vc.AccountOfDID(c.Issuer)
	s := c.CredentialSubject
	switch {
	case len(c.Context) == 0 || c.Context[0] != vc.ContextV2:
		return nil, nil, fmt.Errorf("@context must start with %s", vc.ContextV2)
	case !slices.Contains(c.Type, StatusListCredentialType):
		return nil, nil, fmt.Errorf("type must include %s", StatusListCredentialType)
	case !ok:
		return nil, nil, fmt.Errorf("issuer %q is not a did:publica DID", c.Issuer)
	case s.Type != StatusListSubjectType:
		return nil, nil, fmt.Errorf("credentialSubject.type %q, want %s", s.Type, StatusListSubjectType)
	case checkPurpose(s.StatusPurpose) != nil:
		return nil, nil, fmt.Errorf("statusPurpose %q", s.StatusPurpose)
	case c.ID != vc.StatusListURN(issuer, s.StatusPurpose):
		return nil, nil, fmt.Errorf("id %q is not the %s list of %s", c.ID, s.StatusPurpose, c.Issuer)
	}
	bits, err := DecodeStatusList(s.EncodedList)
	if err != nil {
		return nil, nil, err
	}
	return &c, bits, nil
}

// Bit reads entry index of a decoded bitstring (out of range: unset).
func Bit(bits []byte, index uint64) bool {
	return index/8 < uint64(len(bits)) && bits[index/8]&(0x80>>(index%8)) != 0
}

// CheckEvidence verifies that the document's bitstring is exactly the
// chain's list at the evidence height: every page's ICS23 proof against
// the evidence app hash (which the caller must trust, e.g. by checking
// the signed header of Height+1), and zeros past the proven pages.
func (c *StatusListCredential) CheckEvidence(bits []byte) (*StatusListEvidence, error) {
	if len(c.Evidence) != 1 || c.Evidence[0] == nil || !slices.Contains(c.Evidence[0].Type, StatusProofEvidenceType) {
		return nil, errors.New("the document carries no chain state proof")
	}
	ev := c.Evidence[0]
	appHash, err := hex.DecodeString(ev.AppHash)
	if err != nil || len(appHash) == 0 {
		return nil, fmt.Errorf("evidence appHash %q", ev.AppHash)
	}
	issuer, _ := vc.AccountOfDID(c.Issuer)
	purpose := c.CredentialSubject.StatusPurpose
	verify := func(what string, pp PageProof, key, value []byte) error {
		data, err := base64.StdEncoding.DecodeString(pp.Proof)
		if err != nil {
			return fmt.Errorf("%s: proof is not base64", what)
		}
		if pp.Key != string(key) {
			return fmt.Errorf("%s: proof is for %q, want %q", what, pp.Key, key)
		}
		ops := &cmtcrypto.ProofOps{Ops: []cmtcrypto.ProofOp{{Type: proof.OpType, Key: key, Data: data}}}
		if err := proof.Verify(appHash, ops, key, value); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		return nil
	}
	params := DefaultParams()
	var pv []byte
	if ev.Params.Stored {
		if pv, err = base64.StdEncoding.DecodeString(ev.Params.Value); err != nil || json.Unmarshal(pv, &params) != nil {
			return nil, errors.New("evidence params value is not base64 JSON")
		}
	}
	if err := verify("params", ev.Params, ParamsKey(), pv); err != nil {
		return nil, err
	}
	if uint64(len(ev.Pages)) != StatusListPageCount(params.StatusListSize) {
		return nil, fmt.Errorf("%d page proofs, the chain's list has %d pages", len(ev.Pages), StatusListPageCount(params.StatusListSize))
	}
	if uint64(len(ev.Pages))*PageBytes > uint64(len(bits)) {
		return nil, fmt.Errorf("%d page proofs for a list of %d bytes", len(ev.Pages), len(bits))
	}
	for i, pp := range ev.Pages {
		page := bits[i*PageBytes : (i+1)*PageBytes]
		var value []byte
		if pp.Stored {
			value = page
		} else if !allZero(page) {
			return nil, fmt.Errorf("page %d is absent on chain but has set bits in the list", i)
		}
		if err := verify(fmt.Sprintf("page %d", i), pp, StatusPageKey(issuer, purpose, uint64(i)*PageBits), value); err != nil {
			return nil, err
		}
	}
	if !allZero(bits[len(ev.Pages)*PageBytes:]) {
		return nil, errors.New("bits set past the proven pages")
	}
	return ev, nil
}

func allZero(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return true
}

// PageSource reads a status list page at one state height: its value (nil
// if absent) and the ICS23 CommitmentProof of that answer, encoded.
type PageSource func(key []byte) (value, proof []byte, err error)

// StatusListFromChain builds the issuer's list document from the state
// read through src at height (state root appHash): the params, for the
// list length, and every page, each proof checked before use and carried
// in the evidence. Equal states give equal documents.
func StatusListFromChain(chainID, issuer, purpose string, height int64, appHash []byte, src PageSource) (*StatusListCredential, error) {
	if err := checkPurpose(purpose); err != nil {
		return nil, err
	}
	read := func(key []byte) ([]byte, PageProof, error) {
		v, p, err := src(key)
		if err != nil {
			return nil, PageProof{}, err
		}
		ops := &cmtcrypto.ProofOps{Ops: []cmtcrypto.ProofOp{{Type: proof.OpType, Key: key, Data: p}}}
		if err := proof.Verify(appHash, ops, key, v); err != nil {
			return nil, PageProof{}, err
		}
		return v, PageProof{Key: string(key), Stored: v != nil, Proof: base64.StdEncoding.EncodeToString(p)}, nil
	}
	ev := &StatusListEvidence{Type: []string{StatusProofEvidenceType}, ChainID: chainID, Height: height,
		AppHash: hex.EncodeToString(appHash)}
	pv, pp, err := read(ParamsKey())
	if err != nil {
		return nil, fmt.Errorf("params: %w", err)
	}
	params := DefaultParams()
	if pv != nil {
		if err := json.Unmarshal(pv, &params); err != nil {
			return nil, fmt.Errorf("params: %w", err)
		}
		pp.Value = base64.StdEncoding.EncodeToString(pv)
	}
	ev.Params = pp
	n := StatusListPageCount(params.StatusListSize)
	pages := make([][]byte, n)
	for i := range n {
		v, pp, err := read(StatusPageKey(issuer, purpose, i*PageBits))
		if err != nil {
			return nil, fmt.Errorf("page %d: %w", i, err)
		}
		if v != nil && len(v) != PageBytes {
			return nil, fmt.Errorf("page %d has %d bytes, want %d", i, len(v), PageBytes)
		}
		pages[i] = v
		ev.Pages = append(ev.Pages, pp)
	}
	return NewStatusListCredential(issuer, purpose, params.StatusListSize, pages, ev)
}

// SignedStatusList is the signed form of an issuer's list: a
// BitstringStatusListCredential (W3C Bitstring Status List v1.0 §2.2)
// secured with an eddsa-jcs-2022 Data Integrity proof by the issuer's
// current key, its id the portal URL every credential's
// statusListCredential names. The issuer signs it (its key is nowhere
// else); the chain checks it against the list and keeps it, so the
// portal serves exactly what the chain holds, provable at any height.
type SignedStatusList struct {
	Context           []string          `json:"@context"`
	ID                string            `json:"id"`
	Type              []string          `json:"type"`
	Issuer            string            `json:"issuer"`
	ValidFrom         string            `json:"validFrom,omitempty"`
	CredentialSubject StatusListSubject `json:"credentialSubject"`
	Proof             *vc.Proof         `json:"proof,omitempty"`
}

// UnsignedStatusList builds the document the issuer signs for its
// purpose list with bitstring bits, served at base (a public URL).
func UnsignedStatusList(base, issuer, purpose string, bits []byte, validFrom string) ([]byte, error) {
	if err := checkPurpose(purpose); err != nil {
		return nil, err
	}
	if err := vc.CheckBaseURL(base); err != nil {
		return nil, err
	}
	id := vc.StatusListURL(base, issuer, purpose)
	return json.Marshal(SignedStatusList{
		Context: []string{vc.ContextV2}, ID: id,
		Type:   []string{"VerifiableCredential", StatusListCredentialType},
		Issuer: vc.DID(issuer), ValidFrom: validFrom,
		CredentialSubject: StatusListSubject{ID: id + "#list", Type: StatusListSubjectType,
			StatusPurpose: purpose, EncodedList: EncodeStatusList(bits)},
	})
}

// SignedStatusListProof is the proof options the issuer's key number n
// signs a status list with.
func SignedStatusListProof(issuer string, n int, created string) vc.Proof {
	return vc.Proof{Created: created, VerificationMethod: vc.KeyRef(issuer, n), ProofPurpose: "assertionMethod"}
}

// CheckSignedStatusList checks a signed status list credential: its form,
// that it is issuer's purpose list at a public URL, signed by key number
// keyN (pub) of the issuer, and that its bitstring is exactly bits. It is
// deterministic (chain handlers call it).
func CheckSignedStatusList(raw []byte, issuer, purpose string, keyN int, pub []byte, bits []byte) error {
	sec, err := checkSignedListForm(raw, issuer, purpose, bits)
	if err != nil {
		return err
	}
	if sec.Proof.VerificationMethod != vc.KeyRef(issuer, keyN) {
		return fmt.Errorf("signed by %q, not the issuer's current key %s", sec.Proof.VerificationMethod, vc.KeyRef(issuer, keyN))
	}
	return sec.Verify(pub)
}

// checkSignedListForm is CheckSignedStatusList but for the key: the
// document's form, that it is issuer's purpose list at a public URL,
// signed (not checked) by a key of the issuer, with bitstring bits.
func checkSignedListForm(raw []byte, issuer, purpose string, bits []byte) (*vc.Secured, error) {
	sec, err := vc.ParseSecured(raw)
	if err != nil {
		return nil, err
	}
	var d SignedStatusList
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("not a status list credential: %v", err)
	}
	base, listIssuer, listPurpose, ok := vc.ParseStatusListURL(d.ID)
	s := d.CredentialSubject
	switch {
	case len(d.Context) != 1 || d.Context[0] != vc.ContextV2:
		return nil, fmt.Errorf(`@context must be ["%s"]`, vc.ContextV2)
	case len(d.Type) != 2 || d.Type[0] != "VerifiableCredential" || d.Type[1] != StatusListCredentialType:
		return nil, fmt.Errorf(`type must be ["VerifiableCredential", "%s"]`, StatusListCredentialType)
	case !ok || listIssuer != issuer || listPurpose != purpose:
		return nil, fmt.Errorf("id %q is not %s", d.ID, vc.StatusListURL("<public URL>", issuer, purpose))
	case d.ID != vc.StatusListURL(base, issuer, purpose):
		return nil, fmt.Errorf("id %q is not a status list URL", d.ID)
	case d.Issuer != vc.DID(issuer):
		return nil, fmt.Errorf("issuer %q, want %s", d.Issuer, vc.DID(issuer))
	case s.ID != d.ID+"#list" || s.Type != StatusListSubjectType || s.StatusPurpose != purpose:
		return nil, fmt.Errorf("credentialSubject must be {id: %s#list, type: %s, statusPurpose: %s}", d.ID, StatusListSubjectType, purpose)
	case !strings.HasPrefix(sec.Proof.VerificationMethod, vc.DID(issuer)+"#key-"):
		return nil, fmt.Errorf("signed by %q, not a key of the issuer", sec.Proof.VerificationMethod)
	case sec.Proof.ProofPurpose != "assertionMethod" || sec.Proof.Challenge != "" || sec.Proof.Domain != "":
		return nil, errors.New("proofPurpose must be assertionMethod, without challenge or domain")
	}
	if d.ValidFrom != "" {
		if _, err := time.Parse(time.RFC3339, d.ValidFrom); err != nil {
			return nil, fmt.Errorf("validFrom: %v", err)
		}
	}
	got, err := DecodeStatusList(s.EncodedList)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(got, bits) {
		if len(got) != len(bits) {
			return nil, fmt.Errorf("encodedList holds %d bits, the chain's list %d", len(got)*8, len(bits)*8)
		}
		for i := range got {
			if got[i] != bits[i] {
				return nil, fmt.Errorf("encodedList differs from the chain's list from entry %d on", i*8)
			}
		}
	}
	return sec, nil
}

// SignStatusList builds issuer's purpose list of bits, served at base,
// and signs it with key, the issuer's key number n.
func SignStatusList(base, issuer, purpose string, n int, bits []byte, created time.Time, key ed25519.PrivateKey) ([]byte, error) {
	stamp := created.UTC().Format(time.RFC3339)
	doc, err := UnsignedStatusList(base, issuer, purpose, bits, stamp)
	if err != nil {
		return nil, err
	}
	return vc.Sign(doc, SignedStatusListProof(issuer, n, stamp), key)
}

// PrepareStatusList is SignStatusList for a key held elsewhere: the
// pending document and the bytes the issuer's key number n must sign.
func PrepareStatusList(base, issuer, purpose string, n int, bits []byte, created time.Time) (*vc.PendingDocument, []byte, error) {
	stamp := created.UTC().Format(time.RFC3339)
	doc, err := UnsignedStatusList(base, issuer, purpose, bits, stamp)
	if err != nil {
		return nil, nil, err
	}
	return vc.PrepareDocument(doc, SignedStatusListProof(issuer, n, stamp))
}

// WithStatusBit returns a copy of bits with entry index set or cleared.
func WithStatusBit(bits []byte, index uint64, set bool) []byte {
	out := bytes.Clone(bits)
	if index/8 >= uint64(len(out)) {
		return out
	}
	if set {
		out[index/8] |= 0x80 >> (index % 8)
	} else {
		out[index/8] &^= 0x80 >> (index % 8)
	}
	return out
}
