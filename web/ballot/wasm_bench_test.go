package ballot_test

import (
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/publica/publica/crypto/elgamal"
	"github.com/publica/publica/internal/apptest/browser"
	"github.com/publica/publica/web/static"
)

// BenchmarkBrowserBallotEncrypt measures, in headless Chromium, the
// WebAssembly build encrypting and proving a 5-option approval ballot (the
// issue's reference ballot), timed with performance.now inside the page
// over 50 encryptions after a warm-up. Reported as browser-ms/ballot.
func BenchmarkBrowserBallotEncrypt(b *testing.B) {
	ctx := browser.New(b)
	mux := http.NewServeMux()
	mux.Handle("/static/", http.StripPrefix("/static/", http.FileServerFS(static.FS)))
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, `<!doctype html><html lang="en"><head><title>wasm</title><script src="/static/wasm_exec.js"></script></head><body>
<script src="/static/bench.js"></script></body></html>`)
	})
	kp, err := elgamal.GenerateKey(elgamal.DeterministicReader("browser-bench"))
	if err != nil {
		b.Fatal(err)
	}
	mux.HandleFunc("/static/bench.js", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprintf(w, `window.benchDone = null;
(async () => {
  const go = new Go();
  const r = await WebAssembly.instantiateStreaming(fetch("/static/ballot.wasm"), go.importObject);
  go.run(r.instance);
  const req = JSON.stringify({election_id: "bench-2026", public_key: %q,
    questions: [{options: 5, min: 1, max: 3}], voter: "00112233445566778899aabbccddeeff00112233",
    choices: [[true, false, true, false, true]]});
  for (let i = 0; i < 5; i++) window.publicaEncryptBallot(req);
  const n = 50, t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const out = JSON.parse(window.publicaEncryptBallot(req));
    if (out.error) { window.benchDone = "error: " + out.error; return; }
  }
  window.benchDone = ((performance.now() - t0) / n).toFixed(2);
})();`, hex.EncodeToString(kp.Public.Bytes()))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	b.ResetTimer()
	for range b.N {
		var ms string
		err := chromedp.Run(ctx,
			chromedp.Navigate(srv.URL+"/"),
			chromedp.Poll(`window.benchDone`, &ms),
		)
		if err != nil {
			b.Fatal(err)
		}
		var v float64
		if _, err := fmt.Sscanf(ms, "%f", &v); err != nil {
			b.Fatalf("benchmark page said %q", ms)
		}
		b.ReportMetric(v, "browser-ms/ballot")
	}
}
