package vc

import (
	"encoding/json"
	"slices"
	"strings"
	"unicode/utf16"

	"github.com/gowebpki/jcs"
)

// canonObject is a JSON object whose members are each in RFC 8785 form,
// computed once, so that the object serializes canonically with or without
// a member (the proof, the proofValue) and inside another document (a
// presentation's credential) without canonicalizing anything twice. Its
// bytes equal Canonicalize of the object (TestCanonObjectMatchesJCS).
type canonObject struct {
	keys []string          // sorted by UTF-16 code units, as JCS sorts
	enc  map[string][]byte // key → canonical `"key":value`
}

// newCanonObject canonicalizes the members of a strictly checked object;
// pre gives canonical values already computed for some keys.
func newCanonObject(m map[string]json.RawMessage, pre map[string][]byte) (*canonObject, error) {
	o := &canonObject{keys: make([]string, 0, len(m)), enc: make(map[string][]byte, len(m))}
	for k, v := range m {
		cv, ok := pre[k]
		if !ok {
			var err error
			if cv, err = jcs.Transform(v); err != nil {
				return nil, err
			}
		}
		ck, err := canonKey(k)
		if err != nil {
			return nil, err
		}
		b := make([]byte, 0, len(ck)+1+len(cv))
		o.enc[k] = append(append(append(b, ck...), ':'), cv...)
		o.keys = append(o.keys, k)
	}
	slices.SortFunc(o.keys, compareUTF16)
	return o, nil
}

// bytes is the canonical object, without the member skip if given.
func (o *canonObject) bytes(skip ...string) []byte {
	n := 2
	for _, k := range o.keys {
		n += len(o.enc[k]) + 1
	}
	b := make([]byte, 0, n)
	b = append(b, '{')
	first := true
	for _, k := range o.keys {
		if len(skip) > 0 && k == skip[0] {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, o.enc[k]...)
	}
	return append(b, '}')
}

// canonKey is the JCS serialization of a member name.
func canonKey(k string) ([]byte, error) {
	plain := true
	for i := 0; i < len(k); i++ {
		if c := k[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			plain = false
			break
		}
	}
	if plain {
		return []byte(`"` + k + `"`), nil
	}
	q, err := json.Marshal(k)
	if err != nil {
		return nil, err
	}
	return jcs.Transform(q)
}

// compareUTF16 orders strings by their UTF-16 code units (RFC 8785 §3.2.3).
func compareUTF16(a, b string) int {
	ascii := func(s string) bool {
		for i := 0; i < len(s); i++ {
			if s[i] >= 0x80 {
				return false
			}
		}
		return true
	}
	if ascii(a) && ascii(b) {
		return strings.Compare(a, b)
	}
	return slices.Compare(utf16.Encode([]rune(a)), utf16.Encode([]rune(b)))
}
