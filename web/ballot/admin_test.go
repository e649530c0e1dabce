package ballot

import (
	"strings"
	"testing"
	"time"

	"github.com/publica/publica/x/ballot"
)

func TestParseQuestionLine(t *testing.T) {
	for _, tc := range []struct {
		in      string
		kind    string
		options string
		max     uint32
		bad     string
	}{
		{in: "yes_no:Extend the park?", kind: ballot.KindYesNo, options: "yes|no"},
		{in: " single : Name : Oak Park, Elm Park ", kind: ballot.KindSingle, options: "Oak Park|Elm Park"},
		{in: "approval:2:Parks: which?:North,South,East", kind: ballot.KindApproval, options: "North|South|East", max: 2},
		{in: "single:Only one:red", bad: "at least 2 options"},
		{in: "approval:4:Parks:North,South", bad: "max_choices"},
		{in: "approval:x:Parks:North", bad: "HOW-MANY"},
		{in: "single:no options", bad: "single:QUESTION"},
		{in: "rank:Which?", bad: "start with"},
		{in: "single:Dup:a,a", bad: "repeated"},
		{in: "yes_no:", bad: "text must be"},
	} {
		q, err := parseQuestionLine(tc.in)
		if err == nil {
			err = checkQuestion(q)
		}
		if tc.bad != "" {
			if err == nil || !strings.Contains(err.Error(), tc.bad) {
				t.Errorf("%q: error %v, want %q", tc.in, err, tc.bad)
			}
			continue
		}
		if err != nil || q.Kind != tc.kind || strings.Join(q.Options, "|") != tc.options || q.MaxChoices != tc.max {
			t.Errorf("%q: %+v %v", tc.in, q, err)
		}
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
