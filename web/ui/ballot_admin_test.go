package ui

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestCeremonyPageStages: the page marks the current stage, the official's
// next step appears only when it can be taken, the tally shows decryptions
// against the threshold, the state reaches the script escaped in an
// attribute, and nothing is inline.
func TestCeremonyPageStages(t *testing.T) {
	rows := []TrusteeRow{{Index: 1, Account: "a", Key: true, Dealt: true}, {Index: 2, Account: "b", Key: true, Dealt: true, Complaints: "by trustee 1: open"}, {Index: 3, Account: "c", Key: true}}
	for name, tc := range map[string]struct {
		v           CeremonyView
		wants, nots []string
	}{
		"dealing": {CeremonyView{Stage: 2, Dealt: 2, Threshold: 2},
			[]string{`aria-current="step"`, `id="publish-key-link"`, "/ballot/publish-key?election=e1", "by trustee 1: open", "Register voters"},
			[]string{`id="tally-progress"`}},
		"too few dealt": {CeremonyView{Stage: 2, Dealt: 1, Threshold: 2},
			[]string{"once at least 2 trustees have dealt (1 so far)"}, []string{`id="publish-key-link"`}},
		"tally": {CeremonyView{Stage: 4, KeyPublished: true, Closed: true, Decrypted: 1, Threshold: 2, Refresh: 5},
			[]string{`<progress id="tally-progress" max="2" value="1">`, "1 of 2", `data-refresh="5"`, "refresh.js"},
			[]string{`id="publish-key-link"`, "Register voters"}},
		"published": {CeremonyView{Stage: 5, KeyPublished: true, Closed: true, Tallied: true, Decrypted: 3, Threshold: 2,
			Hours: []HourCount{{Start: time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC), Ballots: 4}, {Start: time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC), Ballots: 1}}},
			[]string{`id="result-published"`, `value="2"`, "Ballots cast per hour", "05-01 08:00", `<td class="num">4</td>`},
			[]string{`aria-current="step"`, "No ballots have been cast yet"}},
	} {
		v := tc.v
		v.ID, v.Title, v.Trustees, v.State = "e1", "Vote <1>", rows, `{"election":{"id":"e1","title":"<x>"}}`
		v.Paths = CeremonyPaths{PublishKey: "/ballot/publish-key", RegisterVoters: "/ballot/voters/add"}
		var b strings.Builder
		if err := CeremonyPage(v).Render(context.Background(), &b); err != nil {
			t.Fatal(err)
		}
		html := b.String()
		for _, want := range append(tc.wants, "Vote &lt;1&gt;", `data-state="{&#34;election&#34;:{&#34;id&#34;:&#34;e1&#34;,&#34;title&#34;:&#34;&lt;x&gt;&#34;}}"`, "trustee.js") {
			if !strings.Contains(html, want) {
				t.Errorf("%s: page lacks %q", name, want)
			}
		}
		for _, not := range tc.nots {
			if strings.Contains(html, not) {
				t.Errorf("%s: page has %q", name, not)
			}
		}
		if strings.Contains(html, "style=") || strings.Contains(html, "<script>") {
			t.Errorf("%s: inline style or script", name)
		}
	}
}
