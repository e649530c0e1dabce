package land_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/publica/publica/client"
	"github.com/publica/publica/extract"
	"github.com/publica/publica/extract/certificate"
	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/internal/apptest/browser"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/web"
	"github.com/publica/publica/x/land"
)

// landDealingsFixture is one node and portal with two titled parcels,
// registered directly through the client: P1 (title T1) and P2 (title
// T2), both owned by alice.
type landDealingsFixture struct {
	base              string
	c                 *client.Client
	clerk, alice, bob ed25519.PrivateKey
	aliceID, bobID    string
	doc               string
}

func newLandDealingsFixture(t *testing.T) *landDealingsFixture {
	t.Helper()
	n, c := testnode.Start(t, testnode.InitHome(t))
	f := &landDealingsFixture{base: browser.Serve(t, n, web.Options{Refresh: -1}), c: c,
		clerk: apptest.DemoKey(t, "clerk"), alice: apptest.DemoKey(t, "citizen-alice"), bob: apptest.DemoKey(t, "citizen-bob")}
	f.aliceID, f.bobID = tx.AccountID(f.alice.Public().(ed25519.PublicKey)), tx.AccountID(f.bob.Public().(ed25519.PublicKey))
	sum := sha256.Sum256([]byte("deed of grant"))
	f.doc = hex.EncodeToString(sum[:])
	for i, x0 := range []int64{0, 20000} {
		f.send(t, land.TypeRegisterParcel, land.MsgRegisterParcel{CadastralRef: "LOT-" + string(rune('1'+i)), Document: f.doc,
			Geometry: land.Geometry{Type: "Polygon", CRS: "EPSG:32633", Coordinates: json.RawMessage(squareCoords(x0, 0, 10000))}})
		f.send(t, land.TypeRegisterTitle, land.MsgRegisterTitle{Parcels: []string{"P" + string(rune('1'+i))},
			Owners: []land.Share{{Party: f.aliceID, Share: "1"}}, Tenure: "freehold", Document: f.doc})
	}
	return f
}

func squareCoords(x0, y0, side int64) string {
	b, _ := json.Marshal([][][2]int64{{{x0, y0}, {x0 + side, y0}, {x0 + side, y0 + side}, {x0, y0 + side}, {x0, y0}}})
	return string(b)
}

func (f *landDealingsFixture) send(t *testing.T, typ string, msg any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	x, err := f.c.Build(ctx, f.clerk.Public().(ed25519.PublicKey), typ, msg, 100)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.c.Send(ctx, x, f.clerk); err != nil {
		t.Fatal(err)
	}
}

// landBrowser is a browser tab with the journey helpers of the land tests.
type landBrowser struct {
	t    *testing.T
	ctx  context.Context
	w    *browser.PageWatch
	base string
}

const signReady = `document.querySelector("[data-sign-status]") && document.querySelector("[data-sign-status]").textContent.startsWith("Ready")`

func (b *landBrowser) open(path, pub string) {
	b.t.Helper()
	browser.Run(b.t, b.ctx, "open "+path, chromedp.Navigate(b.base+path),
		browser.Poll(`document.getElementById("f-pubkey").value === "`+pub+`"`, 10*time.Second))
	browser.WantStatus(b.t, b.w, path, 200)
}

func (b *landBrowser) fill(values map[string]string) {
	b.t.Helper()
	for k, v := range values {
		browser.Run(b.t, b.ctx, "fill "+k, chromedp.SetValue("#f-"+k, v, chromedp.ByID))
	}
}

// refused submits the form and expects a 422 error summary with each want.
func (b *landBrowser) refused(what string, wants ...string) {
	b.t.Helper()
	browser.Run(b.t, b.ctx, what, browser.Submitted(".error-summary", chromedp.Click("form.journey-form button", chromedp.ByQuery)))
	browser.WantStatus(b.t, b.w, what, 422)
	sum := browser.Text(b.t, b.ctx, ".error-summary")
	for _, want := range wants {
		if !strings.Contains(sum, want) {
			b.t.Errorf("%s: error summary %q lacks %q", what, sum, want)
		}
	}
	var title string
	browser.Run(b.t, b.ctx, "title", chromedp.Title(&title))
	if !strings.HasPrefix(title, "Error: ") {
		b.t.Errorf("%s: title %q", what, title)
	}
}

// prepare submits the form and waits for the check page, ready to sign.
func (b *landBrowser) prepare(what string) {
	b.t.Helper()
	browser.Run(b.t, b.ctx, what+": prepare", browser.Submitted("form[data-sign]", chromedp.Click("form.journey-form button", chromedp.ByQuery)),
		browser.Poll(signReady, 5*time.Second))
	browser.WantStatus(b.t, b.w, what+" check page", 200)
}

// sign signs the check page and waits for sel on the next page.
func (b *landBrowser) sign(what, sel string) {
	b.t.Helper()
	browser.Run(b.t, b.ctx, what+": sign", browser.Submitted(sel, chromedp.Click("form[data-sign] button", chromedp.ByQuery)))
	browser.WantStatus(b.t, b.w, what, 200)
}

func (b *landBrowser) page(what, path, sel string) {
	b.t.Helper()
	browser.Run(b.t, b.ctx, what, chromedp.Navigate(b.base+path), chromedp.WaitVisible(sel, chromedp.ByQuery))
	browser.WantStatus(b.t, b.w, what, 200)
}

func (b *landBrowser) href(sel string) string {
	b.t.Helper()
	var h string
	var ok bool
	browser.Run(b.t, b.ctx, "href of "+sel, chromedp.AttributeValue(sel, "href", &h, &ok, chromedp.ByQuery))
	if !ok {
		b.t.Fatalf("%s has no href", sel)
	}
	return h
}

// TestLandDealingsInBrowser runs, against one real node: a clerk prepares a
// mortgage that the owner and the lender co-sign through its link, and
// lodges a caveat, both then on the title page (and a further mortgage is
// refused while the caveat stands); the title certificate page and PDF,
// whose QR address re-checks the extract and whose attachment verifies
// offline; and a subdivision drawn over its parent, refused while the
// children overlap, after which parent and children link each other.
// axe-core checks every new page.
func TestLandDealingsInBrowser(t *testing.T) {
	f := newLandDealingsFixture(t)
	t.Run("mortgage, caveat and certificate", func(t *testing.T) {
		b := &landBrowser{t: t, ctx: browser.New(t), base: f.base}
		b.w = browser.Watch(b.ctx)
		clerkPub := browser.UseKey(t, b.ctx, f.base, f.clerk)

		// The clerk prepares the mortgage; a lender with no account is refused.
		b.open("/land/mortgages/register?title=T1", clerkPub)
		browser.RequireAccessible(t, b.ctx, "mortgage form")
		b.fill(map[string]string{"lender": strings.Repeat("ab", 20), "amount": "250000.00", "currency": "eur", "document": f.doc})
		b.refused("lender without account", "There is no account abab")
		browser.RequireAccessible(t, b.ctx, "mortgage form with errors")
		b.fill(map[string]string{"lender": f.bobID})
		b.prepare("mortgage")
		if s := browser.Text(t, b.ctx, "#cosigners"); !strings.Contains(s, f.aliceID) || !strings.Contains(s, "lender") || !strings.Contains(s, "prepared it") {
			t.Errorf("signers before signing: %q", s)
		}
		browser.RequireAccessible(t, b.ctx, "mortgage check page")
		b.sign("clerk signs the mortgage", "#cosign-waiting")
		link := b.href("#cosign-link")
		if !strings.HasPrefix(link, f.base+"/land/cosign?t=") {
			t.Fatalf("co-signing link %q", link)
		}
		browser.RequireAccessible(t, b.ctx, "mortgage waiting for signatures")

		// The owner, then the lender, open the link with their own keys.
		browser.UseKey(t, b.ctx, f.base, f.alice)
		browser.Run(t, b.ctx, "owner opens the link", chromedp.Navigate(link), browser.Poll(signReady, 5*time.Second))
		if fs := browser.Text(t, b.ctx, "#tx-facts"); !strings.Contains(fs, "€250,000.00") || !strings.Contains(fs, f.bobID) {
			t.Errorf("co-signer's facts %q", fs)
		}
		browser.RequireAccessible(t, b.ctx, "co-signing page")
		b.sign("owner signs", "#cosign-waiting")
		if s := browser.Text(t, b.ctx, "#cosigners"); strings.Count(s, "Signed") != 2 {
			t.Errorf("after the owner signed: %q", s)
		}
		link = b.href("#cosign-link")
		browser.UseKey(t, b.ctx, f.base, f.bob)
		browser.Run(t, b.ctx, "lender opens the link", chromedp.Navigate(link), browser.Poll(signReady, 5*time.Second))
		b.sign("lender signs", "#confirmation")
		if got := browser.Text(t, b.ctx, "#result-facts dd"); strings.TrimSpace(got) != "M1" {
			t.Fatalf("registered mortgage %q", got)
		}
		browser.RequireAccessible(t, b.ctx, "mortgage confirmation")

		// The clerk lodges a caveat (on a court order).
		browser.UseKey(t, b.ctx, f.base, f.clerk)
		b.open("/land/caveats/lodge?title=T1", clerkPub)
		browser.RequireAccessible(t, b.ctx, "caveat form")
		b.fill(map[string]string{"reason": "Freezing order, High Court file 2026/118", "document": f.doc})
		b.prepare("caveat")
		b.sign("caveat", "#confirmation")
		if got := browser.Text(t, b.ctx, "#result-facts dd"); strings.TrimSpace(got) != "C1" {
			t.Fatalf("lodged caveat %q", got)
		}
		b.page("title page", "/land/titles/T1", "#title-burdens")
		if s := browser.Text(t, b.ctx, "#title-burdens"); !strings.Contains(s, "Mortgage M1 (rank 1)") || !strings.Contains(s, f.bobID) ||
			!strings.Contains(s, "Caveat C1") || !strings.Contains(s, "Freezing order") {
			t.Errorf("title burdens %q", s)
		}
		if s := browser.Text(t, b.ctx, "#title-actions"); !strings.Contains(s, "Withdraw caveat C1") || !strings.Contains(s, "Discharge mortgage M1") || !strings.Contains(s, "frozen") {
			t.Errorf("title actions %q", s)
		}
		browser.RequireAccessible(t, b.ctx, "title page with mortgage and caveat")
		// While the caveat stands, a second mortgage is refused before signing.
		b.open("/land/mortgages/register?title=T1", clerkPub)
		b.fill(map[string]string{"lender": f.bobID, "amount": "100", "currency": "EUR", "document": f.doc})
		b.refused("mortgage on a frozen title", "Title T1 is frozen by caveat C1")

		// The certificate, its QR address and its PDF.
		b.page("title page", "/land/titles/T1", "#certificate-links")
		browser.Run(t, b.ctx, "certificate", chromedp.Click("#certificate-links a", chromedp.ByQuery), chromedp.WaitVisible("#certificate", chromedp.ByID))
		browser.WantStatus(t, b.w, "certificate page", 200)
		if s := browser.Text(t, b.ctx, "#certificate-mortgages"); !strings.Contains(s, "Mortgage M1") || !strings.Contains(s, "€250,000.00") {
			t.Errorf("certificate mortgages %q", s)
		}
		if s := browser.Text(t, b.ctx, "#certificate-caveats"); !strings.Contains(s, "Caveat C1") {
			t.Errorf("certificate caveats %q", s)
		}
		browser.RequireAccessible(t, b.ctx, "certificate page")
		verifyURL := b.href("#certificate-verify-link")
		pdfHref := b.href("#certificate-downloads a")
		resp, err := http.Get(f.base + pdfHref)
		if err != nil {
			t.Fatal(err)
		}
		pdf, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" || !strings.Contains(resp.Header.Get("Content-Disposition"), ".certificate.pdf") {
			t.Fatalf("certificate PDF: %d %v", resp.StatusCode, resp.Header)
		}
		x, raw, err := extract.Read(pdf)
		if err != nil {
			t.Fatal(err)
		}
		res, err := extract.Verify(x)
		if err != nil || len(res.Title.Mortgages) != 1 || len(res.Title.Caveats) != 1 {
			t.Fatalf("attached extract: %+v %v", res, err)
		}
		cert, err := certificate.New(x, f.base)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(raw)
		if cert.VerifyURL != verifyURL || !strings.Contains(verifyURL, hex.EncodeToString(sum[:])) {
			t.Errorf("page's verify link %s, the PDF's extract gives %s", verifyURL, cert.VerifyURL)
		}
		if again := browser.Get(t, f.base+pdfHref); !bytes.Equal([]byte(again.Body), pdf) {
			t.Errorf("the certificate PDF at a stated height changed between two downloads")
		}
		t.Logf("certificate PDF %d bytes, attached extract %d bytes", len(pdf), len(raw))

		// The QR address re-checks the extract; a wrong hash is refused.
		browser.Run(t, b.ctx, "verify by QR address", chromedp.Navigate(verifyURL), chromedp.WaitVisible("#verdict", chromedp.ByID))
		browser.WantStatus(t, b.w, "verify by QR address", 200)
		if s := browser.Text(t, b.ctx, "#verdict-sha256"); !strings.Contains(s, hex.EncodeToString(sum[:])) {
			t.Errorf("verdict hash line %q", s)
		}
		browser.RequireAccessible(t, b.ctx, "verify page from a QR code")
		wrong := strings.Replace(verifyURL, hex.EncodeToString(sum[:]), strings.Repeat("0", 64), 1)
		browser.Run(t, b.ctx, "verify a wrong hash", chromedp.Navigate(wrong), chromedp.WaitVisible(".error-summary", chromedp.ByQuery))
		browser.WantStatus(t, b.w, "verify a wrong hash", 422)
		if s := browser.Text(t, b.ctx, ".error-summary"); !strings.Contains(s, "does not match the register") {
			t.Errorf("wrong hash: %q", s)
		}
		browser.RequireAccessible(t, b.ctx, "verify page refusing a certificate")

		// The PDF itself, uploaded on the verify page.
		file := filepath.Join(t.TempDir(), cert.FileName())
		if err := os.WriteFile(file, pdf, 0o600); err != nil {
			t.Fatal(err)
		}
		browser.Run(t, b.ctx, "verify page", chromedp.Navigate(f.base+"/land/verify"), chromedp.WaitVisible("#f-file", chromedp.ByID),
			chromedp.SetUploadFiles("#f-file", []string{file}, chromedp.ByID),
			browser.Submitted("#verdict", chromedp.Click("form.journey-form button", chromedp.ByQuery)))
		browser.WantStatus(t, b.w, "verify an uploaded certificate", 200)
		if s := browser.Text(t, b.ctx, "#verdict"); !strings.Contains(s, "Verified: title T1") {
			t.Errorf("uploaded certificate verdict %q", s)
		}
		b.w.Check(t)
	})

	t.Run("subdivision", func(t *testing.T) {
		b := &landBrowser{t: t, ctx: browser.New(t), base: f.base}
		b.w = browser.Watch(b.ctx)
		clerkPub := browser.UseKey(t, b.ctx, f.base, f.clerk)
		feature := func(ref, coords string) string {
			return `{"type":"Feature","properties":{"cadastral_ref":"` + ref + `"},"geometry":{"type":"Polygon","coordinates":` + coords + `}}`
		}
		fc := func(features ...string) string {
			return `{"type":"FeatureCollection","features":[` + strings.Join(features, ",") + `]}`
		}
		b.open("/land/parcels/subdivide?parcel=P2", clerkPub)
		browser.RequireAccessible(t, b.ctx, "subdivision form")
		west := `[[[20000,0],[25000,0],[25000,10000],[20000,10000],[20000,0]]]`
		east := `[[[25000,0],[30000,0],[30000,10000],[25000,10000],[25000,0]]]`
		wide := `[[[24000,0],[30000,0],[30000,10000],[24000,10000],[24000,0]]]`
		b.fill(map[string]string{"children": fc(feature("LOT-2-W", west), feature("LOT-2-E", wide)), "document": f.doc})
		b.refused("overlapping children", "Children 1 (LOT-2-W) and 2 (LOT-2-E) overlap")
		browser.RequireAccessible(t, b.ctx, "subdivision form with errors")
		outside := `[[[25000,0],[31000,0],[31000,10000],[25000,10000],[25000,0]]]`
		b.fill(map[string]string{"children": fc(feature("LOT-2-W", west), feature("LOT-2-E", outside))})
		b.refused("child outside the parent", "Child 2 (LOT-2-E) is not inside parcel P2")
		b.fill(map[string]string{"children": fc(feature("LOT-2-W", west), feature("LOT-2-E", east))})
		b.prepare("subdivision")
		var parents, children int
		browser.Run(t, b.ctx, "preview", chromedp.Evaluate(`document.querySelectorAll("#subdivision-preview svg path.parent").length`, &parents),
			chromedp.Evaluate(`document.querySelectorAll("#subdivision-preview svg path.child").length`, &children))
		if parents != 1 || children != 2 {
			t.Errorf("preview draws %d parent and %d child outlines, want 1 and 2", parents, children)
		}
		var d string
		var ok bool
		browser.Run(t, b.ctx, "parent path", chromedp.AttributeValue("#subdivision-preview svg path.parent", "d", &d, &ok, chromedp.ByQuery))
		if d != "M20000 0L30000 0L30000 -10000L20000 -10000L20000 0Z" {
			t.Errorf("parent outline %q", d)
		}
		if s := browser.Text(t, b.ctx, "#tx-facts"); !strings.Contains(s, "LOT-2-W, 5,000 m²") || !strings.Contains(s, "LOT-2-E, 5,000 m²") {
			t.Errorf("subdivision facts %q", s)
		}
		browser.RequireAccessible(t, b.ctx, "subdivision check page")
		b.sign("subdivision", "#confirmation")
		if s := browser.Text(t, b.ctx, "#result-facts"); !strings.Contains(s, "P3") || !strings.Contains(s, "P4") {
			t.Errorf("subdivision result %q", s)
		}
		browser.RequireAccessible(t, b.ctx, "subdivision confirmation")
		b.page("parent parcel", "/land/parcels/P2", "#parcel-lineage")
		if s := browser.Text(t, b.ctx, "#parcel-lineage-children"); s != "P3, P4" {
			t.Errorf("parent's children %q", s)
		}
		if s := browser.Text(t, b.ctx, "#timeline"); !strings.Contains(s, "Subdivided") {
			t.Errorf("parent timeline %q", s)
		}
		browser.RequireAccessible(t, b.ctx, "retired parent parcel")
		browser.Run(t, b.ctx, "child parcel", chromedp.Click("#parcel-lineage-children a", chromedp.ByQuery), chromedp.WaitVisible("#parcel-lineage-parents", chromedp.ByID))
		if s := browser.Text(t, b.ctx, "#parcel-lineage-parents"); s != "P2" {
			t.Errorf("child's parent %q", s)
		}
		if s := browser.Text(t, b.ctx, "#parcel-facts"); !strings.Contains(s, "T3") {
			t.Errorf("child P3's title: %q", s)
		}
		browser.RequireAccessible(t, b.ctx, "child parcel")
		b.w.Check(t)
	})
}
