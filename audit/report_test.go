package audit

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestRenderBar(t *testing.T) {
	got := renderBar(25, 100, 5*time.Second, 20)
	want := "[#####---------------]  25%  25/100 blocks  5 blocks/s  ETA 00:15"
	if got != want {
		t.Fatalf("renderBar = %q, want %q", got, want)
	}
	if got := renderBar(0, 100, 0, 10); !strings.Contains(got, "ETA --:--") || !strings.Contains(got, "  0%") {
		t.Fatalf("renderBar at start = %q", got)
	}
	if got := clock(2*time.Hour + 3*time.Minute + 4*time.Second); got != "2:03:04" {
		t.Fatalf("clock = %q", got)
	}
}

func TestProgressBarThrottles(t *testing.T) {
	var buf bytes.Buffer
	now := time.Unix(0, 0)
	p := &ProgressBar{W: &buf, Width: 10, now: func() time.Time { return now }}
	p.Update(1, 10) // first draw
	now = now.Add(10 * time.Millisecond)
	p.Update(2, 10) // too soon: skipped
	now = now.Add(200 * time.Millisecond)
	p.Update(3, 10)
	p.Update(10, 10) // the final state is always drawn
	p.Done()
	out := buf.String()
	if n := strings.Count(out, "\r["); n != 3 {
		t.Fatalf("%d redraws, want 3: %q", n, out)
	}
	if strings.Contains(out, " 2/10 ") || !strings.Contains(out, "100%") || !strings.HasSuffix(out, "\r\033[K") {
		t.Fatalf("unexpected output %q", out)
	}
}
