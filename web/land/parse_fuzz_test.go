package land

import (
	"strings"
	"testing"

	"github.com/publica/publica/x/land"
)

// FuzzParseChildren: any pasted text gives children or reasons, never a
// panic; accepted children have well-formed references and a polygon type.
func FuzzParseChildren(f *testing.F) {
	f.Add(childrenExample)
	f.Add(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":null,"geometry":null},{}]}`)
	f.Add(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"cadastral_ref":"A"},"geometry":{"type":"Feature","geometry":{"type":"Polygon","coordinates":[]}}}]}`)
	f.Add(`[1,2,3]`)
	f.Fuzz(func(t *testing.T, s string) {
		children, bad := parseChildren(s, "EPSG:32633")
		if len(bad) == 0 && (len(children) < 2 || len(children) > 64) {
			t.Fatalf("%d children accepted", len(children))
		}
		for _, c := range children {
			if !cadRefRe.MatchString(c.CadastralRef) || (c.Geometry.Type != "Polygon" && c.Geometry.Type != "MultiPolygon") {
				t.Fatalf("accepted child %+v", c)
			}
		}
	})
}

// FuzzParseOwners: owners either sum to exactly 1 with each share in
// lowest terms, or come with a reason (or are empty).
func FuzzParseOwners(f *testing.F) {
	a, b := strings.Repeat("a", 40), strings.Repeat("b", 40)
	f.Add(a + " 1/2, " + b + " 1/2")
	f.Add(a)
	f.Add(a + " 2/4")
	f.Add(",,, " + b + " 1 extra")
	f.Fuzz(func(t *testing.T, s string) {
		owners, bad := parseOwners(s)
		if bad != "" {
			return
		}
		if len(owners) == 0 {
			return
		}
		msg := land.MsgTransmit{Title: "T1", Owners: owners, Reason: "death", Document: strings.Repeat("0", 64)}
		if err := msg.ValidateBasic(); err != nil {
			t.Fatalf("owners %v accepted by the form, refused by the chain: %v", owners, err)
		}
	})
}
