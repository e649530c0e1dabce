package land

import (
	"strconv"
	"strings"
	"testing"
)

// gridBBox accepts exactly what splitting on commas and strconv.ParseInt
// accept.
func TestGridBBoxParsesAsParseInt(t *testing.T) {
	slow := func(v []byte) (bb [4]int64, ok bool) {
		parts := strings.Split(string(v), ",")
		if len(parts) != 4 {
			return bb, false
		}
		for i, p := range parts {
			n, err := strconv.ParseInt(p, 10, 64)
			if err != nil {
				return bb, false
			}
			bb[i] = n
		}
		return bb, true
	}
	cases := []string{"", ",,,", "1,2,3,4", "-1,+2,3,4", "1,2,3", "1,2,3,4,5", "1,2,3,4,", "a,2,3,4", "1,2,3,-",
		"9223372036854775807,-9223372036854775808,0,0", "9223372036854775808,0,0,0", "-9223372036854775809,0,0,0",
		"99999999999999999999,0,0,0", "1_0,2,3,4", " 1,2,3,4", "0x1,2,3,4", "+,1,2,3", "007,0,-0,+0"}
	for a := range 40 {
		for _, sep := range []string{",", ",-", ",+"} {
			cases = append(cases, strconv.Itoa(a*12345)+sep+strconv.Itoa(a)+",1,2")
		}
	}
	for _, c := range cases {
		gb, gok := gridBBox([]byte(c))
		wb, wok := slow([]byte(c))
		if gok != wok || (gok && gb != wb) {
			t.Errorf("%q: got %v %v, want %v %v", c, gb, gok, wb, wok)
		}
	}
	if bb, ok := gridBBox(GridValue([4]int64{-5, 0, 1 << 40, 7})); !ok || bb != [4]int64{-5, 0, 1 << 40, 7} {
		t.Fatal(bb, ok)
	}
}

func FuzzGridBBox(f *testing.F) {
	f.Add([]byte("1,2,3,4"))
	f.Fuzz(func(t *testing.T, v []byte) {
		gb, gok := gridBBox(v)
		parts := strings.Split(string(v), ",")
		ok := len(parts) == 4
		var wb [4]int64
		for i := 0; ok && i < 4; i++ {
			n, err := strconv.ParseInt(parts[i], 10, 64)
			ok = err == nil
			wb[i] = n
		}
		if gok != ok || (ok && gb != wb) {
			t.Fatalf("%q: got %v %v, want %v %v", v, gb, gok, wb, ok)
		}
	})
}
