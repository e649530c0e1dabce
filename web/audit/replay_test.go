package audit_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	webaudit "github.com/publica/publica/web/audit"

	rpcclient "github.com/cometbft/cometbft/rpc/client"
	"github.com/cometbft/cometbft/rpc/client/local"
	ctypes "github.com/cometbft/cometbft/rpc/core/types"

	"github.com/publica/publica/audit"
	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/internal/apptest/browser"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/web"
	"github.com/publica/publica/x/authority"
)

// TestReplayFromPortal: the replay page for the signed-out, a
// non-auditor and an auditor; the auditor's replay runs in the background
// with progress, a second start shows the running one, the report is
// written to the node's home and shown by the explorer; Shutdown stops a
// running replay.
func TestReplayFromPortal(t *testing.T) {
	home := testnode.InitHome(t)
	n, c := testnode.Start(t, home)
	testnode.WaitHeight(t, c, 5)
	s := browser.StartServer(t, n, web.Options{Refresh: -1, Logger: browser.TestLogger(t)})
	base := "http://" + s.Addr()
	defer webaudit.SetReplayBlockDelay(50 * time.Millisecond)()

	anon := browser.NewAgent(t, base)
	r := anon.Get("/audit/replay")
	if r.Code != http.StatusOK {
		t.Fatalf("replay page = %d", r.Code)
	}
	browser.MustContain(t, "signed-out replay page", r.Body, `id="replay-signin"`, `id="replay-none"`, `role="status"`, "Full replay – Publica")
	if strings.Contains(r.Body, "replay-start-button") || strings.Contains(r.Body, "data-replay-poll") {
		t.Error("signed-out page offers a start button or polls")
	}
	anon.Get("/signin") // a CSRF token
	r = anon.Post("/audit/replay", url.Values{})
	if r.Code != http.StatusForbidden || !strings.Contains(r.Body, "Only a signed-in auditor can start a full replay") {
		t.Errorf("signed-out start = %d", r.Code)
	}

	citizen := browser.NewAgent(t, base)
	browser.SignIn(t, citizen, apptest.DemoKey(t, "citizen-alice"))
	r = citizen.Get("/audit/replay")
	browser.MustContain(t, "non-auditor replay page", r.Body, `id="replay-not-auditor"`)
	if strings.Contains(r.Body, "replay-start-button") {
		t.Error("non-auditor is offered the start button")
	}
	r = citizen.Post("/audit/replay", url.Values{})
	if r.Code != http.StatusForbidden || !strings.Contains(r.Body, "does not hold the auditor role") {
		t.Errorf("non-auditor start = %d\n%s", r.Code, r.Body)
	}
	if rep, _ := audit.LastReport(home); rep != nil {
		t.Fatalf("a refused start wrote a report: %+v", rep)
	}

	auditor := browser.NewAgent(t, base)
	browser.SignIn(t, auditor, apptest.DemoKey(t, "auditor"))
	r = auditor.Get("/audit/replay")
	browser.MustContain(t, "auditor replay page", r.Body, `id="replay-start-button"`)
	r = auditor.Post("/audit/replay", url.Values{})
	if r.Code != http.StatusSeeOther || r.Header.Get("Location") != "/audit/replay" {
		t.Fatalf("auditor start = %d → %q", r.Code, r.Header.Get("Location"))
	}
	r = auditor.Get("/audit/replay")
	browser.MustContain(t, "running replay", r.Body, `data-replay-poll="1"`, `<label for="replay-bar">`, `<progress id="replay-bar"`, "Replay in progress", `id="replay-pause"`)
	// A second start, even by another auditor, shows the running one.
	other := browser.NewAgent(t, base)
	browser.SignIn(t, other, apptest.DemoKey(t, "auditor"))
	r = other.Post("/audit/replay", url.Values{})
	if r.Code != http.StatusSeeOther || r.Header.Get("Location") != "/audit/replay?already=1" {
		t.Fatalf("second start = %d → %q", r.Code, r.Header.Get("Location"))
	}
	browser.MustContain(t, "already running", other.Get("/audit/replay?already=1").Body, `id="replay-already"`)

	sawProgress := false
	deadline := time.Now().Add(60 * time.Second)
	for {
		r = auditor.Get("/audit/replay")
		if !strings.Contains(r.Body, "data-replay-poll") {
			break
		}
		if strings.Contains(r.Body, "blocks per second") && !strings.Contains(r.Body, `data-done="0"`) {
			sawProgress = true
		}
		if time.Now().After(deadline) {
			t.Fatal("the replay did not finish")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !sawProgress {
		t.Error("never saw the replay part done")
	}
	rep, err := audit.LastReport(home)
	if err != nil || rep == nil {
		t.Fatalf("report %v, err %v", rep, err)
	}
	if rep.Result != audit.ResultVerified || rep.Source != audit.SourceRPC || rep.Home != home || rep.Blocks < 4 {
		t.Fatalf("report %+v", rep)
	}
	if want := n.Comet.BlockStore().LoadBlockMeta(rep.LastHeight + 1).Header.AppHash.String(); rep.FinalAppHash != want {
		t.Fatalf("final app hash %s, the node recorded %s", rep.FinalAppHash, want)
	}
	browser.MustContain(t, "finished replay", r.Body, "Replay finished: verified", `id="replay-finished"`, `id="replay-result">Verified`, rep.FinalAppHash, `id="replay-start-button"`)
	browser.MustContain(t, "explorer", auditor.Get("/blocks").Body, `id="replay-page-link"`, rep.FinalAppHash)

	// Shutdown stops a running replay, which then writes no report.
	defer webaudit.SetReplayBlockDelay(time.Minute)()
	if r = auditor.Post("/audit/replay", url.Values{}); r.Code != http.StatusSeeOther {
		t.Fatalf("restart = %d", r.Code)
	}
	time.Sleep(200 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	t0 := time.Now()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if d := time.Since(t0); d > 5*time.Second {
		t.Errorf("shutdown took %v with a replay running", d)
	}
	if after, _ := audit.LastReport(home); after == nil || !after.Time.Equal(rep.Time) {
		t.Errorf("the stopped replay replaced the report: %+v", after)
	}
}

// TestReplayNeedsHome: a portal that does not know the node's home shows
// reports cannot be kept, offers no start, and refuses one.
func TestReplayNeedsHome(t *testing.T) {
	home := testnode.InitHome(t)
	n, _ := testnode.Start(t, home)
	s, err := web.New(local.New(n.Comet), web.Options{Refresh: -1, Logger: browser.TestLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	defer s.Shutdown(context.Background())
	a := browser.NewAgent(t, srv.URL)
	browser.SignIn(t, a, apptest.DemoKey(t, "auditor"))
	r := a.Get("/audit/replay")
	browser.MustContain(t, "replay page without home", r.Body, `id="replay-needs-home"`)
	if strings.Contains(r.Body, "replay-start-button") {
		t.Error("start button without a home")
	}
	r = a.Post("/audit/replay", url.Values{})
	if r.Code != http.StatusConflict || !strings.Contains(r.Body, "without the node") {
		t.Errorf("start without home = %d\n%s", r.Code, r.Body)
	}
}

// lyingRPC serves the node's chain with block height's first transaction
// altered, or fails every block fetch.
type lyingRPC struct {
	rpcclient.Client
	height int64
	broken *atomic.Bool
}

func (l lyingRPC) Block(ctx context.Context, h *int64) (*ctypes.ResultBlock, error) {
	if l.broken.Load() {
		return nil, errors.New("connection refused")
	}
	res, err := l.Client.Block(ctx, h)
	if err == nil && h != nil && *h == l.height && res.Block != nil && len(res.Block.Txs) > 0 {
		raw := bytes.Clone(res.Block.Txs[0])
		raw[len(raw)/2] ^= 1
		res.Block.Txs[0] = raw
	}
	return res, err
}

// TestReplayFromPortalFindsTampering: a portal whose node serves a changed
// block shows the failed replay with the height, check and reason; a
// replay that cannot read the chain says why and writes no report.
func TestReplayFromPortalFindsTampering(t *testing.T) {
	home := testnode.InitHome(t)
	n, c := testnode.Start(t, home)
	key := apptest.DemoKey(t, "citizen-bob")
	ctx := context.Background()
	t0, err := c.Build(ctx, key.Public().(ed25519.PublicKey), authority.TypeRegisterAccount, authority.MsgRegisterAccount{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Already registered in genesis: the chain refuses it, but it is in a block.
	res, _ := c.Send(ctx, t0, key)
	if res == nil {
		t.Fatal("transaction not included")
	}
	testnode.WaitHeight(t, c, res.Height+2)
	broken := &atomic.Bool{}
	s, err := web.New(lyingRPC{Client: local.New(n.Comet), height: res.Height, broken: broken}, web.Options{Refresh: -1, Home: home, Logger: browser.TestLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	defer s.Shutdown(ctx)
	a := browser.NewAgent(t, srv.URL)
	browser.SignIn(t, a, apptest.DemoKey(t, "auditor"))

	finished := func() string {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if r := a.Get("/audit/replay"); !strings.Contains(r.Body, "data-replay-poll") {
				return r.Body
			}
		}
		t.Fatal("the replay did not finish")
		return ""
	}
	if r := a.Post("/audit/replay", url.Values{}); r.Code != http.StatusSeeOther {
		t.Fatalf("start = %d", r.Code)
	}
	body := finished()
	h := strconv.FormatInt(res.Height, 10)
	browser.MustContain(t, "failed replay", body, "Replay finished: failed at block "+h+" (data hash).",
		`id="replay-result">Failed</span> at block `+h+`: data hash`, "the transactions hash to")
	rep, err := audit.LastReport(home)
	if err != nil || rep == nil || rep.Result != audit.ResultFailed || rep.Failure == nil || rep.Failure.Height != res.Height || rep.Failure.Check != "data hash" {
		t.Fatalf("report %+v (err %v)", rep, err)
	}

	broken.Store(true)
	if r := a.Post("/audit/replay", url.Values{}); r.Code != http.StatusSeeOther {
		t.Fatalf("restart = %d", r.Code)
	}
	body = finished()
	browser.MustContain(t, "stopped replay", body, `id="replay-stopped"`, "The replay stopped before it could check the chain: fetch block 1: connection refused")
	if again, _ := audit.LastReport(home); again == nil || !again.Time.Equal(rep.Time) {
		t.Errorf("a replay that could not read the chain replaced the report: %+v", again)
	}
}
