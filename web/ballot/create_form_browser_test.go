package ballot_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/internal/apptest/browser"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/web"
	"github.com/publica/publica/x/ballot"
)

// TestCreateElectionFormInBrowser: the official creates an election with
// a yes/no question, a choose-one question and an approval question, each
// typed into its own fields (text, options one a line, how many a voter
// may choose) instead of a mini-syntax. A question with one option and an
// options list without its question are refused on the fields concerned;
// the check page lists the questions in words; the chain holds them as
// entered; "Change your answers" brings every answer back. axe-core
// checks the form, its errors, the check page and the refilled form.
func TestCreateElectionFormInBrowser(t *testing.T) {
	home := testnode.InitHome(t)
	n, c := testnode.Start(t, home)
	base := browser.Serve(t, n, web.Options{Refresh: -1})
	bctx := browser.New(t)
	w := browser.Watch(bctx)
	acct := func(name string) string {
		return tx.AccountID(apptest.DemoKey(t, name).Public().(ed25519.PublicKey))
	}
	pub := browser.UseKey(t, bctx, base, apptest.DemoKey(t, "election-official"))
	browser.Run(t, bctx, "open the form", chromedp.Navigate(base+"/ballot/create"),
		browser.Poll(`document.getElementById("f-pubkey").value === "`+pub+`"`, 10*time.Second))
	browser.WantStatus(t, w, "create form", 200)
	var typed int
	browser.Run(t, bctx, "no mini-syntax field", chromedp.Evaluate(`document.querySelectorAll("#f-questions").length`, &typed))
	if typed != 0 {
		t.Errorf("the form still has the one-a-line questions field")
	}
	labelled := func(ids ...string) {
		t.Helper()
		for _, id := range ids {
			var label string
			browser.Run(t, bctx, "label of "+id, chromedp.Evaluate(`(document.querySelector('label[for="`+id+`"]')||{}).textContent||""`, &label))
			if strings.TrimSpace(label) == "" {
				t.Errorf("field %s has no label", id)
			}
		}
	}
	count := func(sel string) int {
		t.Helper()
		var n int
		browser.Run(t, bctx, "count "+sel, chromedp.Evaluate(`document.querySelectorAll(`+strconv.Quote(sel)+`).length`, &n))
		return n
	}
	labelled("f-q1", "f-q1_options", "f-q1_max", "f-q3", "f-q3_options", "f-q3_max")
	if n := count("#f-q4"); n != 0 {
		t.Errorf("the form opens with a fourth question slot")
	}
	browser.RequireAccessible(t, bctx, "create election form")
	set := func(values map[string]string) {
		t.Helper()
		for f, v := range values {
			browser.Run(t, bctx, "fill "+f, chromedp.SetValue("#f-"+f, v, chromedp.ByID))
		}
	}
	submit := func(what, wait string) {
		t.Helper()
		browser.Run(t, bctx, what, browser.Submitted(wait, chromedp.Click("form.journey-form button.primary", chromedp.ByQuery)))
	}

	// Add another question: the form again, every answer kept, one slot more
	// with its labels, nothing refused yet.
	set(map[string]string{"q1": "Rebuild the market square?"})
	browser.Run(t, bctx, "add another question", browser.Submitted("#f-q4", chromedp.Click("#f-add_question", chromedp.ByID)))
	browser.WantStatus(t, w, "add another question", 200)
	labelled("f-q4", "f-q4_options", "f-q4_max")
	if n := count(".error-summary"); n != 0 {
		t.Errorf("adding a question refused the answers")
	}
	var kept string
	browser.Run(t, bctx, "kept", chromedp.Value("#f-q1", &kept, chromedp.ByID))
	if kept != "Rebuild the market square?" {
		t.Errorf("question 1 after adding a question: %q", kept)
	}
	browser.RequireAccessible(t, bctx, "create election form with a question added")

	trustees := acct("trustee-1") + "\n" + acct("trustee-2") + "\n" + acct("trustee-3")
	set(map[string]string{"id": "market-2026", "title": "Market square", "trustees": trustees, "threshold": "2", "opens": "+1s", "closes": "+1h",
		"q2": "Paving", "q2_options": "Granite",
		"q3_options": "Fountain\nBenches"})
	// Enter in a field continues (the main button), not "Add another question".
	browser.Run(t, bctx, "refused questions", browser.Submitted(".error-summary", chromedp.SendKeys("#f-title", kb.Enter, chromedp.ByID)))
	browser.WantStatus(t, w, "refused questions", 422)
	sum := browser.Text(t, bctx, ".error-summary")
	for _, want := range []string{"Give question 2 at least two options", "Enter the text of question 3"} {
		if !strings.Contains(sum, want) {
			t.Errorf("error summary lacks %q:\n%s", want, sum)
		}
	}
	if e := browser.Text(t, bctx, "#f-q2_options-error"); !strings.Contains(e, "at least two options") {
		t.Errorf("inline error on question 2's options: %q", e)
	}
	browser.Run(t, bctx, "kept", chromedp.Value("#f-q1", &kept, chromedp.ByID))
	if kept != "Rebuild the market square?" {
		t.Errorf("question 1 after the refusal: %q", kept)
	}
	if n := count("#f-q4"); n != 1 {
		t.Errorf("the added question slot is gone after the refusal")
	}
	browser.RequireAccessible(t, bctx, "create election form with errors")

	set(map[string]string{"q2_options": "Granite\nBrick\nAsphalt", "q3": "What should it have?", "q3_options": "Fountain\nBenches\nTrees\nStalls", "q3_max": "2"})
	submit("prepare", "form[data-sign]")
	browser.WantStatus(t, w, "check page", 200)
	facts := browser.Text(t, bctx, "#tx-facts")
	for _, want := range []string{"Rebuild the market square? (choose one): yes, no", "Paving (choose one): Granite, Brick, Asphalt", "What should it have?"} {
		if !strings.Contains(facts, want) {
			t.Errorf("check page facts lack %q:\n%s", want, facts)
		}
	}
	browser.RequireAccessible(t, bctx, "create election check page")

	// Change your answers: the form comes back with every answer.
	browser.Run(t, bctx, "change your answers", chromedp.Click(`//a[normalize-space()="Change your answers"]`, chromedp.BySearch),
		chromedp.WaitVisible("#f-q3_options", chromedp.ByID))
	browser.WantStatus(t, w, "form with answers kept", 200)
	for f, want := range map[string]string{"id": "market-2026", "title": "Market square", "q1": "Rebuild the market square?", "q1_options": "",
		"q2_options": "Granite\nBrick\nAsphalt", "q3": "What should it have?", "q3_options": "Fountain\nBenches\nTrees\nStalls", "q3_max": "2",
		"trustees": trustees, "threshold": "2"} {
		var got string
		browser.Run(t, bctx, "read "+f, chromedp.Value("#f-"+f, &got, chromedp.ByID))
		if got != want {
			t.Errorf("after Change your answers, %s is %q, want %q", f, got, want)
		}
	}
	browser.RequireAccessible(t, bctx, "create election form with answers kept")
	submit("prepare again", "form[data-sign]")
	browser.WantStatus(t, w, "check page again", 200)
	if f := browser.Text(t, bctx, "#tx-facts"); f != facts {
		t.Errorf("the check page after changing nothing differs:\n%s\nwas\n%s", f, facts)
	}
	browser.Run(t, bctx, "sign", browser.Poll(`document.querySelector("[data-sign-status]").textContent.startsWith("Ready")`, 10*time.Second),
		browser.Submitted("#confirmation", chromedp.Click("form[data-sign] button", chromedp.ByQuery)))
	browser.WantStatus(t, w, "confirmation", 200)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := c.Query(ctx, "/ballot/election/market-2026", nil, 0, false)
	if err != nil || res.Value == nil {
		t.Fatalf("election market-2026: %v", err)
	}
	var e ballot.Election
	if err := json.Unmarshal(res.Value, &e); err != nil {
		t.Fatal(err)
	}
	want := []ballot.Question{
		{Text: "Rebuild the market square?", Kind: ballot.KindYesNo, Options: []string{"yes", "no"}},
		{Text: "Paving", Kind: ballot.KindSingle, Options: []string{"Granite", "Brick", "Asphalt"}},
		{Text: "What should it have?", Kind: ballot.KindApproval, Options: []string{"Fountain", "Benches", "Trees", "Stalls"}, MaxChoices: 2},
	}
	got, _ := json.Marshal(e.Questions)
	exp, _ := json.Marshal(want)
	if string(got) != string(exp) {
		t.Errorf("questions on chain %s\nwant %s", got, exp)
	}
}
