package identity

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/publica/publica/proof"
	"github.com/publica/publica/store"
	"github.com/publica/publica/x/authority"
	"github.com/publica/publica/x/identity/vc"
)

// Reader reads raw state keys; the verifier reads nothing else. KVReader
// reads a store directly (handlers, tests); the CLI reads through a node
// with a Merkle proof per key, all at one height.
type Reader interface {
	Get(key []byte) ([]byte, error)
}

// KVReader reads a store.KV.
type KVReader struct{ KV store.KV }

func (r KVReader) Get(key []byte) ([]byte, error) { return r.KV.Get(key), nil }

// VerifyOptions are the verifier's expectations.
type VerifyOptions struct {
	Challenge string    // required: the verifier's fresh challenge
	Domain    string    // checked if not empty
	Now       time.Time // for validFrom / validUntil
	// RequiredClaims must all be disclosed (the predicate's claims are
	// required too).
	RequiredClaims []string
	Predicate      Predicate
	// ProofsOnly (on chain): no value disclosures at all, and every
	// predicate term proven in zero knowledge, with no other proofs.
	ProofsOnly bool

	// prepared, if its claim types are the proofs' types, vouches that
	// the proofs verified (Prepare did it); otherwise they are verified.
	prepared *preparedProofs
}

// Verified is the outcome of a successful verification.
type Verified struct {
	Holder      string                     `json:"holder"`
	Issuer      string                     `json:"issuer"`
	SchemaID    string                     `json:"schema_id"`
	Version     uint32                     `json:"version"`
	StatusIndex uint64                     `json:"status_index"`
	Digest      string                     `json:"digest"`
	IssueHeight int64                      `json:"issue_height"`
	ValidUntil  time.Time                  `json:"valid_until,omitzero"` // absent when the credential never expires
	Claims      map[string]json.RawMessage `json:"claims"`
	// Proven lists the terms proven without disclosure ("district=7").
	Proven []string `json:"proven,omitempty"`
}

// readerKV lets the keepers' reads run over a Reader, which may prove every
// key it reads (ProvenViewReader, the CLI's and portal's node readers): so
// identity's keeper reads identity's keys and authority's keeper reads
// accounts, even off chain, and every read is proven as before. Reads only;
// the first error of the Reader sticks (later reads return nothing) and is
// reported by failed.
type readerKV struct {
	r   Reader
	err error
}

func (s *readerKV) Get(key []byte) []byte {
	if s.err != nil {
		return nil
	}
	v, err := s.r.Get(key)
	if err != nil {
		s.err = err
		return nil
	}
	return v
}
func (s *readerKV) Has(key []byte) bool { return s.Get(key) != nil }
func (s *readerKV) Set(key, value []byte) {
	panic(&store.Failure{Err: fmt.Errorf("write through a verifier reader")})
}
func (s *readerKV) Delete(key []byte) {
	panic(&store.Failure{Err: fmt.Errorf("write through a verifier reader")})
}
func (s *readerKV) Iterate(start, end []byte, reverse bool, fn func(key, value []byte) bool) {
	panic(&store.Failure{Err: fmt.Errorf("iteration through a verifier reader")})
}

// failed is the Reader's first error, else err.
func (s *readerKV) failed(err error) error {
	if s.err != nil {
		return s.err
	}
	return err
}

func keyBytes(k *KeyEntry) []byte {
	b, _ := hex.DecodeString(k.PubKey)
	return b
}

// VerifyPresentation checks, in this order: structure; the issuer's
// signature with the issuer DID key it names; the on-chain anchor of the
// credential; that the key was in force and the issuer accredited for the
// schema at the anchor height; validity period; holder binding (presenter
// is the subject, signs with its current key); challenge and domain;
// revocation and suspension bits; disclosures and the predicate. Each
// failure has its own error code.
func VerifyPresentation(r Reader, raw []byte, o VerifyOptions) (*Verified, error) {
	return offChain.VerifyPresentation(r, raw, o)
}

// offChain is the keeper of verifiers outside the chain (CLI, portal,
// bench): authority's keeper holds no state, so it needs no wiring.
var offChain = Keeper{auth: authority.Keeper{}}

// VerifyPresentation is the package's VerifyPresentation with accounts read
// through k's authority keeper (on chain, the module's).
func (k Keeper) VerifyPresentation(r Reader, raw []byte, o VerifyOptions) (*Verified, error) {
	kv := &readerKV{r: r}
	pp, err := vc.ParsePresentation(raw)
	switch {
	case errors.Is(err, vc.ErrWrongIssuer):
		return nil, ErrWrongIssuer.Wrap(err)
	case errors.Is(err, vc.ErrUnknownDisclosure):
		return nil, ErrBadDisclosure.Wrap(err)
	case err != nil:
		return nil, ErrMalformedCredential.Wrap(err)
	}
	c := pp.Credential
	if o.ProofsOnly && len(pp.Presentation.Disclosures) > 0 {
		return nil, ErrValueDisclosed.Wrapf("the presentation discloses %d claim value(s); present with predicate proofs only", len(pp.Presentation.Disclosures))
	}

	// Issuer signature.
	issuerDID, err := k.DID(kv, c.Issuer)
	if err = kv.failed(err); err != nil {
		return nil, err
	}
	if issuerDID == nil {
		return nil, ErrNotAccredited.Wrapf("issuer %s has no account", c.Issuer)
	}
	ik := issuerDID.Key(c.IssuerKey)
	if ik == nil {
		return nil, ErrUnknownKey.Wrapf("%s", c.Secured.Proof.VerificationMethod)
	}
	if err := c.Secured.Verify(keyBytes(ik)); err != nil {
		return nil, ErrIssuerSignature.Wrapf("key %s", c.Secured.Proof.VerificationMethod)
	}

	// Anchor and accreditation at issue height.
	digest := hex.EncodeToString(c.Secured.DocHash[:])
	issuer, err := k.Issuer(kv, c.Issuer)
	if err = kv.failed(err); err != nil {
		return nil, err
	}
	anchor, err := k.Anchor(kv, digest)
	if err = kv.failed(err); err != nil {
		return nil, err
	}
	if anchor == nil {
		if issuer == nil || !issuer.everAccredited(c.SchemaID) {
			return nil, ErrNotAccredited.Wrapf("%s for %s", c.Issuer, c.SchemaID)
		}
		return nil, ErrNotAnchored.Wrapf("digest %s", digest)
	}
	if anchor.Issuer != c.Issuer {
		return nil, ErrWrongIssuer.Wrapf("anchored by %s", anchor.Issuer)
	}
	if anchor.SchemaID != c.SchemaID || anchor.Version != c.Version || anchor.StatusIndex != c.StatusIndex {
		return nil, ErrAnchorMismatch.Wrapf("anchor %s", digest)
	}
	if !ik.ValidAt(anchor.Height) {
		return nil, ErrIssuerKeyNotValid.Wrapf("key-%d valid %d..%d, issued at %d", ik.N, ik.From, ik.Until, anchor.Height)
	}
	if issuer == nil || !issuer.AccreditedAt(c.SchemaID, anchor.Height) {
		return nil, ErrNotAccredited.Wrapf("%s for %s at height %d", c.Issuer, c.SchemaID, anchor.Height)
	}

	// Validity period.
	if o.Now.Before(c.ValidFrom) {
		return nil, ErrNotYetValid.Wrapf("valid from %s", c.ValidFrom.Format(time.RFC3339))
	}
	if !c.ValidUntil.IsZero() && !o.Now.Before(c.ValidUntil) {
		return nil, ErrExpired.Wrapf("valid until %s", c.ValidUntil.Format(time.RFC3339))
	}

	// Holder binding.
	if pp.Holder != c.Holder {
		return nil, ErrWrongHolder.Wrapf("presented by %s, issued to %s", vc.DID(pp.Holder), vc.DID(c.Holder))
	}
	holderDID, err := k.DID(kv, c.Holder)
	if err = kv.failed(err); err != nil {
		return nil, err
	}
	if holderDID == nil {
		return nil, ErrWrongHolder.Wrapf("holder %s has no account", c.Holder)
	}
	if holderDID.Deactivated {
		return nil, ErrDIDDeactivated.Wrapf("holder %s", c.Holder)
	}
	cur := holderDID.Current()
	if cur.N != pp.HolderKey {
		return nil, ErrHolderKey.Wrapf("signed with key-%d, current is key-%d", pp.HolderKey, cur.N)
	}
	if err := pp.Secured.Verify(keyBytes(cur)); err != nil {
		return nil, ErrHolderSignature.Wrapf("key-%d of %s", cur.N, vc.DID(c.Holder))
	}
	if o.Challenge == "" || pp.Secured.Proof.Challenge != o.Challenge {
		return nil, ErrChallenge.Wrapf("presentation has %q", pp.Secured.Proof.Challenge)
	}
	if o.Domain != "" && pp.Secured.Proof.Domain != o.Domain {
		return nil, ErrDomain.Wrapf("presentation has %q, want %q", pp.Secured.Proof.Domain, o.Domain)
	}

	// Status.
	for _, purpose := range []string{PurposeRevocation, PurposeSuspension} {
		set := k.StatusBitSet(kv, c.Issuer, purpose, c.StatusIndex)
		if err := kv.failed(nil); err != nil {
			return nil, err
		}
		if set {
			if purpose == PurposeRevocation {
				return nil, ErrRevoked.Wrapf("index %d of %s", c.StatusIndex, c.Issuer)
			}
			return nil, ErrSuspended.Wrapf("index %d of %s", c.StatusIndex, c.Issuer)
		}
	}

	// Disclosures.
	schema, err := k.Schema(kv, c.SchemaID, c.Version)
	if err = kv.failed(err); err != nil {
		return nil, err
	}
	if schema == nil {
		return nil, ErrUnknownSchema.Wrapf("%s version %d", c.SchemaID, c.Version)
	}
	for name := range pp.Disclosed {
		if _, ok := schema.Claim(name); !ok {
			return nil, ErrBadDisclosure.Wrapf("claim %s is not in schema %s", name, c.SchemaID)
		}
	}
	proven, err := verifyPredicateProofs(pp, schema, o)
	if err != nil {
		return nil, err
	}
	for _, name := range o.RequiredClaims {
		if _, ok := pp.Disclosed[name]; !ok {
			return nil, ErrMissingClaim.Wrapf("%s", name)
		}
	}
	for _, term := range o.Predicate {
		if slices.Contains(proven, term.String()) {
			continue
		}
		if o.ProofsOnly {
			return nil, ErrMissingProof.Wrapf("%s", term)
		}
		if _, ok := pp.Disclosed[term.Claim]; !ok {
			return nil, ErrMissingClaim.Wrapf("%s (needed by %s)", term.Claim, term)
		}
		if err := (Predicate{term}).Eval(pp.Disclosed); err != nil {
			return nil, err
		}
	}
	return &Verified{Holder: c.Holder, Issuer: c.Issuer, SchemaID: c.SchemaID, Version: c.Version,
		StatusIndex: c.StatusIndex, Digest: digest, IssueHeight: anchor.Height, ValidUntil: c.ValidUntil,
		Claims: pp.Disclosed, Proven: proven}, nil
}

// verifyPredicateProofs checks every predicate proof of pp against the
// type its claim has in the schema, in presentation order, and returns the
// terms proven. With ProofsOnly, a proof of a term outside the predicate is
// refused: the chain records no more than it asked for.
func verifyPredicateProofs(pp *vc.ParsedPresentation, schema *Schema, o VerifyOptions) ([]string, error) {
	// Cheap checks of every proof first, then the costly verifications.
	types, err := proofClaimTypes(pp, schema)
	if err != nil {
		return nil, err
	}
	for i := range pp.Proofs {
		p := &pp.Proofs[i]
		if o.ProofsOnly && !slices.ContainsFunc(o.Predicate, func(c Comparison) bool { return c.String() == p.Term.String() }) {
			return nil, ErrPredicateProof.Wrapf("%s is not a term of the predicate %s", p.Term, o.Predicate)
		}
	}
	var proven []string
	if o.prepared != nil && slices.Equal(o.prepared.types, types) {
		for i := range pp.Proofs {
			proven = append(proven, pp.Proofs[i].Term.String())
		}
		return proven, nil
	}
	for i := range pp.Proofs {
		p := &pp.Proofs[i]
		switch err := p.Verify(types[i]); {
		case errors.Is(err, vc.ErrBadTerm):
			return nil, ErrBadPredicate.Wrap(err)
		case err != nil:
			return nil, ErrPredicateProof.Wrapf("%s", p.Term)
		}
		proven = append(proven, p.Term.String())
	}
	return proven, nil
}

// proofClaimTypes is the schema type of each proof's claim.
func proofClaimTypes(pp *vc.ParsedPresentation, schema *Schema) ([]string, error) {
	types := make([]string, len(pp.Proofs))
	for i := range pp.Proofs {
		def, ok := schema.Claim(pp.Proofs[i].Term.Claim)
		if !ok {
			return nil, ErrBadDisclosure.Wrapf("claim %s is not in schema %s", pp.Proofs[i].Term.Claim, schema.ID)
		}
		types[i] = def.Type
	}
	return types, nil
}

// ProvenViewReader reads a committed state view and checks an ICS23 proof
// (membership, or absence) of every key it reads against the view's root
// hash, the app hash a light client takes from the next header.
type ProvenViewReader struct{ View *store.View }

func (r ProvenViewReader) Get(key []byte) ([]byte, error) {
	v := r.View.Get(key)
	p, err := r.View.Proof(key)
	if err != nil {
		return nil, err
	}
	if err := proof.VerifyCommitment(r.View.Hash(), p, key, v); err != nil {
		return nil, fmt.Errorf("proof of %s: %w", key, err)
	}
	return v, nil
}
