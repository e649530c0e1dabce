package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/publica/publica/docs"
	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/web/documents"
)

// loadDoc loads and validates an OpenAPI document with kin-openapi.
func loadDoc(t *testing.T, data []byte) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		t.Fatalf("load OpenAPI document: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the OpenAPI document is not valid: %v", err)
	}
	return doc
}

// TestDocumentValid: docs/openapi.yaml is a valid OpenAPI 3.1 document,
// and a broken one is refused (the check can fail).
func TestDocumentValid(t *testing.T) {
	doc := loadDoc(t, docs.OpenAPI)
	if !doc.IsOpenAPI31OrLater() {
		t.Fatalf("openapi %q, want 3.1", doc.OpenAPI)
	}
	broken := bytes.Replace(docs.OpenAPI, []byte(`$ref: "#/components/schemas/Extract"`), []byte(`$ref: "#/components/schemas/NoSuchSchema"`), 1)
	if _, err := openapi3.NewLoader().LoadFromData(broken); err == nil {
		t.Error("a reference to a missing schema loaded")
	}
	broken = bytes.Replace(docs.OpenAPI, []byte("operationId: getStatus\n"), []byte("operationId: getHealth\n"), 1)
	if d, err := openapi3.NewLoader().LoadFromData(broken); err == nil && d.Validate(context.Background()) == nil {
		t.Error("a document with a duplicate operationId validated")
	}
}

// validatorDir holds the independent validator, pinned in its lockfile
// (scripts/install-node.sh runs npm ci there).
const validatorDir = "testdata/oasvalidate"

// TestDocumentValidOAISchemas: the document validates against the OpenAPI
// Initiative's own JSON Schemas, with @seriousme/openapi-schema-validator
// under Node.js (every $ref resolving), and broken documents do not.
func TestDocumentValidOAISchemas(t *testing.T) {
	bin, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(validatorDir, "node_modules", "@seriousme", "openapi-schema-validator", "package.json"))
	}
	if err != nil {
		msg := "node or " + validatorDir + "/node_modules is missing (scripts/install-node.sh installs them; `make test` runs it): " + err.Error()
		if os.Getenv("PUBLICA_REQUIRE_NODE") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	docsToCheck := map[string][]byte{
		"openapi.yaml":         docs.OpenAPI,
		"dangling-ref.yaml":    bytes.Replace(docs.OpenAPI, []byte(`#/components/schemas/Extract"`), []byte(`#/components/schemas/Nope"`), 1),
		"unknown-field.yaml":   bytes.Replace(docs.OpenAPI, []byte("operationId: getHealth\n"), []byte("operationId: getHealth\n      returns: 1\n"), 1),
		"no-responses.yaml":    bytes.Replace(docs.OpenAPI, []byte("      operationId: getStatus\n"), []byte("      operationId: getStatus\n      responses: {}\n      x: "), 1),
		"bad-param-place.yaml": bytes.Replace(docs.OpenAPI, []byte("      in: query\n"), []byte("      in: body\n"), 1),
	}
	dir := t.TempDir()
	var files []string
	for name, doc := range docsToCheck {
		if name != "openapi.yaml" && bytes.Equal(doc, docs.OpenAPI) {
			t.Fatalf("%s: the replacement did not apply", name)
		}
		f := filepath.Join(dir, name)
		if err := os.WriteFile(f, doc, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	out, err := exec.Command(bin, append([]string{filepath.Join(validatorDir, "validate.mjs")}, files...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("validate.mjs: %v\n%s", err, out)
	}
	seen := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var r struct {
			File, Version string
			Valid         bool
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("validate.mjs: %v\n%s", err, out)
		}
		seen++
		switch name := filepath.Base(r.File); {
		case name == "openapi.yaml" && (!r.Valid || r.Version != "3.1"):
			t.Errorf("docs/openapi.yaml does not validate against the OpenAPI 3.1 schemas: %s", line)
		case name != "openapi.yaml" && r.Valid:
			t.Errorf("%s validated: %s", name, line)
		}
	}
	if seen != len(files) {
		t.Fatalf("validate.mjs reported %d documents of %d:\n%s", seen, len(files), out)
	}
}

// call is one request the API test makes and the status it expects.
type call struct {
	path   string
	accept string
	status int
	// method is GET unless set; body and auth (a Publica-Document-Auth
	// value) go with it.
	method string
	body   []byte
	auth   string
}

// TestEveryEndpointMatchesDocument runs a real node and portal, registers
// a parcel and title, a credential schema, an issuer's signed status
// lists and a DID service, then calls every operation of
// docs/openapi.yaml (answers and refusals) and validates each response,
// status, headers and body, against the document with kin-openapi's
// openapi3filter. The document the portal serves is the repository's.
func TestEveryEndpointMatchesDocument(t *testing.T) {
	ch := startChain(t)

	// The served document is docs/openapi.yaml.
	res, err := http.Get(ch.base + "/api/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	served, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !bytes.Equal(served, docs.OpenAPI) || res.Header.Get("Content-Type") != "application/yaml" {
		t.Fatalf("GET /api/openapi.yaml: %d %s, %d bytes (the repository's: %d)", res.StatusCode, res.Header.Get("Content-Type"), len(served), len(docs.OpenAPI))
	}
	doc := loadDoc(t, served)
	// The JSON form is the same document.
	res, err = http.Get(ch.base + "/api/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	servedJSON, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/vnd.oai.openapi+json;version=3.1" {
		t.Fatalf("GET /api/openapi.json: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	fromYAML, _ := json.Marshal(doc)
	fromJSON, _ := json.Marshal(loadDoc(t, servedJSON))
	if !bytes.Equal(fromYAML, fromJSON) {
		t.Fatalf("/api/openapi.json is not /api/openapi.yaml:\n%.2000s\n%.2000s", fromJSON, fromYAML)
	}
	doc.Servers = openapi3.Servers{{URL: ch.base}}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	// Media types without a +json suffix whose bodies are JSON.
	openapi3filter.RegisterBodyDecoder("application/vc", openapi3filter.JSONBodyDecoder)
	openapi3filter.RegisterBodyDecoder("application/did-resolution", openapi3filter.JSONBodyDecoder)
	openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder)

	did := "did:publica:" + ch.citizen
	utm := "?crs=" + url.QueryEscape("http://www.opengis.net/def/crs/EPSG/0/32633")
	list := "/identity/status-lists/" + ch.issuer + "/revocation"
	calls := []call{
		{path: "/healthz", status: 200},
		{path: "/api/openapi.yaml", status: 200},
		{path: "/api/openapi.json", status: 200},
		{path: "/api/status", status: 200},
		{path: "/features", status: 200},
		{path: "/features/conformance", status: 200},
		{path: "/features/api", status: 200},
		{path: "/features/collections", status: 200},
		{path: "/features/collections/parcels", status: 200},
		{path: "/features/collections/parcels/items?limit=1", status: 200},
		{path: "/features/collections/parcels/items?bbox=13,52,14,53&limit=10", status: 200},
		{path: "/features/collections/parcels/items?limit=x", status: 400},
		{path: "/features/collections/parcels/items/P1", status: 200},
		{path: "/features/collections/parcels/items/P1" + utm, status: 200},
		{path: "/features/collections/parcels/items/P9", status: 404},
		{path: "/features/collections/parcels/download", status: 200},
		{path: "/features/collections/parcels/download" + utm, status: 200},
		{path: "/land/titles/" + ch.title + "/extract.json", status: 200},
		{path: "/land/titles/T99/extract.json", status: 404},
		{path: "/land/titles/" + ch.title + "/certificate.pdf", status: 200},
		{path: "/ns/identity/v1", status: 200},
		{path: "/identity/schemas/residence/1", status: 200},
		{path: "/identity/schemas/nope/1", status: 404},
		{path: list, status: 200},
		{path: "/identity/status-lists/" + ch.citizen + "/revocation", status: 404},
		{path: list + "/chain", status: 200},
		{path: "/1.0/identifiers/" + did, status: 200},
		{path: "/1.0/identifiers/" + did, accept: "application/did-resolution", status: 200},
		{path: "/1.0/identifiers/" + did, accept: "application/did+ld+json", status: 200},
		{path: "/1.0/identifiers/" + did, accept: "application/did+json", status: 200},
		{path: "/1.0/identifiers/" + did + "?versionId=2", status: 200},
		{path: "/1.0/identifiers/did:publica:" + strings.Repeat("0", 40), status: 404},
		{path: "/1.0/identifiers/did:publica:zz", status: 400},
		{path: "/1.0/identifiers/did:example:123", status: 501},
	}
	// Documents: the deed the parcel and title cite, uploaded with a
	// signed request, then fetched; and the refusals.
	clerk := apptest.DemoKey(t, "clerk")
	deed := []byte("deed")
	dh := fmt.Sprintf("%x", sha256.Sum256(deed))
	other := fmt.Sprintf("%x", sha256.Sum256([]byte("not cited")))
	signed := func(method, hash string) string {
		return documents.SignRequest(clerk, method, hash, time.Now().Add(5*time.Minute).Unix())
	}
	calls = append(calls,
		call{method: http.MethodPut, path: "/api/documents/" + dh, body: deed, auth: signed(http.MethodPut, dh), status: 201},
		call{method: http.MethodPut, path: "/api/documents/" + dh, body: deed, auth: signed(http.MethodPut, dh), status: 200},
		call{method: http.MethodPut, path: "/api/documents/" + dh, body: deed, status: 401},
		call{method: http.MethodPut, path: "/api/documents/" + other, body: deed, auth: signed(http.MethodPut, other), status: 422},
		call{path: "/api/documents/" + dh, status: 200},
		call{path: "/api/documents/" + other, status: 404},
	)
	// The versioned read API: every operation, answers and refusals.
	v1 := "/api/v1"
	at := url.QueryEscape(ch.owned.UTC().Format(time.RFC3339Nano))
	first := cursorOf(t, ch.base+v1+"/parties?limit=1")
	calls = append(calls,
		call{path: v1, status: 200},
		call{path: v1 + "/openapi.json", status: 200},
		call{path: v1 + "/titles", status: 200},
		call{path: v1 + "/titles?limit=1&prove=true", status: 200},
		call{path: v1 + "/titles?cursor=!!", status: 400},
		call{path: v1 + "/titles?cursor=WDk5", status: 400}, // "X99": not a title id
		call{path: v1 + "/titles?limit=0", status: 400},
		call{path: v1 + "/titles?limit=101", status: 400},
		call{path: v1 + "/titles?prove=maybe", status: 400},
		call{path: v1 + "/titles?height=99999999", status: 404},
		call{path: v1 + "/titles/" + ch.title + "?prove=true", status: 200},
		call{path: v1 + "/titles/T99", status: 404},
		call{path: v1 + "/titles/x", status: 404},
		call{path: v1 + "/parcels?limit=5", status: 200},
		call{path: v1 + "/parcels?prove=true" + strings.Replace(utm, "?", "&", 1), status: 200},
		call{path: v1 + "/parcels?crs=EPSG:4326", status: 400},
		call{path: v1 + "/parcels/P1", status: 200},
		call{path: v1 + "/parcels/P1" + utm + "&prove=true", status: 200},
		call{path: v1 + "/parcels/P99", status: 404},
		call{path: v1 + "/parcels/P1/history?prove=true", status: 200},
		call{path: v1 + "/parcels/P1/history?limit=1&cursor=" + url.QueryEscape(first), status: 400}, // a party cursor
		call{path: v1 + "/parcels/P99/history", status: 404},
		call{path: v1 + "/parcels/P1/owner?prove=true", status: 200},
		call{path: v1 + "/parcels/P1/owner?at=" + at + "&prove=true", status: 200},
		call{path: v1 + "/parcels/P1/owner?at=" + at, status: 200},
		call{path: v1 + "/parcels/P1/owner?at=yesterday", status: 400},
		call{path: v1 + "/parcels/P1/owner?at=2001-01-01T00:00:00Z", status: 404},
		call{path: v1 + "/parcels/P1/owner?at=2999-01-01T00:00:00Z", status: 404},
		call{path: v1 + "/parcels/P99/owner?at=" + at, status: 404},
		call{path: v1 + "/parcels/x1/owner", status: 404},
		call{path: v1 + "/parties?limit=2&prove=true", status: 200},
		call{path: v1 + "/parties?cursor=" + url.QueryEscape(first), status: 200},
		call{path: v1 + "/parties/N1?prove=true", status: 200},
		call{path: v1 + "/parties/N999", status: 404},
		call{path: v1 + "/documents/" + dh, status: 200},
		call{path: v1 + "/documents/" + dh + "?prove=true", status: 200},
		call{path: v1 + "/documents/" + other, status: 404},
		call{path: v1 + "/documents/XYZ", status: 404},
		call{path: v1 + "/elections?prove=true", status: 200},
		call{path: v1 + "/elections/" + ch.election, status: 200},
		call{path: v1 + "/elections/no-such-vote", status: 404},
		call{path: v1 + "/elections/" + ch.election + "/results?prove=true", status: 200},
		call{path: v1 + "/elections/no-such-vote/results", status: 404},
		call{path: v1 + "/elections/" + ch.election + "/board?prove=true&limit=1", status: 200},
		call{path: v1 + "/elections/" + ch.election + "/board?cursor=" + url.QueryEscape(first), status: 400},
		call{path: v1 + "/elections/no-such-vote/board", status: 404},
		call{path: v1 + "/credentials/" + ch.credential + "/status?prove=true", status: 200},
		call{path: v1 + "/credentials/" + other + "/status", status: 404},
		call{path: v1 + "/credentials/nothex/status", status: 404},
		call{path: v1 + "/dids/" + did + "?prove=true", status: 200},
		call{path: v1 + "/dids/did%3Apublica%3A" + ch.citizen, status: 200},
		call{path: v1 + "/dids/did:publica:" + strings.Repeat("0", 40), status: 404},
		call{path: v1 + "/dids/did:publica:zz", status: 400},
		call{path: v1 + "/dids/did:web:example.com", status: 400},
	)
	covered := map[string]bool{}
	for _, c := range calls {
		route, body, err := validate(t, router, ch.base, c, nil)
		if err != nil {
			t.Errorf("%s %s (Accept %q): %v\n%.600s", c.method, c.path, c.accept, err, body)
			continue
		}
		covered[route.Operation.OperationID] = true
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if !covered[op.OperationID] {
				t.Errorf("%s %s (%s) is documented but the test never called it", method, path, op.OperationID)
			}
		}
	}

	// The validator catches answers that break the document.
	lies := []struct {
		c   call
		lie func(map[string]any)
	}{
		{call{path: "/api/status", status: 200}, func(m map[string]any) { delete(m, "latest_height") }},
		{call{path: "/features/collections/parcels/items/P1", status: 200}, func(m map[string]any) {
			m["properties"].(map[string]any)["area_m2"] = 10000.5
		}},
		{call{path: list, status: 200}, func(m map[string]any) { m["proof"].(map[string]any)["cryptosuite"] = "ecdsa-rdfc-2019" }},
		{call{path: "/1.0/identifiers/" + did, status: 200}, func(m map[string]any) { m["didDocument"].(map[string]any)["id"] = "did:web:x" }},
		{call{path: "/land/titles/" + ch.title + "/extract.json", status: 200}, func(m map[string]any) { m["entries"] = []any{} }},
	}
	for _, l := range lies {
		if _, _, err := validate(t, router, ch.base, l.c, l.lie); err == nil {
			t.Errorf("GET %s changed to break the document: validated", l.c.path)
		}
	}
}

// cursorOf is the next cursor of a v1 list page.
func cursorOf(t *testing.T, u string) string {
	t.Helper()
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var a struct{ Next string }
	if err := json.NewDecoder(res.Body).Decode(&a); err != nil || a.Next == "" {
		t.Fatalf("GET %s: %d, no next cursor (%v)", u, res.StatusCode, err)
	}
	return a.Next
}

// validate makes the call, checks its status, and validates the request
// and the response against the document; lie, if set, changes the JSON
// body before validation.
func validate(t *testing.T, router routers.Router, base string, c call, lie func(map[string]any)) (*routers.Route, []byte, error) {
	t.Helper()
	method := c.method
	if method == "" {
		method = http.MethodGet
	}
	newRequest := func() *http.Request {
		req, err := http.NewRequest(method, base+c.path, bytes.NewReader(c.body))
		if err != nil {
			t.Fatal(err)
		}
		if c.body == nil {
			req.Body = nil
		} else {
			req.Header.Set("Content-Type", "application/octet-stream")
		}
		if c.accept != "" {
			req.Header.Set("Accept", c.accept)
		}
		if c.auth != "" {
			req.Header.Set(documents.AuthHeader, c.auth)
		}
		return req
	}
	res, err := http.DefaultClient.Do(newRequest())
	if err != nil {
		t.Fatal(err)
	}
	req := newRequest() // the same request again, its body unread, for the validator
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != c.status {
		return nil, body, fmt.Errorf("status %d, want %d", res.StatusCode, c.status)
	}
	route, params, err := router.FindRoute(req)
	if err != nil {
		return nil, body, fmt.Errorf("not in the document: %v", err)
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{IncludeResponseStatus: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	if c.status < 300 {
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			return nil, body, fmt.Errorf("request: %v", err)
		}
	}
	if lie != nil {
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatal(err)
		}
		lie(m)
		body, _ = json.Marshal(m)
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: res.StatusCode, Header: res.Header,
		Body: io.NopCloser(bytes.NewReader(body)), Options: in.Options}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		return nil, body, fmt.Errorf("response (%s): %v", res.Header.Get("Content-Type"), err)
	}
	return route, body, nil
}
