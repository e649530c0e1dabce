package zkpred

import (
	"bytes"
	"crypto/sha512"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"testing"
)

// seeded is a reproducible stream: SHA-512(seed ‖ counter) blocks.
type seeded struct {
	seed string
	n    uint64
	buf  []byte
}

func rng(seed string) io.Reader { return &seeded{seed: seed} }

func (s *seeded) Read(p []byte) (int, error) {
	for i := range p {
		if len(s.buf) == 0 {
			sum := sha512.Sum512(binary.BigEndian.AppendUint64([]byte(s.seed), s.n))
			s.n++
			s.buf = sum[:]
		}
		p[i], s.buf = s.buf[0], s.buf[1:]
	}
	return len(p), nil
}

func holds(op Op, m, k int64) bool {
	switch op {
	case Ge:
		return m >= k
	case Gt:
		return m > k
	case Le:
		return m <= k
	case Lt:
		return m < k
	case Eq:
		return m == k
	}
	return m != k
}

var allOps = []Op{Eq, Ne, Ge, Gt, Le, Lt}

// A true statement always verifies; a false one cannot be proven; a proof
// verifies for nothing else (another constant, operator, commitment or
// context).
func TestIntegerStatements(t *testing.T) {
	r := rng("integers")
	cases := [][2]int64{{7, 7}, {7, 8}, {8, 7}, {18, 18}, {30, 18}, {-5, 3}, {3, -5}, {-1 << 20, -1 << 20},
		{0, 0}, {1 << 31, 0}, {0, 1<<32 - 1}, {math.MaxInt64, math.MaxInt64 - 5}, {math.MinInt64, math.MinInt64 + 1}}
	ctx := []byte("challenge-1")
	for _, tc := range cases {
		m, k := tc[0], tc[1]
		_, o, err := Commit(Int(m), r)
		if err != nil {
			t.Fatal(err)
		}
		c := o.Commitment()
		for _, op := range allOps {
			name := fmt.Sprintf("%d%s%d", m, op, k)
			p, err := Prove(op, Int(k), o, ctx, r)
			if !holds(op, m, k) {
				if !errors.Is(err, ErrFalse) {
					t.Fatalf("%s: false statement proven (err %v)", name, err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if len(p.Bytes()) != Size(op) {
				t.Fatalf("%s: %d bytes, want %d", name, len(p.Bytes()), Size(op))
			}
			q, err := ParseProof(p.Bytes())
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if err := Verify(op, Int(k), c, ctx, q); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if !bytes.Equal(q.Bytes(), p.Bytes()) {
				t.Fatalf("%s: re-encoding differs", name)
			}
			if Verify(op, Int(k), c, []byte("challenge-2"), q) == nil {
				t.Fatalf("%s: verified under another context", name)
			}
			if k != math.MaxInt64 && Verify(op, Int(k+1), c, ctx, q) == nil {
				t.Fatalf("%s: verified for another constant", name)
			}
			other, _, _ := Commit(Int(m), r)
			if Verify(op, Int(k), other, ctx, q) == nil {
				t.Fatalf("%s: verified for another commitment of the same value", name)
			}
			for _, op2 := range allOps {
				if op2 != op && Verify(op2, Int(k), c, ctx, q) == nil {
					t.Fatalf("%s: verified as %s", name, op2)
				}
			}
		}
	}
}

func TestRangeLimits(t *testing.T) {
	r := rng("limits")
	_, o, _ := Commit(Int(1<<32), r)
	if _, err := Prove(Ge, Int(1), o, nil, r); err != nil {
		t.Fatalf("distance 2^32−1: %v", err)
	}
	if _, err := Prove(Ge, Int(0), o, nil, r); !errors.Is(err, ErrUnprovable) {
		t.Fatalf("distance 2^32: %v", err)
	}
	if _, err := Prove(Gt, Int(math.MaxInt64), o, nil, r); !errors.Is(err, ErrFalse) {
		t.Fatalf("> MaxInt64: %v", err)
	}
	if _, err := Prove(Lt, Int(math.MinInt64), o, nil, r); !errors.Is(err, ErrFalse) {
		t.Fatalf("< MinInt64: %v", err)
	}
	_, s, _ := Commit(Hashed([]byte(`"Ada"`)), r)
	if _, err := Prove(Ge, Int(0), s, nil, r); !errors.Is(err, ErrUnprovable) {
		t.Fatalf("ordering on a string: %v", err)
	}
}

func TestHashedValues(t *testing.T) {
	r := rng("hashed")
	_, o, _ := Commit(Hashed([]byte(`"Ada"`)), r)
	c := o.Commitment()
	ctx := []byte("ctx")
	p, err := Prove(Eq, Hashed([]byte(`"Ada"`)), o, ctx, r)
	if err != nil || Verify(Eq, Hashed([]byte(`"Ada"`)), c, ctx, p) != nil {
		t.Fatalf("equal string: %v", err)
	}
	if Verify(Eq, Hashed([]byte(`"Bob"`)), c, ctx, p) == nil {
		t.Fatal("verified for another string")
	}
	if _, err := Prove(Eq, Hashed([]byte(`"Bob"`)), o, ctx, r); !errors.Is(err, ErrFalse) {
		t.Fatalf("false equality: %v", err)
	}
	p, err = Prove(Ne, Hashed([]byte(`"Bob"`)), o, ctx, r)
	if err != nil || Verify(Ne, Hashed([]byte(`"Bob"`)), c, ctx, p) != nil {
		t.Fatalf("different string: %v", err)
	}
	if Verify(Ne, Hashed([]byte(`"Ada"`)), c, ctx, p) == nil {
		t.Fatal("!= verified for the committed value")
	}
	// Integers and their JSON text are different values.
	if Hashed([]byte("7")).Scalar().Equal(Int(7).Scalar()) == 1 {
		t.Fatal("hashed 7 equals integer 7")
	}
}

// Changing any byte of a proof makes it fail to parse or to verify.
func TestTamperedProofs(t *testing.T) {
	r := rng("tamper")
	_, o, _ := Commit(Int(25), r)
	c := o.Commitment()
	ctx := []byte("ctx")
	for _, op := range allOps {
		k := int64(20)
		if op == Eq {
			k = 25
		}
		if op == Le || op == Lt {
			k = 40
		}
		p, err := Prove(op, Int(k), o, ctx, r)
		if err != nil {
			t.Fatalf("%s: %v", op, err)
		}
		enc := p.Bytes()
		// Every byte of the small proofs; for range proofs every byte of
		// the header and a spread over bit commitments and responses
		// (each position is a separate field, every one hashed).
		var positions []int
		for i := range enc {
			if len(enc) < 200 || i < 40 || i%37 == 0 || i >= len(enc)-40 {
				positions = append(positions, i)
			}
		}
		for _, i := range positions {
			bad := bytes.Clone(enc)
			bad[i] ^= 1 << (i % 8)
			q, err := ParseProof(bad)
			if err != nil {
				continue
			}
			if Verify(op, Int(k), c, ctx, q) == nil {
				t.Fatalf("%s: flipping byte %d still verifies", op, i)
			}
		}
	}
}

func TestParseProofRejects(t *testing.T) {
	r := rng("parse")
	_, o, _ := Commit(Int(3), r)
	p, _ := Prove(Eq, Int(3), o, nil, r)
	enc := p.Bytes()
	bad := map[string][]byte{
		"empty":     nil,
		"op 0":      append([]byte{0}, enc[1:]...),
		"op 7":      append([]byte{7}, enc[1:]...),
		"short":     enc[:len(enc)-1],
		"long":      append(bytes.Clone(enc), 0),
		"wrong len": append([]byte{3}, enc[1:]...),
		// ℓ itself (little-endian) is not canonical.
		"scalar ≥ ℓ": append(append([]byte{1}, enc[1:33]...),
			0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
			0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10),
	}
	for name, b := range bad {
		if _, err := ParseProof(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := ParseCommitmentHex("ff" + o.Commitment().String()[2:]); err == nil {
		// not every byte change makes an invalid point, but 0xff… does
		t.Error("non-canonical commitment accepted")
	}
	if _, err := ParseCommitmentHex(o.Commitment().String()); err != nil {
		t.Error(err)
	}
	if _, err := ParseCommitmentHex(o.Commitment().String()[:62]); err == nil {
		t.Error("short commitment accepted")
	}
}

func TestOpeningRoundTrip(t *testing.T) {
	r := rng("opening")
	c, o, _ := Commit(Int(-42), r)
	o2, err := NewOpening(Int(-42), o.RBytes())
	if err != nil || !o2.Commitment().Equal(c) {
		t.Fatalf("opening does not reproduce the commitment: %v", err)
	}
	o3, _ := NewOpening(Int(-41), o.RBytes())
	if o3.Commitment().Equal(c) {
		t.Fatal("another value gives the same commitment")
	}
	if _, err := NewOpening(Int(1), make([]byte, 31)); err == nil {
		t.Fatal("short blinding accepted")
	}
	// Generators: H is fixed by its tag (nothing up the sleeve).
	sum := sha512.Sum512([]byte("publica/zkpred/v1/H"))
	if H().Equal(genH) != 1 || len(sum) != 64 {
		t.Fatal("H changed")
	}
}
