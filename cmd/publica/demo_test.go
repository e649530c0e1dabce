package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/publica/publica/internal/testnode"
)

// TestDemoTown seeds a fresh development chain with the demo town through
// real transactions and checks that the portal's pages show it.
func TestDemoTown(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a real node")
	}
	defer func(d time.Duration) { demoCloseAfter = d }(demoCloseAfter)
	demoCloseAfter = 20 * time.Second // blocks come every 100 ms here; slack for a busy machine

	home := testnode.InitHome(t)
	if err := storeDemoKeys(home); err != nil {
		t.Fatal(err)
	}
	if err := storeDemoParties(home); err != nil {
		t.Fatal(err)
	}
	if err := markDemo(home); err != nil {
		t.Fatal(err)
	}
	n, _ := testnode.Start(t, home)
	url, stop, err := startPortal(testnode.FreeAddr(t), n)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()

	var log strings.Builder
	began := time.Now()
	stopSeeding := startDemoSeeding(&log, home, n.RPCAddress(), url)
	deadline := time.Now().Add(2 * time.Minute)
	for demoPending(home) && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	stopSeeding()
	if demoPending(home) {
		t.Fatalf("seeding did not finish in 2 minutes:\n%s", log.String())
	}
	t.Logf("seeded in %v:\n%s", time.Since(began).Round(time.Second), log.String())
	if !strings.Contains(log.String(), "demo: ready") || !strings.Contains(log.String(), url+"/demo") {
		t.Fatalf("seeding log:\n%s", log.String())
	}
	heldRaw, err := os.ReadFile(filepath.Join(home, "demo", "citizen-alice-residence.json"))
	if err != nil {
		t.Fatalf("Alice's credential file: %v", err)
	}
	// Her credential names this portal's status lists, which serve the
	// registrar's signed lists.
	var held struct {
		Credential struct {
			CredentialStatus []struct{ StatusListCredential string }
		}
	}
	if err := json.Unmarshal(heldRaw, &held); err != nil || len(held.Credential.CredentialStatus) != 2 {
		t.Fatalf("Alice's credential: %v", err)
	}
	for _, e := range held.Credential.CredentialStatus {
		if !strings.HasPrefix(e.StatusListCredential, url+"/identity/status-lists/") {
			t.Errorf("status list %s is not this portal's", e.StatusListCredential)
		} else if body := demoGet(t, e.StatusListCredential); !strings.Contains(body, "BitstringStatusListCredential") || !strings.Contains(body, `"proofValue"`) {
			t.Errorf("%s: %.200s", e.StatusListCredential, body)
		}
	}

	// Every area shows the town.
	for path, want := range map[string][]string{
		"/land/search?ref=MB-":                          {"MB-01", "MB-36-A"},
		"/elections":                                    {"Millbrook budget 2027", "Millbrook library referendum 2026"},
		"/elections/" + demoClosedElection:              {"PASS"},
		"/elections/" + demoOpenElection:                {"Millbrook budget 2027"},
		"/identity/issuers/" + demoAccount("registrar"): {"residence"},
		"/accounts/" + demoAccount("millbrook-bank"):    {demoAccount("millbrook-bank")},
		"/accounts/" + demoAccount(demoObserver):        {"observer"},
		"/demo":                                         {"An election observer", "Observe the library referendum"},
	} {
		body := demoGet(t, url+path)
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("%s does not show %q", path, w)
			}
		}
	}
	// On a fresh chain the titles are numbered in the town's order: MB-01
	// (T1) is mortgaged, MB-12 (T12) under a caveat.
	// The titles name the town's parties (genesis.DemoParties).
	if body := demoGet(t, url+"/land/titles/T1"); !strings.Contains(body, "Mortgage M1") || !strings.Contains(body, "Alice Citizen") ||
		!strings.Contains(body, "Nordbank plc") {
		t.Errorf("T1 does not show its mortgage to Nordbank plc and its owner Alice Citizen")
	}
	if body := demoGet(t, url+"/land/titles/T21"); !strings.Contains(body, "City Council") {
		t.Errorf("T21, the town hall, does not name the City Council")
	}
	if body := demoGet(t, url+"/land/titles/T12"); !strings.Contains(body, "Boundary dispute") {
		t.Errorf("T12 does not show its caveat")
	}
}

func demoGet(t *testing.T, url string) string {
	t.Helper()
	r, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s\n%s", url, r.Status, b)
	}
	return string(b)
}
