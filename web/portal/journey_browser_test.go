package portal_test

import (
	"context"
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/publica/publica/audit"
	"github.com/publica/publica/internal/apptest/browser"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/web"
	"github.com/publica/publica/web/portal"
	"github.com/publica/publica/x/authority"
)

// TestKeyRegisterSignInExplore is the citizen's and the auditor's first
// journey in a real browser against a real node: make a key in the
// browser, back it up and restore it, register it as an account through
// the signing flow, sign in with it, and find the transaction in the
// explorer. Refused answers, a tampered signature and a tampered sign-in
// are shown as error summaries with status 422. axe-core checks every page.
func TestKeyRegisterSignInExplore(t *testing.T) {
	bctx := browser.New(t)
	w := browser.Watch(bctx)
	home := testnode.InitHome(t)
	n, c := testnode.Start(t, home)
	if err := audit.WriteReport(home, &audit.Report{Time: time.Now().UTC(), ChainID: "publica-dev", Result: audit.ResultVerified,
		Blocks: 7, Transactions: 2, FirstHeight: 1, LastHeight: 7, FinalAppHash: "ABCDEF0123", DurationSeconds: 0.4}); err != nil {
		t.Fatal(err)
	}
	base := browser.Serve(t, n, web.Options{Refresh: -1})

	// 1. The key page: a refused passphrase, then a new key.
	browser.Run(t, bctx, "open /keys", chromedp.Navigate(base+"/keys"), chromedp.WaitVisible("#key-create", chromedp.ByID))
	browser.RequireAccessible(t, bctx, "/keys without a key")
	browser.Run(t, bctx, "short passphrase",
		chromedp.SendKeys("#create-pass", "short", chromedp.ByID),
		chromedp.Click("#create-form button", chromedp.ByQuery),
		chromedp.WaitVisible("#keys-error", chromedp.ByID))
	if e := browser.Text(t, bctx, "#keys-error"); !strings.Contains(e, "at least 12 characters") {
		t.Errorf("short passphrase error: %q", e)
	}
	const pass = "correct horse battery staple"
	browser.Run(t, bctx, "create key",
		chromedp.SetValue("#create-pass", pass, chromedp.ByID),
		chromedp.SetValue("#create-pass2", pass, chromedp.ByID),
		chromedp.Click("#create-form button", chromedp.ByQuery),
		chromedp.WaitVisible("#key-current", chromedp.ByID),
		chromedp.WaitVisible("#key-backup", chromedp.ByID))
	pubHex, acctID := browser.Text(t, bctx, "#key-public"), browser.Text(t, bctx, "#key-account")
	pubBytes, err := hex.DecodeString(pubHex)
	if err != nil || len(pubBytes) != 32 {
		t.Fatalf("public key shown %q", pubHex)
	}
	if want := tx.AccountID(pubBytes); acctID != want {
		t.Fatalf("account id shown %s, Go computes %s", acctID, want)
	}
	browser.RequireAccessible(t, bctx, "/keys with a new key")
	// The stored key cannot be read out of the browser.
	var extractable bool
	browser.Run(t, bctx, "extractable?", browser.EvalAwait(`PublicaKeys.get().then(r => r.privateKey.extractable)`, &extractable))
	if extractable {
		t.Error("the stored private key is extractable")
	}

	// 2. The encrypted backup restores the same key (a wrong passphrase is refused).
	dl := t.TempDir()
	var name string
	var ok bool
	browser.Run(t, bctx, "download backup",
		cdpbrowser.SetDownloadBehavior(cdpbrowser.SetDownloadBehaviorBehaviorAllow).WithDownloadPath(dl),
		chromedp.AttributeValue("#key-backup", "download", &name, &ok, chromedp.ByID),
		chromedp.Click("#key-backup", chromedp.ByID))
	if want := "publica-key-" + acctID[:8] + ".json"; name != want {
		t.Errorf("backup file name %q, want %q", name, want)
	}
	var backup string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if b, err := os.ReadFile(filepath.Join(dl, name)); err == nil && len(b) > 0 {
			backup = string(b)
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the backup was not downloaded")
		}
	}
	if strings.Contains(backup, `"d"`) || !strings.Contains(backup, `"ciphertext"`) || !strings.Contains(backup, pubHex) {
		t.Fatalf("backup file: %s", backup)
	}
	file := filepath.Join(t.TempDir(), "publica-key.json")
	if err := os.WriteFile(file, []byte(backup), 0o600); err != nil {
		t.Fatal(err)
	}
	var ignored any
	browser.Run(t, bctx, "remove key", browser.EvalAwait(`PublicaKeys.remove().then(() => true)`, &ignored),
		chromedp.Reload(), chromedp.WaitVisible("#key-import", chromedp.ByID),
		chromedp.SetUploadFiles("#import-file", []string{file}, chromedp.ByID),
		chromedp.SetValue("#import-pass", "wrong passphrase!", chromedp.ByID),
		chromedp.Click("#import-form button", chromedp.ByQuery),
		chromedp.WaitVisible("#keys-error", chromedp.ByID))
	if e := browser.Text(t, bctx, "#keys-error"); !strings.Contains(e, "passphrase is wrong") {
		t.Errorf("wrong passphrase error: %q", e)
	}
	browser.Run(t, bctx, "import key",
		chromedp.SetValue("#import-pass", pass, chromedp.ByID),
		chromedp.Click("#import-form button", chromedp.ByQuery),
		chromedp.WaitVisible("#key-current", chromedp.ByID))
	if got := browser.Text(t, bctx, "#key-public"); got != pubHex {
		t.Fatalf("imported key %s, created %s", got, pubHex)
	}

	// 3. Register: empty and malformed keys are refused with 422.
	browser.Run(t, bctx, "open register form", chromedp.Navigate(base+"/account/register"),
		browser.Poll(`document.getElementById("f-pubkey").value.length === 64`, 10*time.Second))
	var filled string
	browser.Run(t, bctx, "read filled key", chromedp.Value("#f-pubkey", &filled, chromedp.ByID))
	if filled != pubHex {
		t.Errorf("form filled %q, want the browser key %s", filled, pubHex)
	}
	browser.RequireAccessible(t, bctx, "register form")
	for _, bad := range []struct{ value, want string }{
		{"", "Enter your public key"},
		{"not-a-key", "64 hexadecimal characters"},
	} {
		browser.Run(t, bctx, "submit "+bad.value,
			chromedp.Evaluate(`document.getElementById("f-pubkey").value = `+strconv.Quote(bad.value), nil),
			browser.Submitted(".error-summary", chromedp.Click("form.journey-form button", chromedp.ByQuery)))
		browser.WantStatus(t, w, "register with "+strconv.Quote(bad.value), 422)
		if e := browser.Text(t, bctx, ".error-summary"); !strings.Contains(e, bad.want) {
			t.Errorf("error summary for %q: %q", bad.value, e)
		}
		if e := browser.Text(t, bctx, "#f-pubkey-error"); !strings.Contains(e, bad.want) {
			t.Errorf("inline error for %q: %q", bad.value, e)
		}
		var title string
		browser.Run(t, bctx, "title", chromedp.Title(&title))
		if !strings.HasPrefix(title, "Error: ") {
			t.Errorf("title %q lacks the Error: prefix", title)
		}
	}
	browser.RequireAccessible(t, bctx, "register form with errors")

	// 4. Check your answers: plain words, and the exact sign bytes.
	browser.Run(t, bctx, "prepare",
		chromedp.SetValue("#f-pubkey", pubHex, chromedp.ByID),
		chromedp.Click("form.journey-form button", chromedp.ByQuery),
		chromedp.WaitVisible("form[data-sign]", chromedp.ByQuery),
		browser.Poll(`document.querySelector("[data-sign-status]").textContent.startsWith("Ready")`, 5*time.Second))
	browser.WantStatus(t, w, "check page", 200)
	if f := browser.Text(t, bctx, "#tx-facts"); !strings.Contains(f, acctID) || !strings.Contains(f, "Create a new account") {
		t.Errorf("check page facts: %q", f)
	}
	var signBytes string
	browser.Run(t, bctx, "sign bytes", chromedp.AttributeValue("form[data-sign]", "data-sign-bytes", &signBytes, &ok, chromedp.ByQuery))
	wantPrefix := hex.EncodeToString([]byte("publica/tx/v1\x00\x0bpublica-dev")) + pubHex + "00"
	if !strings.HasPrefix(signBytes, wantPrefix) || !strings.HasSuffix(signBytes, hex.EncodeToString([]byte("\x1aauthority/register-account\x02{}"))) {
		t.Errorf("sign bytes %s", signBytes)
	}
	browser.RequireAccessible(t, bctx, "check page")

	// 5. A tampered signature is refused; nothing reaches the chain.
	browser.Run(t, bctx, "tampered signature", chromedp.Evaluate(`(async () => {
		const f = document.querySelector("form[data-sign]");
		const rec = await PublicaKeys.get();
		let sig = await PublicaKeys.sign(rec, PublicaKeys.unhex(f.dataset.signBytes));
		sig = (sig[0] === "0" ? "1" : "0") + sig.slice(1);
		f.elements.signature.value = sig;
		f.submit();
	})()`, nil), chromedp.WaitVisible(".error-summary", chromedp.ByQuery))
	browser.WantStatus(t, w, "tampered signature", 422)
	if e := browser.Text(t, bctx, ".error-summary"); !strings.Contains(e, "signature does not match") {
		t.Errorf("tampered signature message: %q", e)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if a, err := c.Account(ctx, acctID); err != nil || a != nil {
		t.Fatalf("after a refused signature the account is %+v (%v)", a, err)
	}

	// 6. Sign and send: the confirmation names the committed block.
	browser.Run(t, bctx, "sign and send",
		browser.Poll(`document.querySelector("[data-sign-status]").textContent.startsWith("Ready")`, 5*time.Second),
		chromedp.Click("form[data-sign] button", chromedp.ByQuery),
		chromedp.WaitVisible("#confirmation", chromedp.ByID))
	browser.WantStatus(t, w, "confirmation", 200)
	height, err := strconv.ParseInt(strings.ReplaceAll(browser.Text(t, bctx, "#committed-height"), ",", ""), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	acct, err := c.Account(ctx, acctID)
	if err != nil || acct == nil || acct.PubKey != pubHex {
		t.Fatalf("account after registering: %+v (%v)", acct, err)
	}
	var hashHref string
	browser.Run(t, bctx, "tx link", chromedp.AttributeValue(`#result-facts a[href^="/tx/"]`, "href", &hashHref, &ok, chromedp.ByQuery))
	hash := strings.TrimPrefix(hashHref, "/tx/")
	hb, _ := hex.DecodeString(hash)
	res, err := c.RPC.Tx(ctx, hb, false)
	if err != nil || res.Height != height || res.TxResult.Code != 0 {
		t.Fatalf("tx %s on chain: %+v (%v), page says height %d", hash, res, err, height)
	}
	browser.RequireAccessible(t, bctx, "confirmation")

	// Registering again is refused at the form.
	browser.Run(t, bctx, "register twice", chromedp.Navigate(base+"/account/register"),
		browser.Poll(`document.getElementById("f-pubkey").value.length === 64`, 10*time.Second),
		chromedp.Click("form.journey-form button", chromedp.ByQuery),
		chromedp.WaitVisible(".error-summary", chromedp.ByQuery))
	browser.WantStatus(t, w, "register twice", 422)
	if e := browser.Text(t, bctx, ".error-summary"); !strings.Contains(e, "already has account "+acctID) {
		t.Errorf("register twice: %q", e)
	}

	// 7. The explorer shows the transaction decoded.
	browser.Run(t, bctx, "tx page", chromedp.Navigate(base+hashHref), chromedp.WaitVisible("main", chromedp.ByQuery))
	browser.WantStatus(t, w, "tx page", 200)
	body := browser.Text(t, bctx, "main")
	for _, want := range []string{authority.TypeRegisterAccount, acctID, "primary signer", "authority.account_registered", "OK", strconv.FormatInt(height, 10)} {
		if !strings.Contains(body, want) {
			t.Errorf("tx page lacks %q", want)
		}
	}
	browser.RequireAccessible(t, bctx, "tx page")
	browser.Run(t, bctx, "block page", chromedp.Navigate(base+"/blocks/"+strconv.FormatInt(height, 10)), chromedp.WaitVisible("article.tx", chromedp.ByQuery))
	if b := browser.Text(t, bctx, "main"); !strings.Contains(b, authority.TypeRegisterAccount) || !strings.Contains(b, acctID) || !strings.Contains(b, "App hash") {
		t.Errorf("block page: %q", b)
	}
	browser.RequireAccessible(t, bctx, "block page")
	browser.Run(t, bctx, "blocks page", chromedp.Navigate(base+"/blocks"), chromedp.WaitVisible("#chart-bpm svg", chromedp.ByQuery))
	if r := browser.Text(t, bctx, "#replay"); !strings.Contains(r, "Verified") || !strings.Contains(r, "ABCDEF0123") {
		t.Errorf("replay panel: %q", r)
	}
	var bars int
	browser.Run(t, bctx, "count bars", chromedp.Evaluate(`document.querySelectorAll("#chart-tpb rect.bar").length`, &bars))
	if bars < 2 {
		t.Errorf("transactions-per-block chart has %d bars", bars)
	}
	browser.RequireAccessible(t, bctx, "blocks page")

	// 8. Sign in: a tampered answer is refused, then the real one opens a session.
	browser.Run(t, bctx, "sign-in page", chromedp.Navigate(base+"/signin"),
		browser.Poll(`document.querySelector("[data-sign-status]").textContent.startsWith("Ready")`, 5*time.Second))
	browser.RequireAccessible(t, bctx, "sign-in page")
	browser.Run(t, bctx, "tampered sign-in", chromedp.Evaluate(`(async () => {
		const f = document.querySelector("form[data-sign]");
		const rec = await PublicaKeys.get();
		const other = PublicaKeys.unhex(f.dataset.signBytes); other[other.length-1] ^= 1;
		f.elements.signature.value = await PublicaKeys.sign(rec, other);
		f.elements.pubkey.value = rec.publicKey;
		f.submit();
	})()`, nil), chromedp.WaitVisible(".error-summary", chromedp.ByQuery))
	browser.WantStatus(t, w, "tampered sign-in", 422)
	if e := browser.Text(t, bctx, ".error-summary"); !strings.Contains(e, "signature does not match") {
		t.Errorf("tampered sign-in: %q", e)
	}
	browser.Run(t, bctx, "sign in",
		browser.Poll(`document.querySelector("[data-sign-status]").textContent.startsWith("Ready")`, 5*time.Second),
		chromedp.Click("form[data-sign] button", chromedp.ByQuery),
		chromedp.WaitVisible("#own-account", chromedp.ByID))
	var loc string
	browser.Run(t, bctx, "location", chromedp.Location(&loc))
	if !strings.HasSuffix(loc, "/accounts/"+acctID) {
		t.Errorf("signed in at %s", loc)
	}
	page := browser.Text(t, bctx, "main")
	for _, want := range []string{pubHex, "Proof verified", "app hash"} {
		if !strings.Contains(page, want) {
			t.Errorf("account page lacks %q", want)
		}
	}
	if s := browser.Text(t, bctx, "#session-account"); !strings.Contains(s, acctID[:10]) {
		t.Errorf("header session: %q", s)
	}
	var cookies []*network.Cookie
	browser.Run(t, bctx, "cookies", chromedp.ActionFunc(func(ctx context.Context) error {
		var err error
		cookies, err = network.GetCookies().Do(ctx)
		return err
	}))
	var session *network.Cookie
	for _, ck := range cookies {
		if ck.Name == portal.SessionCookie {
			session = ck
		}
	}
	if session == nil || !session.HTTPOnly || session.SameSite != network.CookieSameSiteStrict {
		t.Errorf("session cookie %+v", session)
	}
	browser.RequireAccessible(t, bctx, "account page, signed in")

	// Sign out ends the session.
	browser.Run(t, bctx, "sign out", chromedp.Click(".session button", chromedp.ByQuery), chromedp.WaitVisible("form[data-sign]", chromedp.ByQuery))
	var signedOut bool
	browser.Run(t, bctx, "signed out?", chromedp.Evaluate(`!document.getElementById("session-account")`, &signedOut))
	if !signedOut {
		t.Error("still signed in after signing out")
	}
	w.Check(t)
}
