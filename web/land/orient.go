package land

import (
	"encoding/json"
	"math/big"
	"net/url"
	"slices"

	"github.com/publica/publica/tx"
	"github.com/publica/publica/x/land"
)

// orientRings winds a Polygon's or MultiPolygon's rings as the register
// requires (RFC 7946: exterior rings counter-clockwise, holes clockwise),
// reversing those wound the other way; the shape is the same. It returns
// the coordinates (unchanged when nothing was reversed) and how many
// exterior rings and holes it reversed. Coordinates it cannot read are
// returned as they are, for the register's own check to refuse.
func orientRings(g land.Geometry) (coords json.RawMessage, exteriors, holes int) {
	var polys [][][][2]int64
	if g.Type == "Polygon" {
		var p [][][2]int64
		if json.Unmarshal(g.Coordinates, &p) != nil {
			return g.Coordinates, 0, 0
		}
		polys = [][][][2]int64{p}
	} else if json.Unmarshal(g.Coordinates, &polys) != nil {
		return g.Coordinates, 0, 0
	}
	for _, p := range polys {
		for i, ring := range p {
			a := signedArea2(ring)
			switch {
			case i == 0 && a.Sign() < 0:
				slices.Reverse(ring)
				exteriors++
			case i > 0 && a.Sign() > 0:
				slices.Reverse(ring)
				holes++
			}
		}
	}
	if exteriors+holes == 0 {
		return g.Coordinates, 0, 0
	}
	var b []byte
	if g.Type == "Polygon" {
		b, _ = json.Marshal(polys[0])
	} else {
		b, _ = json.Marshal(polys)
	}
	return b, exteriors, holes
}

// signedArea2 is twice the ring's signed area (shoelace), exact: positive
// when the ring runs counter-clockwise.
func signedArea2(ring [][2]int64) *big.Int {
	sum := new(big.Int)
	var t, u big.Int
	for i := 0; i+1 < len(ring); i++ {
		t.Mul(big.NewInt(ring[i][0]), big.NewInt(ring[i+1][1]))
		u.Mul(big.NewInt(ring[i+1][0]), big.NewInt(ring[i][1]))
		sum.Add(sum, t.Sub(&t, &u))
	}
	return sum
}

// orientNote says what orientRings reversed, for the check page.
func orientNote(exteriors, holes int) string {
	switch {
	case exteriors > 0 && holes > 0:
		return "The outline’s exterior ring ran clockwise and a hole counter-clockwise: the portal reversed them, as the register requires (exterior rings counter-clockwise, holes clockwise). The shape and area are unchanged."
	case exteriors > 0:
		return "The outline ran clockwise: the portal reversed it to run counter-clockwise, as the register requires. The shape and area are unchanged."
	default:
		return "A hole in the outline ran counter-clockwise: the portal reversed it to run clockwise, as the register requires. The shape and area are unchanged."
	}
}

const registerParcelPath = "/land/parcels/register"

// changeParcelHref leads back to the parcel form with every answer of
// the prepared registration filled in.
func changeParcelHref(t *tx.Tx) string {
	var m land.MsgRegisterParcel
	if tx.DecodeMsg(t.Msg, &m) != nil {
		return registerParcelPath
	}
	geom, _ := json.Marshal(struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	}{m.Geometry.Type, m.Geometry.Coordinates})
	v := url.Values{}
	v.Set("cadastral_ref", m.CadastralRef)
	v.Set("geometry", string(geom))
	v.Set("address", m.Address)
	v.Set("document", m.Document)
	return registerParcelPath + "?" + v.Encode()
}
