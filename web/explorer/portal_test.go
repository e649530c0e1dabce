package explorer_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/publica/publica/genesis"
	"github.com/publica/publica/internal/apptest/browser"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/web"
	"github.com/publica/publica/web/chain"
	"github.com/publica/publica/web/portal"
	"github.com/publica/publica/x/authority"
)

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

	s := browser.StartServer(t, n, web.Options{})
	base := "http://" + s.Addr()

	page := browser.Get(t, base+"/status")
	if page.Code != http.StatusOK {
		t.Fatalf("GET /status = %d\n%s", page.Code, page.Body)
	}
	browser.MustContain(t, "status page", page.Body,
		genesis.DevChainID, hash[:12], authority.TypeRegisterAccount, tx.AccountID(pub),
		`<span class="tag tag-ok">OK</span>`, `<html lang="en">`, `href="#main"`, `<main id="main"`,
		`data-refresh="5"`)
	if csp := page.Header.Get("Content-Security-Policy"); csp != portal.ContentSecurityPolicy || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP = %q", csp)
	}
	if strings.Contains(page.Body, "<script>") || strings.Contains(page.Body, " style=") {
		t.Error("page has inline script or style, which the CSP forbids")
	}
	m := heightRe.FindStringSubmatch(page.Body)
	if m == nil {
		t.Fatal("no latest height on the page")
	}
	pageHeight, _ := strconv.ParseInt(m[1], 10, 64)
	if pageHeight < res.Height {
		t.Errorf("page height %d < tx height %d", pageHeight, res.Height)
	}
	// The app hash shown is the one in that block's header.
	hm := appHashRe.FindStringSubmatch(page.Body)
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
	browser.MustContain(t, "status page", page.Body, vk.Address().String(), base64.StdEncoding.EncodeToString(vk.Bytes()))

	api := browser.Get(t, base+"/api/status")
	if api.Code != http.StatusOK || !strings.HasPrefix(api.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("GET /api/status = %d %s", api.Code, api.Header.Get("Content-Type"))
	}
	var st chain.Status
	if err := json.Unmarshal([]byte(api.Body), &st); err != nil {
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
		browser.MustContain(t, "api JSON", api.Body, k)
	}

	if h := browser.Get(t, base+"/healthz"); h.Code != http.StatusOK || h.Body != "ok" {
		t.Errorf("GET /healthz = %d %q", h.Code, h.Body)
	}

	nf := browser.Get(t, base+"/no/such/page")
	if nf.Code != http.StatusNotFound {
		t.Errorf("unknown path = %d", nf.Code)
	}
	browser.MustContain(t, "404 page", nf.Body, "Page not found", `<main id="main"`, "Publica", "/no/such/page")
	if nf.Header.Get("Content-Security-Policy") == "" {
		t.Error("404 without CSP")
	}
	if api404 := browser.Get(t, base+"/api/nothing"); api404.Code != http.StatusNotFound || !strings.Contains(api404.Body, `"error"`) {
		t.Errorf("unknown api path = %d %s", api404.Code, api404.Body)
	}

	// Every asset the page links to is served, and the page weight stays small.
	weight := len(page.Body)
	for _, m := range regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`).FindAllStringSubmatch(page.Body, -1) {
		a := browser.Get(t, base+strings.ReplaceAll(m[1], "&amp;", "&"))
		if a.Code != http.StatusOK {
			t.Errorf("GET %s = %d", m[1], a.Code)
		}
		if !strings.Contains(a.Header.Get("Cache-Control"), "immutable") {
			t.Errorf("%s Cache-Control %q", m[1], a.Header.Get("Cache-Control"))
		}
		if !strings.HasSuffix(strings.SplitN(m[1], "?", 2)[0], ".svg") {
			weight += len(a.Body)
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
	if h := browser.Get(t, base+"/healthz"); h.Code != http.StatusServiceUnavailable {
		t.Errorf("healthz with node stopped = %d %q", h.Code, h.Body)
	}
	down := browser.Get(t, base+"/status")
	if down.Code != http.StatusServiceUnavailable {
		t.Errorf("GET /status with node stopped = %d", down.Code)
	}
	browser.MustContain(t, "node-down page", down.Body, "Node unavailable", `<main id="main"`)

	// Graceful shutdown closes the listener.
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("portal still answers after Shutdown")
	}
}
