package land_test

import (
	"crypto/ed25519"
	"fmt"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/x/land"
)

// TestSharesStayBounded is a property test: any sequence of accepted
// dealings — sales of random fractions (halves, thirds, sevenths,
// thousandths, and shares over large coprime denominators) between five
// parties, and transmissions — leaves every stored share a valid input
// (within the 81-character limit, its denominator within
// land.MaxShareDenominator), so that every holder can still sell. A
// dealing whose outcome would leave the bound is refused with
// land/10, naming the share. At the end each owner sells their whole
// share to a party not on the title, which must succeed.
func TestSharesStayBounded(t *testing.T) {
	for seed := uint64(1); seed <= 6; seed++ {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) { sharesProperty(t, seed, 80) })
	}
}

func sharesProperty(t *testing.T, seed uint64, steps int) {
	c := newChain(t)
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	clerk := apptest.DemoKey(t, "clerk")
	keys := []ed25519.PrivateKey{apptest.DemoKey(t, "citizen-alice"), apptest.DemoKey(t, "citizen-bob"), apptest.DemoKey(t, "citizen-carol"),
		apptest.DemoKey(t, "registrar"), apptest.DemoKey(t, "election-official")}
	keyOf := map[string]ed25519.PrivateKey{}
	for _, k := range keys {
		keyOf[apptest.Account(k)] = k
	}
	c.MustOK(land.TypeRegisterParcel, land.MsgRegisterParcel{CadastralRef: "S-1", Geometry: rect(0, 0, 1000, 1000), Document: doc("plan")}, clerk)
	tid := c.MustOK(land.TypeRegisterTitle, land.MsgRegisterTitle{Parcels: []string{"P1"},
		Owners: []land.Share{{Party: apptest.Account(keys[0]), Share: "1"}}, Tenure: "freehold", Document: doc("grant")}, clerk)
	// Denominators a sale may use: small ones registers use, and large
	// ones, pairwise coprime, that make sums grow fast.
	dens := []int64{2, 3, 4, 7, 10, 1000, 4096, 999983, 1000003, 99999989, 999999937}
	accepted, refused := 0, 0
	for i := range steps {
		title := titleOf(t, c, tid)
		if rng.IntN(16) == 0 {
			// Transmission to one to three parties, shares on one denominator.
			n := 1 + rng.IntN(3)
			d := dens[rng.IntN(len(dens))] * int64(n)
			perm := rng.Perm(len(keys))[:n]
			owners, left := []land.Share{}, d
			for j, p := range perm {
				num := left
				if j < n-1 {
					num = 1 + rng.Int64N(left-int64(n-1-j))
				}
				left -= num
				owners = append(owners, land.Share{Party: apptest.Account(keys[p]), Share: big.NewRat(num, d).RatString()})
			}
			deal(t, c, &accepted, &refused, fmt.Sprint("transmit ", i), land.TypeTransmit, land.MsgTransmit{Title: tid, Owners: owners, Reason: "death", Document: doc("will")}, clerk)
			checkShares(t, c, tid)
			continue
		}
		seller := title.Owners[rng.IntN(len(title.Owners))]
		held, _ := new(big.Rat).SetString(seller.Share)
		d := dens[rng.IntN(len(dens))]
		part := new(big.Rat).Mul(held, big.NewRat(1+rng.Int64N(d), d)) // a fraction of the holding
		if rng.IntN(3) == 0 {
			part = big.NewRat(1, d) // or an absolute share
		}
		if part.Cmp(held) > 0 || part.Sign() == 0 {
			part = held
		}
		buyer := keys[rng.IntN(len(keys))]
		if apptest.Account(buyer) == seller.Party {
			continue
		}
		msg := land.MsgTransfer{Title: tid, Sellers: []land.Share{{Party: seller.Party, Share: part.RatString()}},
			Buyers: []land.Share{{Party: apptest.Account(buyer), Share: part.RatString()}}, Document: doc("deed")}
		if err := msg.ValidateBasic(); err != nil {
			refused++ // a share beyond the bound cannot even be written in a message
			continue
		}
		deal(t, c, &accepted, &refused, fmt.Sprint("sale ", i), land.TypeTransfer, msg, clerk, keyOf[seller.Party], buyer)
		checkShares(t, c, tid)
	}
	// Every holder can still sell the whole share to a party not on the title.
	title := titleOf(t, c, tid)
	for _, o := range title.Owners {
		title = titleOf(t, c, tid)
		var buyer ed25519.PrivateKey
		for _, k := range keys {
			if !holds(title, apptest.Account(k)) {
				buyer = k
				break
			}
		}
		if buyer == nil {
			continue
		}
		c.MustOK(land.TypeTransfer, land.MsgTransfer{Title: tid, Sellers: []land.Share{o}, Buyers: []land.Share{{Party: apptest.Account(buyer), Share: o.Share}},
			Document: doc("final deed")}, clerk, keyOf[o.Party], buyer)
		checkShares(t, c, tid)
	}
	t.Logf("%d dealings accepted, %d refused; final owners %s", accepted, refused, sharesString(titleOf(t, c, tid).Owners))
	if accepted < steps/4 {
		t.Errorf("only %d of %d dealings accepted: the property is hardly exercised", accepted, steps)
	}
}

func deal(t *testing.T, c *apptest.Chain, accepted, refused *int, what, typ string, msg any, keys ...ed25519.PrivateKey) {
	t.Helper()
	r := c.Do(typ, msg, keys...)
	switch {
	case r.Code == 0:
		*accepted++
	case r.Codespace == land.Codespace && r.Code == land.ErrBadShares.Code && strings.Contains(r.Log, "denominator"):
		*refused++
	default:
		t.Fatalf("%s: refused %s/%d: %s", what, r.Codespace, r.Code, r.Log)
	}
}

func titleOf(t *testing.T, c *apptest.Chain, id string) land.Title {
	t.Helper()
	var ti land.Title
	if !c.Query("/land/title/"+id, &ti) {
		t.Fatalf("no title %s", id)
	}
	return ti
}

func holds(t land.Title, party string) bool {
	for _, o := range t.Owners {
		if o.Party == party {
			return true
		}
	}
	return false
}

// checkShares: every stored share is a valid input share.
func checkShares(t *testing.T, c *apptest.Chain, tid string) {
	t.Helper()
	for _, o := range titleOf(t, c, tid).Owners {
		if _, err := land.ParseShare(o.Share); err != nil {
			t.Fatalf("stored share of %s is not sellable: %v", o.Party[:8], err)
		}
	}
}

// TestShareBoundOnEveryPath: a share over a denominator above 10^12 is
// refused wherever a share is created — in a title's first registration,
// a transmission, a correction, an offer, a transfer, and a genesis — and
// a sale whose outcome would leave the bound is refused at the offer and
// at a one-transaction transfer.
func TestShareBoundOnEveryPath(t *testing.T) {
	big13 := "1/1000000000001" // denominator 10^12 + 1
	if _, err := land.ParseShare("1/1000000000000"); err != nil {
		t.Fatalf("the bound itself: %v", err)
	}
	if _, err := land.ParseShare(big13); err == nil || !strings.Contains(err.Error(), "denominator exceeds") {
		t.Fatalf("ParseShare(%s) = %v", big13, err)
	}
	f := setup(t)
	c := f.c
	a, b := apptest.Account(f.alice), apptest.Account(f.bob)
	over := []land.Share{{Party: a, Share: "1000000000000/1000000000001"}, {Party: b, Share: big13}}
	c.MustOK(land.TypeRegisterParcel, land.MsgRegisterParcel{CadastralRef: "B-2", Geometry: rect(1000, 0, 2000, 1000), Document: doc("p")}, f.clerk)
	c.Expect(land.ErrBadShares, land.TypeRegisterTitle, land.MsgRegisterTitle{Parcels: []string{"P2"}, Owners: over, Tenure: "freehold", Document: doc("g")}, f.clerk)
	c.Expect(land.ErrBadShares, land.TypeTransmit, land.MsgTransmit{Title: "T1", Owners: over, Reason: "death", Document: doc("w")}, f.clerk)
	c.Expect(land.ErrBadShares, land.TypeCorrect, land.MsgCorrect{Title: "T1", Owners: over, Reason: "r", Document: doc("c")}, f.clerk)
	c.Expect(land.ErrBadShares, land.TypeOfferTransfer, land.MsgOfferTransfer{Title: "T1", Sellers: []land.Share{{Party: a, Share: big13}},
		Buyers: []land.Share{{Party: b, Share: big13}}, Expires: 1 << 20}, f.alice)

	// Alice holds 1/999999999989 less than all; selling 1/999999999959 more
	// leaves her 1 - both, over their product: refused at offer and transfer.
	c.MustOK(land.TypeTransfer, land.MsgTransfer{Title: "T1", Sellers: []land.Share{{Party: a, Share: "1/999999999989"}},
		Buyers: []land.Share{{Party: b, Share: "1/999999999989"}}, Document: doc("d1")}, f.clerk, f.alice, f.bob)
	carol := apptest.Account(f.carol)
	sale := land.MsgOfferTransfer{Title: "T1", Sellers: []land.Share{{Party: a, Share: "1/999999999959"}},
		Buyers: []land.Share{{Party: carol, Share: "1/999999999959"}}, Expires: 1 << 20}
	r := c.Expect(land.ErrBadShares, land.TypeOfferTransfer, sale, f.alice)
	if !strings.Contains(r.Log, "would hold") || !strings.Contains(r.Log, a) {
		t.Errorf("refusal does not name the holding: %s", r.Log)
	}
	c.Expect(land.ErrBadShares, land.TypeTransfer, land.MsgTransfer{Title: "T1", Sellers: sale.Sellers, Buyers: sale.Buyers, Document: doc("d2")},
		f.clerk, f.alice, f.carol)
	// Bob's whole share sells to Carol: still within the bound.
	c.MustOK(land.TypeTransfer, land.MsgTransfer{Title: "T1", Sellers: []land.Share{{Party: b, Share: "1/999999999989"}},
		Buyers: []land.Share{{Party: carol, Share: "1/999999999989"}}, Document: doc("d3")}, f.clerk, f.bob, f.carol)
}
