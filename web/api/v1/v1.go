// Package v1 is the portal's versioned machine read API, /api/v1, for
// other government systems: titles, parcels (GeoJSON), owners and their
// history, parties, the documents records cite, elections, their results
// and ballot board, credential status and DID documents.
//
// Every answer is one JSON object read from one state height:
//
//	{"height": H, "data": …, "next": "<cursor>", "proof": {…}}
//
// data is the records exactly as stored (a parcel as a GeoJSON Feature);
// next, on lists, is the cursor of the next page (absent on the last). With
// ?prove=true, proof holds the ICS23 proof of every state key the answer
// was read from, against the app hash in the signed header of H+1 (which
// it carries with its validator set), so a client checks the answer with
// CometBFT's light client and proofop's operators (docs/interop.md). Lists
// are walked key after key: each entry proves a key absent and holds the
// next key as its right neighbour, so a page cannot leave a record out.
//
// Refusals are RFC 9457 problem details (application/problem+json). The
// API is described in docs/openapi.yaml with the rest of the portal's
// machine answers; one file here per area.
package v1

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	cmtjson "github.com/cometbft/cometbft/libs/json"
	"github.com/cometbft/cometbft/types"
	"github.com/labstack/echo/v4"

	"github.com/publica/publica/client"
	"github.com/publica/publica/proof"
	"github.com/publica/publica/web/chain"
	"github.com/publica/publica/web/portal"
)

// Base is where the API lives.
const Base = "/api/v1"

// Page sizes of lists.
const (
	DefaultLimit = 20
	MaxLimit     = 100
)

// mediaProblem is RFC 9457's media type.
const mediaProblem = "application/problem+json"

// api holds the portal the answers are read through.
type api struct{ p *portal.Server }

// Register declares the API's routes on e (listed in web/routes.go).
func Register(e *echo.Echo, p *portal.Server) {
	a := &api{p: p}
	e.GET(Base, a.index)
	e.GET(Base+"/titles", a.titles)
	e.GET(Base+"/titles/:id", a.title)
	e.GET(Base+"/parcels", a.parcels)
	e.GET(Base+"/parcels/:id", a.parcel)
	e.GET(Base+"/parcels/:id/history", a.history)
	e.GET(Base+"/parcels/:id/owner", a.owner)
	e.GET(Base+"/parties", a.parties)
	e.GET(Base+"/parties/:id", a.party)
	e.GET(Base+"/documents/:hash", a.document)
	e.GET(Base+"/elections", a.elections)
	e.GET(Base+"/elections/:id", a.election)
	e.GET(Base+"/elections/:id/results", a.results)
	e.GET(Base+"/elections/:id/board", a.board)
	e.GET(Base+"/credentials/:digest/status", a.credentialStatus)
	e.GET(Base+"/dids/:did", a.did)
	e.Any(Base+"/*", a.unknown)
}

// Answer is every successful answer.
type Answer struct {
	Height int64  `json:"height"`
	Data   any    `json:"data"`
	Next   string `json:"next,omitempty"`
	Proof  any    `json:"proof,omitempty"`
}

// Proof is the chain's evidence for an answer: the state at Height, whose
// root is AppHash, committed in the signed header of Height+1 (with the
// validator set that signed it), and the proof of every key read.
type Proof struct {
	ChainID      string          `json:"chain_id"`
	Height       int64           `json:"height"`
	AppHash      string          `json:"app_hash"`
	SignedHeader json.RawMessage `json:"signed_header"`
	Validators   json.RawMessage `json:"validators"`
	Entries      []Entry         `json:"entries"`
}

// Entry proves one key: Stored with Value (base64 of the bytes as stored),
// or absent; when absent, the ICS23 non-membership proof's right neighbour
// is the next key (how lists prove they are complete). Proof is the data
// of one "ics23:iavl" proof operation (an ICS23 CommitmentProof,
// protobuf, base64) whose key is Key.
type Entry struct {
	Key    string `json:"key"`
	Stored bool   `json:"stored"`
	Value  string `json:"value,omitempty"`
	Proof  string `json:"proof"`
}

// problem is an RFC 9457 problem details answer.
type problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail"`
	Instance string `json:"instance,omitempty"`
}

// apiError is a refusal with its status and a message for the caller.
type apiError struct {
	status int
	msg    string
}

func (e *apiError) Error() string { return e.msg }

func bad(format string, args ...any) error {
	return &apiError{http.StatusBadRequest, fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) error {
	return &apiError{http.StatusNotFound, fmt.Sprintf(format, args...)}
}

// fail answers err as problem details: the API's own refusals with their
// status, the application's refusal of a query as 400, the node not
// answering as 503, anything else as 500 without internals.
func fail(c echo.Context, err error) error {
	status, detail := http.StatusInternalServerError, "The portal could not build this answer; the request id is in the log."
	var ae *apiError
	var he *echo.HTTPError
	var qe *client.QueryError
	switch {
	case errors.As(err, &ae):
		status, detail = ae.status, ae.msg
	case errors.As(err, &he):
		status, detail = he.Code, fmt.Sprint(he.Message)
	case errors.As(err, &qe):
		status, detail = http.StatusBadRequest, "The chain refused the query: "+qe.Log
	case errors.Is(err, chain.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		status, detail = http.StatusServiceUnavailable, "The node did not answer; try again shortly."
	}
	if status >= 500 {
		c.Logger().Errorf("api/v1 %s: %v", c.Request().URL.Path, err)
	}
	cors(c)
	b, _ := json.Marshal(problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail,
		Instance: c.Request().URL.RequestURI()})
	return c.Blob(status, mediaProblem, b)
}

// cors lets any origin read the API: it is public and sends no cookies.
func cors(c echo.Context) {
	h := c.Response().Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
}

// unknown answers paths and methods the API does not have.
func (a *api) unknown(c echo.Context) error {
	if c.Request().Method != http.MethodGet && c.Request().Method != http.MethodHead {
		return fail(c, &apiError{http.StatusMethodNotAllowed, "The machine API only reads: use GET. Transactions go to the node's RPC (docs/transactions.md)."})
	}
	return fail(c, notFound("%s is not a path of the machine API; its description is at /api/openapi.json", c.Request().URL.Path))
}

// index answers GET /api/v1: the chain and the API's paths.
func (a *api) index(c echo.Context) error {
	cl, err := a.p.Client(c)
	if err != nil {
		return fail(c, err)
	}
	ctx := c.Request().Context()
	id, err := cl.ChainID(ctx)
	if err != nil {
		return fail(c, portal.Unavailable(err))
	}
	latest, err := cl.LatestHeight(ctx)
	if err != nil {
		return fail(c, portal.Unavailable(err))
	}
	cors(c)
	return c.JSON(http.StatusOK, Answer{Height: max(latest-1, 1), Data: map[string]any{
		"chain_id":    id,
		"description": "/api/openapi.json",
		"paths": []string{Base + "/titles", Base + "/parcels", Base + "/parties", Base + "/documents/{hash}",
			Base + "/elections", Base + "/credentials/{digest}/status", Base + "/dids/{did}"},
	}})
}

// reader reads state keys with their proofs at one height, each checked
// against the app hash of the signed header of height+1 before it is
// used, and keeps them for the answer.
type reader struct {
	ctx     context.Context
	cl      *client.Client
	height  int64
	appHash []byte
	prove   bool
	entries []Entry
}

// open reads ?height (default: the settled height, the newest whose next
// header is signed) and ?prove, and fixes the verified app hash.
func (a *api) open(c echo.Context) (*reader, error) {
	cl, err := a.p.Client(c)
	if err != nil {
		return nil, err
	}
	ctx := c.Request().Context()
	prove := false
	switch v := c.QueryParam("prove"); v {
	case "", "false":
	case "true":
		prove = true
	default:
		return nil, bad("prove must be true or false, not %q", v)
	}
	latest, err := cl.LatestHeight(ctx)
	if err != nil {
		return nil, portal.Unavailable(err)
	}
	settled := max(latest-1, 1)
	h := settled
	if q := c.QueryParam("height"); q != "" {
		v, err := strconv.ParseInt(q, 10, 64)
		if err != nil || v < 1 {
			return nil, bad("height %q is not a block number (a whole number from 1)", q)
		}
		if v > settled {
			return nil, notFound("block %d is not settled yet: the newest state with a signed next header is %d", v, settled)
		}
		h = v
	}
	p, err := cl.QueryProven(ctx, "/key", []byte("app/"), h)
	if err != nil {
		var qe *client.QueryError
		if errors.As(err, &qe) {
			return nil, notFound("the node no longer holds the state of block %d (%s)", h, qe.Log)
		}
		return nil, portal.Unavailable(err, "proven read")
	}
	return &reader{ctx: ctx, cl: cl, height: p.Height, appHash: p.AppHash, prove: prove}, nil
}

// raw reads key with its proof, checked; value nil is a proven absence.
func (r *reader) raw(key []byte) (value, proofData []byte, err error) {
	res, err := r.cl.Query(r.ctx, "/key", key, r.height, true)
	if err != nil {
		return nil, nil, portal.Unavailable(err, "proven read")
	}
	if res.Height != r.height || res.ProofOps == nil || len(res.ProofOps.Ops) != 1 {
		return nil, nil, portal.Unavailable(fmt.Errorf("the node answered for height %d without one proof", res.Height))
	}
	v := res.Value
	if len(v) == 0 {
		v = nil
	}
	if err := proof.Verify(r.appHash, res.ProofOps, key, v); err != nil {
		return nil, nil, portal.Unavailable(fmt.Errorf("proof of %s: %w", key, err))
	}
	return v, res.ProofOps.Ops[0].Data, nil
}

// keep adds an entry to the answer's proof.
func (r *reader) keep(key, value, proofData []byte) {
	e := Entry{Key: string(key), Stored: value != nil, Proof: base64.StdEncoding.EncodeToString(proofData)}
	if value != nil {
		e.Value = base64.StdEncoding.EncodeToString(value)
	}
	r.entries = append(r.entries, e)
}

// get reads one key (nil: proven absent) and keeps its proof.
func (r *reader) get(key []byte) ([]byte, error) {
	v, pd, err := r.raw(key)
	if err != nil {
		return nil, err
	}
	r.keep(key, v, pd)
	return v, nil
}

// item is one record of a list: its key and value.
type item struct{ key, value []byte }

// list walks the keys under prefix after the key prefix+after (after ""
// starts at the beginning), up to limit records, each proven the next
// key after the last (a non-membership proof of last+"\x00" whose right
// neighbour it is). more is whether a record follows the page.
func (r *reader) list(prefix []byte, after string, limit int) (items []item, more bool, err error) {
	from := prefix
	if after != "" {
		from = append([]byte(string(prefix)+after), 0)
	}
	for {
		v, pd, err := r.raw(from)
		if err != nil {
			return nil, false, err
		}
		r.keep(from, v, pd)
		var nk, nv []byte
		if v != nil { // only when from itself is a key: never for these seeks
			nk, nv = from, v
		} else if nk, nv, err = proof.Next(r.appHash, from, pd); err != nil {
			return nil, false, portal.Unavailable(err)
		}
		if nk == nil || !strings.HasPrefix(string(nk), string(prefix)) {
			return items, false, nil
		}
		if len(items) == limit {
			return items, true, nil
		}
		items = append(items, item{nk, nv})
		from = append(nk, 0)
	}
}

// answer sends data read by r, with the next page's cursor and, when
// asked, the proof.
func (r *reader) answer(c echo.Context, data any, next string) error {
	out := Answer{Height: r.height, Data: data, Next: next}
	if r.prove {
		p, err := r.proof()
		if err != nil {
			return fail(c, err)
		}
		out.Proof = p
	}
	return r.send(c, out)
}

// send writes out with the proof headers.
func (r *reader) send(c echo.Context, out any) error {
	cors(c)
	h := c.Response().Header()
	h.Set("Publica-Height", strconv.FormatInt(r.height, 10))
	h.Set("Publica-App-Hash", fmt.Sprintf("%X", r.appHash))
	h.Set("Cache-Control", "no-cache")
	return c.JSON(http.StatusOK, out)
}

// proof collects the signed header of height+1 and its validator set.
func (r *reader) proof() (*Proof, error) {
	hh := r.height + 1
	commit, err := r.cl.Commit(r.ctx, &hh)
	if err != nil {
		return nil, portal.Unavailable(err, "header", strconv.FormatInt(hh, 10))
	}
	vals, err := validators(r.ctx, r.cl, hh)
	if err != nil {
		return nil, err
	}
	p := &Proof{ChainID: commit.SignedHeader.ChainID, Height: r.height, AppHash: fmt.Sprintf("%X", r.appHash), Entries: r.entries}
	if p.SignedHeader, err = cmtjson.Marshal(commit.SignedHeader); err != nil {
		return nil, err
	}
	if p.Validators, err = cmtjson.Marshal(vals); err != nil {
		return nil, err
	}
	return p, nil
}

// validators is the whole validator set of height h.
func validators(ctx context.Context, cl *client.Client, h int64) (*types.ValidatorSet, error) {
	var vs []*types.Validator
	for page := 1; ; page++ {
		p, per := page, 100
		res, err := cl.Validators(ctx, &h, &p, &per)
		if err != nil {
			return nil, portal.Unavailable(err, "validators")
		}
		vs = append(vs, res.Validators...)
		if len(vs) >= res.Total || len(res.Validators) == 0 {
			break
		}
	}
	return types.NewValidatorSet(vs), nil
}

// page reads ?limit and ?cursor. A cursor is the last record's id on the
// previous page, base64url-encoded; it must decode to an id matching
// idRe, so a cursor this API did not give is refused with 400.
func page(c echo.Context, idRe *regexp.Regexp) (after string, limit int, err error) {
	limit = DefaultLimit
	if q := c.QueryParam("limit"); q != "" {
		v, err := strconv.Atoi(q)
		if err != nil || v < 1 || v > MaxLimit {
			return "", 0, bad("limit %q must be a whole number from 1 to %d", q, MaxLimit)
		}
		limit = v
	}
	if q := c.QueryParam("cursor"); q != "" {
		b, err := base64.RawURLEncoding.DecodeString(q)
		if err != nil || !idRe.Match(b) {
			return "", 0, bad("cursor %q is not one this API gave: pass the \"next\" of the previous page unchanged", q)
		}
		after = string(b)
	}
	return after, limit, nil
}

// cursor is the cursor after id.
func cursor(id string) string { return base64.RawURLEncoding.EncodeToString([]byte(id)) }

// record decodes a stored JSON record for data, as stored.
func record(v []byte) json.RawMessage { return json.RawMessage(v) }
