package browser

import (
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// Response is what the portal answered.
type Response struct {
	Code   int
	Header http.Header
	Body   string
}

// Get fetches url with a plain client (no cookies).
func Get(t testing.TB, url string) Response {
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
	return Response{res.StatusCode, res.Header, string(b)}
}

// MustContain fails the test for each of wants that body lacks.
func MustContain(t testing.TB, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s does not contain %q", what, w)
		}
	}
}

// Agent is a non-browser client: it has no Sec-Fetch-Site header, so the
// portal's CSRF check falls back to the double-submit token, which the
// agent keeps from the last page and sends with its forms. It keeps
// cookies and does not follow redirects.
type Agent struct {
	t    testing.TB
	base string
	c    *http.Client
	csrf string
}

// NewAgent is an agent of the portal at base.
func NewAgent(t testing.TB, base string) *Agent {
	jar, _ := cookiejar.New(nil)
	return &Agent{t: t, base: base, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

var csrfRe = regexp.MustCompile(`name="_csrf" value="([^"]*)"`)

// Do sends req and reads the answer.
func (a *Agent) Do(req *http.Request) Response {
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
	return Response{res.StatusCode, res.Header, string(b)}
}

// Get fetches path.
func (a *Agent) Get(path string) Response {
	req, _ := http.NewRequest(http.MethodGet, a.base+path, nil)
	return a.Do(req)
}

// Post posts form to path, with the CSRF token unless form has one.
func (a *Agent) Post(path string, form url.Values) Response {
	if form.Get("_csrf") == "" && a.csrf != "" {
		form.Set("_csrf", a.csrf)
	}
	req, _ := http.NewRequest(http.MethodPost, a.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return a.Do(req)
}

// Attr is the value of the first attribute name in body.
func Attr(t testing.TB, body, name string) string {
	t.Helper()
	m := regexp.MustCompile(name + `="([^"]*)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no %s in page", name)
	}
	return html.UnescapeString(m[1])
}

// Hidden is the value of the form field name in body.
func Hidden(t testing.TB, body, name string) string {
	t.Helper()
	m := regexp.MustCompile(`name="` + name + `" value="([^"]*)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no hidden %s in page", name)
	}
	return html.UnescapeString(m[1])
}

// Weight is a page's HTML plus the CSS and JavaScript it loads, fetched
// from the portal at base.
func Weight(t testing.TB, base string, r Response) (html, assets int) {
	t.Helper()
	for _, m := range regexp.MustCompile(`(?:href|src)="(/static/[^"]+\.(?:css|js)[^"]*)"`).FindAllStringSubmatch(r.Body, -1) {
		a := Get(t, base+strings.ReplaceAll(m[1], "&amp;", "&"))
		if a.Code != http.StatusOK {
			t.Errorf("GET %s = %d", m[1], a.Code)
		}
		assets += len(a.Body)
	}
	return len(r.Body), assets
}

// CSRF is the CSRF token the agent sends with its forms ("" before a
// page gave it one).
func (a *Agent) CSRF() string { return a.csrf }
