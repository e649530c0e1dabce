package ui

import (
	"context"
	"strings"
	"testing"
)

// TestElectionPageVerdicts: a tallied election shows its counts and the
// verifier's verdict, whatever it is: pass, fail (with the failures,
// escaped), still running, or not run.
func TestElectionPageVerdicts(t *testing.T) {
	base := ElectionView{ID: "e1", Title: "Vote <1>", Status: "Tallied", Tallied: true, Trustees: []string{"a", "b", "c"}, Threshold: 2, Ballots: 10, Roll: 20, RollKnown: true,
		Questions: []QuestionView{{Index: 0, Text: "Approve?", Rule: "choose one", Options: []string{"yes", "no"}, Counts: []uint64{7, 3}}}}
	for name, tc := range map[string]struct {
		v     *Verdict
		wants []string
	}{
		"pass":    {&Verdict{OK: true, Summary: "election e1 (tallied): PASS"}, []string{`id="verdict"`, "Verified: PASS", "election e1 (tallied): PASS"}},
		"fail":    {&Verdict{Failures: []string{"ballot <b> bad"}}, []string{"Verification FAILED", "ballot &lt;b&gt; bad", "verdict-fail"}},
		"pending": {&Verdict{Pending: true}, []string{`id="verdict-pending"`, "Reload this page"}},
		"error":   {&Verdict{Error: "node down"}, []string{`id="verdict-error"`, "node down"}},
	} {
		v := base
		v.Verdict = tc.v
		var b strings.Builder
		if err := ElectionPage(v).Render(context.Background(), &b); err != nil {
			t.Fatal(err)
		}
		html := b.String()
		for _, want := range append(tc.wants, "Vote &lt;1&gt;", `<td>yes</td><td class="num">7</td><td class="num">70.0%</td>`, `<td>no</td><td class="num">3</td><td class="num">30.0%</td>`,
			"Most votes: yes (7).", "10 of 20 voters on the roll (50.0% turnout)", "No ballots have been cast yet") {
			if !strings.Contains(html, want) {
				t.Errorf("%s: page lacks %q", name, want)
			}
		}
		if strings.Contains(html, "style=") || strings.Contains(html, "<script>") {
			t.Errorf("%s: inline style or script", name)
		}
	}
}

// TestVotePageClosed: a closed election's vote page says why and carries
// no form.
func TestVotePageClosed(t *testing.T) {
	var b strings.Builder
	if err := VotePage(VoteView{ID: "e1", Title: "T", Status: "Closed: waiting for the trustees"}).Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	if html := b.String(); !strings.Contains(html, `id="vote-closed"`) || strings.Contains(html, "<form id=\"vote-form\"") || strings.Contains(html, "cast-form") {
		t.Errorf("closed vote page:\n%s", html)
	}
}

func TestWinnerAndPercent(t *testing.T) {
	for _, tc := range []struct {
		counts []uint64
		want   string
	}{
		{[]uint64{0, 0}, "No votes were cast for any option."},
		{[]uint64{2, 2}, "A tie between yes and no (2 each)."},
		{[]uint64{1, 5}, "Most votes: no (5)."},
	} {
		if got := winnerText(QuestionView{Options: []string{"yes", "no"}, Counts: tc.counts}); got != tc.want {
			t.Errorf("winnerText(%v) = %q, want %q", tc.counts, got, tc.want)
		}
	}
	for _, tc := range []struct {
		n, total uint64
		want     string
	}{{1, 3, "33.3%"}, {2, 3, "66.7%"}, {0, 0, "–"}, {1, 8, "12.5%"}, {3, 3, "100.0%"}} {
		if got := percent(tc.n, tc.total); got != tc.want {
			t.Errorf("percent(%d, %d) = %q, want %q", tc.n, tc.total, got, tc.want)
		}
	}
}
