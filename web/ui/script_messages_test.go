package ui

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/publica/publica/web/i18n"
)

// scriptCall is a message a script shows through static/i18n.js:
// t("key", "English", …).
var scriptCall = regexp.MustCompile(`\bt\(\s*"([\w.]+)"\s*(,\s*("(?:[^"\\]|\\.)*"))?`)

// TestScriptMessagesFromPages: every script that shows messages reads them
// with static/i18n.js (PublicaText) and no longer parses data-i18n or keeps
// a table of its own; each message it shows is a catalog key its page
// supplies (so it reads in Chinese on a Chinese page), and the English it
// falls back to is the catalog's English (so an English page reads as
// before, with or without the page's messages).
func TestScriptMessagesFromPages(t *testing.T) {
	en := map[string]string{}
	for _, m := range i18n.Catalog {
		en[m.Key] = m.En
	}
	scripts := map[string][]string{
		"sign.js":        signScriptKeys,
		"ballot_vote.js": voteScriptKeys,
		"ballot_cast.js": {"ballot.cast.nochoice"},
		"trustee.js":     trusteeScriptKeys,
		"roll_import.js": rollScriptKeys,
		"credentials.js": credentialScriptKeys,
		"refresh.js":     refreshScriptKeys,
		"keys.js":        keysScriptKeys,
		"demo.js":        demoScriptKeys,
		"audit.js":       replayScriptKeys,
		"documents.js":   documentScriptKeys,
		"copy.js":        copyScriptKeys,
		"land.js":        geojsonScriptKeys,
	}
	for name, given := range scripts {
		b, err := os.ReadFile(filepath.Join("..", "static", name))
		if err != nil {
			t.Fatal(err)
		}
		src := string(b)
		if !strings.Contains(src, "window.PublicaText") {
			t.Errorf("%s does not read its messages with static/i18n.js (PublicaText)", name)
		}
		if strings.Contains(src, `"data-i18n"`) || strings.Contains(src, "JSON.parse(m.textContent)") {
			t.Errorf("%s reads the page's messages itself", name)
		}
		calls := scriptCall.FindAllStringSubmatch(src, -1)
		if len(calls) == 0 {
			t.Errorf("%s shows no message through t(key, English)", name)
		}
		for _, c := range calls {
			key := c[1]
			if c[3] == "" {
				t.Errorf("%s: t(%q) gives no English to fall back to", name, key)
				continue
			}
			var fallback string
			if err := json.Unmarshal([]byte(c[3]), &fallback); err != nil {
				t.Errorf("%s: t(%q, %s): %v", name, key, c[3], err)
				continue
			}
			want, ok := en[key]
			switch {
			case !ok:
				t.Errorf("%s: message %q is not in the catalog", name, key)
			case fallback != want:
				t.Errorf("%s: t(%q) falls back to %q, the catalog's English is %q", name, key, fallback, want)
			}
			if !slices.Contains(given, key) {
				t.Errorf("%s: the page does not give message %q in its data-i18n", name, key)
			}
		}
	}
	// Only static/i18n.js reads data-i18n.
	all, err := filepath.Glob(filepath.Join("..", "static", "*.js"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range all {
		if b, _ := os.ReadFile(f); filepath.Base(f) != "i18n.js" && strings.Contains(string(b), `"data-i18n"`) {
			t.Errorf("%s reads data-i18n itself instead of through static/i18n.js", filepath.Base(f))
		}
	}
}

// TestPagesLoadI18nFirst: a page with scripts loads static/i18n.js once,
// before them.
func TestPagesLoadI18nFirst(t *testing.T) {
	for _, in := range [][]string{SignScripts, KeyScripts, {"i18n.js", "audit.js"}, {"refresh.js"}} {
		got := pageScripts(in)
		if len(got) == 0 || got[0] != "i18n.js" || slices.Index(got[1:], "i18n.js") >= 0 {
			t.Errorf("pageScripts(%v) = %v", in, got)
		}
	}
	if got := pageScripts(nil); got != nil {
		t.Errorf("a page without scripts loads %v", got)
	}
}
