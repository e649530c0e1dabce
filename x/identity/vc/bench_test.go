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

// BenchmarkVerifyPredicateProofs: parsing a presentation that proves
// "age_band>=18" and "district=7" and verifying both proofs.
func BenchmarkVerifyPredicateProofs(b *testing.B) {
	held, key := provingHolder(b)
	p, err := provePresentation(b, held, key, "chal", "age_band>=18", "district=7")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		pp, err := ParsePresentation(p)
		if err != nil {
			b.Fatal(err)
		}
		for i := range pp.Proofs {
			if err := pp.Proofs[i].Verify("integer"); err != nil {
				b.Fatal(err)
			}
		}
	}
}
