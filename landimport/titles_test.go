package landimport

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/publica/publica/x/land"
)

var testColumns = Columns{Ref: 0, Owner: 1, Share: 2, Tenure: 3, Document: -1}

// DecodeRow never panics, and what it accepts is what the chain accepts:
// a cadastral reference, an owner, a share ParseShare takes as written;
// every field trimmed.
func FuzzDecodeRow(f *testing.F) {
	for _, s := range []string{"LOT-1,alice,1/2,freehold", " LOT-1 , alice , 1 ", "LOT-1,alice,2/4", "-x,a,1", "LOT,,1",
		"LOT,a,0", "LOT,a,1/0", "LOT,a,3/2", "LOT,a,1/1000000000001", "LOT,a,abc", "LOT,a,-1/2", "LOT,a,+1/2", "LOT,a,1e3",
		"LOT,a,0x1", "LOT,a,½", "\xff,a,1", "LOT,a,1/2,,extra,fields", "LOT"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		rec := strings.Split(line, ",")
		row, err := DecodeRow(2, rec, testColumns)
		if err != nil {
			return
		}
		if !refRe.MatchString(row.Ref) || row.Owner == "" || row.Owner != strings.TrimSpace(row.Owner) {
			t.Fatalf("accepted %q as %+v", line, row)
		}
		r, perr := land.ParseShare(row.Share)
		if perr != nil || r.RatString() != row.Share {
			t.Fatalf("accepted share %q of %q: %v", row.Share, line, perr)
		}
		if row.Ref != strings.TrimSpace(rec[0]) || row.Share != strings.TrimSpace(rec[2]) {
			t.Fatalf("%q decoded as %+v", line, row)
		}
	})
}

// ReadTitlesCSV never panics on any text, and every title it leaves
// unrefused has a reference and owners whose shares parse, each row
// once: rows in titles (with or without error) never exceed the rows read.
func FuzzReadTitlesCSV(f *testing.F) {
	f.Add("A,x,1\nA,y,1/2\nB,z,1\n")
	f.Add("A,x,1/2\n\"B,y\n")
	f.Add("A,x,1\nB,y,1\nA,z,1\n")
	f.Add(",,\n\n\nA,x,1,leasehold\nA,y,1,state\n")
	f.Fuzz(func(t *testing.T, body string) {
		titles, rows, err := ReadTitlesCSV(strings.NewReader("cadastral_ref,owner,share,tenure\n"+body), Mapping{})
		if err != nil {
			return
		}
		owners := 0
		for i, ti := range titles {
			if ti.Index != i {
				t.Fatalf("title %d has index %d", i, ti.Index)
			}
			owners += len(ti.Owners)
			if ti.Err != nil {
				continue
			}
			if !refRe.MatchString(ti.Ref) || len(ti.Owners) == 0 {
				t.Fatalf("title %+v", ti)
			}
			for _, o := range ti.Owners {
				if _, err := land.ParseShare(o.Share); err != nil || o.Owner == "" {
					t.Fatalf("owner %+v", o)
				}
			}
		}
		if owners > rows {
			t.Fatalf("%d owners from %d rows", owners, rows)
		}
	})
}

// Random well-formed titles written with encoding/csv (quoting where it
// must, co-owners on consecutive rows) read back as the same titles, at
// the lines they were written on.
func TestTitlesCSVRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 200 {
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		w.Write([]string{" Share", "OWNER", "tenure", "cadastral_ref", "note"}) // any column order, any case
		type want struct {
			ref    string
			line   int
			owners []OwnerRow
			tenure string
		}
		var wants []want
		line := 1
		for i := range 1 + rng.IntN(30) {
			ref := fmt.Sprintf("R%d.%d:x_%d", round, i, rng.IntN(1000))
			n := 1 + rng.IntN(5)
			tenure := []string{"", "freehold", "leasehold", "state"}[rng.IntN(4)]
			wt := want{ref: ref, line: line + 1, tenure: tenure}
			for k := range n {
				line++
				owner := []string{"citizen-alice", "a key, with a comma", `a "quoted" key`, strings.Repeat("ab", 20), "N17"}[rng.IntN(5)]
				share := fmt.Sprintf("%d/%d", 1, n)
				if n == 1 {
					share = "1"
				}
				t := ""
				if k == 0 || rng.IntN(2) == 0 {
					t = tenure
				}
				w.Write([]string{" " + share, owner, t, ref, "ignored, \"really\""})
				wt.owners = append(wt.owners, OwnerRow{Line: line, Owner: owner, Share: share})
			}
			wants = append(wants, wt)
		}
		w.Flush()
		titles, rows, err := ReadTitlesCSV(&buf, Mapping{})
		if err != nil {
			t.Fatal(err)
		}
		if len(titles) != len(wants) || rows != line-1 {
			t.Fatalf("round %d: %d titles from %d rows, want %d from %d", round, len(titles), rows, len(wants), line-1)
		}
		for i, w := range wants {
			got := titles[i]
			if got.Err != nil || got.Ref != w.ref || got.Line != w.line || got.Tenure != w.tenure || fmt.Sprint(got.Owners) != fmt.Sprint(w.owners) {
				t.Fatalf("round %d title %d: %+v, want %+v", round, i, got, w)
			}
		}
	}
}

// The refusals ReadTitlesCSV and ResolveOwners make, each at its line.
func TestTitlesCSVRefusals(t *testing.T) {
	body := `cadastral_ref,owner,share,tenure
A,alice,1/2,
A,bob,1/2,leasehold
B,alice,1/2,freehold
B,bob,1/2,leasehold
C,alice,1/3,
C,bob,1/3,
A,alice,1,
-D,alice,1,
E,,1,
H,N7,1/4,
H,bob,3/4,
F,alice,"1/2
G,alice,1
`
	titles, rows, err := ReadTitlesCSV(strings.NewReader(body), Mapping{})
	if err != nil {
		t.Fatal(err)
	}
	ResolveOwners(titles, func(s string) (string, error) {
		if s == "alice" || s == "bob" {
			return strings.Repeat(s[:1]+"0", 20), nil
		}
		return "", fmt.Errorf("no key %q", s)
	}, "freehold", strings.Repeat("cd", 32))
	want := []struct {
		line   int
		reason string
	}{
		{2, ""},
		{5, `tenure "leasehold" differs from "freehold"`},
		{6, "owners' shares sum to 2/3"},
		{8, `"A" already has a title at line 2`},
		{9, `"-D" is not a cadastral reference`},
		{10, "no owner"},
		{11, ""},
		{13, "not a CSV row"},
	}
	if rows != 12 || len(titles) != len(want) {
		for _, ti := range titles {
			t.Logf("%+v", ti)
		}
		t.Fatalf("%d titles from %d rows", len(titles), rows)
	}
	for i, w := range want {
		ti := titles[i]
		line := ti.ErrLine
		if ti.Err == nil {
			line = ti.Line
		}
		if line != w.line || (w.reason == "") != (ti.Err == nil) || (ti.Err != nil && !strings.Contains(ti.Err.Error(), w.reason)) {
			t.Errorf("title %d: line %d err %v, want line %d %q", i, line, ti.Err, w.line, w.reason)
		}
	}
	if a := titles[0]; a.Msg.Tenure != "leasehold" || len(a.Msg.Owners) != 2 || a.Msg.Parcels != nil {
		t.Errorf("A: %+v", a.Msg)
	}
	if h := titles[6]; h.Msg.Owners[0].Party != "N7" || h.Msg.Tenure != "freehold" { // a party id as written
		t.Errorf("H: %+v", h.Msg)
	}
	if _, _, err := ReadTitlesCSV(strings.NewReader("ref,owner\nA,b\n"), Mapping{}); err == nil || !strings.Contains(err.Error(), "no column cadastral_ref, share") {
		t.Errorf("header without columns: %v", err)
	}
}
