package audit

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// WriteReport saves r as ReportFile(home), atomically (write, then rename)
// so a reader such as the portal never sees half a report.
func WriteReport(home string, r *Report) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	path := ReportFile(home)
	f, err := os.CreateTemp(filepath.Dir(path), ".audit-replay-*.json")
	if err != nil {
		return fmt.Errorf("write replay report: %w", err)
	}
	_, werr := f.Write(append(b, '\n'))
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write replay report: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write replay report: %w", err)
	}
	return nil
}

// LastReport reads the latest replay report of home; (nil, nil) if no
// replay has been run yet.
func LastReport(home string) (*Report, error) {
	b, err := os.ReadFile(ReportFile(home))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", ReportFile(home), err)
	}
	return &r, nil
}

// ProgressBar draws a one-line progress bar (percentage, blocks/s, ETA) on
// a terminal, redrawn in place at most every Interval.
type ProgressBar struct {
	W        io.Writer
	Width    int           // bar cells; 30 if 0
	Interval time.Duration // minimum time between redraws; 100ms if 0

	start time.Time
	last  time.Time
	drawn bool
	now   func() time.Time // for tests
}

// NewProgressBar returns a bar drawing on w whose rate counts from now.
func NewProgressBar(w io.Writer) *ProgressBar { return &ProgressBar{W: w, start: time.Now()} }

// Update is a progress callback for Replay.
func (p *ProgressBar) Update(done, total int64) {
	now := time.Now
	if p.now != nil {
		now = p.now
	}
	t := now()
	if p.start.IsZero() {
		p.start = t
	}
	interval := p.Interval
	if interval == 0 {
		interval = 100 * time.Millisecond
	}
	if done < total && p.drawn && t.Sub(p.last) < interval {
		return
	}
	p.last, p.drawn = t, true
	fmt.Fprint(p.W, "\r"+renderBar(done, total, t.Sub(p.start), p.Width))
}

// Done clears the bar's line.
func (p *ProgressBar) Done() {
	if p.drawn {
		fmt.Fprint(p.W, "\r\033[K")
	}
}

func renderBar(done, total int64, elapsed time.Duration, width int) string {
	if width <= 0 {
		width = 30
	}
	frac := 1.0
	if total > 0 {
		frac = min(1, max(0, float64(done)/float64(total)))
	}
	filled := int(frac * float64(width))
	rate := 0.0
	if s := elapsed.Seconds(); s > 0 {
		rate = float64(done) / s
	}
	eta := "--:--"
	if rate > 0 {
		eta = clock(time.Duration(float64(total-done) / rate * float64(time.Second)))
	}
	return fmt.Sprintf("[%s%s] %3.0f%%  %d/%d blocks  %.0f blocks/s  ETA %s",
		strings.Repeat("#", filled), strings.Repeat("-", width-filled), frac*100, done, total, rate, eta)
}

func clock(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%02d:%02d", s/60, s%60)
}
