package home_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/internal/apptest/browser"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/web"
	"github.com/publica/publica/x/land"
)

// TestChineseInBrowser: the header's switcher turns the portal into
// Simplified Chinese and back. The choice marks <html lang>, is
// remembered on every page opened afterwards (the lang cookie), brings
// the reader back to the page they were on, and the translated pages
// (front page, property search, parcel page) read in Chinese. axe-core
// finds no violation on any of them in either language.
func TestChineseInBrowser(t *testing.T) {
	bctx := browser.New(t)
	w := browser.Watch(bctx)
	n, c := testnode.Start(t, testnode.InitHome(t))
	clerk, alice := apptest.DemoKey(t, "clerk"), apptest.DemoKey(t, "citizen-alice")
	doc := sha256.Sum256([]byte("plan"))
	browser.Send(t, c, land.TypeRegisterParcel, land.MsgRegisterParcel{CadastralRef: "LANG-1", Address: "1 Mill Lane, Millbrook", Document: hex.EncodeToString(doc[:]),
		Geometry: land.Geometry{Type: "Polygon", CRS: "EPSG:32633", Coordinates: json.RawMessage("[[[0,0],[1000,0],[1000,1000],[0,1000],[0,0]]]")}}, clerk)
	res := browser.Send(t, c, land.TypeRegisterTitle, land.MsgRegisterTitle{Parcels: []string{"P1"},
		Owners: []land.Share{{Party: tx.AccountID(alice.Public().(ed25519.PublicKey)), Share: "1"}}, Tenure: "freehold", Document: hex.EncodeToString(doc[:])}, clerk)
	base := browser.Serve(t, n, web.Options{Refresh: -1, Logger: browser.TestLogger(t)})
	testnode.WaitHeight(t, c, res.Height+2) // the title is settled

	lang := func(what string) string {
		var l string
		browser.Run(t, bctx, what+": lang", chromedp.Evaluate(`document.documentElement.lang`, &l))
		return l
	}
	path := func() string {
		var p string
		browser.Run(t, bctx, "path", chromedp.Evaluate(`location.pathname + location.search`, &p))
		return p
	}

	// English first (the browser asks for English).
	browser.Run(t, bctx, "home", chromedp.Navigate(base+"/"), chromedp.WaitVisible("#home-q", chromedp.ByID))
	if l := lang("home"); l != "en" {
		t.Errorf("English home: lang %q, want en", l)
	}
	browser.Run(t, bctx, "search", chromedp.Navigate(base+"/land/search?q=mill"), chromedp.WaitVisible("#f-q", chromedp.ByID))
	browser.WantStatus(t, w, "search", 200)
	if h1 := browser.Text(t, bctx, "main h1"); h1 != "Find a property" {
		t.Errorf("English search page: h1 %q", h1)
	}
	browser.RequireAccessible(t, bctx, "search, English")
	browser.Run(t, bctx, "parcel", chromedp.Navigate(base+"/land/parcels/P1"), chromedp.WaitVisible("#parcel-proof", chromedp.ByID))
	browser.WantStatus(t, w, "parcel", 200)
	if main := browser.Text(t, bctx, "main"); !strings.Contains(main, "Cadastral reference") || !strings.Contains(main, "Proof verified") {
		t.Errorf("English parcel page reads %q", main)
	}
	browser.RequireAccessible(t, bctx, "parcel, English")

	// Switch to Chinese from the front page.
	browser.Run(t, bctx, "home again", chromedp.Navigate(base+"/"), chromedp.WaitVisible("#lang-zh", chromedp.ByID))
	browser.Run(t, bctx, "switch to 中文", browser.Submitted("main h1", chromedp.Click("#lang-zh", chromedp.ByID)))
	browser.WantStatus(t, w, "home in Chinese", 200)
	if p := path(); p != "/" {
		t.Errorf("after switching, the browser is at %q, want the front page it was on", p)
	}
	if l := lang("home in Chinese"); l != "zh-Hans" {
		t.Errorf("Chinese home: lang %q, want zh-Hans", l)
	}
	main := browser.Text(t, bctx, "main")
	for _, want := range []string{"不动产、选举与凭证", "查找不动产", "地址或不动产单元号", "我的不动产", "投票", "核验证书"} {
		if !strings.Contains(main, want) {
			t.Errorf("Chinese home lacks %q", want)
		}
	}
	for _, english := range []string{"Find a property", "My property", "Check a certificate"} {
		if strings.Contains(main, english) {
			t.Errorf("Chinese home still says %q", english)
		}
	}
	var nav, current string
	browser.Run(t, bctx, "nav", chromedp.Text(".site-nav", &nav, chromedp.ByQuery),
		chromedp.Text(`.lang-switch a[aria-current="true"]`, &current, chromedp.ByQuery))
	if !strings.Contains(nav, "选举") || strings.Contains(nav, "Elections") {
		t.Errorf("Chinese navigation reads %q", nav)
	}
	if current != "中文" {
		t.Errorf("the switcher marks %q as current, want 中文", current)
	}
	browser.RequireAccessible(t, bctx, "home, Chinese")

	// Remembered on the next page, opened by address.
	browser.Run(t, bctx, "search in Chinese", chromedp.Navigate(base+"/land/search?q=mill"), chromedp.WaitVisible("#f-q", chromedp.ByID))
	browser.WantStatus(t, w, "search in Chinese", 200)
	if l := lang("search in Chinese"); l != "zh-Hans" {
		t.Errorf("search page after choosing Chinese: lang %q, want zh-Hans", l)
	}
	if h1 := browser.Text(t, bctx, "main h1"); h1 != "查找不动产" {
		t.Errorf("Chinese search page: h1 %q", h1)
	}
	if main := browser.Text(t, bctx, "main"); !strings.Contains(main, "不动产单元号") || !strings.Contains(main, "找到 1 处不动产") ||
		!strings.Contains(main, "以第") || !strings.Contains(main, "权利人") {
		t.Errorf("Chinese search page reads %q", main)
	}
	browser.RequireAccessible(t, bctx, "search, Chinese")

	// The parcel page, reached from the result, in Chinese.
	browser.Run(t, bctx, "open the parcel", browser.Submitted("#parcel-proof", chromedp.Click(`#hits a[href="/land/parcels/P1"]`, chromedp.ByQuery)))
	browser.WantStatus(t, w, "parcel in Chinese", 200)
	if l := lang("parcel in Chinese"); l != "zh-Hans" {
		t.Errorf("parcel page: lang %q, want zh-Hans", l)
	}
	main = browser.Text(t, bctx, "main")
	for _, want := range []string{"地块 LANG-1", "不动产单元号", "平方米", "现行登记", "产权 T1：权利人、抵押及权利限制", "证明已核验", "登记历史"} {
		if !strings.Contains(main, want) {
			t.Errorf("Chinese parcel page lacks %q", want)
		}
	}
	for _, english := range []string{"Cadastral reference", "Proof verified", "In the register", "History"} {
		if strings.Contains(main, english) {
			t.Errorf("Chinese parcel page still says %q", english)
		}
	}
	browser.RequireAccessible(t, bctx, "parcel, Chinese")
	// The elections page, from the navigation.
	browser.Run(t, bctx, "elections in Chinese", browser.Submitted("main h1", chromedp.Click(`.site-nav a[href="/elections"]`, chromedp.ByQuery)))
	browser.WantStatus(t, w, "elections in Chinese", 200)
	if l := lang("elections in Chinese"); l != "zh-Hans" {
		t.Errorf("elections page: lang %q, want zh-Hans", l)
	}
	if main := browser.Text(t, bctx, "main"); !strings.Contains(main, "选票在您的浏览器中加密") || !strings.Contains(main, "创建选举") || strings.Contains(main, "Create an election") {
		t.Errorf("Chinese elections page reads %q", main)
	}
	browser.RequireAccessible(t, bctx, "elections, Chinese")
	browser.Run(t, bctx, "back to the search", chromedp.Navigate(base+"/land/search?q=mill"), chromedp.WaitVisible("#f-q", chromedp.ByID))

	// And back to English, staying on the search with its query.
	browser.Run(t, bctx, "switch to English", browser.Submitted("main h1", chromedp.Click("#lang-en", chromedp.ByID)))
	if p := path(); p != "/land/search?q=mill" {
		t.Errorf("after switching back, the browser is at %q, want the search it was on", p)
	}
	if l := lang("search in English"); l != "en" {
		t.Errorf("after switching back: lang %q, want en", l)
	}
	if h1 := browser.Text(t, bctx, "main h1"); h1 != "Find a property" {
		t.Errorf("after switching back: h1 %q", h1)
	}
}
