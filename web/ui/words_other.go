package ui

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/publica/publica/web/i18n"
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

// scriptMessages is the messages a page's script shows, as a JSON object
// for a data-i18n attribute: each key's text in the page's language
// ({0} is filled in by the script). A keystore.* key is given under its
// English text instead ("en:" and the text), so a script can show
// keystore.js's errors, which are English, in the page's language.
func scriptMessages(ctx context.Context, keys ...string) string {
	m := make(map[string]string, len(keys))
	for _, k := range keys {
		if strings.HasPrefix(k, "keystore.") {
			m["en:"+i18n.Tr(i18n.English, k)] = tr(ctx, k)
			continue
		}
		m[k] = tr(ctx, k)
	}
	b, _ := json.Marshal(m)
	return string(b)
}

var keystoreErrors = []string{"keystore.noweb", "keystore.noed25519", "keystore.notbackup", "keystore.wrongpass", "keystore.damaged"}

// Script messages of the key, demo and replay pages.
var (
	keysScriptKeys = append([]string{"keys.js.short", "keys.js.differ", "keys.js.creating", "keys.js.ready", "keys.js.notcreated",
		"keys.js.choosefile", "keys.js.enterpass", "keys.js.decrypting", "keys.js.imported", "keys.js.confirm", "keys.js.removed"}, keystoreErrors...)
	demoScriptKeys   = append([]string{"demo.js.current", "demo.js.putting", "demo.js.origin", "demo.js.signedin"}, keystoreErrors...)
	replayScriptKeys = []string{"replay.js.resume", "replay.js.pause", "replay.js.unreachable"}
	// refreshScriptKeys are static/refresh.js's, on its pause button.
	refreshScriptKeys = []string{"refresh.paused", "refresh.every", "refresh.unreachable"}
	// copyScriptKeys are static/copy.js's, on the copy buttons' status line.
	copyScriptKeys = []string{"copy.js.copied", "copy.js.done", "copy.js.failed"}
	// geojsonScriptKeys are static/land.js's, on a GeoJSON field.
	geojsonScriptKeys = []string{"land.js.load.geometry", "land.js.load.children", "land.js.loaded.geometry", "land.js.loaded.children",
		"land.js.toolarge", "land.js.unreadable"}
	// documentScriptKeys are documents.js's, on a form's document field.
	documentScriptKeys = []string{"docs.js.choose", "docs.js.toolarge", "docs.js.computing", "docs.js.uploading", "docs.js.uploaded",
		"docs.js.failed", "docs.js.unreadable"}
)
