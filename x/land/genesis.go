package land

import (
	"encoding/json"
	"strings"

	"github.com/publica/publica/store"
)

// Genesis is the module's genesis state: the params and, for an exported
// chain, every other land record as raw key/value pairs (in key order).
type Genesis struct {
	Params  Params   `json:"params"`
	Records []Record `json:"records,omitempty"`
}

// Record is one raw state entry.
type Record struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Validate checks a genesis state without touching any store.
func (g *Genesis) Validate() error {
	if err := g.Params.Validate(); err != nil {
		return ErrInvalidGenesis.Wrap(err)
	}
	for i, r := range g.Records {
		if !strings.HasPrefix(r.Key, "land/") || r.Key == keyParams {
			return ErrInvalidGenesis.Wrapf("record %d: key %q is not a land record key", i, r.Key)
		}
		if i > 0 && g.Records[i-1].Key >= r.Key {
			return ErrInvalidGenesis.Wrapf("record %d: keys must be sorted and distinct", i)
		}
	}
	return nil
}

// InitGenesis writes the params (defaults when raw is empty) and records.
func (m *Module) InitGenesis(kv store.KV, raw json.RawMessage) error {
	g := Genesis{Params: DefaultParams()}
	if len(raw) > 0 && string(raw) != "null" {
		if err := json.Unmarshal(raw, &g); err != nil {
			return ErrInvalidGenesis.Wrapf("decode: %v", err)
		}
	}
	if err := g.Validate(); err != nil {
		return err
	}
	put(kv, ParamsKey(), &g.Params)
	for _, r := range g.Records {
		kv.Set([]byte(r.Key), []byte(r.Value))
	}
	return nil
}

// ExportGenesis writes the params and every land record.
func (m *Module) ExportGenesis(kv store.KV) (json.RawMessage, error) {
	p, err := m.Keeper.Params(kv)
	if err != nil {
		return nil, err
	}
	g := Genesis{Params: *p}
	prefix := []byte("land/")
	kv.Iterate(prefix, store.PrefixEnd(prefix), false, func(k, v []byte) bool {
		if string(k) != keyParams {
			g.Records = append(g.Records, Record{Key: string(k), Value: string(v)})
		}
		return true
	})
	return json.Marshal(g)
}
