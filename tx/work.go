package tx

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"math/bits"
)

// workDomain separates the registration's proof of work from every other
// hash of the same bytes.
const workDomain = "publica/register-work/v1\x00"

// RegisterWork is the proof of work of a registration
// (authority/register-account) by key pub on chain chainID valid until
// validUntil: the number of leading zero bits of
// SHA-256(domain ‖ len(chainID) ‖ chainID ‖ pub ‖ validUntil as 8 bytes
// big-endian). A registration's sender chooses its valid-until height (any
// height from the next block on) until the hash has enough zero bits, so
// the work needs no new field: the transaction's bytes, signature and
// meaning stay what they were, and nodes that ask for no work see an
// ordinary registration. Nodes check it in CheckTx only.
func RegisterWork(chainID string, pub ed25519.PublicKey, validUntil uint64) int {
	h := sha256.New()
	h.Write([]byte(workDomain))
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(chainID)))
	h.Write(n[:])
	h.Write([]byte(chainID))
	h.Write(pub)
	binary.BigEndian.PutUint64(n[:], validUntil)
	h.Write(n[:])
	var sum [32]byte
	h.Sum(sum[:0])
	z := 0
	for i := 0; i < len(sum); i += 8 {
		w := binary.BigEndian.Uint64(sum[i:])
		z += bits.LeadingZeros64(w)
		if w != 0 {
			break
		}
	}
	return z
}

// FindRegisterWork returns the first valid-until height from from on at
// which RegisterWork reaches want bits (about 2^want hashes).
func FindRegisterWork(chainID string, pub ed25519.PublicKey, from uint64, want int) uint64 {
	for v := from; ; v++ {
		if RegisterWork(chainID, pub, v) >= want {
			return v
		}
	}
}
