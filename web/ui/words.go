package ui

import (
	"context"
	"strings"
	"time"

	"github.com/publica/publica/web/i18n"
)

// readableTime shows a block time (RFC 3339) as people write it, to the
// minute: "4 December 2026, 09:28 UTC". A value that is not a time is
// shown as it is.
func readableTime(s string) string {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return s
	}
	return t.UTC().Format("2 January 2006, 15:04 UTC")
}

// parcelStatusText says a parcel's status in words.
func parcelStatusText(status string, children []string) string {
	switch status {
	case "active":
		return "In the register"
	case "retired":
		if len(children) > 0 {
			s := "Replaced by "
			for i, c := range children {
				if i > 0 {
					s += ", "
				}
				s += c
			}
			return s + " (retired)"
		}
		return "Retired"
	}
	return status
}

// parcelStatusIn is parcelStatusText in the page's language.
func parcelStatusIn(ctx context.Context, status string, children []string) string {
	switch status {
	case "active":
		return tr(ctx, "parcel.active")
	case "retired":
		if len(children) > 0 {
			return tr(ctx, "parcel.replacedby", strings.Join(children, ", "))
		}
		return tr(ctx, "parcel.retired")
	}
	return parcelStatusText(status, children)
}

// readableTimeIn is readableTime in the page's language: Chinese writes
// "2026年12月4日 09:28 UTC".
func readableTimeIn(ctx context.Context, s string) string {
	if i18n.Lang(ctx) != i18n.Chinese {
		return readableTime(s)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return s
	}
	return t.UTC().Format("2006年1月2日 15:04") + " UTC"
}
