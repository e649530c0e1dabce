package vc

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
)

// Data Integrity proof constants (W3C "Data Integrity EdDSA Cryptosuites
// v1.0", section 3.3: eddsa-jcs-2022).
const (
	ProofType   = "DataIntegrityProof"
	Cryptosuite = "eddsa-jcs-2022"
)

// Proof is a DataIntegrityProof. Context is copied from the secured
// document, as the cryptosuite requires.
type Proof struct {
	Type               string          `json:"type"`
	Cryptosuite        string          `json:"cryptosuite"`
	Created            string          `json:"created,omitempty"`
	VerificationMethod string          `json:"verificationMethod"`
	ProofPurpose       string          `json:"proofPurpose"`
	Challenge          string          `json:"challenge,omitempty"`
	Domain             string          `json:"domain,omitempty"`
	Context            json.RawMessage `json:"@context,omitempty"`
	ProofValue         string          `json:"proofValue,omitempty"`
}

// Errors of proof handling. Callers map them to stable codes.
var (
	ErrMalformed    = errors.New("malformed document")
	ErrBadSignature = errors.New("proof signature does not verify")
)

func objectOf(doc []byte) (map[string]json.RawMessage, error) {
	if len(doc) > MaxDocumentBytes {
		return nil, fmt.Errorf("%w: document of %d bytes exceeds %d", ErrMalformed, len(doc), MaxDocumentBytes)
	}
	if err := checkStrictJSON(doc); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(doc, &m); err != nil || m == nil {
		return nil, fmt.Errorf("%w: not a JSON object", ErrMalformed)
	}
	return m, nil
}

func canonical(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return Canonicalize(b)
}

// hashData is SHA-256(canonical proof config) || SHA-256(canonical document).
func hashData(proofConfig, doc any) (hash []byte, docHash [32]byte, err error) {
	pc, err := canonical(proofConfig)
	if err != nil {
		return nil, docHash, fmt.Errorf("%w: proof configuration: %v", ErrMalformed, err)
	}
	dc, err := canonical(doc)
	if err != nil {
		return nil, docHash, fmt.Errorf("%w: document: %v", ErrMalformed, err)
	}
	ph := sha256.Sum256(pc)
	docHash = sha256.Sum256(dc)
	return append(ph[:], docHash[:]...), docHash, nil
}

// Sign secures the JSON object doc with an eddsa-jcs-2022 proof made from
// opts (type and cryptosuite are filled in; @context is taken from doc) and
// returns the secured document.
func Sign(doc []byte, opts Proof, key ed25519.PrivateKey) ([]byte, error) {
	u, err := prepareSign(doc, opts)
	if err != nil {
		return nil, err
	}
	return u.finish(ed25519.Sign(key, u.signBytes))
}

// unsignedDoc is a document whose proof lacks only its signature over
// signBytes (SHA-256 of the canonical proof configuration followed by
// SHA-256 of the canonical document), which a key held elsewhere may make.
type unsignedDoc struct {
	members   map[string]json.RawMessage
	proof     Proof
	signBytes []byte
}

func prepareSign(doc []byte, opts Proof) (*unsignedDoc, error) {
	m, err := objectOf(doc)
	if err != nil {
		return nil, err
	}
	if _, has := m["proof"]; has {
		return nil, fmt.Errorf("%w: document already has a proof", ErrMalformed)
	}
	opts.Type, opts.Cryptosuite, opts.ProofValue = ProofType, Cryptosuite, ""
	opts.Context = nil
	if ctx, ok := m["@context"]; ok {
		opts.Context = ctx
	}
	hash, _, err := hashData(opts, m)
	if err != nil {
		return nil, err
	}
	return &unsignedDoc{members: m, proof: opts, signBytes: hash}, nil
}

// finish attaches the Ed25519 signature of signBytes. It does not check the
// signature: callers that got it from elsewhere verify the result.
func (u *unsignedDoc) finish(sig []byte) ([]byte, error) {
	if len(sig) != ed25519.SignatureSize {
		return nil, fmt.Errorf("%w: a signature is %d bytes, got %d", ErrMalformed, ed25519.SignatureSize, len(sig))
	}
	opts := u.proof
	opts.ProofValue = "z" + Base58Encode(sig)
	pb, err := json.Marshal(opts)
	if err != nil {
		return nil, err
	}
	m := make(map[string]json.RawMessage, len(u.members)+1)
	for k, v := range u.members {
		m[k] = v
	}
	m["proof"] = pb
	return json.Marshal(m)
}

// Secured is a parsed secured document: its proof, the proof's signature
// and the hash data the signature covers.
type Secured struct {
	Proof Proof
	// DocHash is SHA-256 of the canonical document without its proof: the
	// credential's digest, anchored on chain at issuance.
	DocHash   [32]byte
	hash      []byte
	signature []byte
}

// ParseSecured reads the single eddsa-jcs-2022 proof of doc and computes
// what its signature must cover. It does not check the signature.
func ParseSecured(doc []byte) (*Secured, error) {
	m, err := objectOf(doc)
	if err != nil {
		return nil, err
	}
	sec, _, err := securedOf(m, nil)
	return sec, err
}

// securedOf is ParseSecured of a strictly checked document's members m.
// Each member value is canonicalized once (pre may hold some already
// canonical: a nested credential); the returned object serializes the
// whole document canonically, proof included, for embedding in another.
func securedOf(m map[string]json.RawMessage, pre map[string][]byte) (*Secured, *canonObject, error) {
	rawProof, ok := m["proof"]
	if !ok {
		return nil, nil, fmt.Errorf("%w: no proof", ErrMalformed)
	}
	var pm map[string]json.RawMessage
	if err := json.Unmarshal(rawProof, &pm); err != nil || pm == nil {
		return nil, nil, fmt.Errorf("%w: proof is not a single JSON object (proof sets are not supported)", ErrMalformed)
	}
	var p Proof
	dec := json.NewDecoder(bytes.NewReader(rawProof))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, nil, fmt.Errorf("%w: proof: %v", ErrMalformed, err)
	}
	if p.Type != ProofType || p.Cryptosuite != Cryptosuite {
		return nil, nil, fmt.Errorf("%w: proof is %s/%s, want %s/%s", ErrMalformed, p.Type, p.Cryptosuite, ProofType, Cryptosuite)
	}
	if len(p.ProofValue) < 2 || p.ProofValue[0] != 'z' {
		return nil, nil, fmt.Errorf("%w: proofValue is not base58btc multibase", ErrMalformed)
	}
	sig, err := Base58Decode(p.ProofValue[1:])
	if err != nil || len(sig) != ed25519.SignatureSize {
		return nil, nil, fmt.Errorf("%w: proofValue is not a 64-byte signature", ErrMalformed)
	}
	if p.Context != nil {
		if err := contextPrefix(p.Context, m["@context"]); err != nil {
			return nil, nil, err
		}
	}
	po, err := newCanonObject(pm, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: proof configuration: %v", ErrMalformed, err)
	}
	if pre == nil {
		pre = map[string][]byte{}
	}
	pre["proof"] = po.bytes()
	do, err := newCanonObject(m, pre)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: document: %v", ErrMalformed, err)
	}
	ph := sha256.Sum256(po.bytes("proofValue"))
	docHash := sha256.Sum256(do.bytes("proof"))
	return &Secured{Proof: p, DocHash: docHash, hash: append(ph[:], docHash[:]...), signature: sig}, do, nil
}

// Verify checks the signature with pub.
func (s *Secured) Verify(pub ed25519.PublicKey) error {
	if len(pub) != ed25519.PublicKeySize || !ed25519.Verify(pub, s.hash, s.signature) {
		return ErrBadSignature
	}
	return nil
}

// contextPrefix checks that the document's @context starts with every
// value of the proof's @context, in order.
func contextPrefix(proofCtx, docCtx json.RawMessage) error {
	var pc, dc []json.RawMessage
	if json.Unmarshal(proofCtx, &pc) != nil {
		pc = []json.RawMessage{proofCtx}
	}
	if docCtx == nil || json.Unmarshal(docCtx, &dc) != nil {
		dc = []json.RawMessage{docCtx}
	}
	if len(pc) > len(dc) {
		return fmt.Errorf("%w: proof @context is not a prefix of the document's", ErrMalformed)
	}
	for i := range pc {
		a, err1 := Canonicalize(pc[i])
		b, err2 := Canonicalize(dc[i])
		if err1 != nil || err2 != nil || !bytes.Equal(a, b) {
			return fmt.Errorf("%w: proof @context is not a prefix of the document's", ErrMalformed)
		}
	}
	return nil
}

// PendingDocument is a document whose eddsa-jcs-2022 proof waits for a
// signature made elsewhere (a browser's key).
type PendingDocument struct{ u *unsignedDoc }

// PrepareDocument is Sign in two steps: it returns the bytes the key must
// sign (SHA-256 of the canonical proof options ‖ SHA-256 of the canonical
// document), and Finish attaches the signature.
func PrepareDocument(doc []byte, opts Proof) (*PendingDocument, []byte, error) {
	u, err := prepareSign(doc, opts)
	if err != nil {
		return nil, nil, err
	}
	return &PendingDocument{u: u}, append([]byte(nil), u.signBytes...), nil
}

// Finish attaches the signature (not checked) and returns the secured
// document.
func (p *PendingDocument) Finish(signature []byte) ([]byte, error) { return p.u.finish(signature) }

// Reprepare reads a document secured with a placeholder (or any) signature,
// such as a presentation a browser built, and returns it pending again:
// the bytes its proof's key must sign, and Finish to put the signature in
// the proof's place. Nothing but the signature changes.
func Reprepare(doc []byte) (*PendingDocument, []byte, error) {
	m, err := objectOf(doc)
	if err != nil {
		return nil, nil, err
	}
	rawProof, ok := m["proof"]
	if !ok {
		return nil, nil, fmt.Errorf("%w: no proof", ErrMalformed)
	}
	var p Proof
	dec := json.NewDecoder(bytes.NewReader(rawProof))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, nil, fmt.Errorf("%w: proof: %v", ErrMalformed, err)
	}
	if p.Type != ProofType || p.Cryptosuite != Cryptosuite {
		return nil, nil, fmt.Errorf("%w: proof is %s/%s, want %s/%s", ErrMalformed, p.Type, p.Cryptosuite, ProofType, Cryptosuite)
	}
	delete(m, "proof")
	rest, err := json.Marshal(m)
	if err != nil {
		return nil, nil, err
	}
	return PrepareDocument(rest, p)
}
