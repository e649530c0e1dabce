// Package pdfa turns a PDF written by go-pdf/fpdf into a PDF/A-3b file:
// it adds what fpdf cannot write (an XMP metadata stream, an sRGB output
// intent, the associated-file keys of PDF/A-3, a document ID, a binary
// header comment, the print flag on link annotations) and rewrites the
// cross-reference table. It also ships the fonts to draw with
// (AddFonts): PDF/A wants every font embedded, and fpdf's core fonts
// are not.
//
// It reads only the layout fpdf writes (one revision, objects in the
// clear, a classic xref table) and refuses what it cannot make
// conformant (a font that is not embedded, JavaScript, encryption)
// instead of writing a file that claims a conformance it lacks.
package pdfa

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/go-pdf/fpdf"
)

var (
	//go:embed sRGB.icc
	sRGB []byte
	//go:embed DejaVuSans.ttf
	sans []byte
	//go:embed DejaVuSans-Bold.ttf
	sansBold []byte
	//go:embed DejaVuSansMono.ttf
	mono []byte
)

// Font families AddFonts registers.
const (
	Sans = "DejaVuSans"     // styles "" and "B"
	Mono = "DejaVuSansMono" // style ""
)

// AddFonts registers the embedded DejaVu fonts with f (as UTF-8 fonts:
// fpdf embeds the subset a document uses). Each document gets its own
// copy of the font files: fpdf 0.9.0's subsetter writes into the bytes
// it is given (reading the metrics of a glyph past the font's last full
// hmtx entry appends to a slice of them), which would change the next
// document's fonts.
func AddFonts(f *fpdf.Fpdf) {
	f.AddUTF8FontFromBytes(Sans, "", slices.Clone(sans))
	f.AddUTF8FontFromBytes(Sans, "B", slices.Clone(sansBold))
	f.AddUTF8FontFromBytes(Mono, "", slices.Clone(mono))
}

// Meta is the document's metadata, written both to the Info dictionary
// and to the XMP stream so that the two agree, as PDF/A requires.
type Meta struct {
	Title, Subject    string
	Creator, Producer string // the tool that made the content, the one that wrote the PDF
	Created, Modified time.Time
}

// File describes one file fpdf attached (fpdf.SetAttachments), in the
// same order: PDF/A-3 wants its MIME type and its relationship to the
// document.
type File struct {
	Name         string    // the attachment's file name, as given to fpdf
	MIME         string    // e.g. "application/json"
	Relationship string    // Source, Data, Alternative, Supplement or Unspecified
	Modified     time.Time // zero: the document's Modified
}

// Conformance is what Convert declares in the XMP: PDF/A-3, level B.
const (
	Part        = 3
	Conformance = "B"
)

type object struct {
	num  int
	body []byte // between "N 0 obj\n" and "endobj"
}

// dict is the object's dictionary: its body up to the stream keyword.
func (o *object) dict() []byte {
	if i := bytes.Index(o.body, []byte("stream\n")); i >= 0 {
		return o.body[:i]
	}
	return o.body
}

var (
	startxrefRe = regexp.MustCompile(`startxref\s+(\d+)\s+%%EOF\s*$`)
	rootRe      = regexp.MustCompile(`/Root (\d+) 0 R`)
	infoRe      = regexp.MustCompile(`/Info (\d+) 0 R`)
	typeRe      = regexp.MustCompile(`/Type\s*/(\w+)`)
	subtypeRe   = regexp.MustCompile(`/Subtype\s*/(\w+)`)
	ufRe        = regexp.MustCompile(`/UF \(`)
	efRe        = regexp.MustCompile(`/EF << /F (\d+) 0 R >>`)
	fontFileRe  = regexp.MustCompile(`/FontFile[23]? \d+ 0 R`)
	linkRe      = regexp.MustCompile(`/Type /Annot /Subtype /(\w+) `)
	utf8FontRe  = regexp.MustCompile(`(/BaseFont|/FontName) /utf8([A-Za-z0-9]+)`)
)

// Convert returns pdf, as fpdf wrote it, as a PDF/A-3b file with m as
// its metadata and files describing its attachments.
func Convert(pdf []byte, m Meta, files []File) ([]byte, error) {
	objs, trailer, err := parse(pdf)
	if err != nil {
		return nil, fmt.Errorf("PDF/A: %w", err)
	}
	if bytes.Contains(trailer, []byte("/Encrypt")) {
		return nil, errors.New("PDF/A: an encrypted PDF cannot be PDF/A")
	}
	ref := func(re *regexp.Regexp, what string) (*object, error) {
		mm := re.FindSubmatch(trailer)
		if mm == nil {
			return nil, fmt.Errorf("PDF/A: the trailer has no %s", what)
		}
		n, _ := strconv.Atoi(string(mm[1]))
		if n < 1 || n > len(objs) {
			return nil, fmt.Errorf("PDF/A: the trailer's %s is object %d, which is not in the file", what, n)
		}
		return &objs[n-1], nil
	}
	catalog, err := ref(rootRe, "/Root")
	if err != nil {
		return nil, err
	}
	info, err := ref(infoRe, "/Info")
	if err != nil {
		return nil, err
	}
	info.body = []byte(infoDict(m) + "\n")

	var filespecs []int
	descriptors := map[int]bool{}
	for i := range objs {
		o := &objs[i]
		d := o.dict()
		var typ, sub string
		if mm := typeRe.FindSubmatch(d); mm != nil {
			typ = string(mm[1])
		}
		if mm := subtypeRe.FindSubmatch(d); mm != nil {
			sub = string(mm[1])
		}
		switch {
		case bytes.Contains(d, []byte("/S /JavaScript")) || bytes.Contains(d, []byte("/JavaScript ")):
			return nil, errors.New("PDF/A: the PDF has JavaScript, which PDF/A forbids")
		case typ == "Metadata":
			return nil, errors.New("PDF/A: the PDF already has an XMP stream (do not call SetXmpMetadata: Convert writes it)")
		case typ == "Font" && (sub == "Type1" || sub == "TrueType" || sub == "MMType1") && !bytes.Contains(d, []byte("/FontDescriptor")):
			return nil, fmt.Errorf("PDF/A: font %s is not embedded (a PDF core font? use the fonts of AddFonts)", fontName(d))
		case typ == "FontDescriptor":
			if !fontFileRe.Match(d) {
				return nil, fmt.Errorf("PDF/A: font %s is not embedded", fontName(d))
			}
			descriptors[o.num] = true
		case typ == "Page":
			for _, mm := range linkRe.FindAllSubmatch(d, -1) {
				if string(mm[1]) != "Link" {
					return nil, fmt.Errorf("PDF/A: %s annotations are not supported", mm[1])
				}
			}
			// Every annotation must print (flag 4), as PDF/A asks.
			o.body = bytes.ReplaceAll(o.body, []byte("/Type /Annot /Subtype /Link "), []byte("/Type /Annot /Subtype /Link /F 4 "))
		case typ == "Filespec":
			filespecs = append(filespecs, o.num)
		}
	}
	// fpdf embeds subsets of its UTF-8 fonts under their plain names;
	// ISO 32000 wants a subset's name tagged ("ABCDEF+Name").
	sum := sha256.Sum256(pdf)
	for i := range objs {
		d := objs[i].dict()
		if t := typeRe.FindSubmatch(d); t == nil || (string(t[1]) != "Font" && string(t[1]) != "FontDescriptor") {
			continue
		}
		objs[i].body = utf8FontRe.ReplaceAllFunc(objs[i].body, func(m []byte) []byte {
			sm := utf8FontRe.FindSubmatch(m)
			return fmt.Appendf(nil, "%s /%s+%s", sm[1], subsetTag(sum[:], sm[2]), sm[2])
		})
	}

	if len(filespecs) != len(files) {
		return nil, fmt.Errorf("PDF/A: the PDF has %d attached files, %d described", len(filespecs), len(files))
	}

	// The associated files: relationship and name on the file
	// specification, MIME type and date on the embedded stream.
	for k, n := range filespecs {
		fs, file := &objs[n-1], files[k]
		if !slices.Contains([]string{"Source", "Data", "Alternative", "Supplement", "Unspecified"}, file.Relationship) {
			return nil, fmt.Errorf("PDF/A: %s: relationship %q is not one PDF/A-3 knows", file.Name, file.Relationship)
		}
		if file.MIME == "" {
			return nil, fmt.Errorf("PDF/A: %s: no MIME type", file.Name)
		}
		uf, err := textAfter(fs.body, ufRe)
		if err != nil || uf != file.Name {
			return nil, fmt.Errorf("PDF/A: attached file %d is %q, described as %q", k+1, uf, file.Name)
		}
		mm := efRe.FindSubmatch(fs.body)
		if mm == nil {
			return nil, fmt.Errorf("PDF/A: attached file %s has no embedded stream", file.Name)
		}
		en, _ := strconv.Atoi(string(mm[1]))
		if en < 1 || en > len(objs) || !bytes.Contains(objs[en-1].dict(), []byte("/Type /EmbeddedFile")) {
			return nil, fmt.Errorf("PDF/A: attached file %s: object %d is not an embedded file", file.Name, en)
		}
		fs.body = bytes.Replace(fs.body, []byte("/F () "), []byte("/F "+literal([]byte(asciiName(file.Name)))+" "), 1)
		if fs.body, err = addKeys(fs.body, "/AFRelationship /"+file.Relationship); err != nil {
			return nil, fmt.Errorf("PDF/A: %s: %w", file.Name, err)
		}
		ef := &objs[en-1]
		if !bytes.Contains(ef.dict(), []byte("/Type /EmbeddedFile ")) || !bytes.Contains(ef.dict(), []byte("/Params << ")) {
			return nil, fmt.Errorf("PDF/A: %s: the embedded file's dictionary is not as fpdf writes it", file.Name)
		}
		ef.body = bytes.Replace(ef.body, []byte("/Type /EmbeddedFile "), []byte("/Type /EmbeddedFile /Subtype "+name(file.MIME)+" "), 1)
		mod := file.Modified
		if mod.IsZero() {
			mod = m.Modified // the file is as old as the document
		}
		ef.body = bytes.Replace(ef.body, []byte("/Params << "), []byte("/Params << /ModDate "+literal([]byte(pdfDate(mod)))+" "), 1)
	}

	// New objects: the XMP stream, the ICC profile, the output intent.
	n := len(objs)
	xmpNum, iccNum, intentNum := n+1, n+2, n+3
	x := xmp(m)
	objs = append(objs,
		object{xmpNum, fmt.Appendf(nil, "<< /Type /Metadata /Subtype /XML /Length %d >>\nstream\n%s\nendstream\n", len(x), x)},
		object{iccNum, fmt.Appendf(nil, "<< /N 3 /Length %d >>\nstream\n%s\nendstream\n", len(sRGB), sRGB)},
		object{intentNum, fmt.Appendf(nil, "<< /Type /OutputIntent /S /GTS_PDFA1 /OutputConditionIdentifier (sRGB IEC61966-2.1) "+
			"/RegistryName (http://www.color.org) /Info (sRGB IEC61966-2.1) /DestOutputProfile %d 0 R >>\n", iccNum)})
	keys := fmt.Sprintf("/Metadata %d 0 R\n/OutputIntents [%d 0 R]", xmpNum, intentNum)
	if len(filespecs) > 0 {
		var af []string
		for _, n := range filespecs {
			af = append(af, strconv.Itoa(n)+" 0 R")
		}
		keys += "\n/AF [" + strings.Join(af, " ") + "]"
	}
	catalog = &objs[catalog.num-1] // append may have moved the objects
	if catalog.body, err = addKeys(catalog.body, keys); err != nil {
		return nil, fmt.Errorf("PDF/A: catalog: %w", err)
	}

	// The document ID: the same for the same input, so the same
	// document always gives the same bytes.
	id := hex.EncodeToString(sum[:16])
	var out bytes.Buffer
	out.WriteString("%PDF-1.7\n%\xE2\xE3\xCF\xD3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = out.Len()
		fmt.Fprintf(&out, "%d 0 obj\n", o.num)
		out.Write(o.body)
		out.WriteString("endobj\n")
	}
	xref := out.Len()
	fmt.Fprintf(&out, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&out, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&out, "trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R /ID [<%s> <%s>] >>\nstartxref\n%d\n%%%%EOF\n",
		len(objs)+1, catalog.num, info.num, id, id, xref)
	return out.Bytes(), nil
}

// parse splits fpdf's output into its objects (numbered 1 to N, each
// found by its xref offset) and its trailer dictionary.
func parse(pdf []byte) ([]object, []byte, error) {
	if !bytes.HasPrefix(pdf, []byte("%PDF-1.")) {
		return nil, nil, errors.New("not a PDF: it does not start with %PDF-1.")
	}
	mm := startxrefRe.FindSubmatch(pdf)
	if mm == nil {
		return nil, nil, errors.New("no startxref at the end of the file")
	}
	xref, _ := strconv.Atoi(string(mm[1]))
	if xref <= 0 || xref >= len(pdf) || !bytes.HasPrefix(pdf[xref:], []byte("xref\n0 ")) {
		return nil, nil, errors.New("startxref does not point to an xref table (only fpdf's classic layout is read)")
	}
	rest := pdf[xref+len("xref\n0 "):]
	line, rest, _ := bytes.Cut(rest, []byte("\n"))
	size, err := strconv.Atoi(string(line))
	if err != nil || size < 2 || len(rest) < 20*size {
		return nil, nil, fmt.Errorf("xref table of %q entries", line)
	}
	offsets := make([]int, size-1)
	for i := range offsets {
		e := rest[20*(i+1) : 20*(i+2)]
		if !bytes.HasSuffix(bytes.TrimRight(e, " \r\n"), []byte(" n")) {
			return nil, nil, fmt.Errorf("xref entry %d is not in use: %q", i+1, e)
		}
		if offsets[i], err = strconv.Atoi(string(e[:10])); err != nil || offsets[i] <= 0 || offsets[i] >= xref {
			return nil, nil, fmt.Errorf("xref entry %d: bad offset %q", i+1, e[:10])
		}
	}
	tr := rest[20*size:]
	if !bytes.HasPrefix(tr, []byte("trailer\n")) {
		return nil, nil, errors.New("no trailer after the xref table")
	}
	trailer, _, _ := bytes.Cut(tr, []byte("startxref"))

	// An object runs from its offset to the next object's (or the xref).
	sorted := slices.Clone(offsets)
	slices.Sort(sorted)
	objs := make([]object, len(offsets))
	for i, off := range offsets {
		k, _ := slices.BinarySearch(sorted, off)
		end := xref
		if k+1 < len(sorted) {
			end = sorted[k+1]
		}
		head := fmt.Sprintf("%d 0 obj\n", i+1)
		raw := pdf[off:end]
		if !bytes.HasPrefix(raw, []byte(head)) {
			return nil, nil, fmt.Errorf("object %d is not at its xref offset %d", i+1, off)
		}
		raw = bytes.TrimRight(raw[len(head):], "\r\n ")
		body, ok := bytes.CutSuffix(raw, []byte("endobj"))
		if !ok {
			return nil, nil, fmt.Errorf("object %d does not end with endobj", i+1)
		}
		objs[i] = object{num: i + 1, body: slices.Clone(body)}
	}
	return objs, trailer, nil
}

// addKeys inserts keys at the end of the object's outer dictionary.
func addKeys(body []byte, keys string) ([]byte, error) {
	end, err := dictEnd(body)
	if err != nil {
		return nil, err
	}
	out := slices.Clone(body[:end])
	if len(out) > 0 && out[len(out)-1] != '\n' && out[len(out)-1] != ' ' {
		out = append(out, '\n')
	}
	out = append(out, keys...)
	out = append(out, '\n')
	return append(out, body[end:]...), nil
}

// dictEnd is the index of the ">>" that closes the dictionary body
// starts with, skipping strings and nested dictionaries.
func dictEnd(b []byte) (int, error) {
	i := bytes.Index(b, []byte("<<"))
	if i < 0 {
		return 0, errors.New("no dictionary")
	}
	depth := 0
	for i < len(b) {
		switch {
		case bytes.HasPrefix(b[i:], []byte("<<")):
			depth++
			i += 2
		case bytes.HasPrefix(b[i:], []byte(">>")):
			depth--
			if depth == 0 {
				return i, nil
			}
			i += 2
		case b[i] == '<': // hex string
			j := bytes.IndexByte(b[i:], '>')
			if j < 0 {
				return 0, errors.New("unterminated hex string")
			}
			i += j + 1
		case b[i] == '(':
			_, n, err := unliteral(b[i:])
			if err != nil {
				return 0, err
			}
			i += n
		default:
			i++
		}
	}
	return 0, errors.New("unterminated dictionary")
}

// unliteral decodes the literal string b starts with, returning its
// bytes and the length it takes in b.
func unliteral(b []byte) ([]byte, int, error) {
	var out []byte
	depth := 0
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c == '(':
			if depth > 0 {
				out = append(out, c)
			}
			depth++
		case c == ')':
			depth--
			if depth == 0 {
				return out, i + 1, nil
			}
			out = append(out, c)
		case c == '\\' && i+1 < len(b):
			i++
			switch e := b[i]; e {
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case '\n':
			case '0', '1', '2', '3', '4', '5', '6', '7':
				v, k := 0, 0
				for ; k < 3 && i+k < len(b) && b[i+k] >= '0' && b[i+k] <= '7'; k++ {
					v = v*8 + int(b[i+k]-'0')
				}
				i += k - 1
				out = append(out, byte(v))
			default:
				out = append(out, e)
			}
		default:
			out = append(out, c)
		}
	}
	return nil, 0, errors.New("unterminated string")
}

// textAfter decodes the text string that follows re's match.
func textAfter(b []byte, re *regexp.Regexp) (string, error) {
	loc := re.FindIndex(b)
	if loc == nil {
		return "", errors.New("not found")
	}
	raw, _, err := unliteral(b[loc[1]-1:])
	if err != nil {
		return "", err
	}
	return decodeText(raw), nil
}

// decodeText reads a PDF text string: UTF-16BE with a byte order mark,
// or (as fpdf writes ASCII) single bytes.
func decodeText(b []byte) string {
	if len(b) >= 2 && b[0] == 0xFE && b[1] == 0xFF {
		u := make([]uint16, 0, len(b)/2)
		for i := 2; i+1 < len(b); i += 2 {
			u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
		}
		return string(utf16.Decode(u))
	}
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}

// literal writes b as a PDF literal string.
func literal(b []byte) string {
	var s strings.Builder
	s.WriteByte('(')
	for _, c := range b {
		switch c {
		case '(', ')', '\\':
			s.WriteByte('\\')
			s.WriteByte(c)
		case '\r':
			s.WriteString(`\r`)
		case '\n':
			s.WriteString(`\n`)
		default:
			s.WriteByte(c)
		}
	}
	s.WriteByte(')')
	return s.String()
}

// text writes s as a PDF text string: ASCII as is, anything else as
// UTF-16BE with a byte order mark.
func text(s string) string {
	ascii := true
	for _, r := range s {
		if r >= 0x80 || r < 0x20 {
			ascii = false
			break
		}
	}
	if ascii {
		return literal([]byte(s))
	}
	b := []byte{0xFE, 0xFF}
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u>>8), byte(u))
	}
	return literal(b)
}

// name writes s as a PDF name, escaping what a name cannot hold
// ("application/json" is /application#2Fjson).
func name(s string) string {
	var b strings.Builder
	b.WriteByte('/')
	for _, c := range []byte(s) {
		if c <= ' ' || c >= 0x7F || strings.IndexByte("#/()<>[]{}%", c) >= 0 {
			fmt.Fprintf(&b, "#%02X", c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// asciiName is the file name for the /F key, which older readers take
// as bytes: non-ASCII characters become "_" (/UF keeps the real name).
func asciiName(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r >= 0x7F {
			return '_'
		}
		return r
	}, s)
}

// pdfDate writes t in UTC as a PDF date with its time zone.
func pdfDate(t time.Time) string { return "D:" + t.UTC().Format("20060102150405") + "Z00'00'" }

func infoDict(m Meta) string {
	var b strings.Builder
	b.WriteString("<<")
	for _, kv := range [][2]string{{"Title", m.Title}, {"Subject", m.Subject}, {"Creator", m.Creator}, {"Producer", m.Producer}} {
		if kv[1] != "" {
			fmt.Fprintf(&b, "\n/%s %s", kv[0], text(kv[1]))
		}
	}
	fmt.Fprintf(&b, "\n/CreationDate %s\n/ModDate %s\n>>", literal([]byte(pdfDate(m.Created))), literal([]byte(pdfDate(m.Modified))))
	return b.String()
}

// subsetTag is six capital letters for the subset of font in the
// document whose digest is sum: fixed for the same document.
func subsetTag(sum, font []byte) string {
	h := sha256.Sum256(append(slices.Clone(sum), font...))
	tag := make([]byte, 6)
	for i := range tag {
		tag[i] = 'A' + h[i]%26
	}
	return string(tag)
}

func fontName(d []byte) string {
	if mm := regexp.MustCompile(`/(?:Base)?Font(?:Name)? /([^\s/<>\[\]()]+)`).FindSubmatch(d); mm != nil {
		return string(mm[1])
	}
	return "(unnamed)"
}
