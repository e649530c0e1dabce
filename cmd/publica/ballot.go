package main

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	dbm "github.com/cosmos/cosmos-db"
	"github.com/spf13/cobra"

	"github.com/publica/publica/audit/election"
	"github.com/publica/publica/client"
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
  each voter:        cast (encrypt, see the tracker, then cast or challenge)
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
			fmt.Fprintf(cmd.ErrOrStderr(), "election %s opens at %s and closes at %s (block time)\n",
				m.ID, formatBlockTime(m.OpensAt), formatBlockTime(m.ClosesAt))
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

// Decisions on an encrypted ballot (--decision, or the answer at the prompt).
const (
	decideCast      = "cast"
	decideChallenge = "challenge"
)

func ballotCastCmd() *cobra.Command {
	var (
		o                       txOpts
		answers                 []string
		decision, challengeFile string
	)
	cmd := &cobra.Command{
		Use:   "cast ELECTION",
		Short: "Encrypt a ballot, show its tracker, then cast it or challenge it",
		Long: `Encrypt your answers under the election key and prove every selection and
question total. The ballot's tracker is printed (on stderr) BEFORE you
decide what to do with it; then you answer:

  cast       sign and cast this ballot. The result data is the tracker: look it
             up with "publica query ballot tracker ELECTION TRACKER". You may
             vote again; the last ballot counts.
  challenge  (Benaloh) open this ballot to check that it encrypts your answers:
             its randomness is revealed, so it is NEVER cast. The challenge
             file (JSON) is written to --challenge-file or stdout; check it on
             another device with "publica audit ballot FILE --tracker TRACKER",
             using the tracker you saw. Then run cast again: a fresh encryption.

The encryption is done before the decision is read, and is given no hint of
it, so a dishonest device cannot encrypt honestly only the ballots that will
be checked. At a terminal you are asked; scripts pass --decision (or write
"cast" or "challenge" on standard input).`,
		Example: `  publica tx ballot cast city-2026 --answer yes --answer Ben --answer North,East --from citizen-alice
  publica tx ballot cast city-2026 --answer yes --answer Ben --answer North,East --from citizen-alice --decision challenge --challenge-file ch.json
  publica audit ballot ch.json --tracker 9f2c…`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if decision != "" && decision != decideCast && decision != decideChallenge {
				return fmt.Errorf("--decision %q: say cast or challenge", decision)
			}
			if challengeFile != "" && decision == decideCast {
				return errors.New("--challenge-file goes with a challenge, not with --decision cast")
			}
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
			// 1. Encrypt and commit: the tracker is fixed and shown.
			committed, err := ballot.Commit(s.e, s.acct, choices, rand.Reader)
			if err != nil {
				return err
			}
			errOut := cmd.ErrOrStderr()
			fmt.Fprintf(errOut, "Your ballot is encrypted. Its tracker is\n  %s\nNote it (the first 8 characters are enough to compare) before you decide.\n", committed.Tracker)
			// 2. Only now the decision.
			if decision == "" {
				if decision, err = askDecision(cmd); err != nil {
					return err
				}
			}
			if decision == decideCast {
				m, err := committed.Cast()
				if err != nil {
					return err
				}
				return s.send(cmd, ballot.TypeCast, m)
			}
			f, err := committed.Challenge()
			if err != nil {
				return err
			}
			if challengeFile == "" {
				if err := writeJSON(cmd.OutOrStdout(), f); err != nil {
					return err
				}
			} else {
				b, _ := json.MarshalIndent(f, "", "  ")
				if err := os.WriteFile(challengeFile, append(b, '\n'), 0o644); err != nil {
					return err
				}
			}
			where := challengeFile
			if where == "" {
				where = "FILE (the JSON above)"
			}
			fmt.Fprintf(errOut, "Challenged: this ballot is opened and will NOT be cast.\n"+
				"Check it on another device: publica audit ballot %s --tracker %s\n"+
				"(or the portal's page /elections/%s/check). Then run cast again to vote: a fresh encryption.\n", where, committed.Tracker, s.e.ID)
			return nil
		},
	}
	addBuildFlags(cmd, &o, false)
	cmd.Flags().StringArrayVar(&answers, "answer", nil, "answer per question, in order: option text or number, comma separated for approval; \"\" for none")
	cmd.Flags().StringVar(&decision, "decision", "", "for scripts: cast or challenge the encrypted ballot without being asked")
	cmd.Flags().StringVar(&challengeFile, "challenge-file", "", "on a challenge: write the challenge file here (default stdout)")
	return cmd
}

// askDecision reads "cast" or "challenge" (or c / ch) from standard input,
// asking on stderr; the tracker has already been printed.
func askDecision(cmd *cobra.Command) (string, error) {
	in := bufio.NewReader(cmd.InOrStdin())
	for range 3 {
		fmt.Fprint(cmd.ErrOrStderr(), "Cast this ballot, or challenge it (open it to check the encryption; it is then NOT cast)? [cast/challenge]: ")
		line, err := in.ReadString('\n')
		switch strings.ToLower(strings.TrimSpace(line)) {
		case "cast", "c":
			return decideCast, nil
		case "challenge", "ch":
			return decideChallenge, nil
		}
		if err != nil {
			fmt.Fprintln(cmd.ErrOrStderr())
			return "", errors.New("no decision: answer cast or challenge, or pass --decision cast|challenge; nothing was cast")
		}
	}
	return "", errors.New("no decision after three answers; nothing was cast")
}

func ballotTallyCmd() *cobra.Command {
	var wait bool
	cmd := trusteeCmd("tally ELECTION", "After closing: partially decrypt the chain's aggregate (and nothing else)",
		"  publica tx ballot tally city-2026 --from trustee-1\n  publica tx ballot tally city-2026 --from trustee-2 --wait   # waits for the closing block", 1,
		func(cmd *cobra.Command, s *ballotSession, idx uint32, args []string) error {
			if wait {
				if err := waitForClose(cmd, s); err != nil {
					return err
				}
			}
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
	cmd.Flags().BoolVar(&wait, "wait", false, "wait until a block at or after the closing time, instead of refusing before it")
	return cmd
}

// waitForClose polls the node until its latest block is at or after the
// election's closing time, then gives the session a fresh timeout for the
// tally itself. Block time, not this machine's clock, decides the close.
func waitForClose(cmd *cobra.Command, s *ballotSession) error {
	closes := time.Unix(s.e.ClosesAt, 0).UTC()
	ctx, cancel := context.WithDeadline(cmd.Context(), closes.Add(2*time.Minute))
	defer cancel()
	said := false
	for {
		st, err := s.c.RPC.Status(ctx)
		if err != nil {
			return nodeErr(s.addr, err)
		}
		if !st.SyncInfo.LatestBlockTime.Before(closes) {
			break
		}
		if !said {
			fmt.Fprintf(cmd.ErrOrStderr(), "waiting for election %s to close at %s (block time; latest block %s)\n",
				s.e.ID, closes.Format(time.RFC3339), st.SyncInfo.LatestBlockTime.UTC().Format(time.RFC3339))
			said = true
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("election %s: no block at or after its close at %s yet: %w", s.e.ID, closes.Format(time.RFC3339), ctx.Err())
		case <-time.After(500 * time.Millisecond):
		}
	}
	s.cancel()
	s.ctx, s.cancel = context.WithTimeout(cmd.Context(), time.Minute)
	return nil
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
			if err := runStateQuery(cmd, path, nil, prove, false, kind+" "+strings.Join(args[1:], " ")); err != nil {
				return err
			}
			if kind == "result" {
				noteResultLabels(cmd, args[1])
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&prove, "prove", false, "verify a Merkle proof of the answer against a signed header")
	return cmd
}

// noteResultLabels writes each question's counts beside its options'
// names (stderr, like the block-time notes): the result record holds
// counts only, in the order of the election's options.
func noteResultLabels(cmd *cobra.Command, id string) {
	r, err := openRead(cmd)
	if err != nil {
		return
	}
	defer r.cancel()
	res, err := readState(r.ctx, r.c, "/ballot/result/"+id, nil, r.height, false)
	if err != nil || res.value == nil {
		return
	}
	def, err := readState(r.ctx, r.c, "/ballot/election/"+id, nil, res.height, false)
	if err != nil || def.value == nil {
		return
	}
	var result ballot.Result
	var e ballot.Election
	if json.Unmarshal(res.value, &result) != nil || json.Unmarshal(def.value, &e) != nil || len(result.Counts) != len(e.Questions) {
		return
	}
	for i, q := range e.Questions {
		if len(result.Counts[i]) != len(q.Options) {
			return
		}
	}
	for i, q := range e.Questions {
		parts := make([]string, len(q.Options))
		for j, o := range q.Options {
			parts[j] = fmt.Sprintf("%s %d", o, result.Counts[i][j])
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "%s: %s\n", q.Text, strings.Join(parts, ", "))
	}
}

// ---- audit election ----

func auditElectionCmd() *cobra.Command {
	var (
		offline, asJSON      bool
		exportFile, fromFile string
		trustHeight          int64
		trustHash            string
		trustPeriod          time.Duration
		witnesses            []string
	)
	cmd := &cobra.Command{
		Use:   "election ID",
		Short: "Independently verify an election: key, every ballot, aggregate, partial decryptions, result",
		Long: `Recompute the election key from the trustees' dealings, verify every
counted ballot's proofs (the last ballot of each voter), recompute the
aggregate, verify every trustee's partial decryption and recombine the result,
then print a verdict with counts. docs/ballot-verifier.md specifies every
check so that it can be reimplemented independently.

By default it reads over the node's RPC (--node), every record at one
height and with a proof against the validator-signed header of the next
block; lists are walked with proofs that no record lies between two listed
ones, so a lying node can make the audit fail but not change or hide a
record. The headers' signatures are checked against the validator set the
node reports; with --trust-height and --trust-hash (a block you trust, from
elsewhere) CometBFT's light client verifies every header from that root
instead, cross-checked with --witness nodes.
--offline reads HOME/data directly (stop the node first).
--export FILE also writes every record it read, at that one height, as the
election record of docs/ballot-verifier.md §6 (JSON); --record FILE
verifies such a file instead of reading a node. The independent JavaScript
verifier (audit/jsverifier) reads the same file.
Exit status is non-zero unless the verdict is PASS.`,
		Example: "  publica audit election city-2026\n  publica audit election city-2026 --offline --home ./devnet/node0\n" +
			"  publica audit election city-2026 --export city-2026.json\n  publica audit election city-2026 --record city-2026.json",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var src election.Source
			var height int64
			switch {
			case fromFile != "":
				if offline || exportFile != "" {
					return fmt.Errorf("--record reads a file: it goes with neither --offline nor --export")
				}
				f, err := os.Open(fromFile)
				if err != nil {
					return err
				}
				rec, err := election.ReadRecord(f)
				f.Close()
				if err != nil {
					return fmt.Errorf("%s: %w", fromFile, err)
				}
				if rec.Election != args[0] {
					return fmt.Errorf("%s is the record of election %q, not %q", fromFile, rec.Election, args[0])
				}
				rep, err := election.VerifyRecord(rec)
				if err != nil {
					return err
				}
				return printElectionReport(cmd, rep, asJSON)
			case offline:
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
				height = st.Version()
			default:
				c, addr, err := connect(cmd)
				if err != nil {
					return err
				}
				ctx, cancel := context.WithTimeout(cmd.Context(), 30*time.Minute)
				defer cancel()
				if trustHeight != 0 || trustHash != "" {
					hash, err := hex.DecodeString(trustHash)
					if err != nil || len(hash) != 32 || trustHeight <= 0 {
						return fmt.Errorf("--trust-height and --trust-hash go together: a height and the 64-hex-digit hash of that block's header")
					}
					st, err := c.RPC.Status(ctx)
					if err != nil {
						return nodeErr(addr, err)
					}
					root := client.TrustRoot{Height: trustHeight, Hash: hash, Period: trustPeriod}
					if err := c.UseLightClient(ctx, st.NodeInfo.Network, addr, witnesses, root); err != nil {
						return err
					}
				}
				// The application's last committed height: the block store's
				// latest block may still be executing, and its state not yet
				// queryable.
				info, err := c.RPC.ABCIInfo(ctx)
				if err != nil {
					return nodeErr(addr, err)
				}
				// A height whose proving header (the next block's) is
				// already signed, so the proofs need not wait for a block.
				settled, err := c.SettledHeight(ctx)
				if err != nil {
					return nodeErr(addr, err)
				}
				height = min(info.Response.LastBlockHeight, settled)
				src = election.RPCSource{Ctx: ctx, Client: c, Height: height, Prove: true}
			}
			if exportFile != "" {
				rec, err := election.Export(src, args[0], height)
				if err != nil {
					return err
				}
				if err := writeElectionRecord(exportFile, rec); err != nil {
					return err
				}
				// Verify exactly what was written.
				src = election.RecordSource{Rec: rec}
			}
			rep, err := election.Verify(src, args[0])
			if err != nil {
				return err
			}
			return printElectionReport(cmd, rep, asJSON)
		},
	}
	cmd.Flags().BoolVar(&offline, "offline", false, "read HOME/data directly instead of a node's RPC (node stopped)")
	cmd.Flags().StringVar(&exportFile, "export", "", "also write the election's whole record at the height read to FILE (JSON, docs/ballot-verifier.md §6)")
	cmd.Flags().StringVar(&fromFile, "record", "", "verify an exported election record FILE instead of reading a node")
	cmd.Flags().Int64Var(&trustHeight, "trust-height", 0, "verify headers with CometBFT's light client from the block at this height (with --trust-hash)")
	cmd.Flags().StringVar(&trustHash, "trust-hash", "", "the trusted block's header hash (64 hex digits), from a source other than the node")
	cmd.Flags().DurationVar(&trustPeriod, "trust-period", 365*24*time.Hour, "with --trust-height: how old the trusted block may be")
	cmd.Flags().StringSliceVar(&witnesses, "witness", nil, "with --trust-height: other nodes' RPC addresses the light client cross-checks headers with (default: the node itself)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}

func printElectionReport(cmd *cobra.Command, rep *election.Report, asJSON bool) error {
	if asJSON {
		if err := writeJSON(cmd.OutOrStdout(), rep); err != nil {
			return err
		}
	} else {
		fmt.Fprintln(cmd.OutOrStdout(), rep.Summary())
	}
	if !rep.OK {
		return fmt.Errorf("election %s: verification FAILED (%d failures)", rep.Election, len(rep.Failures))
	}
	return nil
}

// writeElectionRecord writes rec to path as indented JSON.
func writeElectionRecord(path string, rec *election.Record) error {
	b, err := json.MarshalIndent(rec, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// ---- audit ballot ----

func auditBallotCmd() *cobra.Command {
	var (
		tracker string
		asJSON  bool
	)
	cmd := &cobra.Command{
		Use:   "ballot FILE",
		Short: "Check a challenged ballot: does the ballot you were shown encrypt exactly your choices?",
		Long: `Check a challenge file (from "publica tx ballot cast … --decision challenge"
or the portal's vote page) on a device other than the one that encrypted it.
--tracker is the tracker you were shown BEFORE you chose to challenge; the
election record (its key and questions) is read from the node with a proof
against a validator-signed header. The check (docs/ballot-verifier.md,
"Checking a challenged ballot"): the file's ballot hashes to your tracker,
its proofs verify for the election and the voter, and its opening
re-encrypts to exactly its ciphertexts. The choices it encrypts are printed:
compare them with the ones you made. FILE "-" reads standard input.

Exit status is non-zero unless the verdict is PASS. A challenged ballot is
never cast.`,
		Example: "  publica audit ballot challenge.json --tracker 9f2c0d…",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var raw []byte
			var err error
			if args[0] == "-" {
				raw, err = io.ReadAll(cmd.InOrStdin())
			} else {
				raw, err = os.ReadFile(args[0])
			}
			if err != nil {
				return err
			}
			var head struct {
				Election string `json:"election"`
			}
			if err := json.Unmarshal(raw, &head); err != nil || !ballot.ValidElectionID(head.Election) {
				return fmt.Errorf("%s is not a challenge file (JSON naming its election): %v", args[0], err)
			}
			c, addr, err := connect(cmd)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), time.Minute)
			defer cancel()
			p, err := c.QueryProven(ctx, "/ballot/election/"+head.Election, nil, 0)
			if err != nil {
				return nodeErr(addr, fmt.Errorf("reading election %s with a proof: %w", head.Election, err))
			}
			if p.Value == nil {
				return fmt.Errorf("%w: no election %q", errNotFound, head.Election)
			}
			rep := election.CheckChallenge(p.Value, raw, tracker)
			if asJSON {
				if err := writeJSON(cmd.OutOrStdout(), rep); err != nil {
					return err
				}
			} else {
				fmt.Fprintln(cmd.OutOrStdout(), rep.Summary())
			}
			if !rep.OK {
				return fmt.Errorf("challenged ballot: check FAILED: %s", rep.Problem)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&tracker, "tracker", "", "the tracker you were shown before challenging (64 hex digits)")
	cmd.MarkFlagRequired("tracker")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the verdict as JSON")
	return cmd
}
