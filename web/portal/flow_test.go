package web_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/publica/publica/client"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/web"
)

// agent is a non-browser client: it has no Sec-Fetch-Site header, so the
// portal's CSRF check falls back to the double-submit token.
type agent struct {
	t    *testing.T
	base string
	c    *http.Client
	csrf string
}

func newAgent(t *testing.T, base string) *agent {
	jar, _ := cookiejar.New(nil)
	return &agent{t: t, base: base, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

var csrfRe = regexp.MustCompile(`name="_csrf" value="([^"]*)"`)

func (a *agent) do(req *http.Request) response {
	a.t.Helper()
	res, err := a.c.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if m := csrfRe.FindStringSubmatch(string(b)); m != nil {
		a.csrf = m[1]
	}
	return response{res.StatusCode, res.Header, string(b)}
}

func (a *agent) get(path string) response {
	req, _ := http.NewRequest(http.MethodGet, a.base+path, nil)
	return a.do(req)
}

func (a *agent) post(path string, form url.Values) response {
	if form.Get("_csrf") == "" && a.csrf != "" {
		form.Set("_csrf", a.csrf)
	}
	req, _ := http.NewRequest(http.MethodPost, a.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return a.do(req)
}

func attr(t *testing.T, body, name string) string {
	t.Helper()
	m := regexp.MustCompile(name + `="([^"]*)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no %s in page", name)
	}
	return html.UnescapeString(m[1])
}

func hidden(t *testing.T, body, name string) string {
	t.Helper()
	m := regexp.MustCompile(`name="` + name + `" value="([^"]*)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no hidden %s in page", name)
	}
	return html.UnescapeString(m[1])
}

func startPortal(t *testing.T) (string, *client.Client) {
	t.Helper()
	home := testnode.InitHome(t)
	n, c := testnode.Start(t, home)
	s, err := web.NewForNode(n, web.Options{Refresh: -1, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Shutdown(context.Background()) })
	return "http://" + s.Addr(), c
}

// weight is a page's HTML plus the CSS and JavaScript it loads.
func weight(t *testing.T, base string, r response) (html, assets int) {
	t.Helper()
	for _, m := range regexp.MustCompile(`(?:href|src)="(/static/[^"]+\.(?:css|js)[^"]*)"`).FindAllStringSubmatch(r.body, -1) {
		a := get(t, base+strings.ReplaceAll(m[1], "&amp;", "&"))
		if a.code != http.StatusOK {
			t.Errorf("GET %s = %d", m[1], a.code)
		}
		assets += len(a.body)
	}
	return len(r.body), assets
}

// TestSigningFlowOverHTTP drives the prepare → sign → relay flow as a
// plain HTTP client holding its own key (what the browser's script does),
// with the CSRF token, and its refusals: a missing token, bad answers, a
// tampered seal or signature, and a transaction the chain refuses.
func TestSigningFlowOverHTTP(t *testing.T) {
	base, c := startPortal(t)
	a := newAgent(t, base)
	pub, key, _ := ed25519.GenerateKey(rand.Reader)
	pubHex := hex.EncodeToString(pub)

	if r := a.post("/account/register", url.Values{"pubkey": {pubHex}}); r.code != http.StatusBadRequest && r.code != http.StatusForbidden {
		t.Errorf("POST without a CSRF token = %d", r.code)
	}
	form := a.get("/account/register")
	if form.code != http.StatusOK || a.csrf == "" {
		t.Fatalf("register form = %d, csrf %q", form.code, a.csrf)
	}
	if r := a.post("/account/register", url.Values{"pubkey": {pubHex}, "_csrf": {"forged"}}); r.code != http.StatusForbidden {
		t.Errorf("POST with a forged CSRF token = %d", r.code)
	} else {
		mustContain(t, "CSRF refusal", r.body, "not sent from this site")
	}
	for value, want := range map[string]string{"": "Enter your public key", "zz": "64 hexadecimal characters", pubHex + "00": "64 hexadecimal"} {
		r := a.post("/account/register", url.Values{"pubkey": {value}})
		if r.code != http.StatusUnprocessableEntity {
			t.Errorf("pubkey %q = %d", value, r.code)
		}
		mustContain(t, "refused form", r.body, `class="error-summary"`, want, `aria-invalid="true"`, "<title>Error: ")
	}

	prepare := func() (signBytes []byte, prepared string) {
		r := a.post("/account/register", url.Values{"pubkey": {pubHex}})
		if r.code != http.StatusOK {
			t.Fatalf("prepare = %d\n%s", r.code, r.body)
		}
		sb, err := hex.DecodeString(attr(t, r.body, "data-sign-bytes"))
		if err != nil {
			t.Fatal(err)
		}
		if attr(t, r.body, "data-pubkey") != pubHex {
			t.Error("check page names another key")
		}
		return sb, hidden(t, r.body, "prepared")
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
	r := a.post("/tx/send", url.Values{"prepared": {prepared}, "signature": {hex.EncodeToString(bad)}})
	if r.code != http.StatusUnprocessableEntity {
		t.Errorf("tampered signature = %d", r.code)
	}
	mustContain(t, "tampered signature", r.body, "signature does not match", "nothing was sent")
	r = a.post("/tx/send", url.Values{"prepared": {"x" + prepared}, "signature": {hex.EncodeToString(sig)}})
	if r.code != http.StatusUnprocessableEntity {
		t.Errorf("tampered seal = %d", r.code)
	}
	mustContain(t, "tampered seal", r.body, "not prepared by this portal")
	r = a.post("/tx/send", url.Values{"prepared": {prepared}, "signature": {"abc"}})
	if r.code != http.StatusUnprocessableEntity {
		t.Errorf("malformed signature = %d", r.code)
	}

	start := time.Now()
	r = a.post("/tx/send", url.Values{"prepared": {prepared}, "signature": {hex.EncodeToString(sig)}})
	if r.code != http.StatusOK {
		t.Fatalf("send = %d\n%s", r.code, r.body)
	}
	t.Logf("latency: POST /tx/send to the committed confirmation %v (100 ms blocks)", time.Since(start).Round(time.Millisecond))
	mustContain(t, "confirmation", r.body, `id="confirmation"`, "Your account is registered", tx.AccountID(pub))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if acct, err := c.Account(ctx, tx.AccountID(pub)); err != nil || acct == nil {
		t.Fatalf("account after send: %v %v", acct, err)
	}

	// Sending the same signed transaction again shows its result again.
	r = a.post("/tx/send", url.Values{"prepared": {prepared}, "signature": {hex.EncodeToString(sig)}})
	if r.code != http.StatusOK || !strings.Contains(r.body, `id="confirmation"`) {
		t.Errorf("sending again = %d", r.code)
	}

	// The second copy has the same sequence: the chain refuses it, and the
	// page says how, with the module's code.
	r = a.post("/tx/send", url.Values{"prepared": {prepared2}, "signature": {hex.EncodeToString(ed25519.Sign(key, sb2))}})
	if r.code != http.StatusUnprocessableEntity {
		t.Fatalf("second copy = %d\n%s", r.code, r.body)
	}
	mustContain(t, "chain refusal", r.body, "The chain refused this transaction", `id="tx-error-code"`)
	if code := regexp.MustCompile(`id="tx-error-code">([a-z]+/\d+)<`).FindStringSubmatch(r.body); code == nil {
		t.Errorf("no codespace/code on the refusal page")
	} else {
		t.Logf("second copy refused with %s", code[1])
	}

	// Sign-in over HTTP, with the Go key: a session cookie, then sign-out.
	si := a.get("/signin")
	origin := attr(t, si.body, "data-origin")
	if origin != base {
		t.Errorf("challenge bound to %q, portal at %q", origin, base)
	}
	csb, _ := hex.DecodeString(attr(t, si.body, "data-sign-bytes"))
	if !strings.HasPrefix(string(csb), "publica/signin/v1\x00"+base+"\x00") {
		t.Errorf("challenge bytes %q", csb)
	}
	challenge := hidden(t, si.body, "challenge")
	r = a.post("/signin", url.Values{"challenge": {challenge}, "pubkey": {pubHex}, "signature": {hex.EncodeToString(ed25519.Sign(key, csb))}})
	if r.code != http.StatusSeeOther || r.header.Get("Location") != "/accounts/"+tx.AccountID(pub) {
		t.Fatalf("sign in = %d → %q\n%s", r.code, r.header.Get("Location"), r.body)
	}
	ck := strings.Join(r.header.Values("Set-Cookie"), "\n")
	for _, want := range []string{web.SessionCookie + "=", "HttpOnly", "SameSite=Strict"} {
		if !strings.Contains(ck, want) {
			t.Errorf("session cookie %q lacks %s", ck, want)
		}
	}
	// The same answer cannot be replayed.
	r = a.post("/signin", url.Values{"challenge": {challenge}, "pubkey": {pubHex}, "signature": {hex.EncodeToString(ed25519.Sign(key, csb))}})
	if r.code != http.StatusUnprocessableEntity || !strings.Contains(r.body, "already been used") {
		t.Errorf("replayed sign-in = %d", r.code)
	}
	acctPage := a.get("/accounts/" + tx.AccountID(pub))
	mustContain(t, "own account page", acctPage.body, `id="own-account"`, "Proof verified", pubHex)
	// An unregistered key cannot sign in.
	otherPub, otherKey, _ := ed25519.GenerateKey(rand.Reader)
	si = a.get("/signin")
	csb, _ = hex.DecodeString(attr(t, si.body, "data-sign-bytes"))
	r = a.post("/signin", url.Values{"challenge": {hidden(t, si.body, "challenge")}, "pubkey": {hex.EncodeToString(otherPub)},
		"signature": {hex.EncodeToString(ed25519.Sign(otherKey, csb))}})
	if r.code != http.StatusUnprocessableEntity || !strings.Contains(r.body, "not registered") {
		t.Errorf("unregistered sign-in = %d", r.code)
	}
	r = a.post("/signout", url.Values{})
	if r.code != http.StatusSeeOther {
		t.Errorf("sign out = %d", r.code)
	}
	if p := a.get("/accounts/" + tx.AccountID(pub)); strings.Contains(p.body, `id="own-account"`) {
		t.Error("still signed in after sign-out")
	}

	// An account that does not exist is proven absent: 404 with the proof.
	absent := a.get("/accounts/" + strings.Repeat("ab", 20))
	if absent.code != http.StatusNotFound {
		t.Errorf("absent account = %d", absent.code)
	}
	mustContain(t, "absent account", absent.body, `id="account-absent"`, "Proof verified")
	if r := a.get("/accounts/nothex"); r.code != http.StatusNotFound {
		t.Errorf("malformed account id = %d", r.code)
	}
	if r := a.get("/blocks/0"); r.code != http.StatusNotFound {
		t.Errorf("block 0 = %d", r.code)
	}
	if r := a.get("/blocks/99999999"); r.code != http.StatusNotFound {
		t.Errorf("future block = %d", r.code)
	}
	if r := a.get("/blocks?from=x"); r.code != http.StatusBadRequest {
		t.Errorf("/blocks?from=x = %d", r.code)
	}
	if r := a.get("/tx/" + strings.Repeat("0", 64)); r.code != http.StatusNotFound {
		t.Errorf("unknown tx = %d", r.code)
	}

	// Page weights (HTML + CSS + JS), logged and kept under budget.
	pages := map[string]response{
		"/keys":             a.get("/keys"),
		"/account/register": a.get("/account/register"),
		"check page":        a.post("/account/register", url.Values{"pubkey": {hex.EncodeToString(otherPub)}}),
		"/signin":           a.get("/signin"),
		"/blocks":           a.get("/blocks"),
		"/accounts/:id":     acctPage,
	}
	for _, path := range []string{"/blocks", "/accounts/" + tx.AccountID(pub)} {
		start := time.Now()
		a.get(path)
		t.Logf("latency: GET %s %v", path, time.Since(start).Round(100*time.Microsecond))
	}
	for name, p := range pages {
		h, as := weight(t, base, p)
		t.Logf("page weight %-18s HTML %5d + CSS/JS %5d = %5d bytes", name, h, as, h+as)
		if h+as > 48<<10 {
			t.Errorf("%s weighs %d bytes, budget 48 KiB", name, h+as)
		}
	}
}

type logWriter struct{ t *testing.T }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// testLogger sends the portal's warnings and errors to the test log.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(logWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}
