package tx

import (
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"

	voi "github.com/oasisprotocol/curve25519-voi/primitives/ed25519"
)

// Signatures are verified under ZIP-215 rules (the cofactored equation,
// non-canonical point encodings accepted), the rules under which one
// signature checked alone and the same signature checked in a batch always
// agree, so a node may batch or not without changing any outcome. Every
// honestly made Ed25519 signature passes; RFC 8032's strict rules (Go's
// crypto/ed25519) differ only on adversarial edge cases.
var zip215 = &voi.Options{Verify: voi.VerifyOptionsZIP_215}

// VerifySignature reports whether sig is pub's signature of msg under the
// chain's rules.
func VerifySignature(pub ed25519.PublicKey, msg, sig []byte) bool {
	if len(pub) != ed25519.PublicKeySize || len(sig) != ed25519.SignatureSize {
		return false
	}
	return voi.VerifyWithOptions(voi.PublicKey(pub), msg, sig, zip215)
}

// VerifySignatures checks every signature; it returns the index of the first
// bad one.
func (t *Tx) VerifySignatures() error {
	if len(t.Signatures) == 0 {
		return errors.New("no signatures")
	}
	msg := t.SignBytes(t.Primary())
	for i, s := range t.Signatures {
		if !VerifySignature(s.PubKey, msg, s.Sig) {
			return badSignature(i, s)
		}
	}
	return nil
}

func badSignature(i int, s Signature) error {
	return fmt.Errorf("signature %d (key %s) does not verify", i, hex.EncodeToString(s.PubKey))
}

// VerifyBatch checks the signatures of many transactions at once (about
// twice as fast as one by one) and returns, per transaction, what
// VerifySignatures would. A nil transaction is skipped (nil error).
func VerifyBatch(txs []*Tx) []error {
	out := make([]error, len(txs))
	bv := voi.NewBatchVerifier()
	entries := 0
	for i, t := range txs {
		if t == nil {
			continue
		}
		if len(t.Signatures) == 0 {
			out[i] = errors.New("no signatures")
			continue
		}
		msg := t.SignBytes(t.Primary())
		for _, s := range t.Signatures {
			if len(s.PubKey) != ed25519.PublicKeySize || len(s.Sig) != ed25519.SignatureSize {
				out[i] = t.VerifySignatures() // reports the malformed one
				break
			}
		}
		if out[i] != nil {
			continue
		}
		for _, s := range t.Signatures {
			bv.AddWithOptions(voi.PublicKey(s.PubKey), msg, s.Sig, zip215)
			entries++
		}
	}
	if entries == 0 {
		return out
	}
	allValid, valid := bv.Verify(nil)
	if allValid {
		return out
	}
	// Report the first bad signature of each transaction, as
	// VerifySignatures does.
	e := 0
	for i, t := range txs {
		if t == nil || out[i] != nil {
			continue
		}
		for j, s := range t.Signatures {
			if !valid[e+j] && out[i] == nil {
				out[i] = badSignature(j, s)
			}
		}
		e += len(t.Signatures)
	}
	return out
}
