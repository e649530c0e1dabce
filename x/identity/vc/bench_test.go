package vc

import "testing"

func BenchmarkParsePresentation(b *testing.B) {
	_, p := seedPresentation(b)
	for b.Loop() {
		if _, err := ParsePresentation(p); err != nil {
			b.Fatal(err)
		}
	}
}
