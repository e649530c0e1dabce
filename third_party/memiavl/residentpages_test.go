package memiavl

import "testing"

// TestResidentPagesForgetAfterTwoEpochs: a page read counts as resident
// in its epoch and the next, not after; pages never read never count; a
// range counts only when all its pages do; forget clears all.
func TestResidentPagesForgetAfterTwoEpochs(t *testing.T) {
	epoch := int64(100)
	defer func(f func() int64) { epochNow = f }(epochNow)
	epochNow = func() int64 { return epoch }
	const page = preadSpanSize
	r := newResidentPages(1000 * page)
	r.read(5*page+10, 7*page+1) // pages 5, 6 and 7
	for _, c := range []struct {
		off, end int64
		want     bool
	}{
		{5 * page, 8 * page, true},
		{6*page + 100, 6*page + 200, true},
		{4*page + 4000, 5*page + 10, false}, // page 4 was not read
		{7 * page, 8*page + 1, false},       // nor page 8
		{999 * page, 1000 * page, false},
	} {
		if got := r.recent(c.off, c.end); got != c.want {
			t.Fatalf("epoch %d: [%d, %d) recent %v, want %v", epoch, c.off, c.end, got, c.want)
		}
	}
	epoch++
	r.read(900*page, 901*page)
	if !r.recent(5*page, 8*page) || !r.recent(900*page, 901*page) {
		t.Fatal("the epoch after the read: no longer recent")
	}
	epoch++
	if r.recent(5*page, 6*page) {
		t.Fatal("two epochs after the read: still recent")
	}
	if !r.recent(900*page, 901*page) {
		t.Fatal("page read an epoch ago forgotten")
	}
	epoch += 5 // more than an epoch passed at once: both bitmaps cleared
	if r.recent(900*page, 901*page) {
		t.Fatal("seven epochs after: still recent")
	}
	r.read(0, 3*page)
	r.forget()
	if r.recent(0, page) {
		t.Fatal("forget kept a page")
	}
}
