package ballot

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/publica/publica/web/portal"
	"github.com/publica/publica/x/ballot"
)

// TestReadQuestion: the create form's question fields (text, options one
// a line, how many a voter may choose) make the chain's questions, and
// mistakes name the field to correct.
func TestReadQuestion(t *testing.T) {
	for _, tc := range []struct {
		text, options, max string
		kind, want         string
		maxChoices         uint32
		bad, badField      string
	}{
		{text: "Extend the park?", kind: ballot.KindYesNo, want: "yes|no"},
		{text: " Name ", options: "Oak Park\r\n Elm Park \n\n", kind: ballot.KindSingle, want: "Oak Park|Elm Park"},
		{text: "Name", options: "Oak Park\nElm Park", max: "1", kind: ballot.KindSingle, want: "Oak Park|Elm Park"},
		{text: "Parks: which?", options: "North\nSouth\nEast", max: "2", kind: ballot.KindApproval, want: "North|South|East", maxChoices: 2},
		{text: "Only one", options: "red", bad: "at least two options", badField: "q1_options"},
		{text: "Parks", options: "North\nSouth", max: "4", bad: "at most 2", badField: "q1_max"},
		{text: "Parks", options: "North\nSouth", max: "x", bad: "whole number", badField: "q1_max"},
		{text: "Agree?", max: "2", bad: "yes or no question", badField: "q1_max"},
		{options: "a\nb", bad: "Enter the text of question 1", badField: "q1"},
		{text: "Dup", options: "a\na", bad: "repeated", badField: "q1_options"},
	} {
		a := portal.Answers{Values: url.Values{"q1": {tc.text}, "q1_options": {tc.options}, "q1_max": {tc.max}}}
		q, ok, errs := readQuestion(a, 1)
		if !ok {
			t.Errorf("%+v: not read", tc)
			continue
		}
		if tc.bad != "" {
			if len(errs) == 0 || !strings.Contains(errs[0].Message, tc.bad) || errs[0].Field != tc.badField {
				t.Errorf("%+v: errors %+v, want %q on %s", tc, errs, tc.bad, tc.badField)
			}
			continue
		}
		if len(errs) > 0 || q.Kind != tc.kind || strings.Join(q.Options, "|") != tc.want || q.MaxChoices != tc.maxChoices || q.Text != strings.TrimSpace(tc.text) {
			t.Errorf("%+v: %+v %+v", tc, q, errs)
		}
	}
	if _, ok, errs := readQuestion(portal.Answers{Values: url.Values{"q2": {" "}}}, 2); ok || errs != nil {
		t.Errorf("an empty question slot is read: %v %v", ok, errs)
	}
}

func TestParseWhen(t *testing.T) {
	now := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	for in, want := range map[string]int64{
		"2026-05-01 09:30":     time.Date(2026, 5, 1, 9, 30, 0, 0, time.UTC).Unix(),
		"2026-05-01 09:30:15":  time.Date(2026, 5, 1, 9, 30, 15, 0, time.UTC).Unix(),
		"2026-05-01T10:00:00Z": time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC).Unix(),
		"+90s":                 now.Unix() + 90,
		" +2h ":                now.Unix() + 7200,
	} {
		if got, err := parseWhen(in, now); err != nil || got != want {
			t.Errorf("%q: %d %v, want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "tomorrow", "+", "+-5m", "+0s", "2026-13-01 00:00"} {
		if _, err := parseWhen(bad, now); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestDecodeStrict(t *testing.T) {
	var m ballot.MsgTrusteeKey
	if err := decodeStrict(`{"election":"e","comm_key":"00"}`, &m); err != nil || m.Election != "e" {
		t.Fatalf("%+v %v", m, err)
	}
	for _, bad := range []string{`{"election":"e","other":1}`, `{"election":"e"} {}`, `[]`, `{`} {
		if err := decodeStrict(bad, &m); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
