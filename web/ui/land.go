package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"

	"golang.org/x/text/language"

	"github.com/publica/publica/web/i18n"
	"github.com/publica/publica/x/land"
	"github.com/publica/publica/x/land/money"
)

// AreaM2 turns twice an area in square coordinate units into square
// metres, exactly when it terminates within four decimals.
func AreaM2(area2 *big.Int, unitsPerMetre int64) string {
	u := big.NewInt(unitsPerMetre)
	den := new(big.Int).Mul(u, u)
	den.Mul(den, big.NewInt(2))
	r := new(big.Rat).SetFrac(area2, den)
	if r.IsInt() {
		return groupBig(r.Num())
	}
	s := strings.TrimRight(r.FloatString(4), "0")
	return strings.TrimSuffix(s, ".")
}

func groupBig(n *big.Int) string {
	if n.IsInt64() {
		return group(n.Int64())
	}
	return n.String()
}

// mapView is a geometry as SVG paths in a viewBox, y pointing up as on a
// map (the SVG y axis is flipped by negating it).
type mapView struct {
	ViewBox string
	Paths   []string
	Desc    string
	bbox    [4]int64 // min x, min y, max x, max y
	n       int      // positions
}

func mapOf(g land.Geometry) (mapView, bool) {
	var polys [][][][]int64
	switch g.Type {
	case "Polygon":
		var p [][][]int64
		if json.Unmarshal(g.Coordinates, &p) != nil {
			return mapView{}, false
		}
		polys = [][][][]int64{p}
	case "MultiPolygon":
		if json.Unmarshal(g.Coordinates, &polys) != nil {
			return mapView{}, false
		}
	default:
		return mapView{}, false
	}
	minX, minY, maxX, maxY := int64(1<<62), int64(1<<62), int64(-1<<62), int64(-1<<62)
	var v mapView
	n := 0
	for _, poly := range polys {
		var d strings.Builder
		for _, ring := range poly {
			for i, p := range ring {
				if len(p) != 2 {
					return mapView{}, false
				}
				minX, maxX = min(minX, p[0]), max(maxX, p[0])
				minY, maxY = min(minY, p[1]), max(maxY, p[1])
				if i == 0 {
					fmt.Fprintf(&d, "M%d %d", p[0], -p[1])
				} else {
					fmt.Fprintf(&d, "L%d %d", p[0], -p[1])
				}
				n++
			}
			d.WriteString("Z")
		}
		v.Paths = append(v.Paths, d.String())
	}
	if n == 0 {
		return mapView{}, false
	}
	w, h := max(maxX-minX, 1), max(maxY-minY, 1)
	pad := max(w, h) / 20
	v.ViewBox = fmt.Sprintf("%d %d %d %d", minX-pad, -maxY-pad, w+2*pad, h+2*pad)
	v.bbox, v.n = [4]int64{minX, minY, maxX, maxY}, n
	v.Desc = fmt.Sprintf("%d polygon(s), %d positions; bounding box from (%d, %d) to (%d, %d) in %s units, north at the top.",
		len(polys), n, minX, minY, maxX, maxY, crsOf(g))
	return v, true
}

// crsOf names a geometry's coordinate system: a stored parcel's carries
// none (it is the register's, declared once in the land params).
func crsOf(g land.Geometry) string {
	if g.CRS != "" {
		return g.CRS
	}
	return "the register's CRS"
}

// shareText says a share in words where it is simple.
func shareText(s string) string {
	if s == "1" {
		return "whole (1)"
	}
	return s
}

// TitleView is a title read with a verified proof.
type TitleView struct {
	Title       *land.Title
	Parcels     []*land.Parcel
	Parties     Parties // the party records the title names, read at Height
	Height      int64   // state height the title was read at
	ProofHeight int64   // Height+1, whose header's app hash the proof verified against
	AppHash     string
	Clerk       bool // the signed-in viewer is a clerk: offer to examine caveat applications
}

// ParcelView is a parcel with its history.
type ParcelView struct {
	Parcel      *land.Parcel
	Map         *AreaMap // the parcel with its neighbours (nil: its outline alone)
	Clerk       bool     // the viewer is a land clerk: the clerks' dealings are offered
	History     []land.Event
	Parties     Parties           // the party records the history names
	Actors      map[string]string // account → name of the party it signs for, for the history's signers
	Height      int64
	ProofHeight int64
	AppHash     string
}

// HoldingsView lists the titles an account holds.
type HoldingsView struct {
	Account  string // "" when none was asked for
	Own      bool
	Holdings []Holding
	// Parties are the parties the account signs for, with their titles.
	Parties []PartyHoldings
	Error   []FormError
}

// Holding is one title share.
type Holding struct {
	Title string `json:"title"`
	Share string `json:"share"`
}

// VerifyView is the extract verification page.
type VerifyView struct {
	Pasted  string
	Errors  []FormError
	Detail  string // what the check found, in the extract package's (English) words, under "Technical details"
	Verdict *VerifyVerdict
}

// VerifyVerdict is what a verified extract establishes.
type VerifyVerdict struct {
	ChainID        string
	Title          *land.Title
	Parcels        []*land.Parcel
	Height         int64
	AppHash        string
	ValidatorsHash string
	Records        int
	SHA256         string     // set when checked against a certificate's SHA-256
	Since          *SinceView // what happened to the title since (nil: not checked)
	Parties        Parties
}

func eventLabel(t string) string {
	switch t {
	case land.TypeRegisterParcel:
		return "Parcel registered"
	case land.TypeRegisterTitle:
		return "First title registered"
	case land.TypeOfferTransfer:
		return "Transfer offered"
	case land.TypeAcceptTransfer:
		return "Transfer offer accepted"
	case land.TypeWithdrawOffer:
		return "Transfer offer withdrawn"
	case land.TypeRegisterTransfer:
		return "Transfer registered"
	case land.TypeTransfer:
		return "Transfer registered (signed by all parties in one transaction)"
	case land.TypeTransmit:
		return "Title transmitted"
	case land.TypeRegisterMortgage:
		return "Mortgage registered"
	case land.TypeDischarge:
		return "Mortgage discharged"
	case land.TypeRegisterLease:
		return "Lease registered"
	case land.TypeEndLease:
		return "Lease ended"
	case land.TypeRegisterEasement:
		return "Easement registered"
	case land.TypeEndEasement:
		return "Easement ended"
	case land.TypeLodgeCaveat:
		return "Caveat lodged"
	case land.TypeExamineCaveat:
		return "Caveat application examined"
	case land.TypeWithdrawCaveat:
		return "Caveat withdrawn"
	case land.TypeRemoveCaveat:
		return "Caveat removed"
	case land.TypeSubdivide:
		return "Subdivided"
	case land.TypeMerge:
		return "Merged"
	case land.TypeCorrect:
		return "Corrected"
	}
	return t
}

// eventTitle is a history entry's heading: its type in words, telling a
// caveat application and an examination's decision from a caveat in force.
func eventTitle(e land.Event) string {
	switch {
	case e.Type == land.TypeLodgeCaveat && strings.Contains(e.Msg, `"status":"`+land.CaveatApplied+`"`):
		return "Caveat application lodged"
	case e.Type == land.TypeExamineCaveat && strings.Contains(e.Msg, `"decision":"`+land.DecisionAccept+`"`):
		return "Caveat application accepted"
	case e.Type == land.TypeExamineCaveat:
		return "Caveat application rejected"
	}
	return eventLabel(e.Type)
}

// eventRef names a history entry: offer steps (offer, acceptance,
// withdrawal) are proven through their offer record and carry no event
// sequence number of their own.
func eventRef(e land.Event) string {
	if e.Seq == 0 && e.Offer != "" {
		return "offer " + e.Offer
	}
	return "event " + itoa64(int64(e.Seq))
}

// moneyText shows an amount of minor units as money ("€250,000.00") in
// the page's language.
func moneyText(ctx context.Context, minor, code string) string {
	return money.Format(minor, code, pageLanguage(ctx))
}

// pageLanguage is the language amounts are written in: the page's
// (web/i18n, chosen per request).
func pageLanguage(ctx context.Context) language.Tag { return i18n.Lang(ctx) }

// PartyHoldings is a party an account signs for and the titles it holds.
type PartyHoldings struct {
	Party    land.Party
	Holdings []Holding
}

// Parties are the party records a page names, by id.
type Parties map[string]*land.Party

// Name is how a page names a party: its public-register name, or for a
// bare account (or a record not read) the id itself.
func (ps Parties) Name(id string) string {
	if p := ps[id]; p != nil {
		return p.Name
	}
	return id
}

// PartyKindText says a party kind in words.
func PartyKindText(kind string) string {
	switch kind {
	case land.PartyNaturalPerson:
		return "person"
	case land.PartyPublicBody:
		return "public body"
	case land.PartyGroup:
		return "group of parties"
	}
	return kind
}

// partyTech is the technical line under a party's name: its id, kind and
// the accounts that sign for it.
func partyTech(p *land.Party) string {
	s := "Party " + p.ID + " (" + PartyKindText(p.Kind)
	if p.RegistrationNumber != "" {
		s += ", registration number " + p.RegistrationNumber
	}
	s += "). "
	if len(p.Accounts) == 0 {
		return s + "No account of its own: a land clerk signs for it on the deed."
	}
	return s + "Signs with account " + strings.Join(p.Accounts, ", ") + "."
}

// ownersText lists owners with their shares, by name.
func ownersText(ps Parties, owners []land.Share) string {
	var b strings.Builder
	for i, o := range owners {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(ps.Name(o.Party) + " (" + o.Share + ")")
	}
	return b.String()
}
