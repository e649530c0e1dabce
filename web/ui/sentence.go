package ui

import (
	"context"
	"html"
	"io"
	"strconv"
	"strings"

	"github.com/a-h/templ"
)

// sentence is the catalog message key in the page's language with parts
// (links, code) in place of its %[n]s verbs, so a translator sees the
// whole sentence and may move its links where the language wants them,
// instead of translating fragments around them. The text is escaped;
// the parts render themselves.
func sentence(key string, parts ...templ.Component) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		marks := make([]any, len(parts))
		for i := range parts {
			marks[i] = "\x00" + strconv.Itoa(i) + "\x00"
		}
		for j, piece := range strings.Split(tr(ctx, key, marks...), "\x00") {
			if j%2 == 0 {
				if _, err := io.WriteString(w, html.EscapeString(piece)); err != nil {
					return err
				}
				continue
			}
			i, err := strconv.Atoi(piece)
			if err != nil || i < 0 || i >= len(parts) {
				continue // not a mark: a NUL of the message's own
			}
			if err := parts[i].Render(ctx, w); err != nil {
				return err
			}
		}
		return nil
	})
}
