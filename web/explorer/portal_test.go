package web_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/publica/publica/genesis"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/web"
	"github.com/publica/publica/web/chain"
	"github.com/publica/publica/x/authority"
)

type response struct {
	code   int
	header http.Header
	body   string
}

func get(t *testing.T, url string) response {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{res.StatusCode, res.Header, string(b)}
}

func mustContain(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s does not contain %q", what, w)
		}
	}
}

var heightRe = regexp.MustCompile(`id="latest-height" data-height="(\d+)"`)
var appHashRe = regexp.MustCompile(`id="app-hash"><code>([0-9A-F]+)</code>`)

// TestPortalAgainstNode runs a real node, commits a transaction, starts the
// portal on a real listener and checks every endpoint.
func TestPortalAgainstNode(t *testing.T) {
	home := testnode.InitHome(t)
	n, c := testnode.Start(t, home)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	_, key, _ := ed25519.GenerateKey(rand.Reader)
	pub := key.Public().(ed25519.PublicKey)
	reg, err := c.Build(ctx, pub, authority.TypeRegisterAccount, authority.MsgRegisterAccount{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Send(ctx, reg, key)
	if err != nil {
		t.Fatalf("register: %v", err)
	}
	hash := strings.ToUpper(hex.EncodeToString(res.Hash))

	s, err := web.NewForNode(n, web.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown(context.Background())
	base := "http://" + s.Addr()

	page := get(t, base+"/")
	if page.code != http.StatusOK {
		t.Fatalf("GET / = %d\n%s", page.code, page.body)
	}
	mustContain(t, "status page", page.body,
		genesis.DevChainID, hash[:12], authority.TypeRegisterAccount, tx.AccountID(pub),
		`<span class="tag tag-ok">OK</span>`, `<html lang="en">`, `href="#main"`, `<main id="main"`,
		`data-refresh="5"`)
	if csp := page.header.Get("Content-Security-Policy"); csp != web.ContentSecurityPolicy || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP = %q", csp)
	}
	if strings.Contains(page.body, "<script>") || strings.Contains(page.body, " style=") {
		t.Error("page has inline script or style, which the CSP forbids")
	}
	m := heightRe.FindStringSubmatch(page.body)
	if m == nil {
		t.Fatal("no latest height on the page")
	}
	pageHeight, _ := strconv.ParseInt(m[1], 10, 64)
	if pageHeight < res.Height {
		t.Errorf("page height %d < tx height %d", pageHeight, res.Height)
	}
	// The app hash shown is the one in that block's header.
	hm := appHashRe.FindStringSubmatch(page.body)
	if hm == nil {
		t.Fatal("no app hash on the page")
	}
	hdr, err := c.RPC.Header(ctx, &pageHeight)
	if err != nil {
		t.Fatal(err)
	}
	if hm[1] != hdr.Header.AppHash.String() {
		t.Errorf("page app hash %s, header %d has %s", hm[1], pageHeight, hdr.Header.AppHash)
	}
	// The validator table lists the node's own validator key.
	vk, err := n.Comet.PrivValidator().GetPubKey()
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "status page", page.body, vk.Address().String(), base64.StdEncoding.EncodeToString(vk.Bytes()))

	api := get(t, base+"/api/status")
	if api.code != http.StatusOK || !strings.HasPrefix(api.header.Get("Content-Type"), "application/json") {
		t.Fatalf("GET /api/status = %d %s", api.code, api.header.Get("Content-Type"))
	}
	var st chain.Status
	if err := json.Unmarshal([]byte(api.body), &st); err != nil {
		t.Fatal(err)
	}
	if st.ChainID != genesis.DevChainID || st.LatestHeight < pageHeight || st.ValidatorCount != 1 || len(st.Validators) != 1 {
		t.Fatalf("api status = %+v", st)
	}
	hdr, err = c.RPC.Header(ctx, &st.LatestHeight)
	if err != nil {
		t.Fatal(err)
	}
	if st.LatestAppHash != hdr.Header.AppHash.String() || st.LatestBlockHash != hdr.Header.Hash().String() {
		t.Errorf("api app/block hash %s/%s, header %d has %s/%s", st.LatestAppHash, st.LatestBlockHash,
			st.LatestHeight, hdr.Header.AppHash, hdr.Header.Hash())
	}
	var found bool
	for _, x := range st.RecentTxs {
		if x.Hash == hash {
			found = x.MsgType == authority.TypeRegisterAccount && x.Signer == tx.AccountID(pub) && x.OK() && x.Height == res.Height
		}
	}
	if !found {
		t.Errorf("api recent txs lack %s as a successful register at %d: %+v", hash, res.Height, st.RecentTxs)
	}
	for _, k := range []string{`"latest_height"`, `"latest_app_hash"`, `"latest_block_time"`, `"recent_txs"`} {
		mustContain(t, "api JSON", api.body, k)
	}

	if h := get(t, base+"/healthz"); h.code != http.StatusOK || h.body != "ok" {
		t.Errorf("GET /healthz = %d %q", h.code, h.body)
	}

	nf := get(t, base+"/no/such/page")
	if nf.code != http.StatusNotFound {
		t.Errorf("unknown path = %d", nf.code)
	}
	mustContain(t, "404 page", nf.body, "Page not found", `<main id="main"`, "Publica", "/no/such/page")
	if nf.header.Get("Content-Security-Policy") == "" {
		t.Error("404 without CSP")
	}
	if api404 := get(t, base+"/api/nothing"); api404.code != http.StatusNotFound || !strings.Contains(api404.body, `"error"`) {
		t.Errorf("unknown api path = %d %s", api404.code, api404.body)
	}

	// Every asset the page links to is served, and the page weight stays small.
	weight := len(page.body)
	for _, m := range regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`).FindAllStringSubmatch(page.body, -1) {
		a := get(t, base+strings.ReplaceAll(m[1], "&amp;", "&"))
		if a.code != http.StatusOK {
			t.Errorf("GET %s = %d", m[1], a.code)
		}
		if !strings.Contains(a.header.Get("Cache-Control"), "immutable") {
			t.Errorf("%s Cache-Control %q", m[1], a.header.Get("Cache-Control"))
		}
		if !strings.HasSuffix(strings.SplitN(m[1], "?", 2)[0], ".svg") {
			weight += len(a.body)
		}
	}
	t.Logf("page weight of / (HTML+CSS+JS): %d bytes", weight)
	if weight > 40<<10 {
		t.Errorf("page weight %d bytes, budget 40 KiB", weight)
	}

	// A stopped node makes the portal answer 503, not crash.
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}
	if h := get(t, base+"/healthz"); h.code != http.StatusServiceUnavailable {
		t.Errorf("healthz with node stopped = %d %q", h.code, h.body)
	}
	down := get(t, base+"/")
	if down.code != http.StatusServiceUnavailable {
		t.Errorf("GET / with node stopped = %d", down.code)
	}
	mustContain(t, "node-down page", down.body, "Node unavailable", `<main id="main"`)

	// Graceful shutdown closes the listener.
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("portal still answers after Shutdown")
	}
}
