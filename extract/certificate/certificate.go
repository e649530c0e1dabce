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

// PDF renders the certificate.
func (c *Certificate) PDF() ([]byte, error) {
	code, err := c.QR()
	if err != nil {
		return nil, err
	}
	res, x := c.Result, c.Extract
	t := res.Title
	f := fpdf.New("P", "mm", "A4", "")
	f.SetCatalogSort(true) // fonts and resources in a fixed order: the same bytes every time
	f.SetCompression(true)
	f.SetCreationDate(c.Time) // pdfa.Convert writes the dates; these keep fpdf off the clock
	f.SetModificationDate(c.Time)
	f.SetLang("en")
	f.SetMargins(margin, margin, margin)
	f.SetAutoPageBreak(true, margin)
	pdfa.AddFonts(f) // PDF/A wants every font embedded: DejaVu, not the core fonts
	// font selects a font; tr then prepares text for it (a character the
	// font lacks is printed as U+FFFD, never as the font's blank glyph).
	var family, style string
	var textErr error
	font := func(fam, st string, size float64) {
		family, style = fam, st
		f.SetFont(fam, st, size)
	}
	tr := func(s string) string {
		p, err := pdfa.Printable(family, style, s)
		if err != nil && textErr == nil {
			textErr = err
		}
		return p
	}
	f.SetAttachments([]fpdf.Attachment{{Content: c.JSON, Filename: c.AttachmentName(),
		Description: "Title extract of " + t.ID + " at block " + strconv.FormatInt(res.Height, 10) + " (SHA-256 " + c.SHA256 + ")"}})
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

	textW := content - qrSide - 6
	f.SetXY(margin, margin)
	font(pdfa.Sans, "", 10)
	f.CellFormat(textW, lineH, tr("Land registry · chain "+x.ChainID), "", 1, "L", false, 0, "")
	font(pdfa.Sans, "B", 20)
	f.CellFormat(textW, 10, tr("Title certificate"), "", 1, "L", false, 0, "")
	font(pdfa.Sans, "B", 14)
	f.CellFormat(textW, 8, tr("Register of title "+t.ID), "", 1, "L", false, 0, "")
	font(pdfa.Sans, "", 10)
	f.MultiCell(textW, lineH, tr("The register as it stood at block "+group(res.Height)+" ("+c.Time.Format("2 January 2006 15:04:05 UTC")+
		"), proven against the signed header of block "+group(res.Height+1)+"."), "", "L", false)
	f.SetY(max(f.GetY(), margin+qrSide) + 4)

	section := func(name string) {
		f.Ln(3)
		font(pdfa.Sans, "B", 12)
		f.CellFormat(content, 7, tr(name), "B", 1, "L", false, 0, "")
		f.Ln(1)
	}
	row := func(label, value string, mono bool) {
		font(pdfa.Sans, "B", 9)
		y := f.GetY()
		f.MultiCell(labelW, lineH, tr(label), "", "L", false)
		yl := f.GetY()
		f.SetXY(margin+labelW, y)
		if mono {
			font(pdfa.Mono, "", 8.5)
		} else {
			font(pdfa.Sans, "", 9)
		}
		f.MultiCell(content-labelW, lineH, tr(value), "", "L", false)
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
			return "party " + id + " (record not in the extract)"
		}
		if !slices.Contains(accounts, id) {
			accounts = append(accounts, id)
		}
		return "the holder of account " + strconv.Itoa(slices.Index(accounts, id)+1) + " under Technical details"
	}

	section("Title")
	row("Title", t.ID, false)
	row("Tenure", t.Tenure, false)
	row("Status", t.Status, false)
	row("Registered at block", group(t.Registered), false)
	if len(t.Parents) > 0 {
		row("Replaces titles", strings.Join(t.Parents, ", "), false)
	}
	if len(t.Children) > 0 {
		row("Replaced by titles", strings.Join(t.Children, ", "), false)
	}

	section("Owners and shares")
	for _, o := range t.Owners {
		row("Share "+o.Share, who(o.Party), false)
	}

	section("Parcels")
	for _, p := range res.Parcels {
		desc := p.CadastralRef + ", " + area(p.AreaM2) + " m²"
		if p.Address != "" {
			desc += ", " + p.Address
		}
		row("Parcel "+p.ID, desc, false)
	}

	section("Mortgages")
	if len(t.Mortgages) == 0 {
		row("", "None registered.", false)
	}
	for _, m := range t.Mortgages {
		row("Mortgage "+m.ID, "Rank "+strconv.FormatInt(m.Rank, 10)+": "+money.Format(m.Amount, m.Currency, language.English)+
			" to lender "+who(m.Lender)+", registered at block "+group(m.Registered), false)
	}
	if len(t.Leases)+len(t.Easements) > 0 {
		section("Leases and easements")
		for _, l := range t.Leases {
			row("Lease "+l.ID, "To "+who(l.Lessee)+" from "+plainDate(l.Start)+" to "+plainDate(l.End), false)
		}
		for _, e := range t.Easements {
			row("Easement "+e.ID, e.Purpose+", benefiting "+strings.Join(e.Benefits, ", "), false)
		}
	}
	section("Caveats")
	if len(t.Caveats) == 0 {
		row("", "None: dealings are not frozen.", false)
	}
	for _, cv := range t.Caveats {
		// A caveat in force that no clerk examined was lodged by a clerk
		// (anyone else's is an application until a clerk accepts it).
		var s string
		switch {
		case cv.Party != "":
			s = "Lodged for " + who(cv.Party)
		case cv.Examined == 0:
			s = "Lodged by a land registry clerk"
		default:
			s = "Lodged by " + who(cv.LodgedBy)
		}
		s += " at block " + group(cv.Lodged)
		if cv.Examined > 0 {
			s += ", accepted by a clerk at block " + group(cv.Examined)
		}
		row("Caveat "+cv.ID, s+": "+cv.Reason+". Dealings are frozen until it is withdrawn or removed.", false)
	}

	if ids := t.PartyIDs(); len(ids)+len(accounts) > 0 {
		section("Technical details: parties")
		for _, id := range ids {
			p := res.Parties[id]
			if p == nil {
				row("Party "+id, "(record not in the extract)", false)
				continue
			}
			desc := p.Name + " (" + strings.ReplaceAll(p.Kind, "-", " ")
			if p.RegistrationNumber != "" {
				desc += ", registration number " + p.RegistrationNumber
			}
			desc += ")"
			if len(p.Accounts) > 0 {
				desc += "; signs with account " + strings.Join(p.Accounts, ", ")
			} else {
				desc += "; no account: a land clerk signs for it on the deed"
			}
			row("Party "+id, desc, false)
		}
		for i, a := range accounts {
			row("Account "+strconv.Itoa(i+1), a+" (no party record)", true)
		}
	}

	section("Technical details: proof")
	row("State at block", group(res.Height), false)
	row("Proven by header", group(res.Height+1)+", signed by more than two thirds of its validators", false)
	row("App hash", fmt.Sprintf("%X", res.AppHash), true)
	row("Validator set hash", fmt.Sprintf("%X", res.ValidatorsHash), true)
	row("Extract SHA-256", c.SHA256, true)
	row("Records proven", strconv.Itoa(len(x.Entries)), false)
	row("Title deed SHA-256", t.Document, true)
	for _, cv := range t.Caveats {
		row("Caveat "+cv.ID, "lodged by account "+cv.LodgedBy, false)
	}

	section("Check this certificate")
	font(pdfa.Sans, "", 9)
	f.MultiCell(content, lineH, tr("Scan the code, or open the address below: the portal fetches the extract of title "+t.ID+
		" at block "+group(res.Height)+", verifies it and checks that its SHA-256 is the one printed here."), "", "L", false)
	font(pdfa.Mono, "", 8)
	f.MultiCell(content, lineH, tr(c.VerifyURL), "", "L", false)
	font(pdfa.Sans, "", 9)
	f.MultiCell(content, lineH, tr("The extract itself is attached to this PDF as "+c.AttachmentName()+
		". Anyone can check it offline, with no portal and no node:"), "", "L", false)
	font(pdfa.Mono, "", 9)
	f.MultiCell(content, lineH, tr("publica verify extract "+c.FileName()), "", "L", false)
	font(pdfa.Sans, "", 8)
	f.MultiCell(content, lineH, tr("Compare the validator set hash with one you trust (publica verify extract --validators-hash)."), "", "L", false)

	if err := errors.Join(f.Error(), textErr); err != nil {
		return nil, fmt.Errorf("certificate PDF: %w", err)
	}
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		return nil, fmt.Errorf("certificate PDF: %w", err)
	}
	// PDF/A-3: metadata in XMP and Info alike, and the extract as the
	// associated file the certificate is printed from.
	pdf, err := pdfa.Convert(buf.Bytes(), pdfa.Meta{
		Title:    "Title certificate " + t.ID + " at block " + strconv.FormatInt(res.Height, 10),
		Subject:  "Register of title " + t.ID + ", proven against app hash " + fmt.Sprintf("%X", res.AppHash),
		Creator:  "Publica portal",
		Producer: "Publica land registry",
		Created:  c.Time,
		Modified: c.Time,
	}, []pdfa.File{{Name: c.AttachmentName(), MIME: "application/json", Relationship: "Source", Modified: c.Time}})
	if err != nil {
		return nil, fmt.Errorf("certificate PDF: %w", err)
	}
	return pdf, nil
}

// plainDate writes a register date (YYYY-MM-DD) as people do:
// "1 January 2027"; anything else is shown as it is.
func plainDate(s string) string {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return s
	}
	return d.Format("2 January 2006")
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
