package tx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// EncodeMsg returns the canonical JSON of a message: Go's encoding/json
// output for the message struct (fields in declared order, no whitespace).
func EncodeMsg(v any) ([]byte, error) { return json.Marshal(v) }

// DecodeMsg parses b into v and insists that b is already canonical, so a
// message has exactly one byte form: unknown fields, duplicate or
// differently-cased keys, whitespace and trailing data are all refused.
func DecodeMsg(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("message JSON: %w", err)
	}
	if dec.More() {
		return errors.New("message JSON: trailing data")
	}
	canon, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("message JSON: %w", err)
	}
	if !bytes.Equal(canon, b) {
		return fmt.Errorf("message JSON is not canonical: want %s", canon)
	}
	return nil
}
