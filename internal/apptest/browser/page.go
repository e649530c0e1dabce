package browser

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// PageWatch records the HTTP status of every page the tab loads, and any
// script exception or security (CSP) message, which fail the test.
type PageWatch struct {
	mu       sync.Mutex
	last     int64
	problems []string
}

// Watch starts watching the tab's pages.
func Watch(ctx context.Context) *PageWatch {
	w := &PageWatch{}
	chromedp.ListenTarget(ctx, func(ev any) {
		w.mu.Lock()
		defer w.mu.Unlock()
		switch e := ev.(type) {
		case *network.EventResponseReceived:
			if e.Type == network.ResourceTypeDocument {
				w.last = e.Response.Status
			}
		case *runtime.EventExceptionThrown:
			w.problems = append(w.problems, "exception: "+e.ExceptionDetails.Error())
		case *cdplog.EventEntryAdded:
			if e.Entry.Source == cdplog.SourceSecurity || (e.Entry.Level == cdplog.LevelError && e.Entry.Source == cdplog.SourceJavascript) {
				w.problems = append(w.problems, string(e.Entry.Source)+": "+e.Entry.Text)
			}
		}
	})
	return w
}

// Status is the HTTP status of the latest page.
func (w *PageWatch) Status() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.last
}

// Check fails the test with every problem seen since the last check.
func (w *PageWatch) Check(t testing.TB) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, p := range w.problems {
		t.Errorf("browser: %s", p)
	}
	w.problems = nil
}

// WantStatus fails the test unless the latest page had status code.
func WantStatus(t testing.TB, w *PageWatch, page string, code int64) {
	t.Helper()
	if got := w.Status(); got != code {
		t.Errorf("%s: HTTP %d, want %d", page, got, code)
	}
}

// Submitted runs submit and waits for the page that replaces the current
// one to show sel. (Evaluations during the navigation may fail; they are
// retried.)
func Submitted(sel string, submit chromedp.Action) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		// A navigation still settling (the page just opened) can replace
		// the execution context under the mark: wait for the new one.
		var err error
		for try := 0; try < 50; try++ {
			if err = chromedp.Evaluate(`window.__stale = true`, nil).Do(ctx); err == nil ||
				!strings.Contains(err.Error(), "Cannot find context") {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if err != nil {
			return err
		}
		if err := submit.Do(ctx); err != nil {
			return err
		}
		probe := `window.__stale !== true && document.readyState === "complete" && !!document.querySelector(` + strconv.Quote(sel) + `)`
		for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(30 * time.Millisecond) {
			var ok bool
			if err := chromedp.Evaluate(probe, &ok).Do(ctx); err == nil && ok {
				return nil
			}
		}
		return fmt.Errorf("no %s after submitting", sel)
	})
}

// Run runs actions, failing the test with what on error.
func Run(t testing.TB, ctx context.Context, what string, actions ...chromedp.Action) {
	t.Helper()
	if err := chromedp.Run(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// Text is the text of the element sel.
func Text(t testing.TB, ctx context.Context, sel string) string {
	t.Helper()
	var s string
	Run(t, ctx, "read "+sel, chromedp.Text(sel, &s, chromedp.ByQuery))
	return s
}

// EvalAwait runs a script returning a promise and waits for its value.
func EvalAwait(script string, out any) chromedp.Action {
	return chromedp.Evaluate(script, out, func(p *runtime.EvaluateParams) *runtime.EvaluateParams {
		return p.WithAwaitPromise(true)
	})
}

// Poll waits up to timeout for the JavaScript expression to be truthy.
// chromedp's own Poll runs in the execution context the page had when it
// started; when a navigation replaces that context under it ("Cannot find
// context with specified id", "Execution context was destroyed") this
// starts the poll again in the new page until the time is up.
func Poll(expression string, timeout time.Duration) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		deadline := time.Now().Add(timeout)
		for {
			left := time.Until(deadline)
			if left <= 0 {
				left = time.Millisecond
			}
			err := chromedp.Poll(expression, nil, chromedp.WithPollingTimeout(left)).Do(ctx)
			if err == nil || !contextReplaced(err) || time.Now().After(deadline) {
				return err
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(20 * time.Millisecond):
			}
		}
	})
}

// contextReplaced says whether err means the page's JavaScript context went
// away under a running evaluation, as it does when the page navigates.
func contextReplaced(err error) bool {
	s := err.Error()
	return strings.Contains(s, "Cannot find context with specified id") ||
		strings.Contains(s, "Execution context was destroyed") ||
		strings.Contains(s, "Inspected target navigated or closed")
}
