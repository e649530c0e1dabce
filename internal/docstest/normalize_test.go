package docstest

import (
	"slices"
	"testing"
)

// A time printed with nine digits of a second and one printed with seven
// (Go drops trailing zeros) are the same line; so are hashes and numbers
// of other values; different words are not.
func TestNormalizeTimesHashesNumbers(t *testing.T) {
	same := [][2]string{
		{"latest block time:  2026-11-24T14:46:08.751290615Z", "latest block time:  2026-12-04T21:20:05.6505259Z"},
		{"at 2026-11-24T14:46:08Z", "at 2026-12-04T21:20:05.5+01:00"},
		{"app hash: 68A9A75EEE2380CBBBA4270FE868F45013456F3AECB133B8D01EC264EAEC8761", "app hash: D4EB1B8A0E9B3008387E3D2BC77FBAD731111A2FF78A014623CDDD934BD5FFCC"},
		{"latest height:      13", "latest height:      1742"},
	}
	for _, p := range same {
		if a, b := Normalize([]string{p[0]}), Normalize([]string{p[1]}); !slices.Equal(a, b) {
			t.Errorf("%q and %q normalize to %q and %q", p[0], p[1], a, b)
		}
	}
	if a, b := Normalize([]string{"latest block time: 2026-11-24T14:46:08Z"}), Normalize([]string{"earliest block time: 2026-11-24T14:46:08Z"}); slices.Equal(a, b) {
		t.Errorf("different words normalize alike: %q", a)
	}
}
