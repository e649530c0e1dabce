package bench

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/publica/publica/client"
	"github.com/publica/publica/genesis"
	"github.com/publica/publica/node"
	"github.com/publica/publica/store"
	"github.com/publica/publica/web"
)

// PortalOptions size the portal run.
type PortalOptions struct {
	// Duration of each timed load phase (one per page kind); 0 means 10 s.
	Duration time.Duration
	// Rate is the constant request rate in requests/s; 0 means 1,000.
	Rate int
	// Parcels (each on its own title) in the genesis state; 0 means 300.
	Parcels int
	// Loadgen are the arguments the load generator is started with: the
	// running executable (os.Executable) is started again with them and
	// with LoadgenEnv set, and must then call LoadgenMain ("publica
	// loadgen"; a test binary's TestMain).
	Loadgen []string
}

// Latency is one load phase's outcome. Latencies are measured from each
// request's intended send time (open loop: a late request is not
// excused by a slow earlier one), to the end of its response body.
type Latency struct {
	Page       string        `json:"page"`
	Rate       float64       `json:"rate"`     // target requests/s
	Sent       int           `json:"sent"`     // requests scheduled and sent
	OK         int           `json:"ok"`       // 200 answers
	Errors     int           `json:"errors"`   // transport errors, timeouts and non-200 answers
	Achieved   float64       `json:"achieved"` // 200 answers per second of the phase (first send to last answer)
	P50        time.Duration `json:"p50"`
	P90        time.Duration `json:"p90"`
	P99        time.Duration `json:"p99"`
	Max        time.Duration `json:"max"`
	FirstError string        `json:"first_error,omitempty"`
}

// PageWeight is one page as a first visit loads it (no cache): the HTML
// and the stylesheets and scripts it links, uncompressed as served, and
// what gzip would make of them.
type PageWeight struct {
	Path         string
	HTMLBytes    int
	AssetBytes   int // CSS + JS
	Assets       int
	GzipEstimate int // HTML + CSS + JS, each gzipped (default level)
}

// PortalResult holds the measured figures.
type PortalResult struct {
	Title, Parcel   Latency
	Search          Latency // parcel search by area
	Home, TitlePage PageWeight
	WasmBytes       int // ballot.wasm as stored
	WasmGzipBytes   int // as the portal serves it with Accept-Encoding: gzip
}

// LoadgenEnv carries the load generator's configuration (JSON) to the
// second process.
const LoadgenEnv = "PUBLICA_BENCH_LOADGEN"

type loadConfig struct {
	URLs     []string      `json:"urls"`
	Page     string        `json:"page"`
	Rate     float64       `json:"rate"`
	Duration time.Duration `json:"duration"`
	Warmup   time.Duration `json:"warmup"`
	Timeout  time.Duration `json:"timeout"`
	InFlight int           `json:"in_flight"`
}

// IsLoadgen reports whether this process was started as the portal load
// generator.
func IsLoadgen() bool { return os.Getenv(LoadgenEnv) != "" }

// LoadgenMain runs the load generator configured by LoadgenEnv and writes
// its Latency as JSON to w.
func LoadgenMain(w io.Writer) error {
	var cfg loadConfig
	if err := json.Unmarshal([]byte(os.Getenv(LoadgenEnv)), &cfg); err != nil {
		return fmt.Errorf("loadgen: %s: %w", LoadgenEnv, err)
	}
	for _, u := range cfg.URLs {
		if !strings.HasPrefix(u, "http://127.0.0.1:") {
			return fmt.Errorf("loadgen: %q is not on 127.0.0.1", u)
		}
	}
	if len(cfg.URLs) == 0 || cfg.Rate <= 0 || cfg.Duration <= 0 || cfg.Duration > 10*time.Minute {
		return errors.New("loadgen: need urls, a positive rate and a duration up to 10 minutes")
	}
	return json.NewEncoder(w).Encode(runLoad(cfg))
}

// runLoad sends requests at cfg.Rate for cfg.Warmup (not recorded), then
// for cfg.Duration. Request i is due at start + i/Rate; it is sent then
// (or as soon as an in-flight slot is free) by its own goroutine.
func runLoad(cfg loadConfig) Latency {
	tr := &http.Transport{MaxIdleConns: cfg.InFlight, MaxIdleConnsPerHost: cfg.InFlight, DisableCompression: true,
		IdleConnTimeout: time.Minute, DialContext: (&net.Dialer{Timeout: cfg.Timeout}).DialContext}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: cfg.Timeout}
	phase := func(d time.Duration) (lat []time.Duration, errs int, first string, start, end time.Time) {
		n := max(1, int(cfg.Rate*d.Seconds()))
		interval := time.Duration(float64(time.Second) / cfg.Rate)
		lat = make([]time.Duration, n)
		var nerr atomic.Int64
		var firstErr sync.Once
		sem := make(chan struct{}, cfg.InFlight)
		var wg sync.WaitGroup
		start = time.Now().Add(20 * time.Millisecond)
		for i := range n {
			due := start.Add(time.Duration(i) * interval)
			if d := time.Until(due); d > 0 {
				time.Sleep(d)
			}
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				fail := func(msg string) {
					lat[i] = -1
					nerr.Add(1)
					firstErr.Do(func() { first = msg })
				}
				res, err := hc.Get(cfg.URLs[i%len(cfg.URLs)])
				if err != nil {
					fail(err.Error())
					return
				}
				_, err = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				lat[i] = time.Since(due)
				if err != nil {
					fail(err.Error())
				} else if res.StatusCode != http.StatusOK {
					fail(res.Request.URL.Path + ": " + res.Status)
				}
			})
		}
		wg.Wait()
		return lat, int(nerr.Load()), first, start, time.Now()
	}
	if cfg.Warmup > 0 {
		phase(cfg.Warmup)
	}
	lat, errs, first, start, end := phase(cfg.Duration)
	out := Latency{Page: cfg.Page, Rate: cfg.Rate, Sent: len(lat), Errors: errs, FirstError: first}
	ok := slices.DeleteFunc(lat, func(d time.Duration) bool { return d < 0 })
	out.OK = len(ok)
	out.Achieved = float64(out.OK) / end.Sub(start).Seconds()
	if len(ok) > 0 {
		slices.Sort(ok)
		q := func(p float64) time.Duration { return ok[max(0, int(math.Ceil(p*float64(len(ok))))-1)] }
		out.P50, out.P90, out.P99, out.Max = q(0.50), q(0.90), q(0.99), ok[len(ok)-1]
	}
	return out
}

// Portal starts a single-validator node in a temporary home (development
// accounts plus opts.Parcels parcels and titles in genesis, 100 ms
// blocks) with the portal on loopback, measures page weight, then drives
// the title page, the parcel page and the parcel search (by area, three
// parcels a search) at a constant rate from a second process.
func Portal(w io.Writer, opts PortalOptions) (*PortalResult, error) {
	if opts.Duration <= 0 {
		opts.Duration = 10 * time.Second
	}
	if opts.Rate <= 0 {
		opts.Rate = 1000
	}
	if opts.Parcels <= 0 {
		opts.Parcels = 300
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	home, err := os.MkdirTemp("", "publica-portal-bench-")
	if err != nil {
		return nil, err
	}
	defer removeRetry(home)
	appState, err := landGenesis(LandOptions{Parcels: opts.Parcels}, nil)
	if err != nil {
		return nil, err
	}
	n, _, err := startNode(home, appState, 100*time.Millisecond)
	if err != nil {
		return nil, err
	}
	defer n.Stop()
	// Every request comes from the load generator's one address, so the
	// per-client limit (a defence, not a capacity) is off.
	s, err := web.NewForNode(n, web.Options{Refresh: -1, RateLimit: web.RateLimit{Off: true}})
	if err != nil {
		return nil, err
	}
	if err := s.Start("127.0.0.1:0"); err != nil {
		return nil, err
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Shutdown(ctx)
	}()
	base := "http://" + s.Addr()
	fmt.Fprintf(w, "portal: node with %d parcels and titles in genesis, portal on %s\n", opts.Parcels, base)

	out := &PortalResult{}
	if out.Home, err = pageWeight(base, "/"); err != nil {
		return nil, err
	}
	if out.TitlePage, err = pageWeight(base, "/land/titles/T1"); err != nil {
		return nil, err
	}
	if out.WasmBytes, out.WasmGzipBytes, err = wasmWeight(base); err != nil {
		return nil, err
	}

	var titles, parcels, searches []string
	for i := 1; i <= opts.Parcels; i++ {
		titles = append(titles, fmt.Sprintf("%s/land/titles/T%d", base, i))
		parcels = append(parcels, fmt.Sprintf("%s/land/parcels/P%d", base, i))
		// Genesis parcels are 1,000-unit squares in a row (landGenesis):
		// this box meets parcels i, i+1 and i+2.
		if x := int64(i-1) * 1000; i+2 <= opts.Parcels {
			searches = append(searches, fmt.Sprintf("%s/land/search?bbox=%d,200,%d,800", base, x+500, x+2500))
		}
	}
	if out.Title, err = loadPhase(exe, opts, "title page", titles); err != nil {
		return nil, err
	}
	if out.Parcel, err = loadPhase(exe, opts, "parcel page", parcels); err != nil {
		return nil, err
	}
	if out.Search, err = loadPhase(exe, opts, "parcel search", searches); err != nil {
		return nil, err
	}

	for _, l := range []Latency{out.Title, out.Parcel, out.Search} {
		fmt.Fprintf(w, "portal %s: %d requests at %.0f/s for %s from a second process (open loop, latency from intended send time): p50 %s, p90 %s, p99 %s, max %s; achieved %.0f/s, %d errors%s\n",
			l.Page, l.Sent, l.Rate, opts.Duration, ms(l.P50), ms(l.P90), ms(l.P99), ms(l.Max), l.Achieved, l.Errors, firstErr(l))
	}
	for _, p := range []PageWeight{out.Home, out.TitlePage} {
		fmt.Fprintf(w, "portal weight %s: HTML %.1f KB + CSS/JS %.1f KB (%d files) = %.1f KB uncompressed (%.1f KB gzipped)\n",
			p.Path, kb(p.HTMLBytes), kb(p.AssetBytes), p.Assets, kb(p.HTMLBytes+p.AssetBytes), kb(p.GzipEstimate))
	}
	fmt.Fprintf(w, "portal weight ballot.wasm: %.0f KB, %.0f KB gzipped as served\n", kb(out.WasmBytes), kb(out.WasmGzipBytes))
	return out, nil
}

func loadPhase(exe string, opts PortalOptions, page string, urls []string) (Latency, error) {
	cfg := loadConfig{URLs: urls, Page: page, Rate: float64(opts.Rate), Duration: opts.Duration,
		Warmup: min(time.Second, opts.Duration), Timeout: 5 * time.Second, InFlight: 1024}
	b, _ := json.Marshal(cfg)
	ctx, cancel := context.WithTimeout(context.Background(), cfg.Warmup+cfg.Duration+time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, opts.Loadgen...)
	cmd.Env = append(os.Environ(), LoadgenEnv+"="+string(b))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return Latency{}, fmt.Errorf("load generator (%s %v): %w: %s", exe, opts.Loadgen, err, strings.TrimSpace(stderr.String()))
	}
	var l Latency
	// The JSON is the last line: a test binary may print more before it.
	out := strings.TrimSpace(stdout.String())
	if i := strings.LastIndexByte(out, '\n'); i >= 0 {
		out = out[i+1:]
	}
	if err := json.Unmarshal([]byte(out), &l); err != nil {
		return Latency{}, fmt.Errorf("load generator output %q: %w", stdout.String(), err)
	}
	return l, nil
}

var (
	linkRe   = regexp.MustCompile(`<link\b[^>]*>`)
	scriptRe = regexp.MustCompile(`<script\b[^>]*\bsrc="([^"]+)"`)
	hrefRe   = regexp.MustCompile(`\bhref="([^"]+)"`)
)

func get(url string, gz bool) ([]byte, http.Header, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return nil, nil, err
	}
	if gz {
		req.Header.Set("Accept-Encoding", "gzip")
	}
	hc := &http.Client{Transport: &http.Transport{DisableCompression: true}, Timeout: 10 * time.Second}
	res, err := hc.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err == nil && res.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: %s", url, res.Status)
	}
	return b, res.Header, err
}

// pageWeight loads path and every stylesheet and script it links.
func pageWeight(base, path string) (PageWeight, error) {
	html, _, err := get(base+path, false)
	if err != nil {
		return PageWeight{}, err
	}
	pw := PageWeight{Path: path, HTMLBytes: len(html), GzipEstimate: gzipLen(html)}
	var assets []string
	for _, l := range linkRe.FindAllString(string(html), -1) {
		if strings.Contains(l, `rel="stylesheet"`) {
			if m := hrefRe.FindStringSubmatch(l); m != nil {
				assets = append(assets, m[1])
			}
		}
	}
	for _, m := range scriptRe.FindAllStringSubmatch(string(html), -1) {
		assets = append(assets, m[1])
	}
	slices.Sort(assets)
	for _, a := range slices.Compact(assets) {
		a = strings.ReplaceAll(a, "&amp;", "&")
		if !strings.HasPrefix(a, "/") || strings.HasPrefix(a, "//") {
			return PageWeight{}, fmt.Errorf("%s links %q, not a local asset", path, a)
		}
		b, _, err := get(base+a, false)
		if err != nil {
			return PageWeight{}, err
		}
		pw.Assets++
		pw.AssetBytes += len(b)
		pw.GzipEstimate += gzipLen(b)
	}
	return pw, nil
}

func wasmWeight(base string) (raw, gz int, err error) {
	plain, _, err := get(base+"/static/ballot.wasm", false)
	if err != nil {
		return 0, 0, err
	}
	z, h, err := get(base+"/static/ballot.wasm", true)
	if err != nil {
		return 0, 0, err
	}
	if h.Get("Content-Encoding") != "gzip" {
		return len(plain), gzipLen(plain), nil
	}
	return len(plain), len(z), nil
}

func gzipLen(b []byte) int {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Len()
}

// startNode makes a one-validator development node in home with
// appState and blocks every interval, on free loopback ports, starts it
// and waits for its second block. The caller stops it.
func startNode(home string, appState []byte, interval time.Duration) (*node.Node, *client.Client, error) {
	rpc, p2p := freeAddr(), freeAddr()
	if rpc == "" || p2p == "" {
		return nil, nil, errors.New("no free loopback port")
	}
	if err := node.Init(home, node.InitOptions{ChainID: genesis.DevChainID, AppState: appState,
		BlockInterval: interval, RPCAddr: "tcp://" + rpc, P2PAddr: "tcp://" + p2p}); err != nil {
		return nil, nil, err
	}
	n, err := node.Start(home, node.Options{Store: store.DefaultOptions()})
	if err != nil {
		return nil, nil, err
	}
	c, err := client.New(n.RPCAddress())
	if err == nil {
		err = waitHeight(c, 2)
	}
	if err != nil {
		n.Stop()
		return nil, nil, err
	}
	return n, c, nil
}

func freeAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return ""
	}
	defer l.Close()
	return l.Addr().String()
}

func waitHeight(c *client.Client, h int64) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for {
		info, err := c.RPC.ABCIInfo(ctx)
		if err == nil && info.Response.LastBlockHeight >= h {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("node did not reach height %d: %v", h, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// removeRetry removes dir, retrying while CometBFT goroutines that
// outlive the node's Stop by a moment still write into it.
func removeRetry(dir string) {
	for range 50 {
		if os.RemoveAll(dir) == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

func kb(n int) float64 { return float64(n) / 1000 }

func firstErr(l Latency) string {
	if l.FirstError == "" {
		return ""
	}
	return " (first: " + l.FirstError + ")"
}
