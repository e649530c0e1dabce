package ui

import "context"

// Viewer is what every page knows about the person looking at it: the
// signed-in account (if any) and the token its forms must carry. The
// server's middleware puts it in the request context; Layout and the form
// components read it from there, so handlers need not pass it around.
type Viewer struct {
	Account string // signed-in account id; "" when signed out
	PubKey  string // hex public key the session was signed in with
	CSRF    string // value for the _csrf field of every POST form
}

type viewerKey struct{}

// WithViewer returns ctx carrying v.
func WithViewer(ctx context.Context, v Viewer) context.Context {
	return context.WithValue(ctx, viewerKey{}, v)
}

// ViewerFrom returns the viewer in ctx (the zero Viewer if none).
func ViewerFrom(ctx context.Context) Viewer {
	v, _ := ctx.Value(viewerKey{}).(Viewer)
	return v
}

// CSRFField is the name of the anti-forgery form field.
const CSRFField = "_csrf"

func csrfToken(ctx context.Context) string { return ViewerFrom(ctx).CSRF }

func signedIn(ctx context.Context) bool { return ViewerFrom(ctx).Account != "" }

func shortID(s string) string {
	if len(s) > 10 {
		return s[:10] + "…"
	}
	return s
}
