package portal

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/publica/publica/tx"
	"github.com/publica/publica/web/i18n"
	"github.com/publica/publica/web/ui"
	"github.com/publica/publica/x/authority"
)

// Sign-in and sessions.
//
// GET /signin issues a challenge: a random nonce, an expiry and the origin
// the page was served from, sealed with an HMAC under the server's secret so
// the server keeps no state until it is answered. The browser signs
// ChallengeBytes with the key it holds and posts the signature and public
// key back; the server checks the seal, the expiry, the origin, that the
// nonce was not used before, the signature, and that the key controls an
// account. It then sets a session cookie (HttpOnly, SameSite=Strict, Secure
// over TLS) naming a server-side session of SessionTTL.
const (
	SessionCookie  = "publica_session"
	SessionTTL     = 8 * time.Hour
	ChallengeTTL   = 5 * time.Minute
	signInDomain   = "publica/signin/v1\x00"
	maxSessions    = 100_000
	challengeNonce = 16
)

// ChallengeBytes are the bytes a key signs to sign in: a domain distinct
// from transactions ("publica/tx/v1"), so a sign-in signature can never be
// a transaction signature, then the origin, the nonce (hex) and the expiry
// (Unix seconds), separated by zero bytes.
func ChallengeBytes(origin, nonce string, expires int64) []byte {
	return []byte(signInDomain + origin + "\x00" + nonce + "\x00" + strconv.FormatInt(expires, 10))
}

type session struct {
	account, pubkey string
	expires         time.Time
}

type sessionStore struct {
	mu       sync.Mutex
	sessions map[string]session   // by sha256(cookie value)
	used     map[string]time.Time // challenge nonces answered, until they expire
}

func newSessionStore() *sessionStore {
	return &sessionStore{sessions: map[string]session{}, used: map[string]time.Time{}}
}

func sessionKey(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

func (st *sessionStore) prune(now time.Time) {
	for k, s := range st.sessions {
		if now.After(s.expires) {
			delete(st.sessions, k)
		}
	}
	for k, exp := range st.used {
		if now.After(exp) {
			delete(st.used, k)
		}
	}
}

// useNonce marks a challenge nonce as answered; false if it already was.
func (st *sessionStore) useNonce(nonce string, until time.Time) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, ok := st.used[nonce]; ok {
		return false
	}
	if len(st.used) > maxSessions {
		st.prune(time.Now())
	}
	st.used[nonce] = until
	return true
}

func (st *sessionStore) create(account, pubkey string) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	token := hex.EncodeToString(b)
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.sessions) >= maxSessions {
		st.prune(time.Now())
		if len(st.sessions) >= maxSessions {
			return "", errors.New("too many sessions")
		}
	}
	st.sessions[sessionKey(token)] = session{account: account, pubkey: pubkey, expires: time.Now().Add(SessionTTL)}
	return token, nil
}

func (st *sessionStore) get(token string) (session, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	s, ok := st.sessions[sessionKey(token)]
	if !ok || time.Now().After(s.expires) {
		return session{}, false
	}
	return s, true
}

func (st *sessionStore) remove(token string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	delete(st.sessions, sessionKey(token))
}

// Origin is the portal's origin, for every link it writes and the
// challenges it binds: Options.PublicOrigin, or else the address the
// server listens on (http://localhost:PORT for an unspecified host; plain
// http://localhost before Start). Never the request's Host header nor a
// forwarded header: a client sets those, and a certificate's QR code or a
// co-signing link must not point where a forged request says.
func (s *Server) Origin(echo.Context) string {
	if s.origin != "" {
		return s.origin
	}
	return ListenOrigin(s.Addr())
}

// signinOrigin is the origin a sign-in challenge is bound to:
// Options.PublicOrigin, or else the scheme and Host of the request as
// this server received it. The browser's script refuses to sign a
// challenge for another origin than the page's (web/static/sign.js), so
// the Host a browser sent is the right one here, and a forged Host only
// makes a challenge its sender's own browser will not sign; links never
// use it (Origin).
func (s *Server) signinOrigin(c echo.Context) string {
	if s.origin != "" {
		return s.origin
	}
	scheme := "http"
	if c.Request().TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + c.Request().Host
}

// ListenOrigin is the origin of a portal listening on addr (host:port)
// when no public URL is set.
func ListenOrigin(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || addr == "" {
		return "http://localhost"
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// strictTransport sends HSTS (Options.HSTS) on responses served over TLS
// or for an https public origin.
func (s *Server) strictTransport(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.hsts && (c.Request().TLS != nil || strings.HasPrefix(s.origin, "https://")) {
			c.Response().Header().Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		return next(c)
	}
}

func (s *Server) secureCookies(c echo.Context) bool {
	return c.Request().TLS != nil || strings.HasPrefix(s.origin, "https://")
}

// csrf protects every state-changing request. Browsers that send
// Sec-Fetch-Site are checked by it (same-origin only); others must echo
// the _csrf cookie's token in the form (double submit).
func (s *Server) csrf() echo.MiddlewareFunc {
	return middleware.CSRFWithConfig(middleware.CSRFConfig{
		Skipper: func(c echo.Context) bool {
			p := c.Request().URL.Path
			return strings.HasPrefix(p, "/static/") || strings.HasPrefix(p, "/api/") || p == "/healthz"
		},
		TokenLookup:    "form:" + ui.CSRFField,
		CookieName:     "_csrf",
		CookiePath:     "/",
		CookieHTTPOnly: true,
		CookieSecure:   strings.HasPrefix(s.origin, "https://"),
		CookieSameSite: http.SameSiteStrictMode,
		ErrorHandler: func(err error, c echo.Context) error {
			return echo.NewHTTPError(http.StatusForbidden,
				"This form was not sent from this site, or it has expired. Go back, reload the page and try again.").SetInternal(err)
		},
	})
}

// viewer puts the signed-in account and the CSRF token into the request
// context, where the components find them.
func (s *Server) viewer(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		v := ui.Viewer{}
		if tok, ok := c.Get("csrf").(string); ok {
			v.CSRF = tok
		}
		if ck, err := c.Cookie(SessionCookie); err == nil {
			if ss, ok := s.sessions.get(ck.Value); ok {
				v.Account, v.PubKey = ss.account, ss.pubkey
			}
		}
		c.SetRequest(c.Request().WithContext(ui.WithViewer(c.Request().Context(), v)))
		return next(c)
	}
}

// MAC is the hex HMAC of parts (each ended by a zero byte) under the
// server's secret: what seals sign-in challenges and prepared transactions.
func (s *Server) MAC(parts ...string) string {
	m := hmac.New(sha256.New, s.secret)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return hex.EncodeToString(m.Sum(nil))
}

// KeysPage serves GET /keys: everything there happens in the browser.
func (s *Server) KeysPage(c echo.Context) error {
	return Render(c, http.StatusOK, ui.KeysPage())
}

// SignInPage serves GET /signin with a fresh challenge.
func (s *Server) SignInPage(c echo.Context) error {
	return s.renderSignIn(c, http.StatusOK, nil)
}

func (s *Server) renderSignIn(c echo.Context, code int, errs []ui.FormError) error {
	p, err := s.SignInChallenge(c)
	if err != nil {
		return err
	}
	p.Errors = errs
	c.Response().Header().Set("Cache-Control", "no-store")
	return Render(c, code, ui.SignInForm(p))
}

// SignInChallenge makes a fresh one-time sign-in challenge for this site,
// to be posted to /signin with its signature (the sign-in page's form; a
// page that signs in another way, such as the development chain's guided
// visit, uses one per form).
func (s *Server) SignInChallenge(c echo.Context) (ui.SignInPage, error) {
	nb := make([]byte, challengeNonce)
	if _, err := rand.Read(nb); err != nil {
		return ui.SignInPage{}, err
	}
	nonce := hex.EncodeToString(nb)
	origin := s.signinOrigin(c)
	exp := time.Now().Add(ChallengeTTL).Unix()
	token := nonce + "." + strconv.FormatInt(exp, 10) + "." + s.MAC("signin", origin, nonce, strconv.FormatInt(exp, 10))
	return ui.SignInPage{
		Origin: origin, Challenge: token, SignBytes: hex.EncodeToString(ChallengeBytes(origin, nonce, exp)),
		Expires: time.Unix(exp, 0).UTC().Format("15:04:05 UTC"),
	}, nil
}

// SignIn serves POST /signin: it checks the signed challenge and starts a
// session. Every refusal shows the page again, with a new challenge, an
// error summary and status 422.
func (s *Server) SignIn(c echo.Context) error {
	refuse := func(key string, args ...any) error { // a message of web/i18n's catalog
		return s.renderSignIn(c, http.StatusUnprocessableEntity, []ui.FormError{{Message: i18n.T(c.Request().Context(), key, args...)}})
	}
	parts := strings.Split(c.FormValue("challenge"), ".")
	if len(parts) != 3 {
		return refuse("signin.err.damaged")
	}
	nonce, expStr, mac := parts[0], parts[1], parts[2]
	origin := s.signinOrigin(c)
	if !hmac.Equal([]byte(mac), []byte(s.MAC("signin", origin, nonce, expStr))) {
		return refuse("signin.err.foreign")
	}
	exp, err := strconv.ParseInt(expStr, 10, 64)
	if err != nil || time.Now().Unix() > exp {
		return refuse("signin.err.expired")
	}
	pub, err := authority.ParsePubKey(c.FormValue("pubkey"))
	if err != nil {
		return refuse("signin.err.nokey")
	}
	sig, err := hex.DecodeString(c.FormValue("signature"))
	if err != nil || len(sig) != ed25519.SignatureSize || !ed25519.Verify(pub, ChallengeBytes(origin, nonce, exp), sig) {
		return refuse("signin.err.signature")
	}
	if !s.sessions.useNonce(nonce, time.Unix(exp, 0)) {
		return refuse("signin.err.used")
	}
	cl, err := s.Client(c)
	if err != nil {
		return err
	}
	acct, err := cl.AccountByKey(c.Request().Context(), pub)
	if err != nil {
		return err
	}
	if acct == nil {
		return refuse("signin.err.unregistered", tx.AccountID(pub))
	}
	// A new session id on every sign-in (no fixation); drop the old one.
	if ck, err := c.Cookie(SessionCookie); err == nil {
		s.sessions.remove(ck.Value)
	}
	token, err := s.sessions.create(acct.ID, hex.EncodeToString(pub))
	if err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{Name: SessionCookie, Value: token, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: s.secureCookies(c), MaxAge: int(SessionTTL / time.Second)})
	return c.Redirect(http.StatusSeeOther, "/accounts/"+acct.ID)
}

// SignOut serves POST /signout: it ends the session and clears the cookie.
func (s *Server) SignOut(c echo.Context) error {
	if ck, err := c.Cookie(SessionCookie); err == nil {
		s.sessions.remove(ck.Value)
	}
	c.SetCookie(&http.Cookie{Name: SessionCookie, Value: "", Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: s.secureCookies(c), MaxAge: -1})
	return c.Redirect(http.StatusSeeOther, "/signin")
}
