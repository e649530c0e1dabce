// Package codec is the strict binary encoding used by the transaction envelope.
//
// The format is deliberately small: unsigned varints (minimal form only), and
// length-prefixed byte strings with a caller-supplied limit. A Reader refuses
// anything that a Writer could not have produced, so every value has exactly
// one encoding and a decoded envelope re-encodes to the same bytes.
package codec

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrTruncated is returned when the input ends in the middle of a value.
var ErrTruncated = errors.New("truncated input")

// Writer appends encoded values to a byte slice.
type Writer struct{ buf []byte }

// Bytes returns the encoded output.
func (w *Writer) Bytes() []byte { return w.buf }

// Uvarint writes v as a minimal unsigned varint.
func (w *Writer) Uvarint(v uint64) { w.buf = binary.AppendUvarint(w.buf, v) }

// Byte writes a single byte.
func (w *Writer) Byte(b byte) { w.buf = append(w.buf, b) }

// Fixed writes b with no length prefix; the reader must know its size.
func (w *Writer) Fixed(b []byte) { w.buf = append(w.buf, b...) }

// BytesField writes a length-prefixed byte string.
func (w *Writer) BytesField(b []byte) {
	w.Uvarint(uint64(len(b)))
	w.buf = append(w.buf, b...)
}

// String writes a length-prefixed UTF-8 string.
func (w *Writer) String(s string) {
	w.Uvarint(uint64(len(s)))
	w.buf = append(w.buf, s...)
}

// Reader decodes values written by Writer, refusing non-canonical forms.
type Reader struct {
	buf []byte
	off int
}

// NewReader reads from b.
func NewReader(b []byte) *Reader { return &Reader{buf: b} }

// Remaining is the number of unread bytes.
func (r *Reader) Remaining() int { return len(r.buf) - r.off }

// Done returns an error if unread bytes remain.
func (r *Reader) Done() error {
	if r.Remaining() != 0 {
		return fmt.Errorf("%d trailing bytes", r.Remaining())
	}
	return nil
}

// Uvarint reads a minimal unsigned varint.
func (r *Reader) Uvarint() (uint64, error) {
	v, n := binary.Uvarint(r.buf[r.off:])
	if n == 0 {
		return 0, ErrTruncated
	}
	if n < 0 {
		return 0, errors.New("varint overflows 64 bits")
	}
	// Reject padded encodings such as 0x80 0x00 for zero: the last byte of a
	// multi-byte varint must be non-zero.
	if n > 1 && r.buf[r.off+n-1] == 0 {
		return 0, errors.New("non-minimal varint")
	}
	r.off += n
	return v, nil
}

// Byte reads a single byte.
func (r *Reader) Byte() (byte, error) {
	if r.Remaining() < 1 {
		return 0, ErrTruncated
	}
	b := r.buf[r.off]
	r.off++
	return b, nil
}

// Fixed reads exactly n bytes. The result aliases the input.
func (r *Reader) Fixed(n int) ([]byte, error) {
	if n < 0 || r.Remaining() < n {
		return nil, ErrTruncated
	}
	b := r.buf[r.off : r.off+n : r.off+n]
	r.off += n
	return b, nil
}

// BytesField reads a length-prefixed byte string of at most max bytes.
func (r *Reader) BytesField(max int) ([]byte, error) {
	n, err := r.Uvarint()
	if err != nil {
		return nil, err
	}
	if n > uint64(max) {
		return nil, fmt.Errorf("field of %d bytes exceeds limit %d", n, max)
	}
	return r.Fixed(int(n))
}

// String reads a length-prefixed string of at most max bytes.
func (r *Reader) String(max int) (string, error) {
	b, err := r.BytesField(max)
	return string(b), err
}
