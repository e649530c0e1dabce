// Package i18n gives the portal its two languages, English and
// Simplified Chinese: which one a request gets (the reader's choice kept
// in a cookie, else the browser's Accept-Language, else English), the
// message catalog every user-facing string comes from
// (golang.org/x/text/message and its catalog), and dates and numbers
// written the way each language writes them. The CLI stays English and
// does not use this package.
package i18n

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"
)

// The portal's languages.
var (
	English = language.English
	Chinese = language.SimplifiedChinese
)

// Supported lists the languages in the order the switcher offers them;
// the first is the default.
var Supported = []language.Tag{English, Chinese}

// Cookie keeps the reader's choice of language.
const Cookie = "lang"

var matcher = language.NewMatcher(Supported)

// Code is the tag's short code, used in the switcher's URL and the
// cookie: "en" or "zh".
func Code(tag language.Tag) string {
	if tag == Chinese {
		return "zh"
	}
	return "en"
}

// Parse reads a code ("en", "zh", or any tag such as "zh-CN") into one of
// the supported languages.
func Parse(code string) (language.Tag, bool) {
	switch strings.ToLower(code) {
	case "en":
		return English, true
	case "zh", "zh-hans", "zh-cn":
		return Chinese, true
	}
	return English, false
}

// HTMLLang is the value of the lang attribute for the tag (BCP 47):
// "en" or "zh-Hans".
func HTMLLang(tag language.Tag) string {
	if tag == Chinese {
		return "zh-Hans"
	}
	return "en"
}

// Name is the language's name in itself, as the switcher shows it.
func Name(tag language.Tag) string {
	if tag == Chinese {
		return "中文"
	}
	return "English"
}

// Choose is the language of a request: the cookie if it names a
// supported language, else the best match of Accept-Language, else
// English.
func Choose(r *http.Request) language.Tag {
	if ck, err := r.Cookie(Cookie); err == nil {
		if tag, ok := Parse(ck.Value); ok {
			return tag
		}
	}
	if al := r.Header.Get("Accept-Language"); al != "" {
		tags, _, err := language.ParseAcceptLanguage(al)
		if err == nil && len(tags) > 0 {
			_, i, conf := matcher.Match(tags...)
			if conf > language.No {
				return Supported[i]
			}
		}
	}
	return English
}

type localeKey struct{}

type locale struct {
	tag  language.Tag
	path string // the request's path and query, where the switcher returns
}

// With returns ctx carrying the page's language and the request's path
// (which the language switcher links back to).
func With(ctx context.Context, tag language.Tag, path string) context.Context {
	return context.WithValue(ctx, localeKey{}, locale{tag: tag, path: path})
}

// Lang is the page's language in ctx (English if none).
func Lang(ctx context.Context) language.Tag {
	if l, ok := ctx.Value(localeKey{}).(locale); ok {
		return l.tag
	}
	return English
}

// Path is the request's path and query in ctx ("/" if none).
func Path(ctx context.Context) string {
	if l, ok := ctx.Value(localeKey{}).(locale); ok && l.path != "" {
		return l.path
	}
	return "/"
}

// Middleware puts the request's language (Choose) into its context and
// tells caches the answer varies with the cookie and Accept-Language.
func Middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		c.Response().Header().Add("Vary", "Accept-Language")
		c.Response().Header().Add("Vary", "Cookie")
		c.SetRequest(r.WithContext(With(r.Context(), Choose(r), r.URL.RequestURI())))
		return next(c)
	}
}

// SwitchURL is the switcher's link to tag that comes back to the page at
// path.
func SwitchURL(tag language.Tag, path string) string {
	return "/lang/" + Code(tag) + "?back=" + url.QueryEscape(path)
}

// Switch (GET /lang/:code?back=/path) keeps the chosen language in a
// cookie for a year and returns to the page the reader was on (only a
// path on this site; anything else goes to the front page).
func Switch(c echo.Context) error {
	tag, ok := Parse(c.Param("code"))
	if !ok {
		return echo.NewHTTPError(http.StatusNotFound, "There is no page in this language. The portal speaks English (en) and Chinese (zh).")
	}
	c.SetCookie(&http.Cookie{
		Name: Cookie, Value: Code(tag), Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: c.Scheme() == "https",
	})
	return c.Redirect(http.StatusSeeOther, safeBack(c.QueryParam("back")))
}

// safeBack keeps a return address on this site: a path starting with one
// slash (not "//host" or "/\host"), else "/".
func safeBack(back string) string {
	if !strings.HasPrefix(back, "/") || strings.HasPrefix(back, "//") || strings.HasPrefix(back, "/\\") ||
		strings.ContainsAny(back, "\r\n") || strings.HasPrefix(back, "/lang/") {
		return "/"
	}
	return back
}

// T is the message key in the page's language, with args filled in as
// the message's verbs say (fmt's, with %[n] to reorder).
func T(ctx context.Context, key string, args ...any) string {
	return printer(Lang(ctx)).Sprintf(key, args...)
}

// Tr is T for a language given directly.
func Tr(tag language.Tag, key string, args ...any) string {
	return printer(tag).Sprintf(key, args...)
}

// Number writes an integer the way the language does: 1,234,567 (both
// English and Chinese group in threes with a comma).
func Number(tag language.Tag, n int64) string {
	return message.NewPrinter(tag).Sprint(number.Decimal(n))
}

// NumberIn writes n the way the language of ctx (Lang) writes numbers.
func NumberIn(ctx context.Context, n int64) string { return Number(Lang(ctx), n) }

// DateTime writes a moment in UTC the way the language does:
// "2026-12-04 11:09:17 UTC" / "2026年12月4日 11:09:17 UTC".
func DateTime(tag language.Tag, t time.Time) string {
	t = t.UTC()
	if tag == Chinese {
		return t.Format("2006年1月2日 15:04:05") + " UTC"
	}
	return t.Format("2006-01-02 15:04:05") + " UTC"
}

// Date writes a day the way the language does: "2026-12-04" /
// "2026年12月4日".
func Date(tag language.Tag, t time.Time) string {
	t = t.UTC()
	if tag == Chinese {
		return t.Format("2006年1月2日")
	}
	return t.Format("2006-01-02")
}

var keys = func() map[string]bool {
	m := make(map[string]bool, len(Catalog))
	for _, msg := range Catalog {
		m[msg.Key] = true
	}
	return m
}()

// Has reports whether key is in the catalog.
func Has(key string) bool { return keys[key] }

// Text is s in the page's language when s is a catalog key (with args
// filled in), else s itself: the signing journeys' titles, leads and
// field labels may be either while their areas are being translated.
func Text(ctx context.Context, s string, args ...any) string {
	if keys[s] {
		return T(ctx, s, args...)
	}
	return s
}
