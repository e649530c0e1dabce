// Package browser is the kit every portal end-to-end test uses: it
// starts a node and the portal (StartPortal, Serve), drives a real
// headless Chromium (Debian's chromium package) with chromedp (New, Run,
// Watch, Submitted…), puts a key into the browser's key store (UseKey),
// runs axe-core inside the page for accessibility checks
// (RequireAccessible), and talks to the portal as a plain HTTP client
// with its CSRF token (Agent).
//
// `make test` installs Chromium when it is missing (scripts/install-browser.sh)
// and sets PUBLICA_REQUIRE_BROWSER=1, so a missing browser fails there; a
// plain `go test` without Chromium skips these tests and says why.
package browser

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

//go:embed axe/axe.min.js
var axeSource string

// ExecPath finds Chromium, or skips (fails under PUBLICA_REQUIRE_BROWSER=1).
func ExecPath(t testing.TB) string {
	t.Helper()
	for _, name := range []string{os.Getenv("PUBLICA_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("PUBLICA_REQUIRE_BROWSER") == "1" {
		t.Fatal("no Chromium found; run scripts/install-browser.sh (make test does)")
	}
	t.Skip("no Chromium on PATH: browser tests skipped (scripts/install-browser.sh installs it)")
	return ""
}

// New starts a headless browser for the test and returns a tab context.
// On test failure the current page is saved as a screenshot under
// $PUBLICA_SCREENSHOTS (default: the system temp dir) and its path logged.
func New(t testing.TB) context.Context {
	t.Helper()
	return NewFor(t, 60*time.Second)
}

// NewFor is New for a journey that may take the browser up to d (a long
// journey on a loaded machine).
func NewFor(t testing.TB, d time.Duration) context.Context {
	t.Helper()
	// Not t.TempDir: Chromium's helper processes may still be writing the
	// profile for a moment after the browser exits, which fails the test's
	// own cleanup. This one is removed with retries instead.
	profile, err := os.MkdirTemp("", "publica-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(ExecPath(t)),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
		// chromedp waits 20 s for the browser's DevTools address by default;
		// beside a whole `make test` on two cores Chromium has taken longer
		// to start, so it gets two minutes and a second try.
		chromedp.WSURLReadTimeout(2*time.Minute),
	)
	var (
		ctx                                   context.Context
		cancelAlloc, cancelTab, cancelTimeout context.CancelFunc
	)
	for attempt := 1; ; attempt++ {
		var actx context.Context
		actx, cancelAlloc = chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancelTab = chromedp.NewContext(actx)
		ctx, cancelTimeout = context.WithTimeout(ctx, d+2*time.Minute)
		err := chromedp.Run(ctx)
		if err == nil {
			break
		}
		cancelTimeout()
		cancelTab()
		cancelAlloc()
		if attempt == 2 {
			t.Fatalf("start chromium: %v", err)
		}
		t.Logf("start chromium: %v; trying once more", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			Screenshot(t, ctx, "failure")
		}
		cancelTimeout()
		cancelTab()
		cancelAlloc()
		for i := 0; i < 20 && os.RemoveAll(profile) != nil; i++ {
			time.Sleep(100 * time.Millisecond)
		}
	})
	return ctx
}

// Screenshot saves the page as PNG and logs where.
func Screenshot(t testing.TB, ctx context.Context, label string) string {
	var png []byte
	if err := chromedp.Run(ctx, chromedp.FullScreenshot(&png, 100)); err != nil {
		t.Logf("screenshot failed: %v", err)
		return ""
	}
	dir := os.Getenv("PUBLICA_SCREENSHOTS")
	if dir == "" {
		dir = os.TempDir()
	}
	path := filepath.Join(dir, fmt.Sprintf("%s-%s-%d.png", filepath.Base(t.Name()), label, time.Now().UnixNano()))
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Logf("save screenshot: %v", err)
		return ""
	}
	t.Logf("screenshot: %s", path)
	return path
}

// Violation is one axe-core finding.
type Violation struct {
	ID    string `json:"id"`
	Help  string `json:"help"`
	Nodes []struct {
		Target []any  `json:"target"`
		HTML   string `json:"html"`
	} `json:"nodes"`
}

// Axe runs axe-core (WCAG 2.x A and AA rules) on the current page.
func Axe(ctx context.Context) ([]Violation, error) {
	var out string
	script := axeSource + `
;(async () => {
  const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}});
  return JSON.stringify(r.violations);
})()`
	err := chromedp.Run(ctx, chromedp.Evaluate(script, &out, func(p *runtimeEvaluate) *runtimeEvaluate {
		return p.WithAwaitPromise(true)
	}))
	if err != nil {
		return nil, fmt.Errorf("run axe-core: %w", err)
	}
	var v []Violation
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		return nil, fmt.Errorf("decode axe-core result: %w", err)
	}
	return v, nil
}

// RequireAccessible fails the test with every axe-core violation.
func RequireAccessible(t testing.TB, ctx context.Context, page string) {
	t.Helper()
	v, err := Axe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range v {
		for _, n := range x.Nodes {
			t.Errorf("%s: accessibility %s (%s) at %v: %s", page, x.ID, x.Help, n.Target, n.HTML)
		}
	}
}
