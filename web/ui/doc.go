// Package ui holds the portal's templ components: the layout, forms,
// error pages, format helpers and the pages of every area. Handlers pass
// them plain data; the viewer (signed-in account, CSRF token) comes from
// the request context.
package ui
