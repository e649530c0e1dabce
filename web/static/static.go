// Package static holds the portal's embedded assets (CSS, JavaScript,
// icons). Everything the pages load comes from here: no CDNs, no external
// fonts, so the Content-Security-Policy can be 'self' only.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"path"
)

//go:embed *.css *.js *.svg *.wasm
var files embed.FS

// FS is the asset file system, rooted at the asset names.
var FS fs.FS = files

// Prefix is the URL path the assets are served under.
const Prefix = "/static/"

// versions maps an asset name to a short hash of its content, so a URL
// changes whenever the file does and can be cached for a long time.
var versions = func() map[string]string {
	m := map[string]string{}
	names, _ := fs.Glob(files, "*")
	for _, n := range names {
		b, err := files.ReadFile(n)
		if err != nil {
			continue
		}
		sum := sha256.Sum256(b)
		m[n] = hex.EncodeToString(sum[:6])
	}
	return m
}()

// URL is the versioned URL of an asset, e.g. "/static/site.css?v=1a2b3c4d5e6f".
// It panics on an unknown name: a typo in a template must fail the tests,
// not ship a broken page.
func URL(name string) string {
	v, ok := versions[name]
	if !ok {
		panic("static: no asset " + name)
	}
	return path.Join(Prefix, name) + "?v=" + v
}

// Version is the content version of an asset ("" if unknown).
func Version(name string) string { return versions[name] }
