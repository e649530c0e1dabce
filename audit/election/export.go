package election

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
)

// RecordFormat names the exported election record's layout
// (docs/ballot-verifier.md §6).
const RecordFormat = "publica/election-record/v1"

// Record is an election's whole public record at one height: every key of
// docs/ballot-verifier.md §1 that belongs to the election, with its value,
// in key order. It is what `publica audit election ID --export FILE`
// writes, and what both verifiers (this package through RecordSource, and
// the independent JavaScript one in audit/jsverifier) read.
type Record struct {
	Format   string        `json:"format"`
	Election string        `json:"election"`
	Height   int64         `json:"height,omitempty"`
	Records  []RecordEntry `json:"records"`
}

// RecordEntry is one key and its raw value (base64 in JSON).
type RecordEntry struct {
	Key   string `json:"key"`
	Value []byte `json:"value"`
}

// ListedKinds are the record kinds kept under "ballot/<kind>/<id>/".
var ListedKinds = []string{"trustee", "complaint", "roll", "vote", "tracker", "partial"}

// Export reads election id's records from src (height is informative).
func Export(src Source, id string, height int64) (*Record, error) {
	rec := &Record{Format: RecordFormat, Election: id, Height: height}
	for _, k := range []string{"ballot/election/" + id, "ballot/aggregate/" + id, "ballot/result/" + id} {
		v, err := src.Get(k)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", k, err)
		}
		if v == nil {
			if strings.HasPrefix(k, "ballot/election/") {
				return nil, fmt.Errorf("no election %q", id)
			}
			continue
		}
		rec.Records = append(rec.Records, RecordEntry{Key: k, Value: v})
	}
	for _, kind := range ListedKinds {
		err := src.List(kind, id, func(k string, v []byte) error {
			rec.Records = append(rec.Records, RecordEntry{Key: k, Value: append([]byte(nil), v...)})
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("listing %s records: %w", kind, err)
		}
	}
	sort.Slice(rec.Records, func(i, j int) bool { return rec.Records[i].Key < rec.Records[j].Key })
	return rec, nil
}

// ReadRecord parses an exported record strictly: the format, a valid
// election id, and keys that are unique and in increasing order.
func ReadRecord(r io.Reader) (*Record, error) {
	var rec Record
	dec := json.NewDecoder(r)
	if err := dec.Decode(&rec); err != nil {
		return nil, fmt.Errorf("not an election record: %w", err)
	}
	if rec.Format != RecordFormat {
		return nil, fmt.Errorf("not an election record (format %q, want %q)", rec.Format, RecordFormat)
	}
	if !validID(rec.Election) {
		return nil, fmt.Errorf("election record: bad election id %q", rec.Election)
	}
	for i, e := range rec.Records {
		if i > 0 && !(rec.Records[i-1].Key < e.Key) {
			if rec.Records[i-1].Key == e.Key {
				return nil, fmt.Errorf("election record: key %s appears twice", e.Key)
			}
			return nil, fmt.Errorf("election record: key %s is out of order", e.Key)
		}
	}
	return &rec, nil
}

func validID(s string) bool {
	if len(s) < 1 || len(s) > 63 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' && i > 0 {
			continue
		}
		return false
	}
	return true
}

// RecordSource serves an exported record as a Source. Keys that belong to
// no documented record of the election are reported by Foreign.
type RecordSource struct{ Rec *Record }

func (s RecordSource) find(key string) int {
	r := s.Rec.Records
	return sort.Search(len(r), func(i int) bool { return r[i].Key >= key })
}

func (s RecordSource) Get(key string) ([]byte, error) {
	i := s.find(key)
	if i < len(s.Rec.Records) && s.Rec.Records[i].Key == key {
		return s.Rec.Records[i].Value, nil
	}
	return nil, nil
}

func (s RecordSource) List(kind, election string, fn func(string, []byte) error) error {
	p := "ballot/" + kind + "/" + election + "/"
	for i := s.find(p); i < len(s.Rec.Records) && strings.HasPrefix(s.Rec.Records[i].Key, p); i++ {
		if err := fn(s.Rec.Records[i].Key, s.Rec.Records[i].Value); err != nil {
			return err
		}
	}
	return nil
}

// Foreign lists the record's keys that are not records of its election.
func (s RecordSource) Foreign() []string {
	id := s.Rec.Election
	var out []string
next:
	for _, e := range s.Rec.Records {
		switch e.Key {
		case "ballot/election/" + id, "ballot/aggregate/" + id, "ballot/result/" + id:
			continue
		}
		for _, kind := range ListedKinds {
			if strings.HasPrefix(e.Key, "ballot/"+kind+"/"+id+"/") {
				continue next
			}
		}
		out = append(out, e.Key)
	}
	return out
}

// VerifyRecord verifies an exported record: Verify over RecordSource, and
// a failure for every key that is no record of the election.
func VerifyRecord(rec *Record) (*Report, error) {
	src := RecordSource{Rec: rec}
	rep, err := Verify(src, rec.Election)
	if err != nil {
		return nil, err
	}
	for _, k := range src.Foreign() {
		rep.fail("record %s: not a record of election %s", k, rec.Election)
	}
	rep.OK = len(rep.Failures) == 0
	return rep, nil
}
