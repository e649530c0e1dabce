//go:build linux

package memiavl

import (
	"fmt"
	"math/rand"
	"testing"
)

// A session's answers are ReadAheadForWrite's values, and its walks read
// the same pages, each once with room for them all: asked in waves of
// various sizes, some while others are under way, as a block's
// transactions ask their keys.
func TestRingSessionReadsAsReadAheadForWrite(t *testing.T) {
	const leaves = 20_000
	defer func(min, nodes, mapped int) {
		UpperBranchesMinLeaves, UpperBranchesNodes, ReadAheadMappedLevels = min, nodes, mapped
	}(UpperBranchesMinLeaves, UpperBranchesNodes, ReadAheadMappedLevels)
	UpperBranchesMinLeaves, UpperBranchesNodes = 2, leaves>>5
	ReadAheadMappedLevels = 0
	tree := layeredTree(t, leaves, 2)
	tree.ApplyChangeSet(ChangeSet{Pairs: layerChanges(map[string][]byte{"k00000005": nil}, 99)})
	if _, _, err := tree.SaveVersion(true); err != nil {
		t.Fatal(err)
	}
	if _, err := newIORing(8); err != nil {
		t.Skipf("io_uring: %v", err)
	}
	for _, c := range []struct {
		name           string
		pages, entries int
		short          bool
	}{{"default", 4096, 256, false}, {"few-pages-small-ring", 300, 8, false}, {"short-answers", 4096, 256, true}} {
		t.Run(c.name, func(t *testing.T) {
			freshRingWalkers(t, c.pages, c.entries)
			ringShortAnswers = c.short
			defer func() { ringShortAnswers = false }()
			rng := rand.New(rand.NewSource(9))
			keys := make([][]byte, 3000)
			for i := range keys {
				keys[i] = []byte(fmt.Sprintf("k%08d", rng.Intn(2*leaves)))
			}
			keys = append(keys, []byte("a"), []byte("z"), []byte("k00000005"))

			seq := recordPagesRead(t)
			want := make([][]byte, len(keys))
			for i, k := range keys {
				v, err := tree.ReadAheadForWrite(k)
				if err != nil {
					t.Fatal(err)
				}
				want[i] = v
			}
			wantPages := seq.stop()

			s := NewRingSession()
			if s == nil {
				t.Fatal("io_uring is here, but no RingSession")
			}
			together := recordPagesRead(t)
			answered := make([]bool, len(keys))
			next, waits := 0, 0
			var answers []RingAnswer
			for next < len(keys) || s.Active() > 0 {
				// Ask a wave of 1 to 200 keys, as many as there is room for.
				for wave := 1 + rng.Intn(200); wave > 0 && next < len(keys); wave-- {
					if !s.Ask(tree, keys[next], next) {
						break
					}
					next++
				}
				var err error
				answers, err = s.Wait(answers[:0])
				if err != nil {
					t.Fatal(err)
				}
				waits++
				if len(answers) == 0 && s.Active() > 0 {
					t.Fatal("Wait returned no answer with walks under way")
				}
				for _, a := range answers {
					i := a.Token
					if answered[i] {
						t.Fatalf("%q answered twice", keys[i])
					}
					answered[i] = true
					if a.Err != nil || string(a.Value) != string(want[i]) || (a.Value == nil) != (want[i] == nil) {
						t.Fatalf("%q: session %x (%v), ReadAheadForWrite %x", keys[i], a.Value, a.Err, want[i])
					}
				}
			}
			got := together.stop()
			s.Close()
			for i := range keys {
				if !answered[i] {
					t.Fatalf("%q never answered", keys[i])
				}
			}
			for k := range got {
				if wantPages[k] == 0 {
					t.Fatalf("the session read %s@%d, which ReadAheadForWrite does not", k.f.Name(), k.off)
				}
			}
			for k := range wantPages {
				if got[k] == 0 {
					t.Fatalf("the session did not read %s@%d", k.f.Name(), k.off)
				}
			}
			if c.pages >= 4096 && together.reads != len(wantPages) {
				t.Fatalf("a session with room for every page read %d pages %d times", len(wantPages), together.reads)
			}
			t.Logf("%d keys in %d waits: %d pages, %d reads one key at a time, %d through the session", len(keys), waits, len(wantPages), seq.reads, together.reads)
		})
	}
}

// A session closed with walks under way gives its walker back whole: the
// next session answers every key right.
func TestRingSessionClosedMidwayLeavesTheWalkerWhole(t *testing.T) {
	const leaves = 5_000
	tree := layeredTree(t, leaves, 2)
	if _, err := newIORing(8); err != nil {
		t.Skipf("io_uring: %v", err)
	}
	freshRingWalkers(t, 4096, 256)
	keys := make([][]byte, 100)
	want := make([][]byte, len(keys))
	for i := range keys {
		keys[i] = []byte(fmt.Sprintf("k%08d", i*37%(2*leaves)))
		v, err := tree.ReadAheadForWrite(keys[i])
		if err != nil {
			t.Fatal(err)
		}
		want[i] = v
	}
	for round := range 3 {
		s := NewRingSession()
		for i := range keys {
			if !s.Ask(tree, keys[i], i) {
				t.Fatalf("round %d: no room for key %d of %d", round, i, len(keys))
			}
		}
		if round < 2 {
			s.Close() // nothing waited for
			continue
		}
		var answers []RingAnswer
		for s.Active() > 0 {
			var err error
			if answers, err = s.Wait(answers); err != nil {
				t.Fatal(err)
			}
		}
		s.Close()
		if len(answers) != len(keys) {
			t.Fatalf("%d answers for %d keys", len(answers), len(keys))
		}
		for _, a := range answers {
			if a.Err != nil || string(a.Value) != string(want[a.Token]) {
				t.Fatalf("%q: %x (%v), want %x", keys[a.Token], a.Value, a.Err, want[a.Token])
			}
		}
	}
}
