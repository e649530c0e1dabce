package main

import (
	"bytes"
	"testing"
)

func TestNoteBlockTimes(t *testing.T) {
	var b bytes.Buffer
	noteBlockTimes(&b, []byte(`{"id":"e","opens_at":1796322384,"closes_at":0,"trustees":[{"joined_at":1796322400}],"height":17,"valid_until":"x"}`))
	want := "opens_at 1796322384 = 2026-12-03T18:26:24Z\ntrustees[0].joined_at 1796322400 = 2026-12-03T18:26:40Z\n"
	if b.String() != want {
		t.Fatalf("notes:\n%s\nwant:\n%s", b.String(), want)
	}
	b.Reset()
	noteBlockTimes(&b, []byte("not json"))
	noteBlockTimes(&b, []byte(`[1,2]`))
	if b.Len() != 0 {
		t.Fatalf("notes for values without block times: %q", b.String())
	}
}
