package ui

import "github.com/publica/publica/x/land"

// SinceView says what happened to a certified title after the
// certificate's block: the dealings since, and the title as it stands.
type SinceView struct {
	Checked int64        // the block the register was read at now
	Events  []land.Event // dealings on the title's parcels after the certificate, oldest first
	Now     *land.Title  // the title now (nil: not in the register)
	Parties Parties      // names for Now's owners
}

// Changed says whether the title is not as certified.
func (s *SinceView) Changed() bool {
	return len(s.Events) > 0 || s.Now == nil || s.Now.Status != land.StatusActive
}

// sinceSummary is the one-line consequence for the reader.
func (s *SinceView) sinceSummary() string {
	switch {
	case s.Now == nil:
		return "This title is no longer in the register."
	case s.Now.Status != land.StatusActive:
		return "This title is no longer in force: it was replaced by new titles (after a subdivision, a merger or a sale of part)."
	case len(s.Now.Caveats) > 0:
		return "This title is now frozen by a caveat: no dealing can be registered until it is withdrawn or removed."
	case len(s.Events) > 0:
		return "The certificate no longer shows the title as it stands: read the title’s current page before relying on it."
	}
	return ""
}
