package audit

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/publica/publica/audit"
	"github.com/publica/publica/web/portal"
	"github.com/publica/publica/web/ui"
	"github.com/publica/publica/x/authority"
)

// Full replays started from the portal (GET and POST /audit/replay).
//
// An auditor starts one; it runs in the background over the node's RPC
// (audit.ReplayRPC) into a temporary store, at most one at a time, and is
// stopped by Shutdown. Its report is written to the node's home like the
// CLI's, so the explorer's panel shows it too. While it runs, the page
// shows its progress and audit.js keeps that up to date.

// replayPoll is how often audit.js fetches the page while a replay runs.
const replayPoll = 1 // seconds

// replayBlockDelay slows every replayed block down (tests only: it lets a
// test watch a short chain's replay in progress).
var replayBlockDelay atomic.Int64 // nanoseconds

// replays holds the portal's replay, running or the latest finished.
type replays struct {
	ctx    context.Context // the server's lifetime
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu  sync.Mutex
	cur *replayRun
}

func newReplays() *replays {
	ctx, cancel := context.WithCancel(context.Background())
	return &replays{ctx: ctx, cancel: cancel}
}

// stop cancels a running replay and waits for it until ctx ends.
func (rs *replays) stop(ctx context.Context) error {
	rs.mu.Lock()
	rs.cancel()
	rs.mu.Unlock()
	done := make(chan struct{})
	go func() { rs.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("web: replay still stopping: %w", ctx.Err())
	}
}

func (rs *replays) current() *replayRun {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return rs.cur
}

// replayRun is one replay started from the portal.
type replayRun struct {
	by      string // account that started it
	started time.Time
	done    atomic.Int64
	total   atomic.Int64

	mu       sync.Mutex
	finished time.Time
	report   *audit.Report // nil if it stopped without one
	err      string        // why it stopped without a report
}

func (r *replayRun) progress(done, total int64) {
	r.done.Store(done)
	r.total.Store(total)
}

func (r *replayRun) view(now time.Time) *ui.ReplayRun {
	r.mu.Lock()
	defer r.mu.Unlock()
	v := &ui.ReplayRun{By: r.by, Started: r.started, Done: r.done.Load(), Total: r.total.Load(),
		Running: r.finished.IsZero(), Finished: r.finished, Err: r.err, Report: r.report}
	end := now
	if !v.Running {
		end = r.finished
	}
	if s := end.Sub(r.started).Seconds(); s > 0 {
		v.Rate = float64(v.Done) / s
	}
	return v
}

// handlers serve the audit pages; replays is the portal's replay.
type handlers struct {
	*portal.Server
	replays *replays
}

// Register declares the audit pages on e: the replay page, and its
// runner, which the portal stops when it shuts down.
func Register(e *echo.Echo, p *portal.Server) {
	s := &handlers{Server: p, replays: newReplays()}
	p.OnShutdown(s.replays.stop)
	e.GET("/audit/replay", s.replayPage)
	e.POST("/audit/replay", s.replayStart)
}

// replayPage serves GET /audit/replay: the latest report and the portal's
// replay, running or finished.
func (s *handlers) replayPage(c echo.Context) error {
	v := ui.ReplayPageView{HomeKnown: s.Home() != "", Already: c.QueryParam("already") == "1", Poll: replayPoll}
	v.Panel = s.ReplayPanel()
	if run := s.replays.current(); run != nil {
		v.Run = run.view(time.Now())
	}
	account, auditor, err := s.ViewerHolds(c, authority.RoleAuditor)
	if err != nil {
		return err
	}
	v.Account, v.Auditor = account, auditor
	c.Response().Header().Set("Cache-Control", "no-store")
	return portal.Render(c, http.StatusOK, ui.ReplayPage(v))
}

// replayStart serves POST /audit/replay: an auditor starts a replay, or
// is shown the one already running.
func (s *handlers) replayStart(c echo.Context) error {
	if s.Home() == "" {
		return echo.NewHTTPError(http.StatusConflict,
			"This portal was started without the node's home directory, where replay reports are kept, so it cannot run replays. Run publica audit replay on the node instead.")
	}
	account, auditor, err := s.ViewerHolds(c, authority.RoleAuditor)
	switch {
	case err != nil:
		return err
	case account == "":
		return echo.NewHTTPError(http.StatusForbidden,
			"Only a signed-in auditor can start a full replay. Sign in with the key of an account holding the auditor role, then try again.")
	case !auditor:
		return echo.NewHTTPError(http.StatusForbidden,
			"Account "+account+" does not hold the auditor role, so it cannot start a full replay: a replay takes the node's time, and only auditors may ask for one. The latest report stays open to everyone on the replay page.")
	}
	if !s.startReplay(account) {
		return c.Redirect(http.StatusSeeOther, "/audit/replay?already=1")
	}
	return c.Redirect(http.StatusSeeOther, "/audit/replay")
}

// startReplay starts a replay for account unless one is running (or the
// server is shutting down); false if it did not start one.
func (s *handlers) startReplay(account string) bool {
	rs := s.replays
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.ctx.Err() != nil || (rs.cur != nil && rs.cur.view(time.Now()).Running) {
		return false
	}
	run := &replayRun{by: account, started: time.Now()}
	rs.cur = run
	rs.wg.Add(1)
	s.Log().Info("replay started", "by", account)
	go func() {
		defer rs.wg.Done()
		progress := run.progress
		if d := time.Duration(replayBlockDelay.Load()); d > 0 {
			progress = func(done, total int64) {
				run.progress(done, total)
				select {
				case <-time.After(d):
				case <-rs.ctx.Done():
				}
			}
		}
		rep, err := audit.ReplayRPC(rs.ctx, s.RPC(), audit.RPCOptions{Progress: progress})
		var msg string
		if rep != nil {
			rep.Home = s.Home()
			if werr := audit.WriteReport(s.Home(), rep); werr != nil {
				s.Log().Error("replay report not saved", "err", werr)
				msg = "The replay finished but its report could not be saved (see the portal's log)."
			}
		}
		var mm *audit.MismatchError
		switch {
		case err == nil, errors.As(err, &mm):
			s.Log().Info("replay finished", "by", account, "result", rep.Result, "summary", rep.Summary())
		case errors.Is(err, context.Canceled) && rs.ctx.Err() != nil:
			msg = "The replay was stopped because the portal is shutting down."
		default:
			s.Log().Warn("replay stopped", "by", account, "err", err)
			msg = "The replay stopped before it could check the chain: " + err.Error()
		}
		run.mu.Lock()
		run.finished, run.report, run.err = time.Now(), rep, msg
		run.mu.Unlock()
	}()
	return true
}
