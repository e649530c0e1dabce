package land_test

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"rsc.io/qr"

	"github.com/publica/publica/extract/certificate"
	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/internal/apptest/browser"
	"github.com/publica/publica/x/land"
)

// TestLandCosignOverHTTP: a mortgage co-signed over plain HTTP, with each
// refusal of the co-signing step: a changed link, a first signature from
// another key, a key that is not a party, a bad signature, a party that
// signs twice. And the certificate and QR-check pages' answers to bad
// requests.
func TestLandCosignOverHTTP(t *testing.T) {
	f := newLandDealingsFixture(t)
	a := browser.NewAgent(t, f.base)
	pubHex := func(k ed25519.PrivateKey) string { return hex.EncodeToString(k.Public().(ed25519.PublicKey)) }
	signPage := func(body string, k ed25519.PrivateKey) string {
		b, err := hex.DecodeString(browser.Attr(t, body, "data-sign-bytes"))
		if err != nil {
			t.Fatal(err)
		}
		return hex.EncodeToString(ed25519.Sign(k, b))
	}
	expect := func(what string, r browser.Response, code int, want string) {
		t.Helper()
		if r.Code != code || !strings.Contains(r.Body, want) {
			t.Errorf("%s: %d, want %d with %q; page:\n%.600s", what, r.Code, code, want, r.Body)
		}
	}

	a.Get("/land/mortgages/register")
	form := url.Values{"pubkey": {pubHex(f.clerk)}, "title": {"T1"}, "lender": {f.bobID}, "amount": {"1000"}, "currency": {"EUR"}, "rank": {"2"}, "document": {f.doc}}
	check := a.Post("/land/mortgages/register", form)
	expect("prepare", check, 200, "Check and sign: register a mortgage")
	first := browser.Hidden(t, check.Body, "prepared")

	expect("open before the first signature", a.Get("/land/cosign?t="+url.QueryEscape(first)), 422, "has not signed")
	expect("first signature from another key", a.Post("/land/cosign", url.Values{"prepared": {first}, "pubkey": {pubHex(f.alice)},
		"signature": {signPage(check.Body, f.alice)}}), 422, "must come from the key that prepared it")
	tampered := first[:10] + string("AB"[strings.IndexByte("AB", first[10])+1&1]) + first[11:]
	if first[10] != 'A' && first[10] != 'B' {
		tampered = first[:10] + "A" + first[11:]
	}
	expect("changed link", a.Post("/land/cosign", url.Values{"prepared": {tampered}, "pubkey": {pubHex(f.clerk)},
		"signature": {signPage(check.Body, f.clerk)}}), 422, "not made by this portal")

	waiting := a.Post("/land/cosign", url.Values{"prepared": {first}, "pubkey": {pubHex(f.clerk)}, "signature": {signPage(check.Body, f.clerk)}})
	expect("clerk signs", waiting, 200, "2 more signature(s) needed")
	link, err := url.Parse(browser.Attr(t, waiting.Body, `id="cosign-link" href`))
	if err != nil {
		t.Fatal(err)
	}
	token := link.Query().Get("t")
	page := a.Get("/land/cosign?t=" + url.QueryEscape(token))
	expect("co-signer opens the link", page, 200, "Register a mortgage on title T1")

	carol := apptest.DemoKey(t, "citizen-carol")
	expect("not a party", a.Post("/land/cosign", url.Values{"prepared": {token}, "pubkey": {pubHex(carol)}, "signature": {signPage(page.Body, carol)}}),
		422, "is not one of the accounts that sign")
	expect("bad signature", a.Post("/land/cosign", url.Values{"prepared": {token}, "pubkey": {pubHex(f.alice)}, "signature": {signPage(page.Body, f.bob)}}),
		422, "does not match this transaction")
	expect("signs twice", a.Post("/land/cosign", url.Values{"prepared": {token}, "pubkey": {pubHex(f.clerk)}, "signature": {signPage(page.Body, f.clerk)}}),
		422, "has already signed")
	expect("no key", a.Post("/land/cosign", url.Values{"prepared": {token}, "pubkey": {""}, "signature": {""}}), 422, "no key in this browser")

	owner := a.Post("/land/cosign", url.Values{"prepared": {token}, "pubkey": {pubHex(f.alice)}, "signature": {signPage(page.Body, f.alice)}})
	expect("owner signs", owner, 200, "1 more signature(s) needed")
	link, _ = url.Parse(browser.Attr(t, owner.Body, `id="cosign-link" href`))
	token = link.Query().Get("t")
	done := a.Post("/land/cosign", url.Values{"prepared": {token}, "pubkey": {pubHex(f.bob)}, "signature": {signPage(page.Body, f.bob)}})
	expect("lender signs", done, 200, "Mortgage M1 is registered on title T1")
	// The same last signature again (a double click, a reload): the same
	// transaction, whose result is shown; nothing is registered twice.
	again := a.Post("/land/cosign", url.Values{"prepared": {token}, "pubkey": {pubHex(f.bob)}, "signature": {signPage(page.Body, f.bob)}})
	expect("lender signs again", again, 200, "Mortgage M1 is registered on title T1")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := f.c.Query(ctx, "/land/title/T1", nil, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	var title land.Title
	if err := json.Unmarshal(res.Value, &title); err != nil || len(title.Mortgages) != 1 || title.Mortgages[0].Lender != f.bobID || title.Mortgages[0].Rank != 2 {
		t.Fatalf("title T1 on chain: %+v %v", title.Mortgages, err)
	}

	// Page weights (HTML + CSS + JS) of the new pages, under the portal's budget.
	for _, page := range []string{"/land/titles/T1/certificate", "/land/mortgages/register", "/land/parcels/subdivide", "/land/caveats/lodge", "/land/cosign?t=" + url.QueryEscape(token)} {
		r := browser.Get(t, f.base+page)
		if r.Code != 200 {
			t.Errorf("GET %s = %d", page, r.Code)
			continue
		}
		h, as := browser.Weight(t, f.base, r)
		t.Logf("page weight %-28.28s HTML %5d + CSS/JS %5d = %5d bytes", page, h, as, h+as)
		if h+as > 48<<10 {
			t.Errorf("%s weighs %d bytes, over the 48 KiB budget", page, h+as)
		}
	}
	// The certificate page's QR code is the code of its own check address.
	page = browser.Get(t, f.base+"/land/titles/T1/certificate")
	verify := html.UnescapeString(regexp.MustCompile(`id="certificate-verify-link" href="([^"]+)"`).FindStringSubmatch(page.Body)[1])
	code, err := qr.Encode(verify, qr.M)
	if err != nil {
		t.Fatal(err)
	}
	var d strings.Builder
	for _, r := range certificate.Runs(code) {
		fmt.Fprintf(&d, "M%d %dh%dv1h-%dz", r.X+certificate.Quiet, r.Y+certificate.Quiet, r.W, r.W)
	}
	if !strings.Contains(page.Body, `<path d="`+d.String()+`"`) || !strings.HasPrefix(verify, f.base+"/land/verify?height=") {
		t.Errorf("the certificate page's QR code is not the code of %s", verify)
	}
	cert := browser.Get(t, f.base+"/land/titles/T1/certificate.pdf")
	t.Logf("certificate PDF of T1 (one parcel, one mortgage): %d bytes", len(cert.Body))

	for path, want := range map[string]struct {
		Code int
		text string
	}{
		"/land/titles/T99/certificate":                                          {404, ""},
		"/land/titles/X1/certificate.pdf":                                       {404, ""},
		"/land/titles/T1/certificate.pdf?height=x":                              {400, "The height must be a block number"},
		"/land/verify?title=T1&height=2&sha256=zz":                              {422, "carries no SHA-256"},
		"/land/verify?title=&height=2&sha256=" + strings.Repeat("a", 64):        {422, "names no title"},
		"/land/verify?title=T1&height=999999&sha256=" + strings.Repeat("a", 64): {422, "is not final on this chain"},
		"/land/verify?title=T9&height=3&sha256=" + strings.Repeat("a", 64):      {422, "There was no title T9 at block 3"},
	} {
		r := browser.Get(t, f.base+path)
		if r.Code != want.Code || !strings.Contains(r.Body, want.text) {
			t.Errorf("GET %s: %d, want %d with %q", path, r.Code, want.Code, want.text)
		}
	}
}

// TestLandSettlementOverHTTP: a sale registered in one transaction: the
// clerk prepares and signs it, seller and buyer co-sign through the link,
// and the title changes hands. The form refuses a non-clerk, a seller who
// holds nothing, a share larger than held and a buyer who is the seller.
func TestLandSettlementOverHTTP(t *testing.T) {
	f := newLandDealingsFixture(t)
	a := browser.NewAgent(t, f.base)
	pubHex := func(k ed25519.PrivateKey) string { return hex.EncodeToString(k.Public().(ed25519.PublicKey)) }
	sign := func(body string, k ed25519.PrivateKey) string {
		b, err := hex.DecodeString(browser.Attr(t, body, "data-sign-bytes"))
		if err != nil {
			t.Fatal(err)
		}
		return hex.EncodeToString(ed25519.Sign(k, b))
	}
	expect := func(what string, r browser.Response, code int, want string) {
		t.Helper()
		if r.Code != code || !strings.Contains(r.Body, want) {
			t.Fatalf("%s: %d, want %d with %q; page:\n%s", what, r.Code, code, want, r.Body[strings.Index(r.Body, "<main"):])
		}
	}
	form := func(signer ed25519.PrivateKey, seller, buyer, share string) url.Values {
		return url.Values{"pubkey": {pubHex(signer)}, "title": {"T1"}, "seller": {seller}, "buyer": {buyer}, "share": {share}, "document": {f.doc}}
	}
	expect("title page links it", a.Get("/land/titles/T1"), 200, "/land/transfers/settle?title=T1")
	expect("form", a.Get("/land/transfers/settle?title=T1"), 200, "Register a sale signed at settlement")
	expect("not a clerk", a.Post("/land/transfers/settle", form(f.alice, f.aliceID, f.bobID, "1/2")), 422, "is not a clerk")
	expect("seller holds nothing", a.Post("/land/transfers/settle", form(f.clerk, f.bobID, f.aliceID, "1/2")), 422, "holds no share of title T1")
	expect("share above 1", a.Post("/land/transfers/settle", form(f.clerk, f.aliceID, f.bobID, "3/2")), 422, "from 0 to 1")
	expect("buyer is the seller", a.Post("/land/transfers/settle", form(f.clerk, f.aliceID, f.aliceID, "1/2")), 422, "someone other than the seller")

	check := a.Post("/land/transfers/settle", form(f.clerk, f.aliceID, f.bobID, "1/2"))
	expect("prepare", check, 200, "Transfer a share of title T1, registered at once")
	waiting := a.Post("/land/cosign", url.Values{"prepared": {browser.Hidden(t, check.Body, "prepared")}, "pubkey": {pubHex(f.clerk)}, "signature": {sign(check.Body, f.clerk)}})
	expect("clerk signs", waiting, 200, "2 more signature(s) needed")
	link, _ := url.Parse(browser.Attr(t, waiting.Body, `id="cosign-link" href`))
	token := link.Query().Get("t")
	page := a.Get("/land/cosign?t=" + url.QueryEscape(token))
	expect("seller opens the link", page, 200, "seller (1/2)")
	seller := a.Post("/land/cosign", url.Values{"prepared": {token}, "pubkey": {pubHex(f.alice)}, "signature": {sign(page.Body, f.alice)}})
	expect("seller signs", seller, 200, "1 more signature(s) needed")
	link, _ = url.Parse(browser.Attr(t, seller.Body, `id="cosign-link" href`))
	done := a.Post("/land/cosign", url.Values{"prepared": {link.Query().Get("t")}, "pubkey": {pubHex(f.bob)}, "signature": {sign(page.Body, f.bob)}})
	expect("buyer signs", done, 200, "The transfer of title T1 is registered")

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := f.c.Query(ctx, "/land/title/T1", nil, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	var title land.Title
	if err := json.Unmarshal(res.Value, &title); err != nil || len(title.Owners) != 2 {
		t.Fatalf("title T1 on chain: %+v %v", title.Owners, err)
	}
	for _, o := range title.Owners {
		if o.Share != "1/2" || (o.Party != f.aliceID && o.Party != f.bobID) {
			t.Fatalf("owners of T1: %+v", title.Owners)
		}
	}
	a.Get("/land/transfers/settle?title=T1")
	expect("more than held", a.Post("/land/transfers/settle", form(f.clerk, f.aliceID, f.bobID, "1")), 422, "holds 1/2 of title T1, less than 1")
}
