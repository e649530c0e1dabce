package landimport

import (
	"strings"
	"testing"

	"github.com/publica/publica/errs"
	"github.com/publica/publica/x/land"
)

// A refused batch: the parcel the log names is refused and the rest sent
// again; a log naming none splits the batch; a refusal of the signer
// stops the import.
func TestRefusedBatch(t *testing.T) {
	batch := func(n int) []*Feature {
		out := make([]*Feature, n)
		for i := range out {
			out[i] = &Feature{Index: 100 + i, Ref: "R-" + string(rune('A'+i))}
		}
		return out
	}
	r := &runner[*Feature]{rep: &Report{}}
	r.k = parcelKind(r)
	b := batch(4)
	log := land.AtParcel(2, "R-C", land.ErrOverlap.Wrapf("overlaps active parcel P7 (OLD)")).Error()
	again, err := r.refused(b, land.Codespace, land.ErrOverlap.Code, log)
	if err != nil || len(again) != 1 || len(again[0]) != 3 || again[0][2].Ref != "R-D" {
		t.Fatalf("again %v, err %v", again, err)
	}
	if len(r.rep.Refusals) != 1 || r.rep.Refusals[0] != (Refusal{Index: 102, Ref: "R-C", Reason: "parcel overlaps an active parcel: overlaps active parcel P7 (OLD)"}) {
		t.Fatalf("refusals %+v", r.rep.Refusals)
	}
	// A log whose index does not match the batch's reference: split.
	again, err = r.refused(batch(4), errs.Internal.Codespace, errs.Internal.Code, "internal error: handler panic: parcel 2 (R-X): boom")
	if err != nil || len(again) != 2 || len(again[0]) != 2 || len(again[1]) != 2 {
		t.Fatalf("split: %v %v", again, err)
	}
	// One parcel left: it is refused with the log.
	again, err = r.refused(batch(1), errs.Internal.Codespace, errs.Internal.Code, "internal error: boom")
	if err != nil || again != nil || r.rep.Refused != 2 || !strings.Contains(r.rep.Refusals[1].Reason, "boom") {
		t.Fatalf("single: %v %v %+v", again, err, r.rep)
	}
	if _, err := r.refused(batch(3), land.Codespace, land.ErrNotClerk.Code, "signer is not a land clerk: x"); err == nil {
		t.Fatal("a refusal of the signer did not stop the import")
	}
	if _, err := r.refused(batch(3), errs.Codespace, errs.UnknownAccount.Code, "unknown account"); err == nil {
		t.Fatal("an unknown account did not stop the import")
	}
}
