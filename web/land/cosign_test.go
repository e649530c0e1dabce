package web_test

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
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/x/land"
)

// TestLandCosignOverHTTP: a mortgage co-signed over plain HTTP, with each
// refusal of the co-signing step: a changed link, a first signature from
// another key, a key that is not a party, a bad signature, a party that
// signs twice. And the certificate and QR-check pages' answers to bad
// requests.
func TestLandCosignOverHTTP(t *testing.T) {
	f := newLandDealingsFixture(t)
	a := newAgent(t, f.base)
	pubHex := func(k ed25519.PrivateKey) string { return hex.EncodeToString(k.Public().(ed25519.PublicKey)) }
	signPage := func(body string, k ed25519.PrivateKey) string {
		b, err := hex.DecodeString(attr(t, body, "data-sign-bytes"))
		if err != nil {
			t.Fatal(err)
		}
		return hex.EncodeToString(ed25519.Sign(k, b))
	}
	expect := func(what string, r response, code int, want string) {
		t.Helper()
		if r.code != code || !strings.Contains(r.body, want) {
			t.Errorf("%s: %d, want %d with %q; page:\n%.600s", what, r.code, code, want, r.body)
		}
	}

	a.get("/land/mortgages/register")
	form := url.Values{"pubkey": {pubHex(f.clerk)}, "title": {"T1"}, "lender": {f.bobID}, "amount": {"1000"}, "currency": {"EUR"}, "rank": {"2"}, "document": {f.doc}}
	check := a.post("/land/mortgages/register", form)
	expect("prepare", check, 200, "Check and sign: register a mortgage")
	first := hidden(t, check.body, "prepared")

	expect("open before the first signature", a.get("/land/cosign?t="+url.QueryEscape(first)), 422, "has not signed")
	expect("first signature from another key", a.post("/land/cosign", url.Values{"prepared": {first}, "pubkey": {pubHex(f.alice)},
		"signature": {signPage(check.body, f.alice)}}), 422, "must come from the key that prepared it")
	tampered := first[:10] + string("AB"[strings.IndexByte("AB", first[10])+1&1]) + first[11:]
	if first[10] != 'A' && first[10] != 'B' {
		tampered = first[:10] + "A" + first[11:]
	}
	expect("changed link", a.post("/land/cosign", url.Values{"prepared": {tampered}, "pubkey": {pubHex(f.clerk)},
		"signature": {signPage(check.body, f.clerk)}}), 422, "not made by this portal")

	waiting := a.post("/land/cosign", url.Values{"prepared": {first}, "pubkey": {pubHex(f.clerk)}, "signature": {signPage(check.body, f.clerk)}})
	expect("clerk signs", waiting, 200, "2 more signature(s) needed")
	link, err := url.Parse(attr(t, waiting.body, `id="cosign-link" href`))
	if err != nil {
		t.Fatal(err)
	}
	token := link.Query().Get("t")
	page := a.get("/land/cosign?t=" + url.QueryEscape(token))
	expect("co-signer opens the link", page, 200, "Register a mortgage on title T1")

	carol := testnode.DemoKey(t, "citizen-carol")
	expect("not a party", a.post("/land/cosign", url.Values{"prepared": {token}, "pubkey": {pubHex(carol)}, "signature": {signPage(page.body, carol)}}),
		422, "is not one of the accounts that sign")
	expect("bad signature", a.post("/land/cosign", url.Values{"prepared": {token}, "pubkey": {pubHex(f.alice)}, "signature": {signPage(page.body, f.bob)}}),
		422, "does not match this transaction")
	expect("signs twice", a.post("/land/cosign", url.Values{"prepared": {token}, "pubkey": {pubHex(f.clerk)}, "signature": {signPage(page.body, f.clerk)}}),
		422, "has already signed")
	expect("no key", a.post("/land/cosign", url.Values{"prepared": {token}, "pubkey": {""}, "signature": {""}}), 422, "no key in this browser")

	owner := a.post("/land/cosign", url.Values{"prepared": {token}, "pubkey": {pubHex(f.alice)}, "signature": {signPage(page.body, f.alice)}})
	expect("owner signs", owner, 200, "1 more signature(s) needed")
	link, _ = url.Parse(attr(t, owner.body, `id="cosign-link" href`))
	token = link.Query().Get("t")
	done := a.post("/land/cosign", url.Values{"prepared": {token}, "pubkey": {pubHex(f.bob)}, "signature": {signPage(page.body, f.bob)}})
	expect("lender signs", done, 200, "Mortgage M1 is registered on title T1")
	// The same last signature again (a double click, a reload): the same
	// transaction, whose result is shown; nothing is registered twice.
	again := a.post("/land/cosign", url.Values{"prepared": {token}, "pubkey": {pubHex(f.bob)}, "signature": {signPage(page.body, f.bob)}})
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
		r := get(t, f.base+page)
		if r.code != 200 {
			t.Errorf("GET %s = %d", page, r.code)
			continue
		}
		h, as := weight(t, f.base, r)
		t.Logf("page weight %-28.28s HTML %5d + CSS/JS %5d = %5d bytes", page, h, as, h+as)
		if h+as > 48<<10 {
			t.Errorf("%s weighs %d bytes, over the 48 KiB budget", page, h+as)
		}
	}
	// The certificate page's QR code is the code of its own check address.
	page = get(t, f.base+"/land/titles/T1/certificate")
	verify := html.UnescapeString(regexp.MustCompile(`id="certificate-verify-link" href="([^"]+)"`).FindStringSubmatch(page.body)[1])
	code, err := qr.Encode(verify, qr.M)
	if err != nil {
		t.Fatal(err)
	}
	var d strings.Builder
	for _, r := range certificate.Runs(code) {
		fmt.Fprintf(&d, "M%d %dh%dv1h-%dz", r.X+certificate.Quiet, r.Y+certificate.Quiet, r.W, r.W)
	}
	if !strings.Contains(page.body, `<path d="`+d.String()+`"`) || !strings.HasPrefix(verify, f.base+"/land/verify?height=") {
		t.Errorf("the certificate page's QR code is not the code of %s", verify)
	}
	cert := get(t, f.base+"/land/titles/T1/certificate.pdf")
	t.Logf("certificate PDF of T1 (one parcel, one mortgage): %d bytes", len(cert.body))

	for path, want := range map[string]struct {
		code int
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
		r := get(t, f.base+path)
		if r.code != want.code || !strings.Contains(r.body, want.text) {
			t.Errorf("GET %s: %d, want %d with %q", path, r.code, want.code, want.text)
		}
	}
}

// TestLandSettlementOverHTTP: a sale registered in one transaction: the
// clerk prepares and signs it, seller and buyer co-sign through the link,
// and the title changes hands. The form refuses a non-clerk, a seller who
// holds nothing, a share larger than held and a buyer who is the seller.
func TestLandSettlementOverHTTP(t *testing.T) {
	f := newLandDealingsFixture(t)
	a := newAgent(t, f.base)
	pubHex := func(k ed25519.PrivateKey) string { return hex.EncodeToString(k.Public().(ed25519.PublicKey)) }
	sign := func(body string, k ed25519.PrivateKey) string {
		b, err := hex.DecodeString(attr(t, body, "data-sign-bytes"))
		if err != nil {
			t.Fatal(err)
		}
		return hex.EncodeToString(ed25519.Sign(k, b))
	}
	expect := func(what string, r response, code int, want string) {
		t.Helper()
		if r.code != code || !strings.Contains(r.body, want) {
			t.Fatalf("%s: %d, want %d with %q; page:\n%s", what, r.code, code, want, r.body[strings.Index(r.body, "<main"):])
		}
	}
	form := func(signer ed25519.PrivateKey, seller, buyer, share string) url.Values {
		return url.Values{"pubkey": {pubHex(signer)}, "title": {"T1"}, "seller": {seller}, "buyer": {buyer}, "share": {share}, "document": {f.doc}}
	}
	expect("title page links it", a.get("/land/titles/T1"), 200, "/land/transfers/settle?title=T1")
	expect("form", a.get("/land/transfers/settle?title=T1"), 200, "Register a sale signed at settlement")
	expect("not a clerk", a.post("/land/transfers/settle", form(f.alice, f.aliceID, f.bobID, "1/2")), 422, "is not a clerk")
	expect("seller holds nothing", a.post("/land/transfers/settle", form(f.clerk, f.bobID, f.aliceID, "1/2")), 422, "holds no share of title T1")
	expect("share above 1", a.post("/land/transfers/settle", form(f.clerk, f.aliceID, f.bobID, "3/2")), 422, "from 0 to 1")
	expect("buyer is the seller", a.post("/land/transfers/settle", form(f.clerk, f.aliceID, f.aliceID, "1/2")), 422, "someone other than the seller")

	check := a.post("/land/transfers/settle", form(f.clerk, f.aliceID, f.bobID, "1/2"))
	expect("prepare", check, 200, "Transfer a share of title T1, registered at once")
	waiting := a.post("/land/cosign", url.Values{"prepared": {hidden(t, check.body, "prepared")}, "pubkey": {pubHex(f.clerk)}, "signature": {sign(check.body, f.clerk)}})
	expect("clerk signs", waiting, 200, "2 more signature(s) needed")
	link, _ := url.Parse(attr(t, waiting.body, `id="cosign-link" href`))
	token := link.Query().Get("t")
	page := a.get("/land/cosign?t=" + url.QueryEscape(token))
	expect("seller opens the link", page, 200, "seller (1/2)")
	seller := a.post("/land/cosign", url.Values{"prepared": {token}, "pubkey": {pubHex(f.alice)}, "signature": {sign(page.body, f.alice)}})
	expect("seller signs", seller, 200, "1 more signature(s) needed")
	link, _ = url.Parse(attr(t, seller.body, `id="cosign-link" href`))
	done := a.post("/land/cosign", url.Values{"prepared": {link.Query().Get("t")}, "pubkey": {pubHex(f.bob)}, "signature": {sign(page.body, f.bob)}})
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
	a.get("/land/transfers/settle?title=T1")
	expect("more than held", a.post("/land/transfers/settle", form(f.clerk, f.aliceID, f.bobID, "1")), 422, "holds 1/2 of title T1, less than 1")
}
