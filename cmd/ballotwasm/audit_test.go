//go:build !(js && wasm)

package main

import (
	"encoding/json"
	"slices"
	"testing"
)

// TestAuditOpening: the Benaloh check reveals exactly the encrypted
// choices, and refuses an opening of another ballot.
func TestAuditOpening(t *testing.T) {
	req, _ := testRequest(t)
	in, _ := json.Marshal(req)
	var first, second response
	json.Unmarshal(handle("encrypt", in), &first)
	json.Unmarshal(handle("encrypt", in), &second)
	areq := *req
	areq.Choices = nil
	areq.Ballot, areq.Opening = first.Ballot, first.Opening
	ain, _ := json.Marshal(&areq)
	var got response
	if err := json.Unmarshal(handle("audit", ain), &got); err != nil || !got.OK || got.Tracker != first.Tracker {
		t.Fatalf("audit: %+v %v", got, err)
	}
	for qi := range req.Choices {
		if !slices.Equal(got.Choices[qi], req.Choices[qi]) {
			t.Fatalf("audit choices %v, encrypted %v", got.Choices, req.Choices)
		}
	}
	areq.Opening = second.Opening // another encryption's randomness
	ain, _ = json.Marshal(&areq)
	got = response{}
	json.Unmarshal(handle("audit", ain), &got)
	if got.OK || got.Error == "" {
		t.Fatalf("a wrong opening passed the audit: %+v", got)
	}
}
