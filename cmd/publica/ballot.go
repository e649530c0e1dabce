package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	dbm "github.com/cosmos/cosmos-db"
	"github.com/spf13/cobra"

	"github.com/publica/publica/audit/election"
	"github.com/publica/publica/client"
	"github.com/publica/publica/crypto/elgamal"
	"github.com/publica/publica/node"
	"github.com/publica/publica/store"
	"github.com/publica/publica/x/ballot"
)

// ---- reading ballot records from a node ----

func fetchJSON(ctx context.Context, c *client.Client, path string, v any) (bool, error) {
	res, err := c.Query(ctx, path, nil, 0, false)
	if err != nil {
		return false, err
	}
	if res.Value == nil {
		return false, nil
	}
	return true, json.Unmarshal(res.Value, v)
}

func fetchElection(ctx context.Context, c *client.Client, id string) (*ballot.Election, error) {
	var e ballot.Election
	ok, err := fetchJSON(ctx, c, "/ballot/election/"+id, &e)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%w: no election %q", errNotFound, id)
	}
	return &e, nil
}

func fetchTrustees(ctx context.Context, c *client.Client, e *ballot.Election) ([]*ballot.Trustee, []*ballot.Complaint, error) {
	out := make([]*ballot.Trustee, len(e.Trustees))
	for j := range out {
		var t ballot.Trustee
		ok, err := fetchJSON(ctx, c, fmt.Sprintf("/ballot/trustee/%s/%d", e.ID, j+1), &t)
		if err != nil {
			return nil, nil, err
		}
		if ok {
			out[j] = &t
		}
	}
	var page ballot.Page
	if _, err := fetchJSON(ctx, c, "/ballot/list/complaint/"+e.ID, &page); err != nil {
		return nil, nil, err
	}
	var cs []*ballot.Complaint
	for _, en := range page.Entries {
		var cp ballot.Complaint
		if err := json.Unmarshal(en.Value, &cp); err != nil {
			return nil, nil, err
		}
		cs = append(cs, &cp)
	}
	return out, cs, nil
}

// ballotSession is what a trustee or voter command needs: the key, the
// node and the election.
type ballotSession struct {
	ctx    context.Context
	cancel context.CancelFunc
	c      *client.Client
	addr   string
	key    ed25519.PrivateKey
	acct   string
	e      *ballot.Election
}

func openBallotSession(cmd *cobra.Command, o *txOpts, id string) (*ballotSession, error) {
	ks, err := openKeys(cmd)
	if err != nil {
		return nil, err
	}
	priv, info, err := loadKey(ks, newPassphraseSource(cmd), o.from)
	if err != nil {
		return nil, err
	}
	c, addr, err := connect(cmd)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), o.timeout)
	e, err := fetchElection(ctx, c, id)
	if err != nil {
		cancel()
		return nil, nodeErr(addr, err)
	}
	return &ballotSession{ctx: ctx, cancel: cancel, c: c, addr: addr, key: priv, acct: info.Account, e: e}, nil
}

func (s *ballotSession) trusteeIndex() (uint32, error) {
	idx := s.e.TrusteeIndex(s.acct)
	if idx == 0 {
		return 0, fmt.Errorf("account %s is not a trustee of election %s", s.acct, s.e.ID)
	}
	return idx, nil
}

// send signs msg with the session key (no co-signers) and broadcasts it.
func (s *ballotSession) send(cmd *cobra.Command, msgType string, msg any) error {
	t, err := s.c.Build(s.ctx, s.key.Public().(ed25519.PublicKey), msgType, msg, 100)
	if err != nil {
		return nodeErr(s.addr, err)
	}
	t.Sign(s.key)
	return broadcast(s.ctx, cmd, s.c, s.addr, t)
}

// ---- tx ballot ----

func txBallotCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ballot",
		Short: "Elections: define, key ceremony, cast, tally (docs/ballot.md)",
		Long: `Transactions of the ballot module. The life of an election:

  election official: create-election, register-voters
  each trustee:      trustee-key, then deal (after every trustee's key is in),
                     check-shares (and complain / reveal if a share is bad)
  election official: publish-key
  each voter:        cast (--audit first to check the encryption, Benaloh)
  after closing:     tally by at least threshold trustees`,
	}
	cmd.AddCommand(ballotCreateCmd(), ballotRollCmd("register-voters"), ballotRollCmd("remove-voters"),
		ballotTrusteeKeyCmd(), ballotDealCmd(), ballotCheckSharesCmd(), ballotComplainCmd(), ballotRevealCmd(),
		ballotPublishKeyCmd(), ballotCastCmd(), ballotTallyCmd())
	return cmd
}

// parseQuestion reads yes_no:TEXT, single:TEXT:A,B,C or approval:K:TEXT:A,B,C.
func parseQuestion(s string) (ballot.Question, error) {
	kind, rest, _ := strings.Cut(s, ":")
	switch kind {
	case "yes_no", "yesno":
		return ballot.Question{Text: rest, Kind: ballot.KindYesNo, Options: []string{"yes", "no"}}, nil
	case "single", "single_choice":
		i := strings.LastIndex(rest, ":")
		if i < 0 {
			return ballot.Question{}, fmt.Errorf("question %q: want single:TEXT:OPTION,OPTION,…", s)
		}
		return ballot.Question{Text: rest[:i], Kind: ballot.KindSingle, Options: strings.Split(rest[i+1:], ",")}, nil
	case "approval":
		k, rest, _ := strings.Cut(rest, ":")
		i := strings.LastIndex(rest, ":")
		n, err := strconv.ParseUint(k, 10, 32)
		if err != nil || i < 0 {
			return ballot.Question{}, fmt.Errorf("question %q: want approval:K:TEXT:OPTION,OPTION,…", s)
		}
		return ballot.Question{Text: rest[:i], Kind: ballot.KindApproval, Options: strings.Split(rest[i+1:], ","), MaxChoices: uint32(n)}, nil
	}
	return ballot.Question{}, fmt.Errorf("question %q: kinds are yes_no, single, approval", s)
}

// parseWhen reads RFC 3339 or +DURATION from now.
func parseWhen(s string) (int64, error) {
	if d, ok := strings.CutPrefix(s, "+"); ok {
		dur, err := time.ParseDuration(d)
		if err != nil {
			return 0, err
		}
		return time.Now().Add(dur).Unix(), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return 0, fmt.Errorf("%q: want RFC 3339 (2026-05-01T08:00:00Z) or +DURATION (+10m)", s)
	}
	return t.Unix(), nil
}

func ballotCreateCmd() *cobra.Command {
	var (
		o                        txOpts
		id, title, opens, closes string
		credential, predicate    string
		questions, trustees      []string
		threshold                uint32
	)
	cmd := &cobra.Command{
		Use:   "create-election",
		Short: "Define an election (election official)",
		Example: `  publica tx ballot create-election --id city-2026 --title "City vote 2026" \
    --question "yes_no:Approve the 2026 budget?" \
    --question "single:Mayor:Ann,Ben,Cy" \
    --question "approval:2:Parks to renovate:North,South,East,West" \
    --trustees trustee-1,trustee-2,trustee-3 --threshold 2 \
    --opens +10m --closes +2h --from election-official`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ks, err := openKeys(cmd)
			if err != nil {
				return err
			}
			m := &ballot.MsgCreateElection{ID: id, Title: title, Threshold: threshold, Eligibility: ballot.Eligibility{Kind: ballot.RuleRoll}}
			if credential != "" {
				m.Eligibility = ballot.Eligibility{Kind: ballot.RuleCredential, Schema: credential, Predicate: predicate}
			}
			for _, q := range questions {
				pq, err := parseQuestion(q)
				if err != nil {
					return err
				}
				m.Questions = append(m.Questions, pq)
			}
			for _, t := range trustees {
				a, err := resolveAccount(ks, t)
				if err != nil {
					return err
				}
				m.Trustees = append(m.Trustees, a)
			}
			if m.OpensAt, err = parseWhen(opens); err != nil {
				return err
			}
			if m.ClosesAt, err = parseWhen(closes); err != nil {
				return err
			}
			if err := m.ValidateBasic(); err != nil {
				return err
			}
			return runMsgTx(cmd, &o, ballot.TypeCreateElection, m)
		},
	}
	addBuildFlags(cmd, &o, false)
	f := cmd.Flags()
	f.StringVar(&id, "id", "", "election id: lowercase letters, digits, dashes")
	f.StringVar(&title, "title", "", "title")
	f.StringArrayVar(&questions, "question", nil, "yes_no:TEXT | single:TEXT:A,B,C | approval:K:TEXT:A,B,C (repeat per question)")
	f.StringSliceVar(&trustees, "trustees", nil, "trustee accounts or key names, in trustee order")
	f.Uint32Var(&threshold, "threshold", 0, "trustees needed to decrypt")
	f.StringVar(&opens, "opens", "", "opening block time: RFC 3339 or +DURATION")
	f.StringVar(&closes, "closes", "", "closing block time: RFC 3339 or +DURATION")
	f.StringVar(&credential, "credential", "", "eligibility by identity credential schema id (default: a voter roll)")
	f.StringVar(&predicate, "predicate", "", "with --credential: the predicate the credential must satisfy")
	return cmd
}

func ballotRollCmd(use string) *cobra.Command {
	var o txOpts
	msgType := ballot.TypeRegisterVoters
	short := "Add accounts to an election's voter roll (election official)"
	if use == "remove-voters" {
		msgType, short = ballot.TypeRemoveVoters, "Remove accounts from the roll; a removed voter's ballot leaves the count (election official)"
	}
	cmd := &cobra.Command{
		Use:     use + " ELECTION ACCOUNT|NAME...",
		Short:   short,
		Example: "  publica tx ballot " + use + " city-2026 citizen-alice citizen-bob --from election-official",
		Args:    cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ks, err := openKeys(cmd)
			if err != nil {
				return err
			}
			var ids []string
			for _, a := range args[1:] {
				id, err := resolveAccount(ks, a)
				if err != nil {
					return err
				}
				ids = append(ids, id)
			}
			ids = sortUnique(ids)
			if msgType == ballot.TypeRemoveVoters {
				return runMsgTx(cmd, &o, msgType, &ballot.MsgRemoveVoters{Election: args[0], Voters: ids})
			}
			return runMsgTx(cmd, &o, msgType, &ballot.MsgRegisterVoters{Election: args[0], Voters: ids})
		},
	}
	addBuildFlags(cmd, &o, false)
	return cmd
}

func sortUnique(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	w := 0
	for i := range out {
		if i == 0 || out[i] != out[i-1] {
			out[w] = out[i]
			w++
		}
	}
	return out[:w]
}

// trusteeCmd builds a trustee tool command: it loads the key, the election
// and the signer's trustee index, then runs fn.
func trusteeCmd(use, short, example string, nargs int, fn func(cmd *cobra.Command, s *ballotSession, idx uint32, args []string) error) *cobra.Command {
	var o txOpts
	cmd := &cobra.Command{
		Use: use, Short: short, Example: example, Args: cobra.ExactArgs(nargs),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := openBallotSession(cmd, &o, args[0])
			if err != nil {
				return err
			}
			defer s.cancel()
			idx, err := s.trusteeIndex()
			if err != nil {
				return err
			}
			return fn(cmd, s, idx, args)
		},
	}
	addBuildFlags(cmd, &o, false)
	return cmd
}

func ballotTrusteeKeyCmd() *cobra.Command {
	return trusteeCmd("trustee-key ELECTION", "Key ceremony round 1: publish this trustee's share-receiving key",
		"  publica tx ballot trustee-key city-2026 --from trustee-1", 1,
		func(cmd *cobra.Command, s *ballotSession, _ uint32, args []string) error {
			return s.send(cmd, ballot.TypeTrusteeKey, ballot.CommKeyMsg(s.key, s.e.ID))
		})
}

func ballotDealCmd() *cobra.Command {
	return trusteeCmd("deal ELECTION", "Key ceremony round 2: publish commitments and encrypted shares",
		"  publica tx ballot deal city-2026 --from trustee-1", 1,
		func(cmd *cobra.Command, s *ballotSession, idx uint32, args []string) error {
			trs, _, err := fetchTrustees(s.ctx, s.c, s.e)
			if err != nil {
				return nodeErr(s.addr, err)
			}
			m, err := ballot.DealMsg(s.key, s.e, idx, trs)
			if err != nil {
				return err
			}
			return s.send(cmd, ballot.TypeDeal, m)
		})
}

func ballotCheckSharesCmd() *cobra.Command {
	return trusteeCmd("check-shares ELECTION", "Decrypt and check the shares other trustees dealt to you (no transaction)",
		"  publica tx ballot check-shares city-2026 --from trustee-2", 1,
		func(cmd *cobra.Command, s *ballotSession, idx uint32, args []string) error {
			trs, _, err := fetchTrustees(s.ctx, s.c, s.e)
			if err != nil {
				return nodeErr(s.addr, err)
			}
			bad := 0
			for _, t := range trs {
				switch {
				case t == nil || t.Dealing == "":
					fmt.Fprintf(cmd.OutOrStdout(), "dealer %d: has not dealt yet\n", indexOf(trs, t))
				default:
					if _, err := ballot.ReceivedShare(s.key, s.e.ID, idx, t); err != nil {
						bad++
						fmt.Fprintf(cmd.OutOrStdout(), "dealer %d: BAD share (%v); complain with `publica tx ballot complain %s %d --from …`\n", t.Index, err, s.e.ID, t.Index)
					} else {
						fmt.Fprintf(cmd.OutOrStdout(), "dealer %d: share OK\n", t.Index)
					}
				}
			}
			if bad > 0 {
				return fmt.Errorf("%d bad share(s)", bad)
			}
			return nil
		})
}

func indexOf(trs []*ballot.Trustee, t *ballot.Trustee) int {
	for i := range trs {
		if trs[i] == t {
			return i + 1
		}
	}
	return 0
}

func ballotComplainCmd() *cobra.Command {
	return trusteeCmd("complain ELECTION DEALER", "Complain publicly that DEALER's share to you is wrong",
		"  publica tx ballot complain city-2026 1 --from trustee-2", 2,
		func(cmd *cobra.Command, s *ballotSession, _ uint32, args []string) error {
			d, err := strconv.ParseUint(args[1], 10, 32)
			if err != nil {
				return fmt.Errorf("DEALER %q: a trustee index", args[1])
			}
			return s.send(cmd, ballot.TypeComplain, &ballot.MsgComplain{Election: s.e.ID, Dealer: uint32(d)})
		})
}

func ballotRevealCmd() *cobra.Command {
	return trusteeCmd("reveal ELECTION COMPLAINER", "Answer COMPLAINER's complaint by revealing its share publicly",
		"  publica tx ballot reveal city-2026 2 --from trustee-1", 2,
		func(cmd *cobra.Command, s *ballotSession, idx uint32, args []string) error {
			j, err := strconv.ParseUint(args[1], 10, 32)
			if err != nil {
				return fmt.Errorf("COMPLAINER %q: a trustee index", args[1])
			}
			m, err := ballot.RevealShare(s.key, s.e, idx, uint32(j))
			if err != nil {
				return err
			}
			return s.send(cmd, ballot.TypeReveal, m)
		})
}

func ballotPublishKeyCmd() *cobra.Command {
	var o txOpts
	cmd := &cobra.Command{
		Use:     "publish-key ELECTION",
		Short:   "End the key ceremony and publish the election key (election official)",
		Example: "  publica tx ballot publish-key city-2026 --from election-official",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runMsgTx(cmd, &o, ballot.TypePublishKey, &ballot.MsgPublishKey{Election: args[0]})
		},
	}
	addBuildFlags(cmd, &o, false)
	return cmd
}

// parseAnswers maps --answer values (option texts or 1-based numbers,
// comma separated; "" for none) onto the election's questions.
func parseAnswers(e *ballot.Election, answers []string) ([][]int, error) {
	if len(answers) != len(e.Questions) {
		return nil, fmt.Errorf("%d --answer for %d questions: %s", len(answers), len(e.Questions), describeQuestions(e))
	}
	out := make([][]int, len(answers))
	for qi, a := range answers {
		out[qi] = []int{}
		if strings.TrimSpace(a) == "" {
			continue
		}
		for _, part := range strings.Split(a, ",") {
			part = strings.TrimSpace(part)
			found := -1
			for oi, opt := range e.Questions[qi].Options {
				if strings.EqualFold(opt, part) {
					found = oi
				}
			}
			if n, err := strconv.Atoi(part); err == nil && found < 0 && n >= 1 && n <= len(e.Questions[qi].Options) {
				found = n - 1
			}
			if found < 0 {
				return nil, fmt.Errorf("question %d (%s): no option %q; options: %s", qi+1, e.Questions[qi].Text, part, strings.Join(e.Questions[qi].Options, ", "))
			}
			out[qi] = append(out[qi], found)
		}
	}
	return out, nil
}

func describeQuestions(e *ballot.Election) string {
	var parts []string
	for i, q := range e.Questions {
		parts = append(parts, fmt.Sprintf("%d. %s [%s] (%s)", i+1, q.Text, strings.Join(q.Options, ", "), q.Kind))
	}
	return strings.Join(parts, "; ")
}

type openingOut struct {
	Election string     `json:"election"`
	Tracker  string     `json:"tracker"`
	Ballot   string     `json:"ballot"`
	Opening  string     `json:"opening"`
	Choices  [][]string `json:"choices"`
	Verified bool       `json:"verified"`
	Note     string     `json:"note"`
}

func ballotCastCmd() *cobra.Command {
	var (
		o       txOpts
		answers []string
		audit   bool
	)
	cmd := &cobra.Command{
		Use:   "cast ELECTION",
		Short: "Encrypt and cast a ballot (or --audit an encryption without casting)",
		Long: `Encrypt your answers under the election key, prove every selection and
question total, sign and cast. The result data is the ballot's tracker: look
it up with "publica query ballot tracker ELECTION TRACKER". You may vote
again; the last ballot counts.

--audit (Benaloh cast-or-audit): encrypt exactly as for casting, then reveal
the encryption randomness, check that the ballot encrypts your answers, print
the opening and DISCARD the ballot. Run cast again (without --audit) to cast
a fresh encryption; an audited ballot is never cast.`,
		Example: `  publica tx ballot cast city-2026 --answer yes --answer Ben --answer North,East --from citizen-alice
  publica tx ballot cast city-2026 --answer yes --answer Ben --answer North,East --from citizen-alice --audit`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := openBallotSession(cmd, &o, args[0])
			if err != nil {
				return err
			}
			defer s.cancel()
			if s.e.Phase != ballot.PhaseReady {
				return fmt.Errorf("election %s is in phase %s: no ballots now", s.e.ID, s.e.Phase)
			}
			sel, err := parseAnswers(s.e, answers)
			if err != nil {
				return err
			}
			choices, err := ballot.Choices(s.e, sel)
			if err != nil {
				return err
			}
			params, err := s.e.Params()
			if err != nil {
				return err
			}
			b, op, err := elgamal.EncryptBallot(params, s.acct, choices, rand.Reader)
			if err != nil {
				return err
			}
			enc, err := b.Encode()
			if err != nil {
				return err
			}
			if !audit {
				return s.send(cmd, ballot.TypeCast, &ballot.MsgCast{Election: s.e.ID, Ballot: hex.EncodeToString(enc)})
			}
			opEnc, err := op.Encode()
			if err != nil {
				return err
			}
			out := openingOut{Election: s.e.ID, Tracker: ballot.TrackerOf(enc), Ballot: hex.EncodeToString(enc), Opening: hex.EncodeToString(opEnc),
				Note: "audited ballot: spoiled, NOT cast; cast again without --audit to vote with a fresh encryption"}
			for qi, sel := range sel {
				names := []string{}
				for _, oi := range sel {
					names = append(names, s.e.Questions[qi].Options[oi])
				}
				out.Choices = append(out.Choices, names)
			}
			// Check as an independent device would: proofs, then the opening.
			if _, err := ballot.VerifyBallot(params, s.acct, enc); err != nil {
				return fmt.Errorf("the encrypted ballot does not verify: %w", err)
			}
			dec, _ := elgamal.DecodeBallot(enc)
			if err := dec.CheckOpening(params, op); err != nil {
				return fmt.Errorf("AUDIT FAILED: the ballot does not encrypt your answers: %w", err)
			}
			out.Verified = true
			return writeJSON(cmd.OutOrStdout(), out)
		},
	}
	addBuildFlags(cmd, &o, false)
	cmd.Flags().StringArrayVar(&answers, "answer", nil, "answer per question, in order: option text or number, comma separated for approval; \"\" for none")
	cmd.Flags().BoolVar(&audit, "audit", false, "Benaloh audit: encrypt, open and check, and do not cast")
	return cmd
}

func ballotTallyCmd() *cobra.Command {
	return trusteeCmd("tally ELECTION", "After closing: partially decrypt the chain's aggregate (and nothing else)",
		"  publica tx ballot tally city-2026 --from trustee-1", 1,
		func(cmd *cobra.Command, s *ballotSession, idx uint32, args []string) error {
			st, err := s.c.RPC.Status(s.ctx)
			if err != nil {
				return nodeErr(s.addr, err)
			}
			if st.SyncInfo.LatestBlockTime.Unix() < s.e.ClosesAt {
				return fmt.Errorf("election %s closes at %s; the latest block is at %s: refusing to decrypt before the close",
					s.e.ID, time.Unix(s.e.ClosesAt, 0).UTC().Format(time.RFC3339), st.SyncInfo.LatestBlockTime.UTC().Format(time.RFC3339))
			}
			// The aggregate, proven against a signed header: the tool
			// decrypts exactly what the chain computed.
			p, err := s.c.QueryProven(s.ctx, "/ballot/aggregate/"+s.e.ID, nil, 0)
			if err != nil {
				return fmt.Errorf("reading the aggregate with a proof: %w", err)
			}
			if p.Value == nil {
				return errors.New("the chain has no aggregate for this election")
			}
			var agg ballot.Aggregate
			if err := json.Unmarshal(p.Value, &agg); err != nil {
				return err
			}
			trs, cs, err := fetchTrustees(s.ctx, s.c, s.e)
			if err != nil {
				return nodeErr(s.addr, err)
			}
			ksh, err := ballot.KeyShareFor(s.key, s.e, idx, trs, cs)
			if err != nil {
				return err
			}
			m, err := ballot.TallyMsg(ksh, s.e, &agg, rand.Reader)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "decrypting the aggregate of %d ballots proven at height %d\n", agg.Ballots, p.Height)
			return s.send(cmd, ballot.TypeTally, m)
		})
}

// ---- query ballot ----

func queryBallotCmd() *cobra.Command {
	var prove bool
	cmd := &cobra.Command{
		Use:   "ballot",
		Short: "Election records: election, aggregate, result, tracker, vote, trustee",
		Long: `Read an election's records (docs/ballot.md). With --prove each answer is
checked against a signed header.

  election ID            the definition, phase, public key, verification keys
  aggregate ID           the homomorphic sum of the counted ballots
  result ID              the decrypted counts
  tracker ID TRACKER     a ballot's bulletin-board entry (counted/superseded/withdrawn)
  vote ID VOTER          the voter's counted ballot (hex)
  trustee ID INDEX       a trustee's key-ceremony record`,
		Example: "  publica query ballot result city-2026 --prove\n  publica query ballot tracker city-2026 9f2c…",
		Args:    cobra.RangeArgs(2, 3),
		RunE: func(cmd *cobra.Command, args []string) error {
			kind := args[0]
			want := map[string]int{"election": 2, "aggregate": 2, "result": 2, "tracker": 3, "vote": 3, "trustee": 3, "roll": 3}
			n, ok := want[kind]
			if !ok || len(args) != n {
				return fmt.Errorf("usage: query ballot election|aggregate|result ID, or tracker|vote|trustee|roll ID ARG")
			}
			path := "/ballot/" + strings.Join(args, "/")
			if kind == "vote" || kind == "roll" {
				ks, err := openKeys(cmd)
				if err != nil {
					return err
				}
				if args[2], err = resolveAccount(ks, args[2]); err != nil {
					return err
				}
				path = "/ballot/" + strings.Join(args, "/")
			}
			return runStateQuery(cmd, path, nil, prove, false, kind+" "+strings.Join(args[1:], " "))
		},
	}
	cmd.Flags().BoolVar(&prove, "prove", false, "verify a Merkle proof of the answer against a signed header")
	return cmd
}

// ---- audit election ----

func auditElectionCmd() *cobra.Command {
	var (
		offline, asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "election ID",
		Short: "Independently verify an election: key, every ballot, aggregate, partial decryptions, result",
		Long: `Recompute the election key from the trustees' dealings, verify every
counted ballot's proofs (the last ballot of each voter), recompute the
aggregate, verify every trustee's partial decryption and recombine the result,
then print a verdict with counts. docs/ballot-verifier.md specifies every
check so that it can be reimplemented independently.

By default it reads over the node's RPC (--node, all reads pinned to the
latest height); --offline reads HOME/data directly (stop the node first).
Exit status is non-zero unless the verdict is PASS.`,
		Example: "  publica audit election city-2026\n  publica audit election city-2026 --offline --home ./devnet/node0",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var src election.Source
			if offline {
				st, err := store.Open(node.AppDBDir(homeFlag(cmd)), dbm.PebbleDBBackend, store.DefaultOptions())
				if err != nil {
					return fmt.Errorf("%w (is the node still running? stop it, or drop --offline)", err)
				}
				defer st.Close()
				view, err := st.At(st.Version())
				if err != nil {
					return err
				}
				src = election.StoreSource{KV: view}
			} else {
				c, addr, err := connect(cmd)
				if err != nil {
					return err
				}
				ctx, cancel := context.WithTimeout(cmd.Context(), 30*time.Minute)
				defer cancel()
				// The application's last committed height: the block store's
				// latest block may still be executing, and its state not yet
				// queryable.
				info, err := c.RPC.ABCIInfo(ctx)
				if err != nil {
					return nodeErr(addr, err)
				}
				src = election.RPCSource{Ctx: ctx, Client: c, Height: info.Response.LastBlockHeight}
			}
			rep, err := election.Verify(src, args[0])
			if err != nil {
				return err
			}
			if asJSON {
				if err := writeJSON(cmd.OutOrStdout(), rep); err != nil {
					return err
				}
			} else {
				fmt.Fprintln(cmd.OutOrStdout(), rep.Summary())
			}
			if !rep.OK {
				return fmt.Errorf("election %s: verification FAILED (%d failures)", args[0], len(rep.Failures))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&offline, "offline", false, "read HOME/data directly instead of a node's RPC (node stopped)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}
