package ui

import (
	"context"
	"strings"
	"testing"

	"golang.org/x/text/language"

	"github.com/publica/publica/web/i18n"
)

func renderHome(t *testing.T, tag language.Tag) string {
	t.Helper()
	var b strings.Builder
	ctx := i18n.With(context.Background(), tag, "/land/search?q=Mill")
	if err := HomePage(true).Render(ctx, &b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestHomeInBothLanguages: the front page and its layout come in the
// page's language — the lang attribute, the title, navigation, switcher
// and text — and the Chinese page keeps none of the English text.
func TestHomeInBothLanguages(t *testing.T) {
	en, zh := renderHome(t, i18n.English), renderHome(t, i18n.Chinese)
	for _, want := range []string{`<html lang="en">`, "<title>Land, elections and credentials – Publica</title>",
		">Land</a>", "Find a property", `href="/lang/zh?back=%2Fland%2Fsearch%3Fq%3DMill"`, `lang="zh-Hans"`, ">中文</a>"} {
		if !strings.Contains(en, want) {
			t.Errorf("English home lacks %s", want)
		}
	}
	for _, want := range []string{`<html lang="zh-Hans">`, "<title>不动产、选举与凭证 – Publica 公共登记平台</title>",
		">不动产</a>", "查找不动产", "地址或不动产单元号", `id="lang-zh" aria-current="true"`, `href="/lang/en?back=%2Fland%2Fsearch%3Fq%3DMill"`} {
		if !strings.Contains(zh, want) {
			t.Errorf("Chinese home lacks %s", want)
		}
	}
	for _, m := range i18n.Catalog {
		if !strings.HasPrefix(m.Key, "home.") && !strings.HasPrefix(m.Key, "nav.") {
			continue
		}
		if len(m.En) > 6 && strings.Contains(zh, m.En) {
			t.Errorf("Chinese home still shows the English %q (%s)", m.En, m.Key)
		}
	}
}
