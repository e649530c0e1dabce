package election

import (
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
// comes from the same state.
type RPCSource struct {
	Ctx    context.Context
	Client *client.Client
	Height int64
}

func (s RPCSource) Get(key string) ([]byte, error) {
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
