package api_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	dbm "github.com/cometbft/cometbft-db"
	cmtjson "github.com/cometbft/cometbft/libs/json"
	"github.com/cometbft/cometbft/libs/log"
	"github.com/cometbft/cometbft/light"
	"github.com/cometbft/cometbft/light/provider"
	lighthttp "github.com/cometbft/cometbft/light/provider/http"
	lightdb "github.com/cometbft/cometbft/light/store/db"
	cmtcrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"
	"github.com/cometbft/cometbft/types"

	"github.com/publica/publica/extract"
	"github.com/publica/publica/internal/apptest/browser"
	"github.com/publica/publica/proof"
	"github.com/publica/publica/proofop"
	apiv1 "github.com/publica/publica/web/api/v1"
	"github.com/publica/publica/x/land"
)

// v1Answer is an /api/v1 answer with its proof.
type v1Answer struct {
	Height int64           `json:"height"`
	Data   json.RawMessage `json:"data"`
	Next   string          `json:"next"`
	Proof  *apiv1.Proof    `json:"proof"`
}

func getJSON(t *testing.T, u string, v any) int {
	t.Helper()
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode == 200 {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("GET %s: %v\n%s", u, err, b)
		}
	} else if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("GET %s: %d answered as %q, not problem details", u, res.StatusCode, ct)
	}
	return res.StatusCode
}

// lightClient is CometBFT's own light client, trusting only header 1's
// hash (as if published elsewhere), reading headers from the node.
func lightClient(t *testing.T, chainID, rpc string) *light.Client {
	t.Helper()
	ctx := context.Background()
	primary, err := lighthttp.New(chainID, rpc)
	if err != nil {
		t.Fatal(err)
	}
	b, err := primary.LightBlock(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	witness, _ := lighthttp.New(chainID, rpc)
	lc, err := light.NewClient(ctx, chainID, light.TrustOptions{Period: 24 * time.Hour, Height: 1, Hash: b.Hash()},
		primary, []provider.Provider{witness}, lightdb.New(dbm.NewMemDB(), "api"), light.Logger(log.NewNopLogger()))
	if err != nil {
		t.Fatal(err)
	}
	return lc
}

// checkProof verifies an answer's proof as an integrator would: the
// signed header of height+1 with CometBFT's light client (from the trusted
// root, never the validators the answer carries), then every entry with
// CometBFT's proof runtime and the SDK's ics23 operators (proofop).
func checkProof(t *testing.T, lc *light.Client, a *v1Answer) error {
	t.Helper()
	p := a.Proof
	if p == nil {
		t.Fatal("no proof")
	}
	if p.Height != a.Height {
		return errf("proof for height %d, answer for %d", p.Height, a.Height)
	}
	lb, err := lc.VerifyLightBlockAtHeight(context.Background(), p.Height+1, time.Now())
	if err != nil {
		return err
	}
	var sh types.SignedHeader
	if err := cmtjson.Unmarshal(p.SignedHeader, &sh); err != nil {
		return err
	}
	if !bytes.Equal(sh.Hash(), lb.Hash()) || !strings.EqualFold(hex.EncodeToString(lb.AppHash), p.AppHash) {
		return errf("the answer's header or app hash is not the one the light client verified")
	}
	rt := proofop.Runtime()
	for _, e := range p.Entries {
		data, err := base64.StdEncoding.DecodeString(e.Proof)
		if err != nil {
			return err
		}
		kp, err := proofop.KeyPath("", []byte(e.Key))
		if err != nil {
			return err
		}
		ops := &cmtcrypto.ProofOps{Ops: []cmtcrypto.ProofOp{{Type: proof.OpType, Key: []byte(e.Key), Data: data}}}
		if e.Stored {
			v, derr := base64.StdEncoding.DecodeString(e.Value)
			if derr != nil {
				return derr
			}
			err = rt.VerifyValue(ops, lb.AppHash, kp.String(), v)
		} else {
			err = rt.VerifyAbsence(ops, lb.AppHash, kp.String())
		}
		if err != nil {
			return errf("entry %s: %v", e.Key, err)
		}
	}
	return nil
}

func errf(format string, args ...any) error { return fmt.Errorf(format, args...) }

// listed proves a list page complete: each record is the right neighbour
// of a proven absence of the previous key + NUL (or of the prefix), and
// returns the records' keys and values.
func listed(t *testing.T, a *v1Answer, prefix string) (keys []string, values [][]byte) {
	t.Helper()
	appHash, _ := hex.DecodeString(a.Proof.AppHash)
	want := prefix
	entries := a.Proof.Entries
	for len(entries) > 0 && !strings.HasPrefix(entries[0].Key, prefix) {
		entries = entries[1:] // records read before the walk (the election)
	}
	for i, e := range entries {
		if e.Key != want && !(i == 0 && strings.HasPrefix(e.Key, prefix)) {
			t.Fatalf("entry %d proves %q, not the next seek %q", i, e.Key, want)
		}
		data, _ := base64.StdEncoding.DecodeString(e.Proof)
		nk, nv, err := proof.Next(appHash, []byte(e.Key), data)
		if err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
		if nk == nil || !strings.HasPrefix(string(nk), prefix) || (i == len(entries)-1 && a.Next != "") {
			break
		}
		keys, values = append(keys, string(nk)), append(values, nv)
		want = string(nk) + "\x00"
	}
	return keys, values
}

// TestV1ProofsVerifyWithLightClient: the /api/v1 answers' proofs verify
// with CometBFT's light client from a trusted root and its proof runtime
// with the SDK's ics23 operators; pages are complete and chained by their
// cursors; changed answers are refused; the dated owner proof verifies
// offline and with the light client's headers, and refuses tampering.
func TestV1ProofsVerifyWithLightClient(t *testing.T) {
	ch := startChain(t)
	lc := lightClient(t, ch.chainID, ch.rpc)
	v1 := ch.base + "/api/v1"

	// One record: the title, proven; a changed value is refused.
	var a v1Answer
	if s := getJSON(t, v1+"/titles/"+ch.title+"?prove=true", &a); s != 200 {
		t.Fatalf("title: %d", s)
	}
	if err := checkProof(t, lc, &a); err != nil {
		t.Fatalf("title proof: %v", err)
	}
	var ti land.Title
	if err := json.Unmarshal(a.Data, &ti); err != nil || ti.ID != ch.title || len(ti.Owners) != 1 || ti.Owners[0].Party != ch.bob {
		t.Fatalf("title data %s (%v)", a.Data, err)
	}
	stored, _ := base64.StdEncoding.DecodeString(a.Proof.Entries[0].Value)
	if !bytes.Equal(stored, a.Data) {
		t.Fatalf("data is not the record as stored and proven:\n%s\n%s", a.Data, stored)
	}
	lie := a
	lie.Proof = &apiv1.Proof{}
	*lie.Proof = *a.Proof
	lie.Proof.Entries = append([]apiv1.Entry(nil), a.Proof.Entries...)
	lie.Proof.Entries[0].Value = base64.StdEncoding.EncodeToString(bytes.Replace(stored, []byte(ch.bob), []byte(ch.citizen), 1))
	if err := checkProof(t, lc, &lie); err == nil {
		t.Error("a title with another owner verified")
	}
	lie.Proof.Entries = a.Proof.Entries
	lie.Proof.AppHash = strings.Repeat("AB", 32)
	if err := checkProof(t, lc, &lie); err == nil {
		t.Error("an answer naming another app hash verified")
	}

	// A list, page by page: every party once, in key order, each page
	// proven complete.
	var all []string
	cur := ""
	for pages := 0; ; pages++ {
		if pages > 50 {
			t.Fatal("the party pages never end")
		}
		var p v1Answer
		u := v1 + "/parties?limit=3&prove=true"
		if cur != "" {
			u += "&cursor=" + url.QueryEscape(cur)
		}
		if s := getJSON(t, u, &p); s != 200 {
			t.Fatalf("%s: %d", u, s)
		}
		if err := checkProof(t, lc, &p); err != nil {
			t.Fatalf("parties page %d: %v", pages, err)
		}
		keys, values := listed(t, &p, string(land.PartyRecordKey("")))
		var data []json.RawMessage
		json.Unmarshal(p.Data, &data)
		if len(data) != len(keys) {
			t.Fatalf("page %d: %d records, %d proven", pages, len(data), len(keys))
		}
		for i := range data {
			if !bytes.Equal(data[i], values[i]) {
				t.Fatalf("page %d record %d is not the proven value", pages, i)
			}
		}
		all = append(all, keys...)
		if p.Next == "" {
			break
		}
		cur = p.Next
	}
	if len(all) < 4 || all[0] != "land/party-record/N1" {
		t.Fatalf("parties: %v", all)
	}
	for i := 1; i < len(all); i++ {
		if all[i] <= all[i-1] {
			t.Fatalf("parties out of order or repeated: %v", all)
		}
	}

	// The parcel as GeoJSON in both CRSs, the stored record proven.
	var f v1Answer
	if s := getJSON(t, v1+"/parcels/P1?prove=true&crs="+url.QueryEscape("http://www.opengis.net/def/crs/EPSG/0/32633"), &f); s != 200 {
		t.Fatalf("parcel: %d", s)
	}
	if err := checkProof(t, lc, &f); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(f.Data, []byte(`"crs":{"type":"name"`)) || !bytes.Contains(f.Data, []byte(`"area_m2":"10000"`)) {
		t.Errorf("projected parcel: %s", f.Data)
	}

	// The ballot board, one tracker a page: both ballots, proven complete.
	var trackers []string
	for cur, pages := "", 0; ; pages++ {
		if pages > 5 {
			t.Fatal("the board's pages never end")
		}
		var p v1Answer
		u := v1 + "/elections/" + ch.election + "/board?limit=1&prove=true"
		if cur != "" {
			u += "&cursor=" + url.QueryEscape(cur)
		}
		if s := getJSON(t, u, &p); s != 200 {
			t.Fatalf("%s: %d", u, s)
		}
		if err := checkProof(t, lc, &p); err != nil {
			t.Fatalf("board page %d: %v", pages, err)
		}
		keys, _ := listed(t, &p, "ballot/tracker/"+ch.election+"/")
		trackers = append(trackers, keys...)
		if p.Next == "" {
			break
		}
		cur = p.Next
	}
	if len(trackers) != 2 {
		t.Fatalf("board: %v, want the two ballots cast", trackers)
	}

	// Election results and credential status, proven.
	for _, u := range []string{"/elections/" + ch.election + "/results?prove=true", "/credentials/" + ch.credential + "/status?prove=true",
		"/parcels/P1/history?prove=true", "/parcels/P1/owner?prove=true"} {
		var r v1Answer
		if s := getJSON(t, v1+u, &r); s != 200 {
			t.Fatalf("%s: %d", u, s)
		}
		if err := checkProof(t, lc, &r); err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		switch {
		case strings.Contains(u, "results") && !bytes.Contains(r.Data, []byte(`"counts":[[1,1]]`)):
			t.Errorf("results: %s", r.Data)
		case strings.Contains(u, "credentials") && !bytes.Contains(r.Data, []byte(`"revoked":false`)):
			t.Errorf("credential status: %s", r.Data)
		case strings.Contains(u, "owner") && !bytes.Contains(r.Data, []byte(ch.bob)):
			t.Errorf("owner now: %s", r.Data)
		}
	}

	// A DID document, proven: the same document /1.0/identifiers resolves.
	var dd v1Answer
	if s := getJSON(t, v1+"/dids/did:publica:"+ch.citizen+"?prove=true", &dd); s != 200 {
		t.Fatalf("DID: %d", s)
	}
	if err := checkProof(t, lc, &dd); err != nil {
		t.Fatalf("DID proof: %v", err)
	}
	var resolved struct {
		DIDDocument json.RawMessage `json:"didDocument"`
	}
	if s := getJSON(t, ch.base+"/1.0/identifiers/did:publica:"+ch.citizen+"?versionId="+fmt.Sprint(dd.Height), &resolved); s != 200 {
		t.Fatalf("DID resolution: %d", s)
	}
	if !bytes.Equal(dd.Data, resolved.DIDDocument) || !bytes.Contains(dd.Data, []byte(`"id":"did:publica:`+ch.citizen+`"`)) || len(dd.Proof.Entries) == 0 {
		t.Errorf("DID document:\n%s\nresolved:\n%s", dd.Data, resolved.DIDDocument)
	}

	// Who owned P1 when Alice did: the dated owner proof.
	at := ch.owned.UTC().Format(time.RFC3339Nano)
	var o struct {
		Height int64               `json:"height"`
		Data   apiv1.OwnerAt       `json:"data"`
		Proof  *extract.OwnerProof `json:"proof"`
	}
	if s := getJSON(t, v1+"/parcels/P1/owner?prove=true&at="+url.QueryEscape(at), &o); s != 200 {
		t.Fatalf("owner at: %d", s)
	}
	if o.Data.Owner == nil || o.Data.Owner.Owners[0].Party != ch.citizen || o.Height >= ch.transferred {
		t.Fatalf("owner at %s: %+v (transferred at %d)", at, o.Data, ch.transferred)
	}
	res, err := extract.VerifyOwnerAt(o.Proof)
	if err != nil {
		t.Fatalf("dated owner proof: %v", err)
	}
	if res.Period == nil || res.Period.Owners[0].Party != ch.citizen || res.Height != o.Height {
		t.Fatalf("verified: %+v", res)
	}
	// Its headers are the ones CometBFT's light client verifies.
	for _, hh := range []struct {
		h   int64
		raw json.RawMessage
	}{{o.Proof.Height, o.Proof.Header}, {o.Proof.Height + 1, o.Proof.NextHeader}} {
		lb, err := lc.VerifyLightBlockAtHeight(context.Background(), hh.h, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		var sh types.SignedHeader
		if err := cmtjson.Unmarshal(hh.raw, &sh); err != nil || !bytes.Equal(sh.Hash(), lb.Hash()) {
			t.Fatalf("header %d is not the light client's (%v)", hh.h, err)
		}
	}
	// Tampering is refused.
	tamper := func(name string, change func(p *extract.OwnerProof)) {
		b, _ := json.Marshal(o.Proof)
		p, err := extract.ReadOwnerProof(b)
		if err != nil {
			t.Fatal(err)
		}
		change(p)
		if _, err := extract.VerifyOwnerAt(p); err == nil {
			t.Errorf("%s: verified", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
	tamper("a date after the next block", func(p *extract.OwnerProof) {
		p.Date = time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	})
	tamper("a date before the block", func(p *extract.OwnerProof) { p.Date = "2001-01-01T00:00:00Z" })
	tamper("the last step dropped", func(p *extract.OwnerProof) {
		if len(p.Steps) > 1 {
			p.Steps = p.Steps[:len(p.Steps)-1]
		} else {
			p.Steps = nil
		}
	})
	tamper("another parcel", func(p *extract.OwnerProof) { p.Parcel = "P2" })
	tamper("a changed proof", func(p *extract.OwnerProof) { p.Steps[0].Proof[len(p.Steps[0].Proof)-1] ^= 1 })
	tamper("headers swapped", func(p *extract.OwnerProof) { p.Header, p.NextHeader = p.NextHeader, p.Header })
	// After the transfer, Bob.
	var later struct {
		Data apiv1.OwnerAt `json:"data"`
	}
	var tr v1Answer
	getJSON(t, v1+"/parcels/P1/history", &tr)
	var events []land.Event
	json.Unmarshal(tr.Data, &events)
	last := events[len(events)-1]
	if s := getJSON(t, v1+"/parcels/P1/owner?at="+url.QueryEscape(last.Time), &later); s != 200 || later.Data.Owner == nil || later.Data.Owner.Owners[0].Party != ch.bob {
		t.Errorf("owner at the transfer's block time %s: %d %+v", last.Time, s, later.Data)
	}
}

// TestV1RefusesBadInputClearly: malformed ids, cursors, limits, heights,
// dates, CRSs, paths and methods are refused with 400, 404 or 405 as
// problem details naming the problem, never 500.
func TestV1RefusesBadInputClearly(t *testing.T) {
	base, _ := browser.StartPortal(t)
	v1 := base + "/api/v1"
	enc := func(s string) string { return url.QueryEscape(base64.RawURLEncoding.EncodeToString([]byte(s))) }
	for _, c := range []struct {
		method, path string
		status       int
		detail       string
	}{
		{"GET", "/titles?cursor=" + enc("T1\x00"), 400, "cursor"},
		{"GET", "/titles?cursor=" + enc("../../app/"), 400, "cursor"},
		{"GET", "/titles?cursor=" + enc(strings.Repeat("9", 5000)), 400, "cursor"},
		{"GET", "/titles?cursor=T1", 400, "cursor"},
		{"GET", "/titles?cursor=" + enc("T99999"), 200, ""}, // a valid cursor past the end: an empty page
		{"GET", "/parties?limit=-1", 400, "limit"},
		{"GET", "/parties?limit=1e2", 400, "limit"},
		{"GET", "/parties?limit=99999999999999999999", 400, "limit"},
		{"GET", "/parties?height=0", 400, "height"},
		{"GET", "/parties?height=-5", 400, "height"},
		{"GET", "/parties?height=abc", 400, "height"},
		{"GET", "/parties?height=99999999999999999999", 400, "height"},
		{"GET", "/parties?prove=1", 400, "prove"},
		{"GET", "/parties/N0", 404, "not a party id"},
		{"GET", "/parties/" + strings.Repeat("N1", 100), 404, "not a party id"},
		{"GET", "/parcels/P1?crs=EPSG:32633", 400, "crs"},
		{"GET", "/parcels/P1/history?cursor=" + enc("1"), 400, "cursor"},
		{"GET", "/parcels/P1/owner?at=2026-13-01T00:00:00Z", 400, "RFC 3339"},
		{"GET", "/parcels/P1/owner?at=2026-01-01T00:00:00Z&height=3", 400, "not both"},
		{"GET", "/parcels/P1/owner?at=2026-01-01T00:00:00Z&prove=yes", 400, "prove"},
		{"GET", "/parcels/P1/owner?at=1970-01-01T00:00:00Z", 404, "before the chain"},
		{"GET", "/parcels/P1/owner?at=9999-12-31T23:59:59Z", 404, "no block"},
		{"GET", "/elections/UPPER", 404, "not a election id"},
		{"GET", "/elections/a/board?cursor=" + enc("zz"), 400, "cursor"},
		{"GET", "/credentials/" + strings.Repeat("A", 64) + "/status", 404, "not a credential digest"},
		{"GET", "/documents/" + strings.Repeat("0", 63), 404, "not a document hash"},
		{"GET", "/dids/did:publica:" + strings.Repeat("A", 40), 400, "not a did:publica DID"},
		{"GET", "/dids/did:web:example.com", 400, "not a did:publica DID"},
		{"GET", "/dids/did:publica:" + strings.Repeat("0", 40), 404, "no account"},
		{"GET", "/nothing/here", 404, "not a path"},
		{"POST", "/titles", 405, "only reads"},
		{"DELETE", "/titles/T1", 405, "only reads"},
	} {
		req, _ := http.NewRequest(c.method, v1+c.path, nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != c.status {
			t.Errorf("%s %s: %d, want %d\n%s", c.method, c.path, res.StatusCode, c.status, b)
			continue
		}
		if c.status == 200 {
			continue
		}
		var p struct {
			Type, Title, Detail string
			Status              int
		}
		if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" || json.Unmarshal(b, &p) != nil ||
			p.Status != c.status || p.Title == "" || !strings.Contains(p.Detail, c.detail) {
			t.Errorf("%s %s: %s %s, want problem details saying %q", c.method, c.path, ct, b, c.detail)
		}
	}
}
