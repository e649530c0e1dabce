package browser

import (
	"context"
	"encoding/base64"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// Request is one request the tab sent: method, URL and body.
type Request struct {
	Method, URL string
	Body        string
}

// RequestLog records every request the tab sends while recording, with
// its body (for a body too long for the event, read from the browser).
type RequestLog struct {
	mu        sync.Mutex
	recording bool
	reqs      []*Request
	pending   sync.WaitGroup
	errs      []string
}

// WatchRequests starts listening to the tab's requests; Start and Stop
// delimit what is recorded.
func WatchRequests(ctx context.Context) *RequestLog {
	l := &RequestLog{}
	chromedp.ListenTarget(ctx, func(ev any) {
		e, ok := ev.(*network.EventRequestWillBeSent)
		if !ok {
			return
		}
		l.mu.Lock()
		defer l.mu.Unlock()
		if !l.recording {
			return
		}
		r := &Request{Method: e.Request.Method, URL: e.Request.URL + e.Request.URLFragment}
		var body strings.Builder
		for _, p := range e.Request.PostDataEntries {
			b, err := base64.StdEncoding.DecodeString(p.Bytes)
			if err != nil {
				l.errs = append(l.errs, r.URL+": post data entry: "+err.Error())
			}
			body.Write(b)
		}
		r.Body = body.String()
		l.reqs = append(l.reqs, r)
		if e.Request.HasPostData && len(e.Request.PostDataEntries) == 0 {
			// Too long for the event: ask for it (not from the listener).
			l.pending.Add(1)
			id := e.RequestID
			go func() {
				defer l.pending.Done()
				var data string
				err := chromedp.Run(ctx, chromedp.ActionFunc(func(ctx context.Context) error {
					b, err := network.GetRequestPostData(id).Do(ctx)
					data = string(b)
					return err
				}))
				l.mu.Lock()
				defer l.mu.Unlock()
				if err != nil {
					l.errs = append(l.errs, r.URL+": post data: "+err.Error())
				}
				r.Body = data
			}()
		}
	})
	return l
}

// Start records from now on, forgetting what came before.
func (l *RequestLog) Start() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.recording, l.reqs, l.errs = true, nil, nil
}

// Stop ends recording and returns the requests recorded; a body that
// could not be read fails the test (nothing is assumed about it).
func (l *RequestLog) Stop(t testing.TB) []Request {
	t.Helper()
	l.mu.Lock()
	l.recording = false
	l.mu.Unlock()
	l.pending.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range l.errs {
		t.Errorf("request log: %s", e)
	}
	out := make([]Request, len(l.reqs))
	for i, r := range l.reqs {
		out[i] = *r
	}
	return out
}

// Contains reports whether the request carries s in its URL or body, as
// sent or decoded (URL query and form encoding).
func (r Request) Contains(s string) bool {
	for _, text := range []string{r.URL, r.Body} {
		if strings.Contains(text, s) {
			return true
		}
		if dec, err := url.QueryUnescape(text); err == nil && strings.Contains(dec, s) {
			return true
		}
	}
	return false
}
