// Package documents serves the documents the register's records rest on
// (docs/portal.md "Documents"): uploads into the node's content-addressed
// store (docstore, in <home>/documents) and downloads at a stable URL,
// /documents/<sha256>, each checked against the hash on the chain before
// it is served.
//
// A document is served only when a successful transaction on the chain
// cites it (the land.document event x/land emits). Public-register
// documents — survey plans, grants, transfer deeds, leases, easements,
// caveats, court orders, transmissions, corrections — are served to
// anyone, as a land register's supporting documents are open to
// inspection. A document is restricted when any record citing it is a
// mortgage (registration or discharge: the loan contract between owner
// and lender) or a party record (the evidence behind a party's name and
// identity commitment); it is served only to clerks and to the parties:
// the accounts that signed a transaction citing it, and the accounts a
// cited party record names.
//
// Who is asking is the signed-in session (the sign-in cookie) or, for
// scripts and the publica CLI, a signed request: the header
// Publica-Document-Auth "<public key hex> <expires unix> <signature hex>"
// over RequestBytes, made with a key that controls an account. Uploads
// need either; anonymous uploads are refused.
package documents

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/publica/publica/client"
	"github.com/publica/publica/docstore"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/web/i18n"
	"github.com/publica/publica/web/portal"
	"github.com/publica/publica/web/ui"
	"github.com/publica/publica/x/authority"
	"github.com/publica/publica/x/land"
)

const (
	// AuthHeader carries a signed request (see RequestBytes).
	AuthHeader = "Publica-Document-Auth"
	// MaxAuthLifetime is how far ahead a signed request may expire.
	MaxAuthLifetime = 10 * time.Minute
	authDomain      = "publica/document/v1\x00"
)

// RequestBytes are the bytes a key signs to upload (PUT) or fetch (GET)
// the document named hash until expires (Unix seconds): a domain distinct
// from transactions and sign-in, then the method, the hash and the
// expiry, separated by zero bytes.
func RequestBytes(method, hash string, expires int64) []byte {
	return []byte(authDomain + method + "\x00" + hash + "\x00" + strconv.FormatInt(expires, 10))
}

// SignRequest is the AuthHeader value for a request made with key.
func SignRequest(key ed25519.PrivateKey, method, hash string, expires int64) string {
	pub := key.Public().(ed25519.PublicKey)
	return hex.EncodeToString(pub) + " " + strconv.FormatInt(expires, 10) + " " +
		hex.EncodeToString(ed25519.Sign(key, RequestBytes(method, hash, expires)))
}

// RestrictedTypes are the message types whose documents only clerks and
// the parties may read.
var RestrictedTypes = []string{land.TypeRegisterMortgage, land.TypeDischarge, land.TypeRegisterParty, land.TypeAmendParty}

// MaxSize is the largest document the portal accepts.
const MaxSize = docstore.DefaultMaxSize

var maxSize int64 = MaxSize // tests lower it

// UploadQuota is how many bytes of new documents an account that is not a
// clerk may upload per hour (QuotaWindow): anyone can register an account,
// and the store is the node's disk. Clerks have no quota.
const (
	UploadQuota = 256 << 20
	QuotaWindow = time.Hour
)

var uploadQuota int64 = UploadQuota // tests lower it

// quotas counts each account's uploads in its current window.
type quotas struct {
	mu   sync.Mutex
	used map[string]*window
}

type window struct {
	start time.Time
	bytes int64
}

// room says whether account may upload n more bytes now.
func (q *quotas) room(account string, n int64, now time.Time) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	w := q.used[account]
	return w == nil || now.Sub(w.start) >= QuotaWindow || w.bytes+n <= uploadQuota
}

// charge counts n bytes stored for account.
func (q *quotas) charge(account string, n int64, now time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.used == nil {
		q.used = map[string]*window{}
	}
	if len(q.used) > 100_000 {
		for a, w := range q.used {
			if now.Sub(w.start) >= QuotaWindow {
				delete(q.used, a)
			}
		}
	}
	w := q.used[account]
	if w == nil || now.Sub(w.start) >= QuotaWindow {
		w = &window{start: now}
		q.used[account] = w
	}
	w.bytes += n
}

type handlers struct {
	*portal.Server
	quotas quotas
	once   sync.Once
	store  *docstore.Store
	err    error
}

// Register declares the document routes on e. The /api/ forms answer in
// JSON and take only signed requests (no cookies), for scripts and the CLI.
func Register(e *echo.Echo, p *portal.Server) {
	h := &handlers{Server: p}
	e.GET("/documents/:hash", h.get)
	e.PUT("/documents/:hash", jsonErrors(h.put))
	e.GET("/api/documents/:hash", h.get)
	e.PUT("/api/documents/:hash", jsonErrors(h.put))
	p.AllowLargeBody(IsUpload)
}

// IsUpload says whether r uploads a document (its body may be up to
// MaxSize, past the portal's usual limit).
func IsUpload(r *http.Request) bool {
	return r.Method == http.MethodPut &&
		(strings.HasPrefix(r.URL.Path, "/documents/") || strings.HasPrefix(r.URL.Path, "/api/documents/"))
}

// notFound says why there is no document here (the portal's generic 404
// page would not).
func notFound(c echo.Context, msg string) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	if isAPI(c) {
		return c.JSON(http.StatusNotFound, map[string]string{"error": msg})
	}
	return portal.Render(c, http.StatusNotFound, ui.ErrorPage(http.StatusNotFound, i18n.T(c.Request().Context(), "error.document"), msg, c.Response().Header().Get(echo.HeaderXRequestID)))
}

// jsonErrors answers an upload's refusals in JSON ({"error": "…"}), for
// the page script and the CLI, wherever it was posted.
func jsonErrors(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		var he *echo.HTTPError
		if errors.As(err, &he) && he.Code < 500 && !c.Response().Committed {
			c.Response().Header().Set("Cache-Control", "no-store")
			return c.JSON(he.Code, map[string]string{"error": fmt.Sprint(he.Message)})
		}
		return err
	}
}

func (h *handlers) docs() (*docstore.Store, error) {
	h.once.Do(func() {
		if h.Home() == "" {
			h.err = errors.New("no node home")
			return
		}
		h.store, h.err = docstore.Open(filepath.Join(h.Home(), docstore.Dir), maxSize)
		if h.err != nil {
			h.Log().Error("document store", "err", h.err)
		}
	})
	if h.err != nil {
		return nil, echo.NewHTTPError(http.StatusServiceUnavailable, "This portal keeps no documents: it runs without a node home to store them in.").SetInternal(h.err)
	}
	return h.store, nil
}

func isAPI(c echo.Context) bool { return strings.HasPrefix(c.Request().URL.Path, "/api/") }

// requester is who is asking: the account of a valid signed request, else
// (outside /api/) the signed-in account; "" for an anonymous visitor.
func (h *handlers) requester(c echo.Context, cl *client.Client, hash string) (string, error) {
	if v := c.Request().Header.Get(AuthHeader); v != "" {
		parts := strings.Fields(v)
		if len(parts) != 3 {
			return "", echo.NewHTTPError(http.StatusUnauthorized, "The "+AuthHeader+" header must be '<public key hex> <expires> <signature hex>'.")
		}
		pub, err := authority.ParsePubKey(parts[0])
		if err != nil {
			return "", echo.NewHTTPError(http.StatusUnauthorized, "The "+AuthHeader+" header's public key is not valid: "+err.Error())
		}
		exp, err := strconv.ParseInt(parts[1], 10, 64)
		now := time.Now()
		if err != nil || exp < now.Unix() || exp > now.Add(MaxAuthLifetime).Unix() {
			return "", echo.NewHTTPError(http.StatusUnauthorized, "The signed request has expired or expires too far ahead (at most "+MaxAuthLifetime.String()+"); sign it again.")
		}
		sig, err := hex.DecodeString(parts[2])
		if err != nil || !ed25519.Verify(pub, RequestBytes(c.Request().Method, hash, exp), sig) {
			return "", echo.NewHTTPError(http.StatusUnauthorized, "The request's signature does not match its method, document and expiry.")
		}
		acct, err := cl.AccountByKey(c.Request().Context(), pub)
		if err != nil {
			return "", portal.Unavailable(err, "account by key")
		}
		if acct == nil {
			return "", echo.NewHTTPError(http.StatusUnauthorized, "The key "+tx.AccountID(pub)+" controls no account on the chain: register it first.")
		}
		return acct.ID, nil
	}
	if isAPI(c) {
		return "", nil
	}
	return ui.ViewerFrom(c.Request().Context()).Account, nil
}

func parseHash(c echo.Context) (string, error) {
	name, err := docstore.ParseName(c.Param("hash"))
	if err != nil {
		return "", echo.NewHTTPError(http.StatusNotFound, "A document's address is its SHA-256: 64 lowercase hexadecimal characters.")
	}
	return name, nil
}

// Uploaded is the answer to an upload.
type Uploaded struct {
	Hash string `json:"hash"`
	Size int64  `json:"size"`
	URL  string `json:"url"`
	New  bool   `json:"new"` // false: the store already held it
}

// put serves PUT /documents/<sha256>: the body is the document; it is
// stored only if its bytes hash to the name in the URL.
func (h *handlers) put(c echo.Context) error {
	hash, err := parseHash(c)
	if err != nil {
		return err
	}
	st, err := h.docs()
	if err != nil {
		return err
	}
	cl, err := h.Client(c)
	if err != nil {
		return err
	}
	who, err := h.requester(c, cl, hash)
	if err != nil {
		return err
	}
	if who == "" {
		return echo.NewHTTPError(http.StatusUnauthorized, "Sign in (or sign the request with your key) to upload a document.")
	}
	// A large document over a slow link may take longer than the server's
	// read and write timeouts, which are sized for pages.
	extendDeadlines(c)
	if c.Request().ContentLength > st.MaxSize() {
		return echo.NewHTTPError(http.StatusRequestEntityTooLarge, (&docstore.TooLargeError{Limit: st.MaxSize()}).Error()+".")
	}
	had := st.Has(hash)
	clerk := false
	if !had {
		a, err := cl.Account(c.Request().Context(), who)
		if err != nil {
			return portal.Unavailable(err, "account", who)
		}
		clerk = a != nil && a.HasRole(authority.RoleClerk)
		want := c.Request().ContentLength
		if want < 0 {
			want = 1
		}
		if !clerk && !h.quotas.room(who, want, time.Now()) {
			return echo.NewHTTPError(http.StatusTooManyRequests, "Account "+who+" has uploaded its "+docstore.FormatSize(uploadQuota)+
				" of documents for this hour; try again later, or ask a clerk to upload it.")
		}
	}
	body := http.MaxBytesReader(c.Response(), c.Request().Body, st.MaxSize()+1)
	size, err := st.PutExpect(body, hash)
	var tl *docstore.TooLargeError
	var mm *docstore.MismatchError
	switch {
	case errors.As(err, &tl):
		return echo.NewHTTPError(http.StatusRequestEntityTooLarge, err.Error()+".")
	case errors.As(err, &mm):
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "The upload does not match its address: "+err.Error()+". Nothing was stored.")
	case err != nil:
		return err
	}
	if !had && !clerk {
		h.quotas.charge(who, size, time.Now())
	}
	h.Log().Info("document stored", "hash", hash, "size", size, "account", who, "new", !had)
	code := http.StatusCreated
	if had {
		code = http.StatusOK
	}
	return c.JSON(code, Uploaded{Hash: hash, Size: size, URL: "/documents/" + hash, New: !had})
}

// citation is what the chain says about a document: whether any record
// citing it is restricted, and who the parties are.
type citation struct {
	cited      bool
	restricted bool
	named      []string            // accounts a cited party registration names
	signers    []ed25519.PublicKey // keys that signed a citing transaction
}

// isParty says whether account is one of the parties: named by a cited
// party registration, or controlling a key that signed a citing
// transaction. Keys are resolved only here, so a public document's
// download costs no account reads.
func (ct citation) isParty(c echo.Context, cl *client.Client, account string) (bool, error) {
	if slices.Contains(ct.named, account) {
		return true, nil
	}
	for _, pub := range ct.signers {
		acct, err := cl.AccountByKey(c.Request().Context(), pub)
		if err != nil {
			return false, portal.Unavailable(err, "account by key")
		}
		if acct != nil && acct.ID == account {
			return true, nil
		}
	}
	return false, nil
}

// cites finds the successful transactions citing hash (the node's
// transaction index, event land.document.hash) and checks that each one's
// message names exactly that hash.
func cites(c echo.Context, cl *client.Client, hash string) (citation, error) {
	ctx := c.Request().Context()
	var out citation
	per := 100
	for page := 1; ; page++ {
		res, err := cl.RPC.TxSearch(ctx, land.EventDocument+".hash='"+hash+"'", false, &page, &per, "asc")
		if err != nil {
			return out, portal.Unavailable(err, "tx_search document", hash)
		}
		for _, r := range res.Txs {
			if r.TxResult.Code != 0 {
				continue
			}
			t, err := tx.Decode(r.Tx)
			if err != nil || !strings.Contains(string(t.Msg), `"`+hash+`"`) {
				continue
			}
			out.cited = true
			if slices.Contains(RestrictedTypes, t.MsgType) {
				out.restricted = true
			}
			for _, s := range t.Signatures {
				if !slices.ContainsFunc(out.signers, func(k ed25519.PublicKey) bool { return k.Equal(s.PubKey) }) {
					out.signers = append(out.signers, s.PubKey)
				}
			}
			if t.MsgType == land.TypeRegisterParty {
				var m land.MsgRegisterParty
				if json.Unmarshal(t.Msg, &m) == nil {
					out.named = append(out.named, m.Accounts...)
				}
			}
		}
		if page*per >= res.TotalCount || len(res.Txs) == 0 {
			return out, nil
		}
	}
}

// get serves GET /documents/<sha256>.
func (h *handlers) get(c echo.Context) error {
	hash, err := parseHash(c)
	if err != nil {
		return err
	}
	st, err := h.docs()
	if err != nil {
		return err
	}
	cl, err := h.Client(c)
	if err != nil {
		return err
	}
	who, err := h.requester(c, cl, hash)
	if err != nil {
		return err
	}
	cit, err := cites(c, cl, hash)
	if err != nil {
		return err
	}
	if !cit.cited {
		return notFound(c, "No record on the chain cites the document "+hash+".")
	}
	if cit.restricted {
		allowed := false
		if who != "" {
			a, err := cl.Account(c.Request().Context(), who)
			if err != nil {
				return portal.Unavailable(err, "account", who)
			}
			allowed = a != nil && a.HasRole(authority.RoleClerk)
			if !allowed {
				if allowed, err = cit.isParty(c, cl, who); err != nil {
					return err
				}
			}
		}
		if !allowed {
			msg := "This document rests behind a mortgage or a party record: only clerks and the parties may read it."
			if who == "" {
				msg += " Sign in with a key that signed for it."
			}
			return echo.NewHTTPError(http.StatusForbidden, msg)
		}
	}
	f, size, err := st.GetVerified(hash)
	var mm *docstore.MismatchError
	switch {
	case errors.Is(err, docstore.ErrNotFound):
		return notFound(c, "The register cites the document "+hash+", but this portal holds no copy of it.")
	case errors.As(err, &mm):
		h.Log().Error("stored document does not match its hash on the chain; not served", "hash", hash, "got", mm.Got, "request_id", c.Response().Header().Get(echo.HeaderXRequestID))
		return echo.NewHTTPError(http.StatusInternalServerError, "The stored copy of this document does not match its hash on the chain, so it was not served. The registry's log records it.").SetInternal(err)
	case err != nil:
		return err
	}
	defer f.Close()
	extendDeadlines(c)
	head := make([]byte, 512)
	n, _ := f.ReadAt(head, 0)
	hd := c.Response().Header()
	hd.Set(echo.HeaderContentType, contentType(head[:n]))
	hd.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s%s"`, hash[:16], extension(head[:n])))
	hd.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	hd.Set(echo.HeaderContentLength, strconv.FormatInt(size, 10))
	hd.Set("ETag", `"`+hash+`"`)
	hd.Set("Digest", "sha-256="+hashBase64(hash))
	if cit.restricted {
		hd.Set("Cache-Control", "private, no-store")
	} else {
		hd.Set("Cache-Control", "no-cache")
	}
	if c.Request().Header.Get("If-None-Match") == `"`+hash+`"` {
		return c.NoContent(http.StatusNotModified)
	}
	c.Response().WriteHeader(http.StatusOK)
	_, err = f.WriteTo(c.Response())
	return err
}

// TransferTime bounds an upload or a download of one document.
const TransferTime = 10 * time.Minute

func extendDeadlines(c echo.Context) {
	rc := http.NewResponseController(c.Response())
	until := time.Now().Add(TransferTime)
	_ = rc.SetReadDeadline(until)
	_ = rc.SetWriteDeadline(until)
}

// safeTypes are the content types a document is served as; anything else
// (HTML, scripts, SVG) is served as bytes, always as an attachment.
var safeTypes = map[string]string{
	"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp",
	"text/plain; charset=utf-8": ".txt",
}

func contentType(head []byte) string {
	if t := http.DetectContentType(head); safeTypes[t] != "" {
		return t
	}
	return "application/octet-stream"
}

func extension(head []byte) string {
	if e, ok := safeTypes[contentType(head)]; ok {
		return e
	}
	return ".bin"
}

func hashBase64(h string) string {
	b, _ := hex.DecodeString(h)
	return base64.StdEncoding.EncodeToString(b)
}
