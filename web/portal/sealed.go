package portal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
)

// Pages carry state between their steps (a credential waiting
// for the issuer's signature, a presentation waiting for the holder's) in
// the page itself, never on the server: the state holds claims, so it is
// encrypted and authenticated with AES-256-GCM under a key derived from
// the server's secret, and bound to its purpose. It is valid only for this
// server process's secret; nothing of it is written to disk or logs.

func (s *Server) sealKey(purpose string) cipher.AEAD {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("publica/web/sealed-state/v1\x00" + purpose))
	block, _ := aes.NewCipher(m.Sum(nil)) // a 32-byte key always makes a cipher
	aead, _ := cipher.NewGCM(block)       // AES always has a GCM mode
	return aead
}

// SealState encrypts v (JSON) for purpose.
func (s *Server) SealState(purpose string, v any) (string, error) {
	plain, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	aead := s.sealKey(purpose)
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(aead.Seal(nonce, nonce, plain, []byte(purpose))), nil
}

// OpenState decrypts a sealed value of purpose into v; any change to the
// token, or a token of another purpose or server, fails.
func (s *Server) OpenState(purpose, token string, v any) error {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	aead := s.sealKey(purpose)
	if err != nil || len(raw) < aead.NonceSize()+aead.Overhead() {
		return errors.New("malformed sealed state")
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte(purpose))
	if err != nil {
		return errors.New("sealed state does not authenticate")
	}
	return json.Unmarshal(plain, v)
}
