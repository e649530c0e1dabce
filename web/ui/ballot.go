package ui

// Elections pages: the view models (ballot.templ renders them).

// ElectionRow is one election in the list.
type ElectionRow struct {
	ID, Title, Status string
	Opens, Closes     string
	Open              bool // ballots accepted now
}

// QuestionView is one question with its options (and, once tallied, the
// counts).
type QuestionView struct {
	Index   int
	Text    string
	Kind    string // yes_no, single_choice, approval
	Rule    string // "Choose one", "Choose up to 2"
	Options []string
	Counts  []uint64 // nil until tallied
	Min     uint32
	Max     uint32
}

// TrackerRow is one bulletin-board entry.
type TrackerRow struct {
	Tracker, Status, Voter string
	Height                 int64
	Tx                     string
}

// Verdict is the independent verifier's verdict on a tallied election.
type Verdict struct {
	OK       bool
	Summary  string // the verifier's report, as text
	Failures []string
	Pending  bool   // still running: reload later
	Error    string // the verifier could not run (the node did not answer)
}

// ElectionView is the election page.
type ElectionView struct {
	ID, Title, Status string
	Opens, Closes     string
	Open              bool
	Official          string
	Trustees          []string
	Threshold         uint32
	Eligibility       string
	PublicKey         string
	Questions         []QuestionView
	Ballots           uint64 // counted, from the aggregate
	Roll              int    // voters on the roll (when RollKnown)
	RollKnown         bool
	Board             []TrackerRow
	BoardNext         string // ?after= for the next page of trackers, "" at the end
	Tallied           bool
	Verdict           *Verdict
	TallyHeight       int64
	Trackers          map[string]int // counted/superseded/withdrawn on this page
}

// VoteView is the page where the browser encrypts and casts a ballot.
type VoteView struct {
	ID, Title, Closes string
	PublicKey         string // the election key, hex
	QuestionsJSON     string // [{options,min,max}] for the WebAssembly encryptor
	Questions         []QuestionView
	Action            string // the cast journey's path
	Open              bool
	Status            string // why not, when not open
	Official          string // the election official's account (whom to ask about the roll)
	Voter             string // the signed-in account ("" signed out)
	NotOnRoll         bool   // the signed-in account is not on the roll
}

// TrackerLookup is the "find my ballot" page.
type TrackerLookup struct {
	ID, Title string
	Query     string
	Errors    []FormError
	Found     *TrackerRow
	Proven    int64 // height whose header the record's proof was checked against
	NotFound  bool
}

// ChallengeCheck is the page that checks a challenged ballot (Benaloh) on
// a device other than the one that encrypted it.
type ChallengeCheck struct {
	ID, Title string
	Tracker   string // as typed: the tracker the voter was shown
	Challenge string // as pasted
	Errors    []FormError
	Result    *ChallengeResult // after a check
}

// ChallengeResult is the verdict on a challenged ballot.
type ChallengeResult struct {
	OK      bool
	Problem string
	Tracker string // of the ballot in the file
	Voter   string
	Choices []Fact // question → the options the ballot encrypts
	Proven  int64  // height whose header the election record was proven against
}

// The messages each election page script shows (jsText).
var (
	voteScriptKeys = []string{"ballot.js.loading", "ballot.js.nokey", "ballot.js.ready", "ballot.js.loadfail", "ballot.js.q.one",
		"ballot.js.q.max", "ballot.js.encfail", "ballot.js.decided", "ballot.js.notready", "ballot.js.encrypted", "ballot.js.discarded",
		"ballot.js.casting", "ballot.js.opened", "ballot.js.checkfailed", "ballot.js.nochoice", "ballot.js.challenged", "ballot.js.again"}
	trusteeScriptKeys = []string{"ballot.tjs.loading", "ballot.tjs.working", "ballot.tjs.computed", "ballot.tjs.round1", "ballot.tjs.register",
		"ballot.tjs.waitkeys", "ballot.tjs.round2", "ballot.tjs.deal", "ballot.tjs.complained", "ballot.tjs.reveal", "ballot.tjs.share.ok",
		"ballot.tjs.share.bad", "ballot.tjs.complain", "ballot.tjs.dealt", "ballot.tjs.published", "ballot.tjs.waitclose", "ballot.tjs.posted",
		"ballot.tjs.closed", "ballot.tjs.decrypt", "ballot.tjs.nokey", "ballot.tjs.nottrustee", "ballot.tjs.fail"}
	rollScriptKeys = []string{"ballot.rjs.choose", "ballot.rjs.progress", "ballot.rjs.rate", "ballot.rjs.nokey", "ballot.rjs.done",
		"ballot.rjs.donerefused", "ballot.rjs.after", "ballot.rjs.nocolumn", "ballot.rjs.novoter", "ballot.rjs.notaccount", "ballot.rjs.same",
		"ballot.rjs.credential", "ballot.rjs.otherkey", "ballot.rjs.noanswer"}
)
