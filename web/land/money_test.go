package land_test

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/publica/publica/internal/apptest/browser"
	"github.com/publica/publica/x/land"
)

// TestMortgageMoneyOverHTTP: the mortgage form takes the amount as money
// ("250,000.00" EUR) and refuses what is not, with the reason; the check
// page and the title page show it as money ("€250,000.00"), while the
// message carries minor units.
func TestMortgageMoneyOverHTTP(t *testing.T) {
	f := newLandDealingsFixture(t)
	a := browser.NewAgent(t, f.base)
	pub := hex.EncodeToString(f.clerk.Public().(ed25519.PublicKey))
	form := func(amount, currency string) url.Values {
		return url.Values{"pubkey": {pub}, "title": {"T1"}, "lender": {f.bobID}, "amount": {amount}, "currency": {currency}, "document": {f.doc}}
	}
	a.Get("/land/mortgages/register")
	for _, c := range []struct{ amount, currency, want string }{
		{"12.345", "EUR", "EUR has 2 decimal places"},
		{"100.50", "JPY", "JPY has no minor unit"},
		{"-5", "EUR", "more than zero"},
		{"1e6", "EUR", "only digits"},
		{"", "EUR", "enter an amount"},
		{"100", "EURO", "three-letter ISO 4217 code"},
	} {
		r := a.Post("/land/mortgages/register", form(c.amount, c.currency))
		if r.Code != 422 || !strings.Contains(r.Body, c.want) {
			t.Errorf("amount %q %s: %d, want 422 saying %q\n%.400s", c.amount, c.currency, r.Code, c.want, r.Body)
		}
	}
	check := a.Post("/land/mortgages/register", form("250,000.00", "eur"))
	browser.MustContain(t, "check page", check.Body, "€250,000.00")

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	x, err := f.c.Build(ctx, f.alice.Public().(ed25519.PublicKey), land.TypeRegisterMortgage, land.MsgRegisterMortgage{Title: "T2", Lender: f.bobID,
		Amount: "25000000", Currency: "EUR", Rank: 1, Document: f.doc}, 100)
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.c.Send(ctx, x, f.alice, f.bob)
	if err != nil || !res.OK() {
		t.Fatalf("mortgage: %v %+v", err, res)
	}
	page := a.Get("/land/titles/T2?height=" + strconv.FormatInt(res.Height, 10))
	browser.MustContain(t, "title page", page.Body, "Mortgage M1", "€250,000.00")
	if strings.Contains(page.Body, "minor units") {
		t.Errorf("title page speaks of minor units")
	}
}
