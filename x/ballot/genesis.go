package ballot

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/publica/publica/store"
)

// Genesis is the module's state as raw key/value pairs under "ballot/",
// in key order: elections carried across a chain export keep every record
// (ballots, trackers, partial decryptions) byte for byte, so a verifier
// gets the same answer before and after.
type Genesis struct {
	Entries []Entry `json:"entries"`
}

// Validate checks keys are in the module's space, sorted and distinct.
func (g *Genesis) Validate() error {
	for i, e := range g.Entries {
		if !strings.HasPrefix(e.Key, prefix) || e.Value == nil {
			return ErrInvalidGenesis.Wrapf("entry %d: key %q outside %s or no value", i, e.Key, prefix)
		}
		if i > 0 && g.Entries[i-1].Key >= e.Key {
			return ErrInvalidGenesis.Wrapf("entry %d: keys must be sorted and distinct", i)
		}
	}
	return nil
}

// InitGenesis writes the entries; empty or null raw means no elections.
func (m *Module) InitGenesis(kv store.KV, raw json.RawMessage) error {
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return nil
	}
	var g Genesis
	if err := json.Unmarshal(raw, &g); err != nil {
		return ErrInvalidGenesis.Wrapf("decode: %v", err)
	}
	if err := g.Validate(); err != nil {
		return err
	}
	for _, e := range g.Entries {
		kv.Set([]byte(e.Key), e.Value)
	}
	return nil
}

// ExportGenesis dumps every key under "ballot/".
func (m *Module) ExportGenesis(kv store.KV) (json.RawMessage, error) {
	g := Genesis{Entries: []Entry{}}
	p := []byte(prefix)
	kv.Iterate(p, store.PrefixEnd(p), false, func(k, v []byte) bool {
		g.Entries = append(g.Entries, Entry{Key: string(k), Value: bytes.Clone(v)})
		return true
	})
	return json.Marshal(g)
}
