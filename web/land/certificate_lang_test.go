package land_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/publica/publica/extract"
	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/internal/apptest/browser"
	"github.com/publica/publica/internal/pdfa"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/web"
	"github.com/publica/publica/x/land"
)

// TestCertificatePDFLanguage: the certificate PDF is printed in the
// language of the page it is downloaded from (the lang cookie the
// switcher sets, else Accept-Language): Chinese, with a Chinese title in
// its metadata and Content-Language zh-Hans, or English. Without the
// Chinese font it is English (Content-Language en), and not cached, so
// the Chinese one is served once the font is installed. Each carries
// the same extract.
func TestCertificatePDFLanguage(t *testing.T) {
	if err := pdfa.ChineseAvailable(); err != nil {
		if os.Getenv("PUBLICA_REQUIRE_CJKFONT") == "1" {
			t.Fatalf("%v, and PUBLICA_REQUIRE_CJKFONT=1", err)
		}
		t.Skipf("%v", err)
	}
	n, c := testnode.Start(t, testnode.InitHome(t))
	clerk := apptest.DemoKey(t, "clerk")
	h := sha256.Sum256([]byte("deed"))
	d := hex.EncodeToString(h[:])
	browser.Send(t, c, land.TypeRegisterParcel, land.MsgRegisterParcel{CadastralRef: "LANG-1", Address: "1 Mill Lane", Document: d,
		Geometry: land.Geometry{Type: "Polygon", Coordinates: json.RawMessage("[[[0,0],[1000,0],[1000,1000],[0,1000],[0,0]]]")}}, clerk)
	browser.Send(t, c, land.TypeRegisterTitle, land.MsgRegisterTitle{Parcels: []string{"P1"},
		Owners: []land.Share{{Party: "N1", Share: "1"}}, Tenure: "freehold", Document: d}, clerk)
	latest, err := c.LatestHeight(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	testnode.WaitHeight(t, c, latest+2)
	base := browser.Serve(t, n, web.Options{})
	url := base + "/land/titles/T1/certificate.pdf?height=" + strconv.FormatInt(latest, 10)

	get := func(header, value string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest("GET", url, nil)
		if header != "" {
			req.Header.Set(header, value)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" {
			t.Fatalf("GET %s (%s: %s): %d %s\n%.300s", url, header, value, resp.StatusCode, resp.Header.Get("Content-Type"), b)
		}
		return resp, b
	}
	var files [][]byte
	for _, tc := range []struct {
		name, header, value, lang, title, cache string
	}{
		{"English by default", "", "", "en", "<dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">Title certificate T1", "immutable"},
		{"Chinese by the cookie", "Cookie", "lang=zh", "zh-Hans", "不动产权证书 T1", "immutable"},
		{"Chinese by Accept-Language", "Accept-Language", "zh-CN,zh;q=0.9", "zh-Hans", "不动产权证书 T1", "immutable"},
		{"English by the cookie", "Cookie", "lang=en", "en", "Title certificate T1", "immutable"},
	} {
		resp, pdf := get(tc.header, tc.value)
		if got := resp.Header.Get("Content-Language"); got != tc.lang {
			t.Errorf("%s: Content-Language %q, want %q", tc.name, got, tc.lang)
		}
		if !bytes.Contains(pdf, []byte(tc.title)) {
			t.Errorf("%s: the PDF's metadata has no %q", tc.name, tc.title)
		}
		if cc := resp.Header.Get("Cache-Control"); !bytes.Contains([]byte(cc), []byte(tc.cache)) {
			t.Errorf("%s: Cache-Control %q", tc.name, cc)
		}
		raw, err := extract.FromPDF(pdf)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		files = append(files, raw)
	}
	for i := range files {
		if !bytes.Equal(files[i], files[0]) {
			t.Errorf("the certificates in English and Chinese carry different extracts")
		}
	}

	t.Setenv(pdfa.ChineseFontEnv, filepath.Join(t.TempDir(), "no-such-font.ttf"))
	resp, pdf := get("Cookie", "lang=zh")
	if got, cc := resp.Header.Get("Content-Language"), resp.Header.Get("Cache-Control"); got != "en" || cc != "no-store" {
		t.Errorf("without the Chinese font: Content-Language %q, Cache-Control %q; want en, no-store", got, cc)
	}
	if !bytes.Contains(pdf, []byte("Title certificate T1")) {
		t.Errorf("without the Chinese font the certificate is not the English one")
	}
}
