package main

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/publica/publica/internal/apptest/browser"
	"github.com/publica/publica/web"
)

// fetchEventually retries a fetch while the portal does not yet find the
// citing transaction (the node indexes a block just after committing it).
func fetchEventually(t *testing.T, home string, args ...string) (string, error) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, errOut, err := cli(t, home, append([]string{"document", "fetch"}, args...)...)
		if err == nil || !strings.Contains(err.Error(), "No record on the chain cites") || time.Now().After(deadline) {
			return errOut, err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestDocumentCLI: publica document upload prints the hash the records
// cite; publica document fetch writes a cited document only once its
// bytes hash to what was asked for, signs for restricted ones with
// --from, and writes nothing when a portal sends other bytes.
func TestDocumentCLI(t *testing.T) {
	home, n := devNode(t)
	base := browser.Serve(t, n, web.Options{Refresh: -1, Logger: browser.TestLogger(t)})
	dir := t.TempDir()
	plan := writeFile(t, dir, "plan.pdf", "%PDF-1.4 survey plan of 3 Mill Lane")
	deed := writeFile(t, dir, "mortgage.pdf", "%PDF-1.4 mortgage deed of 3 Mill Lane")
	sum := func(p string) string {
		b, _ := os.ReadFile(p)
		h := sha256.Sum256(b)
		return hex.EncodeToString(h[:])
	}
	hp, hd := sum(plan), sum(deed)

	if _, _, err := cli(t, home, "document", "upload", plan, "--portal", base); err == nil || !strings.Contains(err.Error(), `"from" not set`) {
		t.Fatalf("upload without --from: %v", err)
	}
	if out := mustCLI(t, home, "document", "upload", plan, "--portal", base, "--from", "clerk"); strings.TrimSpace(out) != hp {
		t.Fatalf("upload printed %q, want %s", out, hp)
	}
	if out := mustCLI(t, home, "document", "upload", deed, "--portal", base+"/", "--from", "citizen-alice"); strings.TrimSpace(out) != hd {
		t.Fatalf("upload printed %q, want %s", out, hd)
	}
	if _, _, err := cli(t, home, "document", "fetch", hp, "--portal", base, "-o", filepath.Join(dir, "x")); err == nil ||
		!strings.Contains(err.Error(), "No record on the chain cites") {
		t.Fatalf("fetch before any record cites it: %v", err)
	}
	if _, _, err := cli(t, home, "document", "fetch", "deed.pdf", "--portal", base); err == nil || !strings.Contains(err.Error(), "64 lowercase hexadecimal") {
		t.Fatalf("fetch of a file name: %v", err)
	}
	if _, _, err := cli(t, home, "document", "upload", plan, "--portal", "127.0.0.1:1", "--from", "clerk"); err == nil || !strings.Contains(err.Error(), "not an http(s) URL") {
		t.Fatalf("bad --portal: %v", err)
	}

	alice := account(t, home, "citizen-alice").ID
	mustCLI(t, home, "tx", "land", "register-parcel",
		`{"cadastral_ref":"DOC-1","geometry":`+square(0, 0, 10000)+`,"address":"3 Mill Lane","document":""}`, "--document-file", plan, "--from", "clerk")
	mustCLI(t, home, "tx", "land", "register-title",
		`{"parcels":["P1"],"owners":[{"party":"`+alice+`","share":"1"}],"tenure":"freehold","document":""}`, "--document-file", plan, "--from", "clerk")
	mustCLI(t, home, "tx", "land", "register-mortgage", `{"title":"T1","lender":"`+alice+`","currency":"EUR","rank":1,"document":""}`,
		"--amount", "1000.00", "--document-file", deed, "--from", "citizen-bob", "--cosign", "citizen-alice")

	got := filepath.Join(dir, "got.pdf")
	if _, err := fetchEventually(t, home, hp, "--portal", base, "-o", got); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(got); string(b) != "%PDF-1.4 survey plan of 3 Mill Lane" {
		t.Fatalf("fetched %q", b)
	}
	// The mortgage deed: refused without a key, or with a stranger's.
	if _, err := fetchEventually(t, home, hd, "--portal", base, "-o", filepath.Join(dir, "m0")); err == nil || !strings.Contains(err.Error(), "403") {
		t.Fatalf("anonymous fetch of the mortgage deed: %v", err)
	}
	if _, _, err := cli(t, home, "document", "fetch", hd, "--portal", base, "-o", filepath.Join(dir, "m1"), "--from", "citizen-carol"); err == nil || !strings.Contains(err.Error(), "only clerks and the parties") {
		t.Fatalf("carol fetches the mortgage deed: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "m1")); !os.IsNotExist(err) {
		t.Fatal("a refused fetch wrote a file")
	}
	mustCLI(t, home, "document", "fetch", hd, "--portal", base, "-o", filepath.Join(dir, "m2"), "--from", "citizen-bob")
	if b, _ := os.ReadFile(filepath.Join(dir, "m2")); string(b) != "%PDF-1.4 mortgage deed of 3 Mill Lane" {
		t.Fatalf("fetched %q", b)
	}

	// A portal that sends other bytes: nothing is written.
	liar := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("forged deed")) }))
	defer liar.Close()
	bad := filepath.Join(dir, "forged.pdf")
	if _, _, err := cli(t, home, "document", "fetch", hp, "--portal", liar.URL, "-o", bad); err == nil || !strings.Contains(err.Error(), "nothing was written") {
		t.Fatalf("fetch from a lying portal: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 4 { // plan, deed, got, m2
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Fatalf("the directory holds %v", names)
	}
}
