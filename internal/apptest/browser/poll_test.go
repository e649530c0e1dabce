package browser

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestPollSurvivesNavigation: a page that moves itself to another page
// while a poll is running (as a sign-in redirect does) does not fail the
// poll; the condition is met on the new page. A condition never met still
// ends with an error when the time is up.
func TestPollSurvivesNavigation(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		switch r.URL.Path {
		case "/first":
			fmt.Fprint(w, `<!doctype html><title>first</title><script>setTimeout(() => { location.href = "/second"; }, 300);</script>`)
		default:
			fmt.Fprint(w, `<!doctype html><title>second</title><script>setTimeout(() => { window.arrived = true; }, 300);</script>`)
		}
	}))
	defer srv.Close()
	ctx := New(t)
	for i := 0; i < 3; i++ {
		var title string
		Run(t, ctx, "poll across a navigation", chromedp.Navigate(srv.URL+"/first"),
			Poll(`window.arrived === true`, 20*time.Second), chromedp.Title(&title))
		if title != "second" {
			t.Fatalf("poll ended on %q, want the second page", title)
		}
	}
	start := time.Now()
	err := chromedp.Run(ctx, Poll(`window.neverSet === true`, time.Second))
	if err == nil {
		t.Fatal("a condition never met: no error")
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("a one-second poll took %v", d)
	}
}
