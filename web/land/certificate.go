package land

import (
	"cmp"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/publica/publica/client"
	"github.com/publica/publica/extract"
	"github.com/publica/publica/extract/certificate"
	"github.com/publica/publica/web/chain"
	"github.com/publica/publica/web/i18n"
	"github.com/publica/publica/web/portal"
	"github.com/publica/publica/web/ui"
	"github.com/publica/publica/x/land"
)

// Title certificates: the title extract of a given height printed for
// people, as an HTML page and a PDF. Both carry a QR code of the verify
// page's address for that extract (/land/verify?title=&height=&sha256=),
// which fetches the extract again, verifies it and compares its SHA-256;
// the PDF also carries the extract itself as an attached file, which
// `publica verify extract` checks offline.

// canonicalExtract builds the extract of title at height once the header
// that proves it (height+1) is final: committed in block height+2, whose
// commit is the canonical one. Before that the node serves the commit it
// happened to see, whose signatures may differ, and the extract's bytes
// (and so its SHA-256) with them.
func canonicalExtract(ctx context.Context, cl *client.Client, title string, height int64) (*extract.Extract, error) {
	for {
		latest, err := cl.LatestHeight(ctx)
		if err != nil {
			return nil, portal.Unavailable(err)
		}
		if latest >= height+2 {
			break
		}
		select {
		case <-ctx.Done():
			return nil, portal.Unavailable(ctx.Err(), "waiting for block", fmt.Sprint(height+2))
		case <-time.After(50 * time.Millisecond):
		}
	}
	return extract.Build(ctx, cl, title, height)
}

// landCertificate reads the certificate of :id at the page's height.
func (s *handlers) landCertificate(c echo.Context) (*certificate.Certificate, error) {
	id := strings.ToUpper(c.Param("id"))
	if !validID(id, 'T') {
		return nil, echo.NewHTTPError(http.StatusNotFound, "A title is named T followed by its number, such as T1.")
	}
	cl, err := s.Client(c)
	if err != nil {
		return nil, err
	}
	h, err := s.ReadHeight(c)
	if err != nil {
		return nil, err
	}
	x, err := canonicalExtract(c.Request().Context(), cl, id, h)
	if err != nil {
		if strings.Contains(err.Error(), "not found") {
			return nil, echo.NewHTTPError(http.StatusNotFound, "There is no title "+id+" at block "+strconv.FormatInt(h, 10)+".").SetInternal(err)
		}
		if errors.Is(err, chain.ErrUnavailable) {
			return nil, err
		}
		return nil, portal.Unavailable(err, "extract")
	}
	cert, err := certificate.New(x, s.Origin(c))
	if err != nil {
		return nil, portal.Unavailable(err)
	}
	return cert, nil
}

func cacheCertificate(c echo.Context) {
	if c.QueryParam("height") != "" {
		// A past height never changes.
		c.Response().Header().Set("Cache-Control", "public, max-age=86400, immutable")
	} else {
		c.Response().Header().Set("Cache-Control", "no-store")
	}
}

func (s *handlers) landCertificatePage(c echo.Context) error {
	cert, err := s.landCertificate(c)
	if err != nil {
		return err
	}
	code, err := cert.QR()
	if err != nil {
		return err
	}
	v := ui.CertificateView{ChainID: cert.Extract.ChainID, Title: cert.Result.Title, Parcels: cert.Result.Parcels, Parties: cert.Result.Parties,
		Height: cert.Result.Height, Time: cert.Time.Format("2 January 2006, 15:04:05 UTC"),
		AppHash: strings.ToUpper(hex.EncodeToString(cert.Result.AppHash)), ValidatorsHash: strings.ToUpper(hex.EncodeToString(cert.Result.ValidatorsHash)),
		SHA256: cert.SHA256, Records: len(cert.Extract.Entries), VerifyURL: cert.VerifyURL,
		PDFHref:     fmt.Sprintf("/land/titles/%s/certificate.pdf?height=%d", cert.Extract.Title, cert.Extract.Height),
		ExtractHref: fmt.Sprintf("/land/titles/%s/extract.json?height=%d", cert.Extract.Title, cert.Extract.Height),
		PDFName:     cert.FileName(), QRSize: code.Size + 2*certificate.Quiet}
	var d strings.Builder
	for _, r := range certificate.Runs(code) {
		fmt.Fprintf(&d, "M%d %dh%dv1h-%dz", r.X+certificate.Quiet, r.Y+certificate.Quiet, r.W, r.W)
	}
	v.QRPath = d.String()
	cacheCertificate(c)
	return portal.Render(c, http.StatusOK, ui.CertificatePage(v))
}

func (s *handlers) landCertificatePDF(c echo.Context) error {
	cert, err := s.landCertificate(c)
	if err != nil {
		return err
	}
	// The PDF speaks the page's language; a Chinese one needs the Chinese
	// font, without which it is printed in English with a note.
	lang := i18n.Lang(c.Request().Context())
	pdf, fallback, err := cert.PDFIn(lang)
	if err != nil {
		return err
	}
	if fallback != nil {
		lang = i18n.English
		if log := s.Log(); log != nil {
			log.Warn("title certificate printed in English instead of Chinese", "title", cert.Extract.Title, "err", fallback)
		}
	}
	c.Response().Header().Set("Content-Language", i18n.HTMLLang(lang))
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+cert.FileName()+`"`)
	cacheCertificate(c)
	if fallback != nil {
		c.Response().Header().Set("Cache-Control", "no-store") // Chinese once the font is installed
	}
	return c.Blob(http.StatusOK, "application/pdf", pdf)
}

var sha256Re = regexp.MustCompile(`^[0-9a-f]{64}$`)

// landVerifyCertificate serves GET /land/verify?title=&height=&sha256=,
// the address in a certificate's QR code: it fetches that extract from the
// chain, verifies it and checks it is the one the certificate was made of.
func (s *handlers) landVerifyCertificate(c echo.Context) error {
	ctx := c.Request().Context()
	q := c.QueryParams()
	id := strings.ToUpper(strings.TrimSpace(q.Get("title")))
	sum := strings.ToLower(strings.TrimSpace(q.Get("sha256")))
	v := ui.VerifyView{}
	var errs []ui.FormError
	if !validID(id, 'T') {
		errs = append(errs, ui.FormError{Field: "extract", Message: tr(ctx, "land.verify.e.linktitle")})
	}
	h, err := strconv.ParseInt(strings.TrimSpace(q.Get("height")), 10, 64)
	if err != nil || h < 1 {
		errs = append(errs, ui.FormError{Field: "extract", Message: tr(ctx, "land.verify.e.linkheight")})
	}
	if !sha256Re.MatchString(sum) {
		errs = append(errs, ui.FormError{Field: "extract", Message: tr(ctx, "land.verify.e.linksha")})
	}
	refuse := func(errs []ui.FormError) error {
		v.Errors = errs
		return portal.Render(c, http.StatusUnprocessableEntity, ui.VerifyPage(v))
	}
	if len(errs) > 0 {
		return refuse(errs)
	}
	cl, err := s.Client(c)
	if err != nil {
		return err
	}
	latest, err := cl.LatestHeight(ctx)
	if err != nil {
		return portal.Unavailable(err)
	}
	if h+1 > latest {
		return refuse([]ui.FormError{{Field: "extract", Message: tr(ctx, "land.verify.e.notfinal", i18n.NumberIn(ctx, h+1), i18n.NumberIn(ctx, latest))}})
	}
	x, err := canonicalExtract(ctx, cl, id, h)
	if err != nil {
		if strings.Contains(err.Error(), "not found") {
			return refuse([]ui.FormError{{Field: "extract", Message: tr(ctx, "land.verify.e.notitle", id, i18n.NumberIn(ctx, h))}})
		}
		return portal.Unavailable(err, "extract")
	}
	res, err := extract.Verify(x)
	if err != nil {
		return portal.Unavailable(err, "the node's extract does not verify")
	}
	got, err := extract.Digest(x)
	if err != nil {
		return err
	}
	if got != sum {
		return refuse([]ui.FormError{{Field: "extract", Message: tr(ctx, "land.verify.e.mismatch", id, i18n.NumberIn(ctx, h), got, sum)}})
	}
	v.Verdict = &ui.VerifyVerdict{ChainID: x.ChainID, Title: res.Title, Parcels: res.Parcels, Parties: res.Parties, Height: res.Height,
		AppHash: strings.ToUpper(hex.EncodeToString(res.AppHash)), ValidatorsHash: strings.ToUpper(hex.EncodeToString(res.ValidatorsHash)),
		Records: len(x.Entries), SHA256: got}
	if v.Verdict.Since, err = titleSince(ctx, cl, res.Title, res.Height); err != nil {
		return err
	}
	return portal.Render(c, http.StatusOK, ui.VerifyPage(v))
}

// titleSince reads what happened to a certified title after height: the
// title now and every dealing recorded on its parcels since (each once,
// oldest first), at the latest settled height.
func titleSince(ctx context.Context, cl *client.Client, t *land.Title, height int64) (*ui.SinceView, error) {
	latest, err := cl.LatestHeight(ctx)
	if err != nil {
		return nil, portal.Unavailable(err)
	}
	sv := &ui.SinceView{Checked: max(latest-1, 1)}
	var now land.Title
	if ok, err := portal.ReadJSON(ctx, cl, "/land/title/"+t.ID, sv.Checked, &now); err != nil {
		return nil, err
	} else if ok {
		sv.Now = &now
	}
	seen := map[string]bool{}
	for _, p := range t.Parcels {
		var events []land.Event
		if _, err := portal.ReadJSON(ctx, cl, "/land/history/"+p, sv.Checked, &events); err != nil {
			return nil, err
		}
		for _, e := range events {
			if e.Height <= height || seen[e.TxHash+e.Type] {
				continue
			}
			seen[e.TxHash+e.Type] = true
			sv.Events = append(sv.Events, e)
		}
	}
	slices.SortStableFunc(sv.Events, func(a, b land.Event) int { return cmp.Compare(a.Height, b.Height) })
	return sv, nil
}
