package ui

import "context"

// Field is one question of a form.
type Field struct {
	Name  string // form field name; the input's id is "f-" + Name
	Label string
	Hint  string
	Value string
	Error string // set when the answer was refused
	// Kind is "text" (default), "textarea" or "more" (a submit button
	// that shows the form again with one more slot: Journey.More).
	Kind         string
	Autocomplete string // "off" by default
	// Fill names a value the page script fills in when the field is empty:
	// "pubkey" is the public key of the key held in this browser;
	// "document" is the SHA-256 of a file the visitor chooses, which the
	// browser also uploads (static/documents.js).
	Fill string
	Wide bool // a long value (keys, hashes)
}

// ID is the input's id (the error summary links to it).
func (f Field) ID() string { return "f-" + f.Name }

// FormError is one refused answer, as listed in the error summary.
type FormError struct {
	Field   string // the Field.Name it belongs to; "" for the form as a whole
	Message string
}

// Href is the error summary's link target.
func (e FormError) Href() string {
	if e.Field == "" {
		return "#main"
	}
	return "#f-" + e.Field
}

// Fact is one row of a summary list: a label and its value.
type Fact struct {
	Label string
	Value string
	Mono  bool   // show the value in a monospace font (ids, hashes)
	Href  string // link the value here when set
	Copy  bool   // offer a button that copies the value (copy.js, on pages that load it)
}

// Link is a call to action.
type Link struct {
	Label, Href string
}

// WithErrors copies fields and sets each one's Error from errs.
func WithErrors(fields []Field, errs []FormError) []Field {
	out := make([]Field, len(fields))
	copy(out, fields)
	for i := range out {
		for _, e := range errs {
			if e.Field == out[i].Name && out[i].Error == "" {
				out[i].Error = e.Message
			}
		}
	}
	return out
}

// errorTitleIn prefixes a page title with "Error: " in the page's
// language when the form has errors, as screen-reader users hear the
// title first.
func errorTitleIn(ctx context.Context, title string, errs []FormError) string {
	if len(errs) > 0 {
		return tr(ctx, "form.errortitle", title)
	}
	return title
}

// hasMore reports whether the fields include an "add another" button
// (Kind "more").
func hasMore(fs []Field) bool {
	for _, f := range fs {
		if f.Kind == "more" {
			return true
		}
	}
	return false
}
