package portal

import (
	"strings"
	"testing"
)

// Sealed page state opens only for its purpose, unchanged, on the server
// that sealed it; and it does not show its contents.
func TestSealedStateIsBoundAndSecret(t *testing.T) {
	a := &Server{secret: []byte("secret a, thirty-two bytes long!")}
	b := &Server{secret: []byte("secret b, thirty-two bytes long!")}
	in := map[string]string{"name": "Alice Example"}
	tok, err := a.SealState("identity/issue", in)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(tok, "Alice") {
		t.Fatal("sealed state shows its contents")
	}
	var out map[string]string
	if err := a.OpenState("identity/issue", tok, &out); err != nil || out["name"] != "Alice Example" {
		t.Fatalf("open: %v %v", err, out)
	}
	flipped := []byte(tok)
	flipped[len(flipped)/2] ^= 1
	for name, try := range map[string]func() error{
		"other purpose": func() error { return a.OpenState("identity/present", tok, &out) },
		"other server":  func() error { return b.OpenState("identity/issue", tok, &out) },
		"changed":       func() error { return a.OpenState("identity/issue", string(flipped), &out) },
		"truncated":     func() error { return a.OpenState("identity/issue", tok[:10], &out) },
		"not base64":    func() error { return a.OpenState("identity/issue", "!!", &out) },
	} {
		if try() == nil {
			t.Errorf("%s: opened", name)
		}
	}
}
