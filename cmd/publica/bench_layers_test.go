package main

import (
	"testing"

	"github.com/publica/publica/store"
)

func TestLayersFlagReadsAPolicy(t *testing.T) {
	var p *store.LayerPolicy
	f := &layersFlag{&p}
	if err := f.Set("max=16,fraction=0.15,merge=0.5,merge-at=4"); err != nil {
		t.Fatal(err)
	}
	want := store.LayerPolicy{MaxLayers: 16, MaxFraction: 0.15, MergeFraction: 0.5, MaxLayersMerging: 4}
	if p == nil || *p != want {
		t.Fatalf("policy %+v, want %+v", p, want)
	}
	if got := f.String(); got != "max=16,fraction=0.15,merge=0.5,merge-at=4" {
		t.Fatalf("String() = %q", got)
	}
	for _, bad := range []string{"max", "max=x", "layers=3", "max=-1", "fraction=NaN"} {
		if err := f.Set(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestRewritesFlagReadsAPolicy(t *testing.T) {
	var p store.SnapshotPolicy
	f := &rewritesFlag{&p}
	if err := f.Set("min=20,fraction=0.25,log-mib=256"); err != nil {
		t.Fatal(err)
	}
	want := store.SnapshotPolicy{MinVersions: 20, ChangedFraction: 0.25, MaxLogBytes: 256 << 20}
	if p != want {
		t.Fatalf("policy %+v, want %+v", p, want)
	}
	if got := f.String(); got != "min=20,max=0,fraction=0.25,log-mib=256" {
		t.Fatalf("String() = %q", got)
	}
	for _, bad := range []string{"min", "min=-1", "log-mib=x", "every=3", "fraction=NaN", "min=50,max=10"} {
		if err := f.Set(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
