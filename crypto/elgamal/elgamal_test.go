package elgamal

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/gtank/ristretto255"
)

func mustKey(t testing.TB, seed string) *KeyPair {
	t.Helper()
	kp, err := GenerateKey(DeterministicReader(seed))
	if err != nil {
		t.Fatal(err)
	}
	return kp
}

func dlog(t testing.TB, max uint64, p Point) uint64 {
	t.Helper()
	tab, err := NewDLogTable(max)
	if err != nil {
		t.Fatal(err)
	}
	v, err := tab.Solve(p)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestEncryptDecryptHomomorphic(t *testing.T) {
	kp := mustKey(t, "key")
	rnd := DeterministicReader("enc")
	var cts []Ciphertext
	want := uint64(0)
	for i := uint64(0); i < 10; i++ {
		ct, r, err := EncryptRandom(kp.Public, i, rnd)
		if err != nil {
			t.Fatal(err)
		}
		if !Encrypt(kp.Public, i, r).Equal(ct) {
			t.Fatal("Encrypt is not deterministic in r")
		}
		if got := dlog(t, 100, DecryptToPoint(kp.Secret, ct)); got != i {
			t.Fatalf("decrypt %d: got %d", i, got)
		}
		cts = append(cts, ct)
		want += i
	}
	sum := Sum(cts)
	if got := dlog(t, 100, DecryptToPoint(kp.Secret, sum)); got != want {
		t.Fatalf("homomorphic sum: got %d want %d", got, want)
	}
	if !Add(cts[0], cts[1]).Equal(Sum(cts[:2])) {
		t.Fatal("Add and Sum disagree")
	}
	// Ciphertext encoding round trip.
	dec, err := DecodeCiphertext(sum.Bytes())
	if err != nil || !dec.Equal(sum) {
		t.Fatalf("ciphertext round trip: %v", err)
	}
	if _, err := DecodeCiphertext(sum.Bytes()[:63]); !errors.Is(err, ErrMalformed) {
		t.Fatalf("short ciphertext: %v", err)
	}
}

// RFC 9496 Appendix A.2 invalid encodings, plus wrong lengths.
var badPointHex = []string{
	"00ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"f3ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"0100000000000000000000000000000000000000000000000000000000000000",
	"01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"ed57ffd8c914fb201471d1c3d245ce3c746fcbe63a3679d51b6a516ebebe0e20",
	"26948d35ca62e643e26a83177332e6b6afeb9d08e4268b650f1f5bbd8d81d371",
	"3eb858e78f5a7254d8c9731174a94f76755fd3941c0ac93735c07ba14579630e",
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
}

func TestDecodePointStrict(t *testing.T) {
	for _, h := range badPointHex {
		b, _ := hex.DecodeString(h)
		if _, err := DecodePoint(b); !errors.Is(err, ErrInvalidPoint) {
			t.Errorf("%s accepted (err %v)", h, err)
		}
	}
	g := Generator()
	for _, n := range []int{0, 31, 33, 64} {
		if _, err := DecodePoint(make([]byte, n)); !errors.Is(err, ErrInvalidPoint) {
			t.Errorf("length %d accepted", n)
		}
	}
	p, err := DecodePoint(g.Bytes())
	if err != nil || !p.Equal(g) {
		t.Fatalf("generator round trip: %v", err)
	}
	if _, err := DecodePoint(make([]byte, 32)); err != nil {
		t.Fatalf("identity rejected by DecodePoint: %v", err)
	}
	if _, err := DecodeNonIdentityPoint(make([]byte, 32)); !errors.Is(err, ErrIdentity) {
		t.Fatalf("identity accepted as a public key: %v", err)
	}
	if _, err := DecodePublicKey(make([]byte, 32)); !errors.Is(err, ErrIdentity) {
		t.Fatalf("identity public key: %v", err)
	}
}

func TestDecodeScalarStrict(t *testing.T) {
	l, _ := hex.DecodeString("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010")
	lMinus1 := append([]byte(nil), l...)
	lMinus1[0]--
	if _, err := DecodeScalar(lMinus1); err != nil {
		t.Fatalf("ℓ−1 rejected: %v", err)
	}
	for _, b := range [][]byte{l, bytes.Repeat([]byte{0xff}, 32), make([]byte, 31), make([]byte, 33)} {
		if _, err := DecodeScalar(b); !errors.Is(err, ErrInvalidScalar) {
			t.Errorf("%x accepted", b)
		}
	}
	s := ScalarFromUint64(123456789)
	d, err := DecodeScalar(s.Bytes())
	if err != nil || d.Equal(s) != 1 {
		t.Fatal("scalar round trip")
	}
}

func TestDeterministicReader(t *testing.T) {
	a := make([]byte, 100)
	b := make([]byte, 100)
	r := DeterministicReader("x")
	r.Read(a[:7])
	r.Read(a[7:])
	DeterministicReader("x").Read(b)
	if !bytes.Equal(a, b) {
		t.Fatal("chunked reads differ from one read")
	}
	DeterministicReader("y").Read(b)
	if bytes.Equal(a, b) {
		t.Fatal("different seeds gave the same stream")
	}
}

func TestBSGS(t *testing.T) {
	tab, err := NewDLogTable(100000)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []uint64{0, 1, 2, 316, 317, 318, 99999, 100000, 54321} {
		got, err := tab.Solve(BaseMult(ScalarFromUint64(v)))
		if err != nil || got != v {
			t.Fatalf("dlog %d: got %d, %v", v, got, err)
		}
	}
	for _, v := range []uint64{100001, 100002, 1 << 30} {
		if _, err := tab.Solve(BaseMult(ScalarFromUint64(v))); !errors.Is(err, ErrNotFound) {
			t.Fatalf("dlog %d beyond max: %v", v, err)
		}
	}
	small, _ := NewDLogTable(0)
	if v, err := small.Solve(Identity()); err != nil || v != 0 {
		t.Fatalf("max 0: %d %v", v, err)
	}
	if _, err := small.Solve(Generator()); !errors.Is(err, ErrNotFound) {
		t.Fatalf("max 0, G: %v", err)
	}
	if _, err := NewDLogTable(MaxDLog + 1); !errors.Is(err, ErrParams) {
		t.Fatal("oversized table accepted")
	}
	if _, err := tab.Solve(Point{}); err == nil {
		t.Fatal("zero Point accepted")
	}
	for n := uint64(0); n < 2000; n++ {
		r := isqrt(n)
		if r*r > n || (r+1)*(r+1) <= n {
			t.Fatalf("isqrt(%d) = %d", n, r)
		}
	}
	if r := isqrt(1<<62 + 12345); r*r > 1<<62+12345 || (r+1)*(r+1) <= 1<<62+12345 {
		t.Fatalf("isqrt large = %d", r)
	}
}

func TestScalarFromUint64(t *testing.T) {
	a := ScalarFromUint64(1 << 40)
	b := ristretto255.NewScalar().Multiply(ScalarFromUint64(1<<20), ScalarFromUint64(1<<20))
	if a.Equal(b) != 1 {
		t.Fatal("2^40 ≠ 2^20·2^20")
	}
}
