package home_test

import (
	"html"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/publica/publica/internal/apptest/browser"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/web"
)

// translatedPages are the pages done in Chinese (docs/portal.md "Two
// languages"): with Chinese chosen their main text holds no English
// sentence. Add a page to its area's list when its strings are in the
// catalog (one list per area, so areas can be translated side by side).
var translatedPages = pageSet(
	[]string{"/"},
	translatedLandPages,
	translatedBallotPages,
	translatedIdentityPages,
	translatedOtherPages,
)

var (
	translatedLandPages = []string{"/land", "/land/search", "/land/map", "/land/verify",
		"/land/caveats/examine", "/land/caveats/lodge", "/land/caveats/remove", "/land/caveats/withdraw", "/land/corrections",
		"/land/easements/end", "/land/easements/register", "/land/leases/end", "/land/leases/register",
		"/land/mortgages/discharge", "/land/mortgages/register", "/land/parcels/merge", "/land/parcels/register",
		"/land/parcels/subdivide", "/land/parties/amend", "/land/parties/register", "/land/titles/register",
		"/land/titles/transmit", "/land/transfers/accept", "/land/transfers/offer", "/land/transfers/register",
		"/land/transfers/settle", "/land/transfers/withdraw", "/land/cosign"}
	translatedBallotPages = []string{"/elections", "/ballot/cast", "/ballot/complain", "/ballot/create", "/ballot/deal",
		"/ballot/publish-key", "/ballot/reveal", "/ballot/tally", "/ballot/trustee-key", "/ballot/voters/add", "/ballot/voters/remove",
		"/observe"}
	translatedIdentityPages = []string{"/identity", "/identity/credentials", "/identity/credentials/reinstate",
		"/identity/credentials/revoke", "/identity/credentials/suspend", "/identity/eligibility", "/identity/eligibility/register",
		"/identity/issue", "/identity/present", "/identity/recovery", "/identity/recovery/cancel", "/identity/recovery/request",
		"/identity/verify"}
	translatedOtherPages = []string{"/account/register", "/audit/replay", "/blocks", "/demo", "/keys", "/signin", "/status"}
)

func pageSet(lists ...[]string) map[string]bool {
	set := map[string]bool{}
	for _, l := range lists {
		for _, p := range l {
			set[p] = true
		}
	}
	return set
}

var (
	mainRe    = regexp.MustCompile(`(?s)<main[^>]*>(.*)</main>`)
	tagRe     = regexp.MustCompile(`(?s)<(script|style|code|pre)[^>]*>.*?</(script|style|code|pre)>|<[^>]+>`)
	englishRe = regexp.MustCompile(`[A-Za-z][a-z’']+(?:[ ,]+[A-Za-z][a-z’']+){2,}`) // three English words in a row
)

// TestChineseCoverage lists, with Chinese chosen, which of the portal's
// pages (every GET route without parameters) still show English
// sentences in their main content, as a coverage report (go test -v).
// It fails only for the pages listed as translated.
func TestChineseCoverage(t *testing.T) {
	n, _ := testnode.Start(t, testnode.InitHome(t))
	s := browser.StartServer(t, n, web.Options{Refresh: -1, Logger: browser.TestLogger(t)})
	base := "http://" + s.Addr()

	var paths []string
	for _, r := range s.Handler().(*echo.Echo).Routes() {
		if r.Method == http.MethodGet && !strings.ContainsAny(r.Path, ":*") && !strings.HasPrefix(r.Path, "/api/") &&
			!strings.HasSuffix(r.Path, ".json") && !strings.HasSuffix(r.Path, ".wasm") && r.Path != "/healthz" {
			paths = append(paths, r.Path)
		}
	}
	sort.Strings(paths)
	paths = compact(paths)
	for p := range translatedPages {
		if !contains(paths, p) {
			t.Errorf("translated page %s is not a route", p)
		}
	}

	done, total := 0, 0
	for _, p := range paths {
		req, _ := http.NewRequest(http.MethodGet, base+p, nil)
		req.AddCookie(&http.Cookie{Name: "lang", Value: "zh"})
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
			continue
		}
		if !strings.Contains(string(body), `<html lang="zh-Hans">`) {
			t.Errorf("%s with Chinese chosen: no lang=zh-Hans", p)
		}
		m := mainRe.FindStringSubmatch(string(body))
		if m == nil {
			continue
		}
		total++
		text := html.UnescapeString(tagRe.ReplaceAllString(m[1], " "))
		english := englishRe.FindAllString(text, 3)
		if len(english) == 0 {
			done++
			t.Logf("%-40s Chinese", p)
			continue
		}
		t.Logf("%-40s English left, e.g. %q", p, english[0])
		if translatedPages[p] {
			t.Errorf("%s is listed as translated but shows English: %q", p, english)
		}
	}
	t.Logf("%d of %d pages without parameters read in Chinese", done, total)
	if total < 10 {
		t.Errorf("only %d pages checked", total)
	}
}

func compact(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
