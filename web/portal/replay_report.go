package portal

import (
	"github.com/publica/publica/audit"
	"github.com/publica/publica/web/ui"
)

// ReplayPanel is the latest replay report of the node's home, as the
// explorer and the audit pages show it.
func (s *Server) ReplayPanel() ui.Replay {
	r := ui.Replay{Enabled: s.home != ""}
	if r.Enabled {
		rep, err := audit.LastReport(s.home)
		if err != nil {
			s.log.Warn("replay report unreadable", "err", err)
			r.Err = "the file is damaged or unreadable (see the portal's log)"
		}
		r.Report = rep
	}
	return r
}
