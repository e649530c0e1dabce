package extract

import (
	"bytes"
	"compress/zlib"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
)

// A title certificate PDF (package extract/certificate) carries the
// extract as an embedded file, so the certificate alone can be checked
// offline. FromPDF finds it again. It reads the classic PDF layout that
// certificates are written in (objects in the clear, the file in one
// stream, raw or Flate-compressed); a PDF re-saved by a program that packs
// objects into compressed object streams hides it, and is refused with
// ErrNoExtract rather than misread.

// MaxAttachment bounds an embedded file once decompressed.
const MaxAttachment = 16 << 20

var (
	objRe    = regexp.MustCompile(`(\d+)\s+(\d+)\s+obj\b`)
	embRe    = regexp.MustCompile(`/Type\s*/EmbeddedFile\b`)
	lengthRe = regexp.MustCompile(`/Length\s+(\d+)(\s+(\d+)\s+R)?`)
	filterRe = regexp.MustCompile(`/Filter\s*(\[\s*)?/(\w+)`)
	sizeRe   = regexp.MustCompile(`/Size\s+(\d+)`)
	sumRe    = regexp.MustCompile(`/CheckSum\s*<([0-9A-Fa-f]{32})>`)
)

// Attachments returns the contents of every embedded file in a PDF, in
// the order they appear.
func Attachments(pdf []byte) ([][]byte, error) {
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		return nil, errors.New("not a PDF: it does not start with %PDF-")
	}
	var out [][]byte
	locs := objRe.FindAllSubmatchIndex(pdf, -1)
	for k, loc := range locs {
		start := loc[1]
		// The object's dictionary runs to its stream keyword, which comes
		// before the next object header (searching no further keeps this
		// linear in the file's size).
		end := len(pdf)
		if k+1 < len(locs) {
			end = locs[k+1][0]
		}
		body := pdf[start:end]
		if i := bytes.Index(body, []byte("endobj")); i >= 0 {
			body = body[:i]
		}
		si := bytes.Index(body, []byte("stream"))
		if si < 0 {
			continue
		}
		dict := body[:si]
		if !embRe.Match(dict) {
			continue
		}
		n, err := streamLength(pdf, dict)
		if err != nil {
			return nil, fmt.Errorf("embedded file (object %s): %w", pdf[loc[2]:loc[3]], err)
		}
		data := start + si + len("stream")
		switch {
		case bytes.HasPrefix(pdf[data:], []byte("\r\n")):
			data += 2
		case bytes.HasPrefix(pdf[data:], []byte("\n")):
			data++
		default:
			return nil, fmt.Errorf("embedded file (object %s): stream keyword not followed by a line end", pdf[loc[2]:loc[3]])
		}
		if n < 0 || data+n > len(pdf) {
			return nil, fmt.Errorf("embedded file (object %s): its length %d runs past the end of the file", pdf[loc[2]:loc[3]], n)
		}
		if !bytes.HasPrefix(bytes.TrimLeft(pdf[data+n:], "\r\n \t"), []byte("endstream")) {
			return nil, fmt.Errorf("embedded file (object %s): the stream is not %d bytes long as its dictionary says", pdf[loc[2]:loc[3]], n)
		}
		content := pdf[data : data+n]
		if m := filterRe.FindSubmatch(dict); m != nil {
			if string(m[2]) != "FlateDecode" {
				return nil, fmt.Errorf("embedded file (object %s): filter %s is not supported", pdf[loc[2]:loc[3]], m[2])
			}
			if content, err = inflate(content); err != nil {
				return nil, fmt.Errorf("embedded file (object %s): %w", pdf[loc[2]:loc[3]], err)
			}
		}
		if m := sizeRe.FindSubmatch(dict); m != nil && string(m[1]) != strconv.Itoa(len(content)) {
			return nil, fmt.Errorf("embedded file (object %s) is %d bytes, its dictionary says %s", pdf[loc[2]:loc[3]], len(content), m[1])
		}
		if m := sumRe.FindSubmatch(dict); m != nil {
			sum := md5.Sum(content)
			if !bytes.EqualFold(m[1], []byte(hex.EncodeToString(sum[:]))) {
				return nil, fmt.Errorf("embedded file (object %s) does not match the checksum in its dictionary", pdf[loc[2]:loc[3]])
			}
		}
		out = append(out, content)
	}
	return out, nil
}

// streamLength reads /Length, direct or an indirect reference.
func streamLength(pdf, dict []byte) (int, error) {
	m := lengthRe.FindSubmatch(dict)
	if m == nil {
		return 0, errors.New("no /Length")
	}
	if m[2] == nil {
		return strconv.Atoi(string(m[1]))
	}
	ref := regexp.MustCompile(`(?:^|[^0-9])` + string(m[1]) + `\s+` + string(m[3]) + `\s+obj\s+(\d+)\s+endobj`)
	r := ref.FindSubmatch(pdf)
	if r == nil {
		return 0, fmt.Errorf("/Length refers to object %s, which is not found", m[1])
	}
	return strconv.Atoi(string(r[1]))
}

func inflate(b []byte) ([]byte, error) {
	zr, err := zlib.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("compressed data: %w", err)
	}
	defer zr.Close()
	out, err := io.ReadAll(io.LimitReader(zr, MaxAttachment+1))
	if err != nil {
		return nil, fmt.Errorf("compressed data: %w", err)
	}
	if len(out) > MaxAttachment {
		return nil, fmt.Errorf("larger than %d bytes once decompressed", MaxAttachment)
	}
	return out, nil
}

// FromPDF returns the bytes of the title extract attached to a PDF: the
// one embedded file that decodes as an extract.
func FromPDF(pdf []byte) ([]byte, error) {
	files, err := Attachments(pdf)
	if err != nil {
		return nil, err
	}
	var found [][]byte
	for _, f := range files {
		if _, err := Decode(f); err == nil {
			found = append(found, f)
		}
	}
	switch {
	case len(found) == 1:
		return found[0], nil
	case len(found) > 1:
		return nil, fmt.Errorf("the PDF has %d title extracts attached; a certificate has one", len(found))
	case len(files) > 0:
		return nil, fmt.Errorf("%w (its %d attached file(s) are not title extracts)", ErrNoExtract, len(files))
	}
	return nil, ErrNoExtract
}
