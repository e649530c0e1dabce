package documents_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/publica/publica/internal/apptest/browser"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/web"
	"github.com/publica/publica/x/land"
)

const signReady = `document.querySelector("[data-sign-status]") && document.querySelector("[data-sign-status]").textContent.startsWith("Ready")`

// TestDocumentsInBrowser: a clerk registering a parcel picks the survey
// plan in the form; the browser computes its SHA-256 (WebCrypto), fills
// in the hash field and uploads the file; the clerk signs; the plan then
// downloads from /documents/<sha256> with its exact bytes, also for a
// visitor with no key. A mortgage deed is refused to that visitor (403).
// axe-core checks the form with its file input and the refusal page.
func TestDocumentsInBrowser(t *testing.T) {
	n, c := testnode.Start(t, testnode.InitHome(t))
	base := browser.Serve(t, n, web.Options{Refresh: -1, Logger: browser.TestLogger(t)})
	clerk, alice, bob := testnode.DemoKey(t, "clerk"), testnode.DemoKey(t, "citizen-alice"), testnode.DemoKey(t, "citizen-bob")

	plan := append([]byte("%PDF-1.4\n% survey plan of 4 Mill Lane\n"), bytes.Repeat([]byte{0, 1, 2, 0xff}, 50_000)...)
	dir := t.TempDir()
	planPath := filepath.Join(dir, "plan.pdf")
	if err := os.WriteFile(planPath, plan, 0o600); err != nil {
		t.Fatal(err)
	}
	hp := sum(plan)

	ctx := browser.New(t)
	w := browser.Watch(ctx)
	clerkPub := browser.UseKey(t, ctx, base, clerk)
	browser.Run(t, ctx, "parcel form", chromedp.Navigate(base+"/land/parcels/register"),
		browser.Poll(`document.getElementById("f-pubkey").value === "`+clerkPub+`" && !!document.getElementById("f-document-file")`, 10*time.Second))
	browser.WantStatus(t, w, "parcel form", 200)
	browser.RequireAccessible(t, ctx, "parcel form with a document file input")

	browser.Run(t, ctx, "choose the plan", chromedp.SetUploadFiles("#f-document-file", []string{planPath}, chromedp.ByID),
		browser.Poll(`!!document.querySelector("[data-uploaded]")`, 15*time.Second))
	var filled string
	browser.Run(t, ctx, "hash field", chromedp.Value("#f-document", &filled, chromedp.ByID))
	if filled != hp {
		t.Fatalf("the browser filled in %q, want %s", filled, hp)
	}
	if s := browser.Text(t, ctx, "#f-document-file-status"); !strings.Contains(s, "uploaded") || !strings.Contains(s, "plan.pdf") {
		t.Errorf("status after choosing the file: %q", s)
	}
	browser.RequireAccessible(t, ctx, "parcel form after choosing the file")
	// At phone width the file input and its status fit the screen.
	var fits bool
	browser.Run(t, ctx, "phone width", chromedp.EmulateViewport(390, 844),
		chromedp.Evaluate(`(() => { const box = document.getElementById("f-document-file").closest(".field");
			return [box, ...box.querySelectorAll("*")].every(e => e.getBoundingClientRect().right <= window.innerWidth); })()`, &fits),
		chromedp.EmulateViewport(1280, 900))
	if !fits {
		t.Error("the document file input is wider than a 390 px screen")
	}
	if fs, _ := os.ReadDir(filepath.Join(n.Config.RootDir, "documents")); len(fs) != 1 || fs[0].Name() != hp {
		t.Fatalf("the store holds %v", fs)
	}

	browser.Run(t, ctx, "fill the form",
		chromedp.SetValue("#f-cadastral_ref", "DOC-BROWSER-1", chromedp.ByID),
		chromedp.SetValue("#f-address", "4 Mill Lane", chromedp.ByID),
		chromedp.SetValue("#f-geometry", `{"type":"Polygon","coordinates":[[[0,0],[10000,0],[10000,10000],[0,10000],[0,0]]]}`, chromedp.ByID))
	browser.Run(t, ctx, "prepare", browser.Submitted("form[data-sign]", chromedp.Click("form.journey-form button", chromedp.ByQuery)),
		browser.Poll(signReady, 5*time.Second))
	browser.WantStatus(t, w, "check page", 200)
	browser.Run(t, ctx, "sign", browser.Submitted("#confirmation", chromedp.Click("form[data-sign] button", chromedp.ByQuery)))
	browser.WantStatus(t, w, "confirmation", 200)

	// The plan downloads from its URL with its bytes: in the browser (a
	// fresh visitor, no key needed for a public-register document) ...
	fetchJS := `(async () => { const r = await fetch("/documents/` + hp + `"); const b = new Uint8Array(await r.arrayBuffer());
		let s = ""; for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode.apply(null, b.subarray(i, i + 8192));
		return JSON.stringify({status: r.status, disposition: r.headers.get("Content-Disposition"), body: btoa(s)}); })()`
	var got struct {
		Status      int    `json:"status"`
		Disposition string `json:"disposition"`
		Body        string `json:"body"`
	}
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		var out string
		browser.Run(t, ctx, "fetch the plan", browser.EvalAwait(fetchJS, &out))
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatal(err)
		}
		if got.Status != http.StatusNotFound || time.Now().After(deadline) {
			break
		}
	}
	body, _ := base64.StdEncoding.DecodeString(got.Body)
	if got.Status != http.StatusOK || !bytes.Equal(body, plan) || !strings.HasPrefix(got.Disposition, "attachment;") {
		t.Fatalf("the plan from its URL: %d, %d bytes (want %d), %q", got.Status, len(body), len(plan), got.Disposition)
	}
	// ... and to a plain HTTP client.
	if r := do(t, http.MethodGet, base+"/documents/"+hp, nil, nil, ""); r.code != http.StatusOK || !bytes.Equal(r.body, plan) {
		t.Fatalf("plain GET of the plan: %d", r.code)
	}

	// A mortgage deed is restricted: a visitor with no key is refused.
	deed := []byte("%PDF-1.4\nmortgage deed of 4 Mill Lane\n")
	hd := sum(deed)
	if r := do(t, http.MethodPut, base+"/api/documents/"+hd, deed, alice, hd); r.code != http.StatusCreated {
		t.Fatalf("upload the deed: %d %s", r.code, r.body)
	}
	testnode.Send(t, c, land.TypeRegisterTitle, land.MsgRegisterTitle{Parcels: []string{"P1"},
		Owners: []land.Share{{Party: "N1", Share: "1"}}, Tenure: "freehold", Document: hp}, clerk)
	testnode.Send(t, c, land.TypeRegisterMortgage, land.MsgRegisterMortgage{Title: "T1", Lender: "N2", Amount: "25000000",
		Currency: "EUR", Rank: 1, Document: hd}, alice, bob)
	waitCited(t, base+"/documents/"+hd, clerk, hd)

	anon := browser.New(t)
	aw := browser.Watch(anon)
	browser.Run(t, anon, "anonymous visitor opens the deed", chromedp.Navigate(base+"/documents/"+hd), chromedp.WaitVisible("main h1", chromedp.ByQuery))
	browser.WantStatus(t, aw, "mortgage deed, anonymous", http.StatusForbidden)
	if s := browser.Text(t, anon, "main"); !strings.Contains(s, "only clerks and the parties") || strings.Contains(s, "mortgage deed of 4 Mill Lane") {
		t.Errorf("refusal page: %q", s)
	}
	browser.RequireAccessible(t, anon, "document refused")
	w.Check(t)
}
