package ui

import "time"

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
