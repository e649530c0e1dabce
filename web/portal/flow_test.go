package portal_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/publica/publica/internal/apptest/browser"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/web/portal"
)

// TestSigningFlowOverHTTP drives the prepare → sign → relay flow as a
// plain HTTP client holding its own key (what the browser's script does),
// with the CSRF token, and its refusals: a missing token, bad answers, a
// tampered seal or signature, and a transaction the chain refuses.
func TestSigningFlowOverHTTP(t *testing.T) {
	base, c := browser.StartPortal(t)
	a := browser.NewAgent(t, base)
	pub, key, _ := ed25519.GenerateKey(rand.Reader)
	pubHex := hex.EncodeToString(pub)

	if r := a.Post("/account/register", url.Values{"pubkey": {pubHex}}); r.Code != http.StatusBadRequest && r.Code != http.StatusForbidden {
		t.Errorf("POST without a CSRF token = %d", r.Code)
	}
	form := a.Get("/account/register")
	if form.Code != http.StatusOK || a.CSRF() == "" {
		t.Fatalf("register form = %d, csrf %q", form.Code, a.CSRF())
	}
	if r := a.Post("/account/register", url.Values{"pubkey": {pubHex}, "_csrf": {"forged"}}); r.Code != http.StatusForbidden {
		t.Errorf("POST with a forged CSRF token = %d", r.Code)
	} else {
		browser.MustContain(t, "CSRF refusal", r.Body, "not sent from this site")
	}
	for value, want := range map[string]string{"": "Enter your public key", "zz": "64 hexadecimal characters", pubHex + "00": "64 hexadecimal"} {
		r := a.Post("/account/register", url.Values{"pubkey": {value}})
		if r.Code != http.StatusUnprocessableEntity {
			t.Errorf("pubkey %q = %d", value, r.Code)
		}
		browser.MustContain(t, "refused form", r.Body, `class="error-summary"`, want, `aria-invalid="true"`, "<title>Error: ")
	}

	prepare := func() (signBytes []byte, prepared string) {
		r := a.Post("/account/register", url.Values{"pubkey": {pubHex}})
		if r.Code != http.StatusOK {
			t.Fatalf("prepare = %d\n%s", r.Code, r.Body)
		}
		sb, err := hex.DecodeString(browser.Attr(t, r.Body, "data-sign-bytes"))
		if err != nil {
			t.Fatal(err)
		}
		if browser.Attr(t, r.Body, "data-pubkey") != pubHex {
			t.Error("check page names another key")
		}
		return sb, browser.Hidden(t, r.Body, "prepared")
	}
	sb, prepared := prepare()
	// A second transaction for the same sequence, sent after the first: a
	// block later, so its valid-until height (and its bytes) differ.
	st, err := c.RPC.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	testnode.WaitHeight(t, c, st.SyncInfo.LatestBlockHeight+1)
	sb2, prepared2 := prepare()
	if string(sb2) == string(sb) {
		t.Fatal("the two prepared transactions are the same")
	}

	sig := ed25519.Sign(key, sb)
	bad := append([]byte{}, sig...)
	bad[5] ^= 1
	r := a.Post("/tx/send", url.Values{"prepared": {prepared}, "signature": {hex.EncodeToString(bad)}})
	if r.Code != http.StatusUnprocessableEntity {
		t.Errorf("tampered signature = %d", r.Code)
	}
	browser.MustContain(t, "tampered signature", r.Body, "signature does not match", "nothing was sent")
	r = a.Post("/tx/send", url.Values{"prepared": {"x" + prepared}, "signature": {hex.EncodeToString(sig)}})
	if r.Code != http.StatusUnprocessableEntity {
		t.Errorf("tampered seal = %d", r.Code)
	}
	browser.MustContain(t, "tampered seal", r.Body, "not prepared by this portal")
	r = a.Post("/tx/send", url.Values{"prepared": {prepared}, "signature": {"abc"}})
	if r.Code != http.StatusUnprocessableEntity {
		t.Errorf("malformed signature = %d", r.Code)
	}

	start := time.Now()
	r = a.Post("/tx/send", url.Values{"prepared": {prepared}, "signature": {hex.EncodeToString(sig)}})
	if r.Code != http.StatusOK {
		t.Fatalf("send = %d\n%s", r.Code, r.Body)
	}
	t.Logf("latency: POST /tx/send to the committed confirmation %v (100 ms blocks)", time.Since(start).Round(time.Millisecond))
	browser.MustContain(t, "confirmation", r.Body, `id="confirmation"`, "Your account is registered", tx.AccountID(pub))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if acct, err := c.Account(ctx, tx.AccountID(pub)); err != nil || acct == nil {
		t.Fatalf("account after send: %v %v", acct, err)
	}

	// Sending the same signed transaction again shows its result again.
	r = a.Post("/tx/send", url.Values{"prepared": {prepared}, "signature": {hex.EncodeToString(sig)}})
	if r.Code != http.StatusOK || !strings.Contains(r.Body, `id="confirmation"`) {
		t.Errorf("sending again = %d", r.Code)
	}

	// The second copy has the same sequence: the chain refuses it, and the
	// page says how, with the module's code.
	r = a.Post("/tx/send", url.Values{"prepared": {prepared2}, "signature": {hex.EncodeToString(ed25519.Sign(key, sb2))}})
	if r.Code != http.StatusUnprocessableEntity {
		t.Fatalf("second copy = %d\n%s", r.Code, r.Body)
	}
	browser.MustContain(t, "chain refusal", r.Body, "The chain refused this transaction", `id="tx-error-code"`)
	if code := regexp.MustCompile(`id="tx-error-code">([a-z]+/\d+)<`).FindStringSubmatch(r.Body); code == nil {
		t.Errorf("no codespace/code on the refusal page")
	} else {
		t.Logf("second copy refused with %s", code[1])
	}

	// Sign-in over HTTP, with the Go key: a session cookie, then sign-out.
	si := a.Get("/signin")
	origin := browser.Attr(t, si.Body, "data-origin")
	if origin != base {
		t.Errorf("challenge bound to %q, portal at %q", origin, base)
	}
	csb, _ := hex.DecodeString(browser.Attr(t, si.Body, "data-sign-bytes"))
	if !strings.HasPrefix(string(csb), "publica/signin/v1\x00"+base+"\x00") {
		t.Errorf("challenge bytes %q", csb)
	}
	challenge := browser.Hidden(t, si.Body, "challenge")
	r = a.Post("/signin", url.Values{"challenge": {challenge}, "pubkey": {pubHex}, "signature": {hex.EncodeToString(ed25519.Sign(key, csb))}})
	if r.Code != http.StatusSeeOther || r.Header.Get("Location") != "/accounts/"+tx.AccountID(pub) {
		t.Fatalf("sign in = %d → %q\n%s", r.Code, r.Header.Get("Location"), r.Body)
	}
	ck := strings.Join(r.Header.Values("Set-Cookie"), "\n")
	for _, want := range []string{portal.SessionCookie + "=", "HttpOnly", "SameSite=Strict"} {
		if !strings.Contains(ck, want) {
			t.Errorf("session cookie %q lacks %s", ck, want)
		}
	}
	// The same answer cannot be replayed.
	r = a.Post("/signin", url.Values{"challenge": {challenge}, "pubkey": {pubHex}, "signature": {hex.EncodeToString(ed25519.Sign(key, csb))}})
	if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "already been used") {
		t.Errorf("replayed sign-in = %d", r.Code)
	}
	acctPage := a.Get("/accounts/" + tx.AccountID(pub))
	browser.MustContain(t, "own account page", acctPage.Body, `id="own-account"`, "Proof verified", pubHex)
	// An unregistered key cannot sign in.
	otherPub, otherKey, _ := ed25519.GenerateKey(rand.Reader)
	si = a.Get("/signin")
	csb, _ = hex.DecodeString(browser.Attr(t, si.Body, "data-sign-bytes"))
	r = a.Post("/signin", url.Values{"challenge": {browser.Hidden(t, si.Body, "challenge")}, "pubkey": {hex.EncodeToString(otherPub)},
		"signature": {hex.EncodeToString(ed25519.Sign(otherKey, csb))}})
	if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "not registered") {
		t.Errorf("unregistered sign-in = %d", r.Code)
	}
	r = a.Post("/signout", url.Values{})
	if r.Code != http.StatusSeeOther {
		t.Errorf("sign out = %d", r.Code)
	}
	if p := a.Get("/accounts/" + tx.AccountID(pub)); strings.Contains(p.Body, `id="own-account"`) {
		t.Error("still signed in after sign-out")
	}

	// An account that does not exist is proven absent: 404 with the proof.
	absent := a.Get("/accounts/" + strings.Repeat("ab", 20))
	if absent.Code != http.StatusNotFound {
		t.Errorf("absent account = %d", absent.Code)
	}
	browser.MustContain(t, "absent account", absent.Body, `id="account-absent"`, "Proof verified")
	if r := a.Get("/accounts/nothex"); r.Code != http.StatusNotFound {
		t.Errorf("malformed account id = %d", r.Code)
	}
	if r := a.Get("/blocks/0"); r.Code != http.StatusNotFound {
		t.Errorf("block 0 = %d", r.Code)
	}
	if r := a.Get("/blocks/99999999"); r.Code != http.StatusNotFound {
		t.Errorf("future block = %d", r.Code)
	}
	if r := a.Get("/blocks?from=x"); r.Code != http.StatusBadRequest {
		t.Errorf("/blocks?from=x = %d", r.Code)
	}
	if r := a.Get("/tx/" + strings.Repeat("0", 64)); r.Code != http.StatusNotFound {
		t.Errorf("unknown tx = %d", r.Code)
	}

	// Page weights (HTML + CSS + JS), logged and kept under budget.
	pages := map[string]browser.Response{
		"/keys":             a.Get("/keys"),
		"/account/register": a.Get("/account/register"),
		"check page":        a.Post("/account/register", url.Values{"pubkey": {hex.EncodeToString(otherPub)}}),
		"/signin":           a.Get("/signin"),
		"/blocks":           a.Get("/blocks"),
		"/accounts/:id":     acctPage,
	}
	for _, path := range []string{"/blocks", "/accounts/" + tx.AccountID(pub)} {
		start := time.Now()
		a.Get(path)
		t.Logf("latency: GET %s %v", path, time.Since(start).Round(100*time.Microsecond))
	}
	for name, p := range pages {
		h, as := browser.Weight(t, base, p)
		t.Logf("page weight %-18s HTML %5d + CSS/JS %5d = %5d bytes", name, h, as, h+as)
		if h+as > 48<<10 {
			t.Errorf("%s weighs %d bytes, budget 48 KiB", name, h+as)
		}
	}
}
