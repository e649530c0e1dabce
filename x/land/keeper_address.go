package land

import (
	"strings"
	"unicode"

	"github.com/publica/publica/store"
)

// The address index (land/address/<term>/<parcel> = "1") finds active
// parcels by the words of their address: the address is normalised
// (letters and digits in lower case, every other run of characters one
// space) and indexed from each of its first AddressTerms words to its
// end, so "Mill Lane" finds "1 Mill Lane, Millbrook" and "mill" finds it
// too. Each entry is a state key, provable like the cadastral reference
// index; a parcel leaves the index when it is retired and moves when a
// correction changes its address.

// AddressTerms bounds the index entries per parcel (the words an address
// can be searched from).
const AddressTerms = 8

// maxAddressTerm bounds a query term (and an index term: addresses are at
// most 256 characters).
const maxAddressTerm = 256

func AddressKey(term, parcel string) []byte { return []byte(prefixAddress + term + "/" + parcel) }
func AddressPrefix(term string) []byte      { return []byte(prefixAddress + term) }

// NormalizeAddress is an address or a query as the index holds it:
// lower-case letters and digits, words separated by one space.
func NormalizeAddress(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(unicode.ToLower(r))
		} else {
			space = true
		}
	}
	return b.String()
}

// addressTerms are the index terms of an address: its normalised text
// from each of its first AddressTerms words, without repeats.
func addressTerms(addr string) []string {
	n := NormalizeAddress(addr)
	if n == "" {
		return nil
	}
	var terms []string
	for i := 0; i < AddressTerms; i++ {
		if !containsString(terms, n) {
			terms = append(terms, n)
		}
		sp := strings.IndexByte(n, ' ')
		if sp < 0 {
			break
		}
		n = n[sp+1:]
	}
	return terms
}

func containsString(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// indexAddress adds (on) or removes the parcel's address entries.
func (Keeper) indexAddress(kv store.KV, parcel, addr string, on bool) {
	for _, t := range addressTerms(addr) {
		if on {
			kv.Set(AddressKey(t, parcel), present)
		} else {
			kv.Delete(AddressKey(t, parcel))
		}
	}
}

// AddressHit is one active parcel whose address has a word sequence
// starting with the query, and the index key that proves it.
type AddressHit struct {
	Parcel string `json:"parcel"`
	Term   string `json:"term"` // the indexed words the query begins
}

// Addresses lists, in key order, up to limit active parcels whose address
// has words starting with the normalised query q (each parcel once, at
// its first matching term). An empty q finds nothing.
func (Keeper) Addresses(kv store.KV, q string, limit int) []AddressHit {
	out := []AddressHit{}
	if q == "" {
		return out
	}
	var seen []string // at most limit ids; kept in a slice so nothing depends on map order
	start := AddressPrefix(q)
	kv.Iterate(start, store.PrefixEnd(start), false, func(key, _ []byte) bool {
		k := string(key[len(prefixAddress):])
		slash := strings.LastIndexByte(k, '/')
		if slash < 0 {
			return true
		}
		term, parcel := k[:slash], k[slash+1:]
		if !containsString(seen, parcel) {
			seen = append(seen, parcel)
			out = append(out, AddressHit{Parcel: parcel, Term: term})
		}
		return len(out) < limit
	})
	return out
}
