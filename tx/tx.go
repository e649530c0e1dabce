// Package tx is the signed transaction envelope (version 1).
//
// Wire format (all integers are minimal unsigned varints, "bytes" and
// "string" are varint-length-prefixed):
//
//	byte    version      = 1
//	string  chain_id     ≤ 64 bytes
//	uvarint sequence     the primary signer's account sequence
//	uvarint valid_until  last block height at which the tx may be included
//	string  msg_type     ≤ 64 bytes, "module/action"
//	bytes   msg          ≤ MaxMsgBytes, canonical JSON of the message
//	uvarint n            1 ≤ n ≤ MaxSigners
//	n × { 32 bytes ed25519 public key, 64 bytes signature }
//
// The first signer is the primary signer: its sequence is consumed. Every
// signer signs the same SignBytes, which are domain separated and cover the
// chain id, the primary signer's key, the sequence, valid_until, the message
// type and the message bytes. See docs/transactions.md.
package tx

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/publica/publica/codec"
)

const (
	Version       = 1
	MaxChainID    = 64
	MaxMsgType    = 64
	MaxMsgBytes   = 256 << 10
	MaxSigners    = 16
	MaxTxBytes    = MaxMsgBytes + 4096
	signDomain    = "publica/tx/v1\x00"
	sigEntryBytes = ed25519.PublicKeySize + ed25519.SignatureSize
)

// Signature is one signer's key and signature over SignBytes.
type Signature struct {
	PubKey ed25519.PublicKey
	Sig    []byte
}

// Tx is a decoded envelope.
type Tx struct {
	ChainID    string
	Sequence   uint64
	ValidUntil uint64
	MsgType    string
	Msg        []byte
	Signatures []Signature
}

// Primary is the public key of the signer whose sequence the tx consumes.
func (t *Tx) Primary() ed25519.PublicKey { return t.Signatures[0].PubKey }

// SignBytes are the exact bytes every signer signs.
func (t *Tx) SignBytes(primary ed25519.PublicKey) []byte {
	var w codec.Writer
	w.Fixed([]byte(signDomain))
	w.String(t.ChainID)
	w.Fixed(primary)
	w.Uvarint(t.Sequence)
	w.Uvarint(t.ValidUntil)
	w.String(t.MsgType)
	w.BytesField(t.Msg)
	return w.Bytes()
}

// Sign appends a signature by key. The first key to sign becomes the primary
// signer.
func (t *Tx) Sign(key ed25519.PrivateKey) {
	pub := key.Public().(ed25519.PublicKey)
	primary := pub
	if len(t.Signatures) > 0 {
		primary = t.Primary()
	}
	t.Signatures = append(t.Signatures, Signature{PubKey: pub, Sig: ed25519.Sign(key, t.SignBytes(primary))})
}

// Encode returns the canonical wire bytes.
func (t *Tx) Encode() []byte {
	var w codec.Writer
	w.Byte(Version)
	w.String(t.ChainID)
	w.Uvarint(t.Sequence)
	w.Uvarint(t.ValidUntil)
	w.String(t.MsgType)
	w.BytesField(t.Msg)
	w.Uvarint(uint64(len(t.Signatures)))
	for _, s := range t.Signatures {
		w.Fixed(s.PubKey)
		w.Fixed(s.Sig)
	}
	return w.Bytes()
}

// Decode parses wire bytes strictly: any input it accepts re-encodes to
// exactly the same bytes. It never panics.
func Decode(b []byte) (*Tx, error) {
	if len(b) > MaxTxBytes {
		return nil, fmt.Errorf("%d bytes exceeds the %d byte limit", len(b), MaxTxBytes)
	}
	r := codec.NewReader(b)
	v, err := r.Byte()
	if err != nil {
		return nil, fmt.Errorf("version: %w", err)
	}
	if v != Version {
		return nil, fmt.Errorf("unsupported envelope version %d", v)
	}
	t := &Tx{}
	if t.ChainID, err = r.String(MaxChainID); err != nil {
		return nil, fmt.Errorf("chain_id: %w", err)
	}
	if t.Sequence, err = r.Uvarint(); err != nil {
		return nil, fmt.Errorf("sequence: %w", err)
	}
	if t.ValidUntil, err = r.Uvarint(); err != nil {
		return nil, fmt.Errorf("valid_until: %w", err)
	}
	if t.MsgType, err = r.String(MaxMsgType); err != nil {
		return nil, fmt.Errorf("msg_type: %w", err)
	}
	if t.Msg, err = r.BytesField(MaxMsgBytes); err != nil {
		return nil, fmt.Errorf("msg: %w", err)
	}
	n, err := r.Uvarint()
	if err != nil {
		return nil, fmt.Errorf("signature count: %w", err)
	}
	if n < 1 || n > MaxSigners {
		return nil, fmt.Errorf("signature count %d outside 1..%d", n, MaxSigners)
	}
	if uint64(r.Remaining()) != n*sigEntryBytes {
		return nil, fmt.Errorf("signatures: want %d bytes, have %d", n*sigEntryBytes, r.Remaining())
	}
	t.Signatures = make([]Signature, n)
	for i := range t.Signatures {
		pub, _ := r.Fixed(ed25519.PublicKeySize)
		sig, _ := r.Fixed(ed25519.SignatureSize)
		for j := 0; j < i; j++ {
			if bytes.Equal(t.Signatures[j].PubKey, pub) {
				return nil, fmt.Errorf("signer %d repeats signer %d", i, j)
			}
		}
		t.Signatures[i] = Signature{PubKey: ed25519.PublicKey(pub), Sig: sig}
	}
	return t, nil
}

// Hash is the transaction hash CometBFT uses (SHA-256 of the wire bytes).
func Hash(b []byte) []byte {
	h := sha256.Sum256(b)
	return h[:]
}

// AccountID derives the stable identifier of the account first created with
// pub: the first 20 bytes of SHA-256(pub), hex encoded. It does not change
// when the account's key is later rotated.
func AccountID(pub ed25519.PublicKey) string {
	h := sha256.Sum256(pub)
	return hex.EncodeToString(h[:20])
}

// ValidAccountID reports whether s has the form of an account identifier.
func ValidAccountID(s string) bool {
	if len(s) != 40 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
