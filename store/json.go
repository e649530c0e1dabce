package store

import (
	"encoding/json"
	"errors"
	"fmt"
)

// ErrCorrupt marks a stored record that does not decode: a bug or a damaged
// database, never user input.
var ErrCorrupt = errors.New("corrupt state record")

// GetJSON reads the JSON record at key into a new T; nil if absent.
func GetJSON[T any](kv KV, key []byte) (*T, error) {
	b := kv.Get(key)
	if b == nil {
		return nil, nil
	}
	return DecodeJSON[T](key, b)
}

// DecodeJSON decodes a record read from key.
func DecodeJSON[T any](key, b []byte) (*T, error) {
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("%w %s: %v", ErrCorrupt, key, err)
	}
	return &v, nil
}

// PutJSON writes v as JSON at key. Module record types always marshal, so
// a failure is a programming error surfaced like a storage failure.
func PutJSON(kv KV, key []byte, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(&Failure{Err: err})
	}
	kv.Set(key, b)
}
