package ui

import (
	"context"
	"strconv"
	"time"

	"github.com/publica/publica/web/chain"
	"github.com/publica/publica/web/i18n"
)

func itoa(n int) string { return strconv.Itoa(n) }

// group writes an integer with thousands separators: 1,234,567.
func group(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := s[0] == '-'
	if neg {
		s = s[1:]
	}
	out := make([]byte, 0, len(s)+len(s)/3)
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

func when(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

// whenIn is when in the page's language (i18n.DateTime).
func whenIn(ctx context.Context, t time.Time) string { return i18n.DateTime(i18n.Lang(ctx), t) }

// num is an integer in the page's language (i18n.Number).
func num(ctx context.Context, n int64) string { return i18n.NumberIn(ctx, n) }

// tr is the catalog's message key in the page's language (i18n.T).
func tr(ctx context.Context, key string, args ...any) string { return i18n.T(ctx, key, args...) }

func machineTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// age says how long before ref t was, in words a reader takes in at once.
func age(ref, t time.Time) string {
	d := ref.Sub(t)
	switch {
	case d < 0:
		return "just now"
	case d < time.Minute:
		return strconv.Itoa(int(d.Seconds())) + " s ago"
	case d < time.Hour:
		return strconv.Itoa(int(d.Minutes())) + " min ago"
	case d < 48*time.Hour:
		return strconv.Itoa(int(d.Hours())) + " h ago"
	default:
		return strconv.Itoa(int(d.Hours()/24)) + " days ago"
	}
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// resultCode is "codespace/code", the form the error tables document.
func resultCode(t chain.TxSummary) string {
	if t.Codespace == "" {
		return strconv.FormatUint(uint64(t.Code), 10)
	}
	return t.Codespace + "/" + strconv.FormatUint(uint64(t.Code), 10)
}
