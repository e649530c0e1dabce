package rollimport

import (
	"strings"
	"testing"
)

func TestReadCSV(t *testing.T) {
	a, b := strings.Repeat("ab", 20), strings.Repeat("cd", 20)
	for _, c := range []struct {
		name, text string
		want       []string
		refused    []int // line numbers
	}{
		{"no header", a + "\n" + b + "\n", []string{a, b}, nil},
		{"DIDs and case", "did:publica:" + a + "\n" + strings.ToUpper(b) + "\n", []string{a, b}, nil},
		{"header, voter column", "\ufeffname,Voter\nx," + a + "\n\ny,\"" + b + "\"\n", []string{a, b}, nil},
		{"unknown header: first column", "who\n" + a + "\n", []string{a}, nil},
		{"refusals", "account\n" + a + "\nnope\n" + a + "\n,\n" + b + "\n", []string{a, b}, []int{3, 4, 5}},
		{"short row", "name,account\nx," + a + "\nlonely\n", []string{a}, []int{3}},
		{"credentials", a + "\nurn:uuid:0b1c\n" + strings.Repeat("e", 64) + "\n", []string{a}, []int{2, 3}},
	} {
		entries, refused, err := ReadCSV(strings.NewReader(c.text))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var got []string
		for _, e := range entries {
			got = append(got, e.Account)
		}
		var lines []int
		for _, r := range refused {
			lines = append(lines, r.Line)
		}
		if strings.Join(got, ",") != strings.Join(c.want, ",") || len(lines) != len(c.refused) {
			t.Errorf("%s: entries %v refused %+v", c.name, got, refused)
			continue
		}
		for _, r := range refused {
			if strings.HasPrefix(r.Text, "urn:") && r.Reason != CredentialReason {
				t.Errorf("%s: a credential refused as %q", c.name, r.Reason)
			}
		}
		for i := range lines {
			if lines[i] != c.refused[i] {
				t.Errorf("%s: refused lines %v, want %v", c.name, lines, c.refused)
			}
		}
	}
	if _, _, err := ReadCSV(strings.NewReader("\"unterminated\n")); err == nil {
		t.Error("a broken CSV was read")
	}
}
