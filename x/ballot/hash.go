package ballot

import "crypto/sha512"

func sha512_256(b []byte) []byte {
	h := sha512.Sum512_256(b)
	return h[:]
}
