package browser

import (
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/hex"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/publica/publica/tx"
)

// UseKey puts key into the browser's key store, as if it had been
// imported on the Your key page, and returns its public key (hex).
func UseKey(t testing.TB, ctx context.Context, base string, key ed25519.PrivateKey) string {
	t.Helper()
	Run(t, ctx, "keys page", chromedp.Navigate(base+"/keys"), Poll(`!!window.PublicaKeys`, 5*time.Second))
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	pub := hex.EncodeToString(key.Public().(ed25519.PublicKey))
	var id string
	Run(t, ctx, "store key", EvalAwait(`(async () => {
		const key = await crypto.subtle.importKey("pkcs8", PublicaKeys.unhex("`+hex.EncodeToString(pkcs8)+`"), {name: "Ed25519"}, false, ["sign"]);
		const id = await PublicaKeys.accountId(PublicaKeys.unhex("`+pub+`"));
		const db = await new Promise((res, rej) => {
			const r = indexedDB.open("publica", 1);
			r.onupgradeneeded = () => r.result.createObjectStore("keys");
			r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error);
		});
		await new Promise((res, rej) => {
			const t = db.transaction("keys", "readwrite");
			t.objectStore("keys").put({privateKey: key, publicKey: "`+pub+`", accountId: id, created: new Date().toISOString()}, "default");
			t.oncomplete = res; t.onerror = t.onabort = () => rej(t.error);
		});
		db.close();
		return id;
	})()`, &id))
	if want := tx.AccountID(key.Public().(ed25519.PublicKey)); id != want {
		t.Fatalf("stored key's account %s, want %s", id, want)
	}
	return pub
}

// SignIn signs agent a in with key, as the sign-in page's script does.
func SignIn(t testing.TB, a *Agent, key ed25519.PrivateKey) {
	t.Helper()
	si := a.Get("/signin")
	csb, _ := hex.DecodeString(Attr(t, si.Body, "data-sign-bytes"))
	pub := key.Public().(ed25519.PublicKey)
	r := a.Post("/signin", url.Values{"challenge": {Hidden(t, si.Body, "challenge")}, "pubkey": {hex.EncodeToString(pub)},
		"signature": {hex.EncodeToString(ed25519.Sign(key, csb))}})
	if r.Code != http.StatusSeeOther || r.Header.Get("Location") != "/accounts/"+tx.AccountID(pub) {
		t.Fatalf("sign in = %d → %q", r.Code, r.Header.Get("Location"))
	}
}
