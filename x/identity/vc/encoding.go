// Package vc is the off-chain side of Publica identity credentials: W3C
// Verifiable Credentials 2.0 secured with the eddsa-jcs-2022 Data Integrity
// cryptosuite (RFC 8785 JSON canonicalization, SHA-256, Ed25519), selective
// disclosure by salted per-claim digests, and holder-bound presentations.
// It knows nothing about the chain; x/identity checks the chain-side facts
// (issuer accreditation, key history, status lists). See docs/identity.md.
package vc

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"

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

// checkStrictJSON walks the tokens of doc, refusing duplicate keys, deep
// nesting and trailing data.
func checkStrictJSON(doc []byte) error {
	if !json.Valid(doc) {
		return errors.New("not valid JSON")
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	type frame struct {
		obj  bool
		keys map[string]bool
		key  bool // next string token in an object is a key
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				if top != nil && top.obj {
					top.key = true
				}
				if len(stack) >= maxDepth {
					return fmt.Errorf("JSON nested deeper than %d", maxDepth)
				}
				stack = append(stack, &frame{obj: d == '{', keys: map[string]bool{}, key: d == '{'})
			default:
				stack = stack[:len(stack)-1]
			}
			continue
		}
		if top != nil && top.obj {
			if top.key {
				k := tok.(string)
				if top.keys[k] {
					return fmt.Errorf("duplicate key %q", k)
				}
				top.keys[k] = true
				top.key = false
			} else {
				top.key = true
			}
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
