package browser

import (
	"context"
	"testing"
)

// A phone's viewport, the size the portal's pages must fit
// (chromedp.EmulateViewport(PhoneWidth, PhoneHeight)).
const (
	PhoneWidth  = 390
	PhoneHeight = 844
)

// Width is what a page open in a browser measures: the document's width
// (the wider of the root's and the body's scroll widths), the viewport's,
// and the elements reaching past the viewport's right edge (outside
// scrollable table wrappers), widest last.
type Width struct {
	Document, Viewport int
	Widest             []string
}

// Measure measures the page open in ctx, after its scripts have filled
// in what they show.
func Measure(t testing.TB, ctx context.Context) Width {
	t.Helper()
	var w Width
	Run(t, ctx, "measure the width", EvalAwait(`(async () => {
		await new Promise(r => setTimeout(r, 150));
		const inner = window.innerWidth;
		const width = Math.max(document.documentElement.scrollWidth, document.body ? document.body.scrollWidth : 0);
		const widest = [...document.querySelectorAll("body *")]
			.filter(e => e.getBoundingClientRect().right > inner + 0.5 && !e.closest("[data-scroll-x], .table-wrap"))
			.slice(-4).map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + " " + Math.round(e.getBoundingClientRect().right));
		return {Document: width, Viewport: inner, Widest: widest};
	})()`, &w))
	return w
}
