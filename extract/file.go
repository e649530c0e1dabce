package extract

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
)

// Encode is the extract as a file: indented JSON and a newline. The
// portal's extract.json, the attachment inside a certificate PDF and
// `publica query land extract` all write exactly these bytes, so one
// SHA-256 names the extract wherever it travels.
func Encode(x *Extract) ([]byte, error) {
	b, err := json.MarshalIndent(x, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// Digest is the lowercase hex SHA-256 of Encode(x).
func Digest(x *Extract) (string, error) {
	b, err := Encode(x)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// ErrNoExtract: a PDF carries no embedded title extract.
var ErrNoExtract = errors.New("the PDF has no title extract attached: only a title certificate from the portal carries one")

// Read decodes an extract file: the JSON document itself, or a title
// certificate PDF with the extract attached (see FromPDF). It returns the
// extract and the exact bytes it was decoded from.
func Read(b []byte) (*Extract, []byte, error) {
	raw := b
	if bytes.HasPrefix(b, []byte("%PDF-")) {
		var err error
		if raw, err = FromPDF(b); err != nil {
			return nil, nil, err
		}
	}
	x, err := Decode(raw)
	if err != nil {
		return nil, nil, err
	}
	return x, raw, nil
}

// Decode parses extract JSON strictly: unknown members are refused, so a
// document that merely resembles an extract is not taken for one.
func Decode(raw []byte) (*Extract, error) {
	var x Extract
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&x); err != nil {
		return nil, fmt.Errorf("not a title extract: %w", err)
	}
	if dec.More() {
		return nil, errors.New("not a title extract: more than one JSON value")
	}
	return &x, nil
}
