package election

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/gtank/ristretto255"

	"github.com/publica/publica/client"
	"github.com/publica/publica/store"
)

type ristrettoScalar = ristretto255.Scalar

// StoreSource reads a state view directly (a node's home opened read-only,
// or an application in the same process).
type StoreSource struct{ KV store.KV }

func (s StoreSource) Get(key string) ([]byte, error) { return s.KV.Get([]byte(key)), nil }

func (s StoreSource) List(kind, election string, fn func(string, []byte) error) error {
	p := []byte("ballot/" + kind + "/" + election + "/")
	var err error
	s.KV.Iterate(p, store.PrefixEnd(p), false, func(k, v []byte) bool {
		err = fn(string(k), v)
		return err == nil
	})
	return err
}

// RPCSource reads over a node's RPC at one fixed height, so every record
// comes from the same state. With Prove, every value and every absence is
// proven against the validator-signed header of Height+1, and a list is
// walked key by key with proofs that no key lies between two listed ones
// (client.SeekProven): a lying node can make the reads fail, not change
// or hide a record.
type RPCSource struct {
	Ctx    context.Context
	Client *client.Client
	Height int64
	Prove  bool
}

func (s RPCSource) Get(key string) ([]byte, error) {
	if s.Prove {
		v, err := s.Client.QueryKeyAt(s.Ctx, []byte(key), s.Height)
		if err != nil {
			return nil, fmt.Errorf("proven read of %s: %w", key, err)
		}
		return v, nil
	}
	res, err := s.Client.Query(s.Ctx, "/key", []byte(key), s.Height, false)
	if err != nil {
		return nil, err
	}
	return res.Value, nil
}

type page struct {
	Entries []struct {
		Key   string `json:"key"`
		Value []byte `json:"value"`
	} `json:"entries"`
	Next string `json:"next"`
}

func (s RPCSource) List(kind, election string, fn func(string, []byte) error) error {
	if s.Prove {
		return s.listProven(kind, election, fn)
	}
	after := ""
	for {
		path := "/ballot/list/" + kind + "/" + election
		if after != "" {
			path += "/" + after
		}
		res, err := s.Client.Query(s.Ctx, path, nil, s.Height, false)
		if err != nil {
			return err
		}
		var p page
		if err := json.Unmarshal(res.Value, &p); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		for _, e := range p.Entries {
			if err := fn(e.Key, e.Value); err != nil {
				return err
			}
		}
		if p.Next == "" {
			return nil
		}
		after = p.Next
	}
}

// listProven walks "ballot/<kind>/<election>/" with SeekProven.
func (s RPCSource) listProven(kind, election string, fn func(string, []byte) error) error {
	prefix := []byte("ballot/" + kind + "/" + election + "/")
	from := prefix
	for {
		k, v, err := s.Client.SeekProven(s.Ctx, from, s.Height)
		if err != nil {
			return fmt.Errorf("proven listing of %s after %q: %w", prefix, from, err)
		}
		if k == nil || !bytes.HasPrefix(k, prefix) {
			return nil
		}
		if err := fn(string(k), v); err != nil {
			return err
		}
		from = append(bytes.Clone(k), 0)
	}
}
