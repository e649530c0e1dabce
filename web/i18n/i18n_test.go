package i18n

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"testing"
	"time"
	"unicode"

	"github.com/labstack/echo/v4"
)

var verb = regexp.MustCompile(`%(\[\d+\])?[a-z]`)

// TestCatalogComplete: every key has an English and a Chinese text, the
// Chinese one is written in Chinese characters, both take the same
// arguments, and no key is listed twice.
func TestCatalogComplete(t *testing.T) {
	seen := map[string]bool{}
	for _, m := range Catalog {
		if seen[m.Key] {
			t.Errorf("key %q listed twice", m.Key)
		}
		seen[m.Key] = true
		if m.En == "" || m.Zh == "" {
			t.Errorf("key %q: English %q, Chinese %q; both are required", m.Key, m.En, m.Zh)
			continue
		}
		han := false
		for _, r := range m.Zh {
			if unicode.Is(unicode.Han, r) {
				han = true
				break
			}
		}
		if !han {
			t.Errorf("key %q: Chinese text %q has no Chinese characters", m.Key, m.Zh)
		}
		if en, zh := verbs(m.En), verbs(m.Zh); en != zh {
			t.Errorf("key %q: English takes %s, Chinese %s", m.Key, en, zh)
		}
	}
	if len(Catalog) < 40 {
		t.Errorf("catalog has %d messages", len(Catalog))
	}
}

func verbs(s string) string {
	vs := verb.FindAllString(s, -1)
	for i, v := range vs { // "%[2]s" and "%s" in the second place are the same argument
		vs[i] = v[len(v)-1:]
	}
	sort.Strings(vs)
	return fmtList(vs)
}

func fmtList(vs []string) string {
	out := "["
	for _, v := range vs {
		out += v
	}
	return out + "]"
}

func TestT(t *testing.T) {
	en := With(context.Background(), English, "/")
	zh := With(context.Background(), Chinese, "/")
	if got := T(en, "nav.land"); got != "Land" {
		t.Errorf("English nav.land = %q", got)
	}
	if got := T(zh, "nav.land"); got != "不动产" {
		t.Errorf("Chinese nav.land = %q", got)
	}
	if got := T(zh, "layout.title", "首页"); got != "首页 – Publica 公共登记平台" {
		t.Errorf("Chinese layout.title = %q", got)
	}
	if got := T(context.Background(), "nav.elections"); got != "Elections" {
		t.Errorf("no language in context: %q, want English", got)
	}
}

func TestChoose(t *testing.T) {
	for _, c := range []struct {
		cookie, accept string
		want           string
	}{
		{"", "", "en"},
		{"", "zh-CN,zh;q=0.9,en;q=0.8", "zh"},
		{"", "zh-TW", "zh"},
		{"", "fr-FR, de;q=0.5", "en"},
		{"", "de, en;q=0.5, zh;q=0.9", "zh"},
		{"en", "zh-CN", "en"},
		{"zh", "en-GB", "zh"},
		{"klingon", "zh-CN", "zh"},
		{"", "garbage;;;q=", "en"},
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		if c.cookie != "" {
			r.AddCookie(&http.Cookie{Name: Cookie, Value: c.cookie})
		}
		if c.accept != "" {
			r.Header.Set("Accept-Language", c.accept)
		}
		if got := Code(Choose(r)); got != c.want {
			t.Errorf("cookie %q, Accept-Language %q: %s, want %s", c.cookie, c.accept, got, c.want)
		}
	}
}

// TestSwitch: /lang/zh sets the cookie and returns to the page; an
// address off the site goes to the front page; an unknown language is 404.
func TestSwitch(t *testing.T) {
	e := echo.New()
	e.GET("/lang/:code", Switch)
	for _, c := range []struct {
		url, status, cookie, location string
	}{
		{"/lang/zh?back=%2Fland%2Fsearch%3Fq%3DMill", "303", "zh", "/land/search?q=Mill"},
		{"/lang/en?back=%2Felections", "303", "en", "/elections"},
		{"/lang/zh?back=https%3A%2F%2Fevil.example%2F", "303", "zh", "/"},
		{"/lang/zh?back=%2F%2Fevil.example", "303", "zh", "/"},
		{"/lang/zh?back=%2F%5Cevil.example", "303", "zh", "/"},
		{"/lang/zh", "303", "zh", "/"},
		{"/lang/fr?back=%2F", "404", "", ""},
	} {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, c.url, nil))
		if got := itoa(rec.Code); got != c.status {
			t.Errorf("%s: status %s, want %s", c.url, got, c.status)
			continue
		}
		if c.status != "303" {
			continue
		}
		if loc := rec.Header().Get("Location"); loc != c.location {
			t.Errorf("%s: goes to %q, want %q", c.url, loc, c.location)
		}
		res := http.Response{Header: rec.Header()}
		var got string
		for _, ck := range res.Cookies() {
			if ck.Name == Cookie {
				got = ck.Value
				if ck.MaxAge < 30*24*3600 || !ck.HttpOnly {
					t.Errorf("%s: cookie %+v not kept or readable by scripts", c.url, ck)
				}
			}
		}
		if got != c.cookie {
			t.Errorf("%s: cookie %q, want %q", c.url, got, c.cookie)
		}
	}
}

func itoa(n int) string {
	return string(rune('0'+n/100)) + string(rune('0'+n/10%10)) + string(rune('0'+n%10))
}

func TestDatesAndNumbers(t *testing.T) {
	at := time.Date(2026, 12, 4, 11, 9, 17, 0, time.FixedZone("CET", 3600))
	for _, c := range []struct{ got, want string }{
		{DateTime(English, at), "2026-12-04 10:09:17 UTC"},
		{DateTime(Chinese, at), "2026年12月4日 10:09:17 UTC"},
		{Date(English, at), "2026-12-04"},
		{Date(Chinese, at), "2026年12月4日"},
		{Number(English, 1234567), "1,234,567"},
		{Number(Chinese, 1234567), "1,234,567"},
		{Number(English, -42), "-42"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
