package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// Records keep block times as Unix seconds (what the chain compares). A
// reader wants dates, so the commands that print such a record add one
// line per time field on stderr, leaving stdout as the exact JSON.

// blockTimeField reports whether a JSON field name holds a block time.
func blockTimeField(name string) bool {
	return strings.HasSuffix(name, "_at") || name == "until" || name == "valid_until"
}

// noteBlockTimes writes "field 1764786000 = 2026-12-03T18:20:00Z" for every
// block-time field of the JSON value v, in path order. Zero means "none"
// and non-JSON values have no notes.
func noteBlockTimes(w io.Writer, v []byte) {
	if !json.Valid(v) {
		return
	}
	d := json.NewDecoder(bytes.NewReader(v))
	d.UseNumber()
	var doc any
	if d.Decode(&doc) != nil {
		return
	}
	var notes []string
	collectBlockTimes(doc, "", &notes)
	for _, n := range notes {
		fmt.Fprintln(w, n)
	}
}

func collectBlockTimes(v any, path string, notes *[]string) {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := k
			if path != "" {
				p = path + "." + k
			}
			if n, ok := x[k].(json.Number); ok && blockTimeField(k) {
				if secs, err := n.Int64(); err == nil && secs > 0 {
					*notes = append(*notes, fmt.Sprintf("%s %d = %s", p, secs, formatBlockTime(secs)))
				}
				continue
			}
			collectBlockTimes(x[k], p, notes)
		}
	case []any:
		for i, e := range x {
			collectBlockTimes(e, fmt.Sprintf("%s[%d]", path, i), notes)
		}
	}
}

// formatBlockTime prints Unix seconds as an RFC 3339 UTC date.
func formatBlockTime(secs int64) string {
	return time.Unix(secs, 0).UTC().Format(time.RFC3339)
}
