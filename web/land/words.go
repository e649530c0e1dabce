package land

import (
	"context"
	"strings"

	"github.com/publica/publica/web/i18n"
)

// tr is the catalog's message key in the page's language (web/i18n):
// the land forms' refusals and their check and result pages.
func tr(ctx context.Context, key string, args ...any) string { return i18n.T(ctx, key, args...) }

// recordWord names a kind of record on a title ("caveat", "mortgage"…)
// in the page's language; capital starts it with a capital letter (in
// English).
func recordWord(ctx context.Context, what string, capital bool) string {
	w := what
	if k := "land.what." + strings.ReplaceAll(what, " ", "-"); i18n.Has(k) {
		w = tr(ctx, k)
	}
	if capital && i18n.Lang(ctx) == i18n.English && w != "" {
		w = strings.ToUpper(w[:1]) + w[1:]
	}
	return w
}
