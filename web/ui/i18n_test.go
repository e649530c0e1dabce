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

// TestElectionPageInChinese: the election page's heading facts and
// sections come from the catalog.
func TestElectionPageInChinese(t *testing.T) {
	var b strings.Builder
	ctx := i18n.With(context.Background(), i18n.Chinese, "/elections/e1")
	v := ElectionView{ID: "e1", Title: "Budget 2027", Status: "投票中：2027-01-01 00:00 UTC 截止", Open: true, Opens: "2026-12-01 00:00 UTC",
		Closes: "2027-01-01 00:00 UTC", Official: "acct", Trustees: []string{"a", "b", "c"}, Threshold: 2}
	if err := ElectionPage(v).Render(ctx, &b); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	for _, want := range []string{`<html lang="zh-Hans">`, "在本次选举中投票", "密钥仪式与计票", "开始时间（区块时间）", "共 3 人，其中任意 2 人即可解密结果",
		"表决事项", "查找您的选票", "公告板", "尚无人投票。"} {
		if !strings.Contains(html, want) {
			t.Errorf("Chinese election page lacks %q", want)
		}
	}
	for _, english := range []string{"Vote in this election", "Who may vote", "Bulletin board", "Find your ballot"} {
		if strings.Contains(html, english) {
			t.Errorf("Chinese election page still says %q", english)
		}
	}
}
