// Package certificate prints a title extract (package extract) as a title
// certificate: a PDF a person can read, with a QR code that opens the
// portal's check of the same extract, and the extract itself attached so
// `publica verify extract certificate.pdf` checks it with no portal and no
// node. The same extract always gives the same PDF bytes: every date in it
// is the block time of the header that proves the extract.
package certificate

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	cmtjson "github.com/cometbft/cometbft/libs/json"
	"github.com/cometbft/cometbft/types"
	"github.com/go-pdf/fpdf"
	"golang.org/x/text/language"
	"rsc.io/qr"

	"github.com/publica/publica/extract"
	"github.com/publica/publica/internal/pdfa"
	"github.com/publica/publica/web/i18n"
	"github.com/publica/publica/x/land"
	"github.com/publica/publica/x/land/money"
)

// Certificate is a verified extract with what a certificate prints.
type Certificate struct {
	Extract   *extract.Extract
	Result    *extract.Result
	JSON      []byte    // extract.Encode(Extract): the attached file
	SHA256    string    // lowercase hex SHA-256 of JSON
	Time      time.Time // block time of the header that proves the extract
	VerifyURL string    // the portal page that re-checks this extract
}

// VerifyPath is the portal's verify page for the extract of title at
// height whose file has SHA-256 sum.
func VerifyPath(title string, height int64, sum string) string {
	q := url.Values{"title": {title}, "height": {strconv.FormatInt(height, 10)}, "sha256": {sum}}
	return "/land/verify?" + q.Encode()
}

// New verifies x and prepares its certificate; origin is the portal's
// origin ("https://portal.example") the QR code points to.
func New(x *extract.Extract, origin string) (*Certificate, error) {
	res, err := extract.Verify(x)
	if err != nil {
		return nil, fmt.Errorf("the extract does not verify: %w", err)
	}
	b, err := extract.Encode(x)
	if err != nil {
		return nil, err
	}
	sum, err := extract.Digest(x)
	if err != nil {
		return nil, err
	}
	var sh types.SignedHeader
	if err := cmtjson.Unmarshal(x.SignedHeader, &sh); err != nil {
		return nil, fmt.Errorf("signed_header: %w", err)
	}
	return &Certificate{Extract: x, Result: res, JSON: b, SHA256: sum, Time: sh.Header.Time.UTC(),
		VerifyURL: strings.TrimRight(origin, "/") + VerifyPath(x.Title, x.Height, sum)}, nil
}

// FileName is the certificate's download name, e.g. T1-at-42.certificate.pdf.
func (c *Certificate) FileName() string {
	return fmt.Sprintf("%s-at-%d.certificate.pdf", c.Extract.Title, c.Extract.Height)
}

// AttachmentName is the name of the extract inside the PDF.
func (c *Certificate) AttachmentName() string { return c.Extract.Title + ".extract.json" }

// QR is the code of VerifyURL (error correction M: a worn print still scans).
func (c *Certificate) QR() (*qr.Code, error) { return qr.Encode(c.VerifyURL, qr.M) }

// Run is a horizontal run of dark modules of a QR code: row Y, columns
// X to X+W-1. Drawing runs rather than single modules keeps the PDF and
// the SVG small and leaves no hairline gaps between neighbours.
type Run struct{ X, Y, W int }

// Runs lists the dark runs of code, row by row.
func Runs(code *qr.Code) []Run {
	var out []Run
	for y := 0; y < code.Size; y++ {
		for x := 0; x < code.Size; {
			if !code.Black(x, y) {
				x++
				continue
			}
			start := x
			for x < code.Size && code.Black(x, y) {
				x++
			}
			out = append(out, Run{X: start, Y: y, W: x - start})
		}
	}
	return out
}

// Quiet is the light margin around a QR code, in modules, as ISO/IEC
// 18004 asks.
const Quiet = 4

// Page geometry, in millimetres (A4 portrait).
const (
	margin  = 18.0
	pageW   = 210.0
	qrSide  = 42.0
	lineH   = 5.0
	labelW  = 44.0
	content = pageW - 2*margin
)

// PDF renders the certificate in English.
func (c *Certificate) PDF() ([]byte, error) { return c.render(i18n.English, "") }

// PDFIn renders the certificate in lang: Simplified Chinese
// (i18n.Chinese) or English (any other language). Chinese needs the
// Chinese font (pdfa.ChineseFontPath); without it the certificate is
// printed in English with a note saying so, and fallback says why (an
// error wrapping pdfa.ErrNoChineseFont) for the operator's log.
func (c *Certificate) PDFIn(lang language.Tag) (pdf []byte, fallback, err error) {
	if lang != i18n.Chinese {
		pdf, err = c.render(i18n.English, "")
		return pdf, nil, err
	}
	if fallback = pdfa.ChineseAvailable(); fallback != nil {
		pdf, err = c.render(i18n.English, i18n.Tr(i18n.English, "certpdf.fallback"))
		return pdf, fallback, err
	}
	pdf, err = c.render(i18n.Chinese, "")
	return pdf, nil, err
}

// render prints the certificate in lang (i18n.English or i18n.Chinese),
// with note, if any, under its lead paragraph. An English certificate
// whose register holds Chinese text (a name, an address, a reason) is
// printed again with the Chinese font when there is one: the font is
// added only then, so that every other English certificate stays as it
// was, byte for byte.
func (c *Certificate) render(lang language.Tag, note string) ([]byte, error) {
	if lang == i18n.Chinese {
		pdf, _, err := c.renderWith(lang, note, true)
		return pdf, err
	}
	pdf, wantChinese, err := c.renderWith(lang, note, false)
	if err == nil && wantChinese {
		pdf, _, err = c.renderWith(lang, note, true)
	}
	return pdf, err
}

// renderWith prints the certificate in lang, with the Chinese font if
// cjk; wantChinese reports text that only the Chinese font draws,
// printed without it as U+FFFD.
func (c *Certificate) renderWith(lang language.Tag, note string, cjk bool) (pdf []byte, wantChinese bool, err error) {
	code, err := c.QR()
	if err != nil {
		return nil, false, err
	}
	zh := lang == i18n.Chinese
	T := func(key string, args ...any) string { return i18n.Tr(lang, key, args...) }
	num := func(n int64) string { return i18n.Number(lang, n) }
	day := func(s string) string { // a register date (YYYY-MM-DD)
		d, err := time.Parse(time.DateOnly, s)
		switch {
		case err != nil:
			return s
		case zh:
			return i18n.Date(lang, d)
		}
		return d.Format("2 January 2006")
	}
	word := func(prefix, v string) string { // a value the register stores in English
		if k := prefix + v; zh && i18n.Has(k) {
			return T(k)
		}
		return v
	}
	res, x := c.Result, c.Extract
	t := res.Title
	f := fpdf.New("P", "mm", "A4", "")
	f.SetCatalogSort(true) // fonts and resources in a fixed order: the same bytes every time
	f.SetCompression(true)
	f.SetCreationDate(c.Time) // pdfa.Convert writes the dates; these keep fpdf off the clock
	f.SetModificationDate(c.Time)
	f.SetLang(i18n.HTMLLang(lang))
	f.SetMargins(margin, margin, margin)
	f.SetAutoPageBreak(true, margin)
	pdfa.AddFonts(f) // PDF/A wants every font embedded: DejaVu, not the core fonts
	if cjk {
		if err := pdfa.AddChinese(f); err != nil {
			return nil, false, fmt.Errorf("certificate PDF: %w", err)
		}
	}
	// w.font selects a font; w.line and w.para write text with it (a
	// character no font has is printed as U+FFFD, never as a font's
	// blank glyph).
	w := &writer{f: f, chinese: cjk}
	height := strconv.FormatInt(res.Height, 10)
	f.SetAttachments([]fpdf.Attachment{{Content: c.JSON, Filename: c.AttachmentName(),
		Description: T("certpdf.meta.attachment", t.ID, height, c.SHA256)}})
	f.AddPage()

	// QR code, top right, on a light square with its quiet zone.
	n := float64(code.Size + 2*Quiet)
	mod := qrSide / n
	qx, qy := pageW-margin-qrSide, margin
	f.SetFillColor(255, 255, 255)
	f.Rect(qx, qy, qrSide, qrSide, "F")
	f.SetFillColor(0, 0, 0)
	for _, r := range Runs(code) {
		f.Rect(qx+float64(r.X+Quiet)*mod, qy+float64(r.Y+Quiet)*mod, float64(r.W)*mod, mod, "F")
	}
	f.LinkString(qx, qy, qrSide, qrSide, c.VerifyURL)

	blockTime := c.Time.Format("2 January 2006 15:04:05 UTC")
	if zh {
		blockTime = i18n.DateTime(lang, c.Time)
	}
	textW := content - qrSide - 6
	f.SetXY(margin, margin)
	w.font(pdfa.Sans, "", 10)
	w.line(textW, lineH, T("certpdf.chain", x.ChainID), "")
	w.font(pdfa.Sans, "B", 20)
	w.line(textW, 10, T("certpdf.h1"), "")
	w.font(pdfa.Sans, "B", 14)
	w.line(textW, 8, T("certpdf.register", t.ID), "")
	w.font(pdfa.Sans, "", 10)
	w.para(textW, lineH, T("certpdf.lead", num(res.Height), blockTime, num(res.Height+1)))
	if note != "" {
		w.font(pdfa.Sans, "B", 10)
		w.para(textW, lineH, note)
	}
	f.SetY(max(f.GetY(), margin+qrSide) + 4)

	section := func(key string) {
		f.Ln(3)
		w.font(pdfa.Sans, "B", 12)
		w.line(content, 7, T(key), "B")
		f.Ln(1)
	}
	row := func(label, value string, mono bool) {
		w.font(pdfa.Sans, "B", 9)
		w.breakPage(lineH) // label and value start on the same page
		y := f.GetY()
		w.para(labelW, lineH, label)
		yl := f.GetY()
		f.SetXY(margin+labelW, y)
		if mono {
			w.font(pdfa.Mono, "", 8.5)
		} else {
			w.font(pdfa.Sans, "", 9)
		}
		w.para(content-labelW, lineH, value)
		f.SetY(max(yl, f.GetY()))
	}

	// People and bodies appear by name; an owner, lender, lessee or
	// caveator recorded as a bare account (no party record) is described
	// in words here and its account listed under the technical details,
	// where every id is.
	var accounts []string // bare accounts named by the title, in order
	who := func(id string) string {
		if p := res.Parties[id]; p != nil {
			return p.Name
		}
		if land.IsPartyID(id) {
			return T("certpdf.who.missing", id)
		}
		if !slices.Contains(accounts, id) {
			accounts = append(accounts, id)
		}
		return T("certpdf.who.account", strconv.Itoa(slices.Index(accounts, id)+1))
	}

	section("certpdf.s.title")
	row(T("certpdf.title"), t.ID, false)
	row(T("certpdf.tenure"), word("land.tenure.", t.Tenure), false)
	row(T("certpdf.status"), word("land.tstatus.", t.Status), false)
	row(T("certpdf.registered"), num(t.Registered), false)
	list := ", "
	if zh {
		list = "、"
	}
	if len(t.Parents) > 0 {
		row(T("certpdf.parents"), strings.Join(t.Parents, list), false)
	}
	if len(t.Children) > 0 {
		row(T("certpdf.children"), strings.Join(t.Children, list), false)
	}

	section("certpdf.s.owners")
	for _, o := range t.Owners {
		row(T("certpdf.share", o.Share), who(o.Party), false)
	}

	section("certpdf.s.parcels")
	for _, p := range res.Parcels {
		desc := T("certpdf.parcel.v", p.CadastralRef, area(p.AreaM2))
		if p.Address != "" {
			desc = T("certpdf.parcel.addr", p.CadastralRef, area(p.AreaM2), p.Address)
		}
		row(T("certpdf.parcel", p.ID), desc, false)
	}

	section("certpdf.s.mortgages")
	if len(t.Mortgages) == 0 {
		row("", T("certpdf.nomortgage"), false)
	}
	for _, m := range t.Mortgages {
		row(T("certpdf.mortgage", m.ID), T("certpdf.mortgage.v", num(m.Rank), money.Format(m.Amount, m.Currency, lang),
			who(m.Lender), num(m.Registered)), false)
	}
	if len(t.Leases)+len(t.Easements) > 0 {
		section("certpdf.s.rights")
		for _, l := range t.Leases {
			row(T("certpdf.lease", l.ID), T("certpdf.lease.v", who(l.Lessee), day(l.Start), day(l.End)), false)
		}
		for _, e := range t.Easements {
			row(T("certpdf.easement", e.ID), T("certpdf.easement.v", e.Purpose, strings.Join(e.Benefits, list)), false)
		}
	}
	section("certpdf.s.caveats")
	if len(t.Caveats) == 0 {
		row("", T("certpdf.nocaveat"), false)
	}
	for _, cv := range t.Caveats {
		// A caveat in force that no clerk examined was lodged by a clerk
		// (anyone else's is an application until a clerk accepts it).
		var s string
		switch {
		case cv.Party != "":
			s = T("certpdf.caveat.for", who(cv.Party), num(cv.Lodged))
		case cv.Examined == 0:
			s = T("certpdf.caveat.clerk", num(cv.Lodged))
		default:
			s = T("certpdf.caveat.by", who(cv.LodgedBy), num(cv.Lodged))
		}
		if cv.Examined > 0 {
			s += T("certpdf.caveat.accepted", num(cv.Examined))
		}
		row(T("certpdf.caveat", cv.ID), s+T("certpdf.caveat.reason", cv.Reason), false)
	}

	if ids := t.PartyIDs(); len(ids)+len(accounts) > 0 {
		section("certpdf.s.parties")
		for _, id := range ids {
			p := res.Parties[id]
			if p == nil {
				row(T("certpdf.party", id), T("certpdf.party.missing"), false)
				continue
			}
			kind := strings.ReplaceAll(p.Kind, "-", " ")
			if zh {
				kind = word("land.kind.", p.Kind)
			}
			desc := T("certpdf.party.v", p.Name, kind)
			if p.RegistrationNumber != "" {
				desc = T("certpdf.party.regno", p.Name, kind, p.RegistrationNumber)
			}
			if len(p.Accounts) > 0 {
				desc += T("certpdf.party.accounts", strings.Join(p.Accounts, ", "))
			} else {
				desc += T("certpdf.party.noaccount")
			}
			row(T("certpdf.party", id), desc, false)
		}
		for i, a := range accounts {
			row(T("certpdf.account", strconv.Itoa(i+1)), T("certpdf.account.v", a), true)
		}
	}

	section("certpdf.s.proof")
	row(T("certpdf.stateat"), num(res.Height), false)
	row(T("certpdf.provenby"), T("certpdf.provenby.v", num(res.Height+1)), false)
	row(T("certpdf.apphash"), fmt.Sprintf("%X", res.AppHash), true)
	row(T("certpdf.valhash"), fmt.Sprintf("%X", res.ValidatorsHash), true)
	row(T("certpdf.sha"), c.SHA256, true)
	row(T("certpdf.records"), num(int64(len(x.Entries))), false)
	row(T("certpdf.deed"), t.Document, true)
	for _, cv := range t.Caveats {
		row(T("certpdf.caveat", cv.ID), T("certpdf.caveat.account", cv.LodgedBy), false)
	}

	section("certpdf.s.check")
	w.font(pdfa.Sans, "", 9)
	w.para(content, lineH, T("certpdf.check", t.ID, num(res.Height)))
	w.font(pdfa.Mono, "", 8)
	w.para(content, lineH, c.VerifyURL)
	w.font(pdfa.Sans, "", 9)
	w.para(content, lineH, T("certpdf.attached", c.AttachmentName()))
	w.font(pdfa.Mono, "", 9)
	w.para(content, lineH, "publica verify extract "+c.FileName())
	w.font(pdfa.Sans, "", 8)
	w.para(content, lineH, T("certpdf.trust"))

	if err := errors.Join(f.Error(), w.err); err != nil {
		return nil, false, fmt.Errorf("certificate PDF: %w", err)
	}
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		return nil, false, fmt.Errorf("certificate PDF: %w", err)
	}
	// PDF/A-3: metadata in XMP and Info alike, and the extract as the
	// associated file the certificate is printed from.
	pdf, err = pdfa.Convert(buf.Bytes(), pdfa.Meta{
		Title:    T("certpdf.meta.title", t.ID, height),
		Subject:  T("certpdf.meta.subject", t.ID, fmt.Sprintf("%X", res.AppHash)),
		Creator:  "Publica portal",
		Producer: "Publica land registry",
		Created:  c.Time,
		Modified: c.Time,
	}, []pdfa.File{{Name: c.AttachmentName(), MIME: "application/json", Relationship: "Source", Modified: c.Time}})
	if err != nil {
		return nil, false, fmt.Errorf("certificate PDF: %w", err)
	}
	return pdf, w.wantChinese, nil
}

// area writes an exact area in square metres ("1234.5") with its whole
// metres grouped: "1,234.5".
func area(m2 string) string {
	whole, frac, dot := strings.Cut(m2, ".")
	n, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return m2
	}
	if dot {
		return group(n) + "." + frac
	}
	return group(n)
}

// group writes 12345 as 12,345.
func group(n int64) string {
	s := strconv.FormatInt(n, 10)
	if n < 0 {
		return "-" + group(-n)
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
