// Package vc is the off-chain side of Publica identity credentials: W3C
// Verifiable Credentials 2.0 secured with the eddsa-jcs-2022 Data Integrity
// cryptosuite (RFC 8785 JSON canonicalization, SHA-256, Ed25519), selective
// disclosure by salted per-claim digests, per-claim Pedersen commitments
// with zero-knowledge predicate proofs over them (crypto/zkpred), and
// holder-bound presentations.
// It knows nothing about the chain; x/identity checks the chain-side facts
// (issuer accreditation, key history, status lists). See docs/identity.md.
package vc

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"

	"github.com/gowebpki/jcs"
)

// MaxDocumentBytes bounds every document this package parses.
const MaxDocumentBytes = 64 << 10

// maxDepth bounds JSON nesting.
const maxDepth = 32

// Canonicalize returns the RFC 8785 (JCS) form of a JSON document. It
// refuses invalid JSON, duplicate object keys (which JCS leaves undefined
// and which would let two readers see different claims), nesting deeper
// than 32 levels and documents over MaxDocumentBytes.
func Canonicalize(doc []byte) ([]byte, error) {
	if len(doc) > MaxDocumentBytes {
		return nil, fmt.Errorf("document of %d bytes exceeds %d", len(doc), MaxDocumentBytes)
	}
	if err := checkStrictJSON(doc); err != nil {
		return nil, err
	}
	out, err := jcs.Transform(doc)
	if err != nil {
		return nil, fmt.Errorf("JCS: %w", err)
	}
	return out, nil
}

// checkStrictJSON refuses invalid JSON, duplicate keys (compared as
// decoded strings), nesting deeper than maxDepth and trailing data. It
// scans the bytes once, after json.Valid has vouched for the syntax.
func checkStrictJSON(doc []byte) error {
	if !json.Valid(doc) {
		return errors.New("not valid JSON")
	}
	type frame struct {
		obj  bool
		keys []string            // the first keys of an object
		many map[string]struct{} // all of them, past 16
	}
	var stack []frame
	for i := 0; i < len(doc); i++ {
		switch doc[i] {
		case '{', '[':
			if len(stack) >= maxDepth {
				return fmt.Errorf("JSON nested deeper than %d", maxDepth)
			}
			stack = append(stack, frame{obj: doc[i] == '{'})
		case '}', ']':
			stack = stack[:len(stack)-1]
		case '"':
			start, plain := i, true
			for i++; doc[i] != '"'; i++ {
				if doc[i] == '\\' {
					i++
					plain = false
				} else if doc[i] >= 0x80 {
					plain = false
				}
			}
			if len(stack) == 0 || !stack[len(stack)-1].obj {
				continue
			}
			j := i + 1
			for doc[j] == ' ' || doc[j] == '\t' || doc[j] == '\n' || doc[j] == '\r' {
				j++
			}
			if doc[j] != ':' {
				continue // a value, not a key
			}
			var k string
			if plain {
				k = string(doc[start+1 : i])
			} else if err := json.Unmarshal(doc[start:i+1], &k); err != nil {
				return err
			}
			top := &stack[len(stack)-1]
			if top.many == nil && len(top.keys) == 16 {
				top.many = make(map[string]struct{}, 32)
				for _, k := range top.keys {
					top.many[k] = struct{}{}
				}
			}
			if top.many != nil {
				if _, dup := top.many[k]; dup {
					return fmt.Errorf("duplicate key %q", k)
				}
				top.many[k] = struct{}{}
				continue
			}
			if slices.Contains(top.keys, k) {
				return fmt.Errorf("duplicate key %q", k)
			}
			top.keys = append(top.keys, k)
		}
	}
	return nil
}

const b58alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

var b58index = func() [256]int8 {
	var t [256]int8
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(b58alphabet); i++ {
		t[b58alphabet[i]] = int8(i)
	}
	return t
}()

// Base58Encode encodes b in the Bitcoin base58 alphabet.
func Base58Encode(b []byte) string {
	zeros := 0
	for zeros < len(b) && b[zeros] == 0 {
		zeros++
	}
	n := new(big.Int).SetBytes(b)
	var out []byte
	mod := new(big.Int)
	base := big.NewInt(58)
	for n.Sign() > 0 {
		n.DivMod(n, base, mod)
		out = append(out, b58alphabet[mod.Int64()])
	}
	for range zeros {
		out = append(out, '1')
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return string(out)
}

// Base58Decode decodes Bitcoin base58; inputs over 256 characters are
// refused (nothing this package reads is that long).
func Base58Decode(s string) ([]byte, error) {
	if len(s) > 256 {
		return nil, errors.New("base58 string too long")
	}
	zeros := 0
	for zeros < len(s) && s[zeros] == '1' {
		zeros++
	}
	n := new(big.Int)
	base := big.NewInt(58)
	for i := 0; i < len(s); i++ {
		v := b58index[s[i]]
		if v < 0 {
			return nil, fmt.Errorf("invalid base58 character %q", s[i])
		}
		n.Mul(n, base)
		n.Add(n, big.NewInt(int64(v)))
	}
	return append(make([]byte, zeros), n.Bytes()...), nil
}

// multicodec prefixes (varint encoded) of Multikey values.
var (
	ed25519PubPrefix  = []byte{0xed, 0x01}
	ed25519PrivPrefix = []byte{0x80, 0x26}
)

// MultikeyFromPublic is the publicKeyMultibase of an Ed25519 key ("z6Mk…").
func MultikeyFromPublic(pub ed25519.PublicKey) string {
	return "z" + Base58Encode(append(bytes.Clone(ed25519PubPrefix), pub...))
}

// PublicFromMultikey parses an Ed25519 publicKeyMultibase.
func PublicFromMultikey(s string) (ed25519.PublicKey, error) {
	b, err := decodeMultibase(s, ed25519PubPrefix, ed25519.PublicKeySize)
	if err != nil {
		return nil, fmt.Errorf("public key multibase: %w", err)
	}
	return ed25519.PublicKey(b), nil
}

// PrivateFromMultikey parses an Ed25519 secretKeyMultibase (the 32-byte seed).
func PrivateFromMultikey(s string) (ed25519.PrivateKey, error) {
	b, err := decodeMultibase(s, ed25519PrivPrefix, ed25519.SeedSize)
	if err != nil {
		return nil, fmt.Errorf("private key multibase: %w", err)
	}
	return ed25519.NewKeyFromSeed(b), nil
}

func decodeMultibase(s string, prefix []byte, size int) ([]byte, error) {
	if len(s) < 2 || s[0] != 'z' {
		return nil, errors.New(`not base58btc multibase (must start with "z")`)
	}
	b, err := Base58Decode(s[1:])
	if err != nil {
		return nil, err
	}
	if len(b) != len(prefix)+size || !bytes.HasPrefix(b, prefix) {
		return nil, fmt.Errorf("want multicodec %x and %d key bytes", prefix, size)
	}
	return b[len(prefix):], nil
}
