package documents_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/publica/publica/internal/apptest/browser"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/web"
	"github.com/publica/publica/web/documents"
	"github.com/publica/publica/x/land"
)

func sum(b []byte) string { h := sha256.Sum256(b); return hex.EncodeToString(h[:]) }

type resp struct {
	code int
	hdr  http.Header
	body []byte
}

func do(t *testing.T, method, url string, body []byte, key ed25519.PrivateKey, hash string) resp {
	t.Helper()
	req, _ := http.NewRequest(method, url, bytes.NewReader(body))
	if key != nil {
		req.Header.Set(documents.AuthHeader, documents.SignRequest(key, method, hash, time.Now().Add(time.Minute).Unix()))
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{res.StatusCode, res.Header, b}
}

// waitCited polls until the node's transaction index has the citing
// transaction (it indexes a block just after committing it).
func waitCited(t *testing.T, url string, key ed25519.PrivateKey, hash string) resp {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		r := do(t, http.MethodGet, url, nil, key, hash)
		if r.code != http.StatusNotFound || time.Now().After(deadline) {
			return r
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestUploadAndServe runs the document endpoints against a real node:
// who may upload, what an upload must match, the size limit, which
// documents are served to whom, and that a stored copy changed on disk is
// refused with a 500 instead of being served.
func TestUploadAndServe(t *testing.T) {
	defer documents.SetMaxSize(64 << 10)()
	home := testnode.InitHome(t)
	n, c := testnode.Start(t, home)
	base := browser.Serve(t, n, web.Options{Refresh: -1, Logger: browser.TestLogger(t)})
	clerk, alice, bob, carol := testnode.DemoKey(t, "clerk"), testnode.DemoKey(t, "citizen-alice"), testnode.DemoKey(t, "citizen-bob"), testnode.DemoKey(t, "citizen-carol")

	plan := []byte("%PDF-1.4\nsurvey plan of 2 Mill Lane\n")
	deed := []byte("%PDF-1.4\nmortgage deed: Alice Citizen to Bob Citizen\n")
	never := []byte("a deed cited but never uploaded")
	hp, hd := sum(plan), sum(deed)

	// Uploads.
	if r := do(t, http.MethodPut, base+"/api/documents/"+hp, plan, nil, hp); r.code != http.StatusUnauthorized {
		t.Fatalf("anonymous upload: %d %s", r.code, r.body)
	}
	r := do(t, http.MethodPut, base+"/api/documents/"+hp, plan, clerk, hp)
	var up documents.Uploaded
	if r.code != http.StatusCreated || json.Unmarshal(r.body, &up) != nil || up.Hash != hp || up.Size != int64(len(plan)) || up.URL != "/documents/"+hp {
		t.Fatalf("upload: %d %s", r.code, r.body)
	}
	if r := do(t, http.MethodPut, base+"/api/documents/"+hp, plan, alice, hp); r.code != http.StatusOK {
		t.Fatalf("second upload of the same bytes: %d %s", r.code, r.body)
	}
	if r := do(t, http.MethodPut, base+"/api/documents/"+hd, plan, alice, hd); r.code != http.StatusUnprocessableEntity || !strings.Contains(string(r.body), "does not match its address") {
		t.Fatalf("upload under another hash: %d %s", r.code, r.body)
	}
	if r := do(t, http.MethodPut, base+"/api/documents/"+hd, deed, alice, hp); r.code != http.StatusUnauthorized {
		t.Fatalf("signature for another document: %d %s", r.code, r.body)
	}
	big := bytes.Repeat([]byte("x"), 64<<10+1)
	if r := do(t, http.MethodPut, base+"/api/documents/"+sum(big), big, alice, sum(big)); r.code != http.StatusRequestEntityTooLarge || !strings.Contains(string(r.body), "larger than the limit of 64 KiB") {
		t.Fatalf("upload over the limit: %d %s", r.code, r.body)
	}
	if r := do(t, http.MethodPut, base+"/api/documents/"+hd, deed, bob, hd); r.code != http.StatusCreated {
		t.Fatalf("upload deed: %d %s", r.code, r.body)
	}
	files, _ := os.ReadDir(filepath.Join(home, "documents"))
	if len(files) != 2 {
		t.Fatalf("the store holds %d files, want 2", len(files))
	}

	// Not cited yet: not served, to anyone.
	if r := do(t, http.MethodGet, base+"/documents/"+hp, nil, clerk, hp); r.code != http.StatusNotFound {
		t.Fatalf("uncited document: %d", r.code)
	}
	if r := do(t, http.MethodGet, base+"/documents/"+strings.ToUpper(hp), nil, nil, ""); r.code != http.StatusNotFound {
		t.Fatalf("uppercase name: %d", r.code)
	}

	testnode.Send(t, c, land.TypeRegisterParcel, land.MsgRegisterParcel{CadastralRef: "DOC-1", Address: "2 Mill Lane", Document: hp,
		Geometry: land.Geometry{Type: "Polygon", Coordinates: json.RawMessage("[[[0,0],[1000,0],[1000,1000],[0,1000],[0,0]]]")}}, clerk)
	testnode.Send(t, c, land.TypeRegisterTitle, land.MsgRegisterTitle{Parcels: []string{"P1"},
		Owners: []land.Share{{Party: "N1", Share: "1"}}, Tenure: "freehold", Document: sum(never)}, clerk)
	testnode.Send(t, c, land.TypeRegisterMortgage, land.MsgRegisterMortgage{Title: "T1", Lender: "N2", Amount: "25000000",
		Currency: "EUR", Rank: 1, Document: hd}, alice, bob)

	// A public-register document: anyone, the bytes as stored.
	r = waitCited(t, base+"/documents/"+hp, nil, "")
	if r.code != http.StatusOK || !bytes.Equal(r.body, plan) {
		t.Fatalf("public document: %d %q", r.code, r.body)
	}
	if ct, cd := r.hdr.Get("Content-Type"), r.hdr.Get("Content-Disposition"); ct != "application/pdf" || !strings.HasPrefix(cd, "attachment;") || r.hdr.Get("ETag") != `"`+hp+`"` {
		t.Fatalf("headers: %v", r.hdr)
	}
	// A restricted one (a mortgage deed): clerks and the parties only.
	waitCited(t, base+"/documents/"+hd, clerk, hd)
	for name, k := range map[string]ed25519.PrivateKey{"anonymous": nil, "carol": carol} {
		if r := do(t, http.MethodGet, base+"/documents/"+hd, nil, k, hd); r.code != http.StatusForbidden || bytes.Contains(r.body, deed) {
			t.Fatalf("%s reads the mortgage deed: %d", name, r.code)
		}
	}
	for name, k := range map[string]ed25519.PrivateKey{"alice": alice, "bob": bob, "clerk": clerk} {
		if r := do(t, http.MethodGet, base+"/api/documents/"+hd, nil, k, hd); r.code != http.StatusOK || !bytes.Equal(r.body, deed) {
			t.Fatalf("%s cannot read the mortgage deed: %d %s", name, r.code, r.body)
		}
	}
	// A signed-in session works as well as a signed request.
	a := browser.NewAgent(t, base)
	browser.SignIn(t, a, bob)
	if r := a.Get("/documents/" + hd); r.Code != http.StatusOK || r.Body != string(deed) {
		t.Fatalf("bob signed in: %d", r.Code)
	}
	// Cited, but never uploaded here.
	if r := waitCited(t, base+"/documents/"+sum(never), nil, ""); r.code != http.StatusNotFound || !strings.Contains(string(r.body), "holds no copy") {
		t.Fatalf("cited but absent: %d %s", r.code, r.body)
	}
	// An expired signature is refused.
	req, _ := http.NewRequest(http.MethodGet, base+"/api/documents/"+hd, nil)
	req.Header.Set(documents.AuthHeader, documents.SignRequest(clerk, http.MethodGet, hd, time.Now().Add(-time.Second).Unix()))
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("expired signature: %v %v", res, err)
	}

	// A party's evidence: the accounts the party record names read it,
	// though only the clerk signed; others do not.
	evidence := []byte("certificate of incorporation, Carol Holdings Ltd")
	he := sum(evidence)
	if r := do(t, http.MethodPut, base+"/api/documents/"+he, evidence, clerk, he); r.code != http.StatusCreated {
		t.Fatalf("upload evidence: %d %s", r.code, r.body)
	}
	testnode.Send(t, c, land.TypeRegisterParty, land.MsgRegisterParty{Kind: land.PartyOrganisation, Name: "Carol Holdings Ltd",
		RegistrationNumber: "CH 7", Accounts: []string{tx.AccountID(carol.Public().(ed25519.PublicKey))}, Document: he}, clerk)
	if r := waitCited(t, base+"/api/documents/"+he, carol, he); r.code != http.StatusOK || !bytes.Equal(r.body, evidence) {
		t.Fatalf("carol reads her party's evidence: %d %s", r.code, r.body)
	}
	if r := do(t, http.MethodGet, base+"/api/documents/"+he, nil, bob, he); r.code != http.StatusForbidden {
		t.Fatalf("bob reads Carol Holdings' evidence: %d", r.code)
	}

	// An account that is not a clerk has an hourly upload quota (here
	// 100 KiB); documents the store already holds cost nothing; clerks have
	// none.
	undo := documents.SetUploadQuota(100 << 10)
	defer undo()
	part := func(i byte) []byte { return bytes.Repeat([]byte{i}, 60<<10) }
	if r := do(t, http.MethodPut, base+"/api/documents/"+sum(part(1)), part(1), carol, sum(part(1))); r.code != http.StatusCreated {
		t.Fatalf("carol's first upload: %d %s", r.code, r.body)
	}
	if r := do(t, http.MethodPut, base+"/api/documents/"+sum(part(2)), part(2), carol, sum(part(2))); r.code != http.StatusTooManyRequests ||
		!strings.Contains(string(r.body), "for this hour") {
		t.Fatalf("carol past her quota: %d %s", r.code, r.body)
	}
	if r := do(t, http.MethodPut, base+"/api/documents/"+sum(part(1)), part(1), carol, sum(part(1))); r.code != http.StatusOK {
		t.Fatalf("carol uploads a document already held: %d %s", r.code, r.body)
	}
	for i := byte(3); i < 6; i++ {
		if r := do(t, http.MethodPut, base+"/api/documents/"+sum(part(i)), part(i), clerk, sum(part(i))); r.code != http.StatusCreated {
			t.Fatalf("clerk upload %d: %d %s", i, r.code, r.body)
		}
	}

	// The stored copy changed on disk: refused, not served.
	p := filepath.Join(home, "documents", hp)
	os.Chmod(p, 0o600)
	if err := os.WriteFile(p, append([]byte(nil), bytes.ToUpper(plan)...), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := do(t, http.MethodGet, base+"/api/documents/"+hp, nil, nil, ""); r.code != http.StatusInternalServerError ||
		!strings.Contains(string(r.body), "does not match its hash on the chain") || bytes.Contains(r.body, bytes.ToUpper(plan)) {
		t.Fatalf("changed copy: %d %s", r.code, r.body)
	}
}

// slowReader hands out its bytes at chunk bytes per interval: a slow
// link.
type slowReader struct {
	b        []byte
	chunk    int
	interval time.Duration
	left     int // of the current chunk
}

func (s *slowReader) Read(p []byte) (int, error) {
	if len(s.b) == 0 {
		return 0, io.EOF
	}
	if s.left == 0 {
		time.Sleep(s.interval)
		s.left = s.chunk
	}
	n := copy(p[:min(len(p), s.left)], s.b)
	s.b, s.left = s.b[n:], s.left-n
	return n, nil
}

// TestLargeDocumentOverASlowLink: a document of the full 32 MiB limit,
// uploaded over a link slow enough to outlast the server's 15 s read
// timeout for pages, is stored whole and downloads whole; one byte more
// is refused.
func TestLargeDocumentOverASlowLink(t *testing.T) {
	if testing.Short() {
		t.Skip("takes 17 s")
	}
	n, c := testnode.Start(t, testnode.InitHome(t))
	base := browser.Serve(t, n, web.Options{Refresh: -1, Logger: browser.TestLogger(t)})
	clerk := testnode.DemoKey(t, "clerk")
	doc := make([]byte, documents.MaxSize)
	for i := range doc {
		doc[i] = byte(i * 7919 >> 8)
	}
	h := sum(doc)

	start := time.Now()
	req, _ := http.NewRequest(http.MethodPut, base+"/api/documents/"+h, &slowReader{b: doc, chunk: 2 << 20, interval: time.Second})
	req.ContentLength = int64(len(doc))
	req.Header.Set(documents.AuthHeader, documents.SignRequest(clerk, http.MethodPut, h, time.Now().Add(time.Minute).Unix()))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("slow upload: %v", err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("slow upload: %d %s", res.StatusCode, b)
	}
	t.Logf("32 MiB uploaded over a slow link in %v", time.Since(start).Round(time.Millisecond))

	over := append(doc, 0)
	if r := do(t, http.MethodPut, base+"/api/documents/"+sum(over), over, clerk, sum(over)); r.code != http.StatusRequestEntityTooLarge {
		t.Fatalf("one byte over the limit: %d %s", r.code, r.body)
	}

	testnode.Send(t, c, land.TypeRegisterParcel, land.MsgRegisterParcel{CadastralRef: "BIG-1", Document: h,
		Geometry: land.Geometry{Type: "Polygon", Coordinates: json.RawMessage("[[[0,0],[1000,0],[1000,1000],[0,1000],[0,0]]]")}}, clerk)
	start = time.Now()
	r := waitCited(t, base+"/documents/"+h, nil, "")
	if r.code != http.StatusOK || !bytes.Equal(r.body, doc) {
		t.Fatalf("download: %d, %d bytes", r.code, len(r.body))
	}
	t.Logf("32 MiB re-hashed and downloaded in %v", time.Since(start).Round(time.Millisecond))
}
