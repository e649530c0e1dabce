package elgamal

import (
	"testing"
)

func sameCiphertexts(a, b [][]Ciphertext) bool {
	if len(a) != len(b) {
		return false
	}
	for qi := range a {
		if len(a[qi]) != len(b[qi]) {
			return false
		}
		for oi := range a[qi] {
			if !a[qi][oi].Equal(b[qi][oi]) {
				return false
			}
		}
	}
	return true
}

// DecodeCiphertexts gives DecodeBallot(enc).Ciphertexts() for every input
// DecodeBallot accepts, and refuses the layouts it refuses (it checks the
// proofs' bytes only for length).
func FuzzDecodeCiphertexts(f *testing.F) {
	p := testParams(f, QuestionSpec{Options: 3, Min: 1, Max: 2}, QuestionSpec{Options: 2, Min: 0, Max: 2})
	b, _ := encrypt(f, p, "fuzz-voter", "fuzz", []bool{true, false, true}, []bool{false, true})
	enc, _ := b.Encode()
	f.Add(enc)
	f.Add(enc[:len(enc)-1])
	f.Add(append(enc, 0))
	f.Add([]byte{1, 1, 'e', 1, 'v', 0, 1, 0, 1})
	f.Fuzz(func(t *testing.T, in []byte) {
		cts, err := DecodeCiphertexts(in)
		full, ferr := DecodeBallot(in)
		if ferr == nil {
			if err != nil {
				t.Fatalf("DecodeBallot accepts, DecodeCiphertexts refuses: %v", err)
			}
			if !sameCiphertexts(cts, full.Ciphertexts()) {
				t.Fatal("ciphertexts differ from DecodeBallot's")
			}
		}
	})
}

func TestDecodeCiphertextsRefusesLayouts(t *testing.T) {
	p := testParams(t, QuestionSpec{Options: 3, Min: 1, Max: 2})
	b, _ := encrypt(t, p, "v", "layout", []bool{true, false, false})
	enc, _ := b.Encode()
	cts, err := DecodeCiphertexts(enc)
	if err != nil || !sameCiphertexts(cts, b.Ciphertexts()) {
		t.Fatalf("valid ballot: %v", err)
	}
	// version, id lengths and ids, question and option counts, then α;
	// flipping α's low bit makes it a negative field element, which no
	// canonical encoding is.
	alphaFlipped := append([]byte(nil), enc...)
	alphaFlipped[1+1+len(p.ElectionID)+1+len("v")+2+2] ^= 0x01
	bad := map[string][]byte{
		"truncated":         enc[:len(enc)-1],
		"trailing byte":     append(append([]byte(nil), enc...), 0),
		"version 2":         append([]byte{2}, enc[1:]...),
		"empty":             nil,
		"alpha not a point": alphaFlipped,
	}
	for name, in := range bad {
		if _, err := DecodeCiphertexts(in); err == nil {
			t.Errorf("%s: accepted", name)
		}
		if _, err := DecodeBallot(in); err == nil {
			t.Errorf("%s: DecodeBallot accepts it too; the case tests nothing", name)
		}
	}
}
