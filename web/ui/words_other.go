package ui

import (
	"context"
	"strconv"
	"time"
)

// ageIn is age in the page's language: "3 s ago" / "3 秒前".
func ageIn(ctx context.Context, ref, t time.Time) string {
	d := ref.Sub(t)
	switch {
	case d < 0:
		return tr(ctx, "time.justnow")
	case d < time.Minute:
		return tr(ctx, "time.s.ago", strconv.Itoa(int(d.Seconds())))
	case d < time.Hour:
		return tr(ctx, "time.min.ago", strconv.Itoa(int(d.Minutes())))
	case d < 48*time.Hour:
		return tr(ctx, "time.h.ago", strconv.Itoa(int(d.Hours())))
	default:
		return tr(ctx, "time.days.ago", strconv.Itoa(int(d.Hours()/24)))
	}
}

// durationIn is duration in the page's language: "2.4 s" / "2.4 秒".
func durationIn(ctx context.Context, sec float64) string {
	d := time.Duration(sec * float64(time.Second))
	if d < time.Minute {
		return tr(ctx, "time.s", strconv.FormatFloat(sec, 'f', 1, 64))
	}
	return tr(ctx, "time.min.s", strconv.Itoa(int(d/time.Minute)), strconv.Itoa(int(d%time.Minute/time.Second)))
}

// txResultTag is a transaction's outcome as its tag's words.
func txResultIn(ctx context.Context, known, ok bool, code string) string {
	switch {
	case !known:
		return tr(ctx, "status.unknown")
	case ok:
		return tr(ctx, "status.ok")
	}
	return tr(ctx, "status.failed", code)
}
