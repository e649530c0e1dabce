package land_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/publica/publica/extract"
	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/internal/apptest/browser"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/web"
	"github.com/publica/publica/x/land"
)

// englishRe is three English words in a row: a sentence left untranslated.
var englishRe = regexp.MustCompile(`[A-Za-z][a-z’']+(?:[ ,]+[A-Za-z][a-z’']+){2,}`)

// mainText is the text of <main> in the page open in the browser, code,
// scripts and styles left out (ids, hashes and commands stay English).
const mainText = `(() => {
	const m = document.querySelector("main").cloneNode(true);
	m.querySelectorAll("code, pre, script, style").forEach(e => e.remove());
	return m.textContent.replace(/\s+/g, " ");
})()`

// TestLandPagesInChinese: with Chinese chosen, the land register's
// pages that take a parameter — a title (with a caveat in force and a
// caveat application), its parcel with the history, the party who owns
// it, the title certificate and its check, a clerk's form and the same
// form refused — read wholly in Chinese: lang="zh-Hans", the expected
// Chinese words, no English sentence in <main> (names and addresses
// are the register's data and stay as registered), no axe-core
// violation, and nothing wider than a 390 px phone.
func TestLandPagesInChinese(t *testing.T) {
	n, c := testnode.Start(t, testnode.InitHome(t))
	clerk, alice := apptest.DemoKey(t, "clerk"), apptest.DemoKey(t, "citizen-alice")
	sum := sha256.Sum256([]byte("grant"))
	doc := hex.EncodeToString(sum[:])
	browser.Send(t, c, land.TypeRegisterParcel, land.MsgRegisterParcel{CadastralRef: "ZH-1", Address: "1 Mill Lane", Document: doc,
		Geometry: land.Geometry{Type: "Polygon", CRS: "EPSG:32633", Coordinates: json.RawMessage(`[[[0,0],[1000,0],[1000,1000],[0,1000],[0,0]]]`)}}, clerk)
	browser.Send(t, c, land.TypeRegisterParcel, land.MsgRegisterParcel{CadastralRef: "ZH-2", Address: "3 Mill Lane", Document: doc,
		Geometry: land.Geometry{Type: "Polygon", CRS: "EPSG:32633", Coordinates: json.RawMessage(`[[[1000,0],[2000,0],[2000,1000],[1000,1000],[1000,0]]]`)}}, clerk)
	res := browser.Send(t, c, land.TypeRegisterTitle, land.MsgRegisterTitle{Parcels: []string{"P1"},
		Owners: []land.Share{{Party: "N1", Share: "1"}}, Tenure: "freehold", Document: doc}, clerk)
	testnode.WaitHeight(t, c, res.Height+2)
	base := browser.Serve(t, n, web.Options{Refresh: -1, Logger: browser.TestLogger(t)})
	// The certificate is made before the caveats: its check then says how the title changed since.
	cert := browser.Get(t, base+"/land/titles/T1/certificate")
	m := regexp.MustCompile(`id="certificate-verify-link"[^>]*href="([^"]+)"|href="([^"]+)"[^>]*id="certificate-verify-link"`).FindStringSubmatch(cert.Body)
	if m == nil {
		t.Fatalf("no verify link on the certificate page")
	}
	verify := strings.TrimPrefix(strings.ReplaceAll(m[1]+m[2], "&amp;", "&"), base)
	if i := strings.Index(verify, "/land/verify"); i > 0 {
		verify = verify[i:]
	}
	pdfHref := regexp.MustCompile(`/land/titles/T1/certificate\.pdf\?height=\d+`).FindString(cert.Body)
	if pdfHref == "" {
		t.Fatalf("no PDF link on the certificate page")
	}
	pdf := browser.Get(t, base+pdfHref)
	if pdf.Code != 200 {
		t.Fatalf("certificate PDF: %d", pdf.Code)
	}
	browser.Send(t, c, land.TypeLodgeCaveat, land.MsgLodgeCaveat{Title: "T1", Reason: "法院裁定", Document: doc}, clerk)
	res = browser.Send(t, c, land.TypeLodgeCaveat, land.MsgLodgeCaveat{Title: "T1", Reason: "买卖合同", Document: doc}, alice)
	testnode.WaitHeight(t, c, res.Height+2)

	bctx := browser.New(t)
	w := browser.Watch(bctx)
	browser.Run(t, bctx, "choose Chinese", network.SetCookie("lang", "zh").WithURL(base+"/"),
		chromedp.EmulateViewport(browser.PhoneWidth, browser.PhoneHeight))
	data := []string{"Alice Citizen", "1 Mill Lane, Millbrook", "1 Mill Lane", "3 Mill Lane", "Land Registry"}
	pages := []struct {
		name, path, wait string
		status           int64
		want             []string
	}{
		{"title", "/land/titles/T1", "#title-proof", 200,
			[]string{"产权 T1", "完全所有权", "权利人", "他项权利与权利限制", "异议登记 C1", "交易已冻结", "异议登记申请 C2", "证明已核验", "下载产权登记簿摘录（JSON）"}},
		{"parcel", "/land/parcels/P1", "#parcel-proof", 200,
			[]string{"地块 ZH-1", "相邻地块", "登记历史", "首次产权登记已办理", "异议登记已生效", "已提交异议登记申请", "办理人"}},
		{"party", "/land/parties/N1", "#party-proof", 200, []string{"Alice Citizen", "自然人", "持有的产权", "送达地址"}},
		{"certificate", "/land/titles/T1/certificate", "#certificate", 200,
			[]string{"不动产权证书：产权 T1", "权利人及份额", "扫码核验", "核验本证书", "经其三分之二以上验证者签名"}},
		{"certificate check", verify, "#since", 200,
			[]string{"核验通过：产权 T1", "自本证书出具以来，产权已发生变更", "此产权现已因异议登记而冻结", "查看产权 T1 的现状"}},
		{"clerk form", "/land/caveats/remove?title=T1&caveat=C1", "#f-reason", 200,
			[]string{"注销异议登记", "仅限登记员", "注销理由", "文件哈希", "您的公钥", "继续"}},
		{"map", "/land/map", "#area-map", 200, []string{"在地图上查找不动产", "本图中的地块", "向北"}},
		{"unknown parcel", "/land/parcels/P99", "#parcel-not-found", 404, []string{"未找到地块", "登记簿中没有地块 P99"}},
	}
	for _, p := range pages {
		browser.Run(t, bctx, p.name, chromedp.Navigate(base+p.path), chromedp.WaitVisible(p.wait, chromedp.ByQuery))
		browser.WantStatus(t, w, p.name, p.status)
		checkChinesePage(t, bctx, p.name, data, p.want)
	}

	// The clerk's form refused (no key in this browser): the error summary and the field's error in Chinese.
	browser.Run(t, bctx, "send the form empty", chromedp.Navigate(base+"/land/caveats/remove?title=T1&caveat=C1"), chromedp.WaitVisible("#f-reason", chromedp.ByID),
		browser.Submitted(".error-summary", chromedp.Click(".journey-form button[type=submit]", chromedp.ByQuery)))
	browser.WantStatus(t, w, "refused form", 422)
	checkChinesePage(t, bctx, "refused form", data, []string{"出现问题", "请输入您的公钥"})
	var title string
	browser.Run(t, bctx, "refused form title", chromedp.Title(&title))
	if !strings.HasPrefix(title, "错误：") {
		t.Errorf("refused form: title %q, want it to start with 错误：", title)
	}

	checkVerifyInChinese(t, bctx, w, base, verify, []byte(pdf.Body), data)
}

// checkVerifyInChinese: the verify page's refusals and verdict in
// Chinese — a PDF that is no certificate, a certificate whose attached
// extract was damaged, an extract whose record was altered, the
// certificate's link with a wrong SHA-256, and the certificate itself —
// each reading wholly in Chinese (what the check found, in the extract
// package's words, only under "Technical details"), axe-clean at 390 px.
func checkVerifyInChinese(t *testing.T, bctx context.Context, w *browser.PageWatch, base, verify string, pdf []byte, data []string) {
	t.Helper()
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		f := filepath.Join(dir, name)
		if err := os.WriteFile(f, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return f
	}
	// A byte of the attached extract's compressed stream changed.
	damaged := bytes.Clone(pdf)
	if i := regexp.MustCompile(`/Type\s*/EmbeddedFile\b`).FindIndex(damaged); i == nil {
		t.Fatal("the certificate has no embedded file")
	} else if j := bytes.Index(damaged[i[1]:], []byte("stream\n")); j < 0 {
		t.Fatal("the embedded file has no stream")
	} else {
		damaged[i[1]+j+len("stream\n")+40] ^= 0xff
	}
	x, raw, err := extract.Read(pdf)
	if err != nil || x.Title != "T1" {
		t.Fatalf("the certificate's extract: %v", err)
	}
	altered := strings.Replace(string(raw), `\"tenure\":\"freehold\"`, `\"tenure\":\"leasehold\"`, 1)
	if altered == string(raw) {
		t.Fatal("nothing to alter in the extract")
	}
	refusals := []struct {
		name, file, paste string
		want              []string
	}{
		{"a PDF that is no certificate", write("letter.pdf", []byte("%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")), "",
			[]string{"出现问题", "此 PDF 未附带产权登记簿摘录", "只有本门户出具的不动产权证书才附带摘录", "技术细节"}},
		{"a damaged certificate", write("damaged.certificate.pdf", damaged), "",
			[]string{"出现问题", "无法作为不动产权证书读取此 PDF：其所附摘录已损坏或不完整", "技术细节"}},
		{"an altered extract", "", altered,
			[]string{"出现问题", "摘录未通过核验，因此不能证明任何内容", "技术细节"}},
		{"nothing", "", "", []string{"出现问题", "请选择摘录文件或粘贴摘录"}},
	}
	english := []string{"not a title extract", "does not verify", "could not be read", "carries no title extract", "Choose an extract", "larger than 2 MB"}
	for _, r := range refusals {
		act := []chromedp.Action{chromedp.Navigate(base + "/land/verify"), chromedp.WaitVisible("#f-file", chromedp.ByID)}
		if r.file != "" {
			act = append(act, chromedp.SetUploadFiles("#f-file", []string{r.file}, chromedp.ByID))
		}
		if r.paste != "" {
			act = append(act, chromedp.SetValue("#f-extract", r.paste, chromedp.ByID))
		}
		act = append(act, browser.Submitted(".error-summary", chromedp.Click("form.journey-form button", chromedp.ByQuery)))
		browser.Run(t, bctx, "verify "+r.name, act...)
		browser.WantStatus(t, w, "verify "+r.name, 422)
		checkChinesePage(t, bctx, "verify "+r.name, data, r.want)
		var html string
		browser.Run(t, bctx, r.name+": html", chromedp.Evaluate(`document.querySelector("main").innerText`, &html))
		for _, en := range english {
			if strings.Contains(html, en) {
				t.Errorf("verify %s: the refusal %q is in English", r.name, en)
			}
		}
	}

	// The certificate's link with another SHA-256: the mismatch in Chinese.
	sum := regexp.MustCompile(`sha256=[0-9a-f]{64}`)
	wrong := sum.ReplaceAllString(verify, "sha256="+strings.Repeat("0", 64))
	browser.Run(t, bctx, "verify a wrong hash", chromedp.Navigate(base+wrong), chromedp.WaitVisible(".error-summary", chromedp.ByQuery))
	browser.WantStatus(t, w, "verify a wrong hash", 422)
	checkChinesePage(t, bctx, "verify a wrong hash", data, []string{"证书与登记簿不符：产权 T1", "证书已被篡改，或出自另一条区块链"})

	// The certificate itself, uploaded: the verdict in Chinese.
	browser.Run(t, bctx, "verify the certificate", chromedp.Navigate(base+"/land/verify"), chromedp.WaitVisible("#f-file", chromedp.ByID),
		chromedp.SetUploadFiles("#f-file", []string{write(x.Title+".certificate.pdf", pdf)}, chromedp.ByID),
		browser.Submitted("#verdict", chromedp.Click("form.journey-form button", chromedp.ByQuery)))
	browser.WantStatus(t, w, "verify the certificate", 200)
	checkChinesePage(t, bctx, "verify the certificate", data, []string{"核验通过：产权 T1", "经其三分之二以上验证者签名", "权利人", "核验另一份"})
}

// checkChinesePage checks the page open in the browser: lang zh-Hans,
// each of want in <main>, no English sentence there once the register's
// data are taken out, no axe-core violation, and the phone's width.
func checkChinesePage(t *testing.T, bctx context.Context, name string, data, want []string) {
	t.Helper()
	var lang, text string
	browser.Run(t, bctx, name+": text", chromedp.Evaluate(`document.documentElement.lang`, &lang), chromedp.Evaluate(mainText, &text))
	if lang != "zh-Hans" {
		t.Errorf("%s: lang %q, want zh-Hans", name, lang)
	}
	for _, s := range want {
		if !strings.Contains(text, s) {
			t.Errorf("%s lacks %q", name, s)
		}
	}
	rest := text
	for _, d := range data {
		rest = strings.ReplaceAll(rest, d, " ")
	}
	if en := englishRe.FindAllString(rest, 5); len(en) > 0 {
		t.Errorf("%s still shows English: %q", name, en)
	}
	browser.RequireAccessible(t, bctx, name+", Chinese")
	if wd := browser.Measure(t, bctx); wd.Document > browser.PhoneWidth {
		t.Errorf("%s is %d px wide in Chinese at %d px (widest: %v)", name, wd.Document, browser.PhoneWidth, wd.Widest)
	}
	if t.Failed() {
		t.Logf("%s reads: %s", name, text)
	}
}
