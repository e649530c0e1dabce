package elgamal

import (
	"crypto/sha512"
	"encoding/binary"
	"io"
)

// DeterministicReader returns an io.Reader whose stream is
// SHA-512(seed ‖ u64be(0)) ‖ SHA-512(seed ‖ u64be(1)) ‖ …
//
// It exists for test vectors and reproducible tests only. Never use it to
// encrypt real ballots or to generate real keys: use crypto/rand.Reader.
func DeterministicReader(seed string) io.Reader {
	return &drbg{seed: []byte(seed)}
}

type drbg struct {
	seed    []byte
	counter uint64
	buf     []byte
}

func (d *drbg) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(d.buf) == 0 {
			in := binary.BigEndian.AppendUint64(append([]byte(nil), d.seed...), d.counter)
			d.counter++
			sum := sha512.Sum512(in)
			d.buf = sum[:]
		}
		c := copy(p[n:], d.buf)
		d.buf = d.buf[c:]
		n += c
	}
	return n, nil
}
