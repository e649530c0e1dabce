package vc

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/publica/publica/crypto/zkpred"
)

// CommitmentDisclosure names a claim and carries the issuer's Pedersen
// commitment to its value, not the value: base64url of the JSON array
// [salt, name, commitment hex]. Its digest (DisclosureDigest) is listed in
// the credential's commitmentDigests.
type CommitmentDisclosure struct {
	Salt       string
	Name       string
	Commitment zkpred.Commitment
	Encoded    string
}

// Digest is the digest listed in the credential.
func (d *CommitmentDisclosure) Digest() string { return DisclosureDigest(d.Encoded) }

// NewCommitmentDisclosure salts a commitment with 128 random bits from r.
func NewCommitmentDisclosure(r io.Reader, name string, c zkpred.Commitment) (*CommitmentDisclosure, error) {
	if !ValidClaimName(name) {
		return nil, fmt.Errorf("claim name %q: lower-case letters, digits and _, at most 32", name)
	}
	salt := make([]byte, 16)
	if _, err := io.ReadFull(r, salt); err != nil {
		return nil, err
	}
	arr, err := json.Marshal([]string{base64.RawURLEncoding.EncodeToString(salt), name, c.String()})
	if err != nil {
		return nil, err
	}
	return ParseCommitmentDisclosure(base64.RawURLEncoding.EncodeToString(arr))
}

// ParseCommitmentDisclosure decodes a commitment disclosure strictly: the
// commitment must be 64 lower-case hex digits of a canonical point.
func ParseCommitmentDisclosure(enc string) (*CommitmentDisclosure, error) {
	if len(enc) > MaxDisclosureLen {
		return nil, fmt.Errorf("%w: commitment disclosure longer than %d", ErrMalformed, MaxDisclosureLen)
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(enc)
	if err != nil {
		return nil, fmt.Errorf("%w: commitment disclosure is not base64url: %v", ErrMalformed, err)
	}
	if err := checkStrictJSON(raw); err != nil {
		return nil, fmt.Errorf("%w: commitment disclosure: %v", ErrMalformed, err)
	}
	var arr []string
	if err := json.Unmarshal(raw, &arr); err != nil || len(arr) != 3 {
		return nil, fmt.Errorf("%w: commitment disclosure is not [salt, name, commitment]", ErrMalformed)
	}
	d := &CommitmentDisclosure{Salt: arr[0], Name: arr[1], Encoded: enc}
	if len(d.Salt) < 16 {
		return nil, fmt.Errorf("%w: commitment disclosure salt must be at least 16 characters", ErrMalformed)
	}
	if !ValidClaimName(d.Name) {
		return nil, fmt.Errorf("%w: commitment disclosure claim name invalid", ErrMalformed)
	}
	if d.Commitment, err = zkpred.ParseCommitmentHex(arr[2]); err != nil {
		return nil, fmt.Errorf("%w: claim %s: %v", ErrMalformed, d.Name, err)
	}
	return d, nil
}

// ClaimValue is what a commitment commits to for a claim's JSON value: an
// integer as itself, a string or boolean as the hash of its canonical JSON.
func ClaimValue(raw json.RawMessage) (zkpred.Value, error) {
	canon, err := Canonicalize(raw)
	if err != nil {
		return zkpred.Value{}, fmt.Errorf("%w: claim value: %v", ErrMalformed, err)
	}
	switch {
	case len(canon) > 0 && (canon[0] == '-' || canon[0] >= '0' && canon[0] <= '9'):
		n, err := strconv.ParseInt(string(canon), 10, 64)
		if err != nil {
			return zkpred.Value{}, fmt.Errorf("%w: claim value %s is not a 64-bit integer", ErrMalformed, canon)
		}
		return zkpred.Int(n), nil
	case canon[0] == '"' || string(canon) == "true" || string(canon) == "false":
		return zkpred.Hashed(canon), nil
	}
	return zkpred.Value{}, fmt.Errorf("%w: claim value must be a string, integer or boolean", ErrMalformed)
}

// claimTypeOf is the schema type a JSON value has ("date" hashes as a
// string does).
func claimTypeOf(raw json.RawMessage) string {
	switch {
	case len(raw) == 0:
		return ""
	case raw[0] == '"':
		return "string"
	case raw[0] == 't' || raw[0] == 'f':
		return "boolean"
	}
	return "integer"
}

// PredicateConstant is the value a term's constant text stands for when
// compared with a claim of schema type claimType ("integer", "boolean",
// "string" or "date"). Ordering is for integers only.
func PredicateConstant(claimType string, op zkpred.Op, text string) (zkpred.Value, error) {
	if op.IsOrdering() && claimType != "integer" {
		return zkpred.Value{}, fmt.Errorf("%s compares integers; the claim is a %s", op, claimType)
	}
	switch claimType {
	case "integer":
		n, err := strconv.ParseInt(text, 10, 64)
		if err != nil || strconv.FormatInt(n, 10) != text {
			return zkpred.Value{}, fmt.Errorf("%q is not an integer written canonically", text)
		}
		return zkpred.Int(n), nil
	case "boolean":
		if text != "true" && text != "false" {
			return zkpred.Value{}, fmt.Errorf("a boolean claim compares with true or false, not %q", text)
		}
		return zkpred.Hashed([]byte(text)), nil
	case "string", "date":
		b, err := json.Marshal(text)
		if err != nil {
			return zkpred.Value{}, err
		}
		canon, err := Canonicalize(b)
		if err != nil {
			return zkpred.Value{}, err
		}
		return zkpred.Hashed(canon), nil
	}
	return zkpred.Value{}, fmt.Errorf("unknown claim type %q", claimType)
}

// HeldCommitment is the holder's side of one claim's commitment: the
// commitment disclosure, the claim's value and the blinding r (hex), which
// together open the commitment. Private to the holder.
type HeldCommitment struct {
	Disclosure string          `json:"disclosure"`
	Value      json.RawMessage `json:"value"`
	Blinding   string          `json:"blinding"`
}

// Opening checks that the value and blinding open the disclosed commitment.
func (h *HeldCommitment) Opening() (*CommitmentDisclosure, zkpred.Opening, error) {
	d, err := ParseCommitmentDisclosure(h.Disclosure)
	if err != nil {
		return nil, zkpred.Opening{}, err
	}
	v, err := ClaimValue(h.Value)
	if err != nil {
		return nil, zkpred.Opening{}, err
	}
	r, err := hex.DecodeString(h.Blinding)
	if err != nil {
		return nil, zkpred.Opening{}, fmt.Errorf("claim %s: blinding is not hex", d.Name)
	}
	o, err := zkpred.NewOpening(v, r)
	if err != nil {
		return nil, zkpred.Opening{}, fmt.Errorf("claim %s: %w", d.Name, err)
	}
	if !o.Commitment().Equal(d.Commitment) {
		return nil, zkpred.Opening{}, fmt.Errorf("claim %s: value and blinding do not open the commitment", d.Name)
	}
	return d, o, nil
}

// Term is one comparison "claim OP value" of a predicate.
type Term struct {
	Claim string
	Op    zkpred.Op
	Value string
}

func (t Term) String() string { return t.Claim + string(t.Op) + t.Value }

// termOps in the order a term is scanned (two-character operators first).
var termOps = []zkpred.Op{zkpred.Ge, zkpred.Le, zkpred.Ne, zkpred.Eq, zkpred.Gt, zkpred.Lt}

// ParseTerm parses "district=7" or "age_band>=18": a claim name, an
// operator (= != >= <= > <) and a constant without spaces, commas or
// operator characters; ordering constants are integers.
func ParseTerm(s string) (Term, error) {
	var t Term
	for _, op := range termOps {
		if i := strings.Index(s, string(op)); i > 0 {
			t = Term{Claim: s[:i], Op: op, Value: s[i+len(op):]}
			break
		}
	}
	if t.Op == "" || !ValidClaimName(t.Claim) || t.Value == "" || len(t.Value) > 128 || strings.ContainsAny(t.Value, "=<>!, ") {
		return Term{}, fmt.Errorf("term %q is not CLAIM OP VALUE (OP one of = != >= <= > <)", s)
	}
	if t.Op.IsOrdering() {
		if _, err := strconv.ParseInt(t.Value, 10, 64); err != nil {
			return Term{}, fmt.Errorf("term %q: %s needs an integer", s, t.Op)
		}
	}
	return t, nil
}

// PredicateProof is one entry of a presentation's predicateProofs: the
// term, the commitment disclosure of its claim (name and commitment, no
// value) and the zkpred proof, base64url without padding.
type PredicateProof struct {
	Term       string `json:"term"`
	Commitment string `json:"commitment"`
	Proof      string `json:"proof"`
}

// MaxPredicateProofs bounds the proofs of one presentation.
const MaxPredicateProofs = 16

// proofContextTag separates predicate-proof contexts from anything else.
const proofContextTag = "publica/vc/predicate-proof/v1"

// ProofContext is the context a predicate proof is bound to: the
// presentation's challenge and domain, the holder's DID, the credential's
// digest and the term. A proof made for one verifier, holder, credential
// or term verifies for no other.
func ProofContext(challenge, domain, holderDID string, credentialDigest [32]byte, term string) []byte {
	out := []byte(proofContextTag)
	for _, s := range []string{challenge, domain, holderDID, hex.EncodeToString(credentialDigest[:]), term} {
		out = append(out, byte(len(s)>>24), byte(len(s)>>16), byte(len(s)>>8), byte(len(s)))
		out = append(out, s...)
	}
	return out
}

// ParsedProof is a structurally checked predicate proof whose commitment
// belongs to the credential. Its proof is not verified yet.
type ParsedProof struct {
	Term       Term
	Commitment zkpred.Commitment
	Proof      *zkpred.Proof
	context    []byte
}

// Verify checks the proof, the claim having schema type claimType.
func (p *ParsedProof) Verify(claimType string) error {
	k, err := PredicateConstant(claimType, p.Term.Op, p.Term.Value)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrBadTerm, p.Term, err)
	}
	if err := zkpred.Verify(p.Term.Op, k, p.Commitment, p.context, p.Proof); err != nil {
		return fmt.Errorf("%w: %s", ErrPredicateProof, p.Term)
	}
	return nil
}

// Errors of predicate proofs.
var (
	ErrBadTerm        = fmt.Errorf("predicate term not applicable to the claim")
	ErrPredicateProof = fmt.Errorf("predicate proof does not verify")
)

func parsePredicateProofs(pp *ParsedPresentation) error {
	ps := pp.Presentation.PredicateProofs
	if len(ps) > MaxPredicateProofs {
		return fmt.Errorf("%w: more than %d predicate proofs", ErrMalformed, MaxPredicateProofs)
	}
	digests := pp.Credential.Credential.CredentialSubject.CommitmentDigests
	seen := map[string]bool{}
	for i, e := range ps {
		t, err := ParseTerm(e.Term)
		if err != nil {
			return fmt.Errorf("%w: predicateProofs[%d]: %v", ErrMalformed, i, err)
		}
		if t.String() != e.Term || seen[e.Term] {
			return fmt.Errorf("%w: predicateProofs[%d]: term %q repeated or not canonical", ErrMalformed, i, e.Term)
		}
		seen[e.Term] = true
		d, err := ParseCommitmentDisclosure(e.Commitment)
		if err != nil {
			return err
		}
		if d.Name != t.Claim {
			return fmt.Errorf("%w: predicateProofs[%d]: commitment of %s for a term on %s", ErrMalformed, i, d.Name, t.Claim)
		}
		if _, found := slices.BinarySearch(digests, d.Digest()); !found {
			return fmt.Errorf("%w: commitment of claim %s", ErrUnknownDisclosure, d.Name)
		}
		raw, err := base64.RawURLEncoding.Strict().DecodeString(e.Proof)
		if err != nil {
			return fmt.Errorf("%w: predicateProofs[%d]: proof is not base64url", ErrMalformed, i)
		}
		proof, err := zkpred.ParseProof(raw)
		if err != nil {
			return fmt.Errorf("%w: predicateProofs[%d]: %v", ErrMalformed, i, err)
		}
		if proof.Op() != t.Op {
			return fmt.Errorf("%w: predicateProofs[%d]: a %s proof for a %s term", ErrMalformed, i, proof.Op(), t.Op)
		}
		pp.Proofs = append(pp.Proofs, ParsedProof{Term: t, Commitment: d.Commitment, Proof: proof,
			context: ProofContext(pp.Secured.Proof.Challenge, pp.Secured.Proof.Domain, pp.Presentation.Holder,
				pp.Credential.Secured.DocHash, e.Term)})
	}
	return nil
}

// proveTerms builds the predicate proofs of p.Prove from p.Openings.
func proveTerms(p PresentationParams, credDigest [32]byte, rnd io.Reader) ([]PredicateProof, error) {
	var out []PredicateProof
	for _, s := range p.Prove {
		t, err := ParseTerm(s)
		if err != nil {
			return nil, err
		}
		if t.String() != s {
			return nil, fmt.Errorf("term %q must be written %q", s, t.String())
		}
		var held *HeldCommitment
		for i := range p.Openings {
			if d, err := ParseCommitmentDisclosure(p.Openings[i].Disclosure); err == nil && d.Name == t.Claim {
				held = &p.Openings[i]
				break
			}
		}
		if held == nil {
			return nil, fmt.Errorf("the credential has no commitment to claim %q", t.Claim)
		}
		d, o, err := held.Opening()
		if err != nil {
			return nil, err
		}
		k, err := PredicateConstant(claimTypeOf(held.Value), t.Op, t.Value)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", s, err)
		}
		proof, err := zkpred.Prove(t.Op, k, o, ProofContext(p.Challenge, p.Domain, DID(p.Holder), credDigest, s), rnd)
		if err != nil {
			return nil, fmt.Errorf("cannot prove %s: %w", s, err)
		}
		out = append(out, PredicateProof{Term: s, Commitment: d.Encoded,
			Proof: base64.RawURLEncoding.EncodeToString(proof.Bytes())})
	}
	return out, nil
}
