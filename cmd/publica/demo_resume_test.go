package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/publica/publica/client"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/x/ballot"
	"github.com/publica/publica/x/land"
)

// syncLog is a log the seeding goroutine writes while the test reads it.
type syncLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestDemoResume stops the demo seeding part-way (after 30 of its
// transactions, in the middle of the first titles, and after 75, among
// the dealings), stops the node as a
// Ctrl-C would, starts both again and checks that the seeding finishes
// the town without an error, and that the town's visible facts (parcels,
// titles with owners, mortgages and caveats, elections with their phases
// and ballots, credentials) are those of an uninterrupted seeding.
func TestDemoResume(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real nodes")
	}
	defer func(d time.Duration, n int) { demoCloseAfter, demoStopAfter = d, n }(demoCloseAfter, demoStopAfter)
	demoCloseAfter = 30 * time.Second // blocks come every 100 ms here; slack for the restart on a busy machine

	newHome := func() string {
		home := testnode.InitHome(t)
		if err := storeDemoKeys(home); err != nil {
			t.Fatal(err)
		}
		if err := storeDemoParties(home); err != nil {
			t.Fatal(err)
		}
		if err := markDemo(home); err != nil {
			t.Fatal(err)
		}
		return home
	}
	// seed runs the seeding until it finishes or stops.
	seed := func(home, rpc string) string {
		t.Helper()
		var log syncLog
		stop := startDemoSeeding(&log, home, rpc, "")
		deadline := time.Now().Add(3 * time.Minute)
		for demoPending(home) && !strings.Contains(log.String(), "seeding stopped") && time.Now().Before(deadline) {
			time.Sleep(200 * time.Millisecond)
		}
		stop()
		return log.String()
	}

	// The uninterrupted town.
	refHome := newHome()
	refNode, refClient := testnode.Start(t, refHome)
	if out := seed(refHome, refNode.RPCAddress()); demoPending(refHome) {
		t.Fatalf("uninterrupted seeding did not finish:\n%s", out)
	}
	want := demoFacts(t, refClient, refHome)
	for _, l := range strings.Split(want, "\n") {
		if strings.HasPrefix(l, "election") || strings.Contains(l, "MB-36") || strings.Contains(l, "caveat") {
			t.Log(l)
		}
	}
	refNode.Stop()

	// Interrupted in the first titles (wave 2), and in the dealings and
	// key publication (wave 3).
	for _, stopAfter := range []int{30, 75} {
		t.Run(fmt.Sprintf("stopped after %d transactions", stopAfter), func(t *testing.T) {
			home := newHome()
			n, _ := testnode.Start(t, home)
			demoStopAfter = stopAfter
			out := seed(home, n.RPCAddress())
			if !demoPending(home) || !strings.Contains(out, "seeding stopped: ") || !strings.Contains(out, "seeding resumes") {
				t.Fatalf("the first seeding did not stop part-way:\n%s", out)
			}
			t.Logf("first start:\n%s", out)
			if strings.Contains(out, "delete") {
				t.Errorf("the stop message still asks to delete the home:\n%s", out)
			}
			n.Stop()
			demoStopAfter = 0
			n, c := testnode.Start(t, home)
			out = seed(home, n.RPCAddress())
			t.Logf("second start:\n%s", out)
			if demoPending(home) || !strings.Contains(out, "demo: ready") || !strings.Contains(out, "resumed: ") {
				t.Fatalf("the resumed seeding did not finish the town:\n%s", out)
			}
			for _, bad := range []string{"stopped", "error", "refused", "rejected"} {
				if strings.Contains(strings.ToLower(out), bad) {
					t.Errorf("the resumed seeding printed %q:\n%s", bad, out)
				}
			}
			got := demoFacts(t, c, home)
			n.Stop()
			if got != want {
				gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
				for i := 0; i < len(gl) || i < len(wl); i++ {
					var g, w string
					if i < len(gl) {
						g = gl[i]
					}
					if i < len(wl) {
						w = wl[i]
					}
					if g != w {
						t.Errorf("resumed town differs:\n got  %s\n want %s", g, w)
					}
				}
			}
		})
	}
}

// demoFacts describes the town on the chain at c, one fact a line, in a
// fixed order and without block heights (which differ between runs).
func demoFacts(t *testing.T, c *client.Client, home string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var b strings.Builder
	var hits []land.CadRefHit
	if _, err := fetchJSON(ctx, c, "/land/cadref-prefix/MB-", &hits); err != nil {
		t.Fatal(err)
	}
	if len(hits) != 38 { // 36 lots and the two halves of MB-36
		t.Errorf("%d parcels, want 38", len(hits))
	}
	for _, h := range hits {
		var p land.Parcel
		if _, err := fetchJSON(ctx, c, "/land/parcel/"+h.Parcel, &p); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "parcel %s %s %q %s title=%s children=%v\n", h.Ref, p.ID, p.Address, p.Status, p.Title, p.Children)
		if p.Title == "" {
			continue
		}
		var ti land.Title
		if _, err := fetchJSON(ctx, c, "/land/title/"+p.Title, &ti); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "  title %s %s %s owners=%v parents=%v\n", ti.ID, ti.Tenure, ti.Status, ti.Owners, ti.Parents)
		for _, m := range ti.Mortgages {
			fmt.Fprintf(&b, "  mortgage %s %s %s %s rank %d\n", m.ID, m.Lender, m.Amount, m.Currency, m.Rank)
		}
		for _, cv := range ti.Caveats {
			fmt.Fprintf(&b, "  caveat %s %q\n", cv.ID, cv.Reason)
		}
	}
	for _, id := range []string{demoClosedElection, demoOpenElection} {
		e, err := fetchElection(ctx, c, id)
		if err != nil {
			t.Fatal(err)
		}
		var votes ballot.Page
		if _, err := fetchJSON(ctx, c, "/ballot/list/vote/"+id, &votes); err != nil {
			t.Fatal(err)
		}
		res, err := c.Query(ctx, "/ballot/result/"+id, nil, 0, false)
		if err != nil {
			t.Fatal(err)
		}
		q, _ := json.Marshal(e.Questions)
		fmt.Fprintf(&b, "election %s %q %s questions=%s trustees=%d qualified=%v ballots=%d result=%v\n", e.ID, e.Title, e.Phase, q,
			len(e.Trustees), e.Qualified, len(votes.Entries), res.Value != nil)
	}
	for _, name := range []string{"citizen-alice", "citizen-bob", "citizen-carol", "citizen-dan"} {
		d, err := os.ReadFile(filepath.Join(home, "demo", name+"-residence.json.digest"))
		if err != nil {
			t.Fatal(err)
		}
		ok, err := fetchJSON(ctx, c, "/identity/credential/"+strings.TrimSpace(string(d)), new(json.RawMessage))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "credential of %s anchored=%v\n", name, ok)
	}
	return b.String()
}
