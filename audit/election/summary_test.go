package election

import (
	"strings"
	"testing"
)

// TestSummaryNamesTrackerCounts: the verdict lists the board's trackers
// per status in words, in a fixed order, not as a Go map.
func TestSummaryNamesTrackerCounts(t *testing.T) {
	r := &Report{Election: "e", Phase: "open", OK: true, Trackers: map[string]int{"superseded": 1, "counted": 2}}
	if s := r.Summary(); !strings.Contains(s, "; trackers counted 2, superseded 1\n") || strings.Contains(s, "map[") {
		t.Fatalf("summary:\n%s", s)
	}
	r.Trackers = nil
	if s := r.Summary(); !strings.Contains(s, "; trackers none\n") {
		t.Fatalf("summary with no tracker:\n%s", s)
	}
}
