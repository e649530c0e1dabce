package ui

import (
	"context"
	"time"
)

// The key ceremony and tally page of an election (ballot_admin.templ):
// every trustee's progress, the tally's, ballots per hour, the official's
// next step and the trustee's panel (static/trustee.js).

// TrusteeScripts are the trustee panel's: the key store, the Go
// WebAssembly loader and the page script.
var TrusteeScripts = []string{"keystore.js", "wasm_exec.js", "trustee.js"}

// TrusteeRow is one trustee's progress.
type TrusteeRow struct {
	Index        uint32
	Account      string
	Key          bool   // round 1: communication key registered
	Dealt        bool   // round 2: dealing posted
	Complaints   string // complaints about its dealing, in words; "" for none
	Qualified    bool   // its dealing is part of the election key
	Disqualified bool
	Decrypted    bool // partial decryption posted
}

// HourCount is the number of ballots cast in one hour.
type HourCount struct {
	Start   time.Time
	Ballots int
}

// CeremonyView is the key ceremony and tally page.
type CeremonyView struct {
	ID, Title, Status string
	Official          string
	Threshold         uint32
	Trustees          []TrusteeRow
	Stage             int // 1 keys, 2 dealing, 3 key published, 4 closed (tally), 5 result published
	KeysDone, Dealt   int
	KeyPublished      bool
	Closed            bool
	Tallied           bool
	Decrypted         int // partial decryptions posted
	Ballots           uint64
	Hours             []HourCount
	HoursNote         string // e.g. "from the first 500 ballots"
	State             string // JSON for trustee.js
	Wasm              string // the WebAssembly's URL
	Refresh           int    // seconds; 0: no automatic update
	Paths             CeremonyPaths
}

// CeremonyPaths are the journeys the page links and posts to.
type CeremonyPaths struct {
	TrusteeKey, Deal, Complain, Reveal, Tally, PublishKey, RegisterVoters string
}

// Stages of the ceremony and tally, in order (their texts are the
// catalog's ballot.cer.stage.1 to .5).
var ceremonyStages = []string{
	"Trustees register their communication keys",
	"Trustees deal their shares (and settle complaints)",
	"The official publishes the election key; voting opens and closes by block time",
	"After the close, trustees post partial decryptions",
	"The result is published",
}

// BallotsPerHourChart draws how many ballots were cast each hour (UTC).
func BallotsPerHourChart(hours []HourCount, note string) Chart {
	return BallotsPerHourChartIn(context.Background(), hours, note)
}

// BallotsPerHourChartIn is BallotsPerHourChart in the page's language.
func BallotsPerHourChartIn(ctx context.Context, hours []HourCount, note string) Chart {
	n := len(hours)
	every := max(1, (n+5)/6)
	label := func(i int) string { return hours[i].Start.UTC().Format("01-02 15:00") }
	desc := tr(ctx, "ballot.chart.desc")
	if n > 0 {
		desc += tr(ctx, "ballot.chart.range", num(ctx, int64(n)), label(0), label(n-1))
	}
	if note != "" {
		desc += clauseSep(ctx) + note
	}
	c := barChart("chart-ballots-per-hour", tr(ctx, "ballot.chart.title"), desc+fullStop(ctx), tr(ctx, "ballot.chart.x"), tr(ctx, "ballot.chart.y"),
		n, func(i int) int { return hours[i].Ballots }, label, func(i int) bool { return i%every == 0 })
	if n == 0 {
		c.Empty = tr(ctx, "ballot.board.empty")
	}
	return c
}
